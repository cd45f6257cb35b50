// Contacts as CSV rows: the columns `import` reads and `export` writes, and the rules for one row.
// Every row is checked, and every problem is reported by line and column, before anything is
// written. No I/O here; src/services/csv-import.ts does the database side.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RACE_ETHNICITY, VETERAN_STATUS, type TCategories, type TCategory } from './categories.js';
import { formatClientCode } from './contact.js';
import { isBlankRecord, parseCsv, unguardSpreadsheetCell, type CsvRecord } from './csv.js';
import { formatDateTime, fromLocal, isIsoDate, parseDateTime, toLocal } from './time.js';
import { INCIDENT_REF_MAX_LENGTH, NOTES_MAX_LENGTH } from './contact-draft.js';

export const COLUMN = {
  contactNumber: 'contact_number',
  clientCode: 'client_code',
  contactDate: 'contact_date',
  source: 'source',
  services: 'services',
  referrals: 'referrals',
  disposition: 'disposition',
  sex: 'sex',
  ageBand: 'age_band',
  incidentRef: 'incident_ref',
  minutesOnScene: 'minutes_on_scene',
  followUpDate: 'follow_up_date',
  // Added after the columns above, so that a sheet that reads an export by position still does.
  onScene: 'on_scene',
  transportDestination: 'transport_destination',
  raceEthnicity: 'race_ethnicity',
  veteran: 'veteran',
  notes: 'notes',
} as const;
export type TColumn = (typeof COLUMN)[keyof typeof COLUMN];

/** The columns `export` writes, in order (notes only with --include-notes). */
export const EXPORT_COLUMNS: readonly TColumn[] = Object.values(COLUMN);
const REQUIRED_COLUMNS: readonly TColumn[] = [COLUMN.clientCode, COLUMN.contactDate, COLUMN.source, COLUMN.disposition];
/** Separator inside the list columns (`services`, `referrals`, `on_scene`, `race_ethnicity`). Keys never contain it. */
export const LIST_SEPARATOR = ';';
/** The columns that hold lists: each unknown key in them is an error of its own. */
const LIST_COLUMNS: ReadonlySet<string> = new Set([
  COLUMN.services,
  COLUMN.referrals,
  COLUMN.onScene,
  COLUMN.raceEthnicity,
]);

/**
 * `transport_destination` of a transport contact whose destination was never recorded (logged
 * before carelog asked it, or imported from a file without the column). Export writes it, import
 * reads it back as nothing recorded; a blank cell on a transport row is an error, so that a file
 * that records destinations cannot leave one out by accident.
 */
export const NOT_RECORDED = 'not_recorded';

/**
 * The statement 42 CFR 2.32(a)(2) (as amended in 2024) requires with a disclosure of Part 2 records,
 * word for word. An export that includes Part 2 categories carries it on its first line.
 */
export const PART2_NOTICE = '42 CFR part 2 prohibits unauthorized use or disclosure of these records.';
/**
 * A line before the header whose first cell begins with this is a notice, not data: `export` writes
 * one, `import` skips it (other cells of the line may be empty, as spreadsheets pad rows).
 */
export const NOTICE_MARK = '#';

/** The notice line of an export with Part 2 categories (its first cell). */
export function part2NoticeLine(): string {
  return `${NOTICE_MARK} NOTICE: ${PART2_NOTICE}`;
}

/**
 * The keys of the program's Part 2 categories in the list columns (`services`, `referrals`): an
 * export without --include-part2 drops them from the list, as if never chosen, so nothing in the
 * file (no placeholder, no count, no gap) tells that one was there.
 */
export function part2Keys(categories: TCategories): Set<string> {
  return new Set([...categories.services, ...categories.referrals].filter((c) => c.part2).map((c) => c.key));
}

/** How far ahead of the clock a contact time may be, as in the contact form. */
const FUTURE_SLACK_MS = 10 * 60_000;

export interface CsvImportRules {
  categories: TCategories;
  timezone: string;
  /** YYYY-MM-DD: contacts before the program started are refused. */
  startDate: string;
  clientCodePrefix: string;
  now: Date;
}

