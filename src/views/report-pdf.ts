// The progress report as a PDF, made in-process by PDFKit (no browser on the server): text set in
// the bundled DejaVu Sans, so it is selectable and a PDF-to-text tool extracts every figure; the
// charts drawn as vectors from the same SVG as the HTML (svg-to-pdfkit), their text in the same font.
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { CHART_FONT_FILES, renderChartSvg } from './chart.js';
import type { ReportDocument, ReportTable } from './report.js';

const REGULAR = 'DejaVu';
const BOLD = 'DejaVu-Bold';
const INK = '#1F2328';
const ACCENT = '#0072B2';
const SUBTLE = '#57606A';
const MARGIN = 54; // 0.75 in

export function renderReportPdf(doc: ReportDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    info: { Title: `${doc.title}, ${doc.periodName}`, Author: doc.programName, Creator: 'carelog' },
    // Same bytes for the same report on the same day.
    compress: true,
  });
  pdf.registerFont(REGULAR, CHART_FONT_FILES[0]);
  pdf.registerFont(BOLD, CHART_FONT_FILES[1]);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  const width = pdf.page.width - 2 * MARGIN;
  const bottom = () => pdf.page.height - MARGIN;
  const ensure = (h: number) => {
    if (pdf.y + h > bottom()) pdf.addPage();
  };

  // Cover.
  pdf.font(BOLD).fontSize(22).fillColor(INK).text(doc.programName, { width });
  pdf.moveDown(0.3);
  pdf.font(REGULAR).fontSize(13).text(`Progress report: ${doc.periodName} (${doc.periodDates})`, { width });
  pdf.fontSize(10).fillColor(SUBTLE).text(`Generated on ${doc.generatedOn}. Figures from carelog.`, { width });
  pdf.moveDown(0.4);
  pdf
    .moveTo(MARGIN, pdf.y)
    .lineTo(MARGIN + width, pdf.y)
    .lineWidth(3)
    .strokeColor(ACCENT)
    .stroke();
  pdf.moveDown(0.8);
  pdf.font(BOLD).fontSize(12).fillColor(INK).text(doc.summary, { width });

  const heading = (title: string) => {
    ensure(60);
    pdf.moveDown(1);
    pdf.font(BOLD).fontSize(13).fillColor(INK).text(title, MARGIN, pdf.y, { width });
    pdf
      .moveTo(MARGIN, pdf.y + 2)
      .lineTo(MARGIN + width, pdf.y + 2)
      .lineWidth(1.5)
      .strokeColor(ACCENT)
      .stroke();
    pdf.moveDown(0.5);
  };

  const drawTable = (t: ReportTable) => {
    const n = t.columns.length;
    const valueWidth = n > 1 ? Math.min(78, (width * 0.6) / n) : 110;
    const labelWidth = width - valueWidth * n;
    const row = (label: string, values: string[], bold: boolean) => {
      pdf.font(bold ? BOLD : REGULAR).fontSize(n > 3 ? 8.5 : 9.5);
      const h =
        Math.max(
          pdf.heightOfString(label, { width: labelWidth - 6 }),
          ...values.map((v) => pdf.heightOfString(v, { width: valueWidth - 6 })),
        ) + 6;
      ensure(h);
      const y = pdf.y;
      pdf.fillColor(INK).text(label, MARGIN, y + 3, { width: labelWidth - 6 });
      values.forEach((v, i) =>
        pdf.text(v, MARGIN + labelWidth + i * valueWidth, y + 3, { width: valueWidth - 6, align: 'right' }),
      );
      pdf
        .moveTo(MARGIN, y + h)
        .lineTo(MARGIN + width, y + h)
        .lineWidth(bold ? 1 : 0.5)
        .strokeColor(bold ? INK : '#D0D7DE')
        .stroke();
      pdf.x = MARGIN;
      pdf.y = y + h;
    };
    row(n > 1 ? '' : 'Figure', t.columns, true);
    for (const r of t.rows) row(r.label, r.values, false);
    pdf.moveDown(0.5);
  };

  const section = (t: ReportTable) => {
    heading(t.title);
    if (t.chart) {
      const h = width / 2.1;
      ensure(h + 10);
      SVGtoPDF(pdf, renderChartSvg(t.chart, { width: 720, height: 340 }), MARGIN, pdf.y, {
        width,
        height: (width * 340) / 720,
        assumePt: false,
        fontCallback: (_family, bold) => (bold ? BOLD : REGULAR),
      });
      pdf.y += (width * 340) / 720 + 8;
      pdf.x = MARGIN;
    }
    drawTable(t);
  };

  section(doc.headline);
  for (const t of doc.sections) section(t);

  heading('Definitions');
  for (const d of doc.definitions) {
    pdf.font(BOLD).fontSize(9.5);
    ensure(pdf.heightOfString(d.meaning, { width }) + 16);
    pdf.fillColor(INK).text(d.term, MARGIN, pdf.y, { width });
    pdf.font(REGULAR).text(d.meaning, { width });
    pdf.moveDown(0.3);
  }
  heading('Suppression rule in force');
  pdf.font(REGULAR).fontSize(9.5).fillColor(INK).text(doc.suppressionRule, MARGIN, pdf.y, { width });

  pdf.end();
  return done;
}
