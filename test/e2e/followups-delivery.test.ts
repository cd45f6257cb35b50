// Delivering nudges exactly once, whatever Slack or a crash does: a second run, the crash window
// between send and record (found again through message metadata in the DM's history), a claim
// still in flight, rate limits, people carelog cannot reach, and the overdue stage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminderJobId } from '../../src/queue/reminders.js';
import { CLAIM_LEASE_MS, NO_ASSIGNEE, NudgeInFlightError, sendReminders } from '../../src/services/nudges.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { PROGRAM_YAML, startHarness, type Harness } from '../support/harness.js';
import {
  FOLLOWUP_YAML,
  logContact,
  NEW_CLIENT,
  nudgeDms,
  nudgePosts,
  sendReminder,
  settableClock,
  waitUntil,
} from '../support/followups.js';

const CANARY = 'CANARY-NOTE-d7e2 John Doe';
// Mon 23 Nov 2026, 10:00 New York. Follow-ups are set for Mon 30 Nov, so their own jobs wait a
// week and the tests run the reminders themselves.
const MONDAY = new Date('2026-11-23T15:00:00Z');
const clock = settableClock(MONDAY);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;

async function followUpFor(assignee: string) {
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    contact_date: '2026-11-23',
    contact_time: '09:00',
    follow_up_date: '2026-11-30',
    follow_up_assignee: assignee,
    notes: CANARY,
  });
  const f = await prisma().followUp.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, include: { client: true } });
  const job = await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 1, stage: 'due' }));
  expect(await job?.getState()).toBe('delayed');
  return f;
}

const due = (followUpId: string) => ({ followUpId, version: 1, stage: 'due' as const });
const dmsTo = (user: string) => nudgeDms(h, `D${user}`).length;