export interface ImportError {
  /** Line of the file (the header is line 1). */
  line: number;
  /** Column name, or null for a problem with the whole row or file. */
  column: string | null;
  message: string;
}

export interface ImportRow {
  line: number;
  /**
   * The number the contact had where it was exported from, if the file says. It is not reused (new
   * contacts are numbered by the program's counter); it only recognises a contact exported from,
   * and imported back into, the same program.
   */
  contactNumber: number | null;
  clientNumber: number;
  clientCode: string;
  occurredAt: Date;
  source: string;
  services: string[];
  referrals: string[];
  disposition: string;
  /** Used only when the client is new to the program. */
  sex: string | null;
  ageBand: string | null;
  incidentRef: string | null;
  minutesOnScene: number | null;
  /** YYYY-MM-DD in the program's time zone. */
  followUpDate: string | null;
  /** categories.onScene keys ticked. */
  onScene: string[];
  /** A categories.transportDestinations key when the disposition is a transport and it was recorded. */
  transportDestination: string | null;
  /** Used only when the client is new to the program: RACE_ETHNICITY keys, empty when not given. */
  raceEthnicity: string[];
  /** Used only when the client is new to the program: a VETERAN_STATUS key, or null when not given. */
  veteran: string | null;
  notes: string | null;
  /** `import:<sha256>` of the row's content, so importing the same file again writes nothing. */
  idempotencyKey: string;
}

export interface ImportParse {
  /** The rows that passed, in file order, without word-for-word repeats. */
  rows: ImportRow[];
  /** Every problem found, by line; the import goes ahead only when there are none. */
  errors: ImportError[];
  /** Rows dropped because an earlier line of the file is the same contact with the same notes. */
  duplicates: number;
}

const INCIDENT_REF = /^[A-Za-z0-9][A-Za-z0-9\-/.#]*$/;

/**
 * Reads `contact_date`: a date alone means 12:00 that day in the program's time zone (midday is
 * safely inside the local day whatever the offset, so a date-only row never slips into the day, or
 * the quarter, beside it); a date and time is read by time.ts' parseDateTime (local without an
 * offset; with `Z` or an offset, that instant).
 */
export function parseContactDate(text: string, timezone: string, noonCache?: Map<string, Date | null>): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    let noon = noonCache?.get(text);
    if (noon === undefined) {
      noon = isIsoDate(text) ? fromLocal(text, '12:00', timezone) : null;
      noonCache?.set(text, noon);
    }
    return noon;
  }
  return parseDateTime(text, timezone);
}

/** An instant as the program's clocks show it, with the offset: 2024-09-30T23:30-04:00. */
export function formatContactDate(instant: Date, timezone: string): string {
  return formatDateTime(instant, timezone);
}

/**
 * A cell is quoted back in a message only in the shape its column takes (a lower-case category
 * key, a client code, digits and separators for dates and numbers), so that a typo shows and free
 * text never does: a name or a note in the wrong column, or a file without its header row.
 */
const QUOTABLE = {
  key: /^[a-z0-9_+-]{1,40}$/,
  code: /^[A-Za-z]{1,10}-?\d{1,12}$/,
  numeric: /^[\d\s:.+\-/TZ]{1,40}$/,
} as const;

/** `"value" ` when the value may be quoted (see QUOTABLE), else nothing: "is not a date …" reads on. */
export function quoted(value: unknown, shape: keyof typeof QUOTABLE): string {
  const v = String(value);
  return QUOTABLE[shape].test(v) ? `"${v}" ` : '';
}

/** A header cell is named back only when it is written like a column name. */
const COLUMN_LIKE = /^[a-z][a-z0-9_]{0,39}$/;

function keyList(list: readonly TCategory[]): string {
  return list.map((c) => c.key).join(', ');
}

function oneOf(list: readonly TCategory[]) {
  const keys = new Set(list.map((c) => c.key));
  return z
    .string()
    .refine((v) => keys.has(v), { error: (iss) => `${quoted(iss.input, 'key')}is not one of ${keyList(list)}` });
}

