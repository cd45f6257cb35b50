// Follow-ups as case managers work them: what is due, and snooze, done, reassign, tried with no
// answer. Every change writes the row first (bumping its version), then replaces the reminder job;
// if Redis is down the reconciler puts the job back later, so the row is always the truth.
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import {
  afterAttempt,
  followUpRules,
  nextOpening,
  nextTryAt,
  overdueTime,
  snoozedUntil,
  type TSnooze,
} from '../domain/followups.js';
import { toLocal } from '../domain/time.js';
import { CarelogError } from '../errors.js';
import type { DesiredReminder, TStage } from '../queue/reminders.js';
import type { FollowUpFacts } from '../views/nudge.js';
import { audit, AUDIT, auditedList } from './audit.js';
import type { MemberRef } from './directory.js';

/** A stage is behind a follow-up once its nudge was sent, or found undeliverable and rerouted. */
export const SETTLED_NUDGE = { OR: [{ sentAt: { not: null } }, { error: { not: null } }] };

export interface FollowUpRow {
  id: string;
  programId: string;
  version: number;
  dueAt: Date;
  status: string;
}

/** The next reminder a pending follow-up needs, given which stages were already sent. */
export function nextReminder(f: FollowUpRow, sentStages: Set<TStage>, program: ProgramConfig): DesiredReminder | null {
  if (f.status !== 'pending') return null;
  const rules = followUpRules(program);
  if (!sentStages.has('due')) {
    return {
      followUpId: f.id,
      version: f.version,
      stage: 'due',
      fireAt: nextOpening(f.dueAt, rules.hours, rules.timezone),
    };
  }
  if (!sentStages.has('overdue')) {
    return { followUpId: f.id, version: f.version, stage: 'overdue', fireAt: overdueTime(f.dueAt, rules) };
  }
  return null;
}

/**
 * How long a person's request waits for Redis to take a reminder change. BullMQ's connection
 * queues commands while Redis is away (maxRetriesPerRequest: null), so without a limit a saved
 * contact's form would hang past Slack's three seconds; the change still lands when Redis is back,
 * and the reconciler repairs whatever did not.
 */
export const QUEUE_WAIT_MS = 1_000;

export function withinQueueWait<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('redis did not answer in time'), { name: 'QueueTimeoutError' })),
      QUEUE_WAIT_MS,
    );
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/** Queues the next reminder of one follow-up. Queue trouble is logged; the reconciler repairs it. */
export async function scheduleReminder(deps: CarelogDeps, followUpId: string): Promise<void> {
  try {
    const f = await deps.db.prisma.followUp.findUnique({
      where: { id: followUpId },
      select: {
        id: true,
        programId: true,
        version: true,
        dueAt: true,
        status: true,
        nudges: { where: SETTLED_NUDGE, select: { kind: true, version: true } },
      },
    });
    const program = f && deps.directory.program(f.programId);
    if (!f || !program) return;
    const sent = new Set(
      f.nudges.filter((n) => n.version === f.version && n.kind !== 'escalation').map((n) => n.kind as TStage),
    );
    const next = nextReminder(f, sent, program);
    if (next) await withinQueueWait(deps.reminders.schedule(next, deps.now()));
  } catch (err) {
    deps.logger.warn({ followUpId, err }, 'could not queue a reminder; the reconciler will');
  }
}

/**
 * Queues the supervisors' notice that a follow-up closed as unreachable, due at once. Queue trouble
 * is logged; the reconciler queues every notice still owed.
 */
export async function scheduleUnreachableNotice(deps: CarelogDeps, followUpId: string, version: number) {
  try {
    const now = deps.now();
    await withinQueueWait(deps.reminders.schedule({ followUpId, version, stage: 'unreachable', fireAt: now }, now));
  } catch (err) {
    deps.logger.warn({ followUpId, err }, 'could not queue an unreachable notice; the reconciler will');
  }
}

/** The notice owed for a follow-up closed as unreachable, as its reminder job. */
export function unreachableNotice(f: { id: string; version: number }, now: Date): DesiredReminder {
  return { followUpId: f.id, version: f.version, stage: 'unreachable', fireAt: now };
}

