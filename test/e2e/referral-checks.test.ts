// Linkage checks end to end on Slack: a contact with a referral becomes a delayed BullMQ job on the
// real Redis, the worker DMs the case manager on the day through the fake Slack, and the check's
// buttons (signed block_actions, and the Connected modal's view_submission) change the referral in
// Postgres and the message in place. A Part 2 referral is never named in what stays in the DM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkJobId } from '../../src/queue/referral-checks.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { sendSignedRequest } from '../support/slack-requests.js';
import {
  blocksText,
  carelogCommand,
  FOLLOWUP_YAML,
  logContact,
  messageAction,
  NEW_CLIENT,
  nudgeElements,
  settableClock,
  waitUntil,
} from '../support/followups.js';
import { checkPost, checkPosts, connectedSubmission, referralOf, runCheck } from '../support/referrals.js';
import { reconcileReferralChecks, sendReferralChecks } from '../../src/services/referral-checks.js';
import { computeDigest } from '../../src/services/digest.js';
import { parsePeriod } from '../../src/domain/periods.js';

const CANARY = 'CANARY-NOTE-7e1a Jane Roe, hears voices';
// Tue 24 Nov 2026 09:00 in New York: the nudge hour seven days after the contacts below.
const CHECK_DAY = new Date('2026-11-24T14:00:00Z');
const clock = settableClock(new Date(CHECK_DAY.getTime() - 60_000));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const member = (id: string) => h.carelog.deps.directory.member('wilmington', 'slack', id)!;

/** A new client's contact a week before the check day, with these referrals; answers the referrals. */
async function contactWithReferrals(categories: string[], assignee = 'U0CASE1') {
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    referrals: categories,
    contact_date: '2026-11-17',
    contact_time: '08:30',
    notes: CANARY,
    // The contact's follow-up assignee is the one responsible for its referrals.
    follow_up_date: '2027-01-15',
    follow_up_assignee: assignee,
  });
  const contact = await prisma().contact.findFirstOrThrow({
    orderBy: { createdAt: 'desc' },
    include: { client: true },
  });
  const rows = [];
  for (const c of categories) rows.push(await referralOf(h.carelog.deps, contact.id, c));
  for (const r of rows) expect(r.assigneeId).toBe(member(assignee).memberId);
  return { contact, client: contact.client, referrals: rows };
}

/** The check DM sent for a referral version, with where it went. */
async function sentCheck(referralId: string, version = 1) {
  const row = await waitUntil(
    () => prisma().referralCheck.findFirst({ where: { referralId, version, sentAt: { not: null } } }),
    10_000,
    `linkage check for ${referralId} v${version}`,
  );
  const call = checkPost(h, row.id);
  expect(call, 'the DM carrying this check id').toBeDefined();
  return { row, call: call!, sent: { channel: row.channel!, ts: row.messageTs!, blocks: call!.args.blocks } };
}

let views = 0;
/** Presses Connected on a sent check, and answers the modal it opened. */
async function openConnected(user: string, sent: { channel: string; ts: string; blocks: unknown }) {
  const before = h.slack.calls.length;
  await h.interact(messageAction(h, user, sent, nudgeElements(sent.blocks).referral_connected!));
  const open = await h.slack.waitFor('views.open', before);
  const view = open.args.view as Record<string, unknown>;
  const opened = { id: `VRC${++views}${Date.now()}`, view };
  return { view, submit: (date: string) => h.interact(connectedSubmission(user, opened, date)) };
}