function listOf(list: readonly TCategory[]) {
  const keys = new Set(list.map((c) => c.key));
  return z
    .string()
    .transform((v) =>
      v
        .split(LIST_SEPARATOR)
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .superRefine((items, ctx) => {
      for (const item of items) {
        if (!keys.has(item))
          ctx.addIssue({ code: 'custom', message: `${quoted(item, 'key')}is not one of ${keyList(list)}` });
      }
    })
    .transform((items) => [...new Set(items)]);
}

const blankToNull = (v: unknown) =>
  typeof v === 'string' && v.trim() === '' ? null : typeof v === 'string' ? v.trim() : v;

/** One CSV row, keyed by column name, as zod reads it. Cross-row rules come after. */
function rowSchema(rules: CsvImportRules) {
  const { categories, timezone, clientCodePrefix: prefix } = rules;
  const code = new RegExp(`^${prefix}-(\\d{1,9})$`, 'i');
  const notBefore = fromLocal(rules.startDate, '00:00', timezone);
  const notAfter = rules.now.getTime() + FUTURE_SLACK_MS;
  // A file has many rows per day: each distinct date is checked and converted once.
  const noonCache = new Map<string, Date | null>();
  const realDates = new Map<string, boolean>();
  const isRealDate = (d: string) => {
    let ok = realDates.get(d);
    if (ok === undefined) realDates.set(d, (ok = isIsoDate(d)));
    return ok;
  };
  const required = (message: string) => z.string({ error: message }).trim().min(1, { error: message });
  return z.object({
    [COLUMN.clientCode]: required('is required').pipe(
      z.string().transform((v, ctx) => {
        const m = code.exec(v);
        const n = m ? Number(m[1]) : 0;
        if (n < 1) {
          ctx.addIssue({
            code: 'custom',
            message: `${quoted(v, 'code')}is not a client code of this program (such as ${formatClientCode(prefix, 42)})`,
          });
          return z.NEVER;
        }
        return n;
      }),
    ),
    [COLUMN.contactDate]: required('is required').pipe(
      z.string().transform((v, ctx) => {
        const at = parseContactDate(v, timezone, noonCache);
        if (!at) {
          ctx.addIssue({
            code: 'custom',
            message: `${quoted(v, 'numeric')}is not a date such as 2024-09-30, or a date and time such as 2024-09-30T23:30-04:00`,
          });
        } else if (at.getTime() > notAfter) {
          ctx.addIssue({ code: 'custom', message: `${quoted(v, 'numeric')}is in the future` });
        } else if (at < notBefore) {
          ctx.addIssue({
            code: 'custom',
            message: `${quoted(v, 'numeric')}is before the program started (${rules.startDate})`,
          });
        }
        return at ?? z.NEVER;
      }),
    ),
    [COLUMN.source]: required(`is required: one of ${keyList(categories.sources)}`).pipe(oneOf(categories.sources)),
    [COLUMN.services]: z.string().default('').pipe(listOf(categories.services)),
    [COLUMN.referrals]: z.string().default('').pipe(listOf(categories.referrals)),
    [COLUMN.disposition]: required(`is required: one of ${keyList(categories.dispositions)}`).pipe(
      oneOf(categories.dispositions),
    ),
    [COLUMN.sex]: z.preprocess(blankToNull, oneOf(categories.sex).nullable().default(null)),
    [COLUMN.ageBand]: z.preprocess(blankToNull, oneOf(categories.ageBands).nullable().default(null)),
    [COLUMN.incidentRef]: z.preprocess(
      blankToNull,
      z
        .string()
        .max(INCIDENT_REF_MAX_LENGTH, { error: `is longer than ${INCIDENT_REF_MAX_LENGTH} characters` })
        .regex(INCIDENT_REF, { error: 'uses characters other than letters, digits and - / . #' })
        .nullable()
        .default(null),
    ),
    [COLUMN.minutesOnScene]: z.preprocess(
      blankToNull,
      z
        .string()
        .regex(/^\d+$/, { error: (iss) => `${quoted(iss.input, 'numeric')}is not a whole number of minutes` })
        .transform(Number)
        .pipe(z.number().max(1440, { error: 'is more than 1440 minutes (a day)' }))
        .nullable()
        .default(null),
    ),
    [COLUMN.followUpDate]: z.preprocess(
      blankToNull,
      z
        .string()
        .refine(isRealDate, { error: (iss) => `${quoted(iss.input, 'numeric')}is not a date such as 2024-10-07` })
        .nullable()
        .default(null),
    ),
    [COLUMN.onScene]: z.string().default('').pipe(listOf(categories.onScene)),
    // Checked against the disposition after the row parses (parseContactsCsv).
    [COLUMN.transportDestination]: z.preprocess(
      blankToNull,
      z
        .string()
        .refine((v) => v === NOT_RECORDED || categories.transportDestinations.some((c) => c.key === v), {
          error: (iss) =>
            `${quoted(iss.input, 'key')}is not one of ${keyList(categories.transportDestinations)} (or ${NOT_RECORDED})`,
        })
        .nullable()
        .default(null),
    ),
    [COLUMN.raceEthnicity]: z
      .string()
      .default('')
      .pipe(listOf(RACE_ETHNICITY))
      .refine((v) => !(v.length > 1 && v.includes('not_reported')), {
        error: 'has not_reported with another choice: not_reported stands alone',
      }),
    [COLUMN.veteran]: z.preprocess(blankToNull, oneOf(VETERAN_STATUS).nullable().default(null)),
    // Never echoed in a message: notes are clinical text.
    [COLUMN.notes]: z.preprocess(
      (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
      z
        .string()
        .max(NOTES_MAX_LENGTH, { error: `is longer than ${NOTES_MAX_LENGTH} characters` })
        .nullable()
        .default(null),
    ),
    [COLUMN.contactNumber]: z.preprocess(
      blankToNull,
      z
        .string()
        .regex(/^[1-9]\d{0,8}$/, { error: (iss) => `${quoted(iss.input, 'numeric')}is not a contact number` })
        .transform(Number)
        .nullable()
        .default(null),
    ),
  });
}

/**
 * The idempotency key of a row: its client, time and recorded details. Notes are left out, so that
 * no digest of clinical text is stored in the clear beside the ciphertext; sex, age band, race and
 * ethnicity and veteran status are left out because they describe the client, not the contact (and
 * only count on a first row).
 */
function rowKey(r: Omit<ImportRow, 'idempotencyKey' | 'line' | 'contactNumber' | 'raceEthnicity' | 'veteran'>): string {
  // Fields joined by a unit separator, which no field can hold (keys, codes, dates, [A-Za-z0-9-/.#]).
  const canonical = [
    r.clientCode,
    r.occurredAt.toISOString(),
    r.source,
    r.services.length > 1 ? [...r.services].sort().join(LIST_SEPARATOR) : r.services.join(''),
    r.referrals.length > 1 ? [...r.referrals].sort().join(LIST_SEPARATOR) : r.referrals.join(''),
    r.disposition,
    r.incidentRef ?? '',
    r.minutesOnScene ?? '',
    r.followUpDate ?? '',
    // On-scene items and the destination came later: a row without them keeps the key it had, so a
    // file imported before they existed is still recognised when imported again.
    ...(r.onScene.length || r.transportDestination
      ? [[...r.onScene].sort().join(LIST_SEPARATOR), r.transportDestination ?? '']
      : []),
  ].join('\u001f');
  return `import:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** By line; within a line, in the order found (Array.prototype.sort is stable). */
function byLine(a: ImportError, b: ImportError): number {
  return a.line - b.line;
}

/**
 * Reads and checks a whole file. Rows repeated word for word (the same key and the same notes) are
 * dropped and counted; the same contact with different notes is an error, since only one can be
 * kept.
 */
export function parseContactsCsv(text: string, rules: CsvImportRules): ImportParse {
  const table = readCsvTable(text);
  if (!table.ok) return { rows: [], duplicates: 0, errors: [table.error] };
  const { header, records } = table;

  const errors: ImportError[] = [];
  const known = new Set<string>(Object.values(COLUMN));
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!known.has(c)) {
      const named = COLUMN_LIKE.test(header.fields[i]!.trim());
      errors.push({
        line: header.line,
        column: named ? c : `#${i + 1}`,
        message: `is not a column carelog imports (columns: ${[...known].join(', ')})`,
      });
    } else if (columns.indexOf(c) !== i) {
      errors.push({ line: header.line, column: c, message: 'appears twice in the header' });
    }
  });
  for (const c of REQUIRED_COLUMNS) {
    if (!columns.includes(c)) errors.push({ line: header.line, column: c, message: 'is required in the header row' });
  }
  if (errors.length) return { rows: [], duplicates: 0, errors };

  const schema = rowSchema(rules);
  const { categories } = rules;
  const hasDestination = columns.includes(COLUMN.transportDestination);
  const rows: ImportRow[] = [];
  const seen = new Map<string, ImportRow>();
  let duplicates = 0;
  for (const record of records) {
    if (record.fields.length !== columns.length) {
      errors.push({
        line: record.line,
        column: null,
        message: `has ${record.fields.length} fields; the header has ${columns.length}`,
      });
      continue;
    }
    const raw: Record<string, string> = {};
    // Undo the formula guard export puts on a cell (and only that): the text comes back as logged.
    columns.forEach((c, i) => (raw[c] = unguardSpreadsheetCell(record.fields[i]!)));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const perColumn = new Set<string>();
      for (const issue of parsed.error.issues) {
        const column = String(issue.path[0] ?? '');
        // One message per column, except lists, where each unknown key is worth naming.
        if (perColumn.has(column) && !LIST_COLUMNS.has(column)) continue;
        perColumn.add(column);
        errors.push({ line: record.line, column: column || null, message: issue.message });
      }
      continue;
    }
    const v = parsed.data;
    const clientNumber = v[COLUMN.clientCode];
    const occurredAt = v[COLUMN.contactDate];
    const followUpDate = v[COLUMN.followUpDate];
    const rowErrors: ImportError[] = [];
    if (followUpDate && followUpDate < toLocal(occurredAt, rules.timezone).date) {
      rowErrors.push({
        line: record.line,
        column: COLUMN.followUpDate,
        message: `"${followUpDate}" is before the contact date`,
      });
    }
    const destination = transportDestinationOf(v[COLUMN.disposition], v[COLUMN.transportDestination], {
      categories,
      inHeader: hasDestination,
    });
    if (!destination.ok) {
      rowErrors.push({ line: record.line, column: COLUMN.transportDestination, message: destination.error });
    }
    if (rowErrors.length || !destination.ok) {
      errors.push(...rowErrors);
      continue;
    }
    const content = {
      clientNumber,
      clientCode: formatClientCode(rules.clientCodePrefix, clientNumber),
      occurredAt,
      source: v[COLUMN.source],
      services: v[COLUMN.services],
      referrals: v[COLUMN.referrals],
      disposition: v[COLUMN.disposition],
      sex: v[COLUMN.sex],
      ageBand: v[COLUMN.ageBand],
      incidentRef: v[COLUMN.incidentRef],
      minutesOnScene: v[COLUMN.minutesOnScene],
      followUpDate,
      onScene: v[COLUMN.onScene],
      transportDestination: destination.value,
      notes: v[COLUMN.notes],
    };
    const row: ImportRow = {
      line: record.line,
      contactNumber: v[COLUMN.contactNumber],
      ...content,
      raceEthnicity: v[COLUMN.raceEthnicity],
      veteran: v[COLUMN.veteran],
      idempotencyKey: rowKey(content),
    };
    const earlier = seen.get(row.idempotencyKey);
    if (earlier) {
      if (earlier.notes !== row.notes) {
        errors.push({
          line: row.line,
          column: COLUMN.notes,
          message: `repeats line ${earlier.line} (same client, time and details) with different notes`,
        });
      } else {
        duplicates++;
      }
      continue;
    }
    seen.set(row.idempotencyKey, row);
    rows.push(row);
  }
  return { rows, errors: errors.sort(byLine), duplicates };
}

