// Linkage checks: the message that asks the person responsible for a referral whether the client
// got there. A referral (a `Referral` row) *has* a check job (src/queue/referral-checks.ts) while it
// is open and has a `nextCheckAt`; the job *sends* one linkage check, exactly once, as a
// `ReferralCheck` row, by carelog's send-once protocol, the same as follow-up nudges'
// (src/services/send-once.ts, whose top comment explains it): claim the row, send with the row's id
// attached, record where it went, look for the message before sending again after a crash. The
// record also counts the check on the referral (`checks`), clears `nextCheckAt` (the check is
// behind it), and writes its AuditEvent, in one statement, so a retried job never sends, counts or
// audits twice. What is here is what only checks do: whom they ask (and who is next when someone
// cannot be reached), what they say, and what happens when nobody can be asked.
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import type { TReferralStatus } from '../domain/referrals.js';
import { toLocal } from '../domain/time.js';
import { checkJobId, type CheckJobData, type DesiredCheck } from '../queue/referral-checks.js';
import {
  buildNobodyAskedText,
  buildReferralCheckMessage,
  type ReferralCheckMessage,
  type ReferralFacts,
  type TNobodyAsked,
} from '../views/referral-check.js';
import { reconcileJobs } from '../queue/delayed-jobs.js';
import { AUDIT, auditedList } from './audit.js';
import type { MemberRef } from './directory.js';
import { withinQueueWait } from './followups.js';
import {
  deliverForJobs,
  oncePerJob,
  supervisorsOf,
  updateSentInPlace,
  type Delivery as SendOnceDelivery,
  type SendOnceKind,
  type SendResult,
} from './send-once.js';

export type TReferralFacts = ReferralFacts & {
  programId: string;
  clientId: string;
  category: string;
  madeAt: Date;
  assigneeId: string | null;
  caseManagerId: string | null;
  nextCheckAt: Date | null;
};

/** The category of a referral as the program names it. A key no longer configured is kept confidential. */
export function referralCategory(program: ProgramConfig, key: string): { label: string; part2: boolean } {
  const c = program.categories.referrals.find((r) => r.key === key);
  return c ? { label: c.label, part2: c.part2 } : { label: key, part2: true };
}

/** What linkage checks show about referrals (codes, dates and counts), many at once in one query. */
export async function loadReferralFactsMany(deps: CarelogDeps, ids: string[]): Promise<Map<string, TReferralFacts>> {
  const out = new Map<string, TReferralFacts>();
  if (!ids.length) return out;
  const rows = await deps.db.sql.query<{
    id: string;
    programId: string;
    clientId: string;
    category: string;
    madeMs: number;
    status: string;
    checks: number;
    version: number;
    assigneeId: string | null;
    nextMs: number | null;
    connectedOn: string | null;
    code: string;
    caseManagerId: string | null;
  }>(
    `SELECT r.id, r."programId", r."clientId", r.category, (extract(epoch FROM r."madeAt") * 1000)::float8 AS "madeMs",
            r.status::text AS status, r.checks, r.version, r."assigneeId",
            (extract(epoch FROM r."nextCheckAt") * 1000)::float8 AS "nextMs",
            to_char(r."connectedOn", 'YYYY-MM-DD') AS "connectedOn", c.code, c."caseManagerId"
     FROM "Referral" r JOIN "Client" c ON c.id = r."clientId"
     WHERE r.id = ANY($1::uuid[])`,
    [ids],
  );
  for (const r of rows) {
    const program = deps.directory.program(r.programId);
    if (!program) continue;
    const madeAt = new Date(r.madeMs);
    const category = referralCategory(program, r.category);
    out.set(r.id, {
      referralId: r.id,
      version: r.version,
      clientCode: r.code,
      categoryLabel: category.label,
      part2: category.part2,
      madeDate: toLocal(madeAt, program.timezone).date,
      checks: r.checks,
      maxChecks: program.referrals.maxChecks,
      status: r.status as TReferralStatus,
      connectedOn: r.connectedOn,
      programId: r.programId,
      clientId: r.clientId,
      category: r.category,
      madeAt,
      assigneeId: r.assigneeId,
      caseManagerId: r.caseManagerId,
      nextCheckAt: r.nextMs === null ? null : new Date(r.nextMs),
    });
  }
  return out;
}

