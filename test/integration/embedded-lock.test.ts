// The embedded database is single-process: <dataDir>/pglite.lock names the process holding it. A
// second process must stop with a clear error; a lock left by a dead process must not block start-up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock, openDatabase } from '../../src/db/client.js';
import { CarelogError } from '../../src/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOLDER = path.join(ROOT, 'test/support/hold-embedded-db.ts');

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-lock-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const lockFile = (dir: string) => path.join(dir, 'pglite.lock');

/** Starts a process holding the embedded database in `dir`; resolves once it has opened it. */
function startHolder(dir: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ child, pid: Number(m[1]) });
    });
    child.stderr.on('data', (d: Buffer) => {
      err += String(d);
    });
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before opening the database: ${err}`)));
  });
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const done = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(done.stdout);
  expect(Number.isInteger(pid) && pid > 0).toBe(true);
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

// Opening PGlite takes several seconds, in the child and here.
describe('embedded database lock', { timeout: 90_000 }, () => {
  it('refuses a second process, naming the data directory and the holder pid', async () => {
    const dir = tempDataDir();
    const { child, pid } = await startHolder(dir);
    expect(pid).toBe(child.pid);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(String(pid));

    const err = await openDatabase({ dataDir: dir }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CarelogError);
    expect((err as CarelogError).code).toBe('database_locked');
    expect((err as CarelogError).message).toContain(dir);
    expect((err as CarelogError).message).toContain(`pid ${pid}`);
    // The refused attempt leaves the holder's lock alone.
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(String(pid));

    // The holder closes on SIGTERM, and closing removes the lock file.
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('takes over a stale lock left by a dead process, and removes the lock file on close', async () => {
    const dir = tempDataDir();
    const dead = deadPid();
    writeFileSync(lockFile(dir), String(dead));

    const db = await openDatabase({ dataDir: dir });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await db.close();
    });
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
    await db.ping();

    await db.close();
    closed = true;
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('does not take over a lock held by a live process it cannot own', () => {
    const dir = tempDataDir();
    // pid 1 (init) is always alive, and is never this test process.
    writeFileSync(lockFile(dir), '1');
    expect(() => acquireDataDirLock(dir)).toThrow(
      expect.objectContaining({ code: 'database_locked', message: expect.stringContaining('pid 1)') }),
    );
    expect(readFileSync(lockFile(dir), 'utf8')).toBe('1');

    // The same directory with a dead holder is free, and the returned release frees it again.
    writeFileSync(lockFile(dir), String(deadPid()));
    const release = acquireDataDirLock(dir);
    expect(readFileSync(lockFile(dir), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });
});
