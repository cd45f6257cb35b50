// The embedded database in its own thread (src/db/embedded-thread.ts, src/db/embedded-worker.ts):
// what crosses between the threads must arrive as PGlite itself would have given it (a caller's
// parsers applied, a database error as PGlite's DatabaseError with its fields), a transaction must
// commit, roll back and hold other requests back as PGlite's does, and the main thread must keep
// running while a long query runs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messages } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { EmbeddedThread, type EmbeddedTransaction } from '../../src/db/embedded-thread.js';
import * as pgliteForAdapter from '../../src/db/pglite-for-adapter.js';
import { CarelogError } from '../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-thread-'));
let db: EmbeddedThread;
beforeAll(async () => {
  db = await EmbeddedThread.start({ pgDir: path.join(dir, 'pglite') });
  await db.exec('CREATE TABLE t (id int PRIMARY KEY, label text, at timestamptz, tags text[])');
}, 90_000);
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the embedded database in its own thread', { timeout: 60_000 }, () => {
  it("returns PGlite's values, and applies a caller's parsers to their columns' text, in either row mode", async () => {
    await db.query('INSERT INTO t VALUES ($1, $2, $3, $4), (2, NULL, NULL, NULL)', [
      1,
      'one',
      new Date('2024-07-01T12:00:00Z'),
      ['a', 'b'],
    ]);
    const plain = await db.query<{ id: number; label: string; at: Date; tags: string[] }>(
      'SELECT * FROM t ORDER BY id',
    );
    expect(plain.rows[0]).toEqual({ id: 1, label: 'one', at: new Date('2024-07-01T12:00:00Z'), tags: ['a', 'b'] });
    expect(plain.rows[1]).toEqual({ id: 2, label: null, at: null, tags: null });
    expect(plain.fields.map((f) => f.name)).toEqual(['id', 'label', 'at', 'tags']);

    // The adapter's way: arrays of cells, its own parser for timestamptz (OID 1184), here the text tagged.
    const parsed = await db.query<unknown[]>('SELECT id, at FROM t ORDER BY id', [], {
      rowMode: 'array',
      parsers: { 1184: (text) => `parsed:${text}` },
    });
    expect(parsed.rows).toEqual([
      [1, 'parsed:2024-07-01 12:00:00+00'],
      [2, null],
    ]);
    const objects = await db.query<{ at: string }>('SELECT at FROM t WHERE id = 1', [], {
      parsers: { 1184: (text) => text.length },
    });
    expect(objects.rows).toEqual([{ at: '2024-07-01 12:00:00+00'.length }]);
  });

  it("raises a database error as PGlite's DatabaseError, with its SQLSTATE and fields, but not the SQL or its values", async () => {
    // With parsers, as the ORM's adapter always queries: PGlite hangs them (functions) on its error.
    for (const parsers of [undefined, { 1184: (text: string) => text }]) {
      const err = await db
        .query('INSERT INTO t (id, label) VALUES ($1, $2)', [1, 'PIC-0001 said so'], {
          ...(parsers ? { parsers } : {}),
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(messages.DatabaseError);
      // What the ORM's adapter checks in the built bundle, where it gets pglite-for-adapter.ts.
      expect(pgliteForAdapter.messages.DatabaseError).toBe(messages.DatabaseError);
      expect(err).toBeInstanceOf(pgliteForAdapter.messages.DatabaseError);
      expect((err as messages.DatabaseError).code).toBe('23505');
      expect((err as messages.DatabaseError).constraint).toBe('t_pkey');
      expect((err as messages.DatabaseError).severity).toBe('ERROR');
      expect(Object.keys(err as object)).not.toContain('query');
      expect(Object.keys(err as object)).not.toContain('params');
      expect(JSON.stringify(err)).not.toContain('PIC-0001');
    }
    // The database is still there.
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('makes objects of rows as PGlite does: a later column of the same name wins, each parsed once', async () => {
    const r = await db.query<{ a: unknown }>("SELECT '2024-07-01T12:00:00Z'::timestamptz AS a, 1 AS a", [], {
      parsers: { 1184: (text) => `P(${text})` },
    });
    expect(r.rows).toEqual([{ a: 1 }]);
    const twice = await db.query<{ a: unknown }>(
      "SELECT '2024-07-01T12:00:00Z'::timestamptz AS a, '2024-07-02T12:00:00Z'::timestamptz AS a",
      [],
      { parsers: { 1184: (text) => `P(${text})` } },
    );
    expect(twice.rows).toEqual([{ a: 'P(2024-07-02 12:00:00+00)' }]);
    const arrays = await db.query<unknown[]>("SELECT ARRAY['x','y'] AS tags, '{1,2}'::int[] AS ns", [], {
      rowMode: 'array',
    });
    expect(arrays.rows).toEqual([
      [
        ['x', 'y'],
        [1, 2],
      ],
    ]);
  });

  it('commits a transaction that resolves, and rolls back one that throws (its own error rethrown) or asks to', async () => {
    const value = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t (id) VALUES (10)');
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n;
    });
    expect(value).toBe(3);

    const mine = new Error('the caller gave up');
    const thrown = await db
      .transaction(async (tx) => {
        await tx.query('INSERT INTO t (id) VALUES (11)');
        throw mine;
      })
      .catch((e: unknown) => e);
    expect(thrown).toBe(mine);

    await db.transaction(async (tx) => {
      await tx.exec('INSERT INTO t (id) VALUES (12)');
      await tx.rollback();
      expect(tx.closed).toBe(true);
    });
    const ids = (await db.query<{ id: number }>('SELECT id FROM t ORDER BY id')).rows.map((r) => r.id);
    expect(ids).toEqual([1, 2, 10]);
  });

  it('holds a request from outside an open transaction until it ends, as PGlite does', async () => {
    const order: string[] = [];
    let outside: Promise<unknown> | undefined;
    await db.transaction(async (tx) => {
      await tx.query('UPDATE t SET label = $1 WHERE id = 10', ['inside']);
      outside = db.query('UPDATE t SET label = $1 WHERE id = 10', ['outside']).then(() => order.push('outside'));
      // The outside request waits: the transaction's own requests still go through.
      await new Promise((r) => setTimeout(r, 50));
      await tx.query('SELECT 1');
      order.push('inside done');
    });
    await outside;
    expect(order).toEqual(['inside done', 'outside']);
    expect((await db.query<{ label: string }>('SELECT label FROM t WHERE id = 10')).rows[0]!.label).toBe('outside');
  });

  it('leaves the main thread free while a long query runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await db.query('SELECT count(*) FROM generate_series(1, 2000000) g, (SELECT 1) one WHERE g % 7 = 3');
    } finally {
      clearInterval(timer);
    }
    // On the main thread, a query this long let no timer run until it was over.
    expect(ticks).toBeGreaterThan(5);
  });

  it("refuses a request in a transaction that has ended, with PGlite's words", async () => {
    let kept: EmbeddedTransaction | undefined;
    await db.transaction(async (tx) => {
      kept = tx;
      await tx.query('SELECT 1');
    });
    const err = await kept!.query('SELECT 1').catch((e: unknown) => e);
    expect((err as Error).message).toBe('Transaction is closed');
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps serving after the ORM meets a database error (a duplicate key, a division by zero)', async () => {
    const database = await openDatabase({ dataDir: path.join(dir, 'orm') });
    try {
      await database.migrate();
      const program = {
        id: 'p1',
        name: 'P',
        timezone: 'UTC',
        startDate: new Date('2024-03-01'),
        clientCodePrefix: 'PIC',
      };
      await database.prisma.program.create({ data: program });
      const duplicate = await database.prisma.program.create({ data: program }).catch((e: unknown) => e);
      expect((duplicate as { code?: string }).code).toBe('P2002');
      const division = await database.prisma.$executeRawUnsafe('SELECT 1/0').catch((e: unknown) => e);
      expect(String((division as Error).message)).toContain('22012');
      await database.ping();
      expect(await database.prisma.program.count()).toBe(1);
    } finally {
      await database.close();
    }
  });

  it('refuses requests once closed, with a clear error, instead of waiting for ever; closing twice is closing once', async () => {
    const other = await EmbeddedThread.start({ pgDir: path.join(dir, 'other') });
    await Promise.all([other.close(), other.close()]);
    await other.close();
    const err = await other.query('SELECT 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarelogError);
    expect((err as CarelogError).code).toBe('database_unavailable');
  });
});
