// Posting a digest exactly once per program, kind, period and platform, however many replicas race
// the schedule and however often a job is retried. The same claim / post / record pattern as nudges
// and linkage checks (src/services/send-once.ts): a DigestRun row is claimed under a unique key before posting, the post
// carries the run id, and a taker of an abandoned claim looks for that post before posting again.
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import type { Period } from '../domain/periods.js';
import type { DigestFigures } from '../domain/digest.js';
import { followUpRules, overdueCutoff } from '../domain/followups.js';
import { parseReportPeriod, periodContaining } from '../domain/periods.js';
import { fromLocal, toLocal } from '../domain/time.js';
import { Prisma } from '../generated/prisma/client.js';
import { buildDigestView, type AttentionRow, type DigestView } from '../views/digest.js';
import { newClientsChart } from '../views/chart-model.js';
import { computeDigest } from './digest.js';
import type { TPlatform } from './directory.js';
import type { Messenger, SentMessage } from './messenger.js';
import { makeReport, reportFileName } from './report.js';

/** The chart's size on Teams, where it goes inline in the card (Slack's is the default, 800×400). */
export const TEAMS_CHART_SIZE = { width: 480, height: 240 };

/** How long a claimed-but-unposted digest is left to the process that claimed it. */
export const DIGEST_CLAIM_LEASE_MS = 2 * 60_000;

export type TPostResult =
  | { status: 'posted' | 'recovered'; channel: string; ts: string }
  | { status: 'already-posted'; channel: string | null; ts: string | null }
  | { status: 'in-flight' }
  | { status: 'no-channel' };

export class DigestInFlightError extends Error {
  constructor() {
    super('another process is posting this digest');
    this.name = 'DigestInFlightError';
  }
}

/** The channel a program's digests go to on a platform, if it has one there. */
export function digestChannel(program: ProgramConfig, platform: TPlatform): string | undefined {
  return program[platform].digestChannel;
}

/** The platforms a program's digests are posted on: each with a digest channel. */
export function digestPlatforms(program: ProgramConfig): TPlatform[] {
  return (['slack', 'teams'] as const).filter((p) => digestChannel(program, p) !== undefined);
}

export interface FollowUpAttention {
  assigneeId: string | null;
  dueThisWeek: number;
  overdue: number;
}

/**
 * The weekly digest's follow-ups needing attention, by assignee, counts only: overdue, and due by
 * the end of the week after the period (the week the digest goes out in; a follow-up past its due
 * day but not yet overdue counts as due). As of the digest's scheduled time (Monday at weeklyAt,
 * local) or now if earlier, so a missed week posted later shows what it would have shown then.
 * One SQL aggregate.
 */
export async function followUpAttention(
  deps: CarelogDeps,
  program: ProgramConfig,
  period: Period,
): Promise<FollowUpAttention[]> {
  const scheduled = fromLocal(period.endDate, program.digest.weeklyAt, program.timezone);
  const now = deps.now();
  const asOf = now < scheduled ? now : scheduled;
  const cutoff = overdueCutoff(asOf, followUpRules(program));
  const weekEnd = periodContaining('week', period.endDate, program.timezone).end;
  // Pending at asOf: asked for on a contact before it, not completed before it.
  const rows = await deps.db.prisma.$queryRaw<{ assignee: string | null; overdue: unknown; due: unknown }[]>`
    SELECT f."assigneeId"::text AS assignee,
           count(*) FILTER (WHERE f."dueAt" < ${cutoff}) AS overdue,
           count(*) FILTER (WHERE f."dueAt" >= ${cutoff}) AS due
    FROM "FollowUp" f JOIN "Contact" c ON c."id" = f."originContactId"
    WHERE f."programId" = ${program.id} AND f."dueAt" < ${weekEnd} AND c."occurredAt" < ${asOf}
      AND (f."status" = 'pending' OR (f."status" IN ('done', 'unreachable') AND f."completedAt" >= ${asOf}))
    GROUP BY f."assigneeId"`;
  const counts = new Map(rows.map((r) => [r.assignee, { dueThisWeek: Number(r.due), overdue: Number(r.overdue) }]));
  // Every case manager on the roster, with nothing to do or not; then anyone else with some.
  const out: FollowUpAttention[] = deps.directory
    .withRole(program.id, 'case_manager')
    .map((m) => ({ assigneeId: m.memberId, ...(counts.get(m.memberId) ?? { dueThisWeek: 0, overdue: 0 }) }));
  for (const [assigneeId, c] of counts)
    if (!out.some((a) => a.assigneeId === assigneeId)) out.push({ assigneeId, ...c });
  return out;
}

