// Exporting a program's contacts as CSV (`npm run carelog -- export`), in the columns `import`
// reads, so a file exported from one program imports into an empty one as the same contacts.
// Notes stay out unless asked for; an export with notes decrypts them and is audited as such.
import type { ProgramConfig } from '../config.js';
import { COLUMN, EXPORT_COLUMNS, formatContactDate, LIST_SEPARATOR, type TColumn } from '../domain/contact-csv.js';
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
}

export interface ContactExport {
  columns: TColumn[];
  /** One row per contact, by contact number, values in `columns` order. */
  rows: string[][];
}

export async function exportContacts(deps: ExportDeps, req: ExportRequest): Promise<ContactExport> {
  const { prisma, keyring } = deps;
  const { program } = req;
  const contacts = await prisma.contact.findMany({
    where: {
      programId: program.id,
      occurredAt: { gte: fromLocal(req.from, '00:00', program.timezone), lt: fromLocal(addDays(req.to, 1), '00:00', program.timezone) },
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
      notesCiphertext: true,
      client: { select: { code: true, sex: true, ageBand: true } },
    },
  });
  const columns = EXPORT_COLUMNS.filter((c) => req.includeNotes || c !== COLUMN.notes);
  const rows = contacts.map((c) => {
    const value: Record<TColumn, string> = {
      [COLUMN.contactNumber]: String(c.number),
      [COLUMN.clientCode]: c.client.code,
      [COLUMN.contactDate]: formatContactDate(c.occurredAt, program.timezone),
      [COLUMN.source]: c.source,
      [COLUMN.services]: c.services.join(LIST_SEPARATOR),
      [COLUMN.referrals]: c.referrals.join(LIST_SEPARATOR),
      [COLUMN.disposition]: c.disposition,
      [COLUMN.sex]: c.client.sex,
      [COLUMN.ageBand]: c.client.ageBand,
      [COLUMN.incidentRef]: c.incidentRef ?? '',
      [COLUMN.minutesOnScene]: c.minutesOnScene === null ? '' : String(c.minutesOnScene),
      [COLUMN.followUpDate]: c.followUpDate ? c.followUpDate.toISOString().slice(0, 10) : '',
      [COLUMN.notes]: req.includeNotes && c.notesCiphertext ? notesOf(keyring, { programId: program.id, contactId: c.id }, c.number, c.notesCiphertext) : '',
    };
    return columns.map((col) => value[col]);
  });
  // Who took the program's contacts out of carelog, and whether the notes went with them.
  await audit(prisma, {
    programId: program.id,
    actorId: null,
    action: req.includeNotes ? AUDIT.contactExportNotes : AUDIT.contactExport,
    entityType: 'program',
    entityId: program.id,
  });
  return { columns, rows };
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
    throw new CarelogError(err.code, `Contact ${number}: its notes cannot be read (${err.message}); nothing was exported`, { cause: err });
  }
}

/** The export as CSV text, header first. */
export function contactExportCsv(e: ContactExport): string {
  return formatCsv([[...e.columns], ...e.rows]);
}
