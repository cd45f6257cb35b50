// Lists drawn again after acting, end to end on Teams: a case manager answers a referral or acts on a
// follow-up from the "referrals" or "followups" card in the bot chat, and the invoke's answer is the
// whole list again (replacing the card), without the settled entry, or with it as it now is, under a
// line saying what was done. Connected, whose form is a dialog, draws the list message again (PUT)
// once the dialog is saved: Teams names that message in the task/fetch's replyToId.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settableClock, waitUntil } from '../support/followups.js';
import { cardOf, elementsOf, textsOf } from '../support/fake-teams.js';
import { dialogInvoke, referralOf } from '../support/referrals.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  pressOnCard,
  startTeamsHarness,
  T,
  type TeamsHarness,
} from '../support/teams-harness.js';

// Tue 24 Nov 2026 10:00 in New York: contacts logged today; their checks next week, their
// follow-ups next year, so nothing fires while this runs.
const clock = settableClock(new Date('2026-11-24T15:00:00Z'));

type Card = NonNullable<ReturnType<typeof cardOf>>;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: clock.now });
  for (const u of [T.caseManager, T.caseManager2]) expect((await h.send(h.teams.personalInstall(u))).status).toBe(200);
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const forRef = (ref: string) => (data: Record<string, unknown>) => data.ref === ref;
/** Every reference a card's actions carry. */
const refsOn = (card: Card) =>
  new Set(
    elementsOf(card).flatMap((e) =>
      (e.data as { ref?: string } | undefined)?.ref ? [(e.data as { ref: string }).ref] : [],
    ),
  );

/** Writes `text` in the bot chat as `user`, and returns the list card carelog answers with. */
async function listCard(user: typeof T.caseManager, text: string): Promise<Card> {
  const before = h.teams.calls.length;
  await h.send(h.teams.message(user, text));
  const call = await h.teams.waitFor(
    (c) => c.kind === 'sendActivity' && c.conversationId === h.teams.personalConversationId(user) && !!cardOf(c.body),
    before,
  );
  return cardOf(call.body)!;
}

async function contact(values: Record<string, string>) {
  await logTeamsContact(h, T.clinician, {
    ...NEW_CLIENT_INPUTS,
    contact_date: '2026-11-24',
    follow_up_wanted: 'true',
    ...values,
  });
  return prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, include: { client: true } });
}

describe('lists drawn again after acting, on Teams', () => {
  it('"referrals": Declined answers with the list again; Connected redraws the list message once saved', async () => {
    const c = await contact({
      referrals: 'mental_health_treatment,addiction_treatment',
      contact_time: '08:10',
      follow_up_date: '2027-02-01',
      follow_up_assignee: T.caseManager.aadObjectId,
    });
    const mh = await referralOf(h.carelog.deps, c.id, 'mental_health_treatment');
    const sud = await referralOf(h.carelog.deps, c.id, 'addiction_treatment');
    const list = await listCard(T.caseManager, 'referrals');
    expect(textsOf(list)[0]).toBe('You have 2 open referrals to check.');

    const declined = await pressOnCard(h, T.caseManager, list, 'referral_declined', {}, forRef(`${mh.id}:1`));
    expect(declined.type).toBe('application/vnd.microsoft.card.adaptive');
    const redrawn = declined.value as Card;
    expect(textsOf(redrawn)[0]).toMatch(new RegExp(`^Linkage check: ${c.client.code} — Recorded as declined`));
    expect(textsOf(redrawn)[1]).toBe('You have 1 open referral to check.');
    expect(refsOn(redrawn)).toEqual(new Set([`${sud.id}:1`]));
    expect(JSON.stringify(redrawn)).not.toMatch(/addiction/i);
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: mh.id } })).status).toBe('declined');

    // Connected on the redrawn list: the dialog remembers the list message Teams named.
    const connected = elementsOf(redrawn).find((e) => e.title === 'Connected')!;
    const fetch = {
      ...dialogInvoke(h.teams, T.caseManager, 'task/fetch', connected.data as Record<string, unknown>),
      replyToId: 'LIST-0001',
    };
    const opened = (await h.send(fetch)).json as { task: { value: { card: { content: Card } } } };
    const save = elementsOf(opened.task.value.card.content).find((e) => e.type === 'Action.Submit')!.data as Record<
      string,
      unknown
    >;
    expect(save).toMatchObject({ ref: `${sud.id}:1`, list: true, listId: 'LIST-0001' });
    const before = h.teams.calls.length;
    const saved = await h.send(
      dialogInvoke(h.teams, T.caseManager, 'task/submit', { ...save, connected_on: '2026-11-24' }),
    );
    expect(saved.json).toEqual({ task: { type: 'message', value: 'Recorded as connected on Tue, Nov 24, 2026.' } });
    const update = await h.teams.waitFor((c) => c.kind === 'updateActivity' && c.activityId === 'LIST-0001', before);
    expect(update.conversationId).toBe(h.teams.personalConversationId(T.caseManager));
    const card = cardOf(update.body)!;
    expect(textsOf(card)[0]).toMatch(
      new RegExp(`^Linkage check: ${c.client.code} — Recorded as connected on Tue, Nov 24, 2026`),
    );
    expect(textsOf(card)[1]).toBe('You have no open referrals to check.');
    expect(refsOn(card).size).toBe(0);
    expect(update.raw).not.toMatch(/addiction/i);
    await waitUntil(
      async () => (await prisma().referral.findUniqueOrThrow({ where: { id: sud.id } })).status === 'connected',
    );
  });

  it('"followups": Done and Tried, no answer answer with the list again (it went stale before)', async () => {
    for (const time of ['09:00', '09:10'])
      await contact({
        referrals: '',
        contact_time: time,
        follow_up_date: '2027-03-01',
        follow_up_assignee: T.caseManager2.aadObjectId,
      });
    const cm2 = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager2.aadObjectId },
    });
    const [a, b] = await prisma().followUp.findMany({
      where: { assigneeId: cm2.id, status: 'pending' },
      include: { client: true },
      orderBy: { dueAt: 'asc' },
    });
    const list = await listCard(T.caseManager2, 'followups');
    expect(textsOf(list)[0]).toBe('You have 2 pending follow-ups.');

    const done = await pressOnCard(h, T.caseManager2, list, 'nudge_done', {}, forRef(`${a!.id}:1`));
    const afterDone = done.value as Card;
    expect(textsOf(afterDone)[0]).toMatch(new RegExp(`^Follow-up due: ${a!.client.code} — Marked done`));
    expect(textsOf(afterDone)[1]).toBe('You have 1 pending follow-up.');
    expect(refsOn(afterDone)).toEqual(new Set([`${b!.id}:1`]));

    const tried = await pressOnCard(h, T.caseManager2, afterDone, 'nudge_attempt', {}, forRef(`${b!.id}:1`));
    const afterTry = tried.value as Card;
    expect(textsOf(afterTry)[0]).toMatch(new RegExp(`^Follow-up due: ${b!.client.code} — Tried, no answer\\.`));
    // Still pending, as it now is: its new version, one try recorded.
    expect(refsOn(afterTry)).toEqual(new Set([`${b!.id}:2`]));
    expect(JSON.stringify(afterTry)).toContain('1 of 3 tries recorded');
  });
});
