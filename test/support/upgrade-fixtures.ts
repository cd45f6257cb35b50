// Data shaped like real use of carelog, written at each schema version, for the upgrade test
// (test/integration/upgrades.test.ts). One step per migration, keyed by the migration's folder
// name: a step writes with the tables and columns that existed once its migration had run, and
// fills what that migration introduced. Filling a database at version N runs the steps of every
// migration up to and including N, in order. A new migration adds its own step here; the upgrade
// test fails until it does.
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '../../src/db/migrate.js';
import { formatClientCode } from '../../src/domain/contact.js';
import { legacyNotesContext, sealNotes } from '../../src/services/contacts.js';
import { createKeyring, type Keyring } from '../../src/services/crypto.js';
import { sealV1 } from './legacy-envelope.js';

/** Two keys, as after a rotation: notes sealed under the retired one still open. */
export interface FixtureKeys {
  current: Buffer;
  retired: Buffer;
}

export interface FixtureContext {
  sql: SqlRunner;
  keys: FixtureKeys;
  /** Rows earlier steps wrote, by a name the steps share (e.g. `member.clin`, `contact.c1`). */
  ids: Map<string, string>;
  /** Every contact's notes as written (contact id → plain text); what must open after upgrades. */
  notes: Map<string, { programId: string; number: number; text: string }>;
}

export type FixtureStep = (ctx: FixtureContext) => Promise<void>;

export function fixtureKeyring(keys: FixtureKeys): Keyring {
  return createKeyring(keys.current, [keys.retired]);
}

/** The programs the steps write, as carelog.yml would name them (the read path needs their config). */
export const FIXTURE_PROGRAMS_YAML = `
programs:
  - id: alpha
    name: Alpha Co-Responders
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0ALPHA }
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

const PREFIX: Record<string, string> = { alpha: 'PIC', beta: 'DOV' };

/** A canary in every note: it must open intact, and appear nowhere else. */
const note = (name: string) => `CANARY-${name} Jane Roe, 42, said the voices were louder — café at 5th & Main`;

const utc = (iso: string) => new Date(iso).toISOString();

function id(ctx: FixtureContext, name: string): string {
  const v = ctx.ids.get(name);
  if (!v) throw new Error(`upgrade fixture: no row named ${name} (an earlier step must write it)`);
  return v;
}

/** Inserts one row; values go as parameters (arrays as Postgres arrays, objects as JSON). */
async function insert(sql: SqlRunner, table: string, row: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(row);
  const values = cols.map((c) => {
    const v = row[c];
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : v;
  });
  await sql.query(
    `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

/** The program row hands out client and contact numbers, as carelog numbers them (no gaps). */
async function nextNumber(
  ctx: FixtureContext,
  programId: string,
  column: 'nextClientNumber' | 'nextContactNumber',
): Promise<number> {
  const [row] = await ctx.sql.query<{ n: number }>(
    `UPDATE "Program" SET "${column}" = "${column}" + 1 WHERE id = $1 RETURNING "${column}" - 1 AS n`,
    [programId],
  );
  return row!.n;
}

async function member(
  ctx: FixtureContext,
  name: string,
  row: { programId: string; platform?: 'slack' | 'teams'; platformUserId: string; roles: string[]; active?: boolean },
) {
  const memberId = randomUUID();
  ctx.ids.set(`member.${name}`, memberId);
  await insert(ctx.sql, 'Member', {
    id: memberId,
    programId: row.programId,
    platform: row.platform ?? 'slack',
    platformUserId: row.platformUserId,
    roles: row.roles,
    active: row.active ?? true,
    updatedAt: utc('2026-11-01T12:00:00Z'),
  });
}

/** A client, numbered by its program. */
async function client(
  ctx: FixtureContext,
  name: string,
  row: {
    programId: string;
    sex: string;
    ageBand: string;
    firstContactAt: string;
    status?: 'active' | 'closed';
    caseManager?: string;
  },
) {
  const n = await nextNumber(ctx, row.programId, 'nextClientNumber');
  const clientId = randomUUID();
  ctx.ids.set(`client.${name}`, clientId);
  await insert(ctx.sql, 'Client', {
    id: clientId,
    programId: row.programId,
    number: n,
    code: formatClientCode(PREFIX[row.programId]!, n),
    sex: row.sex,
    ageBand: row.ageBand,
    firstContactAt: utc(row.firstContactAt),
    status: row.status ?? 'active',
    caseManagerId: row.caseManager ? id(ctx, `member.${row.caseManager}`) : null,
    updatedAt: utc(row.firstContactAt),
  });
  await audit(ctx, {
    programId: row.programId,
    actor: null,
    action: 'client.create',
    entityType: 'client',
    entityId: clientId,
    at: row.firstContactAt,
  });
}

