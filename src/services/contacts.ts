// Logging a contact: one transaction writes the client (if new), the contact, the follow-up and the
// audit trail, or nothing at all. An idempotency key backed by a unique constraint makes retries
// and double submits return the first result instead of writing a second contact.
import type { ProgramConfig } from '../config.js';
import { clientCodeSql, type ContactInput } from '../domain/contact.js';
import { followUpRules } from '../domain/followups.js';
import { firstCheckAt } from '../domain/referrals.js';
import { toLocal } from '../domain/time.js';
import { CarelogError } from '../errors.js';
import { randomUUID } from 'node:crypto';
import type { Database } from '../db/client.js';
import type { SqlRunner } from '../db/migrate.js';
import { AUDIT } from './audit.js';
import {
  caseManagerForClientWithout,
  CaseManagerLoad,
  clientContactsSql,
  firstContactSql,
  followUpAssigneeSql,
  followUpDueAt,
  markMetSql,
  meetingSql,
  NEW_FOLLOW_UP_COLUMNS,
  newFollowUpValuesSql,
  NOW_UTC,
  pendingFollowUpsSql,
  utc,
} from './contact-rules.js';
import type { Keyring } from './crypto.js';
import type { Directory, MemberRef } from './directory.js';

export interface ContactServiceDeps {
  db: Database;
  keyring: Keyring;
  directory: Directory;
  /** The clock linkage checks are timed from (defaults to the system clock). */
  now?: () => Date;
}

export interface LogContactRequest {
  program: ProgramConfig;
  author: MemberRef;
  idempotencyKey: string;
  input: ContactInput;
}

export interface LoggedContact {
  /** False when this request repeated one already stored (a retry or a double submit). */
  created: boolean;
  contactId: string;
  contactNumber: number;
  clientId: string;
  clientCode: string;
  newClient: boolean;
  /**
   * The follow-up this contact asked for. It is born met (`pending` false) when a contact after
   * this one is already on record (a contact logged late): that one met it.
   */
  followUp: {
    id: string;
    date: string;
    dueAt: Date;
    assigneeMemberId: string | null;
    /** The assignee is the client's own case manager (as the client stands after this save). */
    assigneeIsClientsCaseManager: boolean;
    pending: boolean;
    /** When born met: the date (the program's own, YYYY-MM-DD) of the contact that met it. */
    metOn: string | null;
  } | null;
  /**
   * Stored follow-ups this save completed, with the version their reminders carry and the number
   * of the contact that met each (this one, unless the rule found an earlier one on record).
   */
  followUpsMet: { id: string; version: number; contactNumber: number }[];
  /**
   * The referrals this save recorded, one per referral category, with when their first linkage
   * check is due and the member it goes to. Empty for a repeated submission.
   */
  referrals: { id: string; category: string; nextCheckAt: Date | null; assigneeMemberId: string | null }[];
}

/** A form field the database disagreed with; the form shows the message beside that field. */
export class ContactFieldError extends CarelogError {
  constructor(
    readonly field: 'client' | 'follow_up_assignee',
    message: string,
  ) {
    super('invalid_input', message);
  }
}

/** Whose notes an envelope holds: the contact, in its program. */
export interface NotesOwner {
  programId: string;
  contactId: string;
}

/**
 * Binds a contact's notes to their program and to the contact itself, so an envelope copied into
 * another contact's row (or another program) does not open there. Program ids hold no `:`.
 */
export function notesContext(owner: NotesOwner): string {
  return `carelog:notes:${owner.programId}:${owner.contactId}`;
}

/** What v1 envelopes were bound to: the program only. They still open; `rekey` rewrites them as v2. */
export function legacyNotesContext(programId: string): string {
  return `carelog:notes:${programId}`;
}

/** Seals a contact's notes (its id is chosen by carelog before the row is written). */
export function sealNotes(keyring: Keyring, owner: NotesOwner, notes: string): { envelope: string; keyId: string } {
  return keyring.encrypt(notes, notesContext(owner));
}

/** Opens a contact's notes: a v2 envelope only under this contact, a v1 one under its program. */
export function openNotes(keyring: Keyring, owner: NotesOwner, envelope: string): string {
  return keyring.decrypt(envelope, notesContext(owner), legacyNotesContext(owner.programId));
}

/** Postgres (and PGlite) report a unique-constraint violation as SQLSTATE 23505. */
function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

