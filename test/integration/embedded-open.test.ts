// src/main.ts starts opening the embedded database before the rest of carelog loads, and
// startCarelog takes it over. The database opened ahead must be the one carelog uses (one lock, one
// PGlite), a directory in use must still be refused with its clear message (never as an unhandled
// rejection while the modules load), and a start that fails must leave the data directory free.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv, parseProgramFile, type Config } from '../../src/config.js';
import { startCarelog } from '../../src/carelog.js';
import { onceOpen, openDatabase } from '../../src/db/client.js';
import { startOpeningEmbedded } from '../../src/db/embedded-open.js';
import { CarelogError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { PROGRAM_YAML } from '../support/harness.js';
import { freePort } from '../support/redis.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDataDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'carelog-open-'));
  dirs.push(d);
  return d;
};
const lockFile = (dir: string) => path.join(dir, 'pglite.lock');
/** Runs `fn`, then fails if a promise was rejected with no one to hear it meanwhile. */
async function withoutUnhandledRejections(fn: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

describe('the embedded database opened ahead', { timeout: 90_000 }, () => {
  it('is taken over by openDatabase: one lock, held by this process, freed on close', async () => {
    const dir = tempDataDir();
    const opening = startOpeningEmbedded(dir);
    const db = await openDatabase({ dataDir: dir, opening });
    try {
      expect(db.kind).toBe('embedded');
      expect(readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
      const result = await db.migrate();
      expect(result.applied.length + result.alreadyApplied.length).toBeGreaterThan(0);
      // Prisma and plain SQL both reach the same database.
      expect(await db.prisma.program.count()).toBe(0);
      await db.ping();
    } finally {
      await db.close();
    }
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('reports a directory in use where it is awaited, with the holder named, and no unhandled rejection', async () => {
    const dir = tempDataDir();
    // pid 1 (init) is always alive, and is never this test process.
    writeFileSync(lockFile(dir), '1');
    await withoutUnhandledRejections(async () => {
      const opening = startOpeningEmbedded(dir);
      // The rest of carelog loading: the failure must wait for its reader.
      await new Promise((r) => setTimeout(r, 50));
      const err = await openDatabase({ dataDir: dir, opening }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CarelogError);
      expect((err as CarelogError).code).toBe('database_locked');
      expect((err as CarelogError).message).toContain('pid 1)');
    });
    // The holder's lock is left alone.
    expect(readFileSync(lockFile(dir), 'utf8')).toBe('1');
  });

  it("holds the ORM adapter's calls made while the database opens, and answers them once it is open", async () => {
    const dir = tempDataDir();
    let letOpen!: () => void;
    const gate = new Promise<void>((r) => (letOpen = r));
    const opening = gate.then(() => startOpeningEmbedded(dir));
    const view = onceOpen(opening);
    let answered = false;
    const early = view.query<{ one: number }>('SELECT 1 AS one').then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    letOpen();
    expect((await early).rows).toEqual([{ one: 1 }]);
    expect(await view.transaction(async (tx) => (await tx.query<{ two: number }>('SELECT 2 AS two')).rows)).toEqual([
      { two: 2 },
    ]);
    const { pg, release } = await opening;
    await pg.close();
    release();
  });

  it("fails the ORM adapter's calls with the opening's own error when it fails, and no unhandled rejection", async () => {
    const dir = tempDataDir();
    writeFileSync(lockFile(dir), '1');
    await withoutUnhandledRejections(async () => {
      const view = onceOpen(startOpeningEmbedded(dir));
      await new Promise((r) => setTimeout(r, 50));
      const err = await view.exec('SELECT 1').then(
        () => null,
        (e: unknown) => e,
      );
      expect((err as CarelogError).code).toBe('database_locked');
    });
  });

  it('is closed and the directory freed when the start fails (Redis not answering)', async () => {
    const dir = tempDataDir();
    const env = parseEnv({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      CARELOG_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      // Nothing listens there, and carelog must not start a Redis of its own.
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      CARELOG_START_REDIS: 'false',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-signing-secret-0123456789',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
    });
    const config: Config = {
      env,
      production: false,
      embeddedDatabase: true,
      dataDir: dir,
      configFile: 'test.yml',
      slackSimulated: false,
      programs: parseProgramFile(PROGRAM_YAML, 'test.yml'),
    };
    const logs: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    });
    const err = await startCarelog({
      config,
      logger: createLogger('debug', sink),
      embeddedDatabase: startOpeningEmbedded(dir),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CarelogError);
    expect((err as CarelogError).code).toBe('redis_unavailable');
    // The database opened side by side with Redis was closed again: the directory is free.
    expect(existsSync(lockFile(dir))).toBe(false);
    const again = await openDatabase({ dataDir: dir });
    await again.close();
  });
});
