// `report [2024-Q3 | 2024 | FY2025 | 2024-07-01..2024-09-30]` in a leadership member's 1:1 chat with
// carelog on Teams: the progress report PDF, given each time it is asked for (the once-per-period
// rule is for the digest channel's automatic posting). A bot cannot put a file in a Teams channel
// without SharePoint, but may offer one in a 1:1 chat: the platform asks the person's consent, and
// the file is made again once they accept, from the program and period alone.
import { z } from 'zod';
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import { lastCompletePeriod, type ReportPeriod } from '../domain/periods.js';
import { isCarelogError } from '../errors.js';
import type { MemberRef } from './directory.js';
import { makeReport, reportFileName, reportPeriodOf } from './report.js';

export const NOT_LEADERSHIP = 'Progress reports are for your program’s leadership.';

export const REPORT_CHAT_USAGE =
  'Write **report 2024-Q3** for a quarter (or **report** alone for the last full one), **report 2024** for a year, **report FY2025** for a federal fiscal year, or **report 2024-07-01..2024-09-30** for a range of days.';

export function mayRequestReport(member: MemberRef | undefined): member is MemberRef {
  return !!member && member.roles.includes('leadership');
}

/**
 * What a report offer carries through the platform and back: the program and the period, nothing
 * else. The file is made again from these when the person accepts, so no figure travels in it.
 */
export const ZReportContext = z.object({
  programId: z.string().min(1).max(64),
  period: z.string().min(1).max(32),
});
export type TReportContext = z.infer<typeof ZReportContext>;

export interface ReportFile {
  context: TReportContext;
  period: ReportPeriod;
  filename: string;
  description: string;
  bytes: Buffer;
}

export type TReportAnswer = { ok: true; file: ReportFile } | { ok: false; message: string };

/**
 * The report a person asked for: the period they named (quoted back only when it looks like a
 * period, never a word someone typed), or the last full quarter. Made and audited with the person
 * as its actor.
 */
export async function requestReport(
  deps: CarelogDeps,
  program: ProgramConfig,
  member: MemberRef,
  text: string,
): Promise<TReportAnswer> {
  const asked = text.trim() || lastCompletePeriod('quarter', deps.now(), program.timezone, program.startDate).label;
  let period: ReportPeriod;
  try {
    period = reportPeriodOf(program, asked, deps.now(), 'report');
  } catch (err) {
    if (!isCarelogError(err, 'invalid_input')) throw err;
    const looksLikeAPeriod = /^(?:fy)?\d[\dq.-]{0,30}$/i.test(asked);
    const message = err.message.startsWith('report "')
      ? `${looksLikeAPeriod ? `“${asked}”` : 'That'} is not a period. ${REPORT_CHAT_USAGE}`
      : `${err.message.replace(/^report /, '').replace(/^./, (c) => c.toUpperCase())}.`;
    return { ok: false, message };
  }
  return { ok: true, file: await reportFile(deps, program, member, period) };
}

/** The report again from an accepted offer's context, for the person who accepted it. */
export async function reportFromContext(
  deps: CarelogDeps,
  program: ProgramConfig,
  member: MemberRef,
  context: TReportContext,
): Promise<ReportFile> {
  return reportFile(deps, program, member, reportPeriodOf(program, context.period, deps.now(), 'report'));
}

async function reportFile(
  deps: CarelogDeps,
  program: ProgramConfig,
  member: MemberRef,
  period: ReportPeriod,
): Promise<ReportFile> {
  const { bytes } = await makeReport(
    { prisma: deps.db.prisma, now: deps.now },
    { program, period, format: 'pdf', actor: { memberId: member.memberId, via: 'chat-request' } },
  );
  return {
    context: { programId: program.id, period: period.label },
    period,
    filename: reportFileName(program.id, period, 'pdf'),
    description: `${program.name}: progress report, ${period.name} (PDF): aggregates only, suppressed as the digests are.`,
    bytes,
  };
}