export async function buildDigest(
  deps: CarelogDeps,
  program: ProgramConfig,
  period: Period,
  /** The chart picture's size: Teams wants a smaller one (TEAMS_CHART_SIZE) than Slack's default. */
  chartSize: { width?: number; height?: number } = {},
): Promise<{ figures: DigestFigures; view: DigestView; chart: Buffer | null }> {
  const figures = await computeDigest(deps.db.prisma, program, period);
  let attention: AttentionRow[] | undefined;
  if (period.kind === 'week') {
    // Who, not how: the platform drawing the digest mentions the person (src/platforms/*/digest-*).
    attention = (await followUpAttention(deps, program, period)).map((a) => {
      const m = a.assigneeId ? deps.directory.memberById(a.assigneeId) : undefined;
      return {
        name: m ? (m.displayName ?? 'a team member') : 'unassigned',
        ...(m
          ? {
              person: {
                platform: m.platform,
                platformUserId: m.platformUserId,
                ...(m.displayName ? { displayName: m.displayName } : {}),
              },
            }
          : {}),
        dueThisWeek: a.dueThisWeek,
        overdue: a.overdue,
      };
    });
  }
  // A period not over yet (a preview) says so in its title.
  const soFar = deps.now() < period.end;
  const view = buildDigestView(program, figures, program.digest.suppressBelow, attention, { soFar });
  // Teams carries the image inline in a card of at most 24 kB: a smaller picture keeps it in.
  // The charting library (ECharts, and resvg's native renderer) loads with the first chart, not at
  // every start: most processes never draw one.
  const chart = view.chart
    ? await import('../views/chart.js').then((c) => c.renderChartPng(newClientsChart(view.chart!), chartSize))
    : null;
  return { figures, view, chart };
}

/**
 * Posts one digest, once, and for a quarter on a platform that takes files in a channel (Slack),
 * the quarter's progress report PDF in its thread, once. Throws DigestInFlightError when another
 * process holds a fresh claim on either.
 */
export async function postDigestOnce(
  deps: CarelogDeps,
  program: ProgramConfig,
  period: Period,
  opts: { platform?: TPlatform; requestedBy?: string } = {},
): Promise<TPostResult> {
  const platform = opts.platform ?? 'slack';
  const channel = digestChannel(program, platform);
  const messenger = deps.messengers[platform];
  if (!channel || !messenger) return { status: 'no-channel' };
  const { result, run, figures } = await postDigestMessage(deps, program, period, platform, channel, messenger, opts);
  if (period.kind === 'quarter' && messenger.attachToDigest && result.channel) {
    if (run.reportStatus !== 'uploaded')
      await attachReportOnce(deps, program, period, messenger, {
        runId: run.id,
        digest: { channel: result.channel, ts: result.ts! },
        ...(figures ? { figures } : {}),
        requestedBy: run.requestedBy,
      });
  }
  return result;
}

type TRunRow = { id: string; reportStatus: 'uploading' | 'uploaded' | null; requestedBy: string | null };

async function postDigestMessage(
  deps: CarelogDeps,
  program: ProgramConfig,
  period: Period,
  platform: TPlatform,
  channel: string,
  messenger: Messenger,
  opts: { requestedBy?: string },
): Promise<{
  result: Exclude<TPostResult, { status: 'in-flight' | 'no-channel' }>;
  run: TRunRow;
  figures?: DigestFigures;
}> {
  const prisma = deps.db.prisma;
  const key = { programId: program.id, kind: period.kind, periodLabel: period.label, platform };
  let claimedNow = true;
  const run = await prisma.digestRun
    .create({ data: { ...key, claimedAt: new Date(), ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) } })
    .catch(async (err: unknown) => {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      claimedNow = false;
      return prisma.digestRun.findUniqueOrThrow({ where: { programId_kind_periodLabel_platform: key } });
    });
  if (run.status === 'posted')
    return { result: { status: 'already-posted', channel: run.channel, ts: run.messageTs }, run };
  if (!claimedNow) {
    // Take over the claim only once its lease ran out, and only one taker wins.
    const taken = await prisma.digestRun.updateMany({
      where: { id: run.id, status: 'posting', claimedAt: { lt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS) } },
      data: { claimedAt: new Date() },
    });
    if (taken.count !== 1) throw new DigestInFlightError();
  }
  try {
    if (!claimedNow) {
      // Whoever held the claim may have posted before it died: its message carries the run id.
      const found = await messenger.findDigest(channel, run.id);
      if (found) {
        await prisma.digestRun.update({
          where: { id: run.id },
          data: { status: 'posted', channel: found.channel, messageTs: found.ts, postedAt: new Date() },
        });
        deps.logger.info(
          { programId: program.id, kind: period.kind, period: period.label },
          'digest found already posted after an interrupted run',
        );
        return { result: { status: 'recovered', ...found }, run };
      }
    }
    const { figures, view, chart } = await buildDigest(
      deps,
      program,
      period,
      platform === 'teams' ? TEAMS_CHART_SIZE : {},
    );
    const sent = await messenger.postDigest(channel, view, chart, run.id);
    await prisma.digestRun.update({
      where: { id: run.id },
      data: { status: 'posted', channel: sent.channel, messageTs: sent.ts, postedAt: new Date() },
    });
    deps.logger.info(
      { programId: program.id, kind: period.kind, period: period.label, chartFailed: sent.chartFailed ?? false },
      'digest posted',
    );
    deps.metrics.digestPosted(period.kind, platform);
    return { result: { status: 'posted', channel: sent.channel, ts: sent.ts }, run, figures };
  } catch (err) {
    // Not recorded as posted, but Slack may have taken the message (a timeout after it did, or the
    // record failing): end the lease so the retry takes the claim over at once and looks for the
    // message in the channel before posting. Deleting the claim instead would let the retry post
    // under a new run id, a second time.
    await prisma.digestRun
      .updateMany({ where: { id: run.id, status: 'posting' }, data: { claimedAt: new Date(0) } })
      .catch(() => undefined);
    throw err;
  }
}

