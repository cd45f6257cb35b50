// Starts test/support/worker-child.ts in its own process (node --import tsx), for tests that kill a
// worker with SIGKILL mid-job. Resolves once the child's workers run.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Harness } from './harness.js';
import type { TWorkerChildArgs } from './worker-child.js';

export interface ChildWorker {
  child: ChildProcess;
  /** Resolves with the signal that ended the child (null for a normal exit). */
  exited: Promise<NodeJS.Signals | null>;
  /** What the child wrote to stderr (its log lines). */
  stderr(): string;
  /** SIGKILL, if it still runs; resolves when it is gone. */
  kill(): Promise<NodeJS.Signals | null>;
}

export async function startChildWorker(
  h: Harness,
  opts: {
    yaml: string;
    clockOffsetMs: number;
    timing: TWorkerChildArgs['timing'];
    concurrency?: number;
    claimLeaseMs?: number;
  },
): Promise<ChildWorker> {
  const env = h.carelog.deps.config.env;
  const args: TWorkerChildArgs = {
    databaseUrl: env.DATABASE_URL!,
    redisUrl: env.REDIS_URL,
    queuePrefix: h.carelog.queue.opts.prefix!,
    slackApiUrl: env.SLACK_API_URL,
    yaml: opts.yaml,
    encryptionKey: env.CARELOG_ENCRYPTION_KEY!,
    clockOffsetMs: opts.clockOffsetMs,
    timing: opts.timing,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.claimLeaseMs ? { claimLeaseMs: opts.claimLeaseMs } : {}),
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join('test', 'support', 'worker-child.ts'), JSON.stringify(args)],
    {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker child not ready: ${stderr.slice(-2000)}`)), 60_000);
      child.once('exit', () => reject(new Error(`worker child exited before it was ready: ${stderr.slice(-2000)}`)));
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    await kill();
    throw err;
  }
  return { child, exited, stderr: () => stderr, kill };
}
