// "Tried, no answer" on a follow-up nudge, end to end on Slack: each try is recorded and audited,
// the follow-up is nudged again at the nudge hour of the next working day (a Friday's try on
// Monday), and the last try allowed (followUps.maxAttempts, 3 by default) closes it as unreachable,
// updates the message in place without buttons and tells the supervisor once, with the code and
// the count only. Old buttons do nothing; a notice lost with Redis comes back through the
// reconciler; the digest does not count an unreachable follow-up as completed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodContaining } from '../../src/domain/periods.js';
import { reminderJobId } from '../../src/queue/reminders.js';
import { computeDigest } from '../../src/services/digest.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  blocksText,
  carelogCommand,
  FOLLOWUP_YAML,
  logContact,
  messageAction,
  NEW_CLIENT,
  nudgeDms,
  nudgeElements,
  nudgePosts,
  sendReminder,
  settableClock,
  waitUntil,
} from '../support/followups.js';

const CANARY = 'CANARY-NOTE-5a1e Jane Roe, hears voices';
// Fri 27 Nov 2026, 10:00 in New York: an hour past the nudge hour, so a follow-up for today is
// nudged at once.
const FRIDAY = new Date('2026-11-27T15:00:00Z');
const clock = settableClock(FRIDAY);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const member = (user: string) => h.carelog.deps.directory.member('wilmington', 'slack', user)!;

/** A new client's contact asking for a follow-up on `date`, assigned to case manager 1. */
async function followUpOn(date: string) {
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    contact_date: '2026-11-26',
    contact_time: '16:00',
    follow_up_date: date,
    follow_up_assignee: 'U0CASE1',
    notes: CANARY,
  });
  return prisma().followUp.findFirstOrThrow({ orderBy: { createdAt: 'desc' }, include: { client: true } });
}