describe('sending a nudge exactly once', () => {
  it('a second run of the same reminder sends nothing', async () => {
    const f = await followUpFor('U0CASE1');
    const before = dmsTo('U0CASE1');
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['already-sent']);
    expect(dmsTo('U0CASE1')).toBe(before + 1);
    expect(await prisma().nudge.count({ where: { followUpId: f.id } })).toBe(1);
  });

  it('after a crash between send and record, finds the sent message in the DM history and sends nothing', async () => {
    const f = await followUpFor('U0CASE1');
    const claim = await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'slack',
        recipient: 'U0CASE1',
        claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000),
      },
    });
    h.slack.respond('conversations.history', (call) => ({
      body: {
        ok: true,
        messages: [
          {
            type: 'message',
            ts: '1790000000.000100',
            text: 'other',
            metadata: {
              event_type: 'carelog_nudge',
              event_payload: { nudge_id: '00000000-0000-4000-8000-000000000000' },
            },
          },
          {
            type: 'message',
            ts: '1790000000.000200',
            text: 'the nudge',
            metadata: { event_type: 'carelog_nudge', event_payload: { nudge_id: claim.id } },
          },
        ],
        channel: call.args.channel,
      },
    }));
    try {
      const posts = nudgePosts(h).length;
      const historyBefore = h.slack.callsTo('conversations.history').length;
      const result = await sendReminder(h.carelog.deps, due(f.id));
      expect(result.deliveries).toEqual(['recovered']);
      expect(nudgePosts(h)).toHaveLength(posts);
      const lookup = h.slack.callsTo('conversations.history').slice(historyBefore);
      expect(lookup).toHaveLength(1);
      expect(lookup[0]!.args.channel).toBe('DU0CASE1');
      expect(String(lookup[0]!.args.include_all_metadata)).toBe('true');
      const row = await prisma().nudge.findUniqueOrThrow({ where: { id: claim.id } });
      expect(row.sentAt).not.toBeNull();
      expect(row.channel).toBe('DU0CASE1');
      expect(row.messageTs).toBe('1790000000.000200');
    } finally {
      h.slack.respond('conversations.history', () => undefined);
    }
  });

  it('after a crash, finds the sent message even when many newer ones sit above it in the DM', async () => {
    const f = await followUpFor('U0CASE2');
    const claim = await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'slack',
        recipient: 'U0CASE2',
        claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000),
      },
    });
    // The dead worker's message, then 450 newer ones (the survivor's sends of the rest of a batch).
    const channel = 'DU0CASE2';
    h.slack.messages.push({
      channel,
      ts: '1790000001.000001',
      text: 'the nudge',
      metadata: { event_type: 'carelog_nudge', event_payload: { nudge_id: claim.id } },
    });
    for (let i = 0; i < 450; i++) {
      h.slack.messages.push({
        channel,
        ts: `1790000002.${String(i).padStart(6, '0')}`,
        text: 'newer',
        metadata: {
          event_type: 'carelog_nudge',
          event_payload: { nudge_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
        },
      });
    }
    const posts = nudgePosts(h).length;
    const historyBefore = h.slack.callsTo('conversations.history').length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['recovered']);
    expect(nudgePosts(h)).toHaveLength(posts);
    const pages = h.slack.callsTo('conversations.history').slice(historyBefore);
    expect(pages.map((c) => c.args.cursor ?? null)).toEqual([null, '200', '400']);
    expect((await prisma().nudge.findUniqueOrThrow({ where: { id: claim.id } })).messageTs).toBe('1790000001.000001');
  });

  it('after a crash before the send reached Slack, sends exactly once', async () => {
    const f = await followUpFor('U0CASE1');
    const claim = await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'slack',
        recipient: 'U0CASE1',
        claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000),
      },
    });
    // History holds other messages, none carrying this nudge's id.
    h.slack.respond('conversations.history', () => ({
      body: { ok: true, messages: [{ type: 'message', ts: '1790000000.000300', text: 'hello' }] },
    }));
    try {
      const posts = nudgePosts(h).length;
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
      const sent = nudgePosts(h).slice(posts);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.args.metadata).toEqual({ event_type: 'carelog_nudge', event_payload: { nudge_id: claim.id } });
      expect((await prisma().nudge.findUniqueOrThrow({ where: { id: claim.id } })).messageTs).toMatch(/^\d+\.\d+$/);
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['already-sent']);
      expect(nudgePosts(h)).toHaveLength(posts + 1);
    } finally {
      h.slack.respond('conversations.history', () => undefined);
    }
  });

  it('reroutes when the assignee became unreachable during the crash window', async () => {
    const f = await followUpFor('U0CASE2');
    const claim = await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'slack',
        recipient: 'U0CASE2',
        claimedAt: new Date(Date.now() - CLAIM_LEASE_MS - 1_000),
      },
    });
    h.slack.respond('conversations.open', (call) =>
      call.args.users === 'U0CASE2' ? { body: { ok: false, error: 'user_disabled' } } : undefined,
    );
    try {
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'sent']);
      expect((await prisma().nudge.findUniqueOrThrow({ where: { id: claim.id } })).error).toBe('user_disabled');
      expect(
        await prisma().nudge.count({
          where: { followUpId: f.id, recipient: 'U0SUPV1', kind: 'escalation', sentAt: { not: null } },
        }),
      ).toBe(1);
    } finally {
      h.slack.respond('conversations.open', () => undefined);
    }
  });

  it('leaves a fresh claim to the worker that holds it: the job retries later', async () => {
    const f = await followUpFor('U0CASE1');
    await prisma().nudge.create({
      data: {
        followUpId: f.id,
        version: 1,
        kind: 'due',
        platform: 'slack',
        recipient: 'U0CASE1',
        claimedAt: new Date(),
      },
    });
    const calls = h.slack.calls.length;
    await expect(sendReminder(h.carelog.deps, due(f.id))).rejects.toBeInstanceOf(NudgeInFlightError);
    expect(
      h.slack.calls.slice(calls).filter((c) => c.method === 'chat.postMessage' || c.method === 'conversations.history'),
    ).toEqual([]);
    const row = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id } });
    expect(row.sentAt).toBeNull();
  });
});