export async function unscheduleReminders(deps: CarelogDeps, followUpId: string, version: number): Promise<void> {
  try {
    await withinQueueWait(deps.reminders.unschedule(followUpId, version));
  } catch (err) {
    deps.logger.warn({ followUpId, err }, 'could not remove a reminder; the reconciler will');
  }
}

export type TFollowUpFacts = FollowUpFacts & {
  programId: string;
  clientId: string;
  assigneeId: string | null;
  /** Who changed it last (member id): whoever recorded the last try of a follow-up closed unreachable. */
  lastActorId: string | null;
  dueAt: Date;
  /** Stages of this version already behind it (sent, or found undeliverable and rerouted). */
  settled: Set<TStage>;
};

/**
 * What nudges show about follow-ups (codes, dates and counts only), for many at once: one query
 * whatever the number, so a worker holding a batch of reminders reads them together. The contact
 * count and latest contact come from the client's own rows (index clientId, occurredAt), never a
 * GROUP BY over the whole Contact table.
 */
export async function loadFollowUpFactsMany(
  deps: CarelogDeps,
  followUpIds: string[],
  now = deps.now(),
): Promise<Map<string, TFollowUpFacts>> {
  const out = new Map<string, TFollowUpFacts>();
  if (!followUpIds.length) return out;
  const rows = await deps.db.sql.query<{
    id: string;
    programId: string;
    version: number;
    dueMs: number;
    status: string;
    assigneeId: string | null;
    lastActorId: string | null;
    attempts: number;
    clientId: string;
    code: string;
    contactCount: number;
    lastMs: number | null;
    settled: string[];
  }>(
    `SELECT f.id, f."programId", f.version, (extract(epoch FROM f."dueAt") * 1000)::float8 AS "dueMs", f.status::text AS status,
            f."assigneeId", f."lastActorId", f.attempts, c.id AS "clientId", c.code, k.n AS "contactCount", (extract(epoch FROM k.last) * 1000)::float8 AS "lastMs",
            ARRAY(SELECT n.kind::text FROM "Nudge" n
                  WHERE n."followUpId" = f.id AND n.version = f.version AND n.kind <> 'escalation'
                    AND (n."sentAt" IS NOT NULL OR n.error IS NOT NULL)) AS settled
     FROM "FollowUp" f
     JOIN "Client" c ON c.id = f."clientId"
     CROSS JOIN LATERAL (SELECT count(*)::int AS n, max(x."occurredAt") AS last FROM "Contact" x WHERE x."clientId" = f."clientId") k
     WHERE f.id = ANY($1::uuid[])`,
    [followUpIds],
  );
  for (const f of rows) {
    const program = deps.directory.program(f.programId);
    if (!program) continue;
    const dueAt = new Date(f.dueMs);
    out.set(f.id, {
      followUpId: f.id,
      programId: f.programId,
      clientId: f.clientId,
      assigneeId: f.assigneeId,
      lastActorId: f.lastActorId,
      version: f.version,
      clientCode: f.code,
      dueAt,
      dueDate: toLocal(dueAt, program.timezone).date,
      lastContactDate: f.lastMs === null ? null : toLocal(new Date(f.lastMs), program.timezone).date,
      contactCount: f.contactCount,
      overdue: f.status === 'pending' && overdueTime(dueAt, followUpRules(program)) <= now,
      status: f.status as FollowUpFacts['status'],
      settled: new Set(f.settled as TStage[]),
      attempts: f.attempts,
      maxAttempts: program.followUps.maxAttempts,
    });
  }
  return out;
}

/** What a nudge shows about one follow-up. */
export async function loadFollowUpFacts(
  deps: CarelogDeps,
  followUpId: string,
  now = deps.now(),
): Promise<TFollowUpFacts | null> {
  return (await loadFollowUpFactsMany(deps, [followUpId], now)).get(followUpId) ?? null;
}

export class StaleFollowUpError extends CarelogError {
  constructor() {
    super('invalid_input', 'This reminder is out of date: the follow-up changed since it was sent.');
  }
}

