// The progress report as an XLSX workbook (ExcelJS): a Headline sheet, one sheet per table, and a
// Definitions sheet. Counts are numbers, a change in percent is a number formatted as one; every
// other cell is text that passed guardSpreadsheetCell, carelog's one formula-injection guard.
import ExcelJS from 'exceljs';
import { guardSpreadsheetCell } from '../domain/csv.js';
import { isCount, type ReportDocument, type ReportTable } from './report.js';

/** A shown value as a cell's value: a count as a number, "+32 %" as 0.32, anything else as guarded text. */
export function reportCellValue(value: string): { value: string | number; percent: boolean } {
  if (isCount(value)) return { value: Number(value), percent: false };
  const pct = /^([+-]?\d+) %$/.exec(value);
  if (pct) return { value: Number(pct[1]) / 100, percent: true };
  return { value: guardSpreadsheetCell(value), percent: false };
}

const text = (s: string) => guardSpreadsheetCell(s);

export async function renderReportXlsx(doc: ReportDocument): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'carelog';
  wb.title = text(`${doc.title}, ${doc.periodName}`);

  const sheet = (t: ReportTable, intro: string[] = []) => {
    const ws = wb.addWorksheet(t.id);
    for (const line of intro) ws.addRow([text(line)]);
    ws.addRow([text(t.title)]).font = { bold: true, size: 12 };
    const head = ws.addRow([t.columns.length > 1 ? '' : 'Figure', ...t.columns.map(text)]);
    head.font = { bold: true };
    for (const r of t.rows) {
      const row = ws.addRow([text(r.label)]);
      r.values.forEach((v, i) => {
        const cell = row.getCell(i + 2);
        const { value, percent } = reportCellValue(v);
        cell.value = value;
        if (percent) cell.numFmt = '+0%;-0%;0%';
        if (typeof value === 'string') cell.alignment = { horizontal: 'right' };
      });
    }
    ws.getColumn(1).width = Math.min(70, Math.max(24, ...t.rows.map((r) => r.label.length + 2)));
    for (let i = 0; i < t.columns.length; i++)
      ws.getColumn(i + 2).width = Math.max(14, Math.min(40, ...[t.columns[i]!.length + 2]));
    ws.views = [{ state: 'frozen', ySplit: intro.length + 2 }];
    return ws;
  };

  sheet(doc.headline, [
    doc.programName,
    `Progress report: ${doc.periodName} (${doc.periodDates})`,
    `Generated on ${doc.generatedOn}. Figures from carelog.`,
    doc.summary,
    '',
  ]);
  for (const t of doc.sections) sheet(t);

  const defs = wb.addWorksheet('Definitions');
  defs.addRow(['Term', 'Meaning']).font = { bold: true };
  for (const d of doc.definitions) defs.addRow([text(d.term), text(d.meaning)]);
  defs.addRow([]);
  defs.addRow([text('Suppression rule in force'), text(doc.suppressionRule)]);
  defs.getColumn(1).width = 40;
  defs.getColumn(2).width = 100;
  defs.getColumn(2).alignment = { wrapText: true, vertical: 'top' };

  return Buffer.from(await wb.xlsx.writeBuffer());
}
