// Every read and write of client data leaves an AuditEvent: who, what, which row, when. Never the
// content itself.
import type { SqlRunner } from '../db/migrate.js';
import type { Prisma } from '../generated/prisma/client.js';

export const AUDIT = {
  clientCreate: 'client.create',
  clientRead: 'client.read',
  clientSearch: 'client.search',
  contactCreate: 'contact.create',
  /** A CSV export of a program's contacts, without notes (entity: the program). */
  contactExport: 'contact.export',
  /** A CSV export with decrypted notes (entity: the program). */
  contactExportNotes: 'contact.export_notes',
  followUpCreate: 'followup.create',
  followUpComplete: 'followup.complete',
  followUpSnooze: 'followup.snooze',
  followUpReassign: 'followup.reassign',
  followUpList: 'followup.list',
} as const;
export type TAuditAction = (typeof AUDIT)[keyof typeof AUDIT];

export interface AuditEntry {
  programId: string;
  actorId: string | null;
  action: TAuditAction;
  entityType: 'client' | 'contact' | 'followup' | 'program' | 'member';
  entityId: string;
}

type AuditWriter = Pick<Prisma.TransactionClient, 'auditEvent'>;

export async function audit(db: AuditWriter, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length) await db.auditEvent.createMany({ data: list });
}

/** The same, on a plain SQL connection (inside Database.transaction): one INSERT for all. */
export async function auditSql(sql: SqlRunner, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await sql.query(
    `INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", at)
     SELECT u.p, u.a, u.act, u.t, u.e, (now() AT TIME ZONE 'UTC')
     FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[]) AS u(p, a, act, t, e)`,
    [entries.map((x) => x.programId), entries.map((x) => x.actorId), entries.map((x) => x.action), entries.map((x) => x.entityType), entries.map((x) => x.entityId)],
  );
}