describe('many reminders at once (what a worker holding a batch does)', () => {
  it('answers each job on its own: sent, rerouted, already sent, failed, and a job given twice sends once', async () => {
    const a = await followUpFor('U0CASE1');
    const b = await followUpFor('U0CASE1');
    const c = await followUpFor('U0CASE2');
    const d = await followUpFor('U0CASE1');
    const e = await followUpFor('U0CASE1');
    expect((await sendReminder(h.carelog.deps, due(d.id))).deliveries).toEqual(['sent']);
    // U0CASE2 has left the workspace; a Slack outage hits the message for follow-up e only.
    const eText = `Follow-up due: ${e.client.code}`;
    h.slack.respond('chat.postMessage', (call) =>
      call.args.channel === 'DU0CASE2'
        ? { body: { ok: false, error: 'user_not_found' } }
        : String(call.args.text).startsWith(eText)
          ? { body: { ok: false, error: 'internal_error' } }
          : undefined,
    );
    try {
      const posts = nudgePosts(h).length;
      const results = await sendReminders(h.carelog.deps, [
        due(a.id),
        due(b.id),
        due(c.id),
        due(d.id),
        due(a.id),
        due(e.id),
      ]);
      expect(results.slice(0, 5)).toEqual([
        { stale: false, deliveries: ['sent'] },
        { stale: false, deliveries: ['sent'] },
        { stale: false, deliveries: ['unreachable', 'sent'] },
        { stale: false, deliveries: ['already-sent'] },
        { stale: false, deliveries: ['sent'] },
      ]);
      expect(results[5]).toBeInstanceOf(Error);
      const sent = nudgePosts(h).slice(posts);
      const codes = (channel: string) =>
        sent
          .filter((p) => p.args.channel === channel)
          .map((p) => String(p.args.text).match(/PIC-\d+/)![0])
          .sort();
      // Accepted by Slack: a and b once each to their assignee, the reroute of c to the supervisor.
      expect(codes('DU0CASE1').filter((x) => x !== e.client.code)).toEqual([a.client.code, b.client.code].sort());
      expect(codes('DU0SUPV1')).toEqual([c.client.code]);
      const rows = await prisma().nudge.findMany({ where: { followUpId: { in: [a.id, b.id, c.id, d.id, e.id] } } });
      const byFollowUp = (id: string) =>
        rows
          .filter((r) => r.followUpId === id)
          .map((r) => `${r.kind}:${r.recipient}:${r.sentAt ? 'sent' : r.error}`)
          .sort();
      expect(byFollowUp(a.id)).toEqual(['due:U0CASE1:sent']);
      expect(byFollowUp(c.id)).toEqual(['due:U0CASE2:user_not_found', 'escalation:U0SUPV1:sent']);
      // The failed send's claim is free at once (Slack may have taken it): the retry looks first.
      expect(byFollowUp(e.id)).toEqual(['due:U0CASE1:null']);
      // Each follow-up that moved on has its overdue reminder queued; the failed one has none.
      const queued = await h.carelog.deps.reminders.queuedIds();
      for (const f of [a, b, c])
        expect(queued).toContain(reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' }));
      expect(queued).not.toContain(reminderJobId({ followUpId: e.id, version: 1, stage: 'overdue' }));
    } finally {
      h.slack.respond('chat.postMessage', () => undefined);
    }
    const lookups = h.slack.callsTo('conversations.history').length;
    expect((await sendReminder(h.carelog.deps, due(e.id))).deliveries).toEqual(['sent']);
    expect(h.slack.callsTo('conversations.history')).toHaveLength(lookups + 1);
  });

  it('a follow-up with nobody assigned tells the supervisors once, and its due stage is then behind it', async () => {
    const f = await followUpFor('U0CASE1');
    await prisma().followUp.update({ where: { id: f.id }, data: { assigneeId: null } });
    const posts = nudgePosts(h, 'DU0SUPV1').length;
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['already-sent']);
    expect(nudgePosts(h, 'DU0SUPV1')).toHaveLength(posts + 1);
    expect(String(nudgePosts(h, 'DU0SUPV1').at(-1)!.args.text)).toContain(
      `could not reach the assignee about the follow-up for ${f.client.code}`,
    );
    const stage = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, kind: 'due' } });
    expect([stage.recipient, stage.error]).toEqual([NO_ASSIGNEE, 'no_assignee']);
    // The reconciler now wants the overdue stage, not the due one again.
    await reconcileReminders(h.carelog.deps);
    const queued = (await h.carelog.deps.reminders.queuedIds()).filter((id) => id.includes(f.id));
    expect(queued).toEqual([reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' })]);
  });
});