/**
 * A contact with notes sealed as carelog sealed them at that version: `v1` (bound to the program
 * only, under `key`) before envelopes v2, `v2` (bound to program and contact) since.
 */
async function contact(
  ctx: FixtureContext,
  name: string,
  row: {
    programId: string;
    client: string;
    author: string | null;
    occurredAt: string;
    notes: 'v1' | 'v1-retired' | 'v2' | null;
    followUpDate?: string;
    followUpAssignee?: string;
    source?: string;
    services?: string[];
    referrals?: string[];
    disposition?: string;
  },
) {
  const n = await nextNumber(ctx, row.programId, 'nextContactNumber');
  const contactId = randomUUID();
  ctx.ids.set(`contact.${name}`, contactId);
  let envelope: string | null = null;
  let keyId: string | null = null;
  if (row.notes) {
    const text = note(name);
    if (row.notes === 'v2') {
      ({ envelope, keyId } = sealNotes(fixtureKeyring(ctx.keys), { programId: row.programId, contactId }, text));
    } else {
      const key = row.notes === 'v1' ? ctx.keys.current : ctx.keys.retired;
      envelope = sealV1(key, text, legacyNotesContext(row.programId));
      keyId = envelope.split('.')[1]!;
    }
    ctx.notes.set(contactId, { programId: row.programId, number: n, text });
  }
  await insert(ctx.sql, 'Contact', {
    id: contactId,
    programId: row.programId,
    number: n,
    clientId: id(ctx, `client.${row.client}`),
    occurredAt: utc(row.occurredAt),
    authorId: row.author ? id(ctx, `member.${row.author}`) : null,
    source: row.source ?? 'dispatch',
    services: row.services ?? ['crisis_intervention', 'safety_plan'],
    referrals: row.referrals ?? ['outpatient_mh'],
    disposition: row.disposition ?? 'stabilized_on_scene',
    incidentRef: `CAD-26-${String(n).padStart(5, '0')}`,
    minutesOnScene: 20 + n,
    followUpWanted: row.followUpDate !== undefined,
    followUpDate: row.followUpDate ?? null,
    followUpAssigneeId: row.followUpAssignee ? id(ctx, `member.${row.followUpAssignee}`) : null,
    notesCiphertext: envelope,
    notesKeyId: keyId,
    idempotencyKey: `k-${contactId}`,
    createdAt: utc(row.occurredAt),
  });
  await audit(ctx, {
    programId: row.programId,
    actor: row.author,
    action: 'contact.create',
    entityType: 'contact',
    entityId: contactId,
    at: row.occurredAt,
  });
}

async function followUp(
  ctx: FixtureContext,
  name: string,
  row: {
    programId: string;
    client: string;
    origin: string;
    dueAt: string;
    assignee?: string;
    status: 'pending' | 'done' | 'cancelled';
    metBy?: string;
    version?: number;
  },
) {
  const followUpId = randomUUID();
  ctx.ids.set(`followup.${name}`, followUpId);
  await insert(ctx.sql, 'FollowUp', {
    id: followUpId,
    programId: row.programId,
    clientId: id(ctx, `client.${row.client}`),
    originContactId: id(ctx, `contact.${row.origin}`),
    dueAt: utc(row.dueAt),
    assigneeId: row.assignee ? id(ctx, `member.${row.assignee}`) : null,
    status: row.status,
    version: row.version ?? 1,
    completedAt: row.status === 'pending' ? null : utc(row.dueAt),
    metByContactId: row.metBy ? id(ctx, `contact.${row.metBy}`) : null,
    updatedAt: utc(row.dueAt),
  });
  await audit(ctx, {
    programId: row.programId,
    actor: null,
    action: 'followup.create',
    entityType: 'followup',
    entityId: followUpId,
    at: row.dueAt,
  });
  if (row.status !== 'pending') {
    await audit(ctx, {
      programId: row.programId,
      actor: row.assignee ?? null,
      action: 'followup.complete',
      entityType: 'followup',
      entityId: followUpId,
      at: row.dueAt,
    });
  }
}

