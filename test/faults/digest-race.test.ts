// Three carelog replicas racing the weekly and quarterly digest schedules of two programs (New
// York and Chicago) over ten weeks and four quarters: in every round each scheduler's own job is
// run, every replica queues the job again and runs it directly too, and all three re-declare the
// schedules meanwhile, with Slack slow to answer a post. Exactly one post per program and period,
// none missing; a quarter that starts on a weekend posts on its first weekday only.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigestJob } from '../../jobs/post-digest.js';
import { startCarelog, type RunningCarelog } from '../../src/carelog.js';
import { lastCompletePeriod } from '../../src/domain/periods.js';
import { fromLocal } from '../../src/domain/time.js';
import { createLogger } from '../../src/logger.js';
import { DIGEST_EVENT_TYPE } from '../../src/platforms/slack/messenger.js';
import { DIGEST_JOB_NAME, upsertDigestSchedules } from '../../src/queue/digests.js';
import { DigestInFlightError } from '../../src/services/digest-posting.js';
import { importContacts } from '../../src/services/csv-import.js';
import { settableClock, waitUntil } from '../support/followups.js';
import { startHarness, TEAM, type Harness } from '../support/harness.js';
import { reportFigure, stopwatch } from '../support/faults.js';

const NY = 'America/New_York';
const CHICAGO = 'America/Chicago';
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: ${NY}
    startDate: 2025-01-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0LEAD1, roles: [leadership] }
  - id: small
    name: Small Town Co-Responders
    timezone: ${CHICAGO}
    startDate: 2025-01-01
    clientCodePrefix: SML
    slack: { teamId: T0SMALL, digestChannel: C0SMALL }
    digest: { weeklyAt: "07:30", quarterlyAt: "07:00" }
    roster:
      - { slack: U0SCLIN, roles: [clinician] }
      - { slack: U0SLEAD, roles: [leadership] }
