// One table of cases for the rules of writing contacts, run through both writers: logContact (what
// /contact and the Teams form call) and the CSV import, one row per import. Both must leave the
// same rows: which follow-ups are met, by which contact and as of when, who each follow-up is
// assigned to, the clients created (their numbers, first contacts and case managers), the contact
// numbers and the audit trail. Each case runs on Postgres and on the embedded PGlite.
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { formatClientCode } from '../../src/domain/contact.js';
import { formatCsv } from '../../src/domain/csv.js';
import { logContact } from '../../src/services/contacts.js';
import { createKeyring } from '../../src/services/crypto.js';
import { importContacts } from '../../src/services/csv-import.js';
import type { Directory } from '../../src/services/directory.js';
import { BACKENDS, freshForEachTest } from '../support/backends.js';

const [PROGRAM] = parseProgramFile(
  `programs:
  - id: rules
    name: Write rules
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0RULES }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
`,
  'rules.yml',
);
const program = PROGRAM!;
const keyring = createKeyring(randomBytes(32));
/** The import refuses contacts in the future: its clock is after every case. */
const NOW = new Date('2026-06-01T12:00:00Z');

/** One contact: for client A or B, at an instant, perhaps asking for a follow-up on a local date. */
interface Step {
  client: 'A' | 'B';
  at: string;
  followUp?: string;
  /** Two contacts at one instant differ in their disposition, or the import takes them for one. */
  disposition?: 'resolved_on_scene' | 'referral_only';
}

interface RuleCase {
  name: string;
  steps: Step[];
  /** Each follow-up, named by the step that asked for it: the step that met it and when, or pending. */
  followUps: Record<number, { metBy: number } | 'pending'>;
  /**
   * Who each follow-up goes to (no one is chosen on the form; the CSV has no such column): the
   * client's case manager, else the case manager with the fewest pending follow-ups. Only where the
   * case is about it; every case checks that both writers agree.
   */
  assignees?: Record<number, 'U0CASE1' | 'U0CASE2'>;
  /** The program's counters before the first step (a program that has been running). */
  counters?: { client: number; contact: number };
}

const at = (day: string, time = '15:00') => `2026-03-${day}T${time}:00.000Z`;

const CASES: RuleCase[] = [
  {
    name: 'the next contact meets the follow-up, as of its own time',
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('06') },
    ],
    followUps: { 0: { metBy: 1 } },
  },
  {
    name: 'a contact logged late, before the one that asked, does not meet it',
    steps: [
      { client: 'A', at: at('05') },
      { client: 'A', at: at('06'), followUp: '2026-03-09' },
      { client: 'A', at: at('01') },
    ],
    followUps: { 1: 'pending' },
  },
  {
    name: 'a follow-up asked for late, before a contact on record, is met by that contact at once',
    steps: [
      { client: 'A', at: at('10') },
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
    ],
    followUps: { 1: { metBy: 0 } },
  },
  {
    name: 'the first contact after the asking one meets it; a later one logged after finds it met',
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('08') },
      { client: 'A', at: at('07') },
    ],
    followUps: { 0: { metBy: 1 } },
  },
  {
    name: "another client's contact meets nothing",
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'B', at: at('06') },
    ],
    followUps: { 0: 'pending' },
  },
  {
    name: 'a contact at the same instant as the asking one does not meet it',
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('05'), disposition: 'referral_only' },
    ],
    followUps: { 0: 'pending' },
  },
  {
    name: "a chain: each contact meets the one before's follow-up and asks its own",
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('06'), followUp: '2026-03-12' },
      { client: 'A', at: at('07') },
    ],
    followUps: { 0: { metBy: 1 }, 1: { metBy: 2 } },
  },
  {
    name: 'two pending follow-ups are both met by the next contact',
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('05'), followUp: '2026-03-10', disposition: 'referral_only' },
      { client: 'B', at: at('06', '09:00') },
      { client: 'A', at: at('06') },
    ],
    followUps: { 0: { metBy: 3 }, 1: { metBy: 3 } },
  },
  {
    name: "a follow-up goes to the least loaded case manager, then to the client's case manager",
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'B', at: at('05', '16:00'), followUp: '2026-03-09' },
      // A's case manager (U0CASE1, from A's first follow-up) though both now carry one.
      { client: 'A', at: at('06'), followUp: '2026-03-10' },
    ],
    followUps: { 0: { metBy: 2 }, 1: 'pending', 2: 'pending' },
    assignees: { 0: 'U0CASE1', 1: 'U0CASE2', 2: 'U0CASE1' },
  },
  {
    name: 'a met follow-up no longer counts towards its case manager’s load',
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'A', at: at('06') },
      // Both case managers have nothing pending: roster order.
      { client: 'B', at: at('07'), followUp: '2026-03-10' },
    ],
    followUps: { 0: { metBy: 1 }, 2: 'pending' },
    assignees: { 0: 'U0CASE1', 2: 'U0CASE1' },
  },
  {
    name: 'new clients and contacts are numbered from the program’s counters',
    counters: { client: 43, contact: 120 },
    steps: [
      { client: 'A', at: at('05'), followUp: '2026-03-09' },
      { client: 'B', at: at('04') },
      { client: 'A', at: at('06') },
    ],
    followUps: { 0: { metBy: 2 } },
  },
  {
    name: 'a client’s first contact is the earliest, a back-dated one included',
    steps: [
      { client: 'A', at: at('10') },
      { client: 'B', at: at('11') },
      { client: 'A', at: at('02') },
      { client: 'A', at: at('07') },
      { client: 'B', at: at('01', '23:30') },
    ],
    followUps: {},
  },
];

