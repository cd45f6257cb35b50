// Every read and write of client data leaves an AuditEvent: who, what, which row, when. Never the
// content itself.
import type { SqlRunner } from '../db/migrate.js';
import type { Prisma } from '../generated/prisma/client.js';

export const AUDIT = {
  clientCreate: 'client.create',
  clientRead: 'client.read',
  contactCreate: 'contact.create',
  /** A contact's confirmation shown again, to a repeated submission of its form (clientIds: its client). */
  contactRead: 'contact.read',
  /** A CSV export of a program's contacts, without notes (entity: the program). */
  contactExport: 'contact.export',
  /** A CSV export with decrypted notes (entity: the program). */
  contactExportNotes: 'contact.export_notes',
  /**
   * A CSV export with the 42 CFR Part 2 categories in it (entity: the program; `details.notes` says
   * whether notes went too).
   */
  contactExportPart2: 'contact.export_part2',
  followUpCreate: 'followup.create',
  followUpComplete: 'followup.complete',
  followUpSnooze: 'followup.snooze',
  followUpReassign: 'followup.reassign',
  /** "Tried, no answer" recorded on a follow-up (entity: the follow-up). */
  followUpAttempt: 'followup.attempt',
  /**
   * A follow-up closed as unreachable after its last try (entity: the follow-up), written with
   * that try's `followup.attempt`.
   */
  followUpUnreachable: 'followup.unreachable',
  /** A person's follow-ups listed (entity: the person; count: how many shown; clientIds: whose). */
  followUpList: 'followup.list',
  /**
   * A DM about a follow-up sent, to its assignee or a supervisor (actor: carelog; entity: the person
   * told; clientIds: the client). Written with the record of the send, so once per message.
   */
  followUpNudge: 'followup.nudge',
  /** A referral recorded, one per referral category chosen on a contact (entity: the referral). */
  referralCreate: 'referral.create',
  /** A CSV export of a program's referrals (entity: the program; `count`: rows). */
  referralExport: 'referral.export',
  /** A referrals export with the 42 CFR Part 2 categories in it (entity: the program). */
  referralExportPart2: 'referral.export_part2',
  /**
   * A referral's status or connection date changed by `import --what referrals` (entity: the
   * referral; `details`: who ran the command).
   */
  referralImport: 'referral.import',
  /**
   * A linkage check sent to the person responsible for a referral (actor: carelog; entity: the
   * person told; clientIds: the client). Written with the record of the send, so once per message.
   */
  referralCheck: 'referral.check',
  /**
   * A supervisor (or admin) told that a linkage check could be sent to nobody (actor: carelog;
   * entity: the person told; clientIds: the client). Written with the record of the send.
   */
  referralNotice: 'referral.notice',
  /** A referral's Connected form opened, which names its category (entity: the referral). */
  referralRead: 'referral.read',
  /** Answers to a linkage check, from its message, a list or the Home tab (entity: the referral). */
  referralConnected: 'referral.connected',
  referralNotYet: 'referral.not_yet',
  referralDeclined: 'referral.declined',
  referralUnreachable: 'referral.unreachable',
  /** An open referral's checks handed to another case manager (its assignee deactivated). */
  referralReassign: 'referral.reassign',
  /** A person's open referrals listed (entity: the person; count: how many shown; clientIds: whose). */
  referralList: 'referral.list',
  /**
   * A progress report made (entity: the program; `details`: who ran it, the period and the format).
   * Aggregates only, suppressed as digests are.
   */
  reportRun: 'report.run',
  /**
   * A person added to a roster, by an admin in chat (actor) or by carelog.yml at start (actor null):
   * entity the member; `details`: by, platform, userId, rolesBefore, rolesAfter.
   */
  rosterAdd: 'roster.add',
  /** A roster member's roles changed (or a member put back): the same details. */
  rosterChange: 'roster.change',
  /** A roster member deactivated: the same details, rolesAfter empty. */
  rosterDeactivate: 'roster.deactivate',
  /**
   * A departing case manager's pending follow-ups and open referral checks handed to another
   * (entity: the member who left; count: how many; details: the successor's member id).
   */
  rosterReassign: 'roster.reassign',
  /** Notes re-encrypted under the current key (entity: the program; `count`: how many). */
  notesRekey: 'notes.rekey',
  /** Notes cleared by the program's retention setting (entity: the program; `count`: how many). */
  notesRetention: 'notes.retention',
} as const;
export type TAuditAction = (typeof AUDIT)[keyof typeof AUDIT];

export interface AuditEntry {
  programId: string;
  actorId: string | null;
  action: TAuditAction;
  entityType: 'client' | 'contact' | 'followup' | 'referral' | 'program' | 'member';
  entityId: string;
  /** Rows a bulk action covered, or how many things a list showed. */
  count?: number;
  /** Who ran a command-line action and what it covered; identifiers and flags, never content. */
  details?: Prisma.InputJsonValue;
  /** Clients whose codes the event showed (ids, never codes), when there is more than the entity. */
  clientIds?: string[];
}

type AuditWriter = Pick<Prisma.TransactionClient, 'auditEvent'>;

export async function audit(db: AuditWriter, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length) await db.auditEvent.createMany({ data: list });
}

/**
 * A bulk action done in batches (re-encrypting notes, clearing them by retention) is one AuditEvent
 * per program and run, entity the program, with `count` the rows covered so far: the first batch
 * adds it, each later one raises its count, always in that batch's own transaction, so the event
 * says exactly what was committed even if the run stops half way. Answers the event's id.
 */
export async function auditBulkInStep(
  sql: SqlRunner,
  entry: { programId: string; action: TAuditAction },
  auditId: string | null,
  count: number,
): Promise<string> {
  if (auditId !== null) {
    await sql.query('UPDATE "AuditEvent" SET count = count + $2 WHERE id = $1', [auditId, count]);
    return auditId;
  }
  const [row] = await sql.query<{ id: string }>(
    `INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", count, at)
     VALUES ($1, NULL, $2, 'program', $1, $3, (now() AT TIME ZONE 'UTC')) RETURNING id::text AS id`,
    [entry.programId, entry.action, count],
  );
  return row!.id;
}

/**
 * A person's list shown to them (their follow-ups, their open referrals): one event naming every
 * client whose code the list showed; nothing when the list was empty.
 */
export async function auditListShown(
  db: AuditWriter,
  member: { programId: string; memberId: string },
  action: TAuditAction,
  clientIds: string[],
): Promise<void> {
  if (clientIds.length === 0) return;
  await audit(db, {
    programId: member.programId,
    actorId: member.memberId,
    action,
    entityType: 'member',
    entityId: member.memberId,
    count: clientIds.length,
    clientIds: [...new Set(clientIds)],
  });
}

/**
 * A person's list as they are shown it: the facts of `ids` still readable, in that order, of which
 * the first `shown` (those the platform draws; the rest are only counted) are audited as shown to
 * them, in one AuditEvent naming their clients.
 */
export async function auditedList<F extends { clientId: string }>(
  db: AuditWriter,
  member: { programId: string; memberId: string },
  action: TAuditAction,
  ids: string[],
  byId: ReadonlyMap<string, F>,
  shown: number,
): Promise<F[]> {
  const facts = ids.map((id) => byId.get(id)).filter((f) => f !== undefined);
  await auditListShown(
    db,
    member,
    action,
    facts.slice(0, shown).map((f) => f.clientId),
  );
  return facts;
}
