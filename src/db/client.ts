// The Prisma client factory: Postgres through @prisma/adapter-pg when DATABASE_URL is set, else an
// embedded, file-backed PGlite under the data directory. Both get the same migrations.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { openEmbeddedFiles, type OpenedEmbedded } from './embedded-open.js';
import type { EmbeddedThread } from './embedded-thread.js';
import { applyMigrations, type MigrateResult, type SqlRunner } from './migrate.js';

export { PrismaClient };
export { acquireDataDirLock } from './embedded-open.js';

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
  /**
   * The embedded database already being opened on `dataDir` (startOpeningEmbedded, started by
   * src/main.ts before the rest of carelog loads); taken over instead of opening it again.
   */
  opening?: Promise<OpenedEmbedded>;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openEmbedded(opts.dataDir, opts.templateDir, opts.opening);
}

async function openPostgres(url: string): Promise<Database> {
  // Loaded only for a Postgres server: the embedded database never needs them (~0.1 s at start).
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
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
 * The database thread as the ORM's adapter sees it before it has opened: each call waits for the
 * opening (a failed one fails the call), then goes straight to the thread.
 */
export function onceOpen(files: Promise<OpenedEmbedded>): Pick<EmbeddedThread, 'query' | 'exec' | 'transaction'> {
  const thread = files.then(({ pg }) => pg);
  // A failed opening is reported where the opening is awaited (openEmbedded), and to each call.
  void thread.catch(() => undefined);
  return {
    query: async (...args) => (await thread).query(...args),
    exec: async (...args) => (await thread).exec(...args),
    transaction: async (...args) => (await thread).transaction(...args),
  };
}

async function openEmbedded(
  dataDir: string,
  templateDir?: string,
  opening?: Promise<OpenedEmbedded>,
): Promise<Database> {
  const files = opening ?? openEmbeddedFiles(dataDir, templateDir);
  void files.catch(() => undefined);
  // The ORM's engine (its query compiler's WebAssembly instance and the schema) loads on this thread
  // while the database opens in its own: its client is made now, on a stand-in that holds each of
  // the adapter's calls until the database is open (loading the engine makes none).
  let prisma: PrismaClient;
  let connecting: Promise<void>;
  try {
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    // The adapter is typed for PGlite itself; it uses query (rowMode, parsers), exec and transaction
    // (query, exec, rollback), which the thread's stand-in has (src/db/embedded-thread.ts).
    prisma = new PrismaClient({ adapter: new PrismaPGlite(onceOpen(files) as unknown as PGlite) });
    connecting = prisma.$connect();
    void connecting.catch(() => undefined);
  } catch (err) {
    // The database opened (or opening) is closed and its directory unlocked, as if never opened.
    await files.then(
      ({ pg, release }) => pg.close().finally(release),
      () => undefined,
    );
    throw err;
  }
  let opened: OpenedEmbedded;
  try {
    opened = await files;
  } catch (err) {
    await connecting.then(() => prisma.$disconnect()).catch(() => undefined);
    throw err;
  }
  const { pg: db, release } = opened;
  try {
    await connecting;
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
        try {
          await prisma.$disconnect();
          await db.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    release();
    throw err;
  }
}