export async function loadReferralFacts(deps: CarelogDeps, id: string): Promise<TReferralFacts | null> {
  return (await loadReferralFactsMany(deps, [id])).get(id) ?? null;
}

/**
 * Who may be asked, in order: the referral's assignee; if they are gone from the roster (or cannot
 * be reached), the client's case manager; else the program's case managers, fewest pending
 * follow-ups first.
 */
async function candidatesFor(deps: CarelogDeps, facts: TReferralFacts[]): Promise<Map<string, MemberRef[]>> {
  const out = new Map<string, MemberRef[]>();
  const onRoster = (programId: string, id: string | null) => {
    const m = id ? deps.directory.memberById(id) : undefined;
    return m && m.programId === programId ? [m] : [];
  };
  const byLoad = new Map<string, MemberRef[]>();
  for (const f of facts) {
    if (!byLoad.has(f.programId)) byLoad.set(f.programId, await caseManagersByLoad(deps, f.programId));
    const seen = new Set<string>();
    out.set(
      f.referralId,
      [
        ...onRoster(f.programId, f.assigneeId),
        ...onRoster(f.programId, f.caseManagerId),
        ...byLoad.get(f.programId)!,
      ].filter((m) => !seen.has(m.memberId) && !!seen.add(m.memberId)),
    );
  }
  return out;
}

async function caseManagersByLoad(deps: CarelogDeps, programId: string): Promise<MemberRef[]> {
  const managers = deps.directory.withRole(programId, 'case_manager');
  if (managers.length <= 1) return managers;
  const rows = await deps.db.sql.query<{ assigneeId: string; n: number }>(
    `SELECT "assigneeId", count(*)::int AS n FROM "FollowUp"
     WHERE "programId" = $1 AND status = 'pending' AND "assigneeId" = ANY($2::uuid[]) GROUP BY "assigneeId"`,
    [programId, managers.map((m) => m.memberId)],
  );
  const load = new Map(rows.map((r) => [r.assigneeId, r.n]));
  return [...managers].sort((a, b) => (load.get(a.memberId) ?? 0) - (load.get(b.memberId) ?? 0));
}

/**
 * Queues the checks of referrals just written (a saved contact's). Queue trouble is logged; the
 * reconciler repairs it.
 */
export async function scheduleReferralChecks(deps: CarelogDeps, referralIds: string[]): Promise<void> {
  if (!referralIds.length) return;
  try {
    const rows = await deps.db.prisma.referral.findMany({
      where: { id: { in: referralIds }, status: 'made', nextCheckAt: { not: null } },
      select: { id: true, version: true, nextCheckAt: true },
    });
    const wanted = rows.map((r) => ({ referralId: r.id, version: r.version, fireAt: r.nextCheckAt! }));
    if (wanted.length) await withinQueueWait(deps.referralChecks.scheduleMany(wanted, deps.now));
  } catch (err) {
    deps.logger.warn({ referralIds, err }, 'could not queue a linkage check; the reconciler will');
  }
}

export async function unscheduleReferralCheck(deps: CarelogDeps, referralId: string, version: number): Promise<void> {
  try {
    await withinQueueWait(deps.referralChecks.unschedule(referralId, version));
  } catch (err) {
    deps.logger.warn({ referralId, err }, 'could not remove a linkage check; the reconciler will');
  }
}

export type CheckResult = SendResult;

/** A ReferralCheck row's kind: the check itself, or a supervisor told that nobody could be asked. */
type TCheckKind = 'check' | 'supervisor_notice';

type Delivery = SendOnceDelivery<TCheckKind, ReferralCheckMessage>;

/**
 * Linkage checks as a kind of message sent once: `ReferralCheck` rows about a referral. Recording
 * a check also counts it on its referral's version and clears `nextCheckAt`; a supervisor's notice
 * is not a check: it is audited, not counted.
 */
