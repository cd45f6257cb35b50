// Upgrades lose nothing: for each migration, a fresh database at that version (carelog's own
// migrator stopped there) is filled with data shaped like real use at that version
// (test/support/upgrade-fixtures.ts), then brought up to date one migration at a time. Every row
// and field is still there, Prisma reads every table, and every note opens where carelog reads
// notes (under its program and contact, v1 envelopes under their program).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { applyMigrations, readMigrations, type SqlRunner } from '../../src/db/migrate.js';
import { openNotes } from '../../src/services/contacts.js';
import { exportContacts } from '../../src/services/csv-export.js';
import { createTestDatabase } from '../support/postgres.js';
import {
  FIXTURE_PROGRAMS_YAML,
  FIXTURE_STEPS,
  fixtureKeyring,
  type FixtureContext,
} from '../support/upgrade-fixtures.js';

const MIGRATIONS = readMigrations();
const PROGRAMS = parseProgramFile(FIXTURE_PROGRAMS_YAML, 'upgrades.yml');

/** Connections to close, then each case's database to drop (all at once: each drop waits on the disk). */
const cleanups: (() => Promise<void>)[] = [];
const drops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await Promise.all(drops.map((d) => d()));
});

type Row = Record<string, unknown>;

const missingStep = (name: string) =>
  `migration ${name} has no fixture step: add one to FIXTURE_STEPS in test/support/upgrade-fixtures.ts that writes rows using what the migration introduced`;

/** Writes what carelog had written by the time `upTo` migrations had run. */
async function fill(ctx: FixtureContext, upTo: number): Promise<void> {
  for (const m of MIGRATIONS.slice(0, upTo)) {
    const step = FIXTURE_STEPS[m.name];
    if (!step) throw new Error(missingStep(m.name));
    await step(ctx);
  }
}