/** An audit row with the columns of the init schema; later steps add rows using their columns. */
async function audit(
  ctx: FixtureContext,
  row: {
    programId: string;
    actor: string | null;
    action: string;
    entityType: string;
    entityId: string;
    at: string;
    extra?: Record<string, unknown>;
  },
) {
  await insert(ctx.sql, 'AuditEvent', {
    programId: row.programId,
    actorId: row.actor ? id(ctx, `member.${row.actor}`) : null,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    at: utc(row.at),
    ...row.extra,
  });
}

export const FIXTURE_STEPS: Record<string, FixtureStep> = {
  /** Programs, the roster, clients (active, closed, with and without a case manager), contacts with v1 notes, follow-ups in each status. */
  '20261122000000_init': async (ctx) => {
    for (const p of [
      {
        id: 'alpha',
        name: 'Alpha Co-Responders',
        timezone: 'America/New_York',
        startDate: '2024-03-01',
        clientCodePrefix: 'PIC',
      },
      {
        id: 'beta',
        name: 'Beta Co-Responders',
        timezone: 'America/Los_Angeles',
        startDate: '2024-01-01',
        clientCodePrefix: 'DOV',
      },
    ]) {
      await insert(ctx.sql, 'Program', { ...p, updatedAt: utc('2026-11-01T12:00:00Z') });
    }
    await member(ctx, 'clin', { programId: 'alpha', platformUserId: 'U0CLIN1', roles: ['clinician'] });
    await member(ctx, 'cm', { programId: 'alpha', platformUserId: 'U0CM1', roles: ['case_manager'] });
    await member(ctx, 'sup', { programId: 'alpha', platformUserId: 'U0SUP1', roles: ['supervisor', 'leadership'] });
    await member(ctx, 'gone', {
      programId: 'alpha',
      platformUserId: 'U0GONE',
      roles: ['clinician', 'admin'],
      active: false,
    });
    await member(ctx, 'clinB', { programId: 'beta', platformUserId: 'U0BETA1', roles: ['clinician'] });

    await client(ctx, 'a1', {
      programId: 'alpha',
      sex: 'F',
      ageBand: '35-44',
      firstContactAt: '2026-11-02T14:05:00Z',
      caseManager: 'cm',
    });
    await client(ctx, 'a2', {
      programId: 'alpha',
      sex: 'M',
      ageBand: '18-24',
      firstContactAt: '2026-11-03T03:30:00Z',
      status: 'closed',
    });
    await client(ctx, 'a3', { programId: 'alpha', sex: 'X', ageBand: '65+', firstContactAt: '2026-11-05T20:15:00Z' });
    await client(ctx, 'b1', { programId: 'beta', sex: 'F', ageBand: '25-34', firstContactAt: '2026-11-04T18:00:00Z' });

    await contact(ctx, 'c1', {
      programId: 'alpha',
      client: 'a1',
      author: 'clin',
      occurredAt: '2026-11-02T14:05:00Z',
      notes: 'v1-retired',
      followUpDate: '2026-11-04',
      followUpAssignee: 'cm',
    });
    await contact(ctx, 'c2', {
      programId: 'alpha',
      client: 'a1',
      author: 'cm',
      occurredAt: '2026-11-04T15:00:00Z',
      notes: 'v1',
      source: 'follow_up',
    });
    await contact(ctx, 'c3', {
      programId: 'alpha',
      client: 'a2',
      author: 'gone',
      occurredAt: '2026-11-03T03:30:00Z',
      notes: null,
      followUpDate: '2026-11-06',
      services: [],
      referrals: [],
    });
    await contact(ctx, 'c4', {
      programId: 'alpha',
      client: 'a3',
      author: 'clin',
      occurredAt: '2026-11-05T20:15:00Z',
      notes: 'v1',
      followUpDate: '2026-11-30',
      followUpAssignee: 'cm',
    });
    await contact(ctx, 'c5', {
      programId: 'beta',
      client: 'b1',
      author: 'clinB',
      occurredAt: '2026-11-04T18:00:00Z',
      notes: 'v1',
      followUpDate: '2026-11-25',
    });

    await followUp(ctx, 'done', {
      programId: 'alpha',
      client: 'a1',
      origin: 'c1',
      dueAt: '2026-11-04T14:00:00Z',
      assignee: 'cm',
      status: 'done',
      metBy: 'c2',
    });
    await followUp(ctx, 'cancelled', {
      programId: 'alpha',
      client: 'a2',
      origin: 'c3',
      dueAt: '2026-11-06T14:00:00Z',
      status: 'cancelled',
      version: 2,
    });
    await followUp(ctx, 'pending', {
      programId: 'alpha',
      client: 'a3',
      origin: 'c4',
      dueAt: '2026-11-30T14:00:00Z',
      assignee: 'cm',
      status: 'pending',
      version: 3,
    });
    await followUp(ctx, 'pendingB', {
      programId: 'beta',
      client: 'b1',
      origin: 'c5',
      dueAt: '2026-11-25T17:00:00Z',
      status: 'pending',
    });
    await audit(ctx, {
      programId: 'alpha',
      actor: 'sup',
      action: 'client.read',
      entityType: 'client',
      entityId: id(ctx, 'client.a1'),
      at: '2026-11-06T09:00:00Z',
    });
  },

  /** Who last changed a follow-up, and the reminders sent about them (sent, failed, claimed). */
  '20261122230000_follow_up_nudges': async (ctx) => {
    await ctx.sql.query('UPDATE "FollowUp" SET "lastActorId" = $1 WHERE id = $2', [
      id(ctx, 'member.cm'),
      id(ctx, 'followup.done'),
    ]);
    await ctx.sql.query('UPDATE "FollowUp" SET "lastActorId" = $1 WHERE id = $2', [
      id(ctx, 'member.sup'),
      id(ctx, 'followup.cancelled'),
    ]);
    const nudges = [
      {
        followUp: 'pending',
        version: 3,
        kind: 'due',
        recipient: 'U0CM1',
        channel: 'D0CM1',
        messageTs: '1764500000.000100',
        sentAt: '2026-11-30T14:00:05Z',
        error: null,
      },
      {
        followUp: 'pending',
        version: 3,
        kind: 'escalation',
        recipient: 'U0SUP1',
        channel: null,
        messageTs: null,
        sentAt: null,
        error: 'channel_not_found',
      },
      {
        followUp: 'pendingB',
        version: 1,
        kind: 'overdue',
        recipient: 'U0BETA1',
        channel: null,
        messageTs: null,
        sentAt: null,
        error: null,
      },
    ];
    for (const [i, n] of nudges.entries()) {
      const nudgeId = randomUUID();
      ctx.ids.set(`nudge.${i}`, nudgeId);
      await insert(ctx.sql, 'Nudge', {
        id: nudgeId,
        followUpId: id(ctx, `followup.${n.followUp}`),
        version: n.version,
        kind: n.kind,
        platform: 'slack',
        recipient: n.recipient,
        channel: n.channel,
        messageTs: n.messageTs,
        claimedAt: utc('2026-11-30T14:00:00Z'),
        sentAt: n.sentAt ? utc(n.sentAt) : null,
        error: n.error,
      });
    }
  },

  /** Digests posted and one still posting, weekly and quarterly, scheduled and asked for. */
  '20261122233000_digest_runs': async (ctx) => {
    const runs = [
      {
        programId: 'alpha',
        kind: 'week',
        periodLabel: '2026-W45',
        status: 'posted',
        channel: 'C0LEAD',
        messageTs: '1763400000.000200',
        requestedBy: null,
        postedAt: '2026-11-09T13:00:02Z',
      },
      {
        programId: 'alpha',
        kind: 'quarter',
        periodLabel: '2026-Q3',
        status: 'posting',
        channel: null,
        messageTs: null,
        requestedBy: id(ctx, 'member.sup'),
        postedAt: null,
      },
      {
        programId: 'beta',
        kind: 'week',
        periodLabel: '2026-W45',
        status: 'posted',
        channel: 'C0BETA',
        messageTs: '1763400000.000300',
        requestedBy: null,
        postedAt: '2026-11-09T16:00:01Z',
      },
    ];
    for (const r of runs) {
      await insert(ctx.sql, 'DigestRun', {
        id: randomUUID(),
        ...r,
        platform: 'slack',
        claimedAt: utc('2026-11-09T13:00:00Z'),
        postedAt: r.postedAt ? utc(r.postedAt) : null,
      });
    }
  },

  /** A contact imported from a file: no author on the roster. */
  '20261122234500_contact_author_optional': async (ctx) => {
    await contact(ctx, 'imported', {
      programId: 'alpha',
      client: 'a2',
      author: null,
      occurredAt: '2026-10-20T16:00:00Z',
      notes: 'v1',
      source: 'walk_in',
    });
  },

  /** A Teams member, where carelog reaches them, and a contact and reminder of theirs. */
  '20261201000000_teams': async (ctx) => {
    await member(ctx, 'teamsClin', {
      programId: 'alpha',
      platform: 'teams',
      platformUserId: '29:1AbCdEfTeamsUser',
      roles: ['clinician', 'case_manager'],
    });
    await insert(ctx.sql, 'ConversationRef', {
      id: randomUUID(),
      platform: 'teams',
      userId: '29:1AbCdEfTeamsUser',
      address: '29:1AbCdEfTeamsUser',
      tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
      conversationId: 'a:1Xyz-personal-chat',
      updatedAt: utc('2026-12-01T08:00:00Z'),
    });
    await contact(ctx, 'teams', {
      programId: 'alpha',
      client: 'a3',
      author: 'teamsClin',
      occurredAt: '2026-12-01T09:10:00Z',
      notes: 'v1',
      followUpDate: '2026-12-03',
      followUpAssignee: 'teamsClin',
    });
    await followUp(ctx, 'teams', {
      programId: 'alpha',
      client: 'a3',
      origin: 'teams',
      dueAt: '2026-12-03T14:00:00Z',
      assignee: 'teamsClin',
      status: 'pending',
    });
    await insert(ctx.sql, 'Nudge', {
      id: randomUUID(),
      followUpId: id(ctx, 'followup.teams'),
      version: 1,
      kind: 'due',
      platform: 'teams',
      recipient: '29:1AbCdEfTeamsUser',
      channel: 'a:1Xyz-personal-chat',
      messageTs: '1764755000000',
      claimedAt: utc('2026-12-03T14:00:00Z'),
      sentAt: utc('2026-12-03T14:00:01Z'),
    });
  },

  /** Bulk actions and lists audited with how many rows they covered. */
  '20261201074500_audit_event_count': async (ctx) => {
    await audit(ctx, {
      programId: 'alpha',
      actor: null,
      action: 'notes.rekey',
      entityType: 'program',
      entityId: 'alpha',
      at: '2026-12-01T10:00:00Z',
      extra: { count: 4 },
    });
    await audit(ctx, {
      programId: 'alpha',
      actor: 'cm',
      action: 'followup.list',
      entityType: 'member',
      entityId: id(ctx, 'member.cm'),
      at: '2026-12-01T10:05:00Z',
      extra: { count: 2 },
    });
    await audit(ctx, {
      programId: 'beta',
      actor: null,
      action: 'contact.export',
      entityType: 'program',
      entityId: 'beta',
      at: '2026-12-01T10:10:00Z',
      extra: { count: 1 },
    });
  },

  /** Command-line actions audited with who ran them; from here on notes are sealed as v2. */
  '20261202130000_audit_event_details': async (ctx) => {
    await audit(ctx, {
      programId: 'alpha',
      actor: null,
      action: 'contact.export_notes',
      entityType: 'program',
      entityId: 'alpha',
      at: '2026-12-02T13:05:00Z',
      extra: {
        count: 6,
        details: { osUser: 'operator', host: 'carelog-host', actor: null, notes: true, part2: false },
      },
    });
    await contact(ctx, 'v2', {
      programId: 'alpha',
      client: 'a1',
      author: 'clin',
      occurredAt: '2026-12-02T13:06:00Z',
      notes: 'v2',
    });
  },

  /** Events that showed several clients name them all. */
  '20261202130500_audit_event_client_ids': async (ctx) => {
    await audit(ctx, {
      programId: 'alpha',
      actor: 'cm',
      action: 'followup.list',
      entityType: 'member',
      entityId: id(ctx, 'member.cm'),
      at: '2026-12-02T13:10:00Z',
      extra: { count: 2, clientIds: [id(ctx, 'client.a1'), id(ctx, 'client.a3')] },
    });
    await audit(ctx, {
      programId: 'alpha',
      actor: null,
      action: 'followup.nudge',
      entityType: 'member',
      entityId: id(ctx, 'member.cm'),
      at: '2026-12-02T13:11:00Z',
      extra: { clientIds: [id(ctx, 'client.a3')] },
    });
    await contact(ctx, 'latest', {
      programId: 'beta',
      client: 'b1',
      author: 'clinB',
      occurredAt: '2026-12-02T13:12:00Z',
      notes: 'v2',
    });
  },

  /**
   * Referrals as records with their linkage checks, on-scene outcomes and transport destinations,
   * optional demographics, and follow-up attempts (a follow-up closed as unreachable).
   */
  '20261202170000_referrals_outcomes': async (ctx) => {
    const clientId = randomUUID();
    ctx.ids.set('client.a9', clientId);
    const number = await nextNumber(ctx, 'alpha', 'nextClientNumber');
    await insert(ctx.sql, 'Client', {
      id: clientId,
      programId: 'alpha',
      number,
      code: formatClientCode(PREFIX.alpha!, number),
      sex: 'female',
      ageBand: '25-59',
      raceEthnicity: ['black_african_american', 'hispanic_latino'],
      veteran: 'no',
      firstContactAt: utc('2026-12-02T17:00:00Z'),
      caseManagerId: id(ctx, 'member.cm'),
      updatedAt: utc('2026-12-02T17:00:00Z'),
    });
    await contact(ctx, 'onscene', {
      programId: 'alpha',
      client: 'a9',
      author: 'clin',
      occurredAt: '2026-12-02T17:00:00Z',
      notes: 'v2',
      followUpDate: '2026-12-03',
      followUpAssignee: 'cm',
      referrals: ['mental_health_treatment', 'addiction_treatment'],
      disposition: 'voluntary_transport',
    });
    await ctx.sql.query(`UPDATE "Contact" SET "onScene" = $2, "transportDestination" = $3 WHERE id = $1`, [
      id(ctx, 'contact.onscene'),
      ['police_backup_requested', 'ed_avoided'],
      'crisis_center',
    ]);
    await followUp(ctx, 'tried', {
      programId: 'alpha',
      client: 'a9',
      origin: 'onscene',
      dueAt: '2026-12-03T14:00:00Z',
      assignee: 'cm',
      status: 'done',
    });
    await ctx.sql.query(
      `UPDATE "FollowUp" SET status = 'unreachable', attempts = 3, "lastAttemptAt" = $2 WHERE id = $1`,
      [id(ctx, 'followup.tried'), utc('2026-12-07T14:05:00Z')],
    );
    for (const [name, category, status] of [
      ['mh', 'mental_health_treatment', 'connected'],
      ['sud', 'addiction_treatment', 'made'],
    ] as const) {
      const referralId = randomUUID();
      ctx.ids.set(`referral.${name}`, referralId);
      await insert(ctx.sql, 'Referral', {
        id: referralId,
        programId: 'alpha',
        clientId,
        contactId: id(ctx, 'contact.onscene'),
        category,
        madeAt: utc('2026-12-02T17:00:00Z'),
        status,
        connectedOn: status === 'connected' ? '2026-12-08' : null,
        closedAt: status === 'connected' ? utc('2026-12-09T14:10:00Z') : null,
        checks: status === 'connected' ? 1 : 0,
        nextCheckAt: status === 'made' ? utc('2026-12-09T14:00:00Z') : null,
        assigneeId: id(ctx, 'member.cm'),
        version: status === 'connected' ? 2 : 1,
        lastActorId: status === 'connected' ? id(ctx, 'member.cm') : null,
        updatedAt: utc('2026-12-09T14:10:00Z'),
      });
      await audit(ctx, {
        programId: 'alpha',
        actor: 'clin',
        action: 'referral.create',
        entityType: 'referral',
        entityId: referralId,
        at: '2026-12-02T17:00:00Z',
      });
    }
    await insert(ctx.sql, 'ReferralCheck', {
      id: randomUUID(),
      referralId: id(ctx, 'referral.mh'),
      version: 1,
      platform: 'slack',
      recipient: 'U0CM1',
      channel: 'D0CM1',
      messageTs: '1765290000.000100',
      claimedAt: utc('2026-12-09T14:00:00Z'),
      sentAt: utc('2026-12-09T14:00:01Z'),
      error: null,
    });
    await insert(ctx.sql, 'ReferralCheck', {
      id: randomUUID(),
      referralId: id(ctx, 'referral.mh'),
      version: 2,
      platform: 'slack',
      recipient: 'U0GONE1',
      channel: null,
      messageTs: null,
      claimedAt: utc('2026-12-09T14:00:00Z'),
      sentAt: null,
      error: 'user_not_found',
    });
  },

  /** The supervisors told that the follow-up tried three times closed as unreachable. */
  '20261202174500_nudge_kind_unreachable': async (ctx) => {
    await ctx.sql.query(`UPDATE "FollowUp" SET version = 4, "completedAt" = $2 WHERE id = $1`, [
      id(ctx, 'followup.tried'),
      utc('2026-12-07T14:05:00Z'),
    ]);
    for (const [recipient, sent] of [
      ['U0SUP1', true],
      ['U0GONE1', false],
    ] as const) {
      await insert(ctx.sql, 'Nudge', {
        id: randomUUID(),
        followUpId: id(ctx, 'followup.tried'),
        version: 4,
        kind: 'unreachable',
        platform: 'slack',
        recipient,
        channel: sent ? 'D0SUP1' : null,
        messageTs: sent ? '1765116300.000100' : null,
        claimedAt: utc('2026-12-07T14:05:01Z'),
        sentAt: sent ? utc('2026-12-07T14:05:02Z') : null,
        error: sent ? null : 'user_not_found',
      });
    }
    for (const [action, at] of [
      ['followup.attempt', '2026-12-07T14:05:00Z'],
      ['followup.unreachable', '2026-12-07T14:05:00Z'],
    ] as const)
      await audit(ctx, {
        programId: 'alpha',
        actor: 'cm',
        action,
        entityType: 'followup',
        entityId: id(ctx, 'followup.tried'),
        at,
      });
    await audit(ctx, {
      programId: 'alpha',
      actor: null,
      action: 'followup.nudge',
      entityType: 'member',
      entityId: id(ctx, 'member.sup'),
      at: '2026-12-07T14:05:02Z',
      extra: { clientIds: [id(ctx, 'client.a9')] },
    });
  },

  /** The digest finds connections by status and day: a referral connected on a later contact, one declined. */
  '20261202174500_referral_connections_index': async (ctx) => {
    await contact(ctx, 'linked', {
      programId: 'alpha',
      client: 'a9',
      author: 'clin',
      occurredAt: '2026-12-02T17:50:00Z',
      notes: 'v2',
      referrals: ['social_services', 'other'],
      disposition: 'referral_only',
    });
    for (const [category, status] of [
      ['social_services', 'connected'],
      ['other', 'declined'],
    ] as const) {
      const referralId = randomUUID();
      await insert(ctx.sql, 'Referral', {
        id: referralId,
        programId: 'alpha',
        clientId: id(ctx, 'client.a9'),
        contactId: id(ctx, 'contact.linked'),
        category,
        madeAt: utc('2026-12-02T17:50:00Z'),
        status,
        connectedOn: status === 'connected' ? '2026-12-04' : null,
        closedAt: utc('2026-12-04T15:00:00Z'),
        checks: 1,
        nextCheckAt: null,
        assigneeId: id(ctx, 'member.cm'),
        version: 2,
        lastActorId: id(ctx, 'member.cm'),
        updatedAt: utc('2026-12-04T15:00:00Z'),
      });
      await audit(ctx, {
        programId: 'alpha',
        actor: 'clin',
        action: 'referral.create',
        entityType: 'referral',
        entityId: referralId,
        at: '2026-12-02T17:50:00Z',
      });
    }
  },

  /** A supervisor told that the Part 2 referral's check reached nobody (the case manager gone). */
  '20261203063000_referral_check_kind': async (ctx) => {
    await insert(ctx.sql, 'ReferralCheck', {
      id: randomUUID(),
      referralId: id(ctx, 'referral.sud'),
      version: 1,
      kind: 'check',
      platform: 'slack',
      recipient: 'U0GONE1',
      channel: null,
      messageTs: null,
      claimedAt: utc('2026-12-09T14:00:00Z'),
      sentAt: null,
      error: 'user_not_found',
    });
    await insert(ctx.sql, 'ReferralCheck', {
      id: randomUUID(),
      referralId: id(ctx, 'referral.sud'),
      version: 1,
      kind: 'supervisor_notice',
      platform: 'slack',
      recipient: 'U0SUP1',
      channel: 'D0SUP1',
      messageTs: '1765290000.000200',
      claimedAt: utc('2026-12-09T14:00:02Z'),
      sentAt: utc('2026-12-09T14:00:03Z'),
      error: null,
    });
    await audit(ctx, {
      programId: 'alpha',
      actor: null,
      action: 'referral.notice',
      entityType: 'member',
      entityId: id(ctx, 'member.sup'),
      at: '2026-12-09T14:00:03Z',
      extra: { clientIds: [id(ctx, 'client.a9')] },
    });
  },

  /**
   * Follow-ups keep their asking contact's time: earlier ones by the migration's backfill, this one
   * (written without it, as older code still running during a release would) by the insert trigger.
   */
  '20261203064500_digest_indexes': async (ctx) => {
    await contact(ctx, 'asks', {
      programId: 'alpha',
      client: 'a9',
      author: 'clin',
      occurredAt: '2026-12-03T15:20:00Z',
      notes: null,
      followUpDate: '2026-12-05',
      disposition: 'resolved_on_scene',
    });
    await followUp(ctx, 'asked', {
      programId: 'alpha',
      client: 'a9',
      origin: 'asks',
      dueAt: '2026-12-05T14:00:00Z',
      status: 'pending',
    });
  },

  /** The clinician's next form starts with the source of their last contact. */
  '20261203070000_member_last_contact_source': async (ctx) => {
    await ctx.sql.query(`UPDATE "Member" SET "lastContactSource" = $2 WHERE id = $1`, [
      id(ctx, 'member.clin'),
      'call_for_service',
    ]);
  },

  /** The roster in the database: a version per program, people added and changed in chat, welcomes sent and owed. */
  '20261203070000_roster_in_database': async (ctx) => {
    for (const [programId, version] of [
      ['alpha', 3],
      ['beta', 1],
    ] as const)
      await insert(ctx.sql, 'RosterVersion', { programId, version, updatedAt: utc('2026-12-03T07:00:00Z') });
    for (const [name, slack, welcomed] of [
      ['newcomer', 'U0NEW01', true],
      ['pending', 'U0NEW02', false],
    ] as const) {
      const memberId = randomUUID();
      ctx.ids.set(`member.${name}`, memberId);
      await insert(ctx.sql, 'Member', {
        id: memberId,
        programId: 'alpha',
        platform: 'slack',
        platformUserId: slack,
        roles: ['clinician'],
        active: true,
        source: 'chat',
        welcomeOwed: !welcomed,
        welcomedAt: welcomed ? utc('2026-12-03T07:01:00Z') : null,
        updatedAt: utc('2026-12-03T07:00:00Z'),
      });
      await audit(ctx, {
        programId: 'alpha',
        actor: 'cm',
        action: 'roster.add',
        entityType: 'member',
        entityId: memberId,
        at: '2026-12-03T07:00:00Z',
        extra: {
          details: JSON.stringify({
            by: 'chat',
            platform: 'slack',
            userId: slack,
            rolesBefore: [],
            rolesAfter: ['clinician'],
          }),
        },
      });
    }
  },

  /** A quarterly Slack digest with its progress report PDF uploaded in its thread, and one mid-upload. */
  '20261203080000_digest_report_pdf': async (ctx) => {
    for (const [periodLabel, uploaded] of [
      ['2026-Q2', true],
      ['2026-Q1', false],
    ] as const)
      await insert(ctx.sql, 'DigestRun', {
        id: randomUUID(),
        programId: 'alpha',
        kind: 'quarter',
        periodLabel,
        platform: 'slack',
        status: 'posted',
        channel: 'C0ALPHA',
        messageTs: uploaded ? '1782900000.000100' : '1775000000.000100',
        requestedBy: null,
        claimedAt: utc('2026-12-03T08:00:00Z'),
        postedAt: utc('2026-12-03T08:00:01Z'),
        reportStatus: uploaded ? 'uploaded' : 'uploading',
        reportClaimedAt: utc('2026-12-03T08:00:02Z'),
        reportFileId: uploaded ? 'F0REPORT01' : null,
        reportUploadedAt: uploaded ? utc('2026-12-03T08:00:04Z') : null,
      });
  },

  /** No parallel scans of follow-ups and referrals, and the contacts index of the digest narrowed: no data changes, nothing new to fill. */
  '20261203110000_digest_serial_scans_and_index': async () => {},
};