describe('when Slack pushes back', () => {
  it('waits out a 429 with Retry-After and delivers once', async () => {
    const f = await followUpFor('U0CASE1');
    const times: { at: number; status: number }[] = [];
    h.slack.respond('chat.postMessage', () => {
      const first = times.length === 0;
      times.push({ at: Date.now(), status: first ? 429 : 200 });
      return first
        ? { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } }
        : undefined;
    });
    try {
      const before = dmsTo('U0CASE1');
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
      expect(times.map((t) => t.status)).toEqual([429, 200]);
      expect(times[1]!.at - times[0]!.at).toBeGreaterThanOrEqual(950);
      // Two requests, one message: the rate-limited one was refused.
      expect(dmsTo('U0CASE1')).toBe(before + 2);
      const rows = await prisma().nudge.findMany({ where: { followUpId: f.id } });
      expect(rows).toHaveLength(1);
      expect(rows[0]!.sentAt).not.toBeNull();
    } finally {
      h.slack.respond('chat.postMessage', () => undefined);
    }
  });

  it('reroutes to the supervisor when the assignee cannot be reached, with the client code only', async () => {
    const f = await followUpFor('U0CASE2');
    h.slack.respond('conversations.open', (call) =>
      call.args.users === 'U0CASE2' ? { body: { ok: false, error: 'user_not_found' } } : undefined,
    );
    try {
      const before = h.slack.calls.length;
      const result = await sendReminder(h.carelog.deps, due(f.id));
      expect(result.deliveries).toEqual(['unreachable', 'sent']);
      const assigneeRow = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, recipient: 'U0CASE2' } });
      expect(assigneeRow.error).toBe('user_not_found');
      expect(assigneeRow.sentAt).toBeNull();
      const escalation = await prisma().nudge.findFirstOrThrow({ where: { followUpId: f.id, recipient: 'U0SUPV1' } });
      expect(escalation.kind).toBe('escalation');
      expect(escalation.sentAt).not.toBeNull();
      const posts = h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
      expect(posts).toHaveLength(1);
      expect(posts[0]!.args.channel).toBe('DU0SUPV1');
      const text = String(posts[0]!.args.text);
      expect(text).toContain(f.client.code);
      expect(text).toContain('<@U0CASE2>');
      expect(text).toMatch(/could not reach/);
      expect(posts[0]!.raw).not.toMatch(/CANARY|John|addiction|treatment/i);
      expect(posts[0]!.args.metadata).toEqual({
        event_type: 'carelog_nudge',
        event_payload: { nudge_id: escalation.id },
      });
      // Run again (a retry): neither the assignee nor the supervisor hears twice.
      const again = h.slack.calls.length;
      expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'already-sent']);
      expect(h.slack.calls.slice(again).filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
      // The stage counts as done: the next reminder queued is the overdue one.
      const queued = await h.carelog.deps.reminders.queuedIds();
      expect(queued).toContain(reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' }));
    } finally {
      h.slack.respond('conversations.open', () => undefined);
    }
  });

  it('reroutes to the admin when the program names no supervisor', async () => {
    const g = await startHarness({ now: clock.now, yaml: PROGRAM_YAML });
    try {
      await logContact(g, 'U0CLIN1', {
        ...NEW_CLIENT,
        contact_date: '2026-11-23',
        contact_time: '09:00',
        follow_up_date: '2026-11-30',
        follow_up_assignee: 'U0CASE1',
      });
      const f = await g.carelog.deps.db.prisma.followUp.findFirstOrThrow({ include: { client: true } });
      g.slack.respond('conversations.open', (call) =>
        call.args.users === 'U0CASE1' ? { body: { ok: false, error: 'account_inactive' } } : undefined,
      );
      expect((await sendReminder(g.carelog.deps, due(f.id))).deliveries).toEqual(['unreachable', 'sent']);
      const posts = nudgePosts(g);
      expect(posts).toHaveLength(1);
      expect(posts[0]!.args.channel).toBe('DU0ADMN1');
      expect(String(posts[0]!.args.text)).toContain(f.client.code);
      expect((await g.carelog.deps.db.prisma.nudge.findFirstOrThrow({ where: { recipient: 'U0CASE1' } })).error).toBe(
        'account_inactive',
      );
    } finally {
      await g.stop();
    }
  });
});

