// Sending nudges (the messages a reminder job sends for a follow-up) exactly once, many at a time.
//
// Each message is first *claimed* as a Nudge row (unique per follow-up version, kind and
// recipient), then sent with the row's id attached to the message, then recorded (channel, ts).
// The crash window is between send and record: a worker killed there leaves a claimed row with no
// ts. Whoever picks the job up next does not send blindly: it asks the platform for a message
// carrying that nudge id (Slack: message metadata in the DM's history) and records it if found,
// sending only if not. A claim younger than CLAIM_LEASE_MS belongs to a worker that may still be
// sending, so the job backs off and retries instead of racing it. A send that fails keeps its
// claim with the lease ended, since Slack may have taken a message whose answer was lost: the
// retry looks first too. The result: no lost and no doubled nudge, at the cost of one history
// lookup after a crash or a failed send. The record of a send also writes its AuditEvent (a nudge
// shows a client's code and due date to a person), in the same statement, so each message sent is
// audited exactly once however often its job runs.
//
// A worker holds many reminder jobs at once (src/queue/batch.ts): their facts are read with one
// query, their claims written with one INSERT … ON CONFLICT DO NOTHING, their messages sent side by
// side, and their sends recorded with one UPDATE. Only what a fresh claim cannot settle (a retry
// finding an earlier claim) goes one by one.
import type { CarelogDeps } from '../deps.js';
import { reminderJobId, type DesiredReminder, type ReminderJobData, type TStage } from '../queue/reminders.js';
import { AUDIT } from './audit.js';
import { buildEscalationText, buildNudgeMessage, buildUnreachableText, type NudgeMessage } from '../views/nudge.js';
import type { MemberRef, TPlatform } from './directory.js';
import { loadFollowUpFacts, loadFollowUpFactsMany, nextReminder, type TFollowUpFacts } from './followups.js';
import { mentionOn, RecipientUnreachableError, type SentMessage } from './messenger.js';

/** How long a claimed-but-unsent nudge is left to the worker that claimed it. */
export const CLAIM_LEASE_MS = 30_000;

/**
 * Recorded as the recipient of a stage that had nobody to nudge (no assignee on the roster), so
 * the stage counts as behind the follow-up once the supervisors were told.
 */
export const NO_ASSIGNEE = '-';

export class NudgeInFlightError extends Error {
  constructor() {
    super('another worker is sending this nudge');
    this.name = 'NudgeInFlightError';
  }
}

type TKind = TStage | 'escalation' | 'unreachable';

export type TDelivery = 'sent' | 'already-sent' | 'recovered' | 'unreachable';

export interface ReminderResult {
  stale: boolean;
  deliveries: TDelivery[];
}

/** Supervisors of a program, or its admins when it names none. */
export function supervisorsOf(deps: CarelogDeps, programId: string): MemberRef[] {
  const sups = deps.directory.withRole(programId, 'supervisor');
  return sups.length ? sups : deps.directory.withRole(programId, 'admin');
}

interface Delivery {
  key: { followUpId: string; version: number; kind: TKind };
  to: MemberRef;
  content: { nudge: NudgeMessage } | { text: string };
}

interface ClaimRow {
  id: string;
  followUpId: string;
  version: number;
  kind: string;
  recipient: string;
  sentAt: Date | null;
  error: string | null;
}

const claimKey = (r: { followUpId: string; version: number; kind: string; recipient: string }) =>
  `${r.followUpId}|${r.version}|${r.kind}|${r.recipient}`;

