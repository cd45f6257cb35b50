// Cold start on embedded defaults (PGlite, the local Slack simulator, the machine's Redis), as a
// person gets it: the built carelog started in a process of its own, timed from spawn to the first
// 200 from GET /healthz. /healthz is the readiness endpoint: carelog's server listens only once
// start-up is done (database open and migrated, programs mirrored, Redis and Slack answering, every
// route registered), and /healthz then answers 200 only while the database, Redis and Slack answer,
// so its first 200 is the moment a /contact can be taken and saved. /livez answers from the same
// moment (liveness only, for the container's HEALTHCHECK).
//   - `node dist/src/main.js` (what `npm start` runs, and the Docker image): once on a fresh data
//     directory, then `runs` times on the same one, the goal's figure (median, spread);
//   - `npm start` the same way, a few times: the same plus npm's own start and the prestart build
//     check, what a person typing it waits for;
//   - `npm run dev` the same way: the TypeScript sources through tsx, no build, no bundle.
// Goal: < 1 s with an existing data directory.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dropQueueKeys } from '../test/support/redis.js';
import { freePort, pct, processCpuSeconds, round1, round2 } from './common.js';

const now = () => performance.timeOrigin + performance.now();

/** The machine's Redis, which carelog uses by default (REDIS_URL unset). */
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

interface Start {
  /** Spawn to the first 200 from /healthz. */
  ms: number;
  /** CPU time carelog's node process had used by then (all its threads). */
  cpuMs: number;
}

/**
 * Spawns `command` on embedded defaults and polls /healthz until it answers 200; then stops the
 * process (its whole group: npm, its shell and node together). The environment is a person's: no
 * NODE_ENV, no LOG_LEVEL, the machine's Redis; only the port, the data directory and the queue
 * prefix are the bench's own.
 */
async function timeStart(
  command: string[],
  dataDir: string,
  prefix: string,
  entry = 'dist/src/main.js',
): Promise<Start> {
  const port = await freePort();
  const t0 = now();
  const child = spawn(command[0]!, command.slice(1), {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: os.homedir(),
      PORT: String(port),
      CARELOG_DATA_DIR: dataDir,
      CARELOG_QUEUE_PREFIX: prefix,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    let dead = false;
    void exited.then(() => (dead = true));
    for (;;) {
      if (dead) throw new Error(`${command.join(' ')} exited before /healthz answered:\n${out}`);
      if (now() - t0 > 120_000) throw new Error(`${command.join(' ')}: /healthz did not answer within 120 s`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        const ms = now() - t0;
        // carelog's own node processes: the child itself, or what npm started (for npm run dev, tsx's
        // CLI and the node it runs carelog in).
        const pids = spawnSync('pgrep', ['-g', String(child.pid), '-f', entry], { encoding: 'utf8' })
          .stdout.split('\n')
          .filter(Boolean)
          .map(Number);
        const cpu = pids.map((p) => processCpuSeconds(p)).reduce((a, b) => a + b, 0);
        return { ms, cpuMs: cpu * 1000 };
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

const spread = (starts: Start[]) => {
  const ms = starts.map((s) => s.ms).sort((a, b) => a - b);
  const cpu = starts.map((s) => s.cpuMs).sort((a, b) => a - b);
  return {
    medianMs: Math.round(pct(ms, 50)),
    minMs: Math.round(ms[0]!),
    maxMs: Math.round(ms.at(-1)!),
    runsMs: starts.map((s) => Math.round(s.ms)),
    medianCpuMs: Math.round(pct(cpu, 50)),
  };
};

/**
 * `node dist/src/main.js` once on a fresh data directory, then `runs` times on the same one, then
 * `npm start` and `npm run dev` `npmRuns` times each on it. dist/ is built first, so no start
 * includes a build.
 */
export async function benchColdStart(runs = 7, npmRuns = 3) {
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-cold-'));
  const prefixes: string[] = [];
  const prefix = () => {
    prefixes.push(`carelog-bench-${randomBytes(4).toString('hex')}`);
    return prefixes.at(-1)!;
  };
  const node = [process.execPath, 'dist/src/main.js'];
  const loadAtStart = os.loadavg().map(round1);
  try {
    const fresh = await timeStart(node, dataDir, prefix());
    const again: Start[] = [];
    for (let i = 0; i < runs; i++) again.push(await timeStart(node, dataDir, prefix()));
    const npm: Start[] = [];
    for (let i = 0; i < npmRuns; i++) npm.push(await timeStart(['npm', 'start', '--silent'], dataDir, prefix()));
    const dev: Start[] = [];
    for (let i = 0; i < npmRuns; i++)
      dev.push(await timeStart(['npm', 'run', 'dev', '--silent'], dataDir, prefix(), 'src/main.ts'));
    const existing = spread(again);
    return {
      until: 'GET /healthz 200 (ready: a /contact can be taken)',
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map(round1) },
      cores: os.cpus().length,
      node: {
        command: 'node dist/src/main.js',
        freshDataDirMs: Math.round(fresh.ms),
        existingDataDir: existing,
      },
      npmStart: { command: 'npm start', existingDataDir: spread(npm) },
      npmRunDev: { command: 'npm run dev', existingDataDir: spread(dev) },
      // How much of a start is waiting for a core: wall time over the CPU time it used.
      wallPerCpu: round2(existing.medianMs / existing.medianCpuMs),
      goalUnder1s: existing.medianMs < 1_000,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await dropQueueKeys(SHARED_REDIS_URL, prefixes);
  }
}