type TChange =
  | { kind: 'snooze'; choice: TSnooze }
  | { kind: 'done' }
  | { kind: 'reassign'; to: MemberRef }
  /** "Tried, no answer": one more try, nudged again the next working day, or closed as unreachable. */
  | { kind: 'attempt' };

/**
 * Applies a case manager's action. The expected version guards against acting on an old message:
 * a stale action changes nothing. Returns the follow-up's new facts.
 */
export async function changeFollowUp(
  deps: CarelogDeps,
  actor: MemberRef,
  ref: { id: string; version: number },
  change: TChange,
) {
  const prisma = deps.db.prisma;
  const f = await prisma.followUp.findFirst({
    where: { id: ref.id, programId: actor.programId },
    select: { id: true, version: true, status: true, dueAt: true, programId: true, attempts: true },
  });
  if (!f) throw new CarelogError('invalid_input', 'No such follow-up in your program.');
  if (f.version !== ref.version || f.status !== 'pending') throw new StaleFollowUpError();
  const program = deps.directory.program(f.programId)!;
  const rules = followUpRules(program);
  const now = deps.now();
  const tried = change.kind === 'attempt' ? afterAttempt(f.attempts, program.followUps.maxAttempts) : null;
  const data =
    change.kind === 'snooze'
      ? { dueAt: snoozedUntil(now, change.choice, rules) }
      : change.kind === 'done'
        ? { status: 'done' as const, completedAt: now }
        : change.kind === 'reassign'
          ? { assigneeId: change.to.memberId }
          : tried!.outcome === 'unreachable'
            ? { status: 'unreachable' as const, completedAt: now, attempts: tried!.attempts, lastAttemptAt: now }
            : { dueAt: nextTryAt(now, rules), attempts: tried!.attempts, lastAttemptAt: now };
  const actions =
    change.kind === 'snooze'
      ? [AUDIT.followUpSnooze]
      : change.kind === 'done'
        ? [AUDIT.followUpComplete]
        : change.kind === 'reassign'
          ? [AUDIT.followUpReassign]
          : tried!.outcome === 'unreachable'
            ? [AUDIT.followUpAttempt, AUDIT.followUpUnreachable]
            : [AUDIT.followUpAttempt];
  const updated = await prisma.$transaction(async (tx) => {
    // Compare-and-set on the version: two clicks on two copies of a nudge cannot both apply.
    const res = await tx.followUp.updateMany({
      where: { id: f.id, version: f.version, status: 'pending' },
      data: { ...data, version: { increment: 1 }, lastActorId: actor.memberId },
    });
    if (res.count !== 1) throw new StaleFollowUpError();
    await audit(
      tx,
      actions.map((action) => ({
        programId: f.programId,
        actorId: actor.memberId,
        action,
        entityType: 'followup' as const,
        entityId: f.id,
      })),
    );
    return tx.followUp.findUniqueOrThrow({
      where: { id: f.id },
      select: { version: true, dueAt: true, status: true, attempts: true },
    });
  });
  await unscheduleReminders(deps, f.id, f.version);
  if (updated.status === 'pending') await scheduleReminder(deps, f.id);
  else if (updated.status === 'unreachable') await scheduleUnreachableNotice(deps, f.id, updated.version);
  return {
    version: updated.version,
    dueDate: toLocal(updated.dueAt, program.timezone).date,
    status: updated.status,
    attempts: updated.attempts,
  };
}

/**
 * A person's pending follow-ups, soonest first, for `/carelog followups` and the Home tab. `shown`
 * is how many of them the platform draws (the rest are only counted): their clients are the ones
 * the list's AuditEvent names.
 */
export async function listFollowUps(deps: CarelogDeps, member: MemberRef, shown: number): Promise<FollowUpFacts[]> {
  const rows = await deps.db.prisma.followUp.findMany({
    where: { programId: member.programId, assigneeId: member.memberId, status: 'pending' },
    orderBy: { dueAt: 'asc' },
    take: 25,
    select: { id: true },
  });
  const ids = rows.map((r) => r.id);
  return auditedList(deps.db.prisma, member, AUDIT.followUpList, ids, await loadFollowUpFactsMany(deps, ids), shown);
}
