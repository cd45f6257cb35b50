// Referrals out and outcomes back in (`export --what referrals`, `import --what referrals`). The
// export writes one row per referral with its status and dates, under the contacts export's Part 2
// rule and audit; the import reads the same file and records the statuses and connection dates it
// gives, checking every row before anything is written, in one transaction.
import type { ProgramConfig } from '../config.js';
import { part2NoticeLine, PART2_NOTICE, sortErrors, type ImportError } from '../domain/contact-csv.js';
import { formatCsv } from '../domain/csv.js';
import { followUpRules } from '../domain/followups.js';
import {
  localToday,
  parseReferralsCsv,
  planReferralChanges,
  REFERRAL_COLUMN,
  REFERRAL_EXPORT_COLUMNS,
  type StoredReferral,
  type TReferralColumn,
} from '../domain/referral-csv.js';
import type { TReferralStatus } from '../domain/referrals.js';
import { addDays, fromLocal, toLocal } from '../domain/time.js';
import type { Database } from '../db/client.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { audit, AUDIT } from './audit.js';
import type { ExportActor } from './csv-export.js';

export interface ReferralExportRequest {
  program: ProgramConfig;
  /** First and last local day (YYYY-MM-DD) the referrals were made, both included. */
  from: string;
  to: string;
  /** Keep referrals to the program's Part 2 categories (default: left out). */
  includePart2?: boolean;
  actor: ExportActor;
}

export interface ReferralExport {
  columns: TReferralColumn[];
  /** One row per referral, by contact number then category, values in `columns` order. */
  rows: string[][];
  /** The 42 CFR 2.32 statement, when Part 2 referrals are in the rows; null otherwise. */
  notice: string | null;
}

/**
 * The program's referrals made in those local days. Without `includePart2`, a referral to a Part 2
 * category is left out entirely (no row, no count), as the contacts export drops it from its list.
 */
export async function exportReferrals(
  deps: { prisma: PrismaClient },
  req: ReferralExportRequest,
): Promise<ReferralExport> {
  const { program } = req;
  const includePart2 = req.includePart2 === true;
  const part2 = program.categories.referrals.filter((c) => c.part2).map((c) => c.key);
  const referrals = await deps.prisma.referral.findMany({
    where: {
      programId: program.id,
      madeAt: {
        gte: fromLocal(req.from, '00:00', program.timezone),
        lt: fromLocal(addDays(req.to, 1), '00:00', program.timezone),
      },
      ...(includePart2 ? {} : { category: { notIn: part2 } }),
    },
    orderBy: [{ contact: { number: 'asc' } }, { category: 'asc' }],
    select: {
      id: true,
      category: true,
      madeAt: true,
      status: true,
      connectedOn: true,
      closedAt: true,
      checks: true,
      contact: { select: { number: true } },
      client: { select: { code: true } },
    },
  });
  const columns = [...REFERRAL_EXPORT_COLUMNS];
  const day = (at: Date) => toLocal(at, program.timezone).date;
  const rows = referrals.map((r) => {
    const value: Record<TReferralColumn, string> = {
      [REFERRAL_COLUMN.referralId]: r.id,
      [REFERRAL_COLUMN.contactNumber]: String(r.contact.number),
      [REFERRAL_COLUMN.clientCode]: r.client.code,
      [REFERRAL_COLUMN.category]: r.category,
      [REFERRAL_COLUMN.madeOn]: day(r.madeAt),
      [REFERRAL_COLUMN.status]: r.status,
      // A date column: the day as stored, with no time zone to apply.
      [REFERRAL_COLUMN.connectedOn]: r.connectedOn ? r.connectedOn.toISOString().slice(0, 10) : '',
      [REFERRAL_COLUMN.closedOn]: r.closedAt ? day(r.closedAt) : '',
      [REFERRAL_COLUMN.checks]: String(r.checks),
    };
    return columns.map((c) => value[c]);
  });
  const { actor } = req;
  await audit(deps.prisma, {
    programId: program.id,
    actorId: actor.memberId,
    action: includePart2 ? AUDIT.referralExportPart2 : AUDIT.referralExport,
    entityType: 'program',
    entityId: program.id,
    count: rows.length,
    details: { osUser: actor.osUser, host: actor.host, actor: actor.named, part2: includePart2 },
  });
  return { columns, rows, notice: includePart2 ? PART2_NOTICE : null };
}

/** The export as CSV text: the Part 2 notice line if any, then the header, then the rows. */
export function referralExportCsv(e: ReferralExport): string {
  return formatCsv([...(e.notice ? [[part2NoticeLine()]] : []), [...e.columns], ...e.rows]);
}

/** The export as JSON: an array of referrals keyed by column, or `{ notice, referrals }`. */
export function referralExportJson(e: ReferralExport): string {
  const referrals = e.rows.map((r) => Object.fromEntries(e.columns.map((c, i) => [c, r[i]])));
  return `${JSON.stringify(e.notice ? { notice: e.notice, referrals } : referrals, null, 2)}\n`;
}

