// Digests end to end on real Postgres and Redis, Slack faked at its protocols: /digest previews
// and posts over signed requests, the schedules as BullMQ job schedulers in each program's time
// zone, exactly one post per program, kind and period with two carelog instances and several jobs
// racing, the crash window between posting and recording, the chart through the files upload v2
// flow, and what a posted digest may carry: aggregates only, small cells suppressed.
import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigestJob } from '../../jobs/post-digest.js';
import { startCarelog, type RunningCarelog } from '../../src/carelog.js';
import type { CarelogDeps } from '../../src/deps.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { addDays, fromLocal, toLocal } from '../../src/domain/time.js';
import { createLogger } from '../../src/logger.js';
import { CHART_FILENAME, DIGEST_EVENT_TYPE } from '../../src/platforms/slack/messenger.js';
import type { RecordedCall } from '../../src/platforms/slack/simulator.js';
import { sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';
import { DIGEST_JOB_NAME, digestSchedulerId } from '../../src/queue/digests.js';
import { importContacts } from '../../src/services/csv-import.js';
import { DIGEST_CLAIM_LEASE_MS, postDigestOnce } from '../../src/services/digest-posting.js';
import { checkMessage } from '../support/block-kit-limits.js';
import { logContact, NEW_CLIENT, settableClock, waitUntil } from '../support/followups.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { decodePng } from '../support/png.js';
import { CHART_COLOURS } from '../../src/views/chart.js';
import { seedProgressReport } from '../support/progress-report.js';

type DigestJobData = { programId: string; kind: string };

const NY = 'America/New_York';
const CHICAGO = 'America/Chicago';
const CANARY = 'CANARY-DIGEST-9b2e Jane Roe said she hears voices';
const SMALL_TEAM = 'T0SMALL';

const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: ${NY}
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
      - { slack: U0SUPV1, roles: [supervisor] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin] }
  - id: small
    name: Small Town Co-Responders
    timezone: ${CHICAGO}
    startDate: 2024-03-01
    clientCodePrefix: SML
    slack: { teamId: ${SMALL_TEAM}, digestChannel: C0SMALL }
    digest: { suppressBelow: 11, weeklyAt: "07:30" }
    roster:
      - { slack: U0SCLIN, roles: [clinician] }
      - { slack: U0SLEAD, roles: [leadership] }