/**
 * Writes the client (if new), the contact, the follow-up and the audit trail as one SQL statement,
 * or nothing. The program row is the numbering lock (client codes and contact numbers have no
 * gaps), so the time it is held is what concurrent saves of one program wait on: as one statement
 * it is held for that statement and its commit alone, where a transaction of seven statements held
 * it across seven round trips and saves queued behind one another (`npm run bench -- chat`, 20 at
 * a time: p99 102 -> ~46 ms; BENCHMARKS.md). A save is one round trip (two with more than one case
 * manager to choose from); a repeat is found after the statement has written nothing.
 *
 * Two saves for one client at the same moment: the statement sees the database as it was when it
 * began, before it waited for the other save's lock. So a follow-up the other save has just asked
 * for is not met by this contact (it was asked for at the same moment, not before), where the
 * transaction saw it and met it whenever it committed second. The least loaded case manager is
 * likewise read before the lock: two saves at once may pick the same one.
 */
export async function logContact(deps: ContactServiceDeps, req: LogContactRequest): Promise<LoggedContact> {
  const { db, keyring, directory } = deps;
  const { program, author, input } = req;
  const assigneeChoice = input.followUpAssignee
    ? directory.member(program.id, author.platform, input.followUpAssignee)
    : undefined;
  if (input.followUpAssignee && !assigneeChoice) {
    throw new ContactFieldError('follow_up_assignee', 'That person is not on this program’s carelog roster.');
  }
  const isNew = input.client.kind === 'new';
  const clientId = input.client.kind === 'new' ? randomUUID() : input.client.clientId;
  // Who follows up: contact-rules.ts' followUpAssignee, the rule the import applies. The least
  // loaded case manager is read before the write (no lock held); the statement uses it only when
  // the form chose no one and the client has no case manager. A client without a case manager gets
  // the assignee as theirs when they are one.
  // Referrals need someone to check on them even without a follow-up date.
  const picked =
    (input.followUpDate || input.referrals.length) && !assigneeChoice
      ? (await CaseManagerLoad.read(db.sql, directory, program.id)).leastLoaded()
      : null;
  const caseManagerIfNone = caseManagerForClientWithout(
    directory,
    input.followUpDate !== null,
    assigneeChoice?.memberId ?? picked,
  );
  // The contact's id is chosen here, not by the database: its notes are sealed to it.
  const contactId = randomUUID();
  const sealed = input.notes ? sealNotes(keyring, { programId: program.id, contactId }, input.notes) : null;
  const followUpId = input.followUpDate ? randomUUID() : null;
  const dueAt = input.followUpDate ? followUpDueAt(program, input.followUpDate) : null;
  // One referral record per category; the first linkage check at the program's nudge hour.
  const referralIds = input.referrals.map(() => randomUUID());
  const checkAt = input.referrals.length
    ? firstCheckAt(input.occurredAt, (deps.now ?? (() => new Date()))(), program.referrals, followUpRules(program))
    : null;

  let row: LogContactRow | undefined;
  try {
    [row] = await db.sql.query<LogContactRow>(LOG_CONTACT_SQL, [
      program.id,
      isNew,
      clientId,
      program.clientCodePrefix,
      input.client.kind === 'new' ? input.client.sex : null,
      input.client.kind === 'new' ? input.client.ageBand : null,
      utc(input.occurredAt),
      contactId,
      author.memberId,
      input.source,
      input.services,
      input.referrals,
      input.disposition,
      input.incidentRef,
      input.minutesOnScene,
      input.followUpDate,
      assigneeChoice?.memberId ?? null,
      picked,
      caseManagerIfNone,
      sealed?.envelope ?? null,
      sealed?.keyId ?? null,
      req.idempotencyKey,
      followUpId,
      dueAt ? utc(dueAt) : null,
      [AUDIT.clientCreate, AUDIT.contactCreate, AUDIT.followUpComplete, AUDIT.followUpCreate, AUDIT.referralCreate],
      input.onScene ?? [],
      input.transportDestination ?? null,
      input.client.kind === 'new' ? (input.client.raceEthnicity ?? []) : [],
      input.client.kind === 'new' ? (input.client.veteran ?? null) : null,
      referralIds,
      checkAt ? utc(checkAt) : null,
    ]);
  } catch (err) {
    // Two copies of one submission raced: the other one committed first. Report it as a repeat.
    if (isUniqueViolation(err)) {
      const winner = await findByIdempotencyKey(db.sql, program, req.idempotencyKey);
      if (winner) return winner;
    }
    throw err;
  }
  if (!row) {
    // Nothing was written: this submission was stored before (a retry, a second press of Save),
    // or the program is missing, or the client is not one of its clients.
    const earlier = await findByIdempotencyKey(db.sql, program, req.idempotencyKey);
    if (earlier) return earlier;
    const [known] = await db.sql.query<{ id: string }>(`SELECT id FROM "Program" WHERE id = $1`, [program.id]);
    if (!known) throw new CarelogError('unknown_program', `No program ${program.id} in the database`);
    throw new ContactFieldError('client', 'That client is not in this program. Choose again.');
  }
  return {
    created: true,
    contactId,
    contactNumber: row.contactNumber,
    clientId,
    clientCode: row.code,
    newClient: isNew,
    followUp:
      followUpId && input.followUpDate && dueAt
        ? {
            id: followUpId,
            date: input.followUpDate,
            dueAt,
            assigneeMemberId: row.assigneeId,
            assigneeIsClientsCaseManager: row.assigneeId !== null && row.assigneeId === row.clientCaseManagerId,
            pending: row.newFollowUpMet === null,
            metOn:
              row.newFollowUpMetMs === null ? null : toLocal(new Date(row.newFollowUpMetMs), program.timezone).date,
          }
        : null,
    followUpsMet: row.met.map((f) => ({
      id: f.id,
      version: Number(f.version),
      contactNumber: Number(f.contact_number),
    })),
    referrals: row.referrals.map((r) => ({
      id: r.id,
      category: r.category,
      nextCheckAt: checkAt,
      assigneeMemberId: r.assigneeId,
    })),
  };
}

