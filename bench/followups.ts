// Follow-up nudges at scale: N pending follow-ups due evenly across a window, real Postgres (a
// fresh database), a private redis-server on a free port (so its memory figure is ours alone),
// carelog's own worker process (src/main.ts --worker, as `npm run worker`) and the fake Slack Web
// API in this process.
//
// Reports: nudge lateness (the fake Slack receiving chat.postMessage minus the follow-up's fire
// time) p50/p90/p99/max and throughput; Redis used_memory per pending reminder (before scheduling
// vs all N delayed jobs queued); the time to schedule N with the reconciler and to reconcile again
// when nothing is missing. Goals: lateness p99 < 2 s at ~1,000 arrivals/s; < 1.5 KB per reminder.
//
// npm run bench -- followups [--count 100000] [--window 100] [--workers 1] [--concurrency 200]
//
// `npm run bench -- referrals` is the same run for linkage checks: N open referrals whose checks
// come due evenly across the window (`nextCheckAt`), queued by the checks' reconciler, sent by
// the same worker process as ReferralCheck rows, with the same goals.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { parseEnv, parseProgramFile, type Config } from '../src/config.js';
import { startCarelog, type RunningCarelog } from '../src/carelog.js';
import { followUpRules } from '../src/domain/followups.js';
import { nextOpening } from '../src/domain/followups.js';
import { connectRedis } from '../src/queue/redis.js';
import { createLogger } from '../src/logger.js';
import { FakeSlackApi } from '../src/platforms/slack/simulator.js';
import { reconcileReminders } from '../src/services/reconcile.js';
import { reconcileReferralChecks } from '../src/services/referral-checks.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { freePort, pct, processCpuSeconds } from './common.js';
import { openDatabase } from '../src/db/client.js';
import { syncPrograms } from '../src/services/directory.js';

/** CPU seconds Redis has used (its own INFO): the private server counts only this run. */
async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)![1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
}

/**
 * CPU seconds of every postgres process on this machine (from /proc), or NaN where that cannot be
 * read. The shared server may serve others too, so this is an upper bound for the run.
 */
