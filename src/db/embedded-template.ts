// A ready-made embedded database: PGlite's initdb (in WebAssembly) takes ~5 s, most of a first
// start on a fresh data directory. `npm install` builds one migrated, empty data directory once
// (scripts/embedded-template.ts) and keeps it as a tarball; a fresh data directory starts from a
// copy of it (~1 s) instead of initdb. The file name carries the PGlite version and the
// migrations' checksums, so a stale template is never used, and migrations still run after.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { applyMigrations, MIGRATIONS_DIR, readMigrations, type SqlRunner } from './migrate.js';

export const TEMPLATE_DIR = path.resolve(MIGRATIONS_DIR, '../../node_modules/.cache/carelog');

function pgliteVersion(): string {
  // The package does not export its package.json; its entry point sits in dist/ beside it.
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Where the template for this PGlite version and these migrations lives. */
export function templateFile(dir = TEMPLATE_DIR): string {
  const key = createHash('sha256')
    .update(pgliteVersion())
    .update(readMigrations().map((m) => `${m.name}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return path.join(dir, `pglite-${key}.tar.gz`);
}

/** The template as PGlite's `loadDataDir` takes it, or null when none was built for this version. */
export function readTemplate(dir = TEMPLATE_DIR): Blob | null {
  const file = templateFile(dir);
  return existsSync(file) ? new Blob([readFileSync(file)]) : null;
}

/** Builds the template: an in-memory PGlite, migrated, dumped as a gzipped tarball. */
export async function buildTemplate(dir = TEMPLATE_DIR): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create();
  try {
    const sql: SqlRunner = {
      query: async <T,>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
      exec: async (text: string) => {
        await db.exec(text);
      },
    };
    await applyMigrations(sql);
    const tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    const file = templateFile(dir);
    mkdirSync(dir, { recursive: true });
    // Written whole, then renamed: a reader never sees half a file.
    writeFileSync(`${file}.tmp`, tarball);
    renameSync(`${file}.tmp`, file);
    return file;
  } finally {
    await db.close();
  }
}