/** Every table's rows as JSON, by primary key (every carelog table has an `id`): what an upgrade must keep. */
async function snapshot(sql: SqlRunner): Promise<Map<string, Row[]>> {
  const tables = await sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name`,
  );
  const out = new Map<string, Row[]>();
  for (const { table_name: t } of tables) {
    const rows = await sql.query<{ row: Row }>(`SELECT to_jsonb(t) AS row FROM "${t}" t ORDER BY 1`);
    out.set(
      t,
      rows.map((r) => r.row),
    );
  }
  return out;
}

describe('every migration has a fixture step', () => {
  it('names each migration in prisma/migrations, and only those', () => {
    const names = MIGRATIONS.map((m) => m.name);
    const missing = names.filter((n) => !(n in FIXTURE_STEPS));
    expect(missing, missing.map(missingStep).join('; ')).toEqual([]);
    const stale = Object.keys(FIXTURE_STEPS).filter((n) => !names.includes(n));
    expect(stale, `fixture step(s) ${stale.join(', ')} name no migration in prisma/migrations`).toEqual([]);
  });
});

// The cases are independent (a database each), so they run side by side.
describe.concurrent('upgrading from each past schema version', () => {
  const keys = { current: randomBytes(32), retired: randomBytes(32) };
  const keyring = fixtureKeyring(keys);

  it.each(MIGRATIONS.map((m, i) => [m.name, i] as const))(
    'from %s, up to date one migration at a time, nothing lost',
    async (_name, at) => {
      const tdb = await createTestDatabase();
      drops.push(() => tdb.drop());
      const conn = new pg.Client({ connectionString: tdb.url });
      await conn.connect();
      cleanups.push(() => conn.end());
      const sql: SqlRunner = {
        query: async <T>(text: string, params?: unknown[]) => (await conn.query(text, params)).rows as T[],
        exec: async (text: string) => {
          await conn.query(text);
        },
      };

      // The schema as it was at this migration, and what carelog had written by then.
      expect((await applyMigrations(sql, MIGRATIONS.slice(0, at + 1))).applied).toEqual(
        MIGRATIONS.slice(0, at + 1).map((m) => m.name),
      );
      const ctx: FixtureContext = { sql, keys, ids: new Map(), notes: new Map() };
      await fill(ctx, at + 1);
      const before = await snapshot(sql);

      // The rest, one at a time, each leaving every earlier row as it was.
      for (let next = at + 1; next < MIGRATIONS.length; next++) {
        expect((await applyMigrations(sql, MIGRATIONS.slice(0, next + 1))).applied).toEqual([MIGRATIONS[next]!.name]);
        const after = await snapshot(sql);
        for (const [table, rows] of before) {
          const now = after.get(table);
          expect(now, `table ${table} gone after ${MIGRATIONS[next]!.name}`).toBeDefined();
          expect(now!.length, `${table}: row count after ${MIGRATIONS[next]!.name}`).toBe(rows.length);
          // Every column the row had keeps its value; columns added since are the migration's own.
          const kept = now!.map((r, i) => Object.fromEntries(Object.keys(rows[i]!).map((k) => [k, r[k]])));
          expect(kept, `${table}: values after ${MIGRATIONS[next]!.name}`).toEqual(rows);
        }
      }

      // Up to date: Prisma (what carelog runs on) reads every row of every table.
      const db = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
      cleanups.push(() => db.close());
      expect((await db.migrate()).applied).toEqual([]);
      const { prisma } = db;
      // Every follow-up keeps the time of the contact that asked for it (backfilled, or filled on insert).
      const asked = await prisma.followUp.findMany({ include: { originContact: true } });
      expect(asked.map((f) => f.originOccurredAt?.toISOString())).toEqual(
        asked.map((f) => f.originContact.occurredAt.toISOString()),
      );
      const counts = Object.fromEntries([...before].map(([t, rows]) => [t, rows.length]));
      const referralsFrom = MIGRATIONS.findIndex((m) => m.name === '20261202170000_referrals_outcomes');
      // Referrals made before they were records become records: one per contact and category,
      // made at the contact's time, not chased.
      const contactReferrals = (await prisma.contact.findMany()).flatMap((c) =>
        [...new Set(c.referrals)].map((category) => `${c.id}|${category}|${c.occurredAt.toISOString()}`),
      );
      const referrals = await prisma.referral.findMany();
      expect({
        Program: (await prisma.program.findMany()).length,
        Member: (await prisma.member.findMany()).length,
        Client: (await prisma.client.findMany()).length,
        Contact: (await prisma.contact.findMany()).length,
        FollowUp: (await prisma.followUp.findMany()).length,
        AuditEvent: (await prisma.auditEvent.findMany()).length,
        Nudge: (await prisma.nudge.findMany()).length,
        DigestRun: (await prisma.digestRun.findMany()).length,
        ConversationRef: (await prisma.conversationRef.findMany()).length,
        Referral: referrals.length,
        ReferralCheck: (await prisma.referralCheck.findMany()).length,
        RosterVersion: (await prisma.rosterVersion.findMany()).length,
      }).toEqual({
        Nudge: 0,
        DigestRun: 0,
        ConversationRef: 0,
        ReferralCheck: 0,
        RosterVersion: 0,
        ...counts,
        Referral: at < referralsFrom ? contactReferrals.length : counts.Referral,
      });
      expect(counts.Contact).toBeGreaterThan(0);
      expect(new Set((await prisma.followUp.findMany()).map((f) => f.status))).toEqual(
        new Set(['pending', 'done', 'cancelled', ...(at >= referralsFrom ? ['unreachable'] : [])]),
      );
      if (at < referralsFrom) {
        expect(referrals.map((r) => `${r.contactId}|${r.category}|${r.madeAt.toISOString()}`).sort()).toEqual(
          contactReferrals.sort(),
        );
        expect(referrals.every((r) => r.status === 'made' && r.nextCheckAt === null && r.checks === 0)).toBe(true);
      }

      // Field values as Prisma reads them: the contacts and follow-ups as written.
      const contacts = await prisma.contact.findMany({ orderBy: { id: 'asc' } });
      expect(
        contacts.map((c) => ({
          id: c.id,
          number: c.number,
          clientId: c.clientId,
          authorId: c.authorId,
          services: c.services,
          notes: c.notesCiphertext,
        })),
      ).toEqual(
        before.get('Contact')!.map((c) => ({
          id: c.id,
          number: c.number,
          clientId: c.clientId,
          authorId: c.authorId,
          services: c.services,
          notes: c.notesCiphertext,
        })),
      );
      const followUps = await prisma.followUp.findMany({ orderBy: { id: 'asc' } });
      expect(
        followUps.map((f) => ({
          id: f.id,
          status: f.status,
          version: f.version,
          metBy: f.metByContactId,
          due: f.dueAt.toISOString(),
        })),
      ).toEqual(
        before.get('FollowUp')!.map((f) => ({
          id: f.id,
          status: f.status,
          version: f.version,
          metBy: f.metByContactId,
          due: new Date(`${String(f.dueAt)}Z`).toISOString(),
        })),
      );

      // Every note opens under its program and contact, and reads the same through an export.
      const withNotes = contacts.filter((c) => c.notesCiphertext !== null);
      expect(withNotes.map((c) => c.id).sort()).toEqual([...ctx.notes.keys()].sort());
      for (const c of withNotes) {
        expect(openNotes(keyring, { programId: c.programId, contactId: c.id }, c.notesCiphertext!)).toBe(
          ctx.notes.get(c.id)!.text,
        );
      }
      for (const program of PROGRAMS) {
        const exported = await exportContacts(
          { prisma, keyring },
          {
            program,
            from: '2024-01-01',
            to: '2026-12-31',
            includeNotes: true,
            actor: { memberId: null, named: null, osUser: 'operator', host: 'test-host' },
          },
        );
        const expected = [...ctx.notes.values()]
          .filter((n) => n.programId === program.id)
          .sort((a, b) => a.number - b.number);
        const noteOf = (row: string[]) => row[exported.columns.indexOf('notes')];
        const numberOf = (row: string[]) => Number(row[exported.columns.indexOf('contact_number')]);
        expect(
          exported.rows.filter((r) => noteOf(r) !== '').map((r) => ({ number: numberOf(r), text: noteOf(r) })),
        ).toEqual(expected.map((n) => ({ number: n.number, text: n.text })));
      }
    },
  );

  it('the fixtures at the latest version fill every column of every table', async () => {
    const tdb = await createTestDatabase();
    drops.push(() => tdb.drop());
    const db = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
    cleanups.push(() => db.close());
    await db.migrate();
    const ctx: FixtureContext = { sql: db.sql, keys, ids: new Map(), notes: new Map() };
    await fill(ctx, MIGRATIONS.length);
    const columns = await db.sql.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, ordinal_position`,
    );
    const empty: string[] = [];
    for (const { table_name: t, column_name: c } of columns) {
      const [{ n }] = (await db.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${t}" WHERE "${c}" IS NOT NULL`,
      )) as [{ n: number }];
      if (n === 0) empty.push(`${t}.${c}`);
    }
    expect(
      empty,
      `never filled by test/support/upgrade-fixtures.ts: the step of the migration that added each should fill it`,
    ).toEqual([]);
  });
});