`;

// Wed 2 Oct 2024, 10:00 New York: follow-ups are logged; the clock later moves to Monday 7 Oct.
const clock = settableClock(fromLocal('2024-10-02', '10:00', NY));
const MONDAY_0800 = fromLocal('2024-10-07', '08:00', NY);

let h: Harness;
const cleanups: (() => Promise<unknown>)[] = [];
const prisma = () => h.carelog.deps.db.prisma;
const program = (id: string) => h.carelog.deps.directory.program(id)!;

/** chat.postMessage calls carrying a digest, to one channel. */
const digestPosts = (channel: string): RecordedCall[] =>
  h.slack
    .callsTo('chat.postMessage')
    .filter(
      (c) =>
        c.args.channel === channel &&
        (c.args.metadata as { event_type?: string } | undefined)?.event_type === DIGEST_EVENT_TYPE,
    );
const runIdOf = (c: RecordedCall) => (c.args.metadata as { event_payload: { run_id: string } }).event_payload.run_id;
const blocksText = (c: RecordedCall) => JSON.stringify(c.args.blocks);
/** Progress report PDFs shared into a digest's thread. */
const reportUploads = (channel: string, threadTs: string) =>
  h.slack.uploads.filter(
    (u) =>
      u.completed && u.channel === channel && u.threadTs === threadTs && u.filename.endsWith('-progress-report.pdf'),
  );
/** A PDF's text as poppler's pdftotext extracts it. */
const pdfText = (pdf: Buffer) =>
  execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
/** The reply carelog sent through the response_url (the fake records it as a call). */
const RESPONSE_METHOD = `response_url.${TEAM}`;

function digestCommand(userId: string, text: string, teamId = TEAM) {
  return sendSignedRequest({
    url: h.url,
    signingSecret: SIGNING_SECRET,
    body: slashCommandBody({
      command: '/digest',
      text,
      teamId,
      userId,
      responseUrl: `${h.carelog.deps.config.env.SLACK_API_URL}${RESPONSE_METHOD}`,
    }),
  });
}

/** Sends /digest and returns carelog's reply through the response_url. */
async function digestReply(userId: string, text: string): Promise<Record<string, unknown>> {
  const before = h.slack.calls.length;
  const res = await digestCommand(userId, text);
  expect(res.status).toBe(200);
  return (await h.slack.waitFor(RESPONSE_METHOD, before, 15_000)).args;
}

/** A CSV for the small program: 3 new clients in March, 40 in Q2, 30 in Q3 (25 male, 5 female), 20 of Q2's back in Q3. */
function smallProgramCsv(): string {
  const lines = ['client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes'];
  const row = (n: number, date: string, sex: string, extra: { source?: string; referrals?: string } = {}) =>
    `SML-${String(n).padStart(4, '0')},${date},${extra.source ?? 'call_for_service'},crisis_services,${extra.referrals ?? ''},resolved_on_scene,${sex},25-59,,"${CANARY} #${n}"`;
  for (let i = 1; i <= 3; i++) lines.push(row(i, `2024-03-${String(10 + i)}`, 'female'));
  for (let i = 4; i <= 43; i++) lines.push(row(i, addDays('2024-04-01', i), 'male'));
  for (let i = 44; i <= 73; i++)
    lines.push(
      row(i, addDays('2024-07-01', i - 40), i <= 68 ? 'male' : 'female', i >= 70 ? { source: 'self_referral' } : {}),
    );
  for (let i = 4; i <= 23; i++)
    lines.push(row(i, addDays('2024-08-01', i), 'male', i <= 6 ? { referrals: 'addiction_treatment' } : {}));
  return lines.join('\n');
}

beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: YAML });
  cleanups.push(() => h.stop());
  const deps = h.carelog.deps;
  // The progress report's own dataset (207 served by the end of Q3, 115 new in Q3).
  await seedProgressReport(prisma(), 'wilmington', deps.directory.member('wilmington', 'slack', 'U0CLIN1')!.memberId);
  const imported = await importContacts(
    { db: deps.db, keyring: deps.keyring, directory: deps.directory },
    { program: program('small'), csv: smallProgramCsv() },
  );
  expect(imported).toMatchObject({ ok: true, summary: { contactsCreated: 93, clientsCreated: 73 } });

  // Follow-ups, logged through /contact on Wed 2 Oct with notes carrying the canary.
  const withFollowUp = (date: string, assignee: string) =>
    logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      contact_date: '2024-10-02',
      contact_time: '09:30',
      follow_up_date: date,
      follow_up_assignee: assignee,
      notes: CANARY,
    });
  await withFollowUp('2024-10-02', 'U0CASE1'); // overdue since Fri 4 Oct 09:00
  await withFollowUp('2024-10-09', 'U0CASE1'); // due next week
  await withFollowUp('2024-10-08', 'U0CASE2'); // due next week
  await withFollowUp('2024-10-10', 'U0CASE2'); // due next week
  await withFollowUp('2024-10-03', 'U0CASE2'); // past due, overdue only at 09:00 on Monday
  await withFollowUp('2024-10-21', 'U0CASE2'); // later
  await withFollowUp('2024-10-03', 'U0CASE2'); // met by a contact on Thursday: done
  const met = await prisma().client.findFirstOrThrow({
    where: { programId: 'wilmington' },
    orderBy: { number: 'desc' },
  });
  clock.set(fromLocal('2024-10-03', '11:00', NY));
  const { sex: _sex, age_band: _age, ...returning } = NEW_CLIENT;
  await logContact(h, 'U0CLIN1', {
    ...returning,
    client: { value: met.id, text: met.code },
    contact_date: '2024-10-03',
    contact_time: '10:30',
    notes: CANARY,
  });
  expect(await prisma().followUp.count({ where: { programId: 'wilmington', status: 'done' } })).toBe(1);
  clock.set(MONDAY_0800);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('/digest previews', () => {
  it('shows the quarter privately to leadership, with the progress report’s figures, and posts nothing', async () => {
    const posts = h.slack.callsTo('chat.postMessage').length;
    const reply = await digestReply('U0LEAD1', 'quarter 2024-Q3');
    expect(reply).toMatchObject({
      response_type: 'ephemeral',
      text: 'Preview: Wilmington Partners in Care: quarterly digest, Jul–Sep 2024',
    });
    const text = JSON.stringify(reply.blocks);
    expect(text).toContain('128 people served, 115 of them new — up 32 % on last quarter');
    expect(text).toContain('2024-Q1*: 5 · 2024-Q2: 87 · 2024-Q3: 115');
    expect(text).toContain('*Served since the program began*\\n207');
    expect(checkMessage(reply.blocks)).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage').length).toBe(posts);
    expect(await prisma().digestRun.count()).toBe(0);
  });

  it('shows an admin the last complete week by default (on Monday 7 Oct: Sep 30 – Oct 6)', async () => {
    const reply = await digestReply('U0ADMN1', 'week');
    expect(reply).toMatchObject({
      response_type: 'ephemeral',
      text: 'Preview: Wilmington Partners in Care: weekly digest, week of Sep 30, 2024',
    });
    expect(JSON.stringify(reply.blocks)).toContain('Follow-ups needing attention');
  });

  it('refuses clinicians, case managers, strangers and other workspaces, showing no figures', async () => {
    for (const [user, team] of [
      ['U0CLIN1', TEAM],
      ['U0CASE1', TEAM],
      ['U0NOBODY', TEAM],
      ['U0LEAD1', 'T0ELSEWHERE'],
    ] as const) {
      const before = h.slack.calls.length;
      const res = await digestCommand(user, 'quarter 2024-Q3', team);
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        response_type: 'ephemeral',
        text: 'Digests are for your program’s leadership and admins.',
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(h.slack.calls.slice(before).map((c) => c.method)).toEqual([]);
    }
  });

  it('answers a period it cannot read, or one before the program, with the usage and no figures', async () => {
    expect(await digestReply('U0LEAD1', 'quarter 2024-W40')).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('“2024-w40” is not a quarter.'),
    });
    // A word is never quoted back (it could be a name typed in the wrong place).
    const word = await digestReply('U0LEAD1', 'quarter Quillsparrow');
    expect(word).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/^That is not a quarter\. Usage/),
    });
    expect(JSON.stringify(word)).not.toMatch(/quillsparrow/i);
    expect(await digestReply('U0LEAD1', 'quarter 2023-Q4')).toMatchObject({
      text: 'Oct–Dec 2023 ended before the program started (2024-03-01).',
    });
    const res = await digestCommand('U0LEAD1', 'month');
    expect(res.json).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('Usage: `/digest week|quarter'),
    });
  });
});

