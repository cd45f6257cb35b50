// Linkage checks: the message that asks the person responsible for a referral whether the client
// got there. A referral (a `Referral` row) *has* a check job (src/queue/referral-checks.ts) while it
// is open and has a `nextCheckAt`; the job *sends* one linkage check, exactly once, as a
// `ReferralCheck` row, by the same protocol as follow-up nudges (src/services/nudges.ts, whose top
// comment explains it): claim the row, send with the row's id attached, record where it went. A
// worker killed between send and record leaves a claim with no ts; whoever takes the job over
// looks for the message first (Slack: metadata in the DM's history) and sends only if it is not
// there. The record also counts the check on the referral (`checks`), clears `nextCheckAt` (the
// check is behind it), and writes its AuditEvent, in one statement, so a retried job never sends,
// counts or audits twice. Written beside the nudge code rather than into it: the rows, the
// recipient and what follows a send differ, and the two stay small this way.
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
import { AUDIT, auditListShown } from './audit.js';
import type { MemberRef } from './directory.js';
import { withinQueueWait } from './followups.js';
import { RecipientUnreachableError, type SentMessage } from './messenger.js';
import { CLAIM_LEASE_MS, NudgeInFlightError, supervisorsOf, type TDelivery } from './nudges.js';

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

export interface CheckResult {
  /** The referral moved on (answered, closed, a newer version): nothing to send. */
  stale: boolean;
  deliveries: TDelivery[];
}

/** A ReferralCheck row's kind: the check itself, or a supervisor told that nobody could be asked. */
type TCheckKind = 'check' | 'supervisor_notice';

interface Delivery {
  referralId: string;
  version: number;
  kind: TCheckKind;
  to: MemberRef;
  content: { check: ReferralCheckMessage } | { text: string };
}

interface SentRecord extends SentMessage {
  /** The ReferralCheck row. */
  id: string;
  /** Who was asked, for the audit trail. */
  memberId: string;
}

const claimKey = (r: { referralId: string; version: number; kind: string; recipient: string }) =>
  `${r.referralId}|${r.version}|${r.kind}|${r.recipient}`;

/**
 * Runs linkage-check jobs together. Answers each with its result, or the Error it fails with (the
 * job is then retried).
 */