interface LogContactRow {
  contactNumber: number;
  code: string;
  assigneeId: string | null;
  /** The client's case manager once the contact is saved (a client without one may have gained one). */
  clientCaseManagerId: string | null;
  met: { id: string; version: number; contact_number: number }[];
  /** The number of the stored contact that met the new follow-up at once, if one did. */
  newFollowUpMet: number | null;
  referrals: { id: string; category: string; assigneeId: string | null }[];
  /** When that contact happened (epoch milliseconds). */
  newFollowUpMetMs: number | null;
}

/**
 * The whole save. Its parts see one snapshot and pass rows on through RETURNING; the checks of
 * the foreign keys between them run at the end of the statement. The program's counters move only
 * when the client is new or is one of the program's, and the submission is not a repeat, so a
 * refused or repeated save leaves no gap; a repeat costs no extra round trip. Follow-ups are met
 * by contact-rules.ts' rule, the one the import applies: the snapshot does not hold the new
 * contact or follow-up, so they are added to what the rule looks at.
 *  $1 program  $2 new client?  $3 client id  $4 code prefix  $5 sex  $6 age band  $7 occurred at
 *  $8 contact id  $9 author  $10 source  $11 services  $12 referrals  $13 disposition  $14 CAD no.
 *  $15 minutes  $16 follow-up date  $17 chosen assignee  $18 least loaded case manager
 *  $19 case manager for a client without one  $20 notes envelope  $21 key id  $22 idempotency key
 *  $23 follow-up id  $24 follow-up due at  $25 audit actions  $26 on-scene keys  $27 transport
 *  destination  $28 race and ethnicity (new client)  $29 veteran status (new client)  $30 referral
 *  ids (one per category in $12)  $31 first linkage check
 */
