// Follow-up nudges on Teams, end to end: the conversation reference stored at install, the worker's
// proactive 1:1 card through the fake Bot Connector at the due time, Log follow-up / Snooze / Done /
// Reassign as adaptiveCard/action invokes handled by the same follow-up services as Slack's, and the
// people Teams gives carelog no way to reach reported to the supervisors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderJobId } from '../../src/queue/reminders.js';
import { CLAIM_LEASE_MS } from '../../src/services/nudges.js';
import { sendReminder, settableClock, waitUntil } from '../support/followups.js';
import { cardOf, elementsOf, inputsOf, pressAction, textsOf, type ConnectorCall } from '../support/fake-teams.js';
import {
  logTeamsContact,
  NEW_CLIENT_INPUTS,
  pressOnCard,
  startTeamsHarness,
  T,
  TEAMS_TENANT,
  type TeamsHarness,
} from '../support/teams-harness.js';

const CANARY = 'CANARY-NOTE-9b2d John Doe, hears voices';
// Tue 24 Nov 2026 09:00 in New York: the nudge hour on the follow-up date of the first test.
const DUE = new Date('2026-11-24T14:00:00Z');
const clock = settableClock(new Date(DUE.getTime() - 60_000));

type Card = NonNullable<ReturnType<typeof cardOf>>;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness({ now: clock.now });
  // The case manager installs the app; the supervisor writes to it. Case manager 2 does neither.
  expect((await h.send(h.teams.personalInstall(T.caseManager))).status).toBe(200);
  expect((await h.send(h.teams.message(T.supervisor, 'hi'))).status).toBe(200);
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const conversationOf = (u: typeof T.caseManager) => h.teams.personalConversationId(u);

/** A new client's contact with a follow-up, logged through the Teams form. */
async function followUpFor(assignee: typeof T.caseManager, date = '2026-11-30', contactDate = '2026-11-24') {
  await logTeamsContact(h, T.clinician, {
    ...NEW_CLIENT_INPUTS,
    contact_date: contactDate,
    contact_time: '08:00',
    follow_up_date: date,
    follow_up_assignee: assignee.aadObjectId,
    notes: CANARY,
  });
  return prisma().followUp.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, include: { client: true } });
}

const due = (followUpId: string, version = 1) => ({ followUpId, version, stage: 'due' as const });

/** The nudge card the Connector received for a Nudge row. */
async function nudgeCardFor(nudgeId: string): Promise<{ call: ConnectorCall; card: Card }> {
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity' && JSON.stringify(c.body).includes(nudgeId));
  return { call, card: cardOf(call.body)! };
}

