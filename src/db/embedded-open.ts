// Opening the embedded database's files: the data directory's lock, a fresh directory copied from
// the ready-made template, and PGlite started on it. Nothing here loads Prisma or the rest of
// carelog, so src/main.ts starts it first thing and PGlite starts (its WebAssembly compiling, its
// files read) while carelog's modules load; openDatabase (src/db/client.ts) then takes it over.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { CarelogError } from '../errors.js';
import { pgliteWasmModule } from './embedded-preload.js';
import { copyTemplate, findTemplate } from './embedded-template.js';

/**
 * Holds `<dataDir>/pglite.lock` for the life of the process. PGlite is single-process: two processes
 * on one data directory silently lose writes, so the second one must stop with a clear message.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new CarelogError(
          'database_locked',
          `The embedded database in ${dataDir} is in use by another carelog process (pid ${holder}). ` +
            'Stop that process, or set DATABASE_URL to share a Postgres server between processes.',
        );
      }
      // The holder is gone (crash, kill -9): the lock is stale.
      rmSync(lockFile, { force: true });
    }
  }
  throw new CarelogError('database_locked', `Could not lock the embedded database in ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Postgres settings for the embedded database, after PGlite's own. Postgres' default 128 MB of
 * shared buffers are zeroed in WebAssembly memory at every open: 0.4–0.6 s of a ~1.5 s open on this
 * machine (`npm run bench -- cold-start`). One process, one development-sized database: 16 MB is
 * plenty (files are still cached by the operating system), and a single-user server needs few
 * connection slots.
 */
const EMBEDDED_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=8'];

/** A started PGlite on a locked data directory; `release` removes the lock (after closing PGlite). */
export interface OpenedEmbedded {
  pg: PGlite;
  release: () => void;
}

/**
 * Locks `dataDir`, fills a fresh one from the template, and starts PGlite on `<dataDir>/pglite`.
 * The lock is released again when PGlite cannot start.
 */
export async function openEmbeddedFiles(dataDir: string, templateDir?: string): Promise<OpenedEmbedded> {
  const release = acquireDataDirLock(dataDir);
  try {
    const compiling = pgliteWasmModule();
    const { PGlite } = await import('@electric-sql/pglite');
    const pgDir = path.join(dataDir, 'pglite');
    // A fresh data directory starts as a copy of the ready-made template when npm install built one.
    const template = existsSync(path.join(pgDir, 'PG_VERSION')) ? null : findTemplate(templateDir);
    if (template) copyTemplate(template, pgDir);
    const wasm = await compiling;
    const pg = await PGlite.create(pgDir, {
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
      ...(wasm ? { pgliteWasmModule: wasm } : {}),
    });
    return { pg, release };
  } catch (err) {
    release();
    throw err;
  }
}

/**
 * Starts opening the embedded database now, for openDatabase to take over later. The promise is
 * marked as handled here: a failure (the directory locked by another process) is reported where it
 * is awaited, not as an unhandled rejection while the rest of carelog loads.
 */
export function startOpeningEmbedded(dataDir: string, templateDir?: string): Promise<OpenedEmbedded> {
  const opening = openEmbeddedFiles(dataDir, templateDir);
  void opening.catch(() => undefined);
  return opening;
}