const THIS_CLIENT = '= (SELECT id FROM client)';
const LOG_CONTACT_SQL = `
WITH counters AS (
  UPDATE "Program"
     SET "nextContactNumber" = "nextContactNumber" + 1,
         "nextClientNumber" = "nextClientNumber" + CASE WHEN $2::boolean THEN 1 ELSE 0 END,
         "updatedAt" = ${NOW_UTC}
   WHERE id = $1::text
     AND ($2::boolean OR EXISTS (SELECT 1 FROM "Client" WHERE id = $3::uuid AND "programId" = $1::text))
     -- A repeat writes nothing (two racing copies: the second fails on the unique key instead).
     AND NOT EXISTS (SELECT 1 FROM "Contact" WHERE "programId" = $1::text AND "idempotencyKey" = $22::text)
  RETURNING "nextContactNumber" - 1 AS contact_number, "nextClientNumber" - 1 AS client_number
), new_client AS (
  INSERT INTO "Client" (id, "programId", number, code, sex, "ageBand", "raceEthnicity", veteran, "firstContactAt", "caseManagerId", "createdAt", "updatedAt")
  SELECT $3::uuid, $1::text, client_number, ${clientCodeSql('$4::text', 'client_number')},
         $5::text, $6::text, $28::text[], $29::text, $7::timestamp(3), $19::uuid, ${NOW_UTC}, ${NOW_UTC}
    FROM counters WHERE $2::boolean
  RETURNING id, code, "caseManagerId"
), old_client AS (
  -- contact-rules.ts' first-contact rule, as the import applies it: the earliest of the client's
  -- contacts on record and this one (a contact logged late can be earlier than the first).
  UPDATE "Client" k
     SET "firstContactAt" = f.first,
         "caseManagerId" = COALESCE(k."caseManagerId", $19::uuid),
         "updatedAt" = CASE WHEN f.first IS DISTINCT FROM k."firstContactAt" OR (k."caseManagerId" IS NULL AND $19::uuid IS NOT NULL)
                            THEN ${NOW_UTC} ELSE k."updatedAt" END
    FROM (${firstContactSql(
      `${clientContactsSql('= $3::uuid')} UNION ALL SELECT $8::uuid, $3::uuid, $7::timestamp(3), NULL::int`,
    )}) f
   WHERE NOT $2::boolean AND k.id = $3::uuid AND k."programId" = $1::text AND f.client_id = k.id AND EXISTS (SELECT 1 FROM counters)
  RETURNING k.id, k.code, k."caseManagerId"
), client AS (
  SELECT * FROM new_client UNION ALL SELECT * FROM old_client
), assignee AS (
  SELECT CASE WHEN $16::date IS NOT NULL THEN ${followUpAssigneeSql('$17::uuid', 'client."caseManagerId"', '$18::uuid')} END AS id FROM client
), contact AS (
  INSERT INTO "Contact" (id, "programId", number, "clientId", "occurredAt", "authorId", source, services, referrals, disposition,
                         "incidentRef", "minutesOnScene", "followUpWanted", "followUpDate", "followUpAssigneeId",
                         "notesCiphertext", "notesKeyId", "idempotencyKey", "onScene", "transportDestination", "createdAt")
  SELECT $8::uuid, $1::text, counters.contact_number, client.id, $7::timestamp(3), $9::uuid, $10::text, $11::text[], $12::text[], $13::text,
         $14::text, $15::int, $16::date IS NOT NULL, $16::date, assignee.id,
         $20::text, $21::text, $22::text, $26::text[], $27::text, ${NOW_UTC}
    FROM counters, client, assignee
  RETURNING id
), meeting AS (
  -- The client's pending follow-ups and the one this contact asks for, against the client's
  -- contacts on record and this one.
  ${meetingSql(
    `${pendingFollowUpsSql(THIS_CLIENT)}
     UNION ALL SELECT $23::uuid, client.id, $7::timestamp(3) FROM client, contact WHERE $23::uuid IS NOT NULL`,
    `${clientContactsSql(THIS_CLIENT)}
     UNION ALL SELECT contact.id, client.id, $7::timestamp(3), counters.contact_number FROM counters, client, contact`,
  )}
), met AS (
  ${markMetSql('meeting')}
), follow_up AS (
  INSERT INTO "FollowUp" (id, "programId", "clientId", "originContactId", "dueAt", "assigneeId", ${NEW_FOLLOW_UP_COLUMNS}, "createdAt", "updatedAt")
  SELECT $23::uuid, $1::text, client.id, contact.id, $24::timestamp(3), assignee.id, ${newFollowUpValuesSql('m')}, ${NOW_UTC}, ${NOW_UTC}
    FROM client CROSS JOIN contact CROSS JOIN assignee LEFT JOIN meeting m ON m.id = $23::uuid
   WHERE $23::uuid IS NOT NULL
  RETURNING id, status, "metByContactId"
), referral AS (
  -- One per referral category, checked on by the follow-up's assignee, else the client's case
  -- manager, else the least loaded case manager.
  INSERT INTO "Referral" (id, "programId", "clientId", "contactId", category, "madeAt", "nextCheckAt", "assigneeId", "createdAt", "updatedAt")
  SELECT r.id, $1::text, client.id, contact.id, r.category, $7::timestamp(3), $31::timestamp(3),
         ${followUpAssigneeSql('assignee.id', 'client."caseManagerId"', '$18::uuid')}, ${NOW_UTC}, ${NOW_UTC}
    FROM unnest($30::uuid[], $12::text[]) AS r(id, category) CROSS JOIN client CROSS JOIN contact CROSS JOIN assignee
  RETURNING id, category, "assigneeId"
), author_source AS (
  -- The person's next form starts with this contact's source (prepareContactForm). A preference
  -- of theirs, not client data; written only when the contact is, and only when it changes.
  UPDATE "Member" SET "lastContactSource" = $10::text
   WHERE id = $9::uuid AND "lastContactSource" IS DISTINCT FROM $10::text AND EXISTS (SELECT 1 FROM contact)
  RETURNING id
), audit AS (
  INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", at)
  SELECT $1::text, $9::uuid, a.action, a.type, a.entity, ${NOW_UTC}
    FROM (SELECT 1 AS ord, ($25::text[])[1] AS action, 'client' AS type, id::text AS entity FROM new_client
          UNION ALL SELECT 2, ($25::text[])[2], 'contact', id::text FROM contact
          UNION ALL SELECT 3, ($25::text[])[3], 'followup', id::text FROM met
          UNION ALL SELECT 4, ($25::text[])[4], 'followup', id::text FROM follow_up
          UNION ALL SELECT 5, ($25::text[])[3], 'followup', id::text FROM follow_up WHERE status = 'done'
          UNION ALL SELECT 6, ($25::text[])[5], 'referral', id::text FROM referral) a
   ORDER BY a.ord
)
SELECT counters.contact_number AS "contactNumber", client.code, assignee.id AS "assigneeId",
       client."caseManagerId" AS "clientCaseManagerId",
       COALESCE((SELECT json_agg(json_build_object('id', id, 'version', version, 'contact_number', contact_number)) FROM met), '[]'::json) AS met,
       (SELECT contact_number FROM meeting WHERE id = $23::uuid) AS "newFollowUpMet",
       (SELECT (extract(epoch FROM at) * 1000)::float8 FROM meeting WHERE id = $23::uuid) AS "newFollowUpMetMs",
       COALESCE((SELECT json_agg(json_build_object('id', id, 'category', category, 'assigneeId', "assigneeId")) FROM referral), '[]'::json) AS referrals
  FROM counters, client, assignee, contact`;

