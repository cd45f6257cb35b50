// Redis for BullMQ. Outside production, when nothing answers at REDIS_URL, carelog starts a private
// redis-server (data under the data directory, AOF on, noeviction) and stops it on exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { CarelogError } from '../errors.js';
import type { Logger } from '../logger.js';

export { Redis };

export interface RedisHandle {
  /** Connection for BullMQ queues and workers (maxRetriesPerRequest: null, as BullMQ requires). */
  connection: Redis;
  /** The private server carelog started, if it had to. */
  child: ChildProcess | null;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface RedisOptions {
  url: string;
  startIfMissing: boolean;
  dataDir: string;
  logger: Logger;
}

async function answers(url: string): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
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

function redisServerOnPath(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startPrivateRedis(url: string, dataDir: string, logger: Logger): Promise<ChildProcess> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new CarelogError(
      'redis_unavailable',
      `Nothing answers at REDIS_URL (${u.host}); carelog only starts a private Redis on this machine.`,
    );
  }
  if (!redisServerOnPath()) {
    throw new CarelogError(
      'redis_unavailable',
      `Nothing answers at REDIS_URL (${u.host}) and redis-server is not installed. ` +
        'Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.',
    );
  }
  const dir = path.join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--port',
      u.port || '6379',
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
    ],
    { stdio: 'ignore' },
  );
  logger.warn(
    { dir, port: u.port || '6379' },
    'no Redis answered at REDIS_URL: started a private redis-server (dev mode)',
  );
  for (let i = 0; i < 50; i++) {
    if (await answers(url)) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new CarelogError('redis_unavailable', `The private redis-server did not start on port ${u.port || '6379'}`);
}

export async function connectRedis(opts: RedisOptions): Promise<RedisHandle> {
  let child: ChildProcess | null = null;
  if (!(await answers(opts.url))) {
    if (!opts.startIfMissing) {
      throw new CarelogError(
        'redis_unavailable',
        `Nothing answers at REDIS_URL (${new URL(opts.url).host}). Start Redis or set REDIS_URL.`,
      );
    }
    child = await startPrivateRedis(opts.url, opts.dataDir, opts.logger);
  }
  const connection = new Redis(opts.url, { maxRetriesPerRequest: null });
  connection.on('error', (err) => opts.logger.warn({ err }, 'redis connection error'));
  try {
    const policy = await connection.config('GET', 'maxmemory-policy');
    if (policy[1] && policy[1] !== 'noeviction') {
      opts.logger.warn(
        { policy: policy[1] },
        'REDIS maxmemory-policy is not noeviction: Redis may silently drop queued reminders. Set maxmemory-policy noeviction.',
      );
    }
  } catch {
    // Managed Redis services often forbid CONFIG; nothing to check then.
  }
  return {
    connection,
    child,
    ping: async () => {
      const pong = await Promise.race([
        connection.ping(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis ping timed out')), 1_000).unref()),
      ]);
      if (pong !== 'PONG') throw new Error('redis did not answer PONG');
    },
    close: async () => {
      await connection.quit().catch(() => connection.disconnect());
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}
