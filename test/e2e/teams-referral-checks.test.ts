// Linkage checks on Teams, end to end: the worker's proactive 1:1 card through the fake Bot
// Connector on the check day; Connected as an Action.Submit opening a dialog (task/fetch), the only
// place a Part 2 category is named, saved by task/submit; Not yet and Declined as adaptiveCard/action
// invokes; every copy of the check updated in place (PUT); and "referrals" in the bot chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobId } from '../../src/queue/referral-checks.js';
import { settableClock, waitUntil } from '../support/followups.js';
import { cardOf, elementsOf, textsOf, type ConnectorCall } from '../support/fake-teams.js';
import { dialogInvoke, referralOf, runCheck } from '../support/referrals.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  pressOnCard,
  startTeamsHarness,
  T,
  type TeamsHarness,
} from '../support/teams-harness.js';

const CANARY = 'CANARY-NOTE-5c3e John Doe, hears voices';
// Tue 24 Nov 2026 09:00 in New York: the nudge hour a week after the contacts below.
const CHECK_DAY = new Date('2026-11-24T14:00:00Z');
const clock = settableClock(new Date(CHECK_DAY.getTime() - 60_000));

type Card = NonNullable<ReturnType<typeof cardOf>>;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: clock.now });
  expect((await h.send(h.teams.personalInstall(T.caseManager))).status).toBe(200);
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const memberOf = (u: typeof T.caseManager) =>
  prisma().member.findFirstOrThrow({ where: { platform: 'teams', platformUserId: u.aadObjectId } });

async function contactWithReferrals(categories: string[]) {
  await logTeamsContact(h, T.clinician, {
    ...NEW_CLIENT_INPUTS,
    referrals: categories.join(','),
    contact_date: '2026-11-17',
    contact_time: '08:00',
    notes: CANARY,
    // The contact's follow-up assignee is the one responsible for its referrals.
    follow_up_date: '2027-01-15',
    follow_up_assignee: T.caseManager.aadObjectId,
  });
  const contact = await prisma().contact.findFirstOrThrow({
    orderBy: { createdAt: 'desc' },
    include: { client: true },
  });
  const cm = await memberOf(T.caseManager);
  const rows = [];
  for (const c of categories) rows.push(await referralOf(h.carelog.deps, contact.id, c));
  // The contact's follow-up assignee is the one asked.
  for (const r of rows) expect(r.assigneeId).toBe(cm.id);
  return { client: contact.client, referrals: rows };
}

/** The check card the Connector received for a referral version. */
async function sentCheck(
  referralId: string,
  version = 1,
): Promise<{ id: string; activityId: string; call: ConnectorCall; card: Card }> {
  const row = await waitUntil(
    () => prisma().referralCheck.findFirst({ where: { referralId, version, sentAt: { not: null } } }),
    10_000,
    'the linkage check',
  );
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity' && JSON.stringify(c.body).includes(row.id));
  return { id: row.id, activityId: row.messageTs!, call, card: cardOf(call.body)! };
}

