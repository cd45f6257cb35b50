// Notes key rotation: re-encrypts every note that is not a v2 envelope under the current key, so a
// retired key can then be dropped from CARELOG_ENCRYPTION_OLD_KEYS, and v1 envelopes (bound to their
// program only) become v2 ones, bound to their contact too.
//
// Batched and resumable: each batch of contacts is locked, re-sealed and written back in one
// transaction, walking the program's contacts in id order, so an interrupted run keeps what it
// committed and the next run carries on with what is left (a note already a v2 envelope under the
// current key is never touched: running it twice re-encrypts nothing). Audited as one AuditEvent per program and
// run ("notes.rekey", entity the program, `count` the notes re-encrypted), whose count is raised in
// each batch's own transaction, so it always says exactly what was committed.
import type { Database } from '../db/client.js';
import { AUDIT, auditBulkInStep } from './audit.js';
import { openNotes, sealNotes } from './contacts.js';
import { ENVELOPE_VERSION, type Keyring } from './crypto.js';

/** Contacts re-sealed per transaction. */
export const REKEY_BATCH_SIZE = 500;

export interface RekeyProgramResult {
  programId: string;
  /** Notes re-encrypted by this run: as v2 envelopes, under the current key. */
  reencrypted: number;
  /** Notes sealed with a key that is not configured, by key id: add the key and run again. */
  unknownKeys: Record<string, number>;
  /** Notes whose envelope does not open with its key (damaged, or bound to another program or contact). */
  damaged: number;
}

export interface RekeyResult {
  currentKeyId: string;
  programs: RekeyProgramResult[];
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** The key id an envelope names (`v2.<keyId>.<iv>.<tag>.<ciphertext>`), or null. */
function envelopeKeyId(envelope: string): string | null {
  return envelope.split('.')[1] || null;
}

/** Re-encrypts one program's notes that are not v2 envelopes under the current key. */
export async function rekeyProgram(
  deps: { db: Database; keyring: Keyring },
  programId: string,
  opts: { batchSize?: number; onBatch?: (reencrypted: number) => void } = {},
): Promise<RekeyProgramResult> {
  const { db, keyring } = deps;
  const current = keyring.currentKeyId;
  const batchSize = opts.batchSize ?? REKEY_BATCH_SIZE;
  const result: RekeyProgramResult = { programId, reencrypted: 0, unknownKeys: {}, damaged: 0 };
  let after = NIL_UUID;
  let auditId: string | null = null;
  for (;;) {
    const batch = await db.transaction(async (sql) => {
      // Locked until commit: a note cleared by retention meanwhile waits, and is not brought back.
      const rows = await sql.query<{ id: string; notesCiphertext: string }>(
        `SELECT id::text AS id, "notesCiphertext" FROM "Contact"
         WHERE "programId" = $1 AND id > $2::uuid AND "notesCiphertext" IS NOT NULL
           AND ("notesKeyId" IS DISTINCT FROM $3 OR "notesCiphertext" NOT LIKE $4)
         ORDER BY id LIMIT $5 FOR UPDATE`,
        [programId, after, current, `${ENVELOPE_VERSION}.${current}.%`, batchSize],
      );
      if (!rows.length) return null;
      const ids: string[] = [];
      const envelopes: string[] = [];
      const unknown: Record<string, number> = {};
      let damaged = 0;
      for (const r of rows) {
        let plain: string;
        try {
          plain = openNotes(keyring, { programId, contactId: r.id }, r.notesCiphertext);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'encryption_key_unknown') {
            const k = envelopeKeyId(r.notesCiphertext) ?? '?';
            unknown[k] = (unknown[k] ?? 0) + 1;
          } else damaged++;
          continue;
        }
        ids.push(r.id);
        envelopes.push(sealNotes(keyring, { programId, contactId: r.id }, plain).envelope);
      }
      if (ids.length) {
        await sql.query(
          `UPDATE "Contact" c SET "notesCiphertext" = u.envelope, "notesKeyId" = $3
           FROM unnest($1::uuid[], $2::text[]) AS u(id, envelope) WHERE c.id = u.id`,
          [ids, envelopes, current],
        );
        auditId = await auditBulkInStep(sql, { programId, action: AUDIT.notesRekey }, auditId, ids.length);
      }
      return { last: rows[rows.length - 1]!.id, reencrypted: ids.length, unknown, damaged };
    });
    if (!batch) break;
    after = batch.last;
    result.reencrypted += batch.reencrypted;
    result.damaged += batch.damaged;
    for (const [k, n] of Object.entries(batch.unknown)) result.unknownKeys[k] = (result.unknownKeys[k] ?? 0) + n;
    opts.onBatch?.(batch.reencrypted);
  }
  return result;
}

/** Re-encrypts the notes of each program (default: every program in the database). */
export async function rekeyNotes(
  deps: { db: Database; keyring: Keyring },
  opts: { programIds?: string[]; batchSize?: number } = {},
): Promise<RekeyResult> {
  const programIds =
    opts.programIds ??
    (await deps.db.sql.query<{ id: string }>('SELECT id FROM "Program" ORDER BY id')).map((p) => p.id);
  const programs: RekeyProgramResult[] = [];
  for (const id of programIds)
    programs.push(await rekeyProgram(deps, id, opts.batchSize ? { batchSize: opts.batchSize } : {}));
  return { currentKeyId: deps.keyring.currentKeyId, programs };
}

/** How many notes each key id seals, across every program (what a retired key is still needed for). */
export async function notesByKey(db: Database): Promise<Record<string, number>> {
  const rows = await db.sql.query<{ keyId: string | null; n: string }>(
    `SELECT "notesKeyId" AS "keyId", count(*)::text AS n FROM "Contact" WHERE "notesCiphertext" IS NOT NULL GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.keyId ?? '?', Number(r.n)]));
}
