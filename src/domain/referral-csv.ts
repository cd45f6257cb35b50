// Referrals as CSV rows: the columns `export --what referrals` writes, and the rules by which
// `import --what referrals` reads the same file back as outcomes. Every row is checked, and every
// problem is reported by line and column, before anything is written. No I/O here;
// src/services/referral-csv.ts does the database side.
import type { TCategories } from './categories.js';
import { quoted, readCsvTable, type ImportError } from './contact-csv.js';
import { unguardSpreadsheetCell } from './csv.js';
import { recheckAt, REFERRAL_STATUSES, type ReferralSettings, type TReferralStatus } from './referrals.js';
import type { FollowUpRules } from './followups.js';
import { isIsoDate, toLocal } from './time.js';

export const REFERRAL_COLUMN = {
  referralId: 'referral_id',
  contactNumber: 'contact_number',
  clientCode: 'client_code',
  category: 'category',
  madeOn: 'made_on',
  status: 'status',
  connectedOn: 'connected_on',
  closedOn: 'closed_on',
  checks: 'checks',
} as const;
export type TReferralColumn = (typeof REFERRAL_COLUMN)[keyof typeof REFERRAL_COLUMN];

/** The columns `export --what referrals` writes, in order. */
export const REFERRAL_EXPORT_COLUMNS: readonly TReferralColumn[] = Object.values(REFERRAL_COLUMN);
const REQUIRED: readonly TReferralColumn[] = [REFERRAL_COLUMN.referralId, REFERRAL_COLUMN.status];
/** Columns that name the referral: when present they must agree with it (a row from another file). */
const IDENTITY = [
  REFERRAL_COLUMN.contactNumber,
  REFERRAL_COLUMN.clientCode,
  REFERRAL_COLUMN.category,
  REFERRAL_COLUMN.madeOn,
] as const;
type TIdentityColumn = (typeof IDENTITY)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMN_LIKE = /^[a-z][a-z0-9_]{0,39}$/;

/** One row of a referrals file, as read: the outcome to record and what the row says it is. */
export interface ReferralImportRow {
  line: number;
  id: string;
  status: TReferralStatus;
  /** YYYY-MM-DD, only with status connected. */
  connectedOn: string | null;
  /** The identity columns the row fills in (contact_number, client_code, category, made_on). */
  says: Partial<Record<TIdentityColumn, string>>;
}

export interface ReferralImportParse {
  rows: ReferralImportRow[];
  errors: ImportError[];
  /** Rows that repeat an earlier line word for word (dropped). */
  duplicates: number;
}

/**
 * Reads and checks a referrals file without the database: the header, each id, status and
 * connection date. `today` is the program's local date: a connection cannot be dated after it.
 */
export function parseReferralsCsv(text: string, today: string): ReferralImportParse {
  const table = readCsvTable(text);
  if (!table.ok) return { rows: [], duplicates: 0, errors: [table.error] };
  const { header, records } = table;

  const errors: ImportError[] = [];
  const known = new Set<string>(REFERRAL_EXPORT_COLUMNS);
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  columns.forEach((c, i) => {
    if (!known.has(c)) {
      errors.push({
        line: header.line,
        column: COLUMN_LIKE.test(header.fields[i]!.trim()) ? c : `#${i + 1}`,
        message: `is not a column of a referrals file (columns: ${[...known].join(', ')})`,
      });
    } else if (columns.indexOf(c) !== i) {
      errors.push({ line: header.line, column: c, message: 'appears twice in the header' });
    }
  });
  for (const c of REQUIRED) {
    if (!columns.includes(c)) errors.push({ line: header.line, column: c, message: 'is required in the header row' });
  }
  if (errors.length) return { rows: [], duplicates: 0, errors };

  const rows: ReferralImportRow[] = [];
  const seen = new Map<string, { line: number; canonical: string }>();
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
    const cell = (c: TReferralColumn) => {
      const i = columns.indexOf(c);
      return i === -1 ? '' : unguardSpreadsheetCell(record.fields[i]!).trim();
    };
    const err = (column: TReferralColumn, message: string) => errors.push({ line: record.line, column, message });
    const before = errors.length;

    const id = cell(REFERRAL_COLUMN.referralId);
    if (!id) err(REFERRAL_COLUMN.referralId, 'is required');
    else if (!UUID.test(id))
      err(REFERRAL_COLUMN.referralId, 'is not a referral id (as export --what referrals writes it)');

    const statusText = cell(REFERRAL_COLUMN.status);
    const status = (REFERRAL_STATUSES as readonly string[]).includes(statusText)
      ? (statusText as TReferralStatus)
      : null;
    if (!statusText) err(REFERRAL_COLUMN.status, `is required: one of ${REFERRAL_STATUSES.join(', ')}`);
    else if (!status)
      err(REFERRAL_COLUMN.status, `${quoted(statusText, 'key')}is not one of ${REFERRAL_STATUSES.join(', ')}`);

    const connectedOn = cell(REFERRAL_COLUMN.connectedOn) || null;
    if (connectedOn !== null) {
      if (!isIsoDate(connectedOn))
        err(REFERRAL_COLUMN.connectedOn, `${quoted(connectedOn, 'numeric')}is not a date such as 2024-10-07`);
      else if (status && status !== 'connected')
        err(REFERRAL_COLUMN.connectedOn, `is only for status connected: leave it blank for ${status}`);
      else if (connectedOn > today) err(REFERRAL_COLUMN.connectedOn, `"${connectedOn}" is in the future`);
    } else if (status === 'connected') {
      err(REFERRAL_COLUMN.connectedOn, 'is required when the status is connected: the day the person connected');
    }

    const says: Partial<Record<TIdentityColumn, string>> = {};
    for (const c of IDENTITY) {
      const v = cell(c);
      if (v) says[c] = v;
    }
    if (errors.length > before || !status) continue;

    const canonical = [status, connectedOn ?? '', ...IDENTITY.map((c) => says[c] ?? '')].join('\u001f');
    const earlier = seen.get(id.toLowerCase());
    if (earlier) {
      if (earlier.canonical === canonical) duplicates++;
      else err(REFERRAL_COLUMN.referralId, `repeats line ${earlier.line} with a different outcome`);
      continue;
    }
    seen.set(id.toLowerCase(), { line: record.line, canonical });
    rows.push({ line: record.line, id: id.toLowerCase(), status, connectedOn, says });
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line), duplicates };
}