describe('overdue', () => {
  it('past the overdue time, nudges the assignee again and escalates to the supervisor', async () => {
    const f = await followUpFor('U0CASE1');
    // Thu 3 Dec 10:00: due Mon 30 Nov 09:00, overdue two working days later, Wed 2 Dec 09:00.
    clock.set(new Date('2026-12-03T15:00:00Z'));
    const before = h.slack.calls.length;
    // The due reminder runs (late); the overdue one is then due at once and the worker sends it.
    expect((await sendReminder(h.carelog.deps, due(f.id))).deliveries).toEqual(['sent']);
    const overdue = await waitUntil(
      () => prisma().nudge.findFirst({ where: { followUpId: f.id, kind: 'overdue', sentAt: { not: null } } }),
      8_000,
      'overdue nudge',
    );
    const escalation = await waitUntil(
      () => prisma().nudge.findFirst({ where: { followUpId: f.id, kind: 'escalation', sentAt: { not: null } } }),
      8_000,
      'escalation',
    );
    expect(overdue.recipient).toBe('U0CASE1');
    expect(escalation.recipient).toBe('U0SUPV1');

    const posts = h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    const toAssignee = posts.filter((c) => c.args.channel === 'DU0CASE1');
    expect(toAssignee).toHaveLength(2);
    expect(String(toAssignee[1]!.args.text)).toContain(`Overdue follow-up: ${f.client.code}`);
    expect(JSON.stringify(toAssignee[1]!.args.blocks)).toContain('"action_id":"nudge_done"');
    const toSupervisor = posts.filter((c) => c.args.channel === 'DU0SUPV1');
    expect(toSupervisor).toHaveLength(1);
    expect(String(toSupervisor[0]!.args.text)).toMatch(
      new RegExp(`${f.client.code} \\(due Mon, Nov 30, 2026\\) is overdue; it is with <@U0CASE1>`),
    );
    expect(toSupervisor[0]!.raw).not.toMatch(/CANARY|John|addiction/i);

    // Both stages sent: nothing more is wanted, and the reconciler drops the week-long due job.
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(3);
    await reconcileReminders(h.carelog.deps);
    expect((await h.carelog.deps.reminders.queuedIds()).filter((id) => id.includes(f.id))).toEqual([]);
    clock.set(MONDAY);
  });

  it('with zero working days’ grace, the overdue stage follows the due nudge the same day', async () => {
    const g = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML('followUps: { overdueAfterWorkingDays: 0 }') });
    try {
      // An hour past the nudge hour on the follow-up day: due and overdue both fire at once.
      clock.set(new Date('2026-11-24T15:00:00Z'));
      await logContact(g, 'U0CLIN1', {
        ...NEW_CLIENT,
        contact_date: '2026-11-24',
        contact_time: '08:00',
        follow_up_date: '2026-11-24',
        follow_up_assignee: 'U0CASE1',
      });
      const f = await g.carelog.deps.db.prisma.followUp.findFirstOrThrow();
      const kinds = await waitUntil(
        async () => {
          const rows = await g.carelog.deps.db.prisma.nudge.findMany({
            where: { followUpId: f.id, sentAt: { not: null } },
          });
          return rows.length === 3 ? rows.map((r) => `${r.kind}:${r.recipient}`).sort() : null;
        },
        8_000,
        'due, overdue and escalation',
      );
      expect(kinds).toEqual(['due:U0CASE1', 'escalation:U0SUPV1', 'overdue:U0CASE1']);
      expect(nudgeDms(g, 'DU0CASE1')).toHaveLength(2);
    } finally {
      clock.set(MONDAY);
      await g.stop();
    }
  });
});
