// Notes over their life on real Postgres: re-encrypted under a new key after a rotation (batched,
// resumable, idempotent, audited per program), and cleared by a program's retention setting while
// the contact's other fields stay. Also `npm run carelog -- rekey` and `retention` as an operator
// runs them.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import type { ContactInput } from '../../src/domain/contact.js';
import { isCarelogError } from '../../src/errors.js';
import { legacyNotesContext, logContact, openNotes } from '../../src/services/contacts.js';
import { createKeyring, keyIdOf, type Keyring } from '../../src/services/crypto.js';
import { exportContacts } from '../../src/services/csv-export.js';
import { syncPrograms, type Directory } from '../../src/services/directory.js';
import { rekeyNotes, rekeyProgram } from '../../src/services/rekey.js';
import { applyNotesRetention } from '../../src/services/retention.js';
import { sealV1 } from '../support/legacy-envelope.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const exec = promisify(execFile);

const YAML = `
programs:
  - id: alpha
    name: Alpha Co-Responders
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0ALPHA }
    retention: { notesDays: 30 }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
  - id: beta
    name: Beta Co-Responders
    timezone: America/Los_Angeles
    startDate: 2024-01-01
    clientCodePrefix: DOV
    slack: { teamId: T0BETA }
    roster:
      - { slack: U0BETA1, roles: [clinician] }
`;