describe('/digest … post', () => {
  it('posts a missed quarter once, with the chart uploaded in its thread, and says so the second time', async () => {
    const reply = await digestReply('U0LEAD1', 'quarter 2024-Q3 post');
    expect(reply).toEqual({ response_type: 'ephemeral', text: 'Posted the digest for Jul–Sep 2024 to <#C0DIGEST>.' });
    const [post, ...more] = digestPosts('C0DIGEST');
    expect(more).toEqual([]);
    const run = await prisma().digestRun.findFirstOrThrow({
      where: { programId: 'wilmington', kind: 'quarter', periodLabel: '2024-Q3' },
    });
    const lead = h.carelog.deps.directory.member('wilmington', 'slack', 'U0LEAD1')!;
    expect(run).toMatchObject({ status: 'posted', platform: 'slack', channel: 'C0DIGEST', requestedBy: lead.memberId });
    expect(runIdOf(post!)).toBe(run.id);
    expect(post!.args.text).toBe(
      'Wilmington Partners in Care: quarterly digest, Jul–Sep 2024: 128 people served, 115 of them new — up 32 % on last quarter',
    );

    // The chart, through files.getUploadURLExternal, the upload and files.completeUploadExternal.
    const upload = await waitUntil(
      () => h.slack.uploads.find((u) => u.completed && u.channel === 'C0DIGEST'),
      5_000,
      'chart upload',
    );
    expect(upload).toMatchObject({
      filename: CHART_FILENAME,
      threadTs: run.messageTs,
      title: 'New clients by quarter',
    });
    expect(upload.bytes!.length).toBe(upload.length);
    const png = decodePng(upload.bytes!);
    expect([png.width, png.height]).toEqual([800, 400]);

    // The quarter's progress report PDF, in the same thread, saying what it is.
    const pdf = await waitUntil(() => reportUploads('C0DIGEST', run.messageTs!)[0], 10_000, 'report upload');
    expect(pdf).toMatchObject({
      filename: 'wilmington-2024-Q3-progress-report.pdf',
      title: 'Wilmington Partners in Care: progress report, Jul–Sep 2024',
      completed: true,
    });
    const shared = h.slack.messages.find((m) => m.threadTs === run.messageTs && m.files?.[0]?.id === pdf.id);
    expect(shared?.text).toBe(
      'The progress report for Jul–Sep 2024, as a PDF for funders and council: this digest’s figures, suppressed as it is.',
    );
    expect(pdf.bytes!.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf.bytes!);
    expect(text).toContain('Wilmington Partners in Care');
    expect(text).toMatch(/^\s*Individuals served\s{2,}128\s*$/m);
    expect(text).toMatch(/^\s*New\s{2,}115\s*$/m);
    expect(text).not.toMatch(/PIC-\d+/);
    expect(text).not.toContain('CANARY');
    const recorded = await prisma().digestRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(recorded).toMatchObject({ reportStatus: 'uploaded', reportFileId: pdf.id });
    // Audited as a report run, with the person who posted the digest as its actor.
    const audited = await prisma().auditEvent.findMany({
      where: { programId: 'wilmington', action: 'report.run', details: { path: ['period'], equals: '2024-Q3' } },
    });
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actorId: lead.memberId, entityType: 'program', clientIds: [] });
    expect(audited[0]!.details).toMatchObject({ via: 'digest-post', format: 'pdf' });

    const again = await digestReply('U0ADMN1', 'quarter 2024-Q3 post');
    expect(again).toEqual({
      response_type: 'ephemeral',
      text: 'The digest for Jul–Sep 2024 was already posted to <#C0DIGEST>; it is not posted twice.',
    });
    expect(digestPosts('C0DIGEST')).toHaveLength(1);
    expect(h.slack.uploads.filter((u) => u.channel === 'C0DIGEST')).toHaveLength(2);
    // The quarterly schedule firing on Tue 1 Oct finds it posted, its report attached.
    await postDigestJob.run(
      { programId: 'wilmington', kind: 'quarter' },
      { ...h.carelog.deps, now: () => fromLocal('2024-10-01', '08:00', NY) },
    );
    expect(digestPosts('C0DIGEST')).toHaveLength(1);
    expect(reportUploads('C0DIGEST', run.messageTs!)).toHaveLength(1);
  });

  it('refuses a period that has not ended, and posts nothing', async () => {
    // The default period is the last complete one: already posted above.
    expect(await digestReply('U0LEAD1', 'quarter post')).toMatchObject({
      text: 'The digest for Jul–Sep 2024 was already posted to <#C0DIGEST>; it is not posted twice.',
    });
    const before = digestPosts('C0DIGEST').length;
    expect(await digestReply('U0LEAD1', 'quarter 2024-Q4 post')).toEqual({
      response_type: 'ephemeral',
      text: 'Oct–Dec 2024 has not ended yet; only finished periods can be posted.',
    });
    expect(await digestReply('U0LEAD1', 'week 2024-10-07 post')).toMatchObject({
      text: 'week of Oct 7, 2024 has not ended yet; only finished periods can be posted.',
    });
    expect(digestPosts('C0DIGEST')).toHaveLength(before);
  });
});