/** The nudge DM sent for a version of a follow-up, with where it went and its blocks. */
async function sentNudge(followUpId: string, version: number) {
  const row = await waitUntil(
    () => prisma().nudge.findFirst({ where: { followUpId, version, kind: 'due', sentAt: { not: null } } }),
    8_000,
    `the nudge for version ${version}`,
  );
  const call = nudgeDms(h).find(
    (c) => (c.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id === row.id,
  )!;
  return { channel: row.channel!, ts: row.messageTs!, blocks: call.args.blocks };
}

/** Presses "Tried, no answer" on a sent message and returns the message as carelog updated it. */
async function tryOn(sent: { channel: string; ts: string; blocks: unknown }, user = 'U0CASE1') {
  const before = h.slack.calls.length;
  const res = await h.interact(messageAction(h, user, sent, nudgeElements(sent.blocks).nudge_attempt!));
  expect(res.status).toBe(200);
  const update = await h.slack.waitFor('chat.update', before);
  expect(update.args.channel).toBe(sent.channel);
  expect(update.args.ts).toBe(sent.ts);
  return update.args.blocks;
}

/** Runs a reminder job now, through the worker, as if its time had come. */
async function fireNow(followUpId: string, version: number) {
  const job = await h.carelog.queue.getJob(reminderJobId({ followUpId, version, stage: 'due' }));
  expect(await job?.getState()).toBe('delayed');
  await job!.promote();
}

const supervisorNotices = () =>
  nudgePosts(h, 'DU0SUPV1').filter((c) => String(c.args.text).includes('closed as unreachable'));

describe('Tried, no answer', () => {
  let f: Awaited<ReturnType<typeof followUpOn>>;
  let firstMessage: { channel: string; ts: string; blocks: unknown };
  let lastMessage: { channel: string; ts: string; blocks: unknown };

  it('is offered on a nudge beside its other actions, carrying the follow-up and version', async () => {
    f = await followUpOn('2026-11-27');
    firstMessage = await sentNudge(f.id, 1);
    const elements = nudgeElements(firstMessage.blocks);
    expect(Object.keys(elements)).toEqual([
      'nudge_log',
      'nudge_attempt',
      'nudge_snooze',
      'nudge_done',
      'nudge_reassign',
    ]);
    expect(elements.nudge_attempt).toMatchObject({
      type: 'button',
      value: `${f.id}:1`,
      text: { type: 'plain_text', text: 'Tried, no answer' },
    });
    // No try yet: the message says nothing about tries.
    expect(blocksText(firstMessage.blocks)).not.toContain('No answer');
  });

  it('on a Friday records the try and nudges again on Monday at the nudge hour', async () => {
    const overdueJob = reminderJobId({ followUpId: f.id, version: 1, stage: 'overdue' });
    await waitUntil(() => h.carelog.queue.getJob(overdueJob), 5_000, 'the overdue job');
    const blocks = await tryOn(firstMessage);
    const text = blocksText(blocks);
    expect(text).toContain('Tried, no answer. carelog will remind you again on Mon, Nov 30, 2026.');
    expect(text).toContain('*No answer*\\n1 of 3 tries recorded');
    expect(text).toContain('*Due*\\nMon, Nov 30, 2026');
    // The message is settled: its buttons belonged to the version that just changed.
    expect(Object.keys(nudgeElements(blocks))).toEqual([]);

    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ status: 'pending', attempts: 1, version: 2, completedAt: null });
    expect(row.dueAt.toISOString()).toBe('2026-11-30T14:00:00.000Z'); // Mon 09:00 New York
    expect(Math.abs(row.lastAttemptAt!.getTime() - clock.now().getTime())).toBeLessThan(60_000);
    expect(row.lastActorId).toBe(member('U0CASE1').memberId);
    // The reminder is replaced: the old version's overdue stage is gone, Monday's nudge waits.
    expect(await h.carelog.queue.getJob(overdueJob)).toBeUndefined();
    const next = await h.carelog.queue.getJob(reminderJobId({ followUpId: f.id, version: 2, stage: 'due' }));
    expect(await next?.getState()).toBe('delayed');
    expect(next!.delay).toBeGreaterThan(70 * 3600_000); // Friday 10:00 to Monday 09:00: 71 hours
    expect(
      await prisma().auditEvent.findMany({
        where: { entityId: f.id, action: { startsWith: 'followup.' } },
        select: { action: true, actorId: true, entityType: true },
      }),
    ).toEqual([
      { action: 'followup.create', actorId: member('U0CLIN1').memberId, entityType: 'followup' },
      { action: 'followup.attempt', actorId: member('U0CASE1').memberId, entityType: 'followup' },
    ]);
  });

  it('pressed again on the old message records nothing and redraws it as the follow-up now stands', async () => {
    const blocks = await tryOn(firstMessage);
    expect(blocksText(blocks)).toMatch(/out of date/);
    expect(blocksText(blocks)).toContain('1 of 3 tries recorded');
    // Its buttons now carry the current version.
    expect(nudgeElements(blocks).nudge_attempt!.value).toBe(`${f.id}:2`);
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ attempts: 1, version: 2, status: 'pending' });
    expect(await prisma().auditEvent.count({ where: { entityId: f.id, action: 'followup.attempt' } })).toBe(1);
  });

  it('Monday’s nudge shows the tries so far; a second try moves it to Tuesday', async () => {
    clock.set(new Date('2026-11-30T14:00:05Z'));
    await fireNow(f.id, 2);
    const monday = await sentNudge(f.id, 2);
    expect(blocksText(monday.blocks)).toContain(`Follow-up due: ${f.client.code}`);
    expect(blocksText(monday.blocks)).toContain('*No answer*\\n1 of 3 tries recorded');
    expect(nudgeElements(monday.blocks).nudge_attempt!.value).toBe(`${f.id}:2`);
    const blocks = await tryOn(monday);
    expect(blocksText(blocks)).toContain('carelog will remind you again on Tue, Dec 1, 2026.');
    expect(blocksText(blocks)).toContain('2 of 3 tries recorded');
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ status: 'pending', attempts: 2, version: 3 });
    expect(row.dueAt.toISOString()).toBe('2026-12-01T14:00:00.000Z');
  });

  it('the third try closes it as unreachable, in place and without buttons, and tells the supervisor once', async () => {
    clock.set(new Date('2026-12-01T14:00:05Z'));
    await fireNow(f.id, 3);
    lastMessage = await sentNudge(f.id, 3);
    expect(blocksText(lastMessage.blocks)).toContain('2 of 3 tries recorded');
    const before = h.slack.calls.length;
    const blocks = await tryOn(lastMessage);
    expect(blocksText(blocks)).toContain(
      'Closed as unreachable after 3 tries with no answer. The program’s supervisors are told.',
    );
    expect(blocksText(blocks)).toContain('3 of 3 tries recorded');
    expect(Object.keys(nudgeElements(blocks))).toEqual([]);

    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ status: 'unreachable', attempts: 3, version: 4, metByContactId: null });
    expect(Math.abs(row.completedAt!.getTime() - clock.now().getTime())).toBeLessThan(60_000);
    expect(
      (
        await prisma().auditEvent.findMany({
          where: { entityId: f.id, action: { in: ['followup.attempt', 'followup.unreachable'] } },
          select: { action: true, actorId: true },
        })
      ).map((a) => a.action),
    ).toEqual(['followup.attempt', 'followup.attempt', 'followup.attempt', 'followup.unreachable']);

    // The supervisor hears of it once: the code and the count, nothing clinical.
    const notice = await waitUntil(
      () =>
        prisma().nudge.findFirst({
          where: { followUpId: f.id, kind: 'unreachable', sentAt: { not: null } },
        }),
      8_000,
      'the notice to the supervisor',
    );
    expect(notice).toMatchObject({ version: 4, recipient: 'U0SUPV1', channel: 'DU0SUPV1', error: null });
    const posts = h.slack.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.channel).toBe('DU0SUPV1');
    expect(posts[0]!.args.text).toBe(
      `Follow-up for ${f.client.code} closed as unreachable after 3 attempts with no answer.`,
    );
    expect(posts[0]!.args.blocks).toBeUndefined();
    expect(posts[0]!.args.metadata).toEqual({ event_type: 'carelog_nudge', event_payload: { nudge_id: notice.id } });
    expect(posts[0]!.raw).not.toMatch(/CANARY|Jane|voices|addiction|treatment/i);
    // Audited as what it is: the client's code shown to the supervisor.
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'followup.nudge', entityId: member('U0SUPV1').memberId, clientIds: { has: f.clientId } },
        select: { actorId: true, entityType: true },
      }),
    ).toEqual([{ actorId: null, entityType: 'member' }]);

    // Nothing is left queued for it, and neither a second run nor the reconciler tells anyone again.
    expect(
      (await sendReminder(h.carelog.deps, { followUpId: f.id, version: 4, stage: 'unreachable' })).deliveries,
    ).toEqual(['already-sent']);
    await reconcileReminders(h.carelog.deps);
    expect((await h.carelog.deps.reminders.queuedIds()).filter((id) => id.includes(f.id))).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisorNotices().filter((c) => String(c.args.text).includes(f.client.code))).toHaveLength(1);
    expect(nudgePosts(h, 'DU0ADMN1')).toEqual([]);
  });

  it('old buttons on a closed follow-up change nothing and tell no one', async () => {
    const posts = h.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    for (const id of ['nudge_attempt', 'nudge_done'] as const) {
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, 'U0CASE1', lastMessage, nudgeElements(lastMessage.blocks)[id]!));
      const update = await h.slack.waitFor('chat.update', before);
      expect(blocksText(update.args.blocks)).toMatch(/out of date/);
      // Drawn again as the record now stands: every try recorded, nothing left to press.
      expect(blocksText(update.args.blocks)).toContain('3 of 3 tries recorded');
      expect(Object.keys(nudgeElements(update.args.blocks))).toEqual([]);
    }
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ status: 'unreachable', attempts: 3, version: 4 });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(posts);
  });

  it('a closed follow-up is not pending: a later contact does not meet it and lists leave it out', async () => {
    await logContact(h, 'U0CLIN1', {
      client: { value: f.clientId, text: f.client.code },
      contact_date: '2026-12-01',
      contact_time: '08:30',
      source: 'proactive_outreach',
      disposition: 'referral_only',
    });
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: f.id } });
    expect(row).toMatchObject({ status: 'unreachable', metByContactId: null, version: 4 });
    const res = await carelogCommand(h, 'U0CASE1', 'followups');
    expect(blocksText((res.json as { blocks: unknown }).blocks)).not.toContain(f.id);
  });
});

