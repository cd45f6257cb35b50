// The CSV columns for on-scene outcomes, transport destinations and demographics, and referrals as
// CSV (export one row per referral; import the outcomes back), on a real Postgres: what is written,
// that a bad row names its line and column and writes nothing, that files round-trip, that
// formula-like keys leave as text, the Part 2 rule and the audit, and the command line.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { parseCsv } from '../../src/domain/csv.js';
import { logContact } from '../../src/services/contacts.js';
import { createKeyring } from '../../src/services/crypto.js';
import { contactExportCsv, exportContacts, type ExportActor } from '../../src/services/csv-export.js';
import { importContacts, type TImportResult } from '../../src/services/csv-import.js';
import { syncPrograms, type Directory } from '../../src/services/directory.js';
import {
  exportReferrals,
  importReferralOutcomes,
  referralExportCsv,
  referralExportJson,
  type TReferralImportResult,
} from '../../src/services/referral-csv.js';
import { openDatabase } from '../../src/db/client.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const PROGRAMS_YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0WILM }
    demographics: { raceEthnicity: true, veteran: true }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
  - id: copy
    name: An empty program with the same codes
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0COPY }
    demographics: { raceEthnicity: true, veteran: true }
  - id: other
    name: Another program
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: OTH
    slack: { teamId: T0OTHR }
  - id: sheets
    name: Keys a spreadsheet would read as formulas
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SHT
    slack: { teamId: T0SHT }
    roster:
      - { slack: U0SHT1, roles: [clinician] }
    categories:
      referrals: [-peer_support, +housing, { key: sud_program, label: SUD program, part2: true }]
      onScene: [-force, +backup, injury]
      transportDestinations: [-er, home]
  - id: sheets_copy
    name: The same keys, empty
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SHT
    slack: { teamId: T0SHTC }
    categories:
      referrals: [-peer_support, +housing, { key: sud_program, label: SUD program, part2: true }]
      onScene: [-force, +backup, injury]
      transportDestinations: [-er, home]
