// connectRedis against real redis-server processes: the shared one at 127.0.0.1:6379 (touched only
// under this file's own key prefix) and private ones on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CarelogError } from '../../src/errors.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { connectRedis, Redis, type RedisHandle } from '../../src/queue/redis.js';
import { freePort } from '../support/redis.js';

const SHARED_URL = 'redis://127.0.0.1:6379';
const PREFIX = `carelog-test-redis-${randomBytes(4).toString('hex')}:`;

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-redis-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A logger whose lines are kept, parsed, for assertions. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

function track(handle: RedisHandle): RedisHandle {
  let closed = false;
  const close = () => handle.close();
  cleanups.push(async () => {
    if (!closed) await close();
  });
  return {
    ...handle,
    close: async () => {
      closed = true;
      await close();
    },
  };
}

/** Whether anything accepts a TCP connection on the port. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function configGet(url: string, key: string): Promise<string | undefined> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return (await r.config('GET', key))[1];
  } finally {
    r.disconnect();
  }
}

/** Starts a redis-server of our own with extra arguments; resolves once it answers PING. */
async function startOwnRedis(port: number, dir: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args],
    {
      stdio: 'ignore',
    },
  );
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  );
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => undefined);
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server on ${port} exited with ${child.exitCode}`);
      try {
        if (probe.status !== 'ready') await probe.connect();
        if ((await probe.ping()) === 'PONG') return child;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server on ${port} never answered`);
  } finally {
    probe.disconnect();
  }
}

describe('connectRedis', () => {
  it('connects to a running Redis without starting another', async () => {
    const { logger, lines } = capturingLogger();
    const handle = track(await connectRedis({ url: SHARED_URL, startIfMissing: true, dataDir: tempDir(), logger }));
    expect(handle.child).toBeNull();
    await handle.ping();
    const key = `${PREFIX}ping`;
    cleanups.push(async () => {
      const r = new Redis(SHARED_URL);
      await r.del(key);
      r.disconnect();
    });
    await handle.connection.set(key, 'value', 'EX', 60);
    expect(await handle.connection.get(key)).toBe('value');
    // BullMQ refuses connections that retry commands on their own.
    expect(handle.connection.options.maxRetriesPerRequest).toBeNull();
    expect(lines.some((l) => String(l.msg).includes('started a private redis-server'))).toBe(false);
    await handle.close();
    // QUIT is answered before the socket closes; the connection must still come to its end.
    await new Promise<void>((r) =>
      handle.connection.status === 'end' ? r() : handle.connection.once('end', () => r()),
    );
    expect(handle.connection.status).toBe('end');
  });

  it('starts a private redis-server (AOF, noeviction, data under the data dir) and stops it on close', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const dataDir = tempDir();
    const { logger, lines } = capturingLogger();
    const handle = track(await connectRedis({ url, startIfMissing: true, dataDir, logger }));
    expect(handle.child).not.toBeNull();
    await handle.ping();
    expect(await configGet(url, 'appendonly')).toBe('yes');
    expect(await configGet(url, 'maxmemory-policy')).toBe('noeviction');
    expect(await configGet(url, 'dir')).toBe(path.join(dataDir, 'redis'));
    await handle.connection.set('k', 'v');
    expect(readdirSync(path.join(dataDir, 'redis')).length).toBeGreaterThan(0);
    expect(lines.find((l) => l.level === 40 && String(l.msg).includes('started a private redis-server'))).toMatchObject(
      { port: String(port) },
    );
    // Its own policy is the right one: no warning about it.
    expect(lines.some((l) => String(l.msg).includes('maxmemory-policy'))).toBe(false);

    await handle.close();
    expect(handle.child!.exitCode !== null || handle.child!.signalCode !== null).toBe(true);
    expect(await portAnswers(port)).toBe(false);
    // The append-only data stays behind for the next start.
    expect(existsSync(path.join(dataDir, 'redis'))).toBe(true);
  });

  it('fails with redis_unavailable naming REDIS_URL when nothing answers and it may not start one', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const err = await connectRedis({
      url: `redis://127.0.0.1:${port}`,
      startIfMissing: false,
      dataDir,
      logger: capturingLogger().logger,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CarelogError);
    expect((err as CarelogError).code).toBe('redis_unavailable');
    expect((err as CarelogError).message).toContain('REDIS_URL');
    expect((err as CarelogError).message).toContain(`127.0.0.1:${port}`);
    expect(await portAnswers(port)).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('warns when the server may evict keys (maxmemory-policy other than noeviction)', async () => {
    const port = await freePort();
    await startOwnRedis(port, tempDir(), ['--maxmemory-policy', 'allkeys-lru']);
    const url = `redis://127.0.0.1:${port}`;
    expect(await configGet(url, 'maxmemory-policy')).toBe('allkeys-lru');
    const { logger, lines } = capturingLogger();
    const handle = track(await connectRedis({ url, startIfMissing: true, dataDir: tempDir(), logger }));
    expect(handle.child).toBeNull();
    const warning = lines.find((l) => String(l.msg).includes('maxmemory-policy is not noeviction'));
    expect(warning).toMatchObject({ level: 40, policy: 'allkeys-lru' });
    await handle.ping();
    await handle.close();
    // Closing a server carelog did not start leaves it running.
    expect(await portAnswers(port)).toBe(true);
  });
});
