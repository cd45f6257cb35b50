// A ready-made embedded database: PGlite's initdb (in WebAssembly) takes ~5 s, most of a first
// start on a fresh data directory. `npm install` builds one migrated, empty data directory once
// (scripts/embedded-template.ts) and keeps it; a fresh data directory starts as a copy of it
// (~0.5 s with the first open) instead of running initdb. The directory's name carries the PGlite
// version and the migrations' checksums, so a stale template is never used, and migrations still
// run after.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CarelogError } from '../errors.js';
import { applyMigrations, MIGRATIONS_DIR, readMigrations, type SqlRunner } from './migrate.js';

export const TEMPLATE_DIR = path.resolve(MIGRATIONS_DIR, '../../node_modules/.cache/carelog');

function pgliteVersion(): string {
  // The package does not export its package.json; its entry point sits in dist/ beside it.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where the template for this PGlite version and these migrations lives (a directory). */
export function templateDir(dir = TEMPLATE_DIR): string {
  const key = createHash('sha256')
    .update(pgliteVersion())
    .update(
      readMigrations()
        .map((m) => `${m.name}:${m.checksum}`)
        .join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `pglite-${key}`);
}

/** The template's data directory, or null when none was built for this version. */
export function findTemplate(dir = TEMPLATE_DIR): string | null {
  const found = templateDir(dir);
  return existsSync(path.join(found, 'PG_VERSION')) ? found : null;
}

/**
 * Copies the template into a fresh data directory (~0.2 s for its ~40 MB; initdb takes ~5 s). The
 * copy is made beside it and moved into place whole, so a start stopped half-way (a configuration
 * error found while the copy ran, a kill) leaves no half a database to be opened next time. The
 * caller holds the data directory's lock, so no one else copies at the same time.
 */
export function copyTemplate(template: string, pgDir: string): void {
  const partial = `${pgDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  try {
    cpSync(template, partial, { recursive: true });
  } catch (err) {
    // A full disk, say: nothing half-copied is left behind.
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
  try {
    // Replaces an empty directory; refuses one that holds something.
    renameSync(partial, pgDir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    throw new CarelogError(
      'database_unavailable',
      `${pgDir} holds files but no database (no PG_VERSION): move it away, and carelog starts a fresh one there`,
    );
  }
}

/** Builds the template: PGlite's initdb in a scratch directory, migrated, then moved into place. */
export async function buildTemplate(dir = TEMPLATE_DIR): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const final = templateDir(dir);
  const scratch = `${final}.tmp-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
  const db = await PGlite.create(scratch);
  try {
    const sql: SqlRunner = {
      query: async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
      exec: async (text: string) => {
        await db.exec(text);
      },
    };
    await applyMigrations(sql);
  } finally {
    await db.close();
  }
  // Moved whole: a reader never sees half a template. Another install may have won the race.
  if (existsSync(final)) rmSync(scratch, { recursive: true, force: true });
  else renameSync(scratch, final);
  return final;
}
