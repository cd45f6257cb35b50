// The Prisma client factory: Postgres through @prisma/adapter-pg when DATABASE_URL is set, else an
// embedded, file-backed PGlite under the data directory. Both get the same migrations.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { CarelogError } from '../errors.js';
import { copyTemplate, findTemplate } from './embedded-template.js';
import { pgliteWasmModule } from './embedded-preload.js';
import { applyMigrations, type MigrateResult, type SqlRunner } from './migrate.js';

export { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  kind: 'postgres' | 'embedded';
  /** Plain SQL for migrations, health checks and bulk work. */
  sql: SqlRunner;
  /**
   * Plain SQL in one transaction on one connection: committed when `fn` resolves, rolled back when
   * it throws. For bulk work (CSV import) where the ORM's per-parameter handling is the bottleneck.
   */
  transaction<T>(fn: (sql: SqlRunner) => Promise<T>): Promise<T>;
  migrate(): Promise<MigrateResult>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir: string;
  /** Where the embedded database template is looked for. @defaultValue TEMPLATE_DIR */
  templateDir?: string;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openEmbedded(opts.dataDir, opts.templateDir);
}

function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its server (Postgres restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor one in any other state: Postgres shutting down sends every backend a FATAL, and one that
  // reached a connection between the pool's hand-overs had no listener (an uncaught exception, now
  // and then, in the faults suite's restart case). Each connection keeps a listener of its own;
  // queries in flight still fail, and the pool still drops broken connections.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql = poolRunner(pool);
  return {
    prisma,
    kind: 'postgres',
    sql,
    transaction: (fn) =>
      withClient(pool, async (client) => {
        try {
          await client.query('BEGIN');
          const result = await fn(clientRunner(client));
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    // Migrations need one session for the advisory lock and their transactions.
    migrate: () => withClient(pool, (client) => applyMigrations(clientRunner(client))),
    ping: async () => {
      await sql.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * One connection of the pool for `fn`. The pool listens for errors on idle connections only: one
 * lost while checked out (Postgres restarted in the middle of a save) emitted an 'error' nobody
 * listened to, an uncaught exception that ended the process. The query in flight fails on its own;
 * the broken connection is dropped from the pool on release.
 */
async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

function clientRunner(client: pg.PoolClient | pg.Client): SqlRunner {
  return {
    query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
    exec: async (text: string) => {
      await client.query(text);
    },
  };
}

function poolRunner(pool: pg.Pool): SqlRunner {
  return {
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
    exec: async (text: string) => {
      await pool.query(text);
    },
  };
}

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

async function openEmbedded(dataDir: string, templateDir?: string): Promise<Database> {
  const release = acquireDataDirLock(dataDir);
  try {
    const compiling = pgliteWasmModule();
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const pgDir = path.join(dataDir, 'pglite');
    // A fresh data directory starts as a copy of the ready-made template when npm install built one.
    const template = existsSync(path.join(pgDir, 'PG_VERSION')) ? null : findTemplate(templateDir);
    if (template) copyTemplate(template, pgDir);
    const wasm = await compiling;
    const db = await PGlite.create(pgDir, {
      startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
      ...(wasm ? { pgliteWasmModule: wasm } : {}),
    });
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(db) });
    const sql: SqlRunner = {
      query: async <T>(text: string, params?: unknown[]) => (await db.query<T>(text, params)).rows,
      exec: async (text: string) => {
        await db.exec(text);
      },
    };
    return {
      prisma,
      kind: 'embedded',
      sql,
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows,
            exec: async (text: string) => {
              await tx.exec(text);
            },
          }),
        ),
      migrate: () => applyMigrations(sql),
      ping: async () => {
        await db.query('SELECT 1');
      },
      close: async () => {
        await prisma.$disconnect();
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