`;
const programs = parseProgramFile(PROGRAMS_YAML, 'test.yml');
const program = (id: string) => programs.find((p) => p.id === id)!;
const wilmington = program('wilmington');
const copy = program('copy');
const sheets = program('sheets');
const sheetsCopy = program('sheets_copy');
const KEY = randomBytes(32);
const keyring = createKeyring(KEY);
const NOW = new Date('2025-01-15T12:00:00Z');
const ACTOR = { memberId: null, named: 'Dana at the office', osUser: 'operator', host: 'test-host' };

const HEADER =
  'client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date,on_scene,transport_destination,race_ethnicity,veteran,notes';
const ROWS = [
  HEADER,
  // A new client with demographics, two on-scene items, a transport with its destination.
  'PIC-0001,2024-07-01,call_for_service,,mental_health_treatment,voluntary_transport,female,25-59,,police_backup_requested;arrest_avoided,crisis_center,black_african_american;hispanic_latino,yes,',
  // The same client again: demographics ignored after the first row, as sex and age band are.
  'PIC-0001,2024-07-05,self_referral,,,resolved_on_scene,,,,,,white,no,',
  // A transport whose destination was never recorded; a new client without demographics.
  'PIC-0002,2024-08-10,proactive_outreach,,addiction_treatment;social_services,involuntary_commitment,male,18-24,,,not_recorded,,,',
  'PIC-0003,2024-09-30,community_contact,,,referral_only,not_reported,not_reported,,use_of_force,,not_reported,not_reported,',
].join('\r\n');
/** ROWS up to August: an import dated in August may not hold September's contact. */
const UNTIL_AUGUST = ROWS.split('\r\n').slice(0, -1).join('\r\n');

let env: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
let directory: Directory;
const deps = () => ({ db: env.db, prisma: env.db.prisma, keyring, directory });
const run = (p: ProgramConfig, csv: string, now = NOW) => importContacts(deps(), { program: p, csv, now });
const runReferrals = (p: ProgramConfig, csv: string, now = NOW, actor: ExportActor = ACTOR) =>
  importReferralOutcomes(deps(), { program: p, csv, now, actor });

function ok<T>(r: { ok: true; summary: T } | { ok: false; errors: unknown[] }): T {
  if (!r.ok) throw new Error(`import failed: ${JSON.stringify(r.errors)}`);
  return r.summary;
}
function errorsOf(r: TImportResult | TReferralImportResult) {
  if (r.ok) throw new Error('the import should have failed');
  return r.errors;
}

beforeAll(async () => {
  env = await openMigratedTestDatabase();
});
afterAll(async () => {
  await env?.cleanup();
});
beforeEach(async () => {
  await env.db.sql.exec(
    'TRUNCATE "AuditEvent", "ReferralCheck", "Referral", "Nudge", "FollowUp", "Contact", "Client", "Member", "Program" RESTART IDENTITY CASCADE',
  );
  directory = await syncPrograms(env.db, programs);
});

/** What the new columns stored, contact by contact. */
async function outcomes(programId: string) {
  const contacts = await env.db.prisma.contact.findMany({
    where: { programId },
    orderBy: { number: 'asc' },
    include: { client: true },
  });
  return contacts.map((c) => ({
    code: c.client.code,
    onScene: c.onScene,
    transportDestination: c.transportDestination,
    raceEthnicity: c.client.raceEthnicity,
    veteran: c.client.veteran,
  }));
}

describe('on-scene, transport and demographics columns', () => {
  it('import stores them: demographics from a new client’s first row only, a destination only for a transport', async () => {
    ok(await run(wilmington, ROWS));
    expect(await outcomes('wilmington')).toEqual([
      {
        code: 'PIC-0001',
        onScene: ['police_backup_requested', 'arrest_avoided'],
        transportDestination: 'crisis_center',
        raceEthnicity: ['black_african_american', 'hispanic_latino'],
        veteran: 'yes',
      },
      {
        code: 'PIC-0001',
        onScene: [],
        transportDestination: null,
        raceEthnicity: ['black_african_american', 'hispanic_latino'],
        veteran: 'yes',
      },
      { code: 'PIC-0002', onScene: [], transportDestination: null, raceEthnicity: [], veteran: null },
      {
        code: 'PIC-0003',
        onScene: ['use_of_force'],
        transportDestination: null,
        raceEthnicity: ['not_reported'],
        veteran: 'not_reported',
      },
    ]);
  });

  it('an older file without the columns still imports, and is still recognised once they are added', async () => {
    const old = [
      'client_code,contact_date,source,referrals,disposition,sex,age_band',
      'PIC-0001,2024-07-01,call_for_service,mental_health_treatment,voluntary_transport,female,25-59',
      'PIC-0002,2024-07-02,call_for_service,,resolved_on_scene,male,18-24',
    ].join('\n');
    expect(ok(await run(wilmington, old))).toMatchObject({ contactsCreated: 2, clientsCreated: 2 });
    expect((await outcomes('wilmington')).map((o) => o.transportDestination)).toEqual([null, null]);
    // The same rows with the new columns, nothing in them but "not recorded": the same contacts.
    const widened = [
      'client_code,contact_date,source,referrals,disposition,sex,age_band,on_scene,transport_destination,race_ethnicity,veteran',
      'PIC-0001,2024-07-01,call_for_service,mental_health_treatment,voluntary_transport,female,25-59,,not_recorded,,',
      'PIC-0002,2024-07-02,call_for_service,,resolved_on_scene,male,18-24,,,,',
    ].join('\n');
    expect(ok(await run(wilmington, widened))).toMatchObject({ contactsCreated: 0, contactsAlreadyImported: 2 });
  });

  it('names the line and column of every bad value, and writes nothing', async () => {
    const bad = [
      HEADER,
      'PIC-0001,2024-07-01,call_for_service,,,resolved_on_scene,female,25-59,,injury;hugs;naps,,,,',
      'PIC-0002,2024-07-01,call_for_service,,,voluntary_transport,female,25-59,,,,,,',
      'PIC-0003,2024-07-01,call_for_service,,,resolved_on_scene,female,25-59,,,home,,,',
      'PIC-0004,2024-07-01,call_for_service,,,voluntary_transport,female,25-59,,,the moon,,,',
      'PIC-0005,2024-07-01,call_for_service,,,resolved_on_scene,female,25-59,,,,white;martian,maybe,',
      'PIC-0006,2024-07-01,call_for_service,,,resolved_on_scene,female,25-59,,,,white;not_reported,,',
      'PIC-0007,2024-07-01,call_for_service,,,voluntary_transport,female,25-59,,,emergency_department,,,', // fine
    ].join('\n');
    expect(errorsOf(await run(wilmington, bad))).toEqual([
      {
        line: 2,
        column: 'on_scene',
        message: expect.stringMatching(/^"hugs" is not one of police_backup_requested, /),
      },
      { line: 2, column: 'on_scene', message: expect.stringMatching(/^"naps" is not one of /) },
      {
        line: 3,
        column: 'transport_destination',
        message:
          'is required when the disposition is voluntary_transport: one of emergency_department, crisis_center, detox, shelter, home, other, or not_recorded',
      },
      {
        line: 4,
        column: 'transport_destination',
        message:
          'is only for a transport (voluntary_transport, involuntary_commitment): leave it blank for resolved_on_scene',
      },
      // Free text is never quoted back.
      {
        line: 5,
        column: 'transport_destination',
        message: expect.stringMatching(/^is not one of emergency_department, /),
      },
      { line: 6, column: 'race_ethnicity', message: expect.stringMatching(/^"martian" is not one of american_indian/) },
      { line: 6, column: 'veteran', message: '"maybe" is not one of yes, no, not_reported' },
      {
        line: 7,
        column: 'race_ethnicity',
        message: 'has not_reported with another choice: not_reported stands alone',
      },
    ]);
    expect(await env.db.prisma.contact.count()).toBe(0);
    expect(await env.db.prisma.client.count()).toBe(0);
    expect(await env.db.prisma.auditEvent.count({ where: { NOT: { action: { startsWith: 'roster.' } } } })).toBe(0);
  });

  it('an export imports into an empty program as the same contacts and clients, chat-logged ones too', async () => {
    ok(await run(wilmington, ROWS));
    const clinician = directory.member('wilmington', 'slack', 'U0CLIN1')!;
    await logContact(deps(), {
      program: wilmington,
      author: clinician,
      idempotencyKey: 'view-1',
      input: {
        client: {
          kind: 'new',
          sex: 'male',
          ageBand: '60+',
          raceEthnicity: ['asian'],
          veteran: 'no',
        },
        occurredAt: new Date('2024-10-02T15:00:00Z'),
        source: 'other',
        services: [],
        referrals: ['social_services'],
        disposition: 'involuntary_commitment',
        transportDestination: 'emergency_department',
        onScene: ['injury', 'ed_avoided'],
        incidentRef: null,
        minutesOnScene: 30,
        followUpDate: null,
        followUpAssignee: null,
        notes: null,
      },
    });
    const all = { from: '2024-03-01', to: '2024-12-31', includeNotes: false, includePart2: true, actor: ACTOR };
    const original = contactExportCsv(await exportContacts(deps(), { program: wilmington, ...all }));
    const header = original.split('\r\n')[1]!;
    expect(header).toBe(
      'contact_number,client_code,contact_date,source,services,referrals,disposition,sex,age_band,incident_ref,minutes_on_scene,follow_up_date,on_scene,transport_destination,race_ethnicity,veteran',
    );
    // The transport never given a destination says so; a contact that was no transport says nothing.
    expect(original).toContain(',involuntary_commitment,male,18-24,,,,,not_recorded,,\r\n');
    expect(original).toContain(',injury;ed_avoided,emergency_department,asian,no\r\n');

    expect(ok(await run(copy, original))).toMatchObject({ contactsCreated: 5, clientsCreated: 4 });
    expect(contactExportCsv(await exportContacts(deps(), { program: copy, ...all }))).toBe(original);
    expect(await outcomes('copy')).toEqual(await outcomes('wilmington'));
    // Back into its own program: nothing new.
    expect(ok(await run(wilmington, original))).toMatchObject({ contactsCreated: 0, contactsAlreadyImported: 5 });
  });

  it('formula-like keys in the new columns leave as text and come back as the keys', async () => {
    const author = directory.member('sheets', 'slack', 'U0SHT1')!;
    await logContact(deps(), {
      program: sheets,
      author,
      idempotencyKey: 'view-1',
      input: {
        client: { kind: 'new', sex: 'female', ageBand: '25-59' },
        occurredAt: new Date('2024-07-01T15:00:00Z'),
        source: 'other',
        services: [],
        referrals: ['-peer_support'],
        disposition: 'voluntary_transport',
        transportDestination: '-er',
        onScene: ['-force', '+backup'],
        incidentRef: null,
        minutesOnScene: null,
        followUpDate: null,
        followUpAssignee: null,
        notes: null,
      },
    });
    const all = { from: '2024-01-01', to: '2024-12-31', includeNotes: false, actor: ACTOR };
    const original = contactExportCsv(await exportContacts(deps(), { program: sheets, ...all }));
    expect(original).toContain(`,"'-force;+backup","'-er",`);
    const parsed = parseCsv(original);
    if (!parsed.ok) throw new Error('export is not CSV');
    expect(parsed.records.flatMap((r) => r.fields).filter((f) => /^[=+\-@\t\r]/.test(f))).toEqual([]);

    ok(await run(sheetsCopy, original));
    expect(await outcomes('sheets_copy')).toEqual([
      {
        code: 'SHT-0001',
        onScene: ['-force', '+backup'],
        transportDestination: '-er',
        raceEthnicity: [],
        veteran: null,
      },
    ]);
    expect(contactExportCsv(await exportContacts(deps(), { program: sheetsCopy, ...all }))).toBe(original);
  });
});

describe('referrals export', () => {
  const range = { from: '2024-03-01', to: '2024-12-31', actor: ACTOR };

  it('writes one row per referral with its status and dates, Part 2 only when asked, and audits it', async () => {
    ok(await run(wilmington, ROWS));
    const [connected] = await env.db.prisma.referral.findMany({ where: { category: 'mental_health_treatment' } });
    await env.db.prisma.referral.update({
      where: { id: connected!.id },
      data: {
        status: 'connected',
        connectedOn: new Date('2024-07-09'),
        closedAt: new Date('2024-07-10T02:30:00Z'), // 22:30 on 9 July in New York
        checks: 1,
      },
    });
    const plain = await exportReferrals(deps(), { program: wilmington, ...range });
    const ids = await env.db.prisma.referral.findMany({ orderBy: { category: 'asc' } });
    const idOf = (category: string) => ids.find((r) => r.category === category)!.id;
    expect(referralExportCsv(plain)).toBe(
      [
        'referral_id,contact_number,client_code,category,made_on,status,connected_on,closed_on,checks',
        `${idOf('mental_health_treatment')},1,PIC-0001,mental_health_treatment,2024-07-01,connected,2024-07-09,2024-07-09,1`,
        `${idOf('social_services')},3,PIC-0002,social_services,2024-08-10,made,,,0`,
        '',
      ].join('\r\n'),
    );
    expect(plain.notice).toBeNull();
    expect(referralExportCsv(plain)).not.toMatch(/addiction/);

    const part2 = await exportReferrals(deps(), { program: wilmington, ...range, includePart2: true });
    const text = referralExportCsv(part2);
    expect(text.split('\r\n')[0]).toBe(
      '# NOTICE: 42 CFR part 2 prohibits unauthorized use or disclosure of these records.',
    );
    expect(part2.rows.map((r) => r[3])).toEqual(['mental_health_treatment', 'addiction_treatment', 'social_services']);
    expect(JSON.parse(referralExportJson(part2))).toMatchObject({
      notice: expect.stringMatching(/^42 CFR part 2/),
      referrals: [{ status: 'connected' }, { category: 'addiction_treatment' }, {}],
    });
    // The range is the day a referral was made.
    expect((await exportReferrals(deps(), { program: wilmington, ...range, from: '2024-08-10' })).rows).toHaveLength(1);

    const audit = await env.db.prisma.auditEvent.findMany({ where: { entityType: 'program' }, orderBy: { id: 'asc' } });
    const details = { osUser: 'operator', host: 'test-host', actor: 'Dana at the office' };
    expect(audit.map((a) => [a.action, a.count, a.actorId, a.details])).toEqual([
      ['referral.export', 2, null, { ...details, part2: false }],
      ['referral.export_part2', 3, null, { ...details, part2: true }],
      ['referral.export', 1, null, { ...details, part2: false }],
    ]);
  });

  it('writes formula-like category keys as text', async () => {
    const author = directory.member('sheets', 'slack', 'U0SHT1')!;
    await logContact(deps(), {
      program: sheets,
      author,
      idempotencyKey: 'view-1',
      input: {
        client: { kind: 'new', sex: 'female', ageBand: '25-59' },
        occurredAt: new Date('2024-07-01T15:00:00Z'),
        source: 'other',
        services: [],
        referrals: ['-peer_support', '+housing', 'sud_program'],
        disposition: 'resolved_on_scene',
        incidentRef: null,
        minutesOnScene: null,
        followUpDate: null,
        followUpAssignee: null,
        notes: null,
      },
    });
    const e = await exportReferrals(deps(), { program: sheets, from: '2024-01-01', to: '2024-12-31', actor: ACTOR });
    const text = referralExportCsv(e);
    expect(e.rows.map((r) => r[3])).toEqual(['+housing', '-peer_support']);
    expect(text).toContain(`,"'+housing",`);
    expect(text).toContain(`,"'-peer_support",`);
    const parsed = parseCsv(text);
    if (!parsed.ok) throw new Error('export is not CSV');
    expect(parsed.records.flatMap((r) => r.fields).filter((f) => /^[=+\-@\t\r]/.test(f))).toEqual([]);
    // The same file imports back (the guarded category is read as the key): nothing to change.
    expect(ok(await runReferrals(sheets, text))).toMatchObject({ rows: 2, changed: 0, unchanged: 2 });
  });
});

describe('referrals import', () => {
  /** The program's referrals exported, with `edit` applied to each row (by category). */
  async function exported(p: ProgramConfig, edit: (row: Record<string, string>) => void = () => {}) {
    const e = await exportReferrals(deps(), {
      program: p,
      from: '2024-03-01',
      to: '2024-12-31',
      includePart2: true,
      actor: ACTOR,
    });
    const rows = e.rows.map((r) => Object.fromEntries(e.columns.map((c, i) => [c, r[i]!])));
    rows.forEach(edit);
    return [e.columns.join(','), ...rows.map((r) => e.columns.map((c) => r[c]).join(','))].join('\n');
  }
  const referral = (category: string) => env.db.prisma.referral.findFirstOrThrow({ where: { category } });

  it('records outcomes, closes checks, bumps versions and audits each change; a second import changes nothing', async () => {
    ok(await run(wilmington, UNTIL_AUGUST, new Date('2024-08-11T12:00:00Z')));
    // Recent enough that the checks are due: each open referral has its next check.
    const before = await referral('social_services');
    expect(before.nextCheckAt).not.toBeNull();
    const file = await exported(wilmington, (r) => {
      if (r.category === 'social_services') [r.status, r.connected_on] = ['connected', '2024-08-20'];
      if (r.category === 'addiction_treatment') r.status = 'declined';
    });
    const at = new Date('2024-09-01T12:00:00Z');
    const summary = ok(await runReferrals(wilmington, file, at));
    expect(summary).toEqual({
      rows: 3,
      changed: 2,
      unchanged: 1,
      duplicateRows: 0,
      byStatus: { connected: 1, declined: 1 },
    });

    const after = await referral('social_services');
    expect(after).toMatchObject({
      status: 'connected',
      connectedOn: new Date('2024-08-20'),
      closedAt: at,
      nextCheckAt: null,
      version: before.version + 1,
      lastActorId: null,
    });
    expect(await referral('addiction_treatment')).toMatchObject({
      status: 'declined',
      connectedOn: null,
      nextCheckAt: null,
      version: 2,
    });
    expect(await referral('mental_health_treatment')).toMatchObject({ status: 'made', version: 1 });

    const audit = await env.db.prisma.auditEvent.findMany({
      where: { action: 'referral.import' },
      orderBy: { id: 'asc' },
    });
    expect(new Set(audit.map((a) => a.entityId))).toEqual(
      new Set([after.id, (await referral('addiction_treatment')).id]),
    );
    expect(audit.every((a) => a.entityType === 'referral' && a.programId === 'wilmington')).toBe(true);
    expect(audit[0]!.details).toEqual({ osUser: 'operator', host: 'test-host', actor: 'Dana at the office' });

    // Idempotent: the same file again changes nothing, audits nothing and bumps no version.
    expect(ok(await runReferrals(wilmington, file, at))).toMatchObject({ changed: 0, unchanged: 3 });
    expect((await referral('social_services')).version).toBe(before.version + 1);
    expect(await env.db.prisma.auditEvent.count({ where: { action: 'referral.import' } })).toBe(2);
  });

  it('names the actor when --actor is a roster member', async () => {
    ok(await run(wilmington, ROWS));
    const cm = directory.member('wilmington', 'slack', 'U0CASE1')!;
    const file = await exported(wilmington, (r) => {
      if (r.category === 'social_services') r.status = 'unreachable';
    });
    ok(await runReferrals(wilmington, file, NOW, { memberId: cm.memberId, named: 'U0CASE1', osUser: 'op', host: 'h' }));
    expect((await referral('social_services')).lastActorId).toBe(cm.memberId);
    const [event] = await env.db.prisma.auditEvent.findMany({ where: { action: 'referral.import' } });
    expect(event!.actorId).toBe(cm.memberId);
  });

  it('checks every row before writing: each problem by line and column, nothing changed', async () => {
    ok(await run(wilmington, ROWS));
    ok(
      await run(
        program('other'),
        'client_code,contact_date,source,referrals,disposition,sex,age_band\nOTH-0001,2024-07-01,other,social_services,other,male,18-24\n',
      ),
    );
    const mh = (await referral('mental_health_treatment')).id;
    const social = await env.db.prisma.referral.findFirstOrThrow({
      where: { programId: 'wilmington', category: 'social_services' },
    });
    const foreign = await env.db.prisma.referral.findFirstOrThrow({ where: { programId: 'other' } });
    const part2 = (await referral('addiction_treatment')).id;
    const bad = [
      'referral_id,contact_number,client_code,category,made_on,status,connected_on',
      `${mh},1,PIC-0001,mental_health_treatment,2024-07-01,linked,`,
      `${mh.slice(0, 8)},1,PIC-0001,mental_health_treatment,2024-07-01,connected,`,
      `${social.id},3,PIC-0002,social_services,2024-08-10,connected,`,
      `${social.id},3,PIC-0002,social_services,2024-08-10,connected,2025-02-01`,
      `${social.id},3,PIC-0002,social_services,2024-08-10,declined,2024-08-12`,
      `${social.id},3,PIC-0002,social_services,2024-08-10,connected,2024-08-09`,
      `${foreign.id},1,OTH-0001,social_services,2024-07-01,declined,`,
      `${part2},4,PIC-0009,social_services,2024-08-10,declined,`,
      `${mh},1,PIC-0001,mental_health_treatment,2024-07-01,connected,2024-07-02`,
      `${mh},1,PIC-0001,mental_health_treatment,2024-07-01,declined,`,
      `${mh},1,PIC-0001,mental_health_treatment,2024-07-01,declined`,
    ].join('\n');
    expect(errorsOf(await runReferrals(wilmington, bad))).toEqual([
      { line: 2, column: 'status', message: '"linked" is not one of made, connected, declined, unreachable, unknown' },
      { line: 3, column: 'referral_id', message: 'is not a referral id (as export --what referrals writes it)' },
      {
        line: 3,
        column: 'connected_on',
        message: 'is required when the status is connected: the day the person connected',
      },
      {
        line: 4,
        column: 'connected_on',
        message: 'is required when the status is connected: the day the person connected',
      },
      { line: 5, column: 'connected_on', message: '"2025-02-01" is in the future' },
      { line: 6, column: 'connected_on', message: 'is only for status connected: leave it blank for declined' },
      { line: 7, column: 'connected_on', message: '"2024-08-09" is before the referral was made (2024-08-10)' },
      { line: 8, column: 'referral_id', message: 'is not a referral of this program' },
      // The stored values are not shown (this one is a Part 2 referral): only that the row disagrees.
      {
        line: 9,
        column: 'contact_number',
        message: '"4" does not match this referral: the row and its referral_id disagree',
      },
      {
        line: 9,
        column: 'client_code',
        message: '"PIC-0009" does not match this referral: the row and its referral_id disagree',
      },
      {
        line: 9,
        column: 'category',
        message: '"social_services" does not match this referral: the row and its referral_id disagree',
      },
      { line: 11, column: 'referral_id', message: 'repeats line 10 with a different outcome' },
      { line: 12, column: null, message: 'has 6 fields; the header has 7' },
    ]);
    const referrals = await env.db.prisma.referral.findMany();
    expect(referrals.every((r) => r.status === 'made' && r.version === 1)).toBe(true);
    expect(await env.db.prisma.auditEvent.count({ where: { action: 'referral.import' } })).toBe(0);
  });

  it('refuses a header it does not know, and one without referral_id and status', async () => {
    expect(errorsOf(await runReferrals(wilmington, 'referral_id,stauts\n'))).toEqual([
      {
        line: 1,
        column: 'stauts',
        message: expect.stringMatching(/^is not a column of a referrals file \(columns: referral_id, /),
      },
      { line: 1, column: 'status', message: 'is required in the header row' },
    ]);
  });

  it('corrects a closed referral: another end keeps its closing time, made resumes its checks', async () => {
    ok(await run(wilmington, UNTIL_AUGUST, new Date('2024-08-11T12:00:00Z')));
    const first = new Date('2024-09-01T12:00:00Z');
    ok(
      await runReferrals(
        wilmington,
        await exported(wilmington, (r) => {
          if (r.category === 'social_services') r.status = 'declined';
        }),
        first,
      ),
    );
    const later = new Date('2024-09-05T12:00:00Z');
    ok(
      await runReferrals(
        wilmington,
        await exported(wilmington, (r) => {
          if (r.category === 'social_services') [r.status, r.connected_on] = ['connected', '2024-08-30'];
        }),
        later,
      ),
    );
    expect(await referral('social_services')).toMatchObject({
      status: 'connected',
      connectedOn: new Date('2024-08-30'),
      closedAt: first,
      version: 3,
    });
    // A connection date corrected on its own is a change too.
    ok(
      await runReferrals(
        wilmington,
        await exported(wilmington, (r) => {
          if (r.category === 'social_services') r.connected_on = '2024-08-29';
        }),
        later,
      ),
    );
    expect(await referral('social_services')).toMatchObject({ connectedOn: new Date('2024-08-29'), version: 4 });

    ok(
      await runReferrals(
        wilmington,
        await exported(wilmington, (r) => {
          if (r.category === 'social_services') [r.status, r.connected_on] = ['made', ''];
        }),
        later,
      ),
    );
    const reopened = await referral('social_services');
    expect(reopened).toMatchObject({ status: 'made', connectedOn: null, closedAt: null, version: 5 });
    // Checked again recheckAfterDays (7) from the correction, at the nudge hour (09:00 in New York).
    expect(reopened.nextCheckAt).toEqual(new Date('2024-09-12T13:00:00Z'));
  });
});

describe('on the embedded database', () => {
  // The command line uses PGlite when DATABASE_URL is unset: the same statements must work there.
  it('imports the new columns and referral outcomes, and exports them', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-outcomes-pglite-'));
    const db = await openDatabase({ dataDir: dir });
    try {
      await db.migrate();
      const embedded = { db, prisma: db.prisma, keyring, directory: await syncPrograms(db, [wilmington]) };
      ok(await importContacts(embedded, { program: wilmington, csv: UNTIL_AUGUST, now: NOW }));
      const all = { program: wilmington, from: '2024-03-01', to: '2024-12-31', includePart2: true, actor: ACTOR };
      const contacts = contactExportCsv(await exportContacts(embedded, { ...all, includeNotes: false }));
      expect(contacts).toContain(
        ',police_backup_requested;arrest_avoided,crisis_center,black_african_american;hispanic_latino,yes\r\n',
      );
      const referrals = referralExportCsv(await exportReferrals(embedded, all));
      const edited = referrals.replace(
        ',social_services,2024-08-10,made,,',
        ',social_services,2024-08-10,connected,2024-08-12,',
      );
      expect(
        ok(await importReferralOutcomes(embedded, { program: wilmington, csv: edited, now: NOW, actor: ACTOR })),
      ).toMatchObject({
        changed: 1,
        unchanged: 2,
      });
      expect(
        ok(await importReferralOutcomes(embedded, { program: wilmington, csv: edited, now: NOW, actor: ACTOR })),
      ).toMatchObject({
        changed: 0,
      });
      const social = await db.prisma.referral.findFirstOrThrow({ where: { category: 'social_services' } });
      expect(social).toMatchObject({
        status: 'connected',
        connectedOn: new Date('2024-08-12'),
        closedAt: NOW,
        version: 2,
      });
      expect(await db.prisma.auditEvent.count({ where: { action: 'referral.import', entityId: social.id } })).toBe(1);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

// The command line as a process, against the same database.
describe('the command line', { timeout: 120_000 }, () => {
  const exec = promisify(execFile);
  let dir: string;
  let cliEnv: NodeJS.ProcessEnv;
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: cliEnv, cwd: process.cwd() }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-referrals-cli-'));
    writeFileSync(path.join(dir, 'carelog.yml'), PROGRAMS_YAML);
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

  it('exports referrals to a private file and imports the outcomes back from it', async () => {
    ok(await run(wilmington, ROWS));
    const out = path.join(dir, 'referrals.csv');
    const exported = await cli(
      'export',
      '--what',
      'referrals',
      '--program',
      'wilmington',
      '--from',
      '2024-03-01',
      '--to',
      '2024-12-31',
      '--actor',
      'U0CASE1',
      '--out',
      out,
    );
    expect([exported.code, exported.stderr]).toEqual([0, `exported 2 referral(s) to ${out}\n`]);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'referral_id,contact_number,client_code,category,made_on,status,connected_on,closed_on,checks',
    );
    const cm = directory.member('wilmington', 'slack', 'U0CASE1')!;
    const [event] = await env.db.prisma.auditEvent.findMany({ where: { action: 'referral.export' } });
    expect(event!.actorId).toBe(cm.memberId);

    writeFileSync(out, text.replace(',social_services,2024-08-10,made,', ',social_services,2024-08-10,declined,'));
    const imported = await cli(
      'import',
      '--what',
      'referrals',
      '--program',
      'wilmington',
      '--file',
      out,
      '--actor',
      'U0CASE1',
    );
    expect([imported.code, imported.stderr]).toEqual([
      0,
      'updated 1 referral(s) in wilmington (1 declined); 1 already as the file says\n',
    ]);
    expect(await referral()).toMatchObject({ status: 'declined', lastActorId: cm.memberId });

    const again = await cli('import', '--what', 'referrals', '--program', 'wilmington', '--file', out, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, summary: { changed: 0, unchanged: 2 } });

    writeFileSync(out, text.replace(',social_services,2024-08-10,made,', ',social_services,2024-08-10,lost,'));
    const bad = await cli('import', '--what', 'referrals', '--program', 'wilmington', '--file', out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^line 3, column status: "lost" is not one of made, /);
    expect(bad.stderr).toMatch(/no referral was changed\n$/);
  });

  it('refuses what it cannot do with a usage error', async () => {
    const what = await cli(
      'export',
      '--what',
      'clients',
      '--program',
      'wilmington',
      '--from',
      '2024-03-01',
      '--to',
      '2024-12-31',
    );
    expect([what.code, what.stderr]).toEqual([2, 'carelog export: --what must be contacts or referrals\n']);
    const notes = await cli(
      'export',
      '--what',
      'referrals',
      '--include-notes',
      '--program',
      'wilmington',
      '--from',
      '2024-03-01',
      '--to',
      '2024-12-31',
    );
    expect(notes.code).toBe(2);
    const actor = await cli('import', '--program', 'wilmington', '--file', '/dev/null', '--actor', 'me');
    expect(actor.code).toBe(2);
  });

  async function referral() {
    return env.db.prisma.referral.findFirstOrThrow({ where: { category: 'social_services' } });
  }
});