describe('linkage checks on Slack', () => {
  let part2: { referralId: string; sent: { channel: string; ts: string; blocks: unknown }; clientId: string };

  it('DMs the assignee on the check day, naming a Part 2 referral only as confidential', async () => {
    // Ten minutes before the nudge hour on the check day: the job waits for it.
    clock.set(new Date(CHECK_DAY.getTime() - 600_000));
    const before = checkPosts(h).length;
    const { client, referrals } = await contactWithReferrals(['addiction_treatment', 'mental_health_treatment']);
    const [sud, mh] = referrals;
    expect(sud!.nextCheckAt!.toISOString()).toBe(CHECK_DAY.toISOString());
    expect(sud!.status).toBe('made');
    const job = await h.carelog.queue.getJob(checkJobId({ referralId: sud!.id, version: 1 }));
    expect(job, 'the check job is queued under its deterministic id').toBeDefined();
    expect(await job!.getState()).toBe('delayed');
    expect(Math.abs(job!.delay - 600_000)).toBeLessThan(60_000);
    expect(checkPosts(h)).toHaveLength(before);

    // 09:00 comes: the worker runs the job then.
    clock.set(CHECK_DAY);
    await job!.promote();
    await (await h.carelog.queue.getJob(checkJobId({ referralId: mh!.id, version: 1 })))!.promote();
    const { row, call, sent } = await sentCheck(sud!.id);
    expect(row.sentAt).not.toBeNull();
    expect(call.args.channel).toBe('DU0CASE1');
    expect(call.args.metadata).toEqual({ event_type: 'carelog_referral_check', event_payload: { check_id: row.id } });
    const text = `${String(call.args.text)} ${blocksText(call.args.blocks)}`;
    expect(text).toContain(client.code);
    expect(text).toContain('a confidential referral');
    expect(text).toContain('Tue, Nov 17, 2026');
    expect(text).toMatch(/Checks so far\*\\n1 of 3/);
    for (const raw of [call.raw, text]) {
      expect(raw).not.toMatch(/addiction|substance|part 2|CANARY|Jane/i);
    }
    expect(Object.keys(nudgeElements(call.args.blocks)).sort()).toEqual([
      'referral_connected',
      'referral_declined',
      'referral_not_yet',
      'referral_unreachable',
    ]);
    expect(nudgeElements(call.args.blocks).referral_connected!.value).toBe(`${sud!.id}:1`);
    // Counted on the referral, behind it, and audited once as shown to the case manager.
    const after = await prisma().referral.findUniqueOrThrow({ where: { id: sud!.id } });
    expect(after).toMatchObject({ checks: 1, nextCheckAt: null, version: 1, status: 'made' });
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'referral.check', clientIds: { has: client.id } },
        select: { actorId: true, entityType: true, entityId: true },
      }),
    ).toEqual(expect.arrayContaining([{ actorId: null, entityType: 'member', entityId: member('U0CASE1').memberId }]));
    // The other referral may be named: it is not Part 2.
    const other = await sentCheck(mh!.id);
    expect(blocksText(other.call.args.blocks)).toContain('Mental-health treatment');
    part2 = { referralId: sud!.id, sent, clientId: client.id };
  });

  it('Connected opens a modal naming the category, refuses a future or too-early date, and records the date', async () => {
    clock.set(new Date(CHECK_DAY.getTime() + 3600_000));
    const { view, submit } = await openConnected('U0CASE1', part2.sent);
    expect(view.callback_id).toBe('referral_connected_form');
    const modal = blocksText(view.blocks);
    // The modal is not kept in chat history: the one place the category is shown.
    expect(modal).toContain('Addiction treatment');
    expect(modal).toContain('"initial_date":"2026-11-24"');
    expect(await prisma().auditEvent.count({ where: { action: 'referral.read', entityId: part2.referralId } })).toBe(1);

    const future = await submit('2026-11-25');
    expect(future.json).toMatchObject({
      response_action: 'errors',
      errors: { connected_on: expect.stringMatching(/future/) },
    });
    const early = await submit('2026-11-16');
    expect(early.json).toMatchObject({
      response_action: 'errors',
      errors: { connected_on: expect.stringMatching(/before/) },
    });
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: part2.referralId } })).version).toBe(1);

    const before = h.slack.calls.length;
    const saved = await submit('2026-11-23');
    expect(saved.json).toEqual({ response_action: 'clear' });
    const row = await prisma().referral.findUniqueOrThrow({ where: { id: part2.referralId } });
    expect(row.status).toBe('connected');
    expect(row.connectedOn!.toISOString().slice(0, 10)).toBe('2026-11-23');
    expect(row.version).toBe(2);
    expect(row.closedAt).not.toBeNull();
    expect(row.nextCheckAt).toBeNull();
    expect(row.lastActorId).toBe(member('U0CASE1').memberId);
    // The DM is updated in place, without buttons, still without the category.
    const update = await waitUntil(() =>
      h.slack.calls.slice(before).find((c) => c.method === 'chat.update' && c.args.ts === part2.sent.ts),
    );
    const shown = blocksText(update.args.blocks);
    expect(shown).toContain('Recorded as connected on Mon, Nov 23, 2026 by <@U0CASE1>');
    expect(shown).not.toMatch(/addiction/i);
    expect(Object.keys(nudgeElements(update.args.blocks))).toEqual([]);
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'referral.connected', entityId: part2.referralId },
        select: { actorId: true, entityType: true, clientIds: true },
      }),
    ).toEqual([{ actorId: member('U0CASE1').memberId, entityType: 'referral', clientIds: [part2.clientId] }]);

    // The quarter's figures count it as made and connected, from the answer just given.
    const program = h.carelog.deps.directory.program('wilmington')!;
    const figures = await computeDigest(
      prisma(),
      program,
      parsePeriod('2026-Q4', 'quarter', program.timezone, program.startDate)!,
    );
    expect(figures.referralLinkage.addiction_treatment).toMatchObject({ made: 1, connected: 1, pending: 0 });
    expect(figures.referralsConnectedInPeriod).toBeGreaterThanOrEqual(1);

    // The old message's Not yet is out of date: nothing changes, and the message says so.
    const stale = h.slack.calls.length;
    await h.interact(messageAction(h, 'U0CASE1', part2.sent, nudgeElements(part2.sent.blocks).referral_not_yet!));
    const staleUpdate = await h.slack.waitFor('chat.update', stale);
    expect(blocksText(staleUpdate.args.blocks)).toMatch(/out of date/);
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: part2.referralId } })).version).toBe(2);
  });

  it('Not yet checks again recheckAfterDays later, and after the last check records unknown', async () => {
    const { referrals } = await contactWithReferrals(['social_services']);
    const id = referrals[0]!.id;
    let { sent } = await sentCheck(id);
    for (let version = 1; version <= 3; version++) {
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).referral_not_yet!));
      const row = await waitUntil(async () => {
        const r = await prisma().referral.findUniqueOrThrow({ where: { id } });
        return r.version === version + 1 ? r : null;
      });
      const update = await waitUntil(() =>
        h.slack.calls.slice(before).find((c) => c.method === 'chat.update' && c.args.ts === sent.ts),
      );
      if (version < 3) {
        // Checked again a week from today, at the nudge hour: a new job for the new version.
        expect(row.status).toBe('made');
        expect(row.checks).toBe(version);
        const next = new Date(CHECK_DAY.getTime() + 7 * 24 * 3600_000 * version);
        expect(row.nextCheckAt!.toISOString()).toBe(next.toISOString());
        expect(blocksText(update.args.blocks)).toContain('carelog will check again on');
        const job = await h.carelog.queue.getJob(checkJobId({ referralId: id, version: version + 1 }));
        expect(await job!.getState()).toBe('delayed');
        expect(await h.carelog.queue.getJob(checkJobId({ referralId: id, version }))).toBeUndefined();
        // The day comes: the next check is a message of its own.
        clock.set(new Date(next.getTime() + 60_000));
        await job!.promote();
        ({ sent } = await sentCheck(id, version + 1));
        expect(blocksText(sent.blocks)).toContain(`${version + 1} of 3`);
      } else {
        expect(row.status).toBe('unknown');
        expect(row.nextCheckAt).toBeNull();
        expect(row.closedAt).not.toBeNull();
        expect(blocksText(update.args.blocks)).toContain('recorded as unknown');
        expect(Object.keys(nudgeElements(update.args.blocks))).toEqual([]);
        expect((await h.carelog.deps.referralChecks.queuedIds()).filter((j) => j.includes(id))).toEqual([]);
      }
    }
    expect(await prisma().auditEvent.count({ where: { action: 'referral.not_yet', entityId: id } })).toBe(3);
    clock.set(new Date(CHECK_DAY.getTime() + 3600_000));
  });

  it('Declined and Couldn’t reach close the referral as such', async () => {
    clock.set(new Date(CHECK_DAY.getTime() + 3600_000));
    const { referrals } = await contactWithReferrals(['victim_services_unit', 'youth_response_unit']);
    for (const [r, button, status, said] of [
      [referrals[0]!, 'referral_declined', 'declined', 'Recorded as declined'],
      [referrals[1]!, 'referral_unreachable', 'unreachable', 'Recorded as couldn’t reach'],
    ] as const) {
      const { sent } = await sentCheck(r.id);
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, 'U0CASE2', sent, nudgeElements(sent.blocks)[button]!));
      const update = await waitUntil(() =>
        h.slack.calls.slice(before).find((c) => c.method === 'chat.update' && c.args.ts === sent.ts),
      );
      expect(blocksText(update.args.blocks)).toContain(said);
      const row = await prisma().referral.findUniqueOrThrow({ where: { id: r.id } });
      expect(row).toMatchObject({ status, version: 2, nextCheckAt: null, lastActorId: member('U0CASE2').memberId });
      expect(await prisma().auditEvent.count({ where: { action: `referral.${status}`, entityId: r.id } })).toBe(1);
    }
  });

  it('an outsider’s or a non-worker’s answer changes nothing', async () => {
    const { referrals } = await contactWithReferrals(['other']);
    const { sent } = await sentCheck(referrals[0]!.id);
    for (const user of ['U0STRANGER', 'U0LEAD1']) {
      const before = h.slack.calls.length;
      await h.interact(messageAction(h, user, sent, nudgeElements(sent.blocks).referral_declined!));
      const reply = await h.slack.waitFor('response_url.T0TEST', before);
      expect(String(reply.args.text)).toMatch(/Only members of your co-responder team/);
    }
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: referrals[0]!.id } })).version).toBe(1);
  });

  it('sends each check exactly once: a retried job, a job given twice, and a crash between send and record', async () => {
    const { referrals } = await contactWithReferrals(['mental_health_treatment']);
    const id = referrals[0]!.id;
    await sentCheck(id);
    const posts = checkPosts(h).length;
    const job = { referralId: id, version: 1 };
    expect(await runCheck(h.carelog.deps, job)).toEqual({ stale: false, deliveries: ['already-sent'] });
    expect(checkPosts(h)).toHaveLength(posts);

    // A crash after Slack took the message, before carelog recorded it: the claim is there, the
    // message is in the DM, the referral still says the check is due.
    const crashed = (await contactWithReferrals(['social_services'])).referrals[0]!;
    await waitUntil(() => prisma().referralCheck.findFirst({ where: { referralId: crashed.id } }));
    const first = await sentCheck(crashed.id);
    await prisma().referralCheck.update({
      where: { id: first.row.id },
      data: { sentAt: null, channel: null, messageTs: null, claimedAt: new Date(0) },
    });
    await prisma().referral.update({
      where: { id: crashed.id },
      data: { checks: 0, nextCheckAt: CHECK_DAY },
    });
    const audits = await prisma().auditEvent.count({ where: { action: 'referral.check' } });
    const before = checkPosts(h).length;
    const given = { referralId: crashed.id, version: 1 };
    const [a, b] = await sendReferralChecks(h.carelog.deps, [given, given]);
    expect(a).toEqual({ stale: false, deliveries: ['recovered'] });
    expect(b).toEqual(a);
    expect(checkPosts(h)).toHaveLength(before);
    const recovered = await prisma().referralCheck.findUniqueOrThrow({ where: { id: first.row.id } });
    expect(recovered.messageTs).toBe(first.row.messageTs);
    expect(await prisma().referral.findUniqueOrThrow({ where: { id: crashed.id } })).toMatchObject({
      checks: 1,
      nextCheckAt: null,
    });
    expect(await prisma().auditEvent.count({ where: { action: 'referral.check' } })).toBe(audits + 1);
  });

  it('rebuilds lost check jobs from Postgres and removes strays', async () => {
    // A referral whose check is next week: its job waits in Redis.
    clock.set(new Date('2026-11-24T15:00:00Z'));
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      referrals: ['mental_health_treatment'],
      contact_date: '2026-11-24',
      contact_time: '08:30',
    });
    const contact = await prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const r = await referralOf(h.carelog.deps, contact.id, 'mental_health_treatment');
    const id = checkJobId({ referralId: r.id, version: 1 });
    const queued = await waitUntil(() => h.carelog.queue.getJob(id));
    // Due at the nudge hour a week after the contact: the job's delay is measured on carelog's clock.
    const nextWeek = new Date('2026-12-01T14:00:00Z').getTime();
    expect(Math.abs(queued.delay - (nextWeek - clock.now().getTime()))).toBeLessThan(60_000);
    // Redis loses it; a stray of a referral long closed sits there instead.
    await h.carelog.queue.remove(id);
    const stray = checkJobId({ referralId: part2.referralId, version: 1 });
    await h.carelog.deps.referralChecks.schedule(
      { referralId: part2.referralId, version: 1, fireAt: new Date('2027-01-01T14:00:00Z') },
      clock.now(),
    );
    const result = await reconcileReferralChecks(h.carelog.deps);
    expect(result.added).toBeGreaterThanOrEqual(1);
    expect(result.removed).toBeGreaterThanOrEqual(1);
    const back = await h.carelog.queue.getJob(id);
    expect(await back!.getState()).toBe('delayed');
    expect(back!.data).toEqual({ referralId: r.id, version: 1 });
    expect(Math.abs(back!.delay - (nextWeek - clock.now().getTime()))).toBeLessThan(60_000);
    expect(await h.carelog.queue.getJob(stray)).toBeUndefined();
    // Nothing more to do the second time.
    expect(await reconcileReferralChecks(h.carelog.deps)).toMatchObject({ added: 0, removed: 0 });
  });

  it('/carelog referrals lists the person’s open referrals privately, audited, Part 2 kept confidential', async () => {
    const open = await prisma().referral.findMany({
      where: { status: 'made', assigneeId: member('U0CASE1').memberId },
      include: { client: true },
    });
    expect(open.length).toBeGreaterThanOrEqual(2);
    // A Part 2 referral still open, to see how the list names it.
    const { referrals } = await contactWithReferrals(['addiction_treatment']);
    const res = await carelogCommand(h, 'U0CASE1', 'referrals');
    const body = res.json as { response_type: string; text: string; blocks: { block_id: string }[] };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toBe(`You have ${open.length + 1} open referrals to check.`);
    const text = blocksText(body.blocks);
    for (const r of open) expect(text).toContain(`"value":"${r.id}:${r.version}"`);
    expect(text).toContain(`"value":"${referrals[0]!.id}:1"`);
    expect(text).not.toMatch(/addiction|CANARY/i);
    expect(text).toContain('Confidential');
    expect(new Set(body.blocks.map((b) => b.block_id)).size).toBe(body.blocks.length);
    const listed = await prisma().auditEvent.findFirstOrThrow({
      where: { action: 'referral.list', actorId: member('U0CASE1').memberId },
      orderBy: { id: 'desc' },
    });
    expect(listed.count).toBe(open.length + 1);
    expect([...listed.clientIds].sort()).toEqual(
      [...new Set([...open.map((r) => r.clientId), referrals[0]!.clientId])].sort(),
    );

    // Answering from the list replaces the list entry through the response URL.
    const declined = (body.blocks as unknown as { elements?: Record<string, unknown>[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'referral_declined' && e.value === `${referrals[0]!.id}:1`)!;
    const list = { channel: 'C0SIMCHAN', ts: '1795000000.000043', blocks: body.blocks };
    const payload = messageAction(h, 'U0CASE1', list, declined);
    const before = h.slack.calls.length;
    await h.interact({ ...payload, container: { ...payload.container, is_ephemeral: true } });
    const reply = await h.slack.waitFor('response_url.T0TEST', before);
    expect(reply.args.replace_original).toBe(true);
    expect(blocksText(reply.args.blocks)).toContain('Recorded as declined');
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: referrals[0]!.id } })).status).toBe('declined');

    const empty = await carelogCommand(h, 'U0SUPV1', 'referrals');
    expect((empty.json as { text: string }).text).toBe('You have no open referrals to check.');
    const stranger = await carelogCommand(h, 'U0STRANGER', 'referrals');
    expect((stranger.json as { text: string }).text).toMatch(/Only members/);
  });

  it('asks the client’s case manager when the assignee left the roster, else the least busy case manager', async () => {
    // A check next week (nothing fires while this runs); its job is run here, as the worker would.
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      referrals: ['other'],
      contact_date: '2026-11-24',
      contact_time: '08:30',
    });
    const contact = await prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const r = await referralOf(h.carelog.deps, contact.id, 'other');
    const gone = await prisma().member.create({
      data: { programId: 'wilmington', platform: 'slack', platformUserId: 'U0GONE1', roles: [], active: false },
    });
    await prisma().referral.update({ where: { id: r.id }, data: { assigneeId: gone.id } });
    await prisma().client.update({
      where: { id: contact.clientId },
      data: { caseManagerId: member('U0CASE2').memberId },
    });
    expect((await runCheck(h.carelog.deps, { referralId: r.id, version: r.version })).deliveries).toEqual(['sent']);
    expect((await sentCheck(r.id, r.version)).call.args.channel).toBe('DU0CASE2');

    // No case manager on the client either: the one with the fewest pending follow-ups (case
    // manager 1 has one more than case manager 2 here).
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      referrals: ['other'],
      contact_date: '2026-11-24',
      contact_time: '08:40',
    });
    const second = await prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    const r2 = await referralOf(h.carelog.deps, second.id, 'other');
    await prisma().referral.update({ where: { id: r2.id }, data: { assigneeId: gone.id } });
    await prisma().client.update({ where: { id: second.clientId }, data: { caseManagerId: null } });
    const load = async (u: string) =>
      prisma().followUp.count({ where: { status: 'pending', assigneeId: member(u).memberId } });
    const extra = (await load('U0CASE2')) + 1 - (await load('U0CASE1'));
    const added = [];
    for (let i = 0; i < extra; i++)
      added.push(
        await prisma().followUp.create({
          data: {
            programId: 'wilmington',
            clientId: second.clientId,
            originContactId: second.id,
            dueAt: new Date(Date.UTC(2027, 5, 1 + i, 13)),
            assigneeId: member('U0CASE1').memberId,
          },
        }),
      );
    try {
      expect((await runCheck(h.carelog.deps, { referralId: r2.id, version: r2.version })).deliveries).toEqual(['sent']);
      expect((await sentCheck(r2.id, r2.version)).call.args.channel).toBe('DU0CASE2');
    } finally {
      await prisma().followUp.updateMany({
        where: { id: { in: added.map((f) => f.id) } },
        data: { status: 'done', version: { increment: 1 } },
      });
    }
  });

  it('passes the check to the next case manager when the one responsible cannot be reached', async () => {
    // Checks next week; their jobs are run here, as the worker would.
    const make = async (time: string) => {
      await logContact(h, 'U0CLIN1', {
        ...NEW_CLIENT,
        referrals: ['other'],
        contact_date: '2026-11-24',
        contact_time: time,
        follow_up_date: '2027-01-15',
        follow_up_assignee: 'U0CASE1',
      });
      const contact = await prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
      return referralOf(h.carelog.deps, contact.id, 'other');
    };
    const unreachable = new Set(['U0CASE1']);
    // Their account was deactivated: Slack refuses the DM (and opening one).
    h.slack.respond('conversations.open', (call) =>
      unreachable.has(String(call.args.users)) ? { body: { ok: false, error: 'user_not_found' } } : undefined,
    );
    h.slack.respond('chat.postMessage', (call) =>
      unreachable.has(String(call.args.channel).slice(1))
        ? { body: { ok: false, error: 'account_inactive' } }
        : undefined,
    );
    try {
      const r = await make('08:10');
      const before = checkPosts(h).length;
      expect(await runCheck(h.carelog.deps, { referralId: r.id, version: 1 })).toEqual({
        stale: false,
        deliveries: ['unreachable', 'sent'],
      });
      expect(
        await prisma().referralCheck.findMany({
          where: { referralId: r.id },
          select: { recipient: true, error: true },
        }),
      ).toEqual(
        expect.arrayContaining([
          { recipient: 'U0CASE1', error: expect.stringMatching(/^(user_not_found|account_inactive)$/) },
          { recipient: 'U0CASE2', error: null },
        ]),
      );
      // The refused attempt, then the check that went through.
      expect(
        checkPosts(h)
          .slice(before)
          .map((c) => c.args.channel),
      ).toEqual(['DU0CASE1', 'DU0CASE2']);
      const sent = await prisma().referralCheck.findFirstOrThrow({
        where: { referralId: r.id, sentAt: { not: null } },
      });
      expect(sent.channel).toBe('DU0CASE2');
      // A retry tells nobody twice.
      expect(await runCheck(h.carelog.deps, { referralId: r.id, version: 1 })).toEqual({
        stale: false,
        deliveries: ['already-sent'],
      });

      // Nobody reachable at all: the supervisor is told, once, and the check is behind the referral
      // (no job loops on it), which stays open.
      unreachable.add('U0CASE2');
      const r2 = await make('08:20');
      const toSupervisor = () => h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'DU0SUPV1');
      const told = toSupervisor().length;
      expect((await runCheck(h.carelog.deps, { referralId: r2.id, version: 1 })).deliveries).toEqual([
        'unreachable',
        'unreachable',
        'sent',
      ]);
      expect(
        await prisma().referralCheck.count({ where: { referralId: r2.id, kind: 'check', sentAt: { not: null } } }),
      ).toBe(0);
      const notice = await prisma().referralCheck.findFirstOrThrow({
        where: { referralId: r2.id, kind: 'supervisor_notice' },
      });
      expect(notice).toMatchObject({ recipient: 'U0SUPV1', channel: 'DU0SUPV1', error: null });
      expect(toSupervisor()).toHaveLength(told + 1);
      const dm = toSupervisor().at(-1)!;
      const code = (await prisma().client.findFirstOrThrow({ where: { referrals: { some: { id: r2.id } } } })).code;
      expect(String(dm.args.text)).toBe(
        `carelog could not send the linkage check for ${code} (referral made Tue, Nov 24, 2026, check 1 of 3): ` +
          'none of the 2 people it could ask can get a message from carelog. The referral stays open with no ' +
          'further check scheduled; please make sure a case manager can follow it up.',
      );
      // Run again (a retry, or a worker that died before putting the check behind): nobody told twice.
      await prisma().referral.update({ where: { id: r2.id }, data: { nextCheckAt: CHECK_DAY } });
      expect((await runCheck(h.carelog.deps, { referralId: r2.id, version: 1 })).deliveries).toEqual([
        'unreachable',
        'unreachable',
        'already-sent',
      ]);
      expect(toSupervisor()).toHaveLength(told + 1);
      expect(await prisma().referral.findUniqueOrThrow({ where: { id: r2.id } })).toMatchObject({
        status: 'made',
        nextCheckAt: null,
        checks: 0,
      });
      const result = await reconcileReferralChecks(h.carelog.deps);
      expect((await h.carelog.deps.referralChecks.queuedIds()).filter((j) => j.includes(r2.id))).toEqual([]);
      expect(result.removed).toBeGreaterThanOrEqual(1);
    } finally {
      h.slack.respond('conversations.open', () => undefined);
      h.slack.respond('chat.postMessage', () => undefined);
    }
  });

  it('the Home tab lists open referrals with their answers, and an answer there publishes it again', async () => {
    const home = async () => {
      const before = h.slack.calls.length;
      const res = await sendSignedRequest({
        url: h.url,
        signingSecret: SIGNING_SECRET,
        contentType: 'application/json',
        body: JSON.stringify({
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
        }),
      });
      expect(res.status).toBe(200);
      return (await h.slack.waitFor('views.publish', before)).args.view as { blocks: unknown[] };
    };
    const { referrals } = await contactWithReferrals(['addiction_treatment']);
    const view = await home();
    const text = blocksText(view.blocks);
    expect(text).toMatch(/You have \d+ open referrals? to check/);
    expect(text).toContain(`"value":"${referrals[0]!.id}:1"`);
    expect(text).not.toMatch(/addiction/i);
    const notYet = (view.blocks as { elements?: Record<string, unknown>[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === 'referral_not_yet' && e.value === `${referrals[0]!.id}:1`)!;
    const click = messageAction(h, 'U0CASE1', { channel: 'DU0CASE1', ts: '0', blocks: view.blocks }, notYet);
    const before = h.slack.calls.length;
    await h.interact({ ...click, container: { type: 'view', view_id: 'VHOME1' } });
    const again = await h.slack.waitFor('views.publish', before);
    expect(blocksText((again.args.view as { blocks: unknown[] }).blocks)).toContain(`"value":"${referrals[0]!.id}:2"`);
    expect((await prisma().referral.findUniqueOrThrow({ where: { id: referrals[0]!.id } })).version).toBe(2);
  });

  it('logging a later contact for the client does not close its referral', async () => {
    const { client, referrals } = await contactWithReferrals(['mental_health_treatment']);
    await logContact(h, 'U0CLIN1', {
      client: { value: client.id, text: client.code },
      contact_date: '2026-11-24',
      contact_time: '09:50',
      source: 'proactive_outreach',
      disposition: 'referral_only',
    });
    const row = await prisma().referral.findUniqueOrThrow({ where: { id: referrals[0]!.id } });
    expect(row.status).toBe('made');
    expect(row.version).toBe(referrals[0]!.version);
  });
});