export interface ReferralImportRequest {
  program: ProgramConfig;
  csv: string;
  actor: ExportActor;
  now?: Date;
}

export interface ReferralImportSummary {
  /** Data rows in the file (blank lines aside). */
  rows: number;
  /** Referrals whose status or connection date changed. */
  changed: number;
  /** Rows that matched what was already recorded. */
  unchanged: number;
  /** Rows repeated word for word within the file. */
  duplicateRows: number;
  /** Changed referrals by their new status. */
  byStatus: Partial<Record<TReferralStatus, number>>;
}

export type TReferralImportResult = { ok: true; summary: ReferralImportSummary } | { ok: false; errors: ImportError[] };

/**
 * Records the outcomes a referrals file gives. Every row is checked (against its referral, read
 * under a row lock) before anything is written; a changed referral gets a new version (so a linkage
 * check already queued or shown for it does nothing), loses its next check when it closes, and is
 * audited as `referral.import` with who ran the command.
 */
export async function importReferralOutcomes(
  deps: { db: Pick<Database, 'transaction'> },
  req: ReferralImportRequest,
): Promise<TReferralImportResult> {
  const { program, actor } = req;
  const now = req.now ?? new Date();
  const parsed = parseReferralsCsv(req.csv, localToday(now, program.timezone));
  return deps.db.transaction(async (tx) => {
    const ids = parsed.rows.map((r) => r.id);
    const found = ids.length
      ? await tx.query<{
          id: string;
          contactNumber: number;
          clientCode: string;
          category: string;
          madeAt: Date;
          status: TReferralStatus;
          connectedOn: string | null;
          closedAt: Date | null;
          checks: number;
        }>(
          // Stored as UTC wall time in columns without a zone: read back as instants.
          `SELECT r.id::text AS id, c.number AS "contactNumber", k.code AS "clientCode", r.category,
                  r."madeAt" AT TIME ZONE 'UTC' AS "madeAt", r.status::text AS status,
                  r."connectedOn"::text AS "connectedOn", r."closedAt" AT TIME ZONE 'UTC' AS "closedAt", r.checks
             FROM "Referral" r JOIN "Contact" c ON c.id = r."contactId" JOIN "Client" k ON k.id = r."clientId"
            WHERE r."programId" = $1 AND r.id = ANY($2::uuid[])
            FOR UPDATE OF r`,
          [program.id, ids],
        )
      : [];
    const stored = new Map<string, StoredReferral>(
      found.map((r) => [
        r.id,
        {
          ...r,
          madeOn: toLocal(new Date(r.madeAt), program.timezone).date,
          closedAt: r.closedAt === null ? null : new Date(r.closedAt),
        },
      ]),
    );
    const plan = planReferralChanges(parsed.rows, stored, {
      categories: program.categories,
      settings: program.referrals,
      followUps: followUpRules(program),
      now,
    });
    const errors = sortErrors([...parsed.errors, ...plan.errors]);
    if (errors.length) return { ok: false as const, errors };

    const { changes } = plan;
    if (changes.length) {
      await tx.query(
        `UPDATE "Referral" r SET status = u.status::"ReferralStatus", "connectedOn" = u.connected_on,
                "closedAt" = u.closed_at, "nextCheckAt" = u.next_check_at, version = r.version + 1,
                "lastActorId" = $2::uuid, "updatedAt" = (now() AT TIME ZONE 'UTC')
           FROM unnest($3::uuid[], $4::text[], $5::date[], $6::timestamp(3)[], $7::timestamp(3)[])
             AS u(id, status, connected_on, closed_at, next_check_at)
          WHERE r.id = u.id AND r."programId" = $1`,
        [
          program.id,
          actor.memberId,
          changes.map((c) => c.id),
          changes.map((c) => c.status),
          changes.map((c) => c.connectedOn),
          changes.map((c) => c.closedAt?.toISOString() ?? null),
          changes.map((c) => c.nextCheckAt?.toISOString() ?? null),
        ],
      );
      await tx.query(
        `INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", details, at)
         SELECT $1, $2::uuid, $3, 'referral', u.id, $5::jsonb, (now() AT TIME ZONE 'UTC')
           FROM unnest($4::text[]) AS u(id)`,
        [
          program.id,
          actor.memberId,
          AUDIT.referralImport,
          changes.map((c) => c.id),
          JSON.stringify({ osUser: actor.osUser, host: actor.host, actor: actor.named }),
        ],
      );
    }
    const byStatus: Partial<Record<TReferralStatus, number>> = {};
    for (const c of changes) byStatus[c.status] = (byStatus[c.status] ?? 0) + 1;
    return {
      ok: true as const,
      summary: {
        rows: parsed.rows.length + parsed.duplicates,
        changed: changes.length,
        unchanged: parsed.rows.length - changes.length,
        duplicateRows: parsed.duplicates,
        byStatus,
      },
    };
  });
}
