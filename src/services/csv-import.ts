// Importing contacts from a CSV file (`npm run carelog -- import`). Every row is checked first and
// nothing is written unless all of them pass. Then one transaction writes the lot with a handful of
// set-based statements (INSERT … SELECT FROM unnest(…)), not one ORM call per row: 100,000 rows in
// seconds. Each row's idempotency key comes from its content, so importing a file twice writes its
// contacts once.
import { randomUUID } from 'node:crypto';
import type { ProgramConfig } from '../config.js';
import {
  checkNewClients,
  LIST_SEPARATOR,
  parseContactsCsv,
  sortErrors,
  type ImportError,
  type ImportRow,
} from '../domain/contact-csv.js';
import type { Database } from '../db/client.js';
import type { SqlRunner } from '../db/migrate.js';
import { AUDIT, type TAuditAction } from './audit.js';
import { followUpRules } from '../domain/followups.js';
import { firstCheckAt, stillCheckable } from '../domain/referrals.js';
import {
  caseManagerForClientWithout,
  CaseManagerLoad,
  clientContactsSql,
  firstContactSql,
  followUpAssignee,
  followUpAssigneeSql,
  followUpDueAt,
  markMetSql,
  meetingSql,
  pendingFollowUpsSql,
} from './contact-rules.js';
import { sealNotes } from './contacts.js';
import type { Keyring } from './crypto.js';
import type { Directory } from './directory.js';

export interface ImportDeps {
  db: Pick<Database, 'transaction'>;
  keyring: Keyring;
  directory: Directory;
}

export interface ImportRequest {
  program: ProgramConfig;
  /** The file's text (UTF-8; a BOM is fine). */
  csv: string;
  now?: Date;
}

export interface ImportSummary {
  /** Data rows in the file (blank lines aside). */
  rows: number;
  contactsCreated: number;
  /** Rows already in the program from an earlier import of the same rows. */
  contactsAlreadyImported: number;
  /** Rows repeated word for word within the file. */
  duplicateRows: number;
  clientsCreated: number;
  followUpsCreated: number;
  /** Pending follow-ups completed by a later imported contact with the same client. */
  followUpsMet: number;
  /** Referral records made (one per referral category of each new contact). */
  referralsCreated: number;
  /**
   * Of those, the ones whose linkage checks were scheduled: a referral whose checks would all be
   * past already (last year's history) is recorded without asking anyone about it.
   */
  referralChecksScheduled: number;
  /** Contact numbers given to the new contacts, or null when there were none. */
  contactNumbers: { first: number; last: number } | null;
}

export type TImportResult = { ok: true; summary: ImportSummary } | { ok: false; errors: ImportError[] };

/** Rolls the transaction back when a check that needs the database fails. */
class ImportRejected extends Error {
  constructor(readonly errors: ImportError[]) {
    super('import rejected');
  }
}

