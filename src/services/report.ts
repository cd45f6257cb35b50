// A program's progress report for a quarter, a year, a federal fiscal year or a date range: the
// digest's own figures (computeDigest, one column per quarter of a year and the whole), shown with
// the digest's suppression (src/views/report.ts), drawn as HTML, PDF or XLSX, and audited with who
// asked. Refuses a period that ends before the program began or starts after today.
import type { ProgramConfig } from '../config.js';
import type { DigestFigures } from '../domain/digest.js';
import { parseReportPeriod, type ReportPeriod } from '../domain/periods.js';
import { toLocal } from '../domain/time.js';
import { CarelogError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { buildReport, type ReportDocument } from '../views/report.js';
import { audit, AUDIT } from './audit.js';
import type { ExportActor } from './csv-export.js';
import { computeDigest } from './digest.js';

export const REPORT_FORMATS = ['html', 'pdf', 'xlsx'] as const;
export type TReportFormat = (typeof REPORT_FORMATS)[number];

/** The periods a report accepts, in words, for the answer to one it cannot read. */
export const REPORT_PERIOD_FORMS =
  'a quarter (2024-Q3), a year (2024), a federal fiscal year (FY2025) or a range of days (2024-07-01..2024-09-30, first day before last)';

/**
 * Reads a report's period for a program, or says in one line what is wrong with it. `named` is how
 * the answer names what was given: `--period` at the command line, `report` in chat.
 */
export function reportPeriodOf(program: ProgramConfig, text: string, now: Date, named = '--period'): ReportPeriod {
  const period = parseReportPeriod(text, program.timezone, program.startDate);
  if (!period)
    throw new CarelogError('invalid_input', `${named} "${text}" is not a period: use ${REPORT_PERIOD_FORMS}`);
  const today = toLocal(now, program.timezone).date;
  if (period.whole.endDate <= program.startDate)
    throw new CarelogError(
      'invalid_input',
      `${named} ${period.label} ends before ${program.id} began (${program.startDate}): choose a period from then on`,
    );
  if (period.whole.startDate > today)
    throw new CarelogError(
      'invalid_input',
      `${named} ${period.label} starts after today (${today} in ${program.timezone}): choose a period that has begun`,
    );
  return period;
}

/** The file name a report goes out under in chat: program and period (wilmington-2024-Q3-progress-report.pdf). */
export function reportFileName(programId: string, period: { label: string }, format: TReportFormat): string {
  return `${programId}-${period.label.replace(/\.\./, '_')}-progress-report.${format}`;
}

/**
 * Who made a report: someone at the command line (ExportActor: `--actor`, the OS account and
 * machine), or in chat: the schedule posting a quarterly digest (memberId null), a person posting
 * one by hand, or a person asking for the report in their chat with carelog.
 */
export type ReportActor =
  ExportActor | { memberId: string | null; via: 'digest-schedule' | 'digest-post' | 'chat-request' };

function actorDetails(actor: ReportActor): Record<string, string | null> {
  if ('via' in actor) return { via: actor.via, actor: actor.memberId ? null : 'carelog scheduler' };
  return { osUser: actor.osUser, host: actor.host, actor: actor.named };
}

/**
 * A report's document in a format's bytes. Each renderer, with its library (ECharts, pdfkit and its
 * fonts, ExcelJS), loads with the first report in its format, not at every start: loaded statically
 * they were about a third of a cold start's CPU (BENCHMARKS.md, "Cold start"), for a report a
 * process may never make. test/e2e/built-start.test.ts holds the built entry point to that.
 */
export async function renderReport(document: ReportDocument, format: TReportFormat): Promise<Buffer> {
  if (format === 'html') return Buffer.from((await import('../views/report-html.js')).renderReportHtml(document));
  if (format === 'pdf') return (await import('../views/report-pdf.js')).renderReportPdf(document);
  return (await import('../views/report-xlsx.js')).renderReportXlsx(document);
}

/** A report in one or more formats from one computation of its figures, audited once per format. */
export async function makeReports(
  deps: { prisma: PrismaClient; now: () => Date },
  req: {
    program: ProgramConfig;
    period: ReportPeriod;
    formats: TReportFormat[];
    actor: ReportActor;
    /** The whole period's figures when the caller computed them already (a quarterly digest's). */
    figures?: DigestFigures;
  },
): Promise<{ document: ReportDocument; files: Map<TReportFormat, Buffer> }> {
  const { program, period } = req;
  const today = toLocal(deps.now(), program.timezone).date;
  // A year's quarters that have begun, each a column; the whole period is the last.
  const quarters = period.quarters.filter((q) => q.startDate <= today);
  const [whole, ...parts] = await Promise.all([
    req.figures ?? computeDigest(deps.prisma, program, period.whole),
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
      details: { ...actorDetails(req.actor), period: period.label, format },
    })),
  );
  return { document, files };
}

export async function makeReport(
  deps: { prisma: PrismaClient; now: () => Date },
  req: {
    program: ProgramConfig;
    period: ReportPeriod;
    format: TReportFormat;
    actor: ReportActor;
    figures?: DigestFigures;
  },
): Promise<{ document: ReportDocument; bytes: Buffer }> {
  const { document, files } = await makeReports(deps, { ...req, formats: [req.format] });
  return { document, bytes: files.get(req.format)! };
}