/** What a case leaves in the database, with ids replaced by the steps and codes they stand for. */
interface Outcome {
  clients: string[];
  /** Per client code: its first contact and its case manager (by Slack id). */
  clientDetails: Record<string, { firstContactAt: string; caseManager: string | null }>;
  /** Per asking step: the follow-up's assignee (by Slack id). */
  assignees: Record<number, string | null>;
  /** Per step: its contact number and client code. */
  contacts: [number, string][];
  /** Per asking step: status, meeting step, completed at, the asking contact's time kept on it. */
  followUps: Record<number, [string, number | null, string | null, string | null]>;
  /** Actions on entities, sorted (actors differ by design: a member, or carelog for an import). */
  audit: string[];
}

type Writer = (step: Step, index: number, clientIds: Map<'A' | 'B', string>) => Promise<void>;

describe.each(BACKENDS)('the rules of writing a contact on $name', (backend) => {
  const fresh = freshForEachTest(backend, [program]);
  let db: Database;
  let directory: Directory;
  beforeEach(() => {
    ({ db, directory } = fresh);
  });

  const sex = { sex: 'female', ageBand: '25-59' };
  const disposition = (s: Step) => s.disposition ?? 'resolved_on_scene';

  const throughLogContact: Writer = async (step, i, clientIds) => {
    const known = clientIds.get(step.client);
    const logged = await logContact(
      { db, keyring, directory },
      {
        program,
        author: directory.member(program.id, 'slack', 'U0CLIN1')!,
        idempotencyKey: `rules-${i}`,
        input: {
          client: known ? { kind: 'existing', clientId: known } : { kind: 'new', ...sex },
          occurredAt: new Date(step.at),
          source: 'call_for_service',
          services: [],
          referrals: [],
          disposition: disposition(step),
          incidentRef: null,
          minutesOnScene: null,
          followUpDate: step.followUp ?? null,
          followUpAssignee: null,
          notes: null,
        },
      },
    );
    clientIds.set(step.client, logged.clientId);
  };

  const throughImport: Writer = async (step, _i, clientIds) => {
    // The code the program would give a new client: the next in the program's order.
    const known = clientIds.get(step.client);
    const code = known
      ? (await db.prisma.client.findUniqueOrThrow({ where: { id: known } })).code
      : formatClientCode(
          program.clientCodePrefix,
          (await db.prisma.program.findUniqueOrThrow({ where: { id: program.id } })).nextClientNumber,
        );
    const csv = formatCsv([
      ['client_code', 'contact_date', 'source', 'disposition', 'sex', 'age_band', 'follow_up_date'],
      [code, step.at, 'call_for_service', disposition(step), sex.sex, sex.ageBand, step.followUp ?? ''],
    ]);
    const result = await importContacts({ db, keyring, directory }, { program, csv, now: NOW });
    if (!result.ok) throw new Error(`import refused: ${JSON.stringify(result.errors)}`);
    expect(result.summary.contactsCreated).toBe(1);
    if (!known) clientIds.set(step.client, (await db.prisma.client.findFirstOrThrow({ where: { code } })).id);
  };

  async function outcome(c: RuleCase, write: Writer): Promise<Outcome> {
    if (c.counters)
      await db.sql.query(`UPDATE "Program" SET "nextClientNumber" = $1, "nextContactNumber" = $2`, [
        c.counters.client,
        c.counters.contact,
      ]);
    const clientIds = new Map<'A' | 'B', string>();
    const stepOfContact = new Map<string, number>();
    for (const [i, step] of c.steps.entries()) {
      await write(step, i, clientIds);
      const newest = await db.prisma.contact.findFirstOrThrow({ orderBy: { number: 'desc' } });
      stepOfContact.set(newest.id, i);
    }
    const contacts = await db.prisma.contact.findMany({ include: { client: true } });
    const clients = await db.prisma.client.findMany({ orderBy: { number: 'asc' } });
    const followUps = await db.prisma.followUp.findMany();
    // What the contact's writing audited (the roster seeded from carelog.yml audits its own).
    const audits = await db.prisma.auditEvent.findMany({ where: { NOT: { action: { startsWith: 'roster.' } } } });
    const stepOf = (id: string | null) => (id === null ? null : stepOfContact.get(id)!);
    const name = new Map<string, string>([
      ...clients.map((k) => [k.id, k.code] as [string, string]),
      ...contacts.map((k) => [k.id, `contact of step ${stepOf(k.id)}`] as [string, string]),
      ...followUps.map((f) => [f.id, `follow-up of step ${stepOf(f.originContactId)}`] as [string, string]),
    ]);
    const slackId = (memberId: string | null) =>
      memberId === null ? null : (directory.memberById(memberId)?.platformUserId ?? memberId);
    return {
      clients: clients.map((k) => k.code),
      clientDetails: Object.fromEntries(
        clients.map((k) => [
          k.code,
          { firstContactAt: k.firstContactAt.toISOString(), caseManager: slackId(k.caseManagerId) },
        ]),
      ),
      assignees: Object.fromEntries(followUps.map((f) => [stepOf(f.originContactId), slackId(f.assigneeId)])),
      contacts: [...contacts].sort((a, b) => stepOf(a.id)! - stepOf(b.id)!).map((k) => [k.number, k.client.code]),
      followUps: Object.fromEntries(
        followUps.map((f) => [
          stepOf(f.originContactId),
          [
            f.status,
            stepOf(f.metByContactId),
            f.completedAt?.toISOString() ?? null,
            f.originOccurredAt?.toISOString() ?? null,
          ],
        ]),
      ),
      audit: audits.map((a) => `${a.action} ${a.entityType} ${name.get(a.entityId) ?? a.entityId}`).sort(),
    };
  }

  it.each(CASES)('$name', async (c) => {
    const viaService = await outcome(c, throughLogContact);
    await db.sql.exec('TRUNCATE "AuditEvent", "FollowUp", "Contact", "Client" RESTART IDENTITY CASCADE');
    await db.sql.exec(`UPDATE "Program" SET "nextClientNumber" = 1, "nextContactNumber" = 1`);
    const viaImport = await outcome(c, throughImport);

    // The rule as the table states it: met by that step's contact, as of that contact's time; and
    // each follow-up keeps the time of the contact that asked for it (the digest reads it there).
    const expected = Object.fromEntries(
      Object.entries(c.followUps).map(([asker, v]) => [
        Number(asker),
        v === 'pending'
          ? ['pending', null, null, c.steps[Number(asker)]!.at]
          : ['done', v.metBy, c.steps[v.metBy]!.at, c.steps[Number(asker)]!.at],
      ]),
    );
    expect(viaService.followUps).toEqual(expected);
    // Contacts numbered in the order they were written, clients by first appearance, both from
    // the program's counters.
    const start = c.counters ?? { client: 1, contact: 1 };
    expect(viaService.contacts.map(([n]) => n)).toEqual(c.steps.map((_, i) => start.contact + i));
    const clientsInOrder = [...new Set(c.steps.map((s) => s.client))];
    expect(viaService.clients).toEqual(clientsInOrder.map((_, i) => formatClientCode('PIC', start.client + i)));
    // A client's first contact: the earliest of its contacts, whatever order they were logged in.
    expect(
      Object.fromEntries(
        clientsInOrder.map((k, i) => [
          formatClientCode('PIC', start.client + i),
          c.steps
            .filter((s) => s.client === k)
            .map((s) => s.at)
            .sort()[0],
        ]),
      ),
    ).toEqual(Object.fromEntries(Object.entries(viaService.clientDetails).map(([k, v]) => [k, v.firstContactAt])));
    // Who follows up, where the case says; every follow-up goes to someone.
    if (c.assignees) expect(viaService.assignees).toEqual(c.assignees);
    expect(Object.values(viaService.assignees).every((a) => a !== null)).toBe(true);
    // Every write audited: a client created once, every contact, every follow-up asked and met.
    const met = Object.values(c.followUps).filter((v) => v !== 'pending').length;
    const asked = c.steps.filter((s) => s.followUp).length;
    expect(viaService.audit.filter((a) => a.startsWith('contact.create')).length).toBe(c.steps.length);
    expect(viaService.audit.filter((a) => a.startsWith('followup.create')).length).toBe(asked);
    expect(viaService.audit.filter((a) => a.startsWith('followup.complete')).length).toBe(met);
    expect(viaService.audit.filter((a) => a.startsWith('client.create')).length).toBe(viaService.clients.length);

    expect(viaImport).toEqual(viaService);
  });
});
