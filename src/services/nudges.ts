// Sending follow-up reminders exactly once.
//
// Each message is first *claimed* as a Nudge row (unique per follow-up version, kind and
// recipient), then sent with the row's id attached to the message, then recorded (channel, ts).
// The crash window is between send and record: a worker killed there leaves a claimed row with no
// ts. Whoever picks the job up next does not send blindly: it asks the platform for a message
// carrying that nudge id (Slack: message metadata in the DM's history) and records it if found,
// sending only if not. A claim younger than CLAIM_LEASE_MS belongs to a worker that may still be
// sending, so the job backs off and retries instead of racing it. The result: no lost and no
// doubled nudge, at the cost of one history lookup after a crash.
import { Prisma } from '../generated/prisma/client.js';
import type { CarelogDeps } from '../deps.js';
import type { ReminderJobData } from '../queue/reminders.js';
import { buildEscalationText, buildNudgeMessage, type NudgeMessage } from '../views/nudge.js';
import type { MemberRef } from './directory.js';
import { loadFollowUpFacts, scheduleReminder } from './followups.js';
import { RecipientUnreachableError } from './messenger.js';

/** How long a claimed-but-unsent nudge is left to the worker that claimed it. */
export const CLAIM_LEASE_MS = 30_000;

export class NudgeInFlightError extends Error {
  constructor() {
    super('another worker is sending this nudge');
    this.name = 'NudgeInFlightError';
  }
}

type TKind = 'due' | 'overdue' | 'escalation';

export type TDelivery = 'sent' | 'already-sent' | 'recovered' | 'unreachable';

/** Supervisors of a program, or its admins when it names none. */
export function supervisorsOf(deps: CarelogDeps, programId: string): MemberRef[] {
  const sups = deps.directory.withRole(programId, 'supervisor');
  return sups.length ? sups : deps.directory.withRole(programId, 'admin');
}

async function deliverOnce(
  deps: CarelogDeps,
  key: { followUpId: string; version: number; kind: TKind },
  to: MemberRef,
  content: { nudge: NudgeMessage } | { text: string },
): Promise<TDelivery> {
  const prisma = deps.db.prisma;
  const messenger = deps.messengers[to.platform];
  if (!messenger) throw new Error(`no messenger for ${to.platform}`);
  const where = { followUpId_version_kind_recipient: { ...key, recipient: to.platformUserId } };
  let claimedNow = true;
  let row = await prisma.nudge
    .create({ data: { ...key, platform: to.platform, recipient: to.platformUserId, claimedAt: new Date() } })
    .catch(async (err: unknown) => {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      claimedNow = false;
      return prisma.nudge.findUniqueOrThrow({ where });
    });
  if (row.sentAt) return 'already-sent';
  if (row.error) return 'unreachable';
  if (!claimedNow) {
    // Take over the claim only once its lease ran out, and only one taker wins.
    const taken = await prisma.nudge.updateMany({
      where: { id: row.id, sentAt: null, claimedAt: { lt: new Date(Date.now() - CLAIM_LEASE_MS) } },
      data: { claimedAt: new Date() },
    });
    if (taken.count !== 1) throw new NudgeInFlightError();
    let found;
    try {
      found = await messenger.findNudge(to.platformUserId, row.id);
    } catch (err) {
      // Gone since the claim (left the workspace): reroute now instead of failing this job for ever.
      if (!(err instanceof RecipientUnreachableError)) throw err;
      await prisma.nudge.update({ where: { id: row.id }, data: { error: err.platformCode } });
      return 'unreachable';
    }
    if (found) {
      await prisma.nudge.update({ where: { id: row.id }, data: { sentAt: new Date(), channel: found.channel, messageTs: found.ts } });
      return 'recovered';
    }
  }
  try {
    const sent =
      'nudge' in content
        ? await messenger.sendNudge(to.platformUserId, content.nudge, row.id)
        : await messenger.sendText(to.platformUserId, content.text, row.id);
    row = await prisma.nudge.update({ where: { id: row.id }, data: { sentAt: new Date(), channel: sent.channel, messageTs: sent.ts } });
    return 'sent';
  } catch (err) {
    if (err instanceof RecipientUnreachableError) {
      await prisma.nudge.update({ where: { id: row.id }, data: { error: err.platformCode } });
      return 'unreachable';
    }
    // Not sent: release the claim so the retry need not wait for the lease or look it up.
    await prisma.nudge.delete({ where: { id: row.id } }).catch(() => undefined);
    throw err;
  }
}

/** Runs one reminder job: the due nudge, or the overdue nudge plus escalation. */
export async function sendReminder(deps: CarelogDeps, job: ReminderJobData): Promise<{ stale: boolean; deliveries: TDelivery[] }> {
  const facts = await loadFollowUpFacts(deps, job.followUpId);
  // A newer version (snoozed, reassigned) or a settled follow-up: this job's moment has passed.
  if (!facts || facts.status !== 'pending' || facts.version !== job.version) return { stale: true, deliveries: [] };
  const assignee = facts.assigneeId ? deps.directory.memberById(facts.assigneeId) : undefined;
  const supervisors = supervisorsOf(deps, facts.programId);
  const deliveries: TDelivery[] = [];
  const key = { followUpId: facts.followUpId, version: facts.version };
  const mention = (m: MemberRef | undefined) => (m ? (m.platform === 'slack' ? `<@${m.platformUserId}>` : 'the assignee') : null);

  let unreachable = !assignee;
  if (assignee) {
    const message = buildNudgeMessage({ ...facts, overdue: job.stage === 'overdue' });
    const d = await deliverOnce(deps, { ...key, kind: job.stage }, assignee, { nudge: message });
    deliveries.push(d);
    unreachable = d === 'unreachable';
  }
  if (unreachable || job.stage === 'overdue') {
    const text = buildEscalationText({
      clientCode: facts.clientCode,
      dueDate: facts.dueDate,
      assignee: mention(assignee),
      reason: unreachable ? 'unreachable' : 'overdue',
    });
    for (const s of supervisors) {
      if (s.memberId === assignee?.memberId) continue;
      deliveries.push(await deliverOnce(deps, { ...key, kind: 'escalation' }, s, { text }));
    }
    if (unreachable) deps.logger.warn({ followUpId: facts.followUpId, stage: job.stage }, 'assignee unreachable: rerouted to supervisors');
  }
  await scheduleReminder(deps, facts.followUpId);
  return { stale: false, deliveries };
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
    for (const n of sent) await deps.messengers[n.platform]?.updateNudge({ channel: n.channel!, ts: n.messageTs! }, message);
  } catch (err) {
    deps.logger.warn({ followUpId, err: { name: (err as Error)?.name } }, 'could not update a nudge message');
  }
}