/** A referral as stored, in the shapes the file uses. */
export interface StoredReferral {
  id: string;
  contactNumber: number;
  clientCode: string;
  category: string;
  /** The local day it was made (YYYY-MM-DD). */
  madeOn: string;
  status: TReferralStatus;
  connectedOn: string | null;
  closedAt: Date | null;
  checks: number;
}

/** What an imported row changes on its referral. */
export interface ReferralChange {
  id: string;
  line: number;
  status: TReferralStatus;
  connectedOn: string | null;
  closedAt: Date | null;
  nextCheckAt: Date | null;
}

export interface ReferralOutcomeRules {
  categories: TCategories;
  settings: ReferralSettings;
  followUps: FollowUpRules;
  now: Date;
}

/**
 * Checks each row against its referral (it must be one of this program's, and the columns that
 * name it must agree), then says what changes. A row that matches what is stored changes nothing,
 * so importing the same file twice writes once. A closed referral may be corrected: to another
 * end (its closing time stays), or back to `made` (its checks resume if it has any left).
 */
export function planReferralChanges(
  rows: ReferralImportRow[],
  stored: Map<string, StoredReferral>,
  rules: ReferralOutcomeRules,
): { changes: ReferralChange[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const changes: ReferralChange[] = [];
  for (const row of rows) {
    const r = stored.get(row.id);
    const err = (column: TReferralColumn, message: string) => errors.push({ line: row.line, column, message });
    if (!r) {
      err(REFERRAL_COLUMN.referralId, 'is not a referral of this program');
      continue;
    }
    const before = errors.length;
    const actual: Record<TIdentityColumn, string> = {
      contact_number: String(r.contactNumber),
      client_code: r.clientCode,
      category: r.category,
      made_on: r.madeOn,
    };
    for (const c of IDENTITY) {
      const said = row.says[c];
      const is = actual[c];
      if (said !== undefined && said.toLowerCase() !== is.toLowerCase())
        err(
          c,
          // The stored value is not shown: a Part 2 category stays out of the message.
          `${quoted(said, c === 'client_code' ? 'code' : c === 'category' ? 'key' : 'numeric')}does not match this referral: the row and its referral_id disagree`,
        );
    }
    if (row.connectedOn && row.connectedOn < r.madeOn)
      err(REFERRAL_COLUMN.connectedOn, `"${row.connectedOn}" is before the referral was made (${r.madeOn})`);
    if (errors.length > before) continue;

    if (row.status === r.status && row.connectedOn === r.connectedOn) continue;
    if (row.status === 'made') {
      const checksLeft = r.checks < rules.settings.maxChecks;
      changes.push({
        id: r.id,
        line: row.line,
        status: 'made',
        connectedOn: null,
        closedAt: null,
        nextCheckAt: checksLeft ? recheckAt(rules.now, rules.settings, rules.followUps) : null,
      });
    } else {
      changes.push({
        id: r.id,
        line: row.line,
        status: row.status,
        connectedOn: row.status === 'connected' ? row.connectedOn : null,
        closedAt: r.closedAt ?? rules.now,
        nextCheckAt: null,
      });
    }
  }
  return { changes, errors };
}

/** The program's local date now, the latest a connection may be dated. */
export function localToday(now: Date, timezone: string): string {
  return toLocal(now, timezone).date;
}