export async function importContacts(deps: ImportDeps, req: ImportRequest): Promise<TImportResult> {
  const { db, keyring, directory } = deps;
  const { program } = req;
  const parsed = parseContactsCsv(req.csv, {
    categories: program.categories,
    timezone: program.timezone,
    startDate: program.startDate,
    clientCodePrefix: program.clientCodePrefix,
    now: req.now ?? new Date(),
  });
  const rows = parsed.rows;

  try {
    // Plain SQL on one connection: through the ORM, passing 100,000-element arrays costs more than
    // the inserts themselves.
    return await db.transaction(async (tx) => {
      // The program row is the lock: live contacts (logContact) and other imports wait, so the
      // counters and the client numbers read here stay true until commit.
      const [counters] = await tx.query<{ nextClientNumber: number; nextContactNumber: number }>(
        'SELECT "nextClientNumber", "nextContactNumber" FROM "Program" WHERE id = $1 FOR UPDATE',
        [program.id],
      );
      if (!counters) throw new Error(`program ${program.id} is not in the database`);

      const numbers = [...new Set(rows.map((r) => r.clientNumber))];
      const existing = await tx.query<{ id: string; number: number; caseManagerId: string | null }>(
        'SELECT id, number, "caseManagerId" FROM "Client" WHERE "programId" = $1 AND number = ANY($2::int[])',
        [program.id, numbers],
      );
      const errors = sortErrors([...parsed.errors, ...checkNewClients(rows, new Set(existing.map((c) => c.number)))]);
      if (errors.length) throw new ImportRejected(errors);

      const already = new Set(
        (
          await tx.query<{ idempotencyKey: string }>(
            'SELECT "idempotencyKey" FROM "Contact" WHERE "programId" = $1 AND "idempotencyKey" = ANY($2::text[])',
            [program.id, rows.map((r) => r.idempotencyKey)],
          )
        ).map((r) => r.idempotencyKey),
      );
      // A row exported from this very program names its contact number: if that contact is this
      // client at this instant, the row is already here (logged in chat, under another key).
      const numbered = rows.filter((r) => r.contactNumber !== null && !already.has(r.idempotencyKey));
      if (numbered.length) {
        const clientIds = new Map(existing.map((c) => [c.id, c.number]));
        // Stored as UTC wall time in a column without a zone: read it back as an instant.
        const same = await tx.query<{ number: number; clientId: string; occurredAt: Date }>(
          `SELECT number, "clientId", "occurredAt" AT TIME ZONE 'UTC' AS "occurredAt"
             FROM "Contact" WHERE "programId" = $1 AND number = ANY($2::int[])`,
          [program.id, numbered.map((r) => r.contactNumber)],
        );
        const byNumber = new Map(same.map((c) => [c.number, c]));
        for (const r of numbered) {
          const c = byNumber.get(r.contactNumber!);
          if (
            c &&
            clientIds.get(c.clientId) === r.clientNumber &&
            new Date(c.occurredAt).getTime() === r.occurredAt.getTime()
          ) {
            already.add(r.idempotencyKey);
          }
        }
      }
      const fresh = rows.filter((r) => !already.has(r.idempotencyKey));
      const summary: ImportSummary = {
        rows: rows.length + parsed.duplicates,
        contactsCreated: 0,
        contactsAlreadyImported: rows.length - fresh.length,
        duplicateRows: parsed.duplicates,
        clientsCreated: 0,
        followUpsCreated: 0,
        followUpsMet: 0,
        referralsCreated: 0,
        referralChecksScheduled: 0,
        contactNumbers: null,
      };
      if (fresh.length === 0) return { ok: true as const, summary };

      const audits = new AuditBatch();
      const clients = await upsertClients(tx, program, fresh, existing, audits);
      summary.clientsCreated = audits.count(AUDIT.clientCreate);

      // Contacts are numbered from the program's counter, as logContact numbers them; the lock
      // taken above keeps the numbers this import hands out to itself.
      const firstNumber = counters.nextContactNumber;
      const inserted = await insertContacts(tx, program, fresh, firstNumber, clients, directory, keyring, audits);
      summary.contactsCreated = inserted.length;
      summary.contactNumbers = { first: firstNumber, last: firstNumber + fresh.length - 1 };
      summary.followUpsCreated = await insertFollowUps(tx, program, inserted, audits);
      summary.followUpsMet = await meetFollowUps(tx, [...new Set(inserted.map((c) => c.clientId))], audits);
      const referrals = await insertReferrals(tx, program, inserted, directory, req.now ?? new Date(), audits);
      summary.referralsCreated = referrals.created;
      summary.referralChecksScheduled = referrals.checked;

      // contact-rules.ts' first-contact rule, as logContact applies it: the earliest of all the
      // client's contacts, imported or logged.
      await tx.query(
        `UPDATE "Client" c SET "firstContactAt" = m.first, "updatedAt" = now()
           FROM (${firstContactSql(clientContactsSql('= ANY($1::uuid[])'))}) m
          WHERE c.id = m.client_id AND c."firstContactAt" IS DISTINCT FROM m.first`,
        [[...new Set(inserted.map((c) => c.clientId))]],
      );
      // The counters move past what this import used. Clients are numbered as their codes say, and
      // imported codes may run past the counter (PIC-0900 in a program at 43): the next new client
      // in chat is then numbered after the highest code imported.
      // (A loop, not Math.max(...numbers): a file may create more clients than a call takes arguments.)
      let highestNew = 0;
      for (const [n, c] of clients) if (c.created && n > highestNew) highestNew = n;
      await tx.query(
        `UPDATE "Program" SET "nextClientNumber" = GREATEST("nextClientNumber", $2::int), "nextContactNumber" = $3::int,
                "updatedAt" = now()
          WHERE id = $1`,
        [program.id, highestNew + 1, firstNumber + fresh.length],
      );
      await audits.write(tx, program.id);
      return { ok: true as const, summary };
    });
  } catch (err) {
    if (err instanceof ImportRejected) return { ok: false, errors: err.errors };
    throw err;
  }
}

type Tx = SqlRunner;
interface ClientRef {
  id: string;
  caseManagerId: string | null;
  /** Created by this import. */
  created: boolean;
}
interface InsertedContact {
  id: string;
  clientId: string;
  followUpDate: string | null;
  assigneeId: string | null;
  occurredAt: Date;
  referrals: string[];
}

