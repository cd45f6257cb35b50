// CSV as RFC 4180 writes it and spreadsheets save it: fields separated by commas, records by LF or
// CRLF, quoted fields that may hold commas, newlines and doubled quotes, and an optional UTF-8 BOM.
// Small enough to own rather than depend on a package.

export interface CsvRecord {
  /** Line of the file on which the record starts (1-based), for error messages. */
  line: number;
  fields: string[];
}

export type TCsvParse = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

/**
 * Splits CSV text into records. A quote inside an unquoted field is kept as text (as spreadsheets
 * do); text after a closing quote, or a quote never closed, is an error naming the line.
 */
export function parseCsv(text: string): TCsvParse {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field: string;
      if (text[i] === '"') {
        const openedOn = line;
        let out = '';
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q === -1) return { ok: false, line: openedOn, message: 'a quoted field is never closed' };
          const chunk = text.slice(i, q);
          line += countNewlines(chunk);
          out += chunk;
          if (text[q + 1] === '"') {
            out += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
        field = out;
        const next = text[i];
        if (i < n && next !== ',' && next !== '\n' && next !== '\r') {
          return {
            ok: false,
            line,
            message: 'text follows a closing quote (a quote inside a quoted field is written "")',
          };
        }
      } else {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
          j++;
        }
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      // End of record: \n, \r\n, a lone \r, or end of text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    records.push({ line: start, fields });
  }
  return { ok: true, records };
}

function countNewlines(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    // \r\n counts once; a lone \r counts as a line break too.
    if (c === 10 || (c === 13 && s.charCodeAt(k + 1) !== 10)) count++;
  }
  return count;
}

/** True for a record with nothing in it (a blank line, or a final newline's empty remainder). */
export function isBlankRecord(r: CsvRecord): boolean {
  return r.fields.every((f) => f.trim() === '');
}

/**
 * A text cell a spreadsheet would read as a formula (OWASP "CSV injection"): it begins with = + - @,
 * a tab or a carriage return, possibly behind single quotes that carelog itself put there. The quotes
 * count so that guarding stays reversible: a note that truly begins with '= gets a quote of its own.
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
/** A cell as guardSpreadsheetCell leaves it: one added quote, then what FORMULA_LIKE matched. */
const GUARDED = /^'+[=+\-@\t\r]/;

/**
 * The one guard every spreadsheet writer in carelog applies to every text cell it writes (CSV today;
 * any future format calls this too): a cell that would start a formula gets a leading single quote,
 * which spreadsheets show as text. `unguardSpreadsheetCell` undoes exactly this and nothing else.
 */
export function guardSpreadsheetCell(value: string): string {
  return FORMULA_LIKE.test(value) ? `'${value}` : value;
}

/** The inverse of guardSpreadsheetCell, for reading a file carelog (or a spreadsheet) wrote. */
export function unguardSpreadsheetCell(value: string): string {
  return GUARDED.test(value) ? value.slice(1) : value;
}

/** One CSV field, quoted when it must be; a guarded cell is always quoted (as OWASP advises). */
export function csvField(value: string): string {
  const cell = guardSpreadsheetCell(value);
  return cell !== value || /[",\r\n]/.test(cell) || cell !== cell.trim() ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** CSV text with CRLF line ends (RFC 4180, and what spreadsheets expect), every cell guarded. */
export function formatCsv(rows: string[][]): string {
  return rows.map((r) => `${r.map(csvField).join(',')}\r\n`).join('');
}