/**
 * A row's transport destination, as the form has it: required when the disposition is a transport
 * (`not_recorded` says it never was), refused otherwise. A file without the column records none.
 */
function transportDestinationOf(
  disposition: string,
  cell: string | null,
  ctx: { categories: TCategories; inHeader: boolean },
): { ok: true; value: string | null } | { ok: false; error: string } {
  const transports = ctx.categories.dispositions.filter((c) => c.transport);
  const isTransport = transports.some((c) => c.key === disposition);
  if (!isTransport) {
    return cell === null
      ? { ok: true, value: null }
      : { ok: false, error: `is only for a transport (${keyList(transports)}): leave it blank for ${disposition}` };
  }
  if (cell === null) {
    return ctx.inHeader
      ? {
          ok: false,
          error: `is required when the disposition is ${disposition}: one of ${keyList(ctx.categories.transportDestinations)}, or ${NOT_RECORDED}`,
        }
      : { ok: true, value: null };
  }
  // A program that names a destination not_recorded keeps it as its own key.
  const recorded = cell !== NOT_RECORDED || ctx.categories.transportDestinations.some((c) => c.key === cell);
  return { ok: true, value: recorded ? cell : null };
}

/** What export writes in `transport_destination`: the key, `not_recorded`, or blank when not a transport. */
export function transportDestinationCell(
  disposition: string,
  destination: string | null,
  categories: TCategories,
): string {
  const isTransport = categories.dispositions.some((c) => c.key === disposition && c.transport);
  return isTransport ? (destination ?? NOT_RECORDED) : '';
}