/** Audit events collected along the way and written with one statement (actor: carelog itself). */
class AuditBatch {
  private readonly actions: TAuditAction[] = [];
  private readonly types: string[] = [];
  private readonly ids: string[] = [];

  add(action: TAuditAction, entityType: 'client' | 'contact' | 'followup' | 'referral', ids: string[]): void {
    for (const id of ids) {
      this.actions.push(action);
      this.types.push(entityType);
      this.ids.push(id);
    }
  }

  count(action: TAuditAction): number {
    return this.actions.filter((a) => a === action).length;
  }

  async write(tx: Tx, programId: string): Promise<void> {
    if (this.ids.length === 0) return;
    await tx.query(
      `INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId")
       SELECT $1, NULL, u.action, u.type, u.id FROM unnest($2::text[], $3::text[], $4::text[]) AS u(action, type, id)`,
      [programId, this.actions, this.types, this.ids],
    );
  }
}

/** Creates the clients the program has not met, numbered as their codes say; returns every client by number. */
async function upsertClients(
  tx: Tx,
  program: ProgramConfig,
  rows: ImportRow[],
  existing: { id: string; number: number; caseManagerId: string | null }[],
  audits: AuditBatch,
): Promise<Map<number, ClientRef>> {
  const known = new Set(existing.map((c) => c.number));
  const firstRow = new Map<number, ImportRow>();
  const earliest = new Map<number, Date>();
  for (const r of rows) {
    if (known.has(r.clientNumber)) continue;
    if (!firstRow.has(r.clientNumber)) firstRow.set(r.clientNumber, r);
    const e = earliest.get(r.clientNumber);
    if (!e || r.occurredAt < e) earliest.set(r.clientNumber, r.occurredAt);
  }
  const fresh = [...firstRow.values()];
  const created = fresh.length
    ? await tx.query<{ id: string; number: number }>(
        `INSERT INTO "Client" (id, "programId", number, code, sex, "ageBand", "firstContactAt", "updatedAt")
         SELECT u.id, $1, u.number, u.code, u.sex, u.age_band, u.first, now()
           FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::timestamp(3)[])
             AS u(id, number, code, sex, age_band, first)
         ON CONFLICT DO NOTHING
         RETURNING id, number`,
        [
          program.id,
          fresh.map(() => randomUUID()),
          fresh.map((r) => r.clientNumber),
          fresh.map((r) => r.clientCode),
          fresh.map((r) => r.sex),
          fresh.map((r) => r.ageBand),
          fresh.map((r) => earliest.get(r.clientNumber)!.toISOString()),
        ],
      )
    : [];
  audits.add(
    AUDIT.clientCreate,
    'client',
    created.map((c) => c.id),
  );
  const byNumber = new Map<number, ClientRef>(
    existing.map((c) => [c.number, { id: c.id, caseManagerId: c.caseManagerId, created: false }]),
  );
  for (const c of created) byNumber.set(c.number, { id: c.id, caseManagerId: null, created: true });
  if (created.length < fresh.length) {
    // Someone else created one of these clients since the check: read them back.
    const missing = fresh.map((r) => r.clientNumber).filter((n) => !byNumber.has(n));
    const rows2 = await tx.query<{ id: string; number: number; caseManagerId: string | null }>(
      'SELECT id, number, "caseManagerId" FROM "Client" WHERE "programId" = $1 AND number = ANY($2::int[])',
      [program.id, missing],
    );
    for (const c of rows2) byNumber.set(c.number, { id: c.id, caseManagerId: c.caseManagerId, created: false });
  }
  return byNumber;
}

