// Follow-ups end to end: a contact with a follow-up becomes a delayed BullMQ job on the real Redis,
// the worker DMs the case manager at the due time through the fake Slack, and the nudge's buttons
// (signed block_actions) change the row in Postgres and the message in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSignedRequest, signSlackRequest } from '../support/slack-requests.js';
import { reminderJobId } from '../../src/queue/reminders.js';
import { startHarness, SIGNING_SECRET, TEAM, type Harness } from '../support/harness.js';
import {
  blocksText,
  carelogCommand,
  FOLLOWUP_YAML,
  logContact,
  messageAction,
  NEW_CLIENT,
  nudgeDms,
  nudgeElements,
  settableClock,
  waitUntil,
} from '../support/followups.js';

const CANARY = 'CANARY-NOTE-c41f Jane Roe, hears voices';
// Tue 24 Nov 2026 09:00 in New York: the nudge hour on the follow-up date used below.
const DUE = new Date('2026-11-24T14:00:00Z');
const clock = settableClock(new Date(DUE.getTime() - 60_000));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;

/** Logs a contact for a new client with a follow-up today and returns the follow-up and client. */
async function newClientWithFollowUp(extra: Record<string, unknown> = {}) {
  const before = await prisma().followUp.count();
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    contact_date: '2026-11-24',
    contact_time: '08:30',
    follow_up_date: '2026-11-24',
    follow_up_assignee: 'U0CASE1',
    notes: CANARY,
    ...extra,
  });
  expect(await prisma().followUp.count()).toBe(before + 1);
  return prisma().followUp.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, include: { client: true } });
}