describe('the schedules', () => {
  it('are job schedulers in each program’s time zone: Mondays at weeklyAt, days 1–3 of each quarter at quarterlyAt, retried', async () => {
    const queue = h.carelog.queue;
    const expectations = [
      { id: digestSchedulerId('wilmington', 'week'), tz: NY, pattern: '0 8 * * 1' },
      { id: digestSchedulerId('wilmington', 'quarter'), tz: NY, pattern: '0 8 1-3 1,4,7,10 *' },
      { id: digestSchedulerId('small', 'week'), tz: CHICAGO, pattern: '30 7 * * 1' },
      { id: digestSchedulerId('small', 'quarter'), tz: CHICAGO, pattern: '0 8 1-3 1,4,7,10 *' },
    ];
    for (const e of expectations) {
      const s = await queue.getJobScheduler(e.id);
      expect(s, e.id).toMatchObject({
        pattern: e.pattern,
        tz: e.tz,
        template: { data: { programId: e.id.split(':')[1], kind: e.id.split(':')[2] }, opts: { attempts: 8 } },
      });
      // BullMQ works out the next run in the zone (real time): the local weekday and hour are right.
      const next = toLocal(new Date(s!.next!), e.tz);
      const weekday = new Date(`${next.date}T12:00:00Z`).getUTCDay();
      if (e.id.endsWith('week')) {
        expect([weekday, next.time]).toEqual([1, e.tz === CHICAGO ? '07:30' : '08:00']);
        expect(s!.next! - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
      } else {
        expect(next.time).toBe('08:00');
        expect(['01', '04', '07', '10']).toContain(next.date.slice(5, 7));
        expect(['01', '02', '03']).toContain(next.date.slice(8, 10));
      }
    }
  });

  it('post the quarter on the first weekday after it ends: not on Saturday 1 or Sunday 2 April 2028, on Monday 3 April, once', async () => {
    const at = (date: string): CarelogDeps => ({ ...h.carelog.deps, now: () => fromLocal(date, '08:00', CHICAGO) });
    await postDigestJob.run({ programId: 'small', kind: 'quarter' }, at('2028-04-01'));
    await postDigestJob.run({ programId: 'small', kind: 'quarter' }, at('2028-04-02'));
    expect(await prisma().digestRun.count({ where: { programId: 'small', periodLabel: '2028-Q1' } })).toBe(0);
    await postDigestJob.run({ programId: 'small', kind: 'quarter' }, at('2028-04-03'));
    await postDigestJob.run({ programId: 'small', kind: 'quarter' }, at('2028-04-03'));
    const posts = digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('Jan–Mar 2028'));
    expect(posts).toHaveLength(1);
    expect(
      await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2028-Q1' } }),
    ).toMatchObject({ status: 'posted', messageTs: expect.any(String) });
  });
});