async function insertContacts(
  tx: Tx,
  program: ProgramConfig,
  rows: ImportRow[],
  firstNumber: number,
  clients: Map<number, ClientRef>,
  directory: Directory,
  keyring: Keyring,
  audits: AuditBatch,
): Promise<InsertedContact[]> {
  // Who follows up: contact-rules.ts' followUpAssignee, as for a contact logged in chat, row by
  // row in the file's order (the CSV has no assignee column). A client without a case manager takes
  // the assignee as theirs, as in chat, so that client's later rows go to the same person. Each
  // follow-up handed out counts towards its case manager's load, met later in the file or not.
  const load = rows.some((r) => r.followUpDate) ? await CaseManagerLoad.read(tx, directory, program.id) : null;
  const newCaseManagers = new Map<string, string>();
  const n = rows.length;
  const cols = {
    id: new Array<string>(n),
    number: new Array<number>(n),
    clientId: new Array<string>(n),
    occurredAt: new Array<string>(n),
    source: new Array<string>(n),
    services: new Array<string>(n),
    referrals: new Array<string>(n),
    disposition: new Array<string>(n),
    incidentRef: new Array<string | null>(n),
    minutesOnScene: new Array<number | null>(n),
    followUpDate: new Array<string | null>(n),
    assignee: new Array<string | null>(n),
    notes: new Array<string | null>(n),
    notesKeyId: new Array<string | null>(n),
    key: new Array<string>(n),
  };
  const byId = new Map<string, InsertedContact>();
  rows.forEach((r, i) => {
    const client = clients.get(r.clientNumber)!;
    // Each contact's id is chosen here: its notes are sealed to it.
    const id = randomUUID();
    const sealed = r.notes ? sealNotes(keyring, { programId: program.id, contactId: id }, r.notes) : null;
    let assignee: string | null = null;
    if (r.followUpDate && load) {
      assignee = followUpAssignee(null, client.caseManagerId, client.caseManagerId ? null : load.leastLoaded());
      if (assignee) load.assign(assignee);
      const becomes = client.caseManagerId ? null : caseManagerForClientWithout(directory, true, assignee);
      if (becomes) {
        client.caseManagerId = becomes;
        newCaseManagers.set(client.id, becomes);
      }
    }
    cols.id[i] = id;
    cols.number[i] = firstNumber + i;
    cols.clientId[i] = client.id;
    cols.occurredAt[i] = r.occurredAt.toISOString();
    cols.source[i] = r.source;
    cols.services[i] = r.services.join(LIST_SEPARATOR);
    cols.referrals[i] = r.referrals.join(LIST_SEPARATOR);
    cols.disposition[i] = r.disposition;
    cols.incidentRef[i] = r.incidentRef;
    cols.minutesOnScene[i] = r.minutesOnScene;
    cols.followUpDate[i] = r.followUpDate;
    cols.assignee[i] = assignee;
    cols.notes[i] = sealed?.envelope ?? null;
    cols.notesKeyId[i] = sealed?.keyId ?? null;
    cols.key[i] = r.idempotencyKey;
    byId.set(cols.id[i], {
      id: cols.id[i],
      clientId: client.id,
      followUpDate: r.followUpDate,
      assigneeId: assignee,
      occurredAt: r.occurredAt,
      referrals: r.referrals,
    });
  });
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO "Contact" (id, "programId", number, "clientId", "occurredAt", "authorId", source, services, referrals,
                            disposition, "incidentRef", "minutesOnScene", "followUpWanted", "followUpDate",
                            "followUpAssigneeId", "notesCiphertext", "notesKeyId", "idempotencyKey")
     SELECT u.id, $1, u.number, u.client_id, u.occurred_at, NULL, u.source,
            CASE WHEN u.services = '' THEN '{}'::text[] ELSE string_to_array(u.services, '${LIST_SEPARATOR}') END,
            CASE WHEN u.referrals = '' THEN '{}'::text[] ELSE string_to_array(u.referrals, '${LIST_SEPARATOR}') END,
            u.disposition, u.incident_ref, u.minutes, u.follow_up_date IS NOT NULL, u.follow_up_date,
            u.assignee, u.notes, u.notes_key_id, u.key
       FROM unnest($2::uuid[], $3::int[], $4::uuid[], $5::timestamp(3)[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::text[], $11::int[], $12::date[], $13::uuid[], $14::text[], $15::text[], $16::text[])
         AS u(id, number, client_id, occurred_at, source, services, referrals, disposition,
              incident_ref, minutes, follow_up_date, assignee, notes, notes_key_id, key)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      program.id,
      cols.id,
      cols.number,
      cols.clientId,
      cols.occurredAt,
      cols.source,
      cols.services,
      cols.referrals,
      cols.disposition,
      cols.incidentRef,
      cols.minutesOnScene,
      cols.followUpDate,
      cols.assignee,
      cols.notes,
      cols.notesKeyId,
      cols.key,
    ],
  );
  if (newCaseManagers.size) {
    await tx.query(
      `UPDATE "Client" k SET "caseManagerId" = u.manager, "updatedAt" = now()
         FROM unnest($1::uuid[], $2::uuid[]) AS u(id, manager)
        WHERE k.id = u.id AND k."caseManagerId" IS NULL`,
      [[...newCaseManagers.keys()], [...newCaseManagers.values()]],
    );
  }
  // The program lock keeps other imports out, so every row goes in; a conflict would leave a gap
  // in the numbers, never a duplicate.
  audits.add(
    AUDIT.contactCreate,
    'contact',
    inserted.map((c) => c.id),
  );
  return inserted.map((c) => byId.get(c.id)!);
}

