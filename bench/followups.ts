// Follow-up nudges at scale: N pending follow-ups due across a window, real Postgres, a private
// Redis (so its memory figure is ours alone), carelog's own workers and a fake Slack Web API.
// Reports nudge lateness (Slack receiving the DM minus the follow-up's due time), throughput, and
// Redis memory per pending reminder.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { parseEnv, parseProgramFile, type Config } from '../src/config.js';
import { startCarelog } from '../src/carelog.js';
import { connectRedis } from '../src/queue/redis.js';
import { createLogger } from '../src/logger.js';
import { FakeSlackApi } from '../src/platforms/slack/simulator.js';
import { reconcileReminders } from '../src/services/reconcile.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { openDatabase } from '../src/db/client.js';
import { syncPrograms } from '../src/services/directory.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;

const YAML = `
programs:
  - id: bench
    name: Bench Program
    timezone: UTC
    startDate: 2024-01-01
    clientCodePrefix: BEN
    roster:
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0SUP1, roles: [supervisor] }
    followUps:
      nudgeAt: "00:00"
      hours: { days: [mon, tue, wed, thu, fri, sat, sun], from: "00:00", to: "23:59" }
      overdueAfterWorkingDays: 30
`;

export async function benchFollowUps(count = 100_000, windowSeconds = 300) {
  const tdb = await createTestDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-redis-'));
  const port = await freePort();
  const redisUrl = `redis://127.0.0.1:${port}`;
  const quiet = createLogger('error', new Writable({ write: (_c, _e, cb) => cb() }));
  const privateRedis = await connectRedis({ url: redisUrl, startIfMissing: true, dataDir, logger: quiet });
  const slack = new FakeSlackApi();
  const received = new Map<string, number>();
  slack.respond('chat.postMessage', (call) => {
    const meta = call.args.metadata as { event_payload?: { nudge_id?: string } } | undefined;
    if (meta?.event_payload?.nudge_id) received.set(meta.event_payload.nudge_id, Date.now());
    return undefined;
  });
  const apiUrl = await slack.start();
  try {
    const programs = parseProgramFile(YAML, 'bench.yml');
    // Data first, with bulk SQL: clients, one contact and one pending follow-up each, due evenly
    // across the window starting a little after scheduling is done.
    const setup = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
    await setup.migrate();
    const directory = await syncPrograms(setup.prisma, programs);
    const cm = directory.member('bench', 'slack', 'U0CASE1')!.memberId;
    const t0 = performance.now();
    await setup.sql.query(
      `INSERT INTO "Client" (id, "programId", number, code, sex, "ageBand", "firstContactAt", "caseManagerId", "updatedAt")
       SELECT gen_random_uuid(), 'bench', g, 'BEN-' || lpad(g::text, 6, '0'), 'not_reported', 'not_reported', now(), $1::uuid, now()
       FROM generate_series(1, $2::int) g`,
      [cm, count],
    );
    await setup.sql.query(
      `INSERT INTO "Contact" (id, "programId", number, "clientId", "occurredAt", "authorId", source, services, referrals, disposition, "idempotencyKey")
       SELECT gen_random_uuid(), 'bench', c.number, c.id, now(), $1::uuid, 'call_for_service', '{}', '{}', 'resolved_on_scene', 'bench:' || c.number
       FROM "Client" c WHERE c."programId" = 'bench'`,
      [cm],
    );
    const loadMs = performance.now() - t0;
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
      LOG_LEVEL: 'error',
    });
    const config: Config = { env, production: false, embeddedDatabase: false, dataDir, configFile: 'bench.yml', slackSimulated: false, programs };
    // A web process without workers, to schedule; then a worker process (in this same Node
    // process) does the sending.
    const web = await startCarelog({ config, logger: quiet, queuePrefix: 'bench' });
    const probe = new Redis(redisUrl);
    const memBefore = Number(/used_memory:(\d+)/.exec(await probe.info('memory'))![1]);
    const scheduleStart = performance.now();
    const start = Date.now() + 30_000 + count; // time to schedule before the first is due
    await web.deps.db.sql.query(
      `INSERT INTO "FollowUp" (id, "programId", "clientId", "originContactId", "dueAt", "assigneeId", "updatedAt")
       SELECT gen_random_uuid(), 'bench', c."clientId", c.id,
              to_timestamp(($1::bigint + (c.number - 1)::bigint * $2::bigint / $3::bigint) / 1000.0) AT TIME ZONE 'UTC', $4::uuid, now()
       FROM "Contact" c WHERE c."programId" = 'bench'`,
      [start, windowSeconds * 1000, count, cm],
    );
    const rec = await reconcileReminders(web.deps);
    const scheduleMs = performance.now() - scheduleStart;
    const memAfter = Number(/used_memory:(\d+)/.exec(await probe.info('memory'))![1]);
    const again = performance.now();
    const rec2 = await reconcileReminders(web.deps);
    const reconcileAgainMs = performance.now() - again;
    if (Date.now() > start) throw new Error(`scheduling took longer than its lead (${Math.round(scheduleMs)} ms)`);

    const worker = await startCarelog({ config: { ...config, env: { ...env, CARELOG_WORKERS: true } }, logger: quiet, queuePrefix: 'bench', mode: 'worker' });
    const deadline = start + windowSeconds * 1000 + 120_000;
    while (received.size < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const sentAt = new Map<string, number>(received);
    const rows = await web.deps.db.sql.query<{ id: string; due: Date }>(
      `SELECT n.id, f."dueAt" AS due FROM "Nudge" n JOIN "FollowUp" f ON f.id = n."followUpId" WHERE n.kind = 'due'`,
    );
    const lateness = rows
      .filter((r) => sentAt.has(r.id))
      .map((r) => sentAt.get(r.id)! - new Date(`${(r.due as unknown as Date).toISOString?.() ?? r.due}`).getTime())
      .sort((a, b) => a - b);
    const doubled = slack.callsTo('chat.postMessage').length - received.size;
    await worker.stop();
    await web.stop();
    probe.disconnect();
    return {
      followUps: count,
      windowSeconds,
      arrivalPerSecond: Math.round(count / windowSeconds),
      bulkLoadMs: Math.round(loadMs),
      scheduleMs: Math.round(scheduleMs),
      scheduled: rec.added,
      reconcileAgainMs: Math.round(reconcileAgainMs),
      reconcileAgainAdded: rec2.added,
      redisBytesPerReminder: Math.round((memAfter - memBefore) / count),
      delivered: lateness.length,
      duplicateDMs: doubled,
      latenessMs: { p50: Math.round(pct(lateness, 50)), p99: Math.round(pct(lateness, 99)), max: Math.round(lateness.at(-1) ?? NaN) },
    };
  } finally {
    await slack.stop();
    await privateRedis.close();
    rmSync(dataDir, { recursive: true, force: true });
    await tdb.drop();
  }
}
