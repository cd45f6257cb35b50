// A connection lost while carelog holds it (Postgres restarted, or the backend terminated, in the
// middle of a transaction): the transaction fails, the process goes on, the pool recovers.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { ADMIN_URL, openMigratedTestDatabase } from '../support/postgres.js';

let env: { db: Database; url: string; cleanup(): Promise<void> };
beforeAll(async () => {
  env = await openMigratedTestDatabase();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('a connection lost mid-transaction', () => {
  it('fails that transaction only: no uncaught error, and the next one runs', async () => {
    const name = new URL(env.url).pathname.slice(1);
    let backend = 0;
    const outcome = env.db
      .transaction(async (sql) => {
        backend = (await sql.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid;
        await sql.query('SELECT pg_sleep(10)');
      })
      .then(
        () => 'committed',
        (err: unknown) => err,
      );
    await expect.poll(() => backend, { timeout: 5_000 }).toBeGreaterThan(0);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      expect(
        (
          await admin.query(
            'SELECT pg_terminate_backend($1) AS ok FROM pg_stat_activity WHERE pid = $1 AND datname = $2',
            [backend, name],
          )
        ).rows,
      ).toEqual([{ ok: true }]);
    } finally {
      await admin.end();
    }
    expect(await outcome).toBeInstanceOf(Error);
    // Had the lost connection's 'error' gone unheard, vitest would report an uncaught exception here.
    await new Promise((r) => setTimeout(r, 200));
    expect(await env.db.transaction(async (sql) => (await sql.query<{ n: number }>('SELECT 1 AS n'))[0]!.n)).toBe(1);
  });
});