/**
 * A pending follow-up for each contact with a follow_up_date, due at the program's nudge time that
 * day. The reminder job is not queued here: the server's reconciler adds it at its next run.
 */
async function insertFollowUps(
  tx: Tx,
  program: ProgramConfig,
  contacts: InsertedContact[],
  audits: AuditBatch,
): Promise<number> {
  const wanted = contacts.filter((c) => c.followUpDate);
  if (wanted.length === 0) return 0;
  const dueAt = new Map<string, string>();
  const due = (date: string) => {
    let at = dueAt.get(date);
    if (!at) {
      at = followUpDueAt(program, date).toISOString();
      dueAt.set(date, at);
    }
    return at;
  };
  const ids = wanted.map(() => randomUUID());
  await tx.query(
    `INSERT INTO "FollowUp" (id, "programId", "clientId", "originContactId", "dueAt", "assigneeId", "updatedAt")
     SELECT u.id, $1, u.client_id, u.origin, u.due_at, u.assignee, now()
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamp(3)[], $6::uuid[]) AS u(id, client_id, origin, due_at, assignee)`,
    [
      program.id,
      ids,
      wanted.map((c) => c.clientId),
      wanted.map((c) => c.id),
      wanted.map((c) => due(c.followUpDate!)),
      wanted.map((c) => c.assigneeId),
    ],
  );
  audits.add(AUDIT.followUpCreate, 'followup', ids);
  return ids.length;
}

/**
 * contact-rules.ts' rule, as when a contact is logged: the client's next contact after the one that
 * asked for a follow-up meets it, at its own time. Without this, a file of history would leave
 * every old follow-up pending (and nudging).
 */
async function meetFollowUps(tx: Tx, clientIds: string[], audits: AuditBatch): Promise<number> {
  const touched = '= ANY($1::uuid[])';
  const met = await tx.query<{ id: string }>(
    markMetSql(`(${meetingSql(pendingFollowUpsSql(touched), clientContactsSql(touched))})`),
    [clientIds],
  );
  audits.add(
    AUDIT.followUpComplete,
    'followup',
    met.map((f) => f.id),
  );
  return met.length;
}

/**
 * One referral record per referral category of each new contact, as /contact makes them. The
 * checks go to the contact's follow-up assignee, else the client's case manager, else the case
 * manager with the fewest pending follow-ups once the import's own are counted; their jobs are
 * queued by the server's reconciler, like imported follow-ups'.
 */
async function insertReferrals(
  tx: Tx,
  program: ProgramConfig,
  contacts: InsertedContact[],
  directory: Directory,
  now: Date,
  audits: AuditBatch,
): Promise<{ created: number; checked: number }> {
  const rules = followUpRules(program);
  const rows: { id: string; contact: InsertedContact; category: string; checkAt: string | null }[] = [];
  for (const c of contacts) {
    const checkAt = stillCheckable(c.occurredAt, now, program.referrals, rules)
      ? firstCheckAt(c.occurredAt, now, program.referrals, rules).toISOString()
      : null;
    for (const category of new Set(c.referrals)) rows.push({ id: randomUUID(), contact: c, category, checkAt });
  }
  if (rows.length === 0) return { created: 0, checked: 0 };
  await tx.query(
    `INSERT INTO "Referral" (id, "programId", "clientId", "contactId", category, "madeAt", "nextCheckAt", "assigneeId", "updatedAt")
     SELECT u.id, $1, u.client_id, u.contact_id, u.category, u.made_at, u.check_at,
            ${followUpAssigneeSql('u.assignee', 'k."caseManagerId"', '$8::uuid')}, now()
       FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::timestamp(3)[], $7::timestamp(3)[], $9::uuid[])
         AS u(id, client_id, contact_id, category, made_at, check_at, assignee)
       JOIN "Client" k ON k.id = u.client_id`,
    [
      program.id,
      rows.map((r) => r.id),
      rows.map((r) => r.contact.clientId),
      rows.map((r) => r.contact.id),
      rows.map((r) => r.category),
      rows.map((r) => r.contact.occurredAt.toISOString()),
      rows.map((r) => r.checkAt),
      (await CaseManagerLoad.read(tx, directory, program.id)).leastLoaded(),
      rows.map((r) => r.contact.assigneeId),
    ],
  );
  audits.add(
    AUDIT.referralCreate,
    'referral',
    rows.map((r) => r.id),
  );
  return { created: rows.length, checked: rows.filter((r) => r.checkAt).length };
}