describe('exactly one post per program, kind and period', () => {
  let second: RunningCarelog;

  it('with a second carelog instance on the same queue, the schedules are declared again at its start and not doubled', async () => {
    const queue = h.carelog.queue;
    await queue.removeJobScheduler(digestSchedulerId('wilmington', 'week'));
    expect(await queue.getJobScheduler(digestSchedulerId('wilmington', 'week'))).toBeUndefined();
    second = await startCarelog({
      config: h.carelog.deps.config,
      logger: createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })),
      queuePrefix: queue.opts.prefix!,
      now: clock.now,
    });
    cleanups.push(() => second.stop());
    expect(await queue.getJobScheduler(digestSchedulerId('wilmington', 'week'))).toMatchObject({
      pattern: '0 8 * * 1',
      tz: NY,
    });
    const schedulers = (await queue.getJobSchedulers()).filter((s) => s.name === DIGEST_JOB_NAME);
    expect(schedulers.map((s) => s.key).sort()).toEqual([
      'digest:small:quarter',
      'digest:small:week',
      'digest:wilmington:quarter',
      'digest:wilmington:week',
    ]);
    const delayed = (await queue.getDelayed()).filter(
      (j) =>
        j.name === DIGEST_JOB_NAME &&
        (j.data as DigestJobData).programId === 'wilmington' &&
        (j.data as DigestJobData).kind === 'week',
    );
    expect(delayed).toHaveLength(1);
  });

  it('the scheduled job, extra jobs on both instances and two direct calls race: one chat.postMessage, recorded', async () => {
    const week = parsePeriod('2024-W40', 'week', NY, '2024-03-01')!;
    const [scheduled] = (await h.carelog.queue.getDelayed()).filter(
      (j) =>
        j.name === DIGEST_JOB_NAME &&
        (j.data as DigestJobData).programId === 'wilmington' &&
        (j.data as DigestJobData).kind === 'week',
    );
    const data = { programId: 'wilmington', kind: 'week' as const };
    const direct = await Promise.allSettled([
      scheduled!.promote(),
      ...[h.carelog, second, h.carelog, second].map((c) => c.queue.add(DIGEST_JOB_NAME, data)),
      postDigestOnce(h.carelog.deps, program('wilmington'), week),
      postDigestOnce(second.deps, program('wilmington'), week),
    ]);
    // The direct calls that lost were told another process holds the claim; none failed otherwise.
    for (const d of direct.filter((x) => x.status === 'rejected'))
      expect(d.reason).toMatchObject({ name: 'DigestInFlightError' });
    const run = await waitUntil(
      () =>
        prisma().digestRun.findFirst({
          where: { programId: 'wilmington', kind: 'week', periodLabel: '2024-W40', status: 'posted' },
        }),
      15_000,
      'weekly digest posted',
    );
    await waitUntil(
      async () => {
        const c = await h.carelog.queue.getJobCounts('wait', 'active', 'prioritized');
        return c.wait! + c.active! + (c.prioritized ?? 0) === 0;
      },
      15_000,
      'digest jobs settled',
    );
    await new Promise((r) => setTimeout(r, 300));
    const posts = digestPosts('C0DIGEST').filter((c) => String(c.args.text).includes('week of Sep 30, 2024'));
    expect(posts).toHaveLength(1);
    expect(runIdOf(posts[0]!)).toBe(run.id);
    expect(run.channel).toBe('C0DIGEST');
    expect(h.slack.messages.find((m) => m.channel === 'C0DIGEST' && m.ts === run.messageTs)).toBeDefined();
    expect(await prisma().digestRun.count({ where: { programId: 'wilmington', kind: 'week' } })).toBe(1);

    // Run again after the post: through the queue and directly, nothing more goes out.
    const job = await second.queue.add(DIGEST_JOB_NAME, data);
    await waitUntil(async () => (await job.getState()) === 'completed', 10_000, 'rerun completed');
    expect(await postDigestOnce(h.carelog.deps, program('wilmington'), week)).toEqual({
      status: 'already-posted',
      channel: 'C0DIGEST',
      ts: run.messageTs,
    });
    expect(digestPosts('C0DIGEST').filter((c) => String(c.args.text).includes('week of Sep 30, 2024'))).toHaveLength(1);
  });

  it('the weekly digest lists follow-ups due this week and overdue by case manager, as counts', () => {
    const [post] = digestPosts('C0DIGEST').filter((c) => String(c.args.text).includes('week of Sep 30, 2024'));
    const table = (post!.args.blocks as { block_id?: string; text?: { text: string } }[]).find((b) =>
      b.text?.text.startsWith('*Follow-ups needing attention'),
    );
    expect(table!.text!.text).toBe(
      '*Follow-ups needing attention (due this week / overdue)*\n<@U0CASE1>: *1 / 1*\n<@U0CASE2>: *3 / 0*',
    );
    expect(blocksText(post!)).toContain('*Follow-ups completed*\\n1');
  });
});

/** The conversations.history cursors carelog sent for a channel since call number `from`. */
const historyPagesOf = (channel: string, from: number) =>
  h.slack
    .callsTo('conversations.history')
    .slice(from)
    .filter((c) => c.args.channel === channel)
    .map((c) => c.args.cursor ?? null);
/** The cursors a full read of a channel's history takes, 200 messages a page. */
const pagesFor = (channel: string) => {
  const n = h.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts).length;
  return Array.from({ length: Math.max(1, Math.ceil(n / 200)) }, (_, i) => (i === 0 ? null : String(i * 200)));
};