export async function sendReferralChecks(deps: CarelogDeps, given: CheckJobData[]): Promise<(CheckResult | Error)[]> {
  // The same job twice (a stalled job taken over while its first run waits in the batch) is one.
  const ids = given.map(checkJobId);
  const firstOf = new Map<string, number>();
  const jobs: CheckJobData[] = [];
  ids.forEach((id, i) => {
    if (firstOf.has(id)) return;
    firstOf.set(id, jobs.length);
    jobs.push(given[i]!);
  });
  const facts = await loadReferralFactsMany(deps, [...new Set(jobs.map((j) => j.referralId))]);
  const results: (CheckResult | Error)[] = jobs.map(() => ({ stale: true, deliveries: [] }));
  const live: { i: number; f: TReferralFacts }[] = [];
  jobs.forEach((job, i) => {
    const f = facts.get(job.referralId);
    if (!f || f.status !== 'made' || f.version !== job.version) return;
    // Recorded as sent (or undeliverable) already: the record clears nextCheckAt with its send.
    if (!f.nextCheckAt) results[i] = { stale: false, deliveries: ['already-sent'] };
    else live.push({ i, f });
  });
  const candidates = await candidatesFor(
    deps,
    live.map((l) => l.f),
  );
  // Checks that reached nobody, and why: their supervisors are told (below).
  const nobody: { i: number; f: TReferralFacts; why: TNobodyAsked }[] = [];
  for (const l of live) {
    if (candidates.get(l.f.referralId)!.length) continue;
    results[l.i] = { stale: false, deliveries: [] };
    nobody.push({ ...l, why: { kind: 'no_case_manager' } });
    deps.logger.warn({ referralId: l.f.referralId }, 'no case manager to send a linkage check to');
  }
  // The first candidate of each; whoever cannot be reached (left, blocked the bot) passes the check
  // to the next, each recorded on its own claim, so a retried job repeats none of them.
  let round = live.filter((l) => candidates.get(l.f.referralId)!.length);
  for (let n = 0; round.length; n++) {
    const answered = await deliverMany(
      deps,
      round.map((l) => ({
        referralId: l.f.referralId,
        version: l.f.version,
        kind: 'check',
        to: candidates.get(l.f.referralId)![n]!,
        // This check counts: the message shows it among the checks so far.
        content: { check: buildReferralCheckMessage({ ...l.f, checks: l.f.checks + 1 }) },
      })),
    );
    const next: typeof round = [];
    round.forEach((l, k) => {
      const d = answered[k]!;
      const before = results[l.i];
      const so = before && !(before instanceof Error) && !before.stale ? before.deliveries : [];
      results[l.i] = d instanceof Error ? d : { stale: false, deliveries: [...so, d] };
      if (d !== 'unreachable') return;
      if (candidates.get(l.f.referralId)![n + 1]) next.push(l);
      else {
        nobody.push({ ...l, why: { kind: 'unreachable', tried: candidates.get(l.f.referralId)!.length } });
        deps.logger.warn({ referralId: l.f.referralId }, 'nobody reachable for a linkage check');
      }
    });
    round = next;
  }
  await tellSupervisors(deps, nobody, candidates, results);
  return ids.map((id) => results[firstOf.get(id)!]!);
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
  const notices: { i: number; d: Delivery }[] = [];
  for (const n of nobody) {
    const tried = new Set(candidates.get(n.f.referralId)!.map((m) => m.memberId));
    const text = buildNobodyAskedText(n.f, n.why);
    for (const s of supervisorsOf(deps, n.f.programId)) {
      // Someone just found unreachable as a case manager is no better reached as a supervisor.
      if (tried.has(s.memberId)) continue;
      notices.push({
        i: n.i,
        d: { referralId: n.f.referralId, version: n.f.version, kind: 'supervisor_notice', to: s, content: { text } },
      });
    }
  }
  const told = await deliverMany(
    deps,
    notices.map((n) => n.d),
  );
  notices.forEach((n, k) => {
    const d = told[k]!;
    const r = results[n.i]!;
    if (r instanceof Error) return;
    results[n.i] = d instanceof Error ? d : { stale: false, deliveries: [...r.deliveries, d] };
  });
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

/** Delivers each check at most once, answering each with what happened or the Error it failed with. */
async function deliverMany(deps: CarelogDeps, list: Delivery[]): Promise<(TDelivery | Error)[]> {
  if (!list.length) return [];
  const sql = deps.db.sql;
  const fresh = new Map<string, string>();
  const claimed = await sql.query<{ id: string; referralId: string; version: number; kind: string; recipient: string }>(
    `INSERT INTO "ReferralCheck" (id, "referralId", version, kind, platform, recipient, "claimedAt")
     SELECT gen_random_uuid(), u.r, u.v, u.k::"ReferralCheckKind", u.p::"Platform", u.t, (now() AT TIME ZONE 'UTC')
     FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(r, v, k, p, t)
     ON CONFLICT ("referralId", version, kind, recipient) DO NOTHING
     RETURNING id, "referralId", version, kind::text AS kind, recipient`,
    [
      list.map((d) => d.referralId),
      list.map((d) => d.version),
      list.map((d) => d.kind),
      list.map((d) => d.to.platform),
      list.map((d) => d.to.platformUserId),
    ],
  );
  for (const c of claimed) fresh.set(claimKey(c), c.id);
  const sent: SentRecord[] = [];
  const unreachable: { id: string; code: string }[] = [];
  const released: string[] = [];
  const results = await Promise.all(
    list.map(async (d): Promise<TDelivery | Error> => {
      const k = claimKey({ ...d, recipient: d.to.platformUserId });
      const id = fresh.get(k);
      fresh.delete(k);
      try {
        if (!id) return await deliverClaimed(deps, d);
        const message = await send(deps, d, id);
        sent.push({ id, ...message, memberId: d.to.memberId });
        return 'sent';
      } catch (err) {
        if (id && err instanceof RecipientUnreachableError) {
          unreachable.push({ id, code: err.platformCode });
          return 'unreachable';
        }
        // Maybe sent (an answer lost on the way): end the lease, so the retry looks before it sends.
        if (id) released.push(id);
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
  await recordSent(deps, sent);
  if (unreachable.length) await recordUnreachable(deps, unreachable);
  if (released.length) await endLeases(deps, released).catch(() => undefined);
  return results;
}

async function send(deps: CarelogDeps, d: Delivery, checkId: string): Promise<SentMessage> {
  const messenger = deps.messengers[d.to.platform];
  if (!messenger) throw new Error(`no messenger for ${d.to.platform}`);
  // A supervisor's notice is a plain DM carrying the row's id as every plain DM does (findNudge).
  return 'check' in d.content
    ? messenger.sendReferralCheck(d.to.platformUserId, d.content.check, checkId)
    : messenger.sendText(d.to.platformUserId, d.content.text, checkId);
}

/**
 * Records checks and notices as sent, counts each check on its referral and audits each message as
 * the disclosure it is, in one statement: only the first record of a message counts, so nothing is
 * counted or audited twice. A supervisor's notice is not a check: it is audited, not counted.
 */
async function recordSent(deps: CarelogDeps, sent: SentRecord[]): Promise<void> {
  if (!sent.length) return;
  await deps.db.sql.query(
    `WITH sent AS (
       UPDATE "ReferralCheck" k SET "sentAt" = (now() AT TIME ZONE 'UTC'), channel = u.c, "messageTs" = u.t
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS u(id, c, t, m)
        WHERE k.id = u.id AND k."sentAt" IS NULL
       RETURNING k."referralId", k.version, k.kind, u.m
     ), counted AS (
       UPDATE "Referral" r SET checks = r.checks + 1, "nextCheckAt" = NULL, "updatedAt" = (now() AT TIME ZONE 'UTC')
         FROM sent WHERE r.id = sent."referralId" AND r.version = sent.version AND sent.kind = 'check'
     )
     INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", "clientIds", at)
     SELECT r."programId", NULL, CASE WHEN sent.kind = 'check' THEN $5 ELSE $6 END, 'member', sent.m::text,
            ARRAY[r."clientId"], (now() AT TIME ZONE 'UTC')
       FROM sent JOIN "Referral" r ON r.id = sent."referralId"`,
    [
      sent.map((s) => s.id),
      sent.map((s) => s.channel),
      sent.map((s) => s.ts),
      sent.map((s) => s.memberId),
      AUDIT.referralCheck,
      AUDIT.referralNotice,
    ],
  );
}

/** The person cannot get messages from carelog (left the workspace, blocked the bot): recorded so. */
async function recordUnreachable(deps: CarelogDeps, rows: { id: string; code: string }[]): Promise<void> {
  await deps.db.sql.query(
    `UPDATE "ReferralCheck" k SET error = u.code FROM unnest($1::uuid[], $2::text[]) AS u(id, code) WHERE k.id = u.id`,
    [rows.map((u) => u.id), rows.map((u) => u.code)],
  );
}

async function endLeases(deps: CarelogDeps, ids: string[]): Promise<void> {
  await deps.db.sql.query(
    `UPDATE "ReferralCheck" SET "claimedAt" = 'epoch' WHERE id = ANY($1::uuid[]) AND "sentAt" IS NULL`,
    [ids],
  );
}

/** A check someone claimed before (a retry, or a worker that died): settle it one by one. */
async function deliverClaimed(deps: CarelogDeps, d: Delivery): Promise<TDelivery> {
  const sql = deps.db.sql;
  const [row] = await sql.query<{ id: string; sentAt: Date | null; error: string | null }>(
    `SELECT id, "sentAt", error FROM "ReferralCheck"
     WHERE "referralId" = $1 AND version = $2 AND kind = $3::"ReferralCheckKind" AND recipient = $4`,
    [d.referralId, d.version, d.kind, d.to.platformUserId],
  );
  if (!row) throw new Error('a linkage-check claim vanished while it was being read; the job will retry');
  if (row.sentAt) return 'already-sent';
  if (row.error) return 'unreachable';
  // Take over the claim only once its lease ran out, and only one taker wins.
  const taken = await sql.query(
    `UPDATE "ReferralCheck" SET "claimedAt" = (now() AT TIME ZONE 'UTC')
     WHERE id = $1 AND "sentAt" IS NULL AND "claimedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $2::float8 / 1000)
     RETURNING id`,
    [row.id, deps.nudgeClaimLeaseMs ?? CLAIM_LEASE_MS],
  );
  if (taken.length !== 1) throw new NudgeInFlightError();
  const messenger = deps.messengers[d.to.platform];
  if (!messenger) throw new Error(`no messenger for ${d.to.platform}`);
  const markUnreachable = (err: RecipientUnreachableError) =>
    recordUnreachable(deps, [{ id: row.id, code: err.platformCode }]).then(() => 'unreachable' as const);
  let found: SentMessage | null;
  try {
    found =
      'check' in d.content
        ? await messenger.findReferralCheck(d.to.platformUserId, row.id)
        : await messenger.findNudge(d.to.platformUserId, row.id);
  } catch (err) {
    if (err instanceof RecipientUnreachableError) return markUnreachable(err);
    throw err;
  }
  if (found) {
    await recordSent(deps, [{ id: row.id, channel: found.channel, ts: found.ts, memberId: d.to.memberId }]);
    return 'recovered';
  }
  try {
    const message = await send(deps, d, row.id);
    await recordSent(deps, [{ id: row.id, ...message, memberId: d.to.memberId }]);
    return 'sent';
  } catch (err) {
    if (err instanceof RecipientUnreachableError) return markUnreachable(err);
    await endLeases(deps, [row.id]).catch(() => undefined);
    throw err;
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
  try {
    const sent = await deps.db.prisma.referralCheck.findMany({
      where: { referralId, kind: 'check', channel: { not: null }, messageTs: { not: null } },
      select: { id: true, platform: true, channel: true, messageTs: true },
    });
    for (const s of sent)
      await deps.messengers[s.platform]?.updateReferralCheck(
        { channel: s.channel!, ts: s.messageTs! },
        messageFor(s.platform),
        s.id,
      );
  } catch (err) {
    deps.logger.warn({ referralId, err }, 'could not update a linkage check message');
  }
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
  const queued = new Set(await deps.referralChecks.queuedIds());
  const failed = new Set(await deps.referralChecks.failedIds());
  let added = 0;
  let removed = 0;
  const missing: DesiredCheck[] = [];
  for (const [id, c] of desired) {
    if (queued.has(id)) continue;
    if (failed.has(id)) {
      await deps.referralChecks.retry(id);
      added++;
      continue;
    }
    missing.push(c);
  }
  await deps.referralChecks.scheduleMany(missing, deps.now);
  added += missing.length;
  for (const id of queued) {
    if (desired.has(id)) continue;
    await deps.referralChecks.remove(id);
    removed++;
  }
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
  const byId = await loadReferralFactsMany(
    deps,
    rows.map((r) => r.id),
  );
  const facts = rows.map((r) => byId.get(r.id)).filter((f) => f !== undefined);
  const listed = facts.slice(0, shown);
  await auditListShown(
    deps.db.prisma,
    member,
    AUDIT.referralList,
    listed.map((f) => f.clientId),
  );
  return facts;
}

/** Today in the program's time zone (the Connected form's default and latest date). */
export function programToday(deps: CarelogDeps, program: ProgramConfig): string {
  return toLocal(deps.now(), program.timezone).date;
}