async function findByIdempotencyKey(
  sql: SqlRunner,
  { id: programId, timezone }: ProgramConfig,
  key: string,
): Promise<LoggedContact | null> {
  const [row] = await sql.query<{
    id: string;
    number: number;
    clientId: string;
    code: string;
    followUpDate: string | null;
    fid: string | null;
    dueMs: number | null;
    assigneeId: string | null;
    caseManagerId: string | null;
    pending: boolean | null;
    metMs: number | null;
  }>(
    `SELECT c.id, c.number, k.id AS "clientId", k.code, k."caseManagerId", to_char(c."followUpDate", 'YYYY-MM-DD') AS "followUpDate",
            f.id AS fid, (extract(epoch FROM f."dueAt") * 1000)::float8 AS "dueMs", f."assigneeId", f.status = 'pending' AS pending,
            (extract(epoch FROM m."occurredAt") * 1000)::float8 AS "metMs"
     FROM "Contact" c JOIN "Client" k ON k.id = c."clientId"
     LEFT JOIN LATERAL (SELECT id, "dueAt", "assigneeId", status, "metByContactId" FROM "FollowUp" WHERE "originContactId" = c.id LIMIT 1) f ON true
     LEFT JOIN "Contact" m ON m.id = f."metByContactId"
     WHERE c."programId" = $1 AND c."idempotencyKey" = $2`,
    [programId, key],
  );
  if (!row) return null;
  return {
    created: false,
    contactId: row.id,
    contactNumber: row.number,
    clientId: row.clientId,
    clientCode: row.code,
    newClient: false,
    followUp:
      row.fid && row.followUpDate
        ? {
            id: row.fid,
            date: row.followUpDate,
            dueAt: new Date(row.dueMs!),
            assigneeMemberId: row.assigneeId,
            assigneeIsClientsCaseManager: row.assigneeId !== null && row.assigneeId === row.caseManagerId,
            pending: row.pending === true,
            metOn: row.metMs === null ? null : toLocal(new Date(row.metMs), timezone).date,
          }
        : null,
    followUpsMet: [],
    referrals: [],
  };
}