/**
 * The quarter's progress report PDF in a posted digest's thread, once: the same claim / upload /
 * record steps as the digest's, on the digest's own row. A fresh claim uploads; a taker of a claim
 * whose lease ran out (its process died, or its upload failed) first looks in the thread for the
 * file, which Slack may have taken before the record was written. The report is the one
 * `carelog report --format pdf` makes, from the digest's figures when this run computed them, and
 * is audited with who posted the digest (the schedule, or the person who posted it by hand).
 */
async function attachReportOnce(
  deps: CarelogDeps,
  program: ProgramConfig,
  period: Period,
  messenger: Messenger,
  req: { runId: string; digest: SentMessage; figures?: DigestFigures; requestedBy: string | null },
): Promise<void> {
  const prisma = deps.db.prisma;
  const fresh = await prisma.digestRun.updateMany({
    where: { id: req.runId, reportStatus: null },
    data: { reportStatus: 'uploading', reportClaimedAt: new Date() },
  });
  if (fresh.count !== 1) {
    const taken = await prisma.digestRun.updateMany({
      where: {
        id: req.runId,
        reportStatus: 'uploading',
        reportClaimedAt: { lt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS) },
      },
      data: { reportClaimedAt: new Date() },
    });
    if (taken.count !== 1) {
      const now = await prisma.digestRun.findUniqueOrThrow({ where: { id: req.runId } });
      if (now.reportStatus === 'uploaded') return;
      throw new DigestInFlightError();
    }
  }
  const filename = reportFileName(program.id, period, 'pdf');
  const record = (fileId: string) =>
    prisma.digestRun.update({
      where: { id: req.runId },
      data: { reportStatus: 'uploaded', reportFileId: fileId, reportUploadedAt: new Date() },
    });
  const log = { programId: program.id, kind: period.kind, period: period.label };
  try {
    if (fresh.count !== 1) {
      const found = await messenger.findDigestAttachment?.(req.digest, filename);
      if (found) {
        await record(found.fileId);
        deps.logger.info(log, 'progress report found already in the digest thread after an interrupted run');
        return;
      }
    }
    const reportPeriod = parseReportPeriod(period.label, program.timezone, program.startDate)!;
    const { bytes } = await makeReport(
      { prisma, now: deps.now },
      {
        program,
        period: reportPeriod,
        format: 'pdf',
        actor: req.requestedBy
          ? { memberId: req.requestedBy, via: 'digest-post' }
          : { memberId: null, via: 'digest-schedule' },
        ...(req.figures ? { figures: req.figures } : {}),
      },
    );
    const { fileId } = await messenger.attachToDigest!(req.digest, {
      bytes,
      filename,
      title: `${program.name}: progress report, ${period.name}`,
      comment: `The progress report for ${period.name}, as a PDF for funders and council: this digest’s figures, suppressed as it is.`,
    });
    await record(fileId);
    deps.logger.info(log, 'progress report attached to the digest');
  } catch (err) {
    // As for the digest: the retry takes the claim over at once and looks in the thread first.
    await prisma.digestRun
      .updateMany({ where: { id: req.runId, reportStatus: 'uploading' }, data: { reportClaimedAt: new Date(0) } })
      .catch(() => undefined);
    throw err;
  }
}

/** Quarterly digests go out on the first weekday after the quarter ends. */
export function isWeekday(now: Date, timezone: string): boolean {
  const day = new Date(`${toLocal(now, timezone).date}T12:00:00Z`).getUTCDay();
  return day >= 1 && day <= 5;
}