`;
const PROGRAMS = ['wilmington', 'small'] as const;
const CHANNEL: Record<(typeof PROGRAMS)[number], string> = { wilmington: 'C0DIGEST', small: 'C0SMALL' };
// Mondays 5 Jan – 9 Mar 2026, 09:00 in New York (08:00 in Chicago): past both weekly times.
const WEEK_ROUNDS = [
  '2026-01-05',
  '2026-01-12',
  '2026-01-19',
  '2026-01-26',
  '2026-02-02',
  '2026-02-09',
  '2026-02-16',
  '2026-02-23',
  '2026-03-02',
  '2026-03-09',
].map((d) => fromLocal(d, '09:00', NY));
// The quarterly schedule fires on days 1–3; 1 April 2028 is a Saturday, so only Monday 3 posts.
const QUARTER_ROUNDS = ['2026-01-01', '2026-04-01', '2026-07-01', '2028-04-01', '2028-04-02', '2028-04-03'].map((d) =>
  fromLocal(d, '09:00', NY),
);

const clock = settableClock(WEEK_ROUNDS[0]!);
let h: Harness;
const replicas: RunningCarelog[] = [];
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: YAML });
  for (let i = 0; i < 2; i++) {
    replicas.push(
      await startCarelog({
        config: h.carelog.deps.config,
        logger: createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })),
        queuePrefix: h.carelog.queue.opts.prefix!,
        now: clock.now,
      }),
    );
  }
  replicas.unshift(h.carelog);
  // Some contacts for the figures, in both programs.
  const deps = h.carelog.deps;
  for (const [programId, prefix] of [
    ['wilmington', 'PIC'],
    ['small', 'SML'],
  ] as const) {
    const lines = ['client_code,contact_date,source,services,referrals,disposition,sex,age_band'];
    for (let i = 1; i <= 60; i++)
      lines.push(
        `${prefix}-${i},2025-${String(1 + (i % 12)).padStart(2, '0')}-1${i % 9},call_for_service,crisis_services,,resolved_on_scene,female,25-59`,
      );
    for (let i = 1; i <= 30; i++)
      lines.push(
        `${prefix}-${i},2026-0${1 + (i % 3)}-0${1 + (i % 9)},self_referral,crisis_services,,resolved_on_scene,female,25-59`,
      );
    expect(
      await importContacts(
        { db: deps.db, keyring: deps.keyring, directory: deps.directory },
        { program: deps.directory.program(programId)!, csv: lines.join('\n'), now: new Date('2026-03-31T12:00:00Z') },
      ),
    ).toMatchObject({ ok: true });
  }
  // Slack takes a moment to answer a post: the racers overlap.
  h.slack.respond('chat.postMessage', (call) =>
    (call.args.metadata as { event_type?: string } | undefined)?.event_type === DIGEST_EVENT_TYPE
      ? new Promise((r) => setTimeout(() => r(undefined), 150))
      : undefined,
  );
}, 120_000);
afterAll(async () => {
  for (const r of replicas.slice(1)) await r.stop();
  await h?.stop();
});

const idle = async () => {
  const c = await h.carelog.queue.getJobCounts('wait', 'active', 'prioritized');
  return c.wait! + c.active! + (c.prioritized ?? 0) === 0;
};

describe('three replicas racing the digest schedules', () => {
  it('post exactly once per program and period: ten weeks, four quarters (one starting on a weekend)', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    const expected = new Set<string>();
    let racers = 0;
    let lostRaces = 0;
    let retried = 0;

    const round = async (kind: 'week' | 'quarter', at: Date) => {
      clock.set(at);
      const schedulerJobs = (await h.carelog.queue.getDelayed()).filter(
        (j) => j.name === DIGEST_JOB_NAME && j.id?.startsWith('repeat:') && (j.data as { kind: string }).kind === kind,
      );
      const racing: Promise<unknown>[] = [
        ...schedulerJobs.map((j) => j.promote()),
        ...replicas.flatMap((r) => PROGRAMS.map((programId) => r.queue.add(DIGEST_JOB_NAME, { programId, kind }))),
        ...replicas.flatMap((r) =>
          PROGRAMS.map((programId) =>
            postDigestJob.run({ programId, kind }, r.deps).catch((err: unknown) => {
              if (!(err instanceof DigestInFlightError)) throw err;
              lostRaces++;
            }),
          ),
        ),
        ...replicas.map((r) => upsertDigestSchedules(r.queue, r.deps.config.programs)),
      ];
      racers += racing.length;
      await Promise.all(racing);
      const periods = PROGRAMS.map((programId) => {
        const program = h.carelog.deps.directory.program(programId)!;
        return { programId, label: lastCompletePeriod(kind, at, program.timezone, program.startDate).label };
      });
      const weekend =
        kind === 'quarter' &&
        ['2028-04-01', '2028-04-02'].some((d) => at.getTime() === fromLocal(d, '09:00', NY).getTime());
      if (!weekend) for (const p of periods) expected.add(`${p.programId}|${kind}|${p.label}`);
      await waitUntil(
        async () =>
          (await idle()) &&
          (weekend ||
            (await prisma.digestRun.count({
              where: {
                kind,
                status: 'posted',
                OR: periods.map((p) => ({ programId: p.programId, periodLabel: p.label })),
              },
            })) === periods.length),
        60_000,
        `the ${kind} round at ${at.toISOString()} settled`,
      );
      // Scheduled jobs that lost the race retry 30 s, 1 min, … later, still within the period's
      // first hours: run those retries now, before the clock moves on.
      for (let i = 0; i < 5; i++) {
        const retries = (await h.carelog.queue.getDelayed()).filter(
          (j) => j.name === DIGEST_JOB_NAME && j.attemptsMade > 0,
        );
        if (!retries.length) break;
        retried += retries.length;
        await Promise.all(retries.map((j) => j.promote().catch(() => undefined)));
        await waitUntil(idle, 60_000, 'retries settled');
      }
    };
    for (const at of WEEK_ROUNDS) await round('week', at);
    for (const at of QUARTER_ROUNDS) await round('quarter', at);
    const retriesLeft = (await h.carelog.queue.getDelayed()).filter(
      (j) => j.name === DIGEST_JOB_NAME && j.attemptsMade > 0,
    ).length;
    await new Promise((r) => setTimeout(r, 500));

    const runs = await prisma.digestRun.findMany({
      select: {
        id: true,
        programId: true,
        kind: true,
        periodLabel: true,
        status: true,
        channel: true,
        messageTs: true,
      },
    });
    const posts = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => (c.args.metadata as { event_type?: string } | undefined)?.event_type === DIGEST_EVENT_TYPE);
    const runIdOf = (p: (typeof posts)[number]) =>
      (p.args.metadata as { event_payload: { run_id: string } }).event_payload.run_id;
    const postsPerRun = new Map<string, number>();
    for (const p of posts) postsPerRun.set(runIdOf(p), (postsPerRun.get(runIdOf(p)) ?? 0) + 1);
    const keyOf = (r: { programId: string; kind: string; periodLabel: string }) =>
      `${r.programId}|${r.kind}|${r.periodLabel}`;
    const perPeriod = new Map<string, number>();
    for (const r of runs) perPeriod.set(keyOf(r), (perPeriod.get(keyOf(r)) ?? 0) + (postsPerRun.get(r.id) ?? 0));
    // A post whose run is not in the database would be a second post under another claim.
    const orphanPosts = posts.filter((p) => !runs.some((r) => r.id === runIdOf(p))).length;
    const doubled = [...perPeriod.values()].reduce((n, c) => n + Math.max(0, c - 1), 0) + orphanPosts;
    const missing = [...expected].filter((k) => (perPeriod.get(k) ?? 0) === 0).length;
    const unexpected = [...perPeriod.keys()].filter((k) => !expected.has(k)).length;
    reportFigure({
      case: 'three replicas racing digest schedules',
      figure: doubled + missing + unexpected,
      unit: 'doubled, missing or unscheduled posts',
      goal: '0 (one post per period)',
      ok: doubled + missing + unexpected === 0,
      of: { count: expected.size, unit: 'program periods' },
      durationMs: elapsed(),
      details: {
        racers,
        directRunsTurnedAway: lostRaces,
        scheduledRetries: retried,
        posts: posts.length,
        weeks: WEEK_ROUNDS.length * PROGRAMS.length,
        quarters: 4 * PROGRAMS.length,
      },
    });

    expect(retriesLeft).toBe(0);
    expect(expected.size).toBe((WEEK_ROUNDS.length + 4) * PROGRAMS.length);
    expect([...perPeriod.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(missing).toBe(0);
    expect(unexpected).toBe(0);
    expect(posts).toHaveLength(expected.size);
    for (const r of runs) {
      expect(r).toMatchObject({ status: 'posted', channel: CHANNEL[r.programId as (typeof PROGRAMS)[number]] });
      expect(h.slack.messages.filter((m) => m.channel === r.channel && m.ts === r.messageTs)).toHaveLength(1);
    }
    expect(
      await h.carelog.queue
        .getFailed()
        .then((f) => f.filter((j) => j.name === DIGEST_JOB_NAME && j.opts.attempts === 8)),
    ).toEqual([]);
  });
});