function postgresCpuSeconds(): number {
  try {
    let total = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        total += processCpuSeconds(Number(pid)) || 0;
      } catch {
        // the process ended while being read
      }
    }
    return total;
  } catch {
    return NaN;
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

// Open every day, all day (23:59 is the latest "to"), UTC: a follow-up's fire time is its due
// time except in the minute before midnight, which fires at 00:00; lateness is taken from the fire
// time as carelog computes it, so that minute is not counted as late.
const YAML = `
programs:
  - id: bench
    name: Bench Program
    timezone: UTC
    startDate: 2024-01-01
    clientCodePrefix: BEN
    roster:
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
      - { slack: U0CASE3, roles: [case_manager] }
      - { slack: U0CASE4, roles: [case_manager] }
      - { slack: U0SUP1, roles: [supervisor] }
    followUps:
      nudgeAt: "00:00"
      hours: { days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "23:59" }
      overdueAfterWorkingDays: 2
`;

export interface FollowUpsBenchResult {
  /** What came due: follow-up nudges, or referrals' linkage checks. */
  kind: 'nudges' | 'linkage checks';
  /** Follow-ups (or referrals) due across the window. */
  followUps: number;
  windowSeconds: number;
  arrivalPerSecond: number;
  workerConcurrency: number;
  /** Worker processes (src/main.ts --worker), each holding workerConcurrency jobs. */
  workerProcesses: number;
  /** Load average when the run began: other work on the machine skews every figure. */
  loadAverageAtStart: number;
  bulkLoadMs: number;
  /** reconcileReminders with all N missing from Redis. */
  scheduleMs: number;
  scheduled: number;
  /** reconcileReminders again, nothing missing. */
  reconcileAgainMs: number;
  reconcileAgainAdded: number;
  redisUsedMemoryBefore: number;
  redisUsedMemoryAfter: number;
  redisBytesPerReminder: number;
  /** Scheduling (and the worker's start) was done before the first follow-up was due. */
  readyBeforeFirstDue: boolean;
  delivered: number;
  missing: number;
  duplicateDMs: number;
  /** Delivered nudges per second, first fire time to last delivery. */
  throughputPerSecond: number;
  /**
   * CPU time of the worker processes per delivered nudge, from its start to the end: steadier than
   * throughput on a shared machine, and what says how many nudges a second one worker can carry.
   */
  workerCpuMsPerNudge: number;
  /** The same for this process: the fake Slack answering, and the bookkeeping. */
  fakeSlackCpuMsPerNudge: number;
  /** The same for the private Redis (INFO cpu). */
  redisCpuMsPerNudge: number;
  /**
   * The same for Postgres (every postgres process on the machine; an upper bound when the shared
   * server is busy with others). Worker + Redis + Postgres per nudge says how many nudges a second
   * the machine's cores could carry, whatever else was running.
   */
  postgresCpuMsPerNudge: number;
  latenessMs: { p50: number; p90: number; p99: number; max: number };
  goals: { latenessP99Under2s: boolean; redisUnder1_5KB: boolean };
}

/**
 * @param nodeFlags extra flags for the worker's node, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']
 *   to profile it (`npm run bench -- followups --worker-node-flags "--cpu-prof"`).
 */
export async function benchFollowUps(
  count = 100_000,
  windowSeconds = 100,
  concurrency?: number,
  nodeFlags: string[] = [],
  workerCount = 1,
  what: 'nudges' | 'checks' = 'nudges',
): Promise<FollowUpsBenchResult> {
  const benchStart = Date.now();
  const loadAverageAtStart = Number(os.loadavg()[0]!.toFixed(2));
  const tdb = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-redis-'));
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
  // A private redis-server (connectRedis starts one when nothing answers): the shared one at 6379
  // is never touched, and used_memory counts only this run.
  const privateRedis = await connectRedis({ url: redisUrl, startIfMissing: true, dataDir, logger: quiet });
  const slack = new FakeSlackApi();
  const received = new Map<string, number>();
  let postMessages = 0;
  slack.respond('chat.postMessage', (call) => {
    postMessages++;
    const meta = call.args.metadata as { event_payload?: { nudge_id?: string; check_id?: string } } | undefined;
    const id = meta?.event_payload?.nudge_id ?? meta?.event_payload?.check_id;
    if (id && !received.has(id)) received.set(id, Date.now());
    return undefined;
  });
  // The fake keeps every call it gets; 2N calls with their bodies would fill the heap and make the
  // garbage collector part of the figure.
  const trim = setInterval(() => slack.calls.splice(0), 1_000);
  const apiUrl = await slack.start();
  const running: RunningCarelog[] = [];
  const workerProcesses: ChildProcess[] = [];
  const probe = new Redis(redisUrl);
  try {
    const programs = parseProgramFile(YAML, 'bench.yml');
    const program = programs[0]!;
    // Data first, with bulk SQL: a client per follow-up, one contact each.
    const setup = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
    await setup.migrate();
    const directory = await syncPrograms(setup, programs);
    const assignees = ['U0CASE1', 'U0CASE2', 'U0CASE3', 'U0CASE4'].map(
      (u) => directory.member('bench', 'slack', u)!.memberId,
    );
    const t0 = performance.now();
    await setup.sql.query(
      `INSERT INTO "Client" (id, "programId", number, code, sex, "ageBand", "firstContactAt", "caseManagerId", "updatedAt")
       SELECT gen_random_uuid(), 'bench', g, 'BEN-' || lpad(g::text, 6, '0'), 'not_reported', 'not_reported', now(), ($1::uuid[])[1 + g % 4], now()
       FROM generate_series(1, $2::int) g`,
      [assignees, count],
    );
    await setup.sql.query(
      `INSERT INTO "Contact" (id, "programId", number, "clientId", "occurredAt", "authorId", source, services, referrals, disposition, "idempotencyKey")
       SELECT gen_random_uuid(), 'bench', c.number, c.id, now(), c."caseManagerId", 'call_for_service', '{}', '{}', 'resolved_on_scene', 'bench:' || c.number
       FROM "Client" c WHERE c."programId" = 'bench'`,
    );
    await setup.sql.query(`UPDATE "Program" SET "nextClientNumber" = $1, "nextContactNumber" = $1 WHERE id = 'bench'`, [
      count + 1,
    ]);
    let bulkLoadMs = performance.now() - t0;
    await setup.close();

    const env = parseEnv({
      NODE_ENV: 'test',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_API_URL: apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: tdb.url,
      REDIS_URL: redisUrl,
      CARELOG_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      CARELOG_START_REDIS: 'false',
      CARELOG_WORKERS: 'false',
      ...(concurrency ? { CARELOG_WORKER_CONCURRENCY: String(concurrency) } : {}),
      LOG_LEVEL: 'error',
    });
    const config: Config = {
      env,
      production: false,
      embeddedDatabase: false,
      dataDir,
      configFile: 'bench.yml',
      slackSimulated: false,
      programs,
    };
    // A web process without workers schedules (here, in this process); the worker process started
    // below sends. The Redis is private, so the default queue prefix is carelog's alone.
    const web = await startCarelog({ config, logger: quiet });
    running.push(web);
    const memBefore = await usedMemory(probe);

    // Due evenly across the window, starting once scheduling (and the worker's start) is done:
    // 30 s, plus 0.3 ms a follow-up for the reconciler.
    const first = Date.now() + 30_000 + Math.ceil(count * 0.3);
    const t1 = performance.now();
    // Follow-ups due, or referrals whose check is due, at the same instants.
    const dueAt = `to_timestamp(($1::bigint + (c.number - 1)::bigint * $2::bigint / $3::bigint) / 1000.0) AT TIME ZONE 'UTC'`;
    await web.deps.db.sql.query(
      what === 'nudges'
        ? `INSERT INTO "FollowUp" (id, "programId", "clientId", "originContactId", "dueAt", "assigneeId", "updatedAt")
           SELECT gen_random_uuid(), 'bench', c."clientId", c.id, ${dueAt}, c."authorId", now()
           FROM "Contact" c WHERE c."programId" = 'bench'`
        : `INSERT INTO "Referral" (id, "programId", "clientId", "contactId", category, "madeAt", "nextCheckAt", "assigneeId", "updatedAt")
           SELECT gen_random_uuid(), 'bench', c."clientId", c.id, 'mental_health_treatment', c."occurredAt", ${dueAt}, c."authorId", now()
           FROM "Contact" c WHERE c."programId" = 'bench'`,
      [first, windowSeconds * 1000, count],
    );
    bulkLoadMs += performance.now() - t1;
    const reconcile = () =>
      what === 'nudges'
        ? reconcileReminders(web.deps)
        : reconcileReferralChecks(web.deps).then((r) => ({ ...r, pending: r.open }));

    const t2 = performance.now();
    const rec = await reconcile();
    const scheduleMs = performance.now() - t2;
    const memAfter = await usedMemory(probe);
    const t3 = performance.now();
    const rec2 = await reconcile();
    const reconcileAgainMs = performance.now() - t3;

    // The worker in its own process, exactly as `npm run worker` runs it (src/main.ts --worker),
    // so its CPU is carelog's alone: this process only plays Slack and keeps the score.
    const configFile = path.join(dataDir, 'bench.yml');
    writeFileSync(configFile, YAML);
    const workerEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'development',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_API_URL: apiUrl,
      DATABASE_URL: tdb.url,
      REDIS_URL: redisUrl,
      CARELOG_CONFIG: configFile,
      CARELOG_DATA_DIR: dataDir,
      CARELOG_ENCRYPTION_KEY: env.CARELOG_ENCRYPTION_KEY!,
      CARELOG_START_REDIS: 'false',
      CARELOG_WORKER_CONCURRENCY: String(env.CARELOG_WORKER_CONCURRENCY),
      LOG_LEVEL: 'info',
    };
    const startWorker = async () => {
      const worker = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'src/main.ts', '--worker'], {
        env: workerEnv,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      workerProcesses.push(worker);
      await new Promise<void>((resolve, reject) => {
        let out = '';
        worker.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('carelog worker is ready')) resolve();
        });
        worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
      });
      return worker;
    };
    const workers = await Promise.all(Array.from({ length: workerCount }, startWorker));
    const readyBeforeFirstDue = Date.now() < first;
    const workersCpu = () => workers.reduce((sum, w) => sum + processCpuSeconds(w.pid!), 0);
    const workerCpuBefore = workersCpu();
    const cpuBefore = process.cpuUsage();
    const redisCpuBefore = await redisCpuSeconds(probe);
    const pgCpuBefore = postgresCpuSeconds();

    // Wait for every nudge, at most two minutes past the window and ~10 minutes in all.
    const deadline = Math.min(
      first + windowSeconds * 1000 + 120_000,
      Math.max(benchStart + 570_000, first + windowSeconds * 1000 + 10_000),
    );
    while (received.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const workerCpu = workersCpu() - workerCpuBefore;
    const cpu = process.cpuUsage(cpuBefore);
    const redisCpu = (await redisCpuSeconds(probe)) - redisCpuBefore;
    const pgCpu = postgresCpuSeconds() - pgCpuBefore;

    const rules = followUpRules(program);
    // A check, once sent, clears its referral's nextCheckAt: its due time is the contact's slot.
    const rows = await web.deps.db.sql.query<{ id: string; due: string }>(
      what === 'nudges'
        ? `SELECT n.id, (extract(epoch FROM f."dueAt") * 1000)::bigint::text AS due
           FROM "Nudge" n JOIN "FollowUp" f ON f.id = n."followUpId" WHERE n.kind = 'due'`
        : `SELECT k.id, (extract(epoch FROM ${dueAt}) * 1000)::bigint::text AS due
           FROM "ReferralCheck" k JOIN "Referral" r ON r.id = k."referralId" JOIN "Contact" c ON c.id = r."contactId"`,
      what === 'nudges' ? [] : [first, windowSeconds * 1000, count],
    );
    const lateness: number[] = [];
    let firstFire = Infinity;
    for (const r of rows) {
      const at = received.get(r.id);
      if (at === undefined) continue;
      const fire = nextOpening(new Date(Number(r.due)), rules.hours, rules.timezone).getTime();
      firstFire = Math.min(firstFire, fire);
      lateness.push(at - fire);
    }
    lateness.sort((a, b) => a - b);
    const lastDelivery = Math.max(...received.values());
    const round = (x: number) => Math.round(x);
    return {
      kind: what === 'nudges' ? 'nudges' : 'linkage checks',
      followUps: count,
      windowSeconds,
      arrivalPerSecond: round(count / windowSeconds),
      workerConcurrency: env.CARELOG_WORKER_CONCURRENCY,
      workerProcesses: workerCount,
      loadAverageAtStart,
      bulkLoadMs: round(bulkLoadMs),
      scheduleMs: round(scheduleMs),
      scheduled: rec.added,
      reconcileAgainMs: round(reconcileAgainMs),
      reconcileAgainAdded: rec2.added,
      redisUsedMemoryBefore: memBefore,
      redisUsedMemoryAfter: memAfter,
      redisBytesPerReminder: round((memAfter - memBefore) / count),
      readyBeforeFirstDue,
      delivered: lateness.length,
      missing: count - lateness.length,
      duplicateDMs: postMessages - received.size,
      throughputPerSecond: round(lateness.length / ((lastDelivery - firstFire) / 1000)),
      workerCpuMsPerNudge: Number(((workerCpu * 1000) / Math.max(1, lateness.length)).toFixed(2)),
      fakeSlackCpuMsPerNudge: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, lateness.length)).toFixed(2)),
      redisCpuMsPerNudge: Number(((redisCpu * 1000) / Math.max(1, lateness.length)).toFixed(2)),
      postgresCpuMsPerNudge: Number(((pgCpu * 1000) / Math.max(1, lateness.length)).toFixed(2)),
      latenessMs: {
        p50: round(pct(lateness, 50)),
        p90: round(pct(lateness, 90)),
        p99: round(pct(lateness, 99)),
        max: round(lateness.at(-1) ?? NaN),
      },
      goals: {
        latenessP99Under2s: lateness.length === count && pct(lateness, 99) < 2_000,
        redisUnder1_5KB: (memAfter - memBefore) / count < 1_536,
      },
    };
  } finally {
    clearInterval(trim);
    for (const w of workerProcesses.filter((p) => p.exitCode === null)) {
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGTERM');
      await exited;
    }
    for (const r of running.reverse()) await r.stop().catch(() => undefined);
    probe.disconnect();
    await slack.stop();
    await privateRedis.close();
    rmSync(dataDir, { recursive: true, force: true });
    await tdb.drop();
  }
}