const CHECKS: SendOnceKind<TCheckKind, ReferralCheckMessage> = {
  noun: 'linkage check',
  table: 'ReferralCheck',
  parentColumn: 'referralId',
  parentTable: 'Referral',
  kindType: 'ReferralCheckKind',
  audit: { check: AUDIT.referralCheck, supervisor_notice: AUDIT.referralNotice },
  alsoOnRecord: `counted AS (
       UPDATE "Referral" r SET checks = r.checks + 1, "nextCheckAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
         FROM sent WHERE r.id = sent.parent AND r.version = sent.version AND sent.kind = 'check'
     )`,
  send: (messenger, to, message, id) => messenger.sendReferralCheck(to, message, id),
  find: (messenger, to, id) => messenger.findReferralCheck(to, id),
};

/**
 * Runs linkage-check jobs together. Answers each with its result, or the Error it fails with (the
 * job is then retried).
 */
export async function sendReferralChecks(deps: CarelogDeps, given: CheckJobData[]): Promise<(CheckResult | Error)[]> {
  return oncePerJob(given, checkJobId, (jobs) => sendUniqueChecks(deps, jobs));
}

async function sendUniqueChecks(deps: CarelogDeps, jobs: CheckJobData[]): Promise<(CheckResult | Error)[]> {
  const facts = await loadReferralFactsMany(deps, [...new Set(jobs.map((j) => j.referralId))]);
  const results: (CheckResult | Error)[] = jobs.map(() => ({ stale: true, deliveries: [] }));
  const live: { i: number; f: TReferralFacts }[] = [];
  jobs.forEach((job, i) => {
    const f = facts.get(job.referralId);
    if (!f || f.status !== 'made' || f.version !== job.version) return;
    // Recorded as sent (or undeliverable) already: the record clears nextCheckAt with its send.
    if (!f.nextCheckAt) results[i] = { stale: false, deliveries: ['already-sent'] };
    else {
      results[i] = { stale: false, deliveries: [] };
      live.push({ i, f });
    }
  });
  const candidates = await candidatesFor(
    deps,
    live.map((l) => l.f),
  );
  // Checks that reached nobody, and why: their supervisors are told (below).
  const nobody: { i: number; f: TReferralFacts; why: TNobodyAsked }[] = [];
  for (const l of live) {
    if (candidates.get(l.f.referralId)!.length) continue;
    nobody.push({ ...l, why: { kind: 'no_case_manager' } });
    deps.logger.warn({ referralId: l.f.referralId }, 'no case manager to send a linkage check to');
  }
  // The first candidate of each; whoever cannot be reached (left, blocked the bot) passes the check
  // to the next, each recorded on its own claim, so a retried job repeats none of them.
  let round = live.filter((l) => candidates.get(l.f.referralId)!.length);
  for (let n = 0; round.length; n++) {
    const answered = await deliverForJobs(
      deps,
      CHECKS,
      round.map((l) => ({
        job: l.i,
        d: {
          parentId: l.f.referralId,
          version: l.f.version,
          kind: 'check' as const,
          to: candidates.get(l.f.referralId)![n]!,
          // This check counts: the message shows it among the checks so far.
          content: { message: buildReferralCheckMessage({ ...l.f, checks: l.f.checks + 1 }) },
        },
      })),
      results,
    );
    const next: typeof round = [];
    round.forEach((l, k) => {
      if (answered[k] !== 'unreachable') return;
      if (candidates.get(l.f.referralId)![n + 1]) next.push(l);
      else {
        nobody.push({ ...l, why: { kind: 'unreachable', tried: candidates.get(l.f.referralId)!.length } });
        deps.logger.warn({ referralId: l.f.referralId }, 'nobody reachable for a linkage check');
      }
    });
    round = next;
  }
  await tellSupervisors(deps, nobody, candidates, results);
  return results;
}

/**
 * A check that reached nobody is told to the program's supervisors (its admins when it names none),
 * as follow-up nudges tell them of an assignee they cannot reach: once per check and supervisor
 * (a `supervisor_notice` claim of the check's version), code, date and counts only. Then the check
 * is behind the referral (no job loops on it), which stays open in the lists. A notice that fails
 * fails the job before that, so its retry tells whoever was missed, and nobody twice. With no
 * case manager and nobody to tell either, the job fails as unrecoverable (jobs/referral-check.ts)
 * and the check stays due, for when the roster has someone.
 */