/** The nudge DM sent for a follow-up (version, recipient), with where it went. */
async function sentNudge(followUpId: string, recipient = 'U0CASE1', version = 1) {
  const row = await waitUntil(
    () => prisma().nudge.findFirst({ where: { followUpId, version, recipient, sentAt: { not: null } } }),
    8_000,
    `nudge for ${followUpId} to ${recipient}`,
  ).catch(async (err) => {
    console.log(
      JSON.stringify(
        {
          ids: await h.carelog.deps.reminders.queuedIds(),
          failed: await h.carelog.deps.reminders.failedIds(),
          nudges: await prisma().nudge.findMany({ where: { followUpId } }),
          f: await prisma().followUp.findUnique({ where: { id: followUpId } }),
          logs: h.logs.filter((l) => l.includes('"level":40') || l.includes('"level":50')).slice(-5),
        },
        null,
        1,
      ),
    );
    throw err;
  });
  const call = nudgeDms(h).find(
    (c) => (c.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id === row.id,
  );
  expect(call, 'the DM carrying this nudge id').toBeDefined();
  return { row, call: call!, sent: { channel: row.channel!, ts: row.messageTs!, blocks: call!.args.blocks } };
}

describe('follow-up nudges', () => {
  it('DMs the case manager at the due time with code, dates and count, and no clinical content', async () => {
    // Two seconds before 09:00 on the due day: the job is delayed about that long, in real time.
    clock.set(new Date(DUE.getTime() - 2_500));
    // When 09:00 on the injected clock comes round in real time.
    const dueInRealTime = Date.now() + (DUE.getTime() - clock.now().getTime());
    const dmsBefore = nudgeDms(h).length;
    const f = await newClientWithFollowUp();
    expect(f.dueAt.toISOString()).toBe(DUE.toISOString());
    expect(f.version).toBe(1);
    const job = await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'due' }));
    expect(job, 'the due job is queued under its deterministic id').toBeDefined();
    expect(await job!.getState()).toBe('delayed');
    // Not sent early.
    expect(nudgeDms(h)).toHaveLength(dmsBefore);

    const { row, call } = await sentNudge(f.id);
    // It fired at (not before) the due time. sentAt is the real time of sending.
    expect(row.sentAt!.getTime()).toBeGreaterThanOrEqual(dueInRealTime - 50);
    expect(row.sentAt!.getTime()).toBeLessThan(dueInRealTime + 5_000);
    expect(h.slack.callsTo('conversations.open').some((c) => c.args.users === 'U0CASE1')).toBe(true);
    expect(call.args.channel).toBe('DU0CASE1');
    expect(row.channel).toBe('DU0CASE1');
    expect(row.messageTs).toMatch(/^\d+\.\d+$/);
    expect(row.kind).toBe('due');
    expect(call.args.metadata).toEqual({ event_type: 'carelog_nudge', event_payload: { nudge_id: row.id } });

    const text = blocksText(call.args.blocks);
    expect(text).toContain(f.client.code);
    expect(text).toContain('Tue, Nov 24, 2026'); // due and last contact
    expect(text).toMatch(/Contacts so far\*\\n1/);
    const elements = nudgeElements(call.args.blocks);
    expect(Object.keys(elements).sort()).toEqual([
      'nudge_attempt',
      'nudge_done',
      'nudge_log',
      'nudge_reassign',
      'nudge_snooze',
    ]);
    expect(elements.nudge_done!.value).toBe(`${f.id}:1`);
    expect(elements.nudge_reassign!.action_id).toBe(`nudge_reassign|${f.id}:1`);
    expect(elements.nudge_reassign!.type).toBe('users_select');
    expect((elements.nudge_snooze!.options as { value: string }[]).map((o) => o.value)).toEqual([
      `${f.id}:1|1d`,
      `${f.id}:1|3d`,
      `${f.id}:1|1w`,
    ]);
    for (const raw of [call.raw, String(call.args.text)]) {
      expect(raw).not.toContain('CANARY');
      expect(raw).not.toMatch(/addiction|treatment|Jane/i);
    }
    // The DM showed the client's code to the case manager: one audit row, naming the client by id.
    const case1 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE1')!;
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'followup.nudge' },
        select: { actorId: true, entityType: true, entityId: true, clientIds: true },
      }),
    ).toEqual([{ actorId: null, entityType: 'member', entityId: case1.memberId, clientIds: [f.client.id] }]);
    // Once sent, the next stage waits: the overdue reminder, two working days later.
    const overdue = await waitUntil(
      () => h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' })),
      5_000,
      'the overdue job',
    );
    expect(await overdue?.getState()).toBe('delayed');
    expect(overdue.delay).toBeGreaterThan(47 * 3600_000);
  });

  describe('acting on a nudge', () => {
    // From here the clock stands an hour after the nudge hour: new follow-ups for today fire at once.
    beforeAll(() => clock.set(new Date(DUE.getTime() + 3600_000)));

    it('Done marks it done and updates that message in place, without buttons', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const before = h.slack.calls.length;
      const res = await h.interact(messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_done!));
      expect(res.status).toBe(200);
      const update = await h.slack.waitFor('chat.update', before);
      expect(update.args.channel).toBe(sent.channel);
      expect(update.args.ts).toBe(sent.ts);
      expect(blocksText(update.args.blocks)).toContain('Marked done by <@U0CASE1>');
      expect(Object.keys(nudgeElements(update.args.blocks))).toEqual([]);
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.status).toBe('done');
      expect(row.version).toBe(2);
      expect(row.completedAt).not.toBeNull();
      // Nothing left queued for it.
      expect(
        await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' })),
      ).toBeUndefined();
      expect(
        await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 2, stage: 'due' })),
      ).toBeUndefined();

      // The same message's Snooze, now out of date: nothing changes and the message says so.
      const stale = h.slack.calls.length;
      const snooze = nudgeElements(sent.blocks).nudge_snooze!;
      await h.interact(
        messageAction(h, 'U0CASE1', sent, snooze, { selected_option: (snooze.options as unknown[])[0] }),
      );
      const staleUpdate = await h.slack.waitFor('chat.update', stale);
      expect(staleUpdate.args.ts).toBe(sent.ts);
      expect(blocksText(staleUpdate.args.blocks)).toMatch(/out of date/);
      expect(Object.keys(nudgeElements(staleUpdate.args.blocks))).toEqual([]);
      const after = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(after.status).toBe('done');
      expect(after.version).toBe(2);
      expect(after.dueAt).toEqual(row.dueAt);
      // Drawing the message again shows the record as it is now: audited as a read.
      const case1 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE1')!;
      expect(
        await prisma().auditEvent.count({
          where: { action: 'client.read', actorId: case1.memberId, entityId: row.clientId },
        }),
      ).toBe(1);
    });

    it('Snooze 1 day moves the due time, bumps the version and replaces the job', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const oldOverdue = reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' });
      // The worker queues the next stage just after recording the nudge.
      await waitUntil(() => h.carelog.queue.getJob(oldOverdue), 5_000, 'the overdue job');
      const snooze = nudgeElements(sent.blocks).nudge_snooze!;
      const oneDay = (snooze.options as { value: string }[]).find((o) => o.value.endsWith('|1d'))!;
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, 'U0CASE1', sent, snooze, { selected_option: oneDay }));
      const update = await h.slack.waitFor('chat.update', before);
      expect(update.args.ts).toBe(sent.ts);
      expect(blocksText(update.args.blocks)).toContain('Snoozed until Wed, Nov 25, 2026');
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.status).toBe('pending');
      expect(row.version).toBe(2);
      expect(row.dueAt.toISOString()).toBe('2026-11-25T14:00:00.000Z');
      expect(await h.carelog.queue.getJob(oldOverdue)).toBeUndefined();
      const next = await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 2, stage: 'due' }));
      expect(await next?.getState()).toBe('delayed');
      expect(next!.data).toEqual({ followUpId: f.id, version: 2, stage: 'due' });
    });

    it('Reassign hands it to another case manager, who gets a nudge of their own', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const before = h.slack.calls.length;
      await h.interact(
        messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_reassign!, { selected_user: 'U0CASE2' }),
      );
      const update = await h.slack.waitFor('chat.update', before);
      expect(update.args.ts).toBe(sent.ts);
      expect(blocksText(update.args.blocks)).toContain('Reassigned to <@U0CASE2>');
      const case2 = await prisma().member.findFirstOrThrow({ where: { platformUserId: 'U0CASE2' } });
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.assigneeId).toBe(case2.id);
      expect(row.version).toBe(2);
      // Already past its due time: the new assignee is nudged straight away.
      const second = await sentNudge(f.id, 'U0CASE2', 2);
      expect(second.row.channel).toBe('DU0CASE2');
      expect(nudgeElements(second.sent.blocks).nudge_done!.value).toBe(`${f.id}:2`);
    });

    it('Reassign to someone off the roster changes nothing', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const before = h.slack.calls.length;
      await h.interact(
        messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_reassign!, { selected_user: 'U0STRANGER' }),
      );
      const reply = await h.slack.waitFor('response_url.T0TEST', before);
      expect(String(reply.args.text)).toMatch(/not on this program/);
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.version).toBe(1);
      expect(row.assigneeId).toBe(f.assigneeId);
    });

    it('Log follow-up opens the contact form with the client chosen', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_log!));
      const open = await h.slack.waitFor('views.open', before);
      const view = open.args.view as {
        callback_id: string;
        blocks: { block_id: string; element?: { initial_option?: { text: { text: string }; value: string } } }[];
      };
      expect(view.callback_id).toBe('contact_form');
      const client = view.blocks.find((b) => b.block_id === 'client');
      expect(client!.element!.initial_option!.text.text).toBe(f.client.code);
      expect(client!.element!.initial_option!.value).toBe(f.clientId);
      // Opening the form alone settles nothing.
      expect((await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } })).status).toBe('pending');
    });

    it('an outsider’s or a non-worker’s action changes nothing', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      for (const user of ['U0STRANGER', 'U0LEAD1']) {
        const before = h.slack.calls.length;
        await h.interact(messageAction(h, user, sent, nudgeElements(sent.blocks).nudge_done!));
        const reply = await h.slack.waitFor('response_url.T0TEST', before);
        expect(String(reply.args.text)).toMatch(/Only members of your co-responder team/);
        expect(h.slack.calls.slice(before).filter((c) => c.method === 'chat.update')).toHaveLength(0);
      }
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.status).toBe('pending');
      expect(row.version).toBe(1);
    });

    it('logging a contact for the client meets the follow-up, updates the sent nudge and drops its job', async () => {
      const f = await newClientWithFollowUp();
      const { sent } = await sentNudge(f.id);
      const job = reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' });
      await waitUntil(() => h.carelog.queue.getJob(job), 5_000, 'the overdue job');
      const before = h.slack.calls.length;
      await logContact(h, 'U0CLIN1', {
        client: { value: f.clientId, text: f.client.code },
        contact_date: '2026-11-24',
        contact_time: '09:50',
        source: 'proactive_outreach',
        disposition: 'referral_only',
      });
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
      expect(row.status).toBe('done');
      const met = await prisma().contact.findFirstOrThrow({
        where: { clientId: f.clientId },
        orderBy: { number: 'desc' },
      });
      expect(row.metByContactId).toBe(met.id);
      const update = await waitUntil(() =>
        h.slack.calls.slice(before).find((c) => c.method === 'chat.update' && c.args.ts === sent.ts),
      );
      expect(update.args.channel).toBe(sent.channel);
      expect(blocksText(update.args.blocks)).toContain(`Met by a logged contact (#${met.number})`);
      expect(Object.keys(nudgeElements(update.args.blocks))).toEqual([]);
      expect(await h.carelog.queue.getJob(job)).toBeUndefined();
      expect((await h.carelog.deps.reminders.queuedIds()).filter((id) => id.includes(f.id))).toEqual([]);
    });
  });

  describe('lists, help and Home', () => {
    it('/carelog followups lists the person’s pending follow-ups privately, with the same buttons', async () => {
      const pending = await prisma().followUp.findMany({
        where: { status: 'pending', assignee: { platformUserId: 'U0CASE1' } },
        include: { client: true },
      });
      expect(pending.length).toBeGreaterThanOrEqual(2);
      const res = await carelogCommand(h, 'U0CASE1', 'followups');
      expect(res.status).toBe(200);
      const body = res.json as { response_type: string; text: string; blocks: { block_id: string }[] };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toContain(`You have ${pending.length} pending follow-up`);
      const text = blocksText(body.blocks);
      for (const p of pending) {
        expect(text).toContain(p.client.code);
        expect(text).toContain(`"value":"${p.id}:${p.version}"`);
      }
      for (const id of ['nudge_log', 'nudge_attempt', 'nudge_snooze', 'nudge_done', 'nudge_reassign'])
        expect(text).toContain(`"action_id":"${id}`);
      expect(new Set(body.blocks.map((b) => b.block_id)).size).toBe(body.blocks.length);
      expect(text).not.toContain('CANARY');
      // The list's audit row names the clients it showed, by id.
      const case1 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE1')!;
      const listed = await prisma().auditEvent.findFirstOrThrow({
        where: { action: 'followup.list', actorId: case1.memberId },
        orderBy: { id: 'desc' },
      });
      expect(listed).toMatchObject({ entityType: 'member', entityId: case1.memberId, count: pending.length });
      expect([...listed.clientIds].sort()).toEqual([...new Set(pending.map((p) => p.clientId))].sort());

      // Someone with nothing pending hears so; someone off the roster hears nothing about clients.
      const empty = await carelogCommand(h, 'U0SUPV1', 'followups');
      expect((empty.json as { text: string }).text).toBe('You have no pending follow-ups.');
      const stranger = await carelogCommand(h, 'U0STRANGER', 'followups');
      expect((stranger.json as { text: string }).text).toMatch(/Only members/);
      expect(JSON.stringify(stranger.json)).not.toContain('PIC-');
    });

    it('acting from the /carelog followups list replaces the list entry through the response URL', async () => {
      const res = await carelogCommand(h, 'U0CASE1', 'followups');
      const blocks = (res.json as { blocks: unknown[] }).blocks;
      const done = nudgeElements(blocks).nudge_done!;
      const [id, version] = String(done.value).split(':');
      const list = { channel: 'C0SIMCHAN', ts: '1795000000.000042', blocks };
      const payload = messageAction(h, 'U0CASE1', list, done);
      const before = h.slack.calls.length;
      await h.interact({ ...payload, container: { ...payload.container, is_ephemeral: true } });
      const reply = await h.slack.waitFor('response_url.T0TEST', before);
      expect(reply.args.replace_original).toBe(true);
      expect(blocksText(reply.args.blocks)).toContain('Marked done by <@U0CASE1>');
      expect(h.slack.calls.slice(before).filter((c) => c.method === 'chat.update')).toHaveLength(0);
      const row = await prisma().followUp.findUniqueOrThrow({ where: { id: id! } });
      expect(row.status).toBe('done');
      expect(row.version).toBe(Number(version) + 1);
    });

    it('audits exactly the clients a long list shows (the first 11), once for the list', async () => {
      const case1 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE1')!;
      // Enough pending follow-ups, due next year (no reminder fires while this runs), to pass a
      // message's limit.
      const program = await prisma().program.findUniqueOrThrow({ where: { id: 'wilmington' } });
      const added: string[] = [];
      for (let i = 0; i < 14; i++) {
        const number = program.nextClientNumber + i;
        const client = await prisma().client.create({
          data: {
            programId: 'wilmington',
            number,
            code: `PIC-${String(number).padStart(4, '0')}`,
            sex: 'not_reported',
            ageBand: 'not_reported',
            firstContactAt: DUE,
          },
        });
        const contact = await prisma().contact.create({
          data: {
            programId: 'wilmington',
            number: 9000 + i,
            clientId: client.id,
            occurredAt: DUE,
            authorId: case1.memberId,
            source: 'self_referral',
            disposition: 'resolved_on_scene',
            idempotencyKey: `list-${i}`,
          },
        });
        const f = await prisma().followUp.create({
          data: {
            programId: 'wilmington',
            clientId: client.id,
            originContactId: contact.id,
            dueAt: new Date(Date.UTC(2027, 5, 1 + i, 13)),
            assigneeId: case1.memberId,
          },
        });
        added.push(f.id);
      }
      await prisma().program.update({
        where: { id: 'wilmington' },
        data: { nextClientNumber: program.nextClientNumber + 14 },
      });
      try {
        const before = await prisma().auditEvent.count({ where: { action: 'followup.list' } });
        const res = await carelogCommand(h, 'U0CASE1', 'followups');
        const text = blocksText((res.json as { blocks: unknown[] }).blocks);
        expect((res.json as { text: string }).text).toMatch(/You have 1\d pending follow-ups/);
        expect(text).toContain('more.');
        const clients = await prisma().client.findMany({
          where: { programId: 'wilmington' },
          select: { id: true, code: true },
        });
        const shown = clients.filter((c) => text.includes(`${c.code}`)).map((c) => c.id);
        expect(shown).toHaveLength(11);
        const events = await prisma().auditEvent.findMany({
          where: { action: 'followup.list' },
          orderBy: { id: 'asc' },
          skip: before,
        });
        expect(events).toHaveLength(1);
        expect(events[0]!.count).toBe(11);
        expect([...events[0]!.clientIds].sort()).toEqual([...shown].sort());
      } finally {
        await prisma().followUp.updateMany({
          where: { id: { in: added } },
          data: { status: 'done', version: { increment: 1 } },
        });
      }
    });

    it('/carelog help lists the commands', async () => {
      for (const text of ['help', '']) {
        const res = await carelogCommand(h, 'U0CLIN1', text);
        const body = res.json as { response_type: string; text: string };
        expect(body.response_type).toBe('ephemeral');
        expect(body.text).toContain('/contact');
        expect(body.text).toContain('/carelog followups');
        expect(body.text).toContain('/carelog help');
      }
    });

    it('publishes the Home tab with a "Log a contact" button and the person’s follow-ups', async () => {
      const body = JSON.stringify({
        token: 'deprecated',
        team_id: TEAM,
        api_app_id: 'A0CARELOG',
        event: {
          type: 'app_home_opened',
          user: 'U0CASE1',
          channel: 'DU0CASE1',
          tab: 'home',
          event_ts: `${Date.now() / 1000}`,
        },
        type: 'event_callback',
        event_id: `Ev${Date.now()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [{ team_id: TEAM, user_id: 'U0CARELOG', is_bot: true }],
      });
      const before = h.slack.calls.length;
      const res = await sendSignedRequest({
        url: h.url,
        signingSecret: SIGNING_SECRET,
        body,
        contentType: 'application/json',
      });
      expect(res.status).toBe(200);
      const publish = await h.slack.waitFor('views.publish', before);
      expect(publish.args.user_id).toBe('U0CASE1');
      const view = publish.args.view as { type: string; blocks: unknown[] };
      expect(view.type).toBe('home');
      const text = blocksText(view.blocks);
      expect(text).toContain('"action_id":"home_log_contact"');
      expect(text).toContain('Log a contact');
      expect(text).toContain('pending follow-up');
      // Its button opens the contact form.
      const home = { channel: 'DU0CASE1', ts: '0', blocks: view.blocks };
      const button = (view.blocks as { elements?: Record<string, unknown>[] }[])
        .flatMap((b) => b.elements ?? [])
        .find((e) => e.action_id === 'home_log_contact')!;
      const click = messageAction(h, 'U0CASE1', home, button);
      const opens = h.slack.calls.length;
      await h.interact({
        ...click,
        container: { type: 'view', view_id: 'VHOME1' },
        view: { id: 'VHOME1', type: 'home', blocks: view.blocks },
      });
      const form = await h.slack.waitFor('views.open', opens);
      expect((form.args.view as { callback_id: string }).callback_id).toBe('contact_form');
      // A forged event (wrong secret) publishes nothing.
      const ts = Math.floor(Date.now() / 1000);
      const forged = await fetch(h.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': signSlackRequest('wrong', body, ts),
        },
        body,
      });
      expect(forged.status).toBe(401);
    });
  });

  it('never lets the canary note or referral types out to Slack or the logs', () => {
    expect(nudgeDms(h).length).toBeGreaterThan(5);
    for (const call of h.slack.calls) {
      expect(call.raw).not.toContain('CANARY');
      if (call.method !== 'views.open') expect(call.raw).not.toMatch(/addiction_treatment/);
    }
    for (const line of h.logs) expect(line).not.toContain('CANARY');
  });
});
