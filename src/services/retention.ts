// Notes retention: a program with `retention: { notesDays: N }` in carelog.yml keeps a contact's
// notes for N days from the contact's date, then clears them (the ciphertext and its key id). The
// contact itself stays, with everything else it records, so digests and exports keep their figures.
// Run daily by jobs/notes-retention.ts and by `npm run carelog -- retention`; audited as one
// AuditEvent per program and run ("notes.retention", entity the program, `count` the notes cleared).
import type { ProgramConfig } from '../config.js';
import type { Database } from '../db/client.js';
import { AUDIT, auditBulkInStep } from './audit.js';

/** Contacts cleared per transaction. */
export const RETENTION_BATCH_SIZE = 1_000;

const DAY_MS = 24 * 3600_000;

export interface RetentionResult {
  programId: string;
  notesDays: number;
  /** Notes of contacts that occurred before this instant are cleared. */
  cutoff: string;
  /** Notes cleared (or, in a dry run, that would be). */
  cleared: number;
  dryRun: boolean;
}

export function retentionCutoff(now: Date, notesDays: number): Date {
  return new Date(now.getTime() - notesDays * DAY_MS);
}

/** Clears the notes that each program's retention setting no longer keeps; programs without one are left alone. */
export async function applyNotesRetention(
  deps: { db: Database; now: () => Date },
  programs: readonly ProgramConfig[],
  opts: { dryRun?: boolean; batchSize?: number } = {},
): Promise<RetentionResult[]> {
  const out: RetentionResult[] = [];
  const batchSize = opts.batchSize ?? RETENTION_BATCH_SIZE;
  for (const p of programs) {
    if (!p.retention) continue;
    // Timestamps are stored as UTC without a zone: compare with the UTC text, never a Date
    // (node-postgres would send a Date in the server's local offset).
    const cutoff = retentionCutoff(deps.now(), p.retention.notesDays).toISOString();
    const result: RetentionResult = {
      programId: p.id,
      notesDays: p.retention.notesDays,
      cutoff,
      cleared: 0,
      dryRun: !!opts.dryRun,
    };
    if (opts.dryRun) {
      const [row] = await deps.db.sql.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM "Contact" WHERE "programId" = $1 AND "occurredAt" < $2::timestamp AND "notesCiphertext" IS NOT NULL`,
        [p.id, cutoff],
      );
      result.cleared = Number(row?.n ?? 0);
      out.push(result);
      continue;
    }
    let auditId: string | null = null;
    for (;;) {
      const cleared = await deps.db.transaction(async (sql) => {
        // Rows a rekey holds right now are skipped; the next run clears them.
        const rows = await sql.query<{ id: string }>(
          `WITH due AS (
             SELECT id FROM "Contact"
             WHERE "programId" = $1 AND "occurredAt" < $2::timestamp AND "notesCiphertext" IS NOT NULL
             ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
           )
           UPDATE "Contact" c SET "notesCiphertext" = NULL, "notesKeyId" = NULL FROM due WHERE c.id = due.id
           RETURNING c.id`,
          [p.id, cutoff, batchSize],
        );
        if (rows.length)
          auditId = await auditBulkInStep(sql, { programId: p.id, action: AUDIT.notesRetention }, auditId, rows.length);
        return rows.length;
      });
      result.cleared += cleared;
      if (cleared < batchSize) break;
    }
    out.push(result);
  }
  return out;
}