describe('Tried, no answer, elsewhere', () => {
  it('two presses of the same button at once record one try', async () => {
    clock.set(new Date('2026-12-01T15:00:00Z'));
    const g = await followUpOn('2026-12-01');
    const sent = await sentNudge(g.id, 1);
    const press = () => h.interact(messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_attempt!));
    const answers = await Promise.all([press(), press()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await waitUntil(
      () => h.slack.calls.filter((c) => c.method === 'chat.update' && c.args.ts === sent.ts).length >= 2,
      5_000,
      'both answers',
    );
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: g.id } });
    expect(row).toMatchObject({ attempts: 1, version: 2, status: 'pending' });
    expect(row.dueAt.toISOString()).toBe('2026-12-02T14:00:00.000Z'); // Tuesday's try → Wednesday
    expect(await prisma().auditEvent.count({ where: { entityId: g.id, action: 'followup.attempt' } })).toBe(1);
  });

  it('from /carelog followups: the list offers it and shows the tries, and acting replaces the entry', async () => {
    const res = await carelogCommand(h, 'U0CASE1', 'followups');
    const blocks = (res.json as { blocks: unknown[] }).blocks;
    const tried = await prisma().followUp.findFirstOrThrow({
      where: { status: 'pending', attempts: 1, assignee: { platformUserId: 'U0CASE1' } },
      include: { client: true },
    });
    const text = blocksText(blocks);
    expect(text).toContain(`"action_id":"nudge_attempt","text":{"type":"plain_text","text":"Tried, no answer"`);
    expect(text).toContain(`"value":"${tried.id}:${tried.version}"`);
    expect(text).toContain('1 of 3 tries recorded');

    // Press it on the tried follow-up's entry: the list is ephemeral, so the answer goes by response URL.
    const actions = (blocks as { type: string; elements?: Record<string, unknown>[] }[]).filter(
      (b) => b.type === 'actions',
    );
    const element = actions
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'nudge_attempt' && e.value === `${tried.id}:${tried.version}`)!;
    const list = { channel: 'C0SIMCHAN', ts: '1795000000.000077', blocks };
    const payload = messageAction(h, 'U0CASE1', list, element);
    const before = h.slack.calls.length;
    await h.interact({ ...payload, container: { ...payload.container, is_ephemeral: true } });
    const reply = await h.slack.waitFor('response_url.T0TEST', before);
    expect(reply.args.replace_original).toBe(true);
    expect(blocksText(reply.args.blocks)).toContain(
      'Tried, no answer. carelog will remind you again on Wed, Dec 2, 2026.',
    );
    expect(blocksText(reply.args.blocks)).toContain('2 of 3 tries recorded');
    const row = await prisma().followUp.findUniqueOrThrow({ where: { id: tried.id } });
    expect(row).toMatchObject({ attempts: 2, version: tried.version + 1 });
  });

  it('someone who may not work follow-ups records nothing', async () => {
    const g = await followUpOn('2026-12-01');
    const sent = await sentNudge(g.id, 1);
    const before = h.slack.calls.length;
    await h.interact(messageAction(h, 'U0LEAD1', sent, nudgeElements(sent.blocks).nudge_attempt!));
    const reply = await h.slack.waitFor('response_url.T0TEST', before);
    expect(String(reply.args.text)).toMatch(/Only members of your co-responder team/);
    expect(await prisma().followUp.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({
      attempts: 0,
      version: 1,
    });
  });

  it('closed by the only supervisor, it tells no one (they know) and is settled for the reconciler', async () => {
    const g = await followUpOn('2026-12-01');
    const sent = await sentNudge(g.id, 1);
    // Two tries already recorded on this version (as a lowered followUps.maxAttempts would leave it).
    await prisma().followUp.update({ where: { id: g.id }, data: { attempts: 2 } });
    const posts = h.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    const before = h.slack.calls.length;
    await h.interact(messageAction(h, 'U0SUPV1', sent, nudgeElements(sent.blocks).nudge_attempt!));
    const update = await h.slack.waitFor('chat.update', before);
    expect(blocksText(update.args.blocks)).toContain('Closed as unreachable after 3 tries');
    expect(await prisma().followUp.findUniqueOrThrow({ where: { id: g.id } })).toMatchObject({
      status: 'unreachable',
      attempts: 3,
      lastActorId: member('U0SUPV1').memberId,
    });
    const marker = await waitUntil(
      () => prisma().nudge.findFirst({ where: { followUpId: g.id, kind: 'unreachable' } }),
      5_000,
      'the notice settled',
    );
    expect(marker).toMatchObject({ recipient: '-', error: 'no_recipient', sentAt: null });
    await reconcileReminders(h.carelog.deps);
    expect((await h.carelog.deps.reminders.queuedIds()).filter((id) => id.includes(g.id))).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.filter((c) => c.method === 'chat.postMessage').length).toBe(posts);
  });

  it('a notice lost in a crash before it was queued is queued by the reconciler and sent once', async () => {
    const g = await followUpOn('2026-12-01');
    const program = h.carelog.deps.directory.program('wilmington')!;
    // Overdue at the end of the week of Nov 30 (due Dec 1, overdue from Dec 3), as it stands.
    const week = periodContaining('week', '2026-12-06', program.timezone);
    const nextWeek = periodContaining('week', '2026-12-07', program.timezone);
    const before = await computeDigest(prisma(), program, week);
    const completedBefore = (await computeDigest(prisma(), program, nextWeek)).followUpsCompleted;
    // As if the process stopped right after the third try was written, before the notice was queued.
    await h.carelog.deps.reminders.unschedule(g.id, 1);
    await prisma().followUp.update({
      where: { id: g.id },
      data: {
        status: 'unreachable',
        attempts: 3,
        lastAttemptAt: new Date('2026-12-08T15:00:00Z'),
        completedAt: new Date('2026-12-08T15:00:00Z'),
        version: 2,
        lastActorId: member('U0CASE1').memberId,
      },
    });
    const result = await reconcileReminders(h.carelog.deps);
    expect(result.added).toBeGreaterThanOrEqual(1);
    const notice = await waitUntil(
      () => prisma().nudge.findFirst({ where: { followUpId: g.id, kind: 'unreachable', sentAt: { not: null } } }),
      8_000,
      'the notice',
    );
    expect(notice.recipient).toBe('U0SUPV1');
    await reconcileReminders(h.carelog.deps);
    await new Promise((r) => setTimeout(r, 300));
    expect(supervisorNotices().filter((c) => String(c.args.text).includes(g.client.code))).toHaveLength(1);

    // Still pending at the end of that week, so still overdue then; not a completed follow-up the
    // week it closed.
    expect((await computeDigest(prisma(), program, week)).followUpsOverdue).toBe(before.followUpsOverdue);
    expect((await computeDigest(prisma(), program, nextWeek)).followUpsCompleted).toBe(completedBefore);
  });

  it('never lets the canary note out', () => {
    for (const call of h.slack.calls) expect(call.raw).not.toMatch(/CANARY|Jane Roe|hears voices/);
    for (const line of h.logs) expect(line).not.toMatch(/CANARY|Jane Roe|hears voices/);
  });
});