async function tellSupervisors(
  deps: CarelogDeps,
  nobody: { i: number; f: TReferralFacts; why: TNobodyAsked }[],
  candidates: Map<string, MemberRef[]>,
  results: (CheckResult | Error)[],
): Promise<void> {
  if (!nobody.length) return;
  const notices: { job: number; d: Delivery }[] = [];
  for (const n of nobody) {
    const tried = new Set(candidates.get(n.f.referralId)!.map((m) => m.memberId));
    const text = buildNobodyAskedText(n.f, n.why);
    for (const s of supervisorsOf(deps, n.f.programId)) {
      // Someone just found unreachable as a case manager is no better reached as a supervisor.
      if (tried.has(s.memberId)) continue;
      notices.push({
        job: n.i,
        d: { parentId: n.f.referralId, version: n.f.version, kind: 'supervisor_notice', to: s, content: { text } },
      });
    }
  }
  await deliverForJobs(deps, CHECKS, notices, results);
  const settled = nobody.filter((n) => {
    const r = results[n.i]!;
    return !(r instanceof Error) && r.deliveries.length > 0;
  });
  if (settled.length) {
    await deps.db.sql.query(
      `UPDATE "Referral" r SET "nextCheckAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
       FROM unnest($1::uuid[], $2::int[]) AS u(id, v) WHERE r.id = u.id AND r.version = u.v`,
      [settled.map((n) => n.f.referralId), settled.map((n) => n.f.version)],
    );
  }
}

/**
 * Redraws every linkage check sent for a referral (all its versions) as `messageFor` says, after
 * an answer: each copy in chat shows the referral as it now is. Trouble is logged, never thrown:
 * the answer is recorded whatever the chat platform says.
 */
export async function updateSentChecks(
  deps: CarelogDeps,
  referralId: string,
  messageFor: (platform: MemberRef['platform']) => ReferralCheckMessage,
): Promise<void> {
  await updateSentInPlace(deps, CHECKS, referralId, ['check'], async (sent) => {
    for (const s of sent)
      await deps.messengers[s.platform]?.updateReferralCheck(
        { channel: s.channel, ts: s.ts },
        messageFor(s.platform),
        s.id,
      );
  });
}

export interface CheckReconcileResult {
  open: number;
  added: number;
  removed: number;
}

/**
 * Every open referral with a check to come has exactly the job it needs, and every check job
 * belongs to one: run at start and with the reminders' reconciler, so checks come back after Redis
 * loses its data.
 */
export async function reconcileReferralChecks(deps: CarelogDeps): Promise<CheckReconcileResult> {
  const rows = await deps.db.sql.query<{ id: string; version: number; nextMs: number }>(
    `SELECT r.id, r.version, (extract(epoch FROM r."nextCheckAt") * 1000)::float8 AS "nextMs"
     FROM "Referral" r WHERE r.status = 'made' AND r."nextCheckAt" IS NOT NULL`,
  );
  const desired = new Map<string, DesiredCheck>();
  for (const r of rows) {
    const c = { referralId: r.id, version: r.version, fireAt: new Date(r.nextMs) };
    desired.set(checkJobId(c), c);
  }
  const { added, removed } = await reconcileJobs(deps.referralChecks, desired, deps.now);
  return { open: rows.length, added, removed };
}

/**
 * A person's open referrals, oldest first, for `/carelog referrals`, the Home tab and "referrals"
 * on Teams. `shown` is how many the platform draws: their clients are the ones the list's
 * AuditEvent names.
 */
export async function listOpenReferrals(
  deps: CarelogDeps,
  member: MemberRef,
  shown: number,
): Promise<TReferralFacts[]> {
  const rows = await deps.db.prisma.referral.findMany({
    where: { programId: member.programId, assigneeId: member.memberId, status: 'made' },
    orderBy: [{ madeAt: 'asc' }, { id: 'asc' }],
    take: 25,
    select: { id: true },
  });
  const ids = rows.map((r) => r.id);
  return auditedList(deps.db.prisma, member, AUDIT.referralList, ids, await loadReferralFactsMany(deps, ids), shown);
}

/** Today in the program's time zone (the Connected form's default and latest date). */
export function programToday(deps: CarelogDeps, program: ProgramConfig): string {
  return toLocal(deps.now(), program.timezone).date;
}