describe('linkage checks on Teams', () => {
  let first: { referralId: string; checkId: string; activityId: string; card: Card; clientId: string };

  it('sends the check on the day as a 1:1 card, a Part 2 referral named only as confidential', async () => {
    clock.set(new Date(CHECK_DAY.getTime() - 600_000));
    const { client, referrals } = await contactWithReferrals(['addiction_treatment']);
    const r = referrals[0]!;
    expect(r.nextCheckAt!.toISOString()).toBe(CHECK_DAY.toISOString());
    const job = (await h.carelog.queue.getJob(checkJobId({ referralId: r.id, version: 1 })))!;
    expect(await job.getState()).toBe('delayed');
    // 09:00 comes: the worker runs the job then.
    clock.set(CHECK_DAY);
    await job.promote();
    const { id, activityId, call, card } = await sentCheck(r.id);
    expect(call.conversationId).toBe(h.teams.personalConversationId(T.caseManager));
    const texts = textsOf(card).join(' | ');
    expect(texts).toContain(`Linkage check: ${client.code}`);
    const facts = elementsOf(card).find((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] };
    expect(facts.facts).toEqual([
      { title: 'Referral', value: 'Confidential' },
      { title: 'Made', value: 'Tue, Nov 17, 2026' },
      { title: 'Checks so far', value: '1 of 3' },
    ]);
    expect(String(call.body.summary)).toContain('a confidential referral');
    expect(call.raw).not.toMatch(/addiction|substance|CANARY|John Doe/i);
    const actions = elementsOf(card).filter((e) => e.type === 'Action.Execute' || e.type === 'Action.Submit');
    expect(actions.map((a) => a.title)).toEqual(['Connected', 'Not yet', 'Declined', 'Couldn’t reach']);
    expect(actions[0]!.data).toEqual({
      msteams: { type: 'task/fetch' },
      dialog_id: 'referral_connected',
      ref: `${r.id}:1`,
      check: id,
    });
    // Another run of the same job sends nothing.
    const calls = h.teams.calls.length;
    expect(await runCheck(h.carelog.deps, { referralId: r.id, version: 1 })).toEqual({
      stale: false,
      deliveries: ['already-sent'],
    });
    expect(h.teams.calls.length).toBe(calls);
    first = { referralId: r.id, checkId: id, activityId, card, clientId: client.id };
    clock.set(new Date(CHECK_DAY.getTime() + 3600_000));
  });

  it('Connected opens a dialog naming the category; a future date is refused there; a good one is recorded and the card updated', async () => {
    const connected = elementsOf(first.card).find((e) => e.title === 'Connected')!;
    const opened = await h.send(
      dialogInvoke(h.teams, T.caseManager, 'task/fetch', connected.data as Record<string, unknown>),
    );
    expect(opened.status).toBe(200);
    const task = (opened.json as { task: { type: string; value: { card: { content: Card } } } }).task;
    expect(task.type).toBe('continue');
    const dialog = task.value.card.content;
    expect(textsOf(dialog).join(' ')).toContain('Addiction treatment');
    const date = elementsOf(dialog).find((e) => e.type === 'Input.Date')!;
    expect(date).toMatchObject({ id: 'connected_on', value: '2026-11-24', min: '2026-11-17', max: '2026-11-24' });
    const save = elementsOf(dialog).find((e) => e.type === 'Action.Submit')!.data as Record<string, unknown>;

    const future = await h.send(
      dialogInvoke(h.teams, T.caseManager, 'task/submit', { ...save, connected_on: '2026-11-30' }),
    );
    const again = (future.json as { task: { type: string; value: { card: { content: Card } } } }).task;
    expect(again.type).toBe('continue');
    expect(textsOf(again.value.card.content).join(' ')).toMatch(/in the future/);
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: first.referralId } })).version).toBe(1);

    const before = h.teams.calls.length;
    const saved = await h.send(
      dialogInvoke(h.teams, T.caseManager, 'task/submit', { ...save, connected_on: '2026-11-20' }),
    );
    expect(saved.json).toEqual({ task: { type: 'message', value: 'Recorded as connected on Fri, Nov 20, 2026.' } });
    const row = await prisma().referral.findUniqueOrThrow({ where: { id: first.referralId } });
    expect(row.status).toBe('connected');
    expect(row.connectedOn!.toISOString().slice(0, 10)).toBe('2026-11-20');
    expect(row.version).toBe(2);
    // The check in the chat is updated in place: no buttons, still no category.
    const update = await h.teams.waitFor((c) => c.kind === 'updateActivity', before);
    expect(update.conversationId).toBe(h.teams.personalConversationId(T.caseManager));
    expect(update.raw).not.toMatch(/addiction/i);
    const card = cardOf(update.body)!;
    expect(textsOf(card).join(' ')).toContain('Recorded as connected on Fri, Nov 20, 2026 by a colleague.');
    expect(elementsOf(card).filter((e) => String(e.type).startsWith('Action.'))).toEqual([]);
    const actor = await memberOf(T.caseManager);
    expect(
      await prisma().auditEvent.findMany({
        where: { entityId: first.referralId, action: { in: ['referral.read', 'referral.connected'] } },
        select: { action: true, actorId: true },
        orderBy: { id: 'asc' },
      }),
    ).toEqual([
      { action: 'referral.read', actorId: actor.id },
      { action: 'referral.read', actorId: actor.id },
      { action: 'referral.connected', actorId: actor.id },
    ]);
    // The old card's Declined is out of date now.
    const stale = await pressOnCard(h, T.caseManager, first.card, 'referral_declined');
    expect(textsOf(stale.value as Card).join(' ')).toMatch(/out of date/);
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: first.referralId } })).status).toBe('connected');
  });

  it('Not yet replaces the card and queues the next check; Declined closes the referral', async () => {
    const { referrals } = await contactWithReferrals(['mental_health_treatment', 'social_services']);
    const [mh, ss] = referrals;
    const a = await sentCheck(mh!.id);
    expect(JSON.stringify(a.card)).toContain('Mental-health treatment');
    const notYet = await pressOnCard(h, T.caseManager, a.card, 'referral_not_yet');
    expect(notYet.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(textsOf(notYet.value as Card).join(' ')).toContain('carelog will check again on Tue, Dec 1, 2026.');
    const row = await prisma().referral.findUniqueOrThrow({ where: { id: mh!.id } });
    expect(row).toMatchObject({ status: 'made', version: 2, checks: 1 });
    expect(await h.carelog.deps.referralChecks.queuedIds()).toContain(checkJobId({ referralId: mh!.id, version: 2 }));

    const b = await sentCheck(ss!.id);
    const declined = await pressOnCard(h, T.caseManager, b.card, 'referral_declined');
    expect(textsOf(declined.value as Card).join(' ')).toContain('Recorded as declined by a colleague.');
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: ss!.id } })).status).toBe('declined');
  });

  it('lists a person’s open referrals ("referrals"), audited, and refuses outside the 1:1 chat', async () => {
    const before = h.teams.calls.length;
    await h.send(h.teams.message(T.caseManager, 'referrals'));
    const call = await h.teams.waitFor(
      (c) => c.kind === 'sendActivity' && c.conversationId === h.teams.personalConversationId(T.caseManager),
      before,
    );
    const list = cardOf(call.body)!;
    expect(textsOf(list)[0]).toBe('You have 1 open referral to check.');
    expect(call.raw).not.toMatch(/addiction|CANARY/i);
    const actor = await memberOf(T.caseManager);
    const open = await prisma().referral.findFirstOrThrow({ where: { assigneeId: actor.id, status: 'made' } });
    expect(
      await prisma().auditEvent.findFirstOrThrow({
        where: { action: 'referral.list', actorId: actor.id },
        select: { entityId: true, count: true, clientIds: true },
      }),
    ).toEqual({ entityId: actor.id, count: 1, clientIds: [open.clientId] });
    // Mentioned in a channel, carelog lists nothing there.
    const inChannel = h.teams.calls.length;
    await h.send(h.teams.message(T.caseManager, 'referrals', { channel: '19:general@thread.tacv2' }));
    const pointer = await h.teams.waitFor((c) => c.kind === 'sendActivity', inChannel);
    expect(String(pointer.body.text)).toMatch(/only in your private chat/);
    expect(pointer.raw).not.toMatch(/PIC-|Linkage/);
    // Its buttons answer as the check's do.
    const answered = await pressOnCard(h, T.caseManager, list, 'referral_unreachable');
    expect(textsOf(answered.value as Card).join(' ')).toContain('Recorded as couldn’t reach');
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: open.id } })).status).toBe('unreachable');
  });
});