/**
 * The rows of an import file, blank lines dropped, and its header: the first row after any notice
 * lines (an export's Part 2 statement, for the reader, not data). Contacts and referrals files alike.
 */
export function readCsvTable(
  text: string,
): { ok: true; header: CsvRecord; records: CsvRecord[] } | { ok: false; error: ImportError } {
  const csv = parseCsv(text);
  if (!csv.ok) return { ok: false, error: { line: csv.line, column: null, message: csv.message } };
  const records = csv.records.filter((r) => !isBlankRecord(r));
  while (records.length && isNoticeRecord(records[0]!)) records.shift();
  const header = records.shift();
  if (!header)
    return { ok: false, error: { line: 1, column: null, message: 'the file is empty: it needs a header row' } };
  return { ok: true, header, records };
}

function isNoticeRecord(r: CsvRecord): boolean {
  return r.fields[0]!.trimStart().startsWith(NOTICE_MARK) && r.fields.slice(1).every((f) => f.trim() === '');
}

/**
 * Sex and age band are required on the first row (in file order) of a client the program has not
 * met yet, and ignored on every other row.
 */
export function checkNewClients(rows: ImportRow[], existingClientNumbers: Set<number>): ImportError[] {
  const errors: ImportError[] = [];
  const firstSeen = new Set<number>();
  for (const row of rows) {
    if (existingClientNumbers.has(row.clientNumber) || firstSeen.has(row.clientNumber)) continue;
    firstSeen.add(row.clientNumber);
    const why = `is required for a new client (${row.clientCode} is first seen on this line)`;
    if (!row.sex) errors.push({ line: row.line, column: COLUMN.sex, message: why });
    if (!row.ageBand) errors.push({ line: row.line, column: COLUMN.ageBand, message: why });
  }
  return errors;
}

/** Errors merged and sorted by line. */
export function sortErrors(errors: ImportError[]): ImportError[] {
  return [...errors].sort(byLine);
}

/** One error as a person reads it: line 17, column source: "calls" is not one of … */
export function formatImportError(e: ImportError): string {
  return `line ${e.line}${e.column ? `, column ${e.column}` : ''}: ${e.message}`;
}
