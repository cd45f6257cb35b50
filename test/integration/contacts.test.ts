// logContact against both databases carelog runs on: a real Postgres server and the embedded
// PGlite. Each test starts from empty tables and freshly synced programs.
import { randomBytes, randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { clientCodeSql, formatClientCode, type ContactInput } from '../../src/domain/contact.js';
import { createKeyring } from '../../src/services/crypto.js';
import type { Directory, MemberRef } from '../../src/services/directory.js';
import {
  ContactFieldError,
  logContact,
  notesContext,
  openNotes,
  type ContactServiceDeps,
} from '../../src/services/contacts.js';
import { BACKENDS, freshForEachTest } from '../support/backends.js';

const PROGRAMS_YAML = `
programs:
  - id: alpha
    name: Alpha Co-Responders
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0ALPHA }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
  - id: beta
    name: Beta Co-Responders
    timezone: America/Los_Angeles
    startDate: 2024-01-01
    clientCodePrefix: DOV
    slack: { teamId: T0BETA }
    followUps: { nudgeAt: '08:30' }
    roster:
      - { slack: U0BETA1, roles: [clinician] }
`;

const NOTES = 'CANARY-7f3a9 Jane Roe said she hears voices';
const INCIDENT = 'CAD-2026-0042';

function input(overrides: Partial<ContactInput> = {}): ContactInput {
  return {
    client: { kind: 'new', sex: 'female', ageBand: '25-59' },
    occurredAt: new Date('2026-03-05T15:00:00Z'),
    source: 'call_for_service',
    services: ['crisis_services'],
    referrals: ['mental_health_treatment'],
    disposition: 'resolved_on_scene',
    incidentRef: INCIDENT,
    minutesOnScene: 30,
    followUpDate: null,
    followUpAssignee: null,
    notes: NOTES,
    ...overrides,
  };
}

describe.each(BACKENDS)('logContact on $name', (backend) => {
  const programs = parseProgramFile(PROGRAMS_YAML, 'test.yml');
  const alpha = programs.find((p) => p.id === 'alpha')!;
  const beta = programs.find((p) => p.id === 'beta')!;
  const keyring = createKeyring(randomBytes(32));
  const fresh = freshForEachTest(backend, programs);
  let db: Database;
  let directory: Directory;
  let deps: ContactServiceDeps;
  let clinician: MemberRef;
  let caseManager: MemberRef;
  let betaClinician: MemberRef;

  beforeEach(() => {
    ({ db, directory } = fresh);
    deps = { db, keyring, directory };
    clinician = directory.member('alpha', 'slack', 'U0CLIN1')!;
    caseManager = directory.member('alpha', 'slack', 'U0CASE1')!;
    betaClinician = directory.member('beta', 'slack', 'U0BETA1')!;
  });

  const log = (
    program: ProgramConfig,
    author: MemberRef,
    i: ContactInput,
    key = `k-${randomBytes(6).toString('hex')}`,
  ) => logContact(deps, { program, author, idempotencyKey: key, input: i });

  const counters = (id: string) =>
    db.prisma.program.findUniqueOrThrow({ where: { id }, select: { nextClientNumber: true, nextContactNumber: true } });

  it('numbers new clients and contacts per program', async () => {
    const first = await log(alpha, clinician, input());
    const second = await log(alpha, clinician, input());
    const firstClient = await db.prisma.client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const third = await log(alpha, clinician, input({ client: { kind: 'existing', clientId: firstClient.id } }));
    const other = await log(beta, betaClinician, input());

    expect([first, second, third].map((r) => [r.clientCode, r.contactNumber, r.newClient, r.created])).toEqual([
      ['PIC-0001', 1, true, true],
      ['PIC-0002', 2, true, true],
      ['PIC-0001', 3, false, true],
    ]);
    expect([other.clientCode, other.contactNumber, other.newClient]).toEqual(['DOV-0001', 1, true]);
    expect(await counters('alpha')).toEqual({ nextClientNumber: 3, nextContactNumber: 4 });
    expect(await counters('beta')).toEqual({ nextClientNumber: 2, nextContactNumber: 2 });
    const rows = await db.prisma.contact.findMany({
      orderBy: [{ programId: 'asc' }, { number: 'asc' }],
      select: { id: true, programId: true, number: true, client: { select: { code: true } } },
    });
    expect(rows.map((r) => [r.programId, r.number, r.client.code])).toEqual([
      ['alpha', 1, 'PIC-0001'],
      ['alpha', 2, 'PIC-0002'],
      ['alpha', 3, 'PIC-0001'],
      ['beta', 1, 'DOV-0001'],
    ]);
    expect(rows.map((r) => r.id)).toEqual([first.contactId, second.contactId, third.contactId, other.contactId]);
  });

  it('writes codes past 9999 with a fifth digit, exactly as formatClientCode does', async () => {
    await db.sql.query('UPDATE "Program" SET "nextClientNumber" = 9999 WHERE id = $1', ['alpha']);
    const a = await log(alpha, clinician, input());
    const b = await log(alpha, clinician, input());
    expect([a.clientCode, b.clientCode]).toEqual([formatClientCode('PIC', 9999), formatClientCode('PIC', 10000)]);
    expect([a.clientCode, b.clientCode]).toEqual(['PIC-9999', 'PIC-10000']);
    const stored = await db.prisma.client.findMany({
      orderBy: { number: 'asc' },
      select: { number: true, code: true },
    });
    expect(stored).toEqual([
      { number: 9999, code: 'PIC-9999' },
      { number: 10000, code: 'PIC-10000' },
    ]);
  });

  it('the SQL that numbers new clients writes the code formatClientCode writes', async () => {
    const numbers = [1, 7, 42, 999, 1000, 9999, 10000, 123456, 2147483647];
    const rows = await db.sql.query<{ code: string }>(
      `SELECT ${clientCodeSql('$1::text', 'n')} AS code FROM unnest($2::int[]) WITH ORDINALITY AS u(n, i) ORDER BY i`,
      ['PIC', numbers],
    );
    expect(rows.map((r) => r.code)).toEqual(numbers.map((n) => formatClientCode('PIC', n)));
  });

  it("a known client's follow-up: a chosen clinician takes it, else the case manager, who becomes the client's; the earliest contact stays first", async () => {
    const first = await log(alpha, clinician, input({ occurredAt: new Date('2026-03-05T15:00:00Z') }));
    const client = await db.prisma.client.findFirstOrThrow({ where: { code: first.clientCode } });
    expect(client.caseManagerId).toBeNull();
    const known = { kind: 'existing', clientId: client.id } as const;

    // A clinician chosen for the follow-up is not made the client's case manager.
    const chosen = await log(
      alpha,
      clinician,
      input({
        client: known,
        followUpDate: '2026-03-09',
        followUpAssignee: 'U0CLIN1',
        occurredAt: new Date('2026-03-06T15:00:00Z'),
      }),
    );
    expect(chosen.followUp!.assigneeMemberId).toBe(clinician.memberId);
    expect((await db.prisma.client.findUniqueOrThrow({ where: { id: client.id } })).caseManagerId).toBeNull();

    // Nobody chosen: the program's case manager, who now manages the client. The contact was
    // logged late, earlier than the first on record, so it becomes the first contact.
    const late = await log(
      alpha,
      clinician,
      input({ client: known, followUpDate: '2026-03-10', occurredAt: new Date('2026-03-01T15:00:00Z') }),
    );
    expect(late.followUp!.assigneeMemberId).toBe(caseManager.memberId);
    // Logged late, it is not the contact after the one that asked on 6 March: that follow-up
    // waits on. Its own follow-up was met at once by the contact on record after it (5 March).
    expect(late.followUpsMet).toEqual([]);
    expect(late.followUp!.pending).toBe(false);
    const [chosenRow, lateRow] = await Promise.all(
      [chosen, late].map((c) => db.prisma.followUp.findUniqueOrThrow({ where: { id: c.followUp!.id } })),
    );
    expect(chosenRow!.status).toBe('pending');
    expect([lateRow!.status, lateRow!.metByContactId, lateRow!.completedAt?.toISOString()]).toEqual([
      'done',
      first.contactId,
      '2026-03-05T15:00:00.000Z',
    ]);
    const after = await db.prisma.client.findUniqueOrThrow({ where: { id: client.id } });
    expect(after.caseManagerId).toBe(caseManager.memberId);
    expect(after.firstContactAt.toISOString()).toBe('2026-03-01T15:00:00.000Z');
    const rows = await db.prisma.contact.findMany({
      where: { clientId: client.id },
      orderBy: { number: 'asc' },
      select: { followUpAssigneeId: true },
    });
    expect(rows.map((r) => r.followUpAssigneeId)).toEqual([null, clinician.memberId, caseManager.memberId]);

    // A later contact leaves the first contact where it is; the client's case manager takes the next one.
    const next = await log(
      alpha,
      clinician,
      input({ client: known, followUpDate: '2026-03-11', occurredAt: new Date('2026-03-07T15:00:00Z') }),
    );
    expect(next.followUp!.assigneeMemberId).toBe(caseManager.memberId);
    expect((await db.prisma.client.findUniqueOrThrow({ where: { id: client.id } })).firstContactAt.toISOString()).toBe(
      '2026-03-01T15:00:00.000Z',
    );
    expect(await counters('alpha')).toEqual({ nextClientNumber: 2, nextContactNumber: 5 });
  });

  it('a follow-up met at once by a later contact on record reports that contact’s local date, on a repeat too', async () => {
    // 02:30 UTC on 7 March is still 6 March in New York: the date is the program's own.
    const later = await log(alpha, clinician, input({ occurredAt: new Date('2026-03-07T02:30:00Z') }));
    const known = { kind: 'existing', clientId: later.clientId } as const;
    const asked = input({ client: known, followUpDate: '2026-03-09', occurredAt: new Date('2026-03-04T15:00:00Z') });
    const late = await log(alpha, clinician, asked, 'late-save');
    expect(late.followUp).toMatchObject({ pending: false, metOn: '2026-03-06' });
    const repeat = await log(alpha, clinician, asked, 'late-save');
    expect([repeat.created, repeat.followUp]).toEqual([false, late.followUp]);

    // A follow-up still pending has no such date.
    const pending = await log(
      alpha,
      clinician,
      input({ client: known, followUpDate: '2026-03-12', occurredAt: new Date('2026-03-08T15:00:00Z') }),
    );
    expect(pending.followUp).toMatchObject({ pending: true, metOn: null });
  });

  it('refuses a client of another program and writes nothing', async () => {
    await log(beta, betaClinician, input());
    const betaClient = await db.prisma.client.findFirstOrThrow({ where: { programId: 'beta' } });
    const auditBefore = await db.prisma.auditEvent.count();
    const alphaBefore = await counters('alpha');

    const attempt = log(
      alpha,
      clinician,
      input({ client: { kind: 'existing', clientId: betaClient.id }, followUpDate: '2026-03-09' }),
    );
    await expect(attempt).rejects.toBeInstanceOf(ContactFieldError);
    await expect(attempt).rejects.toMatchObject({ field: 'client', code: 'invalid_input' });

    expect(await db.prisma.contact.count({ where: { programId: 'alpha' } })).toBe(0);
    expect(await db.prisma.contact.count()).toBe(1);
    expect(await db.prisma.followUp.count()).toBe(0);
    expect(await db.prisma.auditEvent.count()).toBe(auditBefore);
    expect(await counters('alpha')).toEqual(alphaBefore);
  });

  it('returns the first result for a repeated idempotency key', async () => {
    const first = await log(alpha, clinician, input({ followUpDate: '2026-03-09' }), 'slack:V1');
    const again = await log(alpha, clinician, input({ followUpDate: '2026-03-09' }), 'slack:V1');
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.contactId).toBe(first.contactId);
    expect(again.contactNumber).toBe(first.contactNumber);
    expect(again.clientCode).toBe(first.clientCode);
    expect(again.followUp?.id).toBe(first.followUp?.id);
    expect(await db.prisma.contact.count()).toBe(1);
    expect(await db.prisma.client.count()).toBe(1);
    expect(await db.prisma.followUp.count()).toBe(1);
    expect(await counters('alpha')).toEqual({ nextClientNumber: 2, nextContactNumber: 2 });
    // The same key in another program is another submission.
    const elsewhere = await log(beta, betaClinician, input(), 'slack:V1');
    expect(elsewhere.created).toBe(true);
  });

  it('writes one contact for ten concurrent submissions with one key', async () => {
    // allSettled: a failing call must not leave the others running into the next test.
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => log(alpha, clinician, input(), 'slack:VRACE')),
    );
    const rejected = settled.filter((s) => s.status === 'rejected');
    expect(rejected).toEqual([]);
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.contactId)).size).toBe(1);
    expect(new Set(results.map((r) => r.clientCode))).toEqual(new Set(['PIC-0001']));
    expect(await db.prisma.contact.count()).toBe(1);
    expect(await db.prisma.client.count()).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'contact.create' } })).toBe(1);
    expect(await db.prisma.auditEvent.count({ where: { action: 'client.create' } })).toBe(1);
    // The losers' counter increments rolled back with their transactions.
    expect(await counters('alpha')).toEqual({ nextClientNumber: 2, nextContactNumber: 2 });
  });

  it('stores the notes encrypted, bound to the program and the contact', async () => {
    const logged = await log(alpha, clinician, input());
    const row = await db.prisma.contact.findUniqueOrThrow({ where: { id: logged.contactId } });
    expect(row.notesCiphertext).toBeTruthy();
    expect(row.notesCiphertext).not.toContain('CANARY');
    expect(row.notesCiphertext).not.toContain('Jane Roe');
    expect(row.notesKeyId).toBe(keyring.currentKeyId);
    expect(row.notesCiphertext).toMatch(/^v2\./);
    expect(openNotes(keyring, { programId: 'alpha', contactId: row.id }, row.notesCiphertext!)).toBe(NOTES);
    expect(() =>
      keyring.decrypt(row.notesCiphertext!, notesContext({ programId: 'beta', contactId: row.id })),
    ).toThrow();
    expect(() => openNotes(keyring, { programId: 'alpha', contactId: randomUUID() }, row.notesCiphertext!)).toThrow();
    // Nowhere in the row's text columns, as Postgres itself sees them.
    const raw = await db.sql.query<{ t: string }>('SELECT "Contact"::text AS t FROM "Contact"');
    expect(raw).toHaveLength(1);
    expect(raw[0]!.t).not.toContain('CANARY');

    const silent = await log(alpha, clinician, input({ notes: null }));
    const none = await db.prisma.contact.findUniqueOrThrow({ where: { id: silent.contactId } });
    expect(none.notesCiphertext).toBeNull();
    expect(none.notesKeyId).toBeNull();
  });

  it('audits client, contact and follow-up creation by the author, with ids and no clinical text', async () => {
    const logged = await log(alpha, clinician, input({ followUpDate: '2026-03-09' }));
    const client = await db.prisma.client.findFirstOrThrow({ where: { code: logged.clientCode } });
    const rows = await db.prisma.auditEvent.findMany({
      where: { NOT: { action: { startsWith: 'roster.' } } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => [r.action, r.entityType, r.entityId])).toEqual([
      ['client.create', 'client', client.id],
      ['contact.create', 'contact', logged.contactId],
      ['followup.create', 'followup', logged.followUp!.id],
      ['referral.create', 'referral', logged.referrals[0]!.id],
    ]);
    for (const r of rows) {
      expect(r.actorId).toBe(clinician.memberId);
      expect(r.programId).toBe('alpha');
    }
    const everything = JSON.stringify(await db.sql.query('SELECT * FROM "AuditEvent"'));
    expect(everything).toContain(logged.contactId);
    for (const clinical of [
      'CANARY',
      'Jane Roe',
      INCIDENT,
      'crisis_services',
      'mental_health_treatment',
      'resolved_on_scene',
      'female',
      '25-59',
    ]) {
      expect(everything).not.toContain(clinical);
    }
    // The follow-up went to the program's one case manager, who now manages the client.
    expect(logged.followUp!.assigneeMemberId).toBe(caseManager.memberId);
    expect(client.caseManagerId).toBe(caseManager.memberId);
  });

  it('completes a pending follow-up when the client is contacted again', async () => {
    const first = await log(alpha, clinician, input({ followUpDate: '2026-03-09' }));
    const client = await db.prisma.client.findFirstOrThrow({ where: { code: first.clientCode } });
    const pending = await db.prisma.followUp.findFirstOrThrow();
    expect(pending.status).toBe('pending');

    const second = await log(
      alpha,
      caseManager,
      input({ client: { kind: 'existing', clientId: client.id }, occurredAt: new Date('2026-03-06T15:00:00Z') }),
    );
    expect(second.followUpsMet).toEqual([
      { id: pending.id, version: pending.version, contactNumber: second.contactNumber },
    ]);
    expect(second.followUp).toBeNull();
    const met = await db.prisma.followUp.findUniqueOrThrow({ where: { id: pending.id } });
    expect(met.status).toBe('done');
    expect(met.metByContactId).toBe(second.contactId);
    // Met as of the meeting contact, not as of the save.
    expect(met.completedAt!.toISOString()).toBe('2026-03-06T15:00:00.000Z');
    expect(met.version).toBe(pending.version + 1);
    const complete = await db.prisma.auditEvent.findMany({ where: { action: 'followup.complete' } });
    expect(complete.map((a) => [a.entityType, a.entityId, a.actorId])).toEqual([
      ['followup', pending.id, caseManager.memberId],
    ]);

    // A third contact finds nothing left to meet.
    const third = await log(alpha, clinician, input({ client: { kind: 'existing', clientId: client.id } }));
    expect(third.followUpsMet).toEqual([]);
    expect(await db.prisma.auditEvent.count({ where: { action: 'followup.complete' } })).toBe(1);
  });

  it('refuses a follow-up assignee who is not on the roster', async () => {
    // U0BETA1 is on a roster, but another program's.
    for (const who of ['U0NOBODY', 'U0BETA1']) {
      const attempt = log(alpha, clinician, input({ followUpDate: '2026-03-09', followUpAssignee: who }));
      await expect(attempt).rejects.toBeInstanceOf(ContactFieldError);
      await expect(attempt).rejects.toMatchObject({ field: 'follow_up_assignee' });
    }
    expect(await db.prisma.contact.count()).toBe(0);
    expect(await db.prisma.client.count()).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { NOT: { action: { startsWith: 'roster.' } } } })).toBe(0);

    const named = await log(alpha, clinician, input({ followUpDate: '2026-03-09', followUpAssignee: 'U0CLIN1' }));
    expect(named.followUp!.assigneeMemberId).toBe(clinician.memberId);
  });

  it("sets the follow-up due at the program's nudge time in its time zone, across a DST change", async () => {
    // New York springs forward on Sun 8 Mar 2026: 09:00 is 14:00Z before, 13:00Z after.
    const before = await log(alpha, clinician, input({ followUpDate: '2026-03-06' }));
    const after = await log(alpha, clinician, input({ followUpDate: '2026-03-09' }));
    expect(before.followUp!.dueAt.toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(after.followUp!.dueAt.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    // Beta nudges at 08:30 Los Angeles time, which has also sprung forward (PDT, UTC-7).
    const west = await log(beta, betaClinician, input({ followUpDate: '2026-03-09' }));
    expect(west.followUp!.dueAt.toISOString()).toBe('2026-03-09T15:30:00.000Z');

    const stored = await db.prisma.followUp.findUniqueOrThrow({ where: { id: after.followUp!.id } });
    expect(stored.dueAt.toISOString()).toBe('2026-03-09T13:00:00.000Z');
    const contact = await db.prisma.contact.findUniqueOrThrow({ where: { id: after.contactId } });
    expect(contact.followUpDate!.toISOString().slice(0, 10)).toBe('2026-03-09');
    expect(contact.followUpWanted).toBe(true);
  });

  it('writes nothing when the transaction fails after the client insert', async () => {
    await db.sql.exec(`
      CREATE FUNCTION carelog_test_refuse_followup() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'carelog_test_refused_followup'; END $$;
      CREATE TRIGGER carelog_test_refuse_followup BEFORE INSERT ON "FollowUp"
        FOR EACH ROW EXECUTE FUNCTION carelog_test_refuse_followup();
    `);
    try {
      const before = await counters('alpha');
      await expect(log(alpha, clinician, input({ followUpDate: '2026-03-09' }))).rejects.toThrow(
        /carelog_test_refused_followup/,
      );
      expect(await db.prisma.client.count()).toBe(0);
      expect(await db.prisma.contact.count()).toBe(0);
      expect(await db.prisma.followUp.count()).toBe(0);
      expect(await db.prisma.auditEvent.count({ where: { NOT: { action: { startsWith: 'roster.' } } } })).toBe(0);
      expect(await counters('alpha')).toEqual(before);
      // Without a follow-up the same contact goes through, so the trigger was the only obstacle.
      const ok = await log(alpha, clinician, input());
      expect(ok.clientCode).toBe('PIC-0001');
      expect(ok.contactNumber).toBe(1);
    } finally {
      await db.sql.exec(
        'DROP TRIGGER carelog_test_refuse_followup ON "FollowUp"; DROP FUNCTION carelog_test_refuse_followup()',
      );
    }
  });
});