describe('nudges on Teams', () => {
  it('stores the 1:1 conversation when the app is installed', async () => {
    const ref = await prisma().conversationRef.findUniqueOrThrow({
      where: { platform_userId: { platform: 'teams', userId: T.caseManager.aadObjectId } },
    });
    expect(ref).toMatchObject({
      address: T.caseManager.id,
      tenantId: TEAMS_TENANT,
      conversationId: conversationOf(T.caseManager),
    });
    expect(await prisma().conversationRef.count({ where: { userId: T.caseManager2.aadObjectId } })).toBe(0);
  });

  let first: { followUpId: string; nudgeId: string; card: Card; activityId: string };

  it('sends a due follow-up proactively at its time, as a 1:1 card with Log follow-up, Snooze, Done and Reassign', async () => {
    clock.set(new Date(DUE.getTime() - 2_500));
    const f = await followUpFor(T.caseManager, '2026-11-24');
    expect(f.dueAt.toISOString()).toBe(DUE.toISOString());
    expect(await (await h.carelog.queue.getJob(reminderJobId(due(f.id))))!.getState()).toBe('delayed');
    const row = await waitUntil(
      () => prisma().nudge.findFirst({ where: { followUpId: f.id, sentAt: { not: null } } }),
      10_000,
      'the due nudge',
    );
    const { call, card } = await nudgeCardFor(row.id);
    expect(call.conversationId).toBe(conversationOf(T.caseManager));
    expect(h.teams.issuedTokens.has(call.authorization!.replace(/^Bearer /, ''))).toBe(true);
    // Recorded where it went: the conversation and the activity id the Connector gave it.
    expect(row).toMatchObject({
      platform: 'teams',
      recipient: T.caseManager.aadObjectId,
      channel: conversationOf(T.caseManager),
    });
    expect(row.messageTs).toMatch(/^1\d+$/);
    const texts = textsOf(card).join(' | ');
    expect(texts).toContain(`Follow-up due: ${f.client.code}`);
    const facts = elementsOf(card).find((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] };
    expect(facts.facts).toEqual([
      { title: 'Due', value: 'Tue, Nov 24, 2026' },
      { title: 'Last contact', value: 'Tue, Nov 24, 2026' },
      { title: 'Contacts so far', value: '1' },
    ]);
    const verbs = elementsOf(card)
      .filter((e) => e.type === 'Action.Execute')
      .map((e) => e.verb);
    expect(verbs).toEqual(['nudge_log', 'nudge_attempt', 'nudge_snooze', 'nudge_done', 'nudge_reassign']);
    // Every action carries the follow-up reference and the nudge it was sent as.
    for (const v of verbs) expect(pressAction(card, String(v)).data).toMatchObject({ ref: `${f.id}:1`, nudge: row.id });
    expect(call.raw).not.toMatch(/CANARY|John Doe|addiction|treatment/i);
    // Another run of the same reminder sends nothing.
    const calls = h.teams.calls.length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['already-sent']);
    expect(h.teams.calls.length).toBe(calls);
    // The card showed the client's code to the case manager: one audit row, naming the client by id.
    const caseManager = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager.aadObjectId },
    });
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'followup.nudge' },
        select: { actorId: true, entityType: true, entityId: true, clientIds: true },
      }),
    ).toEqual([{ actorId: null, entityType: 'member', entityId: caseManager.id, clientIds: [f.client.id] }]);
    first = { followUpId: f.id, nudgeId: row.id, card, activityId: row.messageTs! };
    clock.set(new Date('2026-11-24T15:00:00Z'));
  });

  it('Log follow-up sends the contact form with the client chosen, leaving the nudge as it is', async () => {
    const before = h.teams.calls.length;
    const answer = await pressOnCard(h, T.caseManager, first.card, 'nudge_log');
    expect(answer).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'The contact form is below.',
    });
    const call = await h.teams.waitFor((c) => c.kind === 'sendActivity' && cardOf(c.body) !== undefined, before);
    expect(call.conversationId).toBe(conversationOf(T.caseManager));
    const client = await prisma().client.findFirstOrThrow({ where: { followUps: { some: { id: first.followUpId } } } });
    expect(inputsOf(cardOf(call.body)!).client!.value).toBe(client.id);
  });

  it('Log follow-up pressed outside the person’s 1:1 chat (a group chat, a channel) opens no form there and reads nothing', async () => {
    const audits = await prisma().auditEvent.count();
    const before = h.teams.calls.length;
    const elsewhere = [
      {
        isGroup: true,
        conversationType: 'groupChat',
        tenantId: TEAMS_TENANT,
        id: '19:groupchat-with-others@thread.v2',
      },
      { isGroup: true, conversationType: 'channel', tenantId: TEAMS_TENANT, id: '19:general@thread.tacv2;messageid=1' },
    ];
    for (const conversation of elsewhere) {
      const res = await h.send({
        ...h.teams.cardAction(T.caseManager, pressAction(first.card, 'nudge_log')),
        conversation,
      });
      expect(res.json).toEqual({
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: expect.stringMatching(/only in your private chat/),
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(h.teams.calls.slice(before)).toEqual([]);
    expect(await prisma().auditEvent.count()).toBe(audits);
  });

  it('Done replaces the card in place; the same button pressed again on the old card says it is out of date', async () => {
    const answer = await pressOnCard(h, T.caseManager, first.card, 'nudge_done');
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    const card = answer.value as Card;
    expect(textsOf(card).join(' ')).toMatch(/Marked done by a colleague\./);
    expect(elementsOf(card).filter((e) => e.type === 'Action.Execute')).toEqual([]);
    const f = await prisma().followUp.findUniqueOrThrow({ where: { id: first.followUpId } });
    expect(f.status).toBe('done');
    expect(f.version).toBe(2);
    const actor = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager.aadObjectId },
    });
    expect(f.lastActorId).toBe(actor.id);
    expect(
      await prisma().auditEvent.count({ where: { action: 'followup.complete', entityId: f.id, actorId: actor.id } }),
    ).toBe(1);
    const again = await pressOnCard(h, T.caseManager, first.card, 'nudge_done');
    expect(textsOf(again.value as Card).join(' ')).toMatch(/out of date/);
    expect((await prisma().followUp.findUniqueOrThrow({ where: { id: first.followUpId } })).version).toBe(2);
  });

  it('Snooze and Reassign take their choice from the card and reschedule through the same services', async () => {
    const f = await followUpFor(T.caseManager);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    const row = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id } });
    const { card } = await nudgeCardFor(row.id);
    const snoozed = await pressOnCard(h, T.caseManager, card, 'nudge_snooze', { nudge_snooze_choice: '3d' });
    expect(textsOf(snoozed.value as Card).join(' ')).toMatch(/Snoozed until Fri, Nov 27, 2026\./);
    const after = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(after.version).toBe(2);
    expect(after.dueAt.toISOString()).toBe('2026-11-27T14:00:00.000Z');
    expect(await h.carelog.deps.reminders.queuedIds()).toContain(
      reminderJobId({ followUpId: f.id, version: 2, stage: 'due' }),
    );

    // A snoozed card is settled; the list of follow-ups offers Reassign again, each reading its own input.
    const listed = await listFollowUps(T.caseManager);
    const refused = await pressOnCard(
      h,
      T.caseManager,
      listed,
      'nudge_reassign',
      reassignInputFor(listed, f.id, T.outsider.aadObjectId),
      forFollowUp(f.id),
    );
    expect(refused).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'That person is not on this program’s carelog roster.',
    });
    expect((await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } })).version).toBe(2);
    const reassigned = await pressOnCard(
      h,
      T.caseManager,
      listed,
      'nudge_reassign',
      reassignInputFor(listed, f.id, T.caseManager2.aadObjectId),
      forFollowUp(f.id),
    );
    expect(textsOf(reassigned.value as Card).join(' ')).toMatch(/Reassigned to a colleague\./);
    const cm2 = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager2.aadObjectId },
    });
    expect((await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } })).assigneeId).toBe(cm2.id);
  });

  /** "followups" in the bot chat, and the list card that comes back. */
  async function listFollowUps(user: typeof T.caseManager): Promise<Card> {
    const before = h.teams.calls.length;
    await h.send(h.teams.message(user, 'followups'));
    const call = await h.teams.waitFor(
      (c) => c.kind === 'sendActivity' && c.conversationId === conversationOf(user),
      before,
    );
    return cardOf(call.body)!;
  }

  const forFollowUp = (id: string) => (data: Record<string, unknown>) => String(data.ref).startsWith(`${id}:`);

  /** In a list, each follow-up's Reassign reads its own input: fill that one. */
  function reassignInputFor(list: Card, followUpId: string, to: string): Record<string, string> {
    const action = elementsOf(list).find(
      (e) =>
        e.type === 'Action.Execute' &&
        e.verb === 'nudge_reassign' &&
        String((e.data as { ref: string }).ref).startsWith(followUpId),
    ) as { data: { input: string } };
    return { [action.data.input]: to };
  }

  it('lists a person’s follow-ups with their actions ("followups"), audited', async () => {
    const list = await listFollowUps(T.caseManager2);
    expect(textsOf(list)[0]).toBe('You have 1 pending follow-up.');
    const actor = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager2.aadObjectId },
    });
    expect(await prisma().auditEvent.count({ where: { action: 'followup.list', actorId: actor.id } })).toBe(1);
    // Naming the one client it showed, by id.
    const pending = await prisma().followUp.findFirstOrThrow({ where: { assigneeId: actor.id, status: 'pending' } });
    expect(textsOf(list).join(' ')).toContain(
      (await prisma().client.findUniqueOrThrow({ where: { id: pending.clientId } })).code,
    );
    expect(
      await prisma().auditEvent.findFirstOrThrow({
        where: { action: 'followup.list', actorId: actor.id },
        select: { entityId: true, count: true, clientIds: true },
      }),
    ).toEqual({ entityId: actor.id, count: 1, clientIds: [pending.clientId] });
    // Not reachable for nudges yet, but they wrote to carelog: now they are.
    expect(
      (await prisma().conversationRef.findFirstOrThrow({ where: { userId: T.caseManager2.aadObjectId } }))
        .conversationId,
    ).toBe(conversationOf(T.caseManager2));
    await prisma().conversationRef.deleteMany({ where: { userId: T.caseManager2.aadObjectId } });
  });

  it('reports a case manager without a stored conversation to the supervisors instead of skipping them', async () => {
    const f = await followUpFor(T.caseManager2);
    const before = h.teams.calls.length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'sent']);
    expect(
      (await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, recipient: T.caseManager2.aadObjectId } }))
        .error,
    ).toBe('no_conversation');
    const sent = h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.conversationId).toBe(conversationOf(T.supervisor));
    expect(String(sent[0]!.body.text)).toMatch(
      new RegExp(
        `could not reach the assignee about the follow-up for ${f.client.code} \\(due Mon, Nov 30, 2026\\)\\. Please reassign it\\.`,
      ),
    );
    expect(sent[0]!.raw).not.toMatch(/CANARY|John|addiction/i);
    // A retry tells nobody twice.
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'already-sent']);
    expect(h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity')).toHaveLength(1);
    // The supervisor was shown the client's code: audited once, naming them and the client; the
    // message that never reached the assignee is not.
    const supervisor = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.supervisor.aadObjectId },
    });
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'followup.nudge', clientIds: { has: f.clientId } },
        select: { entityId: true },
      }),
    ).toEqual([{ entityId: supervisor.id }]);
  });

  it('opens a 1:1 conversation (POST /v3/conversations) for someone known only from being added to a team', async () => {
    await h.send(h.teams.teamMemberAdded(T.admin, T.caseManager2));
    const known = await prisma().conversationRef.findFirstOrThrow({ where: { userId: T.caseManager2.aadObjectId } });
    expect(known).toMatchObject({ address: T.caseManager2.id, conversationId: null });
    const f = await followUpFor(T.caseManager2);
    const before = h.teams.calls.length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    const [create, send] = h.teams.calls.slice(before);
    expect(create!.kind).toBe('createConversation');
    expect(create!.body).toMatchObject({
      isGroup: false,
      bot: { id: h.teams.botId },
      members: [{ id: T.caseManager2.id }],
      tenantId: TEAMS_TENANT,
      channelData: { tenant: { id: TEAMS_TENANT } },
    });
    expect(send!.kind).toBe('sendActivity');
    const opened = (await prisma().conversationRef.findFirstOrThrow({ where: { userId: T.caseManager2.aadObjectId } }))
      .conversationId;
    expect(opened).toMatch(/^a:1/);
    expect(send!.conversationId).toBe(opened);
  });

  it('treats a Connector 403 (the bot blocked or removed) as unreachable and tells the supervisors', async () => {
    const f = await followUpFor(T.caseManager);
    h.teams.respond('sendActivity', (c) =>
      c.conversationId === conversationOf(T.caseManager)
        ? {
            status: 403,
            body: {
              error: { code: 'ConversationBlockedByUser', message: 'User blocked the conversation with the bot.' },
            },
          }
        : undefined,
    );
    try {
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'sent']);
      expect(
        (await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, recipient: T.caseManager.aadObjectId } }))
          .error,
      ).toBe('ConversationBlockedByUser');
    } finally {
      h.teams.clearResponses();
    }
  });

  it('waits out a 429 as Retry-After says, then delivers once', async () => {
    const f = await followUpFor(T.caseManager);
    let limited = 0;
    h.teams.respond('sendActivity', (c) =>
      c.conversationId === conversationOf(T.caseManager) && limited++ === 0
        ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests' } } }
        : undefined,
    );
    try {
      const before = h.teams.calls.length;
      const started = Date.now();
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity')).toHaveLength(2);
      expect(await prisma().nudge.count({ where: { followUpId: f.id, sentAt: { not: null } } })).toBe(1);
    } finally {
      h.teams.clearResponses();
    }
  });

  it('updates a sent nudge in place (PUT) when a logged contact meets its follow-up', async () => {
    const f = await followUpFor(T.caseManager);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    const row = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id } });
    const before = h.teams.calls.length;
    const client = await prisma().client.findUniqueOrThrow({ where: { id: f.clientId } });
    await logTeamsContact(
      h,
      T.clinician,
      { contact_date: '2026-11-24', contact_time: '09:30', source: 'proactive_outreach', disposition: 'referral_only' },
      `contact ${client.code}`,
    );
    const update = await h.teams.waitFor((c) => c.kind === 'updateActivity', before);
    expect(update.conversationId).toBe(row.channel);
    expect(update.activityId).toBe(row.messageTs);
    expect(textsOf(cardOf(update.body)!).join(' ')).toMatch(/Met by a logged contact \(#\d+\)\./);
  });

  it('confirms a back-dated contact whose follow-up a later contact already met as met, not as a promise', async () => {
    await logTeamsContact(h, T.clinician, { ...NEW_CLIENT_INPUTS, contact_date: '2026-11-24', contact_time: '08:00' });
    const client = await prisma().client.findFirstOrThrow({ orderBy: { number: 'desc' } });
    const shown = await logTeamsContact(
      h,
      T.clinician,
      {
        contact_date: '2026-11-23',
        contact_time: '09:00',
        source: 'proactive_outreach',
        disposition: 'referral_only',
        follow_up_date: '2026-11-30',
      },
      `contact ${client.code}`,
    );
    expect(shown).toContain(
      `with ${client.code}. The follow-up for Mon, Nov 30, 2026 is already met by the contact of Tue, Nov 24, 2026.`,
    );
    expect(shown).not.toMatch(/Follow-up on/);
    const followUp = await prisma().followUp.findFirstOrThrow({ where: { clientId: client.id } });
    expect(followUp.status).toBe('done');
  });

  it('after a crash between send and record, sends again once (Teams has no history to read back); the copy is harmless', async () => {
    const f = await followUpFor(T.caseManager);
    const claim = await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'teams',
        recipient: T.caseManager.aadObjectId,
        claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000),
      },
    });
    const before = h.teams.calls.length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['already-sent']);
    const sent = h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity');
    expect(sent).toHaveLength(1);
    expect(JSON.stringify(sent[0]!.body)).toContain(claim.id);
    // Had the first copy reached Teams too, both carry the same version: one Done applies, the other is stale.
    const card = cardOf(sent[0]!.body)!;
    expect(textsOf((await pressOnCard(h, T.caseManager, card, 'nudge_done')).value as Card).join(' ')).toMatch(
      /Marked done/,
    );
    expect(textsOf((await pressOnCard(h, T.caseManager, card, 'nudge_done')).value as Card).join(' ')).toMatch(
      /out of date/,
    );
  });

  it('Tried, no answer records each try, nudges again the next working day (Friday → Monday), and the last closes it unreachable and tells the supervisor once', async () => {
    // Fri 27 Nov 2026, 10:00 in New York.
    clock.set(new Date('2026-11-27T15:00:00Z'));
    try {
      const f = await followUpFor(T.caseManager, '2026-12-04');
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
      const row = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id } });
      const { card } = await nudgeCardFor(row.id);
      expect(pressAction(card, 'nudge_attempt').data).toEqual({
        action: 'nudge_attempt',
        ref: `${f.id}:1`,
        nudge: row.id,
      });

      // First try, on Friday: back on Monday at the nudge hour.
      const first = await pressOnCard(h, T.caseManager, card, 'nudge_attempt');
      expect(first.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(textsOf(first.value as Card)).toContain(
        'Tried, no answer. carelog will remind you again on Mon, Nov 30, 2026.',
      );
      expect(elementsOf(first.value as Card).filter((e) => e.type === 'Action.Execute')).toEqual([]);
      let now = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(now).toMatchObject({ status: 'pending', attempts: 1, version: 2 });
      expect(now.dueAt.toISOString()).toBe('2026-11-30T14:00:00.000Z');
      expect(await h.carelog.deps.reminders.queuedIds()).toContain(
        reminderJobId({ followUpId: f.id, version: 2, stage: 'due' }),
      );
      // The same button again on the old card: out of date, nothing recorded.
      const stale = await pressOnCard(h, T.caseManager, card, 'nudge_attempt');
      expect(textsOf(stale.value as Card).join(' ')).toMatch(/out of date/);
      expect((await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } })).attempts).toBe(1);

      // Second try, from Monday's nudge, which shows the first.
      clock.set(new Date('2026-11-30T14:00:05Z'));
      expect((await sendReminder(h.carelog.deps, due(f.id, 2))).deliveries).toEqual(['sent']);
      const monday = await nudgeCardFor(
        (await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, version: 2 } })).id,
      );
      const facts = elementsOf(monday.card).find((e) => e.type === 'FactSet') as {
        facts: { title: string; value: string }[];
      };
      expect(facts.facts).toContainEqual({ title: 'No answer', value: '1 of 3 tries recorded' });
      await pressOnCard(h, T.caseManager, monday.card, 'nudge_attempt');
      now = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(now).toMatchObject({ attempts: 2, version: 3 });
      expect(now.dueAt.toISOString()).toBe('2026-12-01T14:00:00.000Z');

      // Third try, from the list of follow-ups: closed as unreachable; the supervisor is told once.
      clock.set(new Date('2026-12-01T14:00:05Z'));
      const list = await listFollowUps(T.caseManager);
      expect(textsOf(list).join(' ')).toContain(f.client.code);
      const before = h.teams.calls.length;
      const closed = await pressOnCard(h, T.caseManager, list, 'nudge_attempt', {}, forFollowUp(f.id));
      // The list drawn again: what was done on its first line, the follow-up gone from it.
      expect(textsOf(closed.value as Card)[0]).toMatch(
        `: ${f.client.code} — Closed as unreachable after 3 tries with no answer. The program’s supervisors are told.`,
      );
      expect(
        elementsOf(closed.value as Card).filter(
          (e) => e.type === 'Action.Execute' && forFollowUp(f.id)((e.data ?? {}) as Record<string, unknown>),
        ),
      ).toEqual([]);
      now = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(now).toMatchObject({ status: 'unreachable', attempts: 3, version: 4 });
      expect(now.completedAt).not.toBeNull();
      const notice = await h.teams.waitFor(
        (c) => c.kind === 'sendActivity' && c.conversationId === conversationOf(T.supervisor),
        before,
      );
      expect(notice.body.text).toBe(
        `Follow-up for ${f.client.code} closed as unreachable after 3 attempts with no answer.`,
      );
      expect(notice.raw).not.toMatch(/CANARY|John|voices|addiction|treatment/i);
      await waitUntil(
        () => prisma().nudge.findFirst({ where: { followUpId: f.id, kind: 'unreachable', sentAt: { not: null } } }),
        5_000,
        'the notice recorded',
      );
      expect(
        (await sendReminder(h.carelog.deps, { followUpId: f.id, version: 4, stage: 'unreachable' })).deliveries,
      ).toEqual(['already-sent']);
      await new Promise((r) => setTimeout(r, 300));
      const sent = h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity');
      expect(sent.map((c) => c.conversationId)).toEqual([conversationOf(T.supervisor)]);
      const actor = await prisma().member.findFirstOrThrow({
        where: { platform: 'teams', platformUserId: T.caseManager.aadObjectId },
      });
      expect(
        (
          await prisma().auditEvent.findMany({
            where: { entityId: f.id, action: { in: ['followup.attempt', 'followup.unreachable'] }, actorId: actor.id },
          })
        ).map((a) => a.action),
      ).toEqual(['followup.attempt', 'followup.attempt', 'followup.attempt', 'followup.unreachable']);
      // Monday's card, pressed after the close: out of date; nobody is told again.
      const late = await pressOnCard(h, T.caseManager, monday.card, 'nudge_attempt');
      expect(textsOf(late.value as Card).join(' ')).toMatch(/out of date/);
      expect((await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } })).attempts).toBe(3);
    } finally {
      clock.set(new Date('2026-11-24T15:00:00Z'));
    }
  });

  it('refuses nudge actions from people not on the roster', async () => {
    const answer = await pressOnCard(h, T.outsider, first.card, 'nudge_done');
    expect(answer).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringMatching(/Only members/),
    });
  });

  it('forgets a person who removes the app: their next nudge goes to the supervisors', async () => {
    await h.send(h.teams.installationUpdate(T.caseManager, 'remove'));
    expect(await prisma().conversationRef.count({ where: { userId: T.caseManager.aadObjectId } })).toBe(0);
    const f = await followUpFor(T.caseManager);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'sent']);
  });

  it('never lets the canary note out', () => {
    for (const call of h.teams.calls) expect(call.raw).not.toMatch(/CANARY|John Doe/);
    for (const line of h.logs) expect(line).not.toMatch(/CANARY|John Doe|hears voices/);
  });
});
