// A program's progress report for a quarter, a year, a federal fiscal year or a date range: the
// digest's own figures (computeDigest, one column per quarter of a year and the whole), shown with
// the digest's suppression (src/views/report.ts), drawn as HTML, PDF or XLSX, and audited with who
// asked. Refuses a period that ends before the program began or starts after today.
import type { ProgramConfig } from '../config.js';
import { parseReportPeriod, type ReportPeriod } from '../domain/periods.js';
import { toLocal } from '../domain/time.js';
import { CarelogError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { buildReport, type ReportDocument } from '../views/report.js';
import { renderReportHtml } from '../views/report-html.js';
import { renderReportPdf } from '../views/report-pdf.js';
import { renderReportXlsx } from '../views/report-xlsx.js';
import { audit, AUDIT } from './audit.js';
import type { ExportActor } from './csv-export.js';
import { computeDigest } from './digest.js';

export const REPORT_FORMATS = ['html', 'pdf', 'xlsx'] as const;
export type TReportFormat = (typeof REPORT_FORMATS)[number];

/** Reads `--period` for a program, or says in one line what is wrong with it. */
export function reportPeriodOf(program: ProgramConfig, text: string, now: Date): ReportPeriod {
  const period = parseReportPeriod(text, program.timezone, program.startDate);
  if (!period)
    throw new CarelogError(
      'invalid_input',
      `--period "${text}" is not a period: use a quarter (2024-Q3), a year (2024), a federal fiscal year (FY2025) or a range of days (2024-07-01..2024-09-30, first day before last)`,
    );
  const today = toLocal(now, program.timezone).date;
  if (period.whole.endDate <= program.startDate)
    throw new CarelogError(
      'invalid_input',
      `--period ${period.label} ends before ${program.id} began (${program.startDate}): choose a period from then on`,
    );
  if (period.whole.startDate > today)
    throw new CarelogError(
      'invalid_input',
      `--period ${period.label} starts after today (${today} in ${program.timezone}): choose a period that has begun`,
    );
  return period;
}

/** A report's document in a format's bytes. */
export async function renderReport(document: ReportDocument, format: TReportFormat): Promise<Buffer> {
  if (format === 'html') return Buffer.from(renderReportHtml(document));
  return format === 'pdf' ? renderReportPdf(document) : renderReportXlsx(document);
}

/** A report in one or more formats from one computation of its figures, audited once per format. */
export async function makeReports(
  deps: { prisma: PrismaClient; now: () => Date },
  req: { program: ProgramConfig; period: ReportPeriod; formats: TReportFormat[]; actor: ExportActor },
): Promise<{ document: ReportDocument; files: Map<TReportFormat, Buffer> }> {
  const { program, period } = req;
  const today = toLocal(deps.now(), program.timezone).date;
  // A year's quarters that have begun, each a column; the whole period is the last.
  const quarters = period.quarters.filter((q) => q.startDate <= today);
  const [whole, ...parts] = await Promise.all([
    computeDigest(deps.prisma, program, period.whole),
    ...quarters.map((q) => computeDigest(deps.prisma, program, q)),
  ]);
  const document = buildReport({
    program,
    period,
    parts,
    whole: whole,
    suppressBelow: program.digest.suppressBelow,
    today,
  });
  const files = new Map<TReportFormat, Buffer>();
  for (const format of req.formats) files.set(format, await renderReport(document, format));
  await audit(
    deps.prisma,
    req.formats.map((format) => ({
      programId: program.id,
      actorId: req.actor.memberId,
      action: AUDIT.reportRun,
      entityType: 'program' as const,
      entityId: program.id,
      details: {
        osUser: req.actor.osUser,
        host: req.actor.host,
        actor: req.actor.named,
        period: period.label,
        format,
      },
    })),
  );
  return { document, files };
}

export async function makeReport(
  deps: { prisma: PrismaClient; now: () => Date },
  req: { program: ProgramConfig; period: ReportPeriod; format: TReportFormat; actor: ExportActor },
): Promise<{ document: ReportDocument; bytes: Buffer }> {
  const { document, files } = await makeReports(deps, { ...req, formats: [req.format] });
  return { document, bytes: files.get(req.format)! };
}
