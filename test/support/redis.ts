// Private redis-server processes for tests that flush, restart or kill Redis: never the shared one
// at 127.0.0.1:6379. Each runs with no persistence (what a restart "without persistence" loses is
// everything) on a free loopback port, and is killed by the returned stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from '../../src/queue/redis.js';
import { waitUntil } from './followups.js';

/**
 * Deletes the keys under each queue prefix from a Redis, with SCAN and DEL (never FLUSHALL: the
 * machine's Redis is shared). A Redis that does not answer (a test stopped it) is left as it is.
 */
export async function dropQueueKeys(url: string, prefixes: string[]): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const prefix of prefixes) {
      for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>)
        if (keys.length) await redis.del(...keys);
    }
  } catch {
    // Nothing that matters is left in a Redis that is down.
  } finally {
    redis.disconnect();
  }
}

/** A TCP port nothing listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: nothing is saved) and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  /** Kills the server and leaves it down (Redis unavailable), until up(). */
  down(): Promise<void>;
  /** Starts a new, empty server on the same port after down(); does nothing while one runs. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-test-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory-policy',
        'noeviction',
        '--dir',
        dir,
      ],
      {
        stdio: 'ignore',
      },
    );
    exited = new Promise<void>((r) => child.once('exit', () => r()));
    await waitUntil(() => answers(url), 10_000, 'private redis-server');
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url,
    port,
    restart: async () => {
      await kill();
      await launch();
    },
    down: kill,
    up: async () => {
      if (child.exitCode === null && child.signalCode === null) return;
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
