// Exporting a program's contacts as CSV (`npm run carelog -- export`), in the columns `import`
// reads, so a file exported from one program imports into an empty one as the same contacts.
// Notes stay out unless asked for; an export with notes decrypts them and is audited as such.
// Substance-use (42 CFR Part 2) categories stay out unless asked for; with them, the file carries
// the regulation's notice against redisclosure. Every export names who ran it in its audit row.
import type { ProgramConfig } from '../config.js';
import {
  COLUMN,
  EXPORT_COLUMNS,
  formatContactDate,
  LIST_SEPARATOR,
  PART2_NOTICE,
  part2Keys,
  part2NoticeLine,
  transportDestinationCell,
  type TColumn,
} from '../domain/contact-csv.js';
import { formatCsv } from '../domain/csv.js';
import { addDays, fromLocal } from '../domain/time.js';
import { CarelogError, isCarelogError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { audit, AUDIT } from './audit.js';
import { openNotes, type NotesOwner } from './contacts.js';
import type { Keyring } from './crypto.js';

export interface ExportDeps {
  prisma: PrismaClient;
  keyring: Keyring;
}

export interface ExportRequest {
  program: ProgramConfig;
  /** First and last local day (YYYY-MM-DD), both included. */
  from: string;
  to: string;
  includeNotes: boolean;
  /** Keep the program's Part 2 categories in `services` and `referrals` (default: left out). */
  includePart2?: boolean;
  actor: ExportActor;
}

/** Who ran an export, as its audit row records it. */
export interface ExportActor {
  /** The roster member `--actor` named, or null (then the row's actorId is null). */
  memberId: string | null;
  /** `--actor` as given, or null when it was not. */
  named: string | null;
  /** The operating-system account and machine the export ran on. */
  osUser: string;
  host: string;
}

export interface ContactExport {
  columns: TColumn[];
  /** One row per contact, by contact number, values in `columns` order. */
  rows: string[][];
  /** The 42 CFR 2.32 statement, when Part 2 categories are in the rows; null otherwise. */
  notice: string | null;
}

export async function exportContacts(deps: ExportDeps, req: ExportRequest): Promise<ContactExport> {
  const { prisma, keyring } = deps;
  const { program } = req;
  const contacts = await prisma.contact.findMany({
    where: {
      programId: program.id,
      occurredAt: {
        gte: fromLocal(req.from, '00:00', program.timezone),
        lt: fromLocal(addDays(req.to, 1), '00:00', program.timezone),
      },
    },
    orderBy: { number: 'asc' },
    select: {
      id: true,
      number: true,
      occurredAt: true,
      source: true,
      services: true,
      referrals: true,
      disposition: true,
      incidentRef: true,
      minutesOnScene: true,
      followUpDate: true,
      onScene: true,
      transportDestination: true,
      notesCiphertext: true,
      client: { select: { code: true, sex: true, ageBand: true, raceEthnicity: true, veteran: true } },
    },
  });
  const includePart2 = req.includePart2 === true;
  const part2 = part2Keys(program.categories);
  const list = (keys: string[]) => (includePart2 ? keys : keys.filter((k) => !part2.has(k))).join(LIST_SEPARATOR);
  const columns = EXPORT_COLUMNS.filter((c) => req.includeNotes || c !== COLUMN.notes);
  const rows = contacts.map((c) => {
    const value: Record<TColumn, string> = {
      [COLUMN.contactNumber]: String(c.number),
      [COLUMN.clientCode]: c.client.code,
      [COLUMN.contactDate]: formatContactDate(c.occurredAt, program.timezone),
      [COLUMN.source]: c.source,
      [COLUMN.services]: list(c.services),
      [COLUMN.referrals]: list(c.referrals),
      [COLUMN.disposition]: c.disposition,
      [COLUMN.sex]: c.client.sex,
      [COLUMN.ageBand]: c.client.ageBand,
      [COLUMN.incidentRef]: c.incidentRef ?? '',
      [COLUMN.minutesOnScene]: c.minutesOnScene === null ? '' : String(c.minutesOnScene),
      [COLUMN.followUpDate]: c.followUpDate ? c.followUpDate.toISOString().slice(0, 10) : '',
      [COLUMN.onScene]: c.onScene.join(LIST_SEPARATOR),
      [COLUMN.transportDestination]: transportDestinationCell(
        c.disposition,
        c.transportDestination,
        program.categories,
      ),
      [COLUMN.raceEthnicity]: c.client.raceEthnicity.join(LIST_SEPARATOR),
      [COLUMN.veteran]: c.client.veteran ?? '',
      [COLUMN.notes]:
        req.includeNotes && c.notesCiphertext
          ? notesOf(keyring, { programId: program.id, contactId: c.id }, c.number, c.notesCiphertext)
          : '',
    };
    return columns.map((col) => value[col]);
  });
  // Who took the program's contacts out of carelog, and whether the notes and Part 2 went with them.
  const { actor } = req;
  await audit(prisma, {
    programId: program.id,
    actorId: actor.memberId,
    action: includePart2 ? AUDIT.contactExportPart2 : req.includeNotes ? AUDIT.contactExportNotes : AUDIT.contactExport,
    entityType: 'program',
    entityId: program.id,
    count: rows.length,
    details: {
      osUser: actor.osUser,
      host: actor.host,
      actor: actor.named,
      notes: req.includeNotes,
      part2: includePart2,
    },
  });
  return { columns, rows, notice: includePart2 ? PART2_NOTICE : null };
}

/**
 * A contact's notes, or an error naming the contact (never the notes): a note that does not open
 * under its own contact (altered, or copied from another contact's row) stops the export.
 */
function notesOf(keyring: Keyring, owner: NotesOwner, number: number, envelope: string): string {
  try {
    return openNotes(keyring, owner, envelope);
  } catch (err) {
    if (!isCarelogError(err)) throw err;
    throw new CarelogError(
      err.code,
      `Contact ${number}: its notes cannot be read (${err.message}); nothing was exported`,
      { cause: err },
    );
  }
}

/** The export as CSV text: the Part 2 notice line if any, then the header, then the rows. */
export function contactExportCsv(e: ContactExport): string {
  return formatCsv([...(e.notice ? [[part2NoticeLine()]] : []), [...e.columns], ...e.rows]);
}

/**
 * The export as JSON: an array of contacts keyed by column, or, with the Part 2 notice, an object
 * `{ notice, contacts }` so the notice cannot be separated from the rows it covers.
 */
export function contactExportJson(e: ContactExport): string {
  const contacts = e.rows.map((r) => Object.fromEntries(e.columns.map((c, i) => [c, r[i]])));
  return `${JSON.stringify(e.notice ? { notice: e.notice, contacts } : contacts, null, 2)}\n`;
}