describe('the crash window between posting and recording', () => {
  const week = (label: string) => parsePeriod(label, 'week', CHICAGO, '2024-03-01')!;
  const age = (programId: string, periodLabel: string) =>
    prisma().digestRun.updateMany({
      where: { programId, periodLabel },
      data: { claimedAt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS - 1_000) },
    });

  it('a process stalled after Slack took the message: once its lease runs out, the next run finds it in the channel history and posts nothing', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The chart upload hangs: the first run has posted and not recorded.
    h.slack.respond('files.getUploadURLExternal', async (call) => {
      if (call.args.filename === CHART_FILENAME) await held;
      return undefined;
    });
    const q3 = parsePeriod('2024-Q3', 'quarter', CHICAGO, '2024-03-01')!;
    const first = postDigestOnce(h.carelog.deps, program('small'), q3);
    try {
      await waitUntil(
        () => digestPosts('C0SMALL').some((c) => String(c.args.text).includes('Jul–Sep 2024')),
        10_000,
        'first post',
      );
      // While its claim is fresh, another run stands back.
      await expect(postDigestOnce(h.carelog.deps, program('small'), q3)).rejects.toMatchObject({
        name: 'DigestInFlightError',
      });
      // The team talks on: 450 messages land in the channel before the run is taken over.
      const others = new WebClient('xoxb-someone-else', { slackApiUrl: h.carelog.deps.config.env.SLACK_API_URL });
      for (let i = 0; i < 450; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            others.chat.postMessage({ channel: 'C0SMALL', text: `chatter ${i + j}` }),
          ),
        );
      }
      await age('small', '2024-Q3');
      const historyBefore = h.slack.callsTo('conversations.history').length;
      const taken = await postDigestOnce(h.carelog.deps, program('small'), q3);
      const [post, ...more] = digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('Jul–Sep 2024'));
      expect(more).toEqual([]);
      const run = await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2024-Q3' } });
      expect(taken).toEqual({ status: 'recovered', channel: 'C0SMALL', ts: run.messageTs });
      expect(runIdOf(post!)).toBe(run.id);
      // Read back page by page (200 a page) until the digest's run id turned up on the third.
      const lookups = h.slack.callsTo('conversations.history').slice(historyBefore);
      expect(lookups.map((c) => [c.args.channel, c.args.include_all_metadata, c.args.cursor ?? null])).toEqual([
        ['C0SMALL', 'true', null],
        ['C0SMALL', 'true', '200'],
        ['C0SMALL', 'true', '400'],
      ]);
      // The run that took over attached the report; the stalled one, back, finds it recorded.
      expect(reportUploads('C0SMALL', run.messageTs!)).toHaveLength(1);
      release();
      expect(await first).toMatchObject({ status: 'posted', ts: run.messageTs });
      expect(digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('Jul–Sep 2024'))).toHaveLength(1);
      expect(reportUploads('C0SMALL', run.messageTs!)).toHaveLength(1);
      const scheduled = await prisma().auditEvent.findFirstOrThrow({
        where: { programId: 'small', action: 'report.run', details: { path: ['period'], equals: '2024-Q3' } },
      });
      expect(scheduled).toMatchObject({ actorId: null });
      expect(scheduled.details).toMatchObject({ via: 'digest-schedule', actor: 'carelog scheduler', format: 'pdf' });
    } finally {
      release();
      h.slack.respond('files.getUploadURLExternal', () => undefined);
      await first.catch(() => undefined);
    }
  });

  it('a claim abandoned before posting: the next run finds nothing in the history and posts once', async () => {
    await prisma().digestRun.create({
      data: {
        programId: 'small',
        kind: 'week',
        periodLabel: '2024-W41',
        platform: 'slack',
        claimedAt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS - 1_000),
      },
    });
    const historyBefore = h.slack.callsTo('conversations.history').length;
    const result = await postDigestOnce(h.carelog.deps, program('small'), week('2024-W41'));
    expect(result).toMatchObject({ status: 'posted', channel: 'C0SMALL' });
    // The whole history was read (the channel holds earlier digests and chatter), then it posted.
    expect(historyPagesOf('C0SMALL', historyBefore)).toEqual(pagesFor('C0SMALL'));
    expect(digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('week of Oct 7, 2024'))).toHaveLength(1);
  });

  it('a post Slack refused: the claim is released at once, and the retry checks the history, then posts once', async () => {
    h.slack.respond('chat.postMessage', (call) =>
      call.args.channel === 'C0SMALL' ? { body: { ok: false, error: 'internal_error' } } : undefined,
    );
    await expect(postDigestOnce(h.carelog.deps, program('small'), week('2024-W42'))).rejects.toThrow();
    h.slack.respond('chat.postMessage', () => undefined);
    const run = await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2024-W42' } });
    expect(run).toMatchObject({ status: 'posting', claimedAt: new Date(0) });
    const historyBefore = h.slack.callsTo('conversations.history').length;
    expect(await postDigestOnce(h.carelog.deps, program('small'), week('2024-W42'))).toMatchObject({
      status: 'posted',
    });
    // The whole history was read (the channel holds earlier digests and chatter), then it posted.
    expect(historyPagesOf('C0SMALL', historyBefore)).toEqual(pagesFor('C0SMALL'));
    // Two attempts reached Slack; it took one.
    expect(digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('week of Oct 14, 2024'))).toHaveLength(2);
    expect(
      h.slack.messages.filter((m) => m.channel === 'C0SMALL' && m.text?.includes('week of Oct 14, 2024')),
    ).toHaveLength(1);
  });

  it('the report PDF taken by Slack but not recorded: the retry finds it in the thread and uploads nothing', async () => {
    const run = await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2024-Q3' } });
    const [pdf] = reportUploads('C0SMALL', run.messageTs!);
    // The state a process leaves when it dies after Slack took the file, before recording it.
    await prisma().digestRun.update({
      where: { id: run.id },
      data: { reportStatus: 'uploading', reportFileId: null, reportUploadedAt: null, reportClaimedAt: new Date() },
    });
    const q3 = parsePeriod('2024-Q3', 'quarter', CHICAGO, '2024-03-01')!;
    // While that claim is fresh, another run stands back.
    await expect(postDigestOnce(h.carelog.deps, program('small'), q3)).rejects.toMatchObject({
      name: 'DigestInFlightError',
    });
    await age('small', '2024-Q3');
    await prisma().digestRun.update({
      where: { id: run.id },
      data: { reportClaimedAt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS - 1_000) },
    });
    const repliesBefore = h.slack.callsTo('conversations.replies').length;
    const uploadsBefore = h.slack.uploads.length;
    expect(await postDigestOnce(h.carelog.deps, program('small'), q3)).toMatchObject({ status: 'already-posted' });
    expect(h.slack.callsTo('conversations.replies').slice(repliesBefore)).toHaveLength(1);
    expect(h.slack.uploads.length).toBe(uploadsBefore);
    expect(await prisma().digestRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
      reportStatus: 'uploaded',
      reportFileId: pdf!.id,
    });
    expect(reportUploads('C0SMALL', run.messageTs!)).toHaveLength(1);
  });

  it('a report upload Slack refused: the digest stays posted once, the retry checks the thread, then uploads once', async () => {
    h.slack.respond('files.completeUploadExternal', (call) =>
      call.args.channel_id === 'C0SMALL' ? { body: { ok: false, error: 'internal_error' } } : undefined,
    );
    const q2 = parsePeriod('2024-Q2', 'quarter', CHICAGO, '2024-03-01')!;
    try {
      await expect(postDigestOnce(h.carelog.deps, program('small'), q2)).rejects.toThrow();
    } finally {
      h.slack.respond('files.completeUploadExternal', () => undefined);
    }
    const run = await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2024-Q2' } });
    expect(run).toMatchObject({ status: 'posted', reportStatus: 'uploading', reportClaimedAt: new Date(0) });
    const repliesBefore = h.slack.callsTo('conversations.replies').length;
    expect(await postDigestOnce(h.carelog.deps, program('small'), q2)).toMatchObject({ status: 'already-posted' });
    expect(h.slack.callsTo('conversations.replies').slice(repliesBefore)).toHaveLength(1);
    expect(digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('Apr–Jun 2024'))).toHaveLength(1);
    const [pdf, ...more] = reportUploads('C0SMALL', run.messageTs!);
    expect(more).toEqual([]);
    expect(pdf!.filename).toBe('small-2024-Q2-progress-report.pdf');
    expect(await prisma().digestRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({
      reportStatus: 'uploaded',
      reportFileId: pdf!.id,
    });
    // A weekly digest carries no report.
    const weekly = await prisma().digestRun.findMany({ where: { programId: 'small', kind: 'week', status: 'posted' } });
    expect(weekly.length).toBeGreaterThan(0);
    for (const w of weekly) {
      expect(w.reportStatus).toBeNull();
      expect(reportUploads('C0SMALL', w.messageTs!)).toEqual([]);
    }
  });

  it('/digest tells the person when the digest could not be built, and the failure is logged without content', async () => {
    const deps = h.carelog.deps;
    const realNow = deps.now;
    deps.now = () => {
      throw new Error('the clock is broken');
    };
    try {
      expect(await digestReply('U0LEAD1', 'week post')).toEqual({
        response_type: 'ephemeral',
        text: 'carelog could not finish that digest just now. Try again in a moment: a digest is never posted twice.',
      });
    } finally {
      deps.now = realNow;
    }
    await waitUntil(() => h.logs.some((l) => l.includes('a Slack listener failed')), 5_000, 'failure logged');
  });

  it('/digest … post while another process holds the claim says it is being posted, and posts nothing', async () => {
    await prisma().digestRun.create({
      data: {
        programId: 'wilmington',
        kind: 'week',
        periodLabel: '2024-W39',
        platform: 'slack',
        claimedAt: new Date(),
      },
    });
    const before = digestPosts('C0DIGEST').length;
    expect(await digestReply('U0LEAD1', 'week 2024-W39 post')).toEqual({
      response_type: 'ephemeral',
      text: 'The digest for week of Sep 23, 2024 is being posted right now.',
    });
    expect(digestPosts('C0DIGEST')).toHaveLength(before);
  });
});