const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const NOW = new Date('2026-11-24T15:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 24 * 3600_000);
const note = (i: number) => `CANARY-${i} Jane Roe said she hears voices`;

let db: Database;
let dbUrl: string;
let cleanup: (() => Promise<void>) | undefined;
let directory: Directory;
const programs = parseProgramFile(YAML, 'test.yml');
const alpha = programs.find((p) => p.id === 'alpha')!;
const beta = programs.find((p) => p.id === 'beta')!;

beforeAll(async () => {
  const t = await openMigratedTestDatabase();
  db = t.db;
  dbUrl = t.url;
  cleanup = t.cleanup;
});
afterAll(async () => {
  await cleanup?.();
});
beforeEach(async () => {
  await db.sql.exec(
    'TRUNCATE "AuditEvent", "FollowUp", "Contact", "Client", "Member", "Program" RESTART IDENTITY CASCADE',
  );
  directory = await syncPrograms(db, programs);
});

function input(i: number, occurredAt: Date, notes: string | null = note(i)): ContactInput {
  return {
    client: { kind: 'new', sex: 'female', ageBand: '25-59' },
    occurredAt,
    source: 'call_for_service',
    services: ['crisis_services'],
    referrals: ['mental_health_treatment'],
    disposition: 'resolved_on_scene',
    incidentRef: null,
    minutesOnScene: 20,
    followUpDate: null,
    followUpAssignee: null,
    notes,
  };
}

/** Logs contacts through the real service, notes sealed with `keyring`; answers their ids. */
async function logMany(
  keyring: Keyring,
  program: ProgramConfig,
  author: string,
  items: { at: Date; notes?: string | null }[],
): Promise<string[]> {
  const member = directory.member(program.id, 'slack', author)!;
  const ids: string[] = [];
  for (const [i, it] of items.entries()) {
    const r = await logContact(
      { db, keyring, directory },
      {
        program,
        author: member,
        idempotencyKey: `k-${randomBytes(6).toString('hex')}`,
        input: input(i, it.at, it.notes === undefined ? note(i) : it.notes),
      },
    );
    ids.push(r.contactId);
  }
  return ids;
}

const contacts = () => db.prisma.contact.findMany({ orderBy: { number: 'asc' } });
const auditOf = (action: string) => db.prisma.auditEvent.findMany({ where: { action }, orderBy: { id: 'asc' } });

describe('rekey', () => {
  it('re-encrypts every note under the new key, readable with it alone, audited once per program', async () => {
    const old = createKeyring(OLD_KEY);
    await logMany(
      old,
      alpha,
      'U0CLIN1',
      Array.from({ length: 7 }, (_, i) => ({ at: daysAgo(i + 1) })),
    );
    await logMany(old, alpha, 'U0CLIN1', [{ at: daysAgo(1), notes: null }]);
    await logMany(old, beta, 'U0BETA1', [{ at: daysAgo(2) }, { at: daysAgo(3) }]);
    const before = await contacts();
    const plain = new Map(
      before
        .filter((c) => c.notesCiphertext)
        .map((c) => [c.id, openNotes(old, { programId: c.programId, contactId: c.id }, c.notesCiphertext!)]),
    );
    expect(plain.size).toBe(9);

    const rotated = createKeyring(NEW_KEY, [OLD_KEY]);
    const result = await rekeyNotes({ db, keyring: rotated }, { batchSize: 3 });
    expect(result.currentKeyId).toBe(keyIdOf(NEW_KEY));
    expect(result.programs).toEqual([
      { programId: 'alpha', reencrypted: 7, unknownKeys: {}, damaged: 0 },
      { programId: 'beta', reencrypted: 2, unknownKeys: {}, damaged: 0 },
    ]);

    const newOnly = createKeyring(NEW_KEY);
    const after = await contacts();
    for (const c of after) {
      const was = before.find((b) => b.id === c.id)!;
      if (!was.notesCiphertext) {
        expect(c.notesCiphertext).toBeNull();
        continue;
      }
      expect(c.notesKeyId).toBe(keyIdOf(NEW_KEY));
      expect(c.notesCiphertext).not.toBe(was.notesCiphertext);
      expect(openNotes(newOnly, { programId: c.programId, contactId: c.id }, c.notesCiphertext!)).toBe(plain.get(c.id));
      // Everything else about the contact is as it was.
      expect({ ...c, notesCiphertext: null, notesKeyId: null }).toEqual({
        ...was,
        notesCiphertext: null,
        notesKeyId: null,
      });
    }
    expect(
      (await auditOf('notes.rekey')).map((a) => [a.programId, a.entityType, a.entityId, a.count, a.actorId]),
    ).toEqual([
      ['alpha', 'program', 'alpha', 7, null],
      ['beta', 'program', 'beta', 2, null],
    ]);

    // A second run finds nothing to do, changes nothing and audits nothing.
    const again = await rekeyNotes({ db, keyring: rotated });
    expect(again.programs.map((p) => p.reencrypted)).toEqual([0, 0]);
    expect((await contacts()).map((c) => c.notesCiphertext)).toEqual(after.map((c) => c.notesCiphertext));
    expect(await auditOf('notes.rekey')).toHaveLength(2);
  });

  it('carries on where an interrupted run stopped, keeping the audit in step with what was committed', async () => {
    await logMany(
      createKeyring(OLD_KEY),
      alpha,
      'U0CLIN1',
      Array.from({ length: 5 }, (_, i) => ({ at: daysAgo(i + 1) })),
    );
    const rotated = createKeyring(NEW_KEY, [OLD_KEY]);
    let batches = 0;
    await expect(
      rekeyProgram({ db, keyring: rotated }, 'alpha', {
        batchSize: 2,
        onBatch: () => {
          if (++batches === 1) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const half = await contacts();
    expect(half.filter((c) => c.notesKeyId === keyIdOf(NEW_KEY))).toHaveLength(2);
    expect((await auditOf('notes.rekey')).map((a) => a.count)).toEqual([2]);

    const rest = await rekeyProgram({ db, keyring: rotated }, 'alpha', { batchSize: 2 });
    expect(rest.reencrypted).toBe(3);
    expect((await contacts()).every((c) => c.notesKeyId === keyIdOf(NEW_KEY))).toBe(true);
    expect((await auditOf('notes.rekey')).map((a) => a.count)).toEqual([2, 3]);
  });

  it('leaves notes under a key it does not have, names that key, and re-encrypts the rest', async () => {
    const lost = randomBytes(32);
    await logMany(createKeyring(lost), alpha, 'U0CLIN1', [{ at: daysAgo(1) }, { at: daysAgo(2) }]);
    await logMany(createKeyring(OLD_KEY), alpha, 'U0CLIN1', [{ at: daysAgo(3) }]);
    const [result] = (
      await rekeyNotes({ db, keyring: createKeyring(NEW_KEY, [OLD_KEY]) }, { programIds: ['alpha'], batchSize: 1 })
    ).programs;
    expect(result).toEqual({ programId: 'alpha', reencrypted: 1, unknownKeys: { [keyIdOf(lost)]: 2 }, damaged: 0 });
    expect((await contacts()).map((c) => c.notesKeyId)).toEqual([keyIdOf(lost), keyIdOf(lost), keyIdOf(NEW_KEY)]);
  });
});

describe('notes bound to their contact', () => {
  const exportNotes = (keyring: Keyring, program: ProgramConfig) =>
    exportContacts(
      { prisma: db.prisma, keyring },
      {
        program,
        from: '2024-01-01',
        to: '2026-12-31',
        includeNotes: true,
        actor: { memberId: null, named: null, osUser: 'operator', host: 'test-host' },
      },
    );
  const notesColumn = (e: { columns: string[]; rows: string[][] }) => e.rows.map((r) => r[e.columns.indexOf('notes')]);

  it('a note copied into another contact’s row does not open there: the export stops and names that contact', async () => {
    const keyring = createKeyring(NEW_KEY);
    const [first, second] = await logMany(keyring, alpha, 'U0CLIN1', [
      { at: daysAgo(2) },
      { at: daysAgo(1), notes: 'routine check' },
    ]);
    expect(notesColumn(await exportNotes(keyring, alpha))).toEqual([note(0), 'routine check']);

    // Someone with write access to the database moves contact 1's note onto contact 2.
    const moved = (await db.prisma.contact.findUniqueOrThrow({ where: { id: first! } })).notesCiphertext;
    await db.prisma.contact.update({ where: { id: second! }, data: { notesCiphertext: moved } });
    const err = await exportNotes(keyring, alpha).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isCarelogError(err, 'encryption_envelope_rejected')).toBe(true);
    expect((err as Error).message).toMatch(/^Contact 2: its notes cannot be read/);
    expect(String(err)).not.toContain('CANARY');
    expect(await auditOf('contact.export_notes')).toHaveLength(1); // the first export only
  });

  it('rekey turns v1 envelopes (program only) into v2 ones that open only under their contact; v1 ones open until then', async () => {
    const keyring = createKeyring(NEW_KEY);
    const ids = await logMany(keyring, alpha, 'U0CLIN1', [{ at: daysAgo(3) }, { at: daysAgo(2) }, { at: daysAgo(1) }]);
    // The notes as carelog sealed them before v2: under the same key, bound to the program only.
    for (const [i, id] of ids.entries()) {
      await db.prisma.contact.update({
        where: { id },
        data: { notesCiphertext: sealV1(NEW_KEY, note(i), legacyNotesContext('alpha')) },
      });
    }
    // Still readable where notes are read; a v1 note moved to another contact still opens (the
    // binding it was sealed with knows no contact) until rekey rewrites it.
    expect(notesColumn(await exportNotes(keyring, alpha))).toEqual([note(0), note(1), note(2)]);

    const [result] = (await rekeyNotes({ db, keyring }, { programIds: ['alpha'], batchSize: 2 })).programs;
    expect(result).toEqual({ programId: 'alpha', reencrypted: 3, unknownKeys: {}, damaged: 0 });
    const after = await contacts();
    for (const [i, c] of after.entries()) {
      expect(c.notesCiphertext).toMatch(new RegExp(`^v2\\.${keyIdOf(NEW_KEY)}\\.`));
      expect(c.notesKeyId).toBe(keyIdOf(NEW_KEY));
      expect(openNotes(keyring, { programId: 'alpha', contactId: c.id }, c.notesCiphertext!)).toBe(note(i));
      const other = after[(i + 1) % after.length]!.id;
      expect(() => openNotes(keyring, { programId: 'alpha', contactId: other }, c.notesCiphertext!)).toThrow(
        /does not open here/,
      );
      expect(() => keyring.decrypt(c.notesCiphertext!, legacyNotesContext('alpha'))).toThrow();
    }
    expect(notesColumn(await exportNotes(keyring, alpha))).toEqual([note(0), note(1), note(2)]);
    expect((await auditOf('notes.rekey')).map((a) => a.count)).toEqual([3]);

    // Idempotent: nothing left in v1, nothing rewritten.
    expect((await rekeyNotes({ db, keyring }, { programIds: ['alpha'] })).programs[0]!.reencrypted).toBe(0);
    expect((await contacts()).map((c) => c.notesCiphertext)).toEqual(after.map((c) => c.notesCiphertext));

    // A v2 note moved to another contact's row is refused where it is read (rekey leaves v2 notes
    // under the current key alone), while a v1 note is still rewritten.
    await db.prisma.contact.update({ where: { id: ids[2]! }, data: { notesCiphertext: after[0]!.notesCiphertext } });
    await db.prisma.contact.update({
      where: { id: ids[1]! },
      data: { notesCiphertext: sealV1(NEW_KEY, note(1), legacyNotesContext('alpha')) },
    });
    const again = (await rekeyNotes({ db, keyring }, { programIds: ['alpha'] })).programs[0]!;
    expect(again).toMatchObject({ reencrypted: 1, damaged: 0 });
    await expect(exportNotes(keyring, alpha)).rejects.toThrow(/^Contact 3: its notes cannot be read/);
  });
});

describe('retention', () => {
  it('clears notes of contacts older than notesDays, keeps the contacts, audits the count, and only where configured', async () => {
    const keyring = createKeyring(NEW_KEY);
    const [old1, old2, recent] = await logMany(keyring, alpha, 'U0CLIN1', [
      { at: daysAgo(40) },
      { at: daysAgo(31) },
      { at: daysAgo(29) },
    ]);
    const [betaOld] = await logMany(keyring, beta, 'U0BETA1', [{ at: daysAgo(400) }]);
    const before = await contacts();

    const dry = await applyNotesRetention({ db, now: () => NOW }, programs, { dryRun: true });
    expect(dry).toEqual([
      { programId: 'alpha', notesDays: 30, cutoff: daysAgo(30).toISOString(), cleared: 2, dryRun: true },
    ]);
    expect(await contacts()).toEqual(before);
    expect(await auditOf('notes.retention')).toHaveLength(0);

    const done = await applyNotesRetention({ db, now: () => NOW }, programs, { batchSize: 1 });
    expect(done.map((r) => [r.programId, r.cleared])).toEqual([['alpha', 2]]);
    const after = await contacts();
    const byId = new Map(after.map((c) => [c.id, c]));
    for (const id of [old1!, old2!]) {
      expect(byId.get(id)!.notesCiphertext).toBeNull();
      expect(byId.get(id)!.notesKeyId).toBeNull();
      // The digest's fields stay.
      const was = before.find((b) => b.id === id)!;
      expect({ ...byId.get(id)!, notesCiphertext: was.notesCiphertext, notesKeyId: was.notesKeyId }).toEqual(was);
    }
    expect(openNotes(keyring, { programId: 'alpha', contactId: recent! }, byId.get(recent!)!.notesCiphertext!)).toBe(
      note(2),
    );
    // Beta has no retention setting: its year-old note stays.
    expect(byId.get(betaOld!)!.notesCiphertext).not.toBeNull();
    expect((await auditOf('notes.retention')).map((a) => [a.programId, a.entityId, a.count])).toEqual([
      ['alpha', 'alpha', 2],
    ]);

    // Nothing left to clear: no change, no new audit event.
    expect((await applyNotesRetention({ db, now: () => NOW }, programs)).map((r) => r.cleared)).toEqual([0]);
    expect(await auditOf('notes.retention')).toHaveLength(1);
  });
});

describe('the command line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-notes-cli-'));
    writeFileSync(path.join(dir, 'carelog.yml'), YAML);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: dbUrl,
        CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
        CARELOG_DATA_DIR: path.join(dir, 'data'),
        CARELOG_ENCRYPTION_KEY: NEW_KEY.toString('base64'),
        CARELOG_ENCRYPTION_OLD_KEYS: OLD_KEY.toString('base64'),
        LOG_LEVEL: 'silent',
      },
    });

  it('rekey says which retired keys can go, and retention --dry-run changes nothing', async () => {
    await logMany(createKeyring(OLD_KEY), alpha, 'U0CLIN1', [{ at: daysAgo(400) }, { at: daysAgo(1) }]);
    const text = await cli('rekey');
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(`alpha: re-encrypted 2 note(s) under key ${keyIdOf(NEW_KEY)}`);
    expect(text.stderr).toContain(
      `retired key ${keyIdOf(OLD_KEY)} seals no notes: it can be removed from CARELOG_ENCRYPTION_OLD_KEYS`,
    );
    const json = JSON.parse((await cli('rekey', '--json')).stdout) as {
      programs: { reencrypted: number }[];
      notesByKey: Record<string, number>;
      retiredKeys: unknown[];
    };
    expect(json.programs.map((p) => p.reencrypted)).toEqual([0, 0]);
    expect(json.notesByKey).toEqual({ [keyIdOf(NEW_KEY)]: 2 });
    expect(json.retiredKeys).toEqual([{ keyId: keyIdOf(OLD_KEY), notes: 0 }]);

    const dry = JSON.parse((await cli('retention', '--dry-run', '--json')).stdout) as { programs: unknown[] };
    expect(dry.programs).toMatchObject([{ programId: 'alpha', notesDays: 30, cleared: 1, dryRun: true }]);
    expect((await contacts()).filter((c) => c.notesCiphertext)).toHaveLength(2);
    const real = await cli('retention');
    expect(real.stderr).toMatch(
      /^alpha: 1 note\(s\) of contacts before \d{4}-\d{2}-\d{2} \(older than 30 days\) cleared\n/,
    );
    expect(real.stderr).toContain('no retention.notesDays for beta: notes kept');
    expect((await contacts()).filter((c) => c.notesCiphertext)).toHaveLength(1);
    for (const out of [text.stderr, real.stderr]) expect(out).not.toContain('CANARY');
  }, 60_000);
});
