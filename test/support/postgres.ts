// A fresh Postgres database per test file, on the real server (TEST_DATABASE_URL names a database
// to connect to for CREATE/DROP DATABASE; default: the local server's `postgres` database).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/client.js';

// Tests are the one place besides src/config.ts that reads the environment: they decide where to run.
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** `adminUrl`: another server's admin database (a private Postgres a test restarts). */
export async function createTestDatabase(adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `carelog_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A migrated database on real Postgres, dropped by the returned cleanup. */
export async function openMigratedTestDatabase(): Promise<{ db: Database; url: string; cleanup: () => Promise<void> }> {
  const tdb = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
  await db.migrate();
  return {
    db,
    url: tdb.url,
    cleanup: async () => {
      await db.close();
      await tdb.drop();
    },
  };
}

/** Runs SQL as the superuser, on the admin database (never the carelog one). */
async function asAdmin(sql: string, params: unknown[] = []): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** The database down, as carelog sees it: no new connection accepted, the open ones ended. */
export async function refuseConnections(dbName: string): Promise<void> {
  await asAdmin(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS false`);
  await asAdmin(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [dbName],
  );
}

/** The database back. */
export async function allowConnections(dbName: string): Promise<void> {
  await asAdmin(`ALTER DATABASE "${dbName}" WITH ALLOW_CONNECTIONS true`);
}