describe('what a posted digest carries', () => {
  it('suppresses small cells in the posted blocks: "<11", and the cell a total would give away', async () => {
    // Posted by the quarterly schedule on Tue 1 Oct 2024 (the previous test already posted it as
    // the crash-window run): the job finds it and posts nothing more.
    await postDigestJob.run(
      { programId: 'small', kind: 'quarter' },
      { ...h.carelog.deps, now: () => fromLocal('2024-10-01', '08:00', CHICAGO) },
    );
    const [post, ...more] = digestPosts('C0SMALL').filter((c) => String(c.args.text).includes('Jul–Sep 2024'));
    expect(more).toEqual([]);
    const text = blocksText(post!);
    // 50 served = 30 new + 20 continuing; new by sex: 25 male, 5 female; 4 self-referrals of 50
    // contacts; 3 contacts with an addiction-treatment referral; March's 3 new clients.
    expect(post!.args.text).toBe(
      'Small Town Co-Responders: quarterly digest, Jul–Sep 2024: 50 people served, 30 of them new — down 25 % on last quarter',
    );
    expect(text).toContain('*New clients by sex*\\nMale: *hidden*\\nFemale: *<11*\\nNone: Another, Not reported');
    expect(text).toContain('Call for service: *hidden*');
    expect(text).toContain('Self-referral: *<11*');
    expect(text).toContain('Addiction treatment: *<11*');
    expect(text).toContain('2024-Q1*: <11 · 2024-Q2: 40 · 2024-Q3: 30');
    expect(text).toContain('*Served since the program began*\\nhidden');
    expect(text).toContain('Counts from 1 to 10 are shown as <11');
    for (const shown of [
      'Male: *25*',
      'Female: *5*',
      'Self-referral: *4*',
      'Addiction treatment: *3*',
      '2024-Q1*: 3',
      'began*\\n73',
    ])
      expect(text).not.toContain(shown);
  });

  it('carries no client code, no note and nothing over Slack’s limits, in any digest posted, and no note in any log line', () => {
    const posts = [...digestPosts('C0DIGEST'), ...digestPosts('C0SMALL')];
    expect(posts.length).toBeGreaterThanOrEqual(6);
    for (const post of posts) {
      expect(post.raw).not.toMatch(/(PIC|SML)-\d+/);
      expect(post.raw).not.toContain('CANARY');
      expect(checkMessage(post.args.blocks, post.args.text)).toEqual([]);
    }
    for (const u of h.slack.uploads) expect(u.bytes!.includes('CANARY')).toBe(false);
    // Nothing of the notes reached Slack or the logs at all.
    expect(h.slack.calls.filter((c) => c.raw.includes('CANARY'))).toEqual([]);
    expect(h.logs.filter((l) => l.includes('CANARY'))).toEqual([]);
  });

  it('attaches a valid PNG with the quarterly digest, whose bars show each quarter but a suppressed one', async () => {
    const small = h.slack.uploads.filter((u) => u.channel === 'C0SMALL' && u.completed);
    const run = await prisma().digestRun.findFirstOrThrow({ where: { programId: 'small', periodLabel: '2024-Q3' } });
    const chart = small.find((u) => u.threadTs === run.messageTs && u.filename === CHART_FILENAME);
    const png = decodePng(chart!.bytes!);
    // Blue bars just above the axis: Q2 and Q3 drawn, the suppressed Q1 not.
    const fills = [CHART_COLOURS.current, CHART_COLOURS.other].map((c) => c.toLowerCase());
    const blue = (rgb: number[]) => fills.includes(`#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`);
    let axis = 0;
    let most = -1;
    for (let y = 0; y < png.height; y++) {
      let dark = 0;
      for (let x = 0; x < png.width; x++) if (png.rgb(x, y).every((c) => c < 0x60)) dark++;
      if (dark > most) [axis, most] = [y, dark];
    }
    const slots = [0, 1, 2].map((i) => {
      let n = 0;
      for (let x = Math.floor((i * png.width) / 3); x < ((i + 1) * png.width) / 3; x++)
        if (blue(png.rgb(x, axis - 3))) n++;
      return n;
    });
    expect(slots[0]).toBe(0);
    expect(slots[1]).toBeGreaterThan(0);
    expect(slots[2]).toBeGreaterThan(0);
  });
});