/** Delivers each message at most once, answering each with what happened or the Error it failed with. */
async function deliverMany(deps: CarelogDeps, list: Delivery[]): Promise<(TDelivery | Error)[]> {
  if (!list.length) return [];
  const sql = deps.db.sql;
  // Claim them all at once; the rows that come back are ours to send.
  const fresh = new Map<string, string>();
  const claimed = await sql.query<{ id: string; followUpId: string; version: number; kind: string; recipient: string }>(
    `INSERT INTO "Nudge" (id, "followUpId", version, kind, platform, recipient, "claimedAt")
     SELECT gen_random_uuid(), u.f, u.v, u.k::"NudgeKind", u.p::"Platform", u.r, (now() AT TIME ZONE 'UTC')
     FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(f, v, k, p, r)
     ON CONFLICT ("followUpId", version, kind, recipient) DO NOTHING
     RETURNING id, "followUpId", version, kind::text AS kind, recipient`,
    [
      list.map((d) => d.key.followUpId),
      list.map((d) => d.key.version),
      list.map((d) => d.key.kind),
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
      const k = claimKey({ ...d.key, recipient: d.to.platformUserId });
      // The same message twice in one batch: the first takes the claim, the second finds it.
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
        // Maybe not sent (Slack may have taken a message whose answer was lost): end the claim's
        // lease, so the retry looks in the history before it sends, without waiting.
        if (id) released.push(id);
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
  deps.metrics.nudges(results);
  await recordSent(deps, sent);
  if (unreachable.length) {
    await sql.query(
      `UPDATE "Nudge" n SET error = u.code FROM unnest($1::uuid[], $2::text[]) AS u(id, code) WHERE n.id = u.id`,
      [unreachable.map((u) => u.id), unreachable.map((u) => u.code)],
    );
  }
  if (released.length) await endLeases(deps, released).catch(() => undefined);
  return results;
}

async function send(deps: CarelogDeps, d: Delivery, nudgeId: string): Promise<SentMessage> {
  const messenger = deps.messengers[d.to.platform];
  if (!messenger) throw new Error(`no messenger for ${d.to.platform}`);
  return 'nudge' in d.content
    ? messenger.sendNudge(d.to.platformUserId, d.content.nudge, nudgeId)
    : messenger.sendText(d.to.platformUserId, d.content.text, nudgeId);
}

interface SentRecord extends SentMessage {
  /** The Nudge row. */
  id: string;
  /** Who was told, for the audit trail. */
  memberId: string;
}

/**
 * Records messages as sent and audits each as the disclosure it is (the client's code and due date,
 * shown to a person), in one statement: a message recorded is a message audited, and only the first
 * record of a message counts, so a retry, a recovery after a crash or a worker that outlived its
 * claim never writes a second audit row.
 */
async function recordSent(deps: CarelogDeps, sent: SentRecord[]): Promise<void> {
  if (!sent.length) return;
  await deps.db.sql.query(
    `WITH sent AS (
       UPDATE "Nudge" n SET "sentAt" = (now() AT TIME ZONE 'UTC'), channel = u.c, "messageTs" = u.t
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS u(id, c, t, m)
        WHERE n.id = u.id AND n."sentAt" IS NULL
       RETURNING n."followUpId", u.m
     )
     INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", "clientIds", at)
     SELECT f."programId", NULL, $5, 'member', sent.m::text, ARRAY[f."clientId"], (now() AT TIME ZONE 'UTC')
       FROM sent JOIN "FollowUp" f ON f.id = sent."followUpId"`,
    [
      sent.map((s) => s.id),
      sent.map((s) => s.channel),
      sent.map((s) => s.ts),
      sent.map((s) => s.memberId),
      AUDIT.followUpNudge,
    ],
  );
}

/** Claims whose send failed: free for the next try at once, which looks in the history first. */
async function endLeases(deps: CarelogDeps, ids: string[]): Promise<void> {
  await deps.db.sql.query(`UPDATE "Nudge" SET "claimedAt" = 'epoch' WHERE id = ANY($1::uuid[]) AND "sentAt" IS NULL`, [
    ids,
  ]);
}

/** A message someone claimed before (a retry, or a worker that died): settle it one by one. */
async function deliverClaimed(deps: CarelogDeps, d: Delivery): Promise<TDelivery> {
  const sql = deps.db.sql;
  const [row] = await sql.query<ClaimRow>(
    `SELECT id, "sentAt", error FROM "Nudge" WHERE "followUpId" = $1 AND version = $2 AND kind = $3::"NudgeKind" AND recipient = $4`,
    [d.key.followUpId, d.key.version, d.key.kind, d.to.platformUserId],
  );
  if (!row) throw new Error('a nudge claim vanished while it was being read; the job will retry');
  if (row.sentAt) return 'already-sent';
  if (row.error) return 'unreachable';
  // Take over the claim only once its lease ran out, and only one taker wins.
  const taken = await sql.query(
    `UPDATE "Nudge" SET "claimedAt" = (now() AT TIME ZONE 'UTC')
     WHERE id = $1 AND "sentAt" IS NULL AND "claimedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $2::float8 / 1000)
     RETURNING id`,
    [row.id, deps.nudgeClaimLeaseMs ?? CLAIM_LEASE_MS],
  );
  if (taken.length !== 1) throw new NudgeInFlightError();
  const messenger = deps.messengers[d.to.platform];
  if (!messenger) throw new Error(`no messenger for ${d.to.platform}`);
  const markUnreachable = (err: RecipientUnreachableError) =>
    sql
      .query(`UPDATE "Nudge" SET error = $2 WHERE id = $1`, [row.id, err.platformCode])
      .then(() => 'unreachable' as const);
  let found: SentMessage | null;
  try {
    found = await messenger.findNudge(d.to.platformUserId, row.id);
  } catch (err) {
    // Gone since the claim (left the workspace): reroute now instead of failing this job for ever.
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

/** Marks a stage that had no one to nudge as behind the follow-up (the supervisors were told). */
async function settleWithoutAssignee(
  deps: CarelogDeps,
  f: TFollowUpFacts,
  stage: TStage,
  platform: TPlatform,
): Promise<void> {
  await deps.db.sql.query(
    `INSERT INTO "Nudge" (id, "followUpId", version, kind, platform, recipient, "claimedAt", error)
     VALUES (gen_random_uuid(), $1, $2, $3::"NudgeKind", $4::"Platform", $5, (now() AT TIME ZONE 'UTC'), 'no_assignee')
     ON CONFLICT ("followUpId", version, kind, recipient) DO NOTHING`,
    [f.followUpId, f.version, stage, platform, NO_ASSIGNEE],
  );
}

/**
 * Runs reminder jobs together: the due nudge, or the overdue nudge plus the escalation, or the
 * supervisors' notice that a follow-up closed as unreachable, for each. Answers each job with its
 * result, or the Error it fails with (the job is then retried).
 */
export async function sendReminders(deps: CarelogDeps, given: ReminderJobData[]): Promise<(ReminderResult | Error)[]> {
  // The same job twice (a stalled job taken over while its first run waits in the batch) is one.
  const ids = given.map(reminderJobId);
  const firstOf = new Map<string, number>();
  const jobs: ReminderJobData[] = [];
  ids.forEach((id, i) => {
    if (firstOf.has(id)) return;
    firstOf.set(id, jobs.length);
    jobs.push(given[i]!);
  });
  const answered: (ReminderResult | Error)[] = new Array<ReminderResult | Error>(jobs.length);
  const nudges = jobs.flatMap((job, i) => (isNudgeJob(job) ? [{ i, job }] : []));
  const notices = jobs.flatMap((job, i) => (isNudgeJob(job) ? [] : [{ i, job }]));
  const [sent, told] = await Promise.all([
    nudges.length
      ? sendUniqueReminders(
          deps,
          nudges.map((n) => n.job),
        )
      : [],
    notices.length
      ? sendUnreachableNotices(
          deps,
          notices.map((n) => n.job),
        )
      : [],
  ]);
  nudges.forEach((n, k) => (answered[n.i] = sent[k]!));
  notices.forEach((n, k) => (answered[n.i] = told[k]!));
  return ids.map((id) => answered[firstOf.get(id)!]!);
}

type TNudgeJob = ReminderJobData & { stage: TStage };
const isNudgeJob = (job: ReminderJobData): job is TNudgeJob => job.stage !== 'unreachable';

/**
 * Tells the program's supervisors (admins when it names none) that a follow-up closed as
 * unreachable after its tries: code and count only, once per follow-up and person (the same claim,
 * send and record as every nudge), never to the person who recorded the last try, who knows.
 */
async function sendUnreachableNotices(deps: CarelogDeps, jobs: ReminderJobData[]): Promise<(ReminderResult | Error)[]> {
  const facts = await loadFollowUpFactsMany(deps, [...new Set(jobs.map((j) => j.followUpId))]);
  const results: (ReminderResult | Error)[] = jobs.map(() => ({ stale: false, deliveries: [] }));
  const notices: { i: number; d: Delivery }[] = [];
  for (const [i, job] of jobs.entries()) {
    const f = facts.get(job.followUpId);
    // Reopened or changed since (nothing does today, but a version is a version): not this notice.
    if (!f || f.status !== 'unreachable' || f.version !== job.version) {
      results[i] = { stale: true, deliveries: [] };
      continue;
    }
    const told = supervisorsOf(deps, f.programId).filter((s) => s.memberId !== f.lastActorId);
    if (!told.length) {
      // Nobody else to tell: settled, so the reconciler does not queue it again.
      await deps.db.sql.query(
        `INSERT INTO "Nudge" (id, "followUpId", version, kind, platform, recipient, "claimedAt", error)
         VALUES (gen_random_uuid(), $1, $2, 'unreachable', $3::"Platform", $4, (now() AT TIME ZONE 'UTC'), 'no_recipient')
         ON CONFLICT ("followUpId", version, kind, recipient) DO NOTHING`,
        [f.followUpId, f.version, deps.directory.memberById(f.lastActorId ?? '')?.platform ?? 'slack', NO_ASSIGNEE],
      );
      deps.logger.warn(
        { followUpId: f.followUpId },
        'follow-up closed as unreachable: no supervisor or admin but whoever closed it to tell',
      );
      results[i] = { stale: true, deliveries: [] };
      continue;
    }
    const text = buildUnreachableText({ clientCode: f.clientCode, attempts: f.attempts });
    for (const s of told)
      notices.push({
        i,
        d: { key: { followUpId: f.followUpId, version: f.version, kind: 'unreachable' }, to: s, content: { text } },
      });
  }
  const delivered = await deliverMany(
    deps,
    notices.map((n) => n.d),
  );
  notices.forEach((n, k) => {
    const d = delivered[k]!;
    const r = results[n.i]!;
    if (r instanceof Error) return;
    if (d instanceof Error) results[n.i] = d;
    else r.deliveries.push(d);
  });
  return results;
}

async function sendUniqueReminders(deps: CarelogDeps, jobs: TNudgeJob[]): Promise<(ReminderResult | Error)[]> {
  const facts = await loadFollowUpFactsMany(deps, [...new Set(jobs.map((j) => j.followUpId))]);
  const results: (ReminderResult | Error)[] = jobs.map(() => ({ stale: false, deliveries: [] }));
  const live: { i: number; job: TNudgeJob; f: TFollowUpFacts; assignee: MemberRef | undefined }[] = [];
  jobs.forEach((job, i) => {
    const f = facts.get(job.followUpId);
    // A newer version (snoozed, reassigned) or a settled follow-up: this job's moment has passed.
    if (!f || f.status !== 'pending' || f.version !== job.version) results[i] = { stale: true, deliveries: [] };
    else live.push({ i, job, f, assignee: f.assigneeId ? deps.directory.memberById(f.assigneeId) : undefined });
  });

  // First the assignees, all together.
  const toAssignees = live.filter((l) => l.assignee);
  const first = await deliverMany(
    deps,
    toAssignees.map((l) => ({
      key: { followUpId: l.f.followUpId, version: l.f.version, kind: l.job.stage },
      to: l.assignee!,
      content: { nudge: buildNudgeMessage({ ...l.f, overdue: l.job.stage === 'overdue' }) },
    })),
  );
  const failed = new Set<number>();
  toAssignees.forEach((l, n) => {
    const d = first[n]!;
    if (d instanceof Error) {
      results[l.i] = d;
      failed.add(l.i);
    } else (results[l.i] as ReminderResult).deliveries.push(d);
  });

  // Then the supervisors, where the assignee could not be reached or the follow-up is overdue.
  const escalations: { i: number; d: Delivery }[] = [];
  for (const l of live) {
    if (failed.has(l.i)) continue;
    const unreachable = !l.assignee || (results[l.i] as ReminderResult).deliveries[0] === 'unreachable';
    if (!unreachable && l.job.stage !== 'overdue') continue;
    for (const s of supervisorsOf(deps, l.f.programId)) {
      if (s.memberId === l.assignee?.memberId) continue;
      // The assignee as the supervisor's platform names them.
      const text = buildEscalationText({
        clientCode: l.f.clientCode,
        dueDate: l.f.dueDate,
        assignee: l.assignee ? mentionOn(deps.messengers, s.platform, l.assignee, 'the assignee') : null,
        reason: unreachable ? 'unreachable' : 'overdue',
      });
      escalations.push({
        i: l.i,
        d: { key: { followUpId: l.f.followUpId, version: l.f.version, kind: 'escalation' }, to: s, content: { text } },
      });
    }
    if (unreachable)
      deps.logger.warn(
        { followUpId: l.f.followUpId, stage: l.job.stage },
        'assignee unreachable: rerouted to supervisors',
      );
  }
  const second = await deliverMany(
    deps,
    escalations.map((e) => e.d),
  );
  escalations.forEach((e, n) => {
    const d = second[n]!;
    if (failed.has(e.i)) return;
    if (d instanceof Error) {
      results[e.i] = d;
      failed.add(e.i);
    } else (results[e.i] as ReminderResult).deliveries.push(d);
  });

  // A stage with nobody to nudge is behind the follow-up once someone was told; then the next
  // stage of every follow-up that moved on is queued, all at once.
  const next: DesiredReminder[] = [];
  for (const l of live) {
    if (failed.has(l.i)) continue;
    const r = results[l.i] as ReminderResult;
    if (!l.assignee) {
      if (!r.deliveries.length) continue; // nobody at all to tell: the job fails as unrecoverable
      await settleWithoutAssignee(deps, l.f, l.job.stage, supervisorsOf(deps, l.f.programId)[0]!.platform);
    }
    const program = deps.directory.program(l.f.programId);
    const reminder =
      program &&
      nextReminder(
        { id: l.f.followUpId, programId: l.f.programId, version: l.f.version, dueAt: l.f.dueAt, status: l.f.status },
        new Set([...l.f.settled, l.job.stage]),
        program,
      );
    if (reminder) next.push(reminder);
  }
  if (next.length) {
    await deps.reminders.scheduleMany(next, deps.now).catch((err: unknown) => {
      deps.logger.warn({ count: next.length, err }, 'could not queue the next reminders; the reconciler will');
    });
  }
  return results;
}

/** Updates the nudges already sent for a follow-up to say a contact met it (no new message). */
export async function markNudgesMet(deps: CarelogDeps, followUpId: string, contactNumber: number): Promise<void> {
  try {
    const sent = await deps.db.prisma.nudge.findMany({
      where: { followUpId, kind: { in: ['due', 'overdue'] }, channel: { not: null }, messageTs: { not: null } },
      select: { platform: true, channel: true, messageTs: true },
    });
    if (!sent.length) return;
    const facts = await loadFollowUpFacts(deps, followUpId);
    if (!facts) return;
    const message = buildNudgeMessage(facts, { kind: 'met', contactNumber });
    for (const n of sent)
      await deps.messengers[n.platform]?.updateNudge({ channel: n.channel!, ts: n.messageTs! }, message);
  } catch (err) {
    deps.logger.warn({ followUpId, err }, 'could not update a nudge message');
  }
}
