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
// Nudges: the messages a reminder job sends for a follow-up (the DM to the assignee, the
// escalation to the supervisors, their notice that a follow-up closed as unreachable), each sent
// exactly once as a `Nudge` row by carelog's send-once protocol (src/services/send-once.ts, whose
// top comment explains it). What is here is what only nudges do: whom each stage tells, what it
// says, and which reminder comes next.
//
// A worker holds many reminder jobs at once (src/queue/batch.ts): their facts are read with one
// query and their nudges delivered together (one claim, one record for all).
import type { CarelogDeps } from '../deps.js';
import { reminderJobId, type DesiredReminder, type ReminderJobData, type TStage } from '../queue/reminders.js';
import { AUDIT } from './audit.js';
import { buildEscalationText, buildNudgeMessage, buildUnreachableText, type NudgeMessage } from '../views/nudge.js';
import type { MemberRef, TPlatform } from './directory.js';
import { loadFollowUpFacts, loadFollowUpFactsMany, nextReminder, type TFollowUpFacts } from './followups.js';
import { mentionOn } from './messenger.js';
import {
  deliverForJobs,
  oncePerJob,
  settleUnsent,
  supervisorsOf,
  updateSentInPlace,
  type Delivery as SendOnceDelivery,
  type SendOnceKind,
  type SendResult,
} from './send-once.js';

export { CLAIM_LEASE_MS, SendInFlightError as NudgeInFlightError, supervisorsOf, type TDelivery } from './send-once.js';

/**
 * Recorded as the recipient of a stage that had nobody to nudge (no assignee on the roster), so
 * the stage counts as behind the follow-up once the supervisors were told.
 */
export const NO_ASSIGNEE = '-';

type TKind = TStage | 'escalation' | 'unreachable';

export type ReminderResult = SendResult;

type Delivery = SendOnceDelivery<TKind, NudgeMessage>;

/**
 * Nudges as a kind of message sent once: `Nudge` rows about a follow-up, each audited as the
 * disclosure it is (a client's code and due date shown to a person), and counted in the metrics.
 */
const NUDGES: SendOnceKind<TKind, NudgeMessage> = {
  noun: 'nudge',
  table: 'Nudge',
  parentColumn: 'followUpId',
  parentTable: 'FollowUp',
  kindType: 'NudgeKind',
  audit: {
    due: AUDIT.followUpNudge,
    overdue: AUDIT.followUpNudge,
    escalation: AUDIT.followUpNudge,
    unreachable: AUDIT.followUpNudge,
  },
  send: (messenger, to, message, id) => messenger.sendNudge(to, message, id),
  find: (messenger, to, id) => messenger.findNudge(to, id),
  delivered: (deps, results) => deps.metrics.nudges(results),
};

/** Marks a stage that had no one to nudge as behind the follow-up (the supervisors were told). */
async function settleWithoutAssignee(
  deps: CarelogDeps,
  f: TFollowUpFacts,
  stage: TStage,
  platform: TPlatform,
): Promise<void> {
  await settleUnsent(deps, NUDGES, {
    parentId: f.followUpId,
    version: f.version,
    kind: stage,
    platform,
    recipient: NO_ASSIGNEE,
    error: 'no_assignee',
  });
}

/**
 * Runs reminder jobs together: the due nudge, or the overdue nudge plus the escalation, or the
 * supervisors' notice that a follow-up closed as unreachable, for each. Answers each job with its
 * result, or the Error it fails with (the job is then retried).
 */
export async function sendReminders(deps: CarelogDeps, given: ReminderJobData[]): Promise<(ReminderResult | Error)[]> {
  return oncePerJob(given, reminderJobId, async (jobs) => {
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
    return answered;
  });
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
  const notices: { job: number; d: Delivery }[] = [];
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
      await settleUnsent(deps, NUDGES, {
        parentId: f.followUpId,
        version: f.version,
        kind: 'unreachable',
        platform: deps.directory.memberById(f.lastActorId ?? '')?.platform ?? 'slack',
        recipient: NO_ASSIGNEE,
        error: 'no_recipient',
      });
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
        job: i,
        d: { parentId: f.followUpId, version: f.version, kind: 'unreachable', to: s, content: { text } },
      });
  }
  await deliverForJobs(deps, NUDGES, notices, results);
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
  await deliverForJobs(
    deps,
    NUDGES,
    toAssignees.map((l) => ({
      job: l.i,
      d: {
        parentId: l.f.followUpId,
        version: l.f.version,
        kind: l.job.stage,
        to: l.assignee!,
        content: { message: buildNudgeMessage({ ...l.f, overdue: l.job.stage === 'overdue' }) },
      },
    })),
    results,
  );
  const failed = (i: number) => results[i] instanceof Error;

  // Then the supervisors, where the assignee could not be reached or the follow-up is overdue.
  const escalations: { job: number; d: Delivery }[] = [];
  for (const l of live) {
    if (failed(l.i)) continue;
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
        job: l.i,
        d: { parentId: l.f.followUpId, version: l.f.version, kind: 'escalation', to: s, content: { text } },
      });
    }
    if (unreachable)
      deps.logger.warn(
        { followUpId: l.f.followUpId, stage: l.job.stage },
        'assignee unreachable: rerouted to supervisors',
      );
  }
  await deliverForJobs(deps, NUDGES, escalations, results);

  // A stage with nobody to nudge is behind the follow-up once someone was told; then the next
  // stage of every follow-up that moved on is queued, all at once.
  const next: DesiredReminder[] = [];
  for (const l of live) {
    if (failed(l.i)) continue;
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
  await updateSentInPlace(deps, NUDGES, followUpId, ['due', 'overdue'], async (sent) => {
    const facts = await loadFollowUpFacts(deps, followUpId);
    if (!facts) return;
    const message = buildNudgeMessage(facts, { kind: 'met', contactNumber });
    for (const n of sent) await deps.messengers[n.platform]?.updateNudge({ channel: n.channel, ts: n.ts }, message);
  });
}
