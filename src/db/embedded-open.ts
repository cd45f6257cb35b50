// Opening the embedded database's files: the data directory's lock, then PGlite started on it in a
// worker thread of its own (src/db/embedded-worker.ts; a fresh directory is first copied from the
// ready-made template). Nothing here loads Prisma or the rest of carelog, so src/main.ts starts it
// first thing and PGlite starts (its WebAssembly compiling, Postgres reading its files) on the
// second core while carelog's modules load; openDatabase (src/db/client.ts) then takes it over.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { CarelogError } from '../errors.js';
import { EmbeddedThread } from './embedded-thread.js';

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

/** A started embedded database on a locked data directory; `release` removes the lock (after closing it). */
export interface OpenedEmbedded {
  pg: EmbeddedThread;
  release: () => void;
}

/**
 * Locks `dataDir` (here, so a directory in use is refused at once, with its holder named) and starts
 * PGlite on `<dataDir>/pglite` in its own thread, filling a fresh directory from the template first.
 * The lock is released again when PGlite cannot start.
 */
export async function openEmbeddedFiles(dataDir: string, templateDir?: string): Promise<OpenedEmbedded> {
  const release = acquireDataDirLock(dataDir);
  try {
    const pg = await EmbeddedThread.start({
      pgDir: path.join(dataDir, 'pglite'),
      ...(templateDir ? { templateDir } : {}),
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
