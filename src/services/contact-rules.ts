// The rules of writing contacts, once, for both writers: logContact (one contact, one statement)
// and the CSV import (many contacts, a few set-based statements). Each writer builds its SQL from
// these parts, so a follow-up is met, dated and audited the same way whichever way its contact
// came in. Client codes come from formatClientCode's own definition (clientCodeSql); notes are
// sealed by sealNotes in contacts.ts.
import type { ProgramConfig } from '../config.js';
import type { SqlRunner } from '../db/migrate.js';
import { fromLocal } from '../domain/time.js';
import type { Directory } from './directory.js';

/** Timestamps are stored as UTC in `timestamp(3)` columns: an ISO string with Z keeps them so. */
export const utc = (d: Date) => d.toISOString();
/** The database's clock as UTC wall time, for `timestamp(3)` columns. */
export const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

/** A follow-up asked for on `date` (YYYY-MM-DD, the program's own) is due at the program's nudge time that day. */
export function followUpDueAt(program: ProgramConfig, date: string): Date {
  return fromLocal(date, program.followUps.nudgeAt, program.timezone);
}

/**
 * The pending follow-ups of the clients `clientFilter` picks (a condition on a client id, such as
 * `= ANY($2::uuid[])`), with the time of the contact that asked for each: rows
 * (id, client_id, asked_at).
 */
export function pendingFollowUpsSql(clientFilter: string): string {
  return `SELECT f.id, f."clientId" AS client_id, o."occurredAt" AS asked_at
            FROM "FollowUp" f JOIN "Contact" o ON o.id = f."originContactId"
           WHERE f.status = 'pending' AND f."clientId" ${clientFilter}`;
}

/** The stored contacts of the clients `clientFilter` picks: rows (id, client_id, at, number). */
export function clientContactsSql(clientFilter: string): string {
  return `SELECT id, "clientId" AS client_id, "occurredAt" AS at, number FROM "Contact" WHERE "clientId" ${clientFilter}`;
}

/**
 * THE rule: a follow-up is met by the client's next contact after the one that asked for it, at
 * that contact's time. A contact dated before the asking one (logged late) does not meet it; one
 * dated after it does even when logged late, and the follow-up is then done as of that contact,
 * not as of the save. Of two contacts at the same instant the lower number comes first.
 *
 * `followUps` gives rows (id, client_id, asked_at), `contacts` rows (id, client_id, at, number);
 * the result has a row (id, contact_id, contact_number, at) for each follow-up some contact meets.
 */
export function meetingSql(followUps: string, contacts: string): string {
  return `SELECT DISTINCT ON (f.id) f.id, c.id AS contact_id, c.number AS contact_number, c.at
            FROM (${followUps}) f JOIN (${contacts}) c ON c.client_id = f.client_id AND c.at > f.asked_at
           ORDER BY f.id, c.at, c.number`;
}

/**
 * Marks the stored follow-ups that `meeting` (a name or subquery of meetingSql's rows) meets as
 * done. Returns (id, version, contact_number): the version before the change is the one their
 * reminders carry.
 */
export function markMetSql(meeting: string): string {
  return `UPDATE "FollowUp" f
             SET status = 'done', "completedAt" = m.at, "metByContactId" = m.contact_id, version = f.version + 1, "updatedAt" = ${NOW_UTC}
            FROM ${meeting} m
           WHERE f.id = m.id AND f.status = 'pending'
       RETURNING f.id, f.version - 1 AS version, m.contact_number`;
}

/**
 * The columns a new follow-up is inserted with when `met` (an alias of a meetingSql row, all null
 * when nothing meets it) may already meet it: a contact after the asking one is on record. Such a
 * follow-up is stored done, as if it had been asked for and then met (version 2, as an update would leave it).
 */
export const NEW_FOLLOW_UP_COLUMNS = `status, version, "completedAt", "metByContactId"`;
export function newFollowUpValuesSql(met: string): string {
  return `CASE WHEN ${met}.id IS NULL THEN 'pending' ELSE 'done' END::"FollowUpStatus",
          CASE WHEN ${met}.id IS NULL THEN 1 ELSE 2 END, ${met}.at, ${met}.contact_id`;
}

/**
 * A client's first contact is the earliest of all its contacts, back-dated ones included, whichever
 * way they came in. `contacts` gives rows (id, client_id, at, number) as clientContactsSql does; the
 * result has a row (client_id, first) for each client among them.
 */
export function firstContactSql(contacts: string): string {
  return `SELECT client_id, MIN(at) AS first FROM (${contacts}) c GROUP BY client_id`;
}

/**
 * Who follows up a contact's follow-up: the person chosen on the form, else the client's case
 * manager, else the program's least loaded case manager (leastLoadedCaseManager). The CSV has no
 * assignee column, so an imported row always takes the last two.
 */
export function followUpAssignee(
  chosen: string | null,
  clientCaseManager: string | null,
  leastLoaded: string | null,
): string | null {
  return chosen ?? clientCaseManager ?? leastLoaded;
}

/** followUpAssignee inside a statement, where the client's case manager is a column. */
export function followUpAssigneeSql(chosen: string, clientCaseManager: string, leastLoaded: string): string {
  return `COALESCE(${chosen}, ${clientCaseManager}, ${leastLoaded})`;
}

/**
 * A client without a case manager takes the follow-up's assignee as theirs when the assignee is a
 * case manager, so the client's next follow-ups go to the same person.
 */
export function caseManagerForClientWithout(
  directory: Directory,
  followUpWanted: boolean,
  assignee: string | null,
): string | null {
  return followUpWanted && assignee && directory.memberById(assignee)?.roles.includes('case_manager') ? assignee : null;
}

/**
 * The pending follow-ups of each of the program's case managers, to choose the least loaded: read
 * once, then counted up as a writer hands out follow-ups (an import hands out many).
 */
export class CaseManagerLoad {
  private constructor(
    private readonly managers: string[],
    private readonly pending: Map<string, number>,
  ) {}

  static async read(sql: SqlRunner, directory: Directory, programId: string): Promise<CaseManagerLoad> {
    const managers = directory.withRole(programId, 'case_manager').map((m) => m.memberId);
    // With one case manager (or none) there is nothing to compare: no query.
    const load =
      managers.length > 1
        ? await sql.query<{ assigneeId: string; n: number }>(
            `SELECT "assigneeId", count(*)::int AS n FROM "FollowUp"
              WHERE "programId" = $1 AND status = 'pending' AND "assigneeId" = ANY($2::uuid[]) GROUP BY "assigneeId"`,
            [programId, managers],
          )
        : [];
    return new CaseManagerLoad(managers, new Map(load.map((l) => [l.assigneeId, l.n])));
  }

  /** The case manager with the fewest pending follow-ups (roster order breaks ties), or null with none. */
  leastLoaded(): string | null {
    let best: string | null = null;
    for (const m of this.managers) {
      if (best === null || (this.pending.get(m) ?? 0) < (this.pending.get(best) ?? 0)) best = m;
    }
    return best;
  }

  /** Counts a follow-up handed to `memberId` (a case manager or not). */
  assign(memberId: string): void {
    if (this.managers.includes(memberId)) this.pending.set(memberId, (this.pending.get(memberId) ?? 0) + 1);
  }
}
