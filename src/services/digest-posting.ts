// Posting a digest exactly once per program, kind, period and platform, however many replicas race
// the schedule and however often a job is retried. The same claim / post / record pattern as nudges
// (src/services/nudges.ts): a DigestRun row is claimed under a unique key before posting, the post
// carries the run id, and a taker of an abandoned claim looks for that post before posting again.
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import type { Period } from '../domain/periods.js';
import { toLocal } from '../domain/time.js';
import { Prisma } from '../generated/prisma/client.js';
import { buildDigestView, type DigestView } from '../views/digest.js';
import { renderBarChartPng } from '../views/chart.js';
import { computeDigest, type DigestFigures } from './digest.js';
import type { TPlatform } from './directory.js';
import { nextReminder } from './followups.js';

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
  return platform === 'slack' ? program.slack.digestChannel : program.teams.digestChannel;
}

/** The platforms a program's digests are posted on: each with a digest channel. */
export function digestPlatforms(program: ProgramConfig): TPlatform[] {
  return (['slack', 'teams'] as const).filter((p) => digestChannel(program, p) !== undefined);
}

/** Follow-ups needing attention now, by assignee: counts only (weekly digest). */
export async function followUpAttention(deps: CarelogDeps, program: ProgramConfig, period: Period): Promise<{ assigneeId: string | null; dueThisWeek: number; overdue: number }[]> {
  const now = deps.now();
  const rows = await deps.db.prisma.followUp.findMany({
    where: { programId: program.id, status: 'pending' },
    select: { id: true, programId: true, version: true, dueAt: true, status: true, assigneeId: true },
  });
  const weekEnd = new Date(period.end.getTime() + 7 * 86_400_000);
  const byAssignee = new Map<string | null, { dueThisWeek: number; overdue: number }>();
  for (const f of rows) {
    // Overdue: the overdue stage's time has come. Due: falls in the week after the period.
    const overdueAt = nextReminder(f, new Set(['due']), program)?.fireAt;
    const entry = byAssignee.get(f.assigneeId) ?? { dueThisWeek: 0, overdue: 0 };
    if (overdueAt && overdueAt <= now) entry.overdue++;
    else if (f.dueAt >= period.end && f.dueAt < weekEnd) entry.dueThisWeek++;
    else continue;
    byAssignee.set(f.assigneeId, entry);
  }
  return [...byAssignee].map(([assigneeId, c]) => ({ assigneeId, ...c }));
}

export async function buildDigest(deps: CarelogDeps, program: ProgramConfig, period: Period, platform: TPlatform = 'slack'): Promise<{ figures: DigestFigures; view: DigestView; chart: Buffer | null }> {
  const figures = await computeDigest(deps.db.prisma, program, period);
  const view = buildDigestView(program, figures, program.digest.suppressBelow);
  if (period.kind === 'week') {
    const attention = await followUpAttention(deps, program, period);
    const name = (id: string | null) => {
      const m = id ? deps.directory.memberById(id) : undefined;
      return m ? (m.platform === 'slack' && platform === 'slack' ? `<@${m.platformUserId}>` : 'a team member') : 'unassigned';
    };
    view.tables.unshift({
      title: 'Follow-ups needing attention (due this week / overdue)',
      rows: attention.length ? attention.map((a) => ({ label: name(a.assigneeId), value: `${a.dueThisWeek} / ${a.overdue}` })) : [{ label: 'None', value: '0 / 0' }],
    });
  }
  const chart = view.chart ? renderBarChartPng(view.chart, { title: 'New clients by quarter' }) : null;
  return { figures, view, chart };
}

/** Posts one digest, once. Throws DigestInFlightError when another process holds a fresh claim. */
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
  if (run.status === 'posted') return { status: 'already-posted', channel: run.channel, ts: run.messageTs };
  if (!claimedNow) {
    const taken = await prisma.digestRun.updateMany({
      where: { id: run.id, status: 'posting', claimedAt: { lt: new Date(Date.now() - DIGEST_CLAIM_LEASE_MS) } },
      data: { claimedAt: new Date() },
    });
    if (taken.count !== 1) throw new DigestInFlightError();
    const found = await messenger.findDigest(channel, run.id);
    if (found) {
      await prisma.digestRun.update({ where: { id: run.id }, data: { status: 'posted', channel: found.channel, messageTs: found.ts, postedAt: new Date() } });
      return { status: 'recovered', ...found };
    }
  }
  try {
    const { view, chart } = await buildDigest(deps, program, period, platform);
    const sent = await messenger.postDigest(channel, view, chart, run.id);
    await prisma.digestRun.update({ where: { id: run.id }, data: { status: 'posted', channel: sent.channel, messageTs: sent.ts, postedAt: new Date() } });
    deps.logger.info({ programId: program.id, kind: period.kind, period: period.label, chartFailed: sent.chartFailed ?? false }, 'digest posted');
    return { status: 'posted', channel: sent.channel, ts: sent.ts };
  } catch (err) {
    // Nothing was recorded as posted: free the claim so a retry need not wait out the lease.
    await prisma.digestRun.deleteMany({ where: { id: run.id, status: 'posting' } }).catch(() => undefined);
    throw err;
  }
}

/** Quarterly digests go out on the first weekday after the quarter ends. */
export function isWeekday(now: Date, timezone: string): boolean {
  const day = new Date(`${toLocal(now, timezone).date}T12:00:00Z`).getUTCDay();
  return day >= 1 && day <= 5;
}
