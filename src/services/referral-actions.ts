// The answers a person gives to a linkage check, from its message, a list or the Home tab: check who
// may act, change the referral (status and version, compare-and-set), replace its check job, audit
// the answer, and redraw every copy of the check in chat. The domain's afterAnswer says what an
// answer does; "Not yet" after the last check closes the referral as unknown.
import type { CarelogDeps } from '../deps.js';
import { followUpRules } from '../domain/followups.js';
import { afterAnswer, connectedOnError, recheckAt, type TReferralOutcome } from '../domain/referrals.js';
import { toLocal } from '../domain/time.js';
import {
  buildConnectedForm,
  buildReferralCheckMessage,
  CONNECTED_FIELD,
  type ConnectedForm,
  type ReferralCheckMessage,
  type TReferralOutcome as TShownOutcome,
} from '../views/referral-check.js';
import { audit, AUDIT } from './audit.js';
import type { MemberRef, TPlatform } from './directory.js';
import { mayWorkFollowUps, parseFollowUpRef } from './followup-actions.js';
import { mentionOn } from './messenger.js';
import {
  loadReferralFacts,
  programToday,
  scheduleReferralChecks,
  unscheduleReferralCheck,
  updateSentChecks,
  type TReferralFacts,
} from './referral-checks.js';

/** Who may answer a linkage check: the people who work follow-ups. */
export const mayWorkReferrals = mayWorkFollowUps;

export const NOT_A_REFERRAL_WORKER = 'Only members of your co-responder team can work referrals in carelog.';
export const STALE_CHECK = 'This linkage check is out of date: the referral changed since it was sent.';

export type TReferralAction = { kind: 'connected'; on: string } | { kind: Exclude<TReferralOutcome, 'connected'> };

export type TReferralActionResult =
  | { ok: true; message: ReferralCheckMessage }
  | {
      ok: false;
      error: string;
      /** The check drawn as the referral now is (an out-of-date button). */
      message?: ReferralCheckMessage;
      /** A Connected form's field the error belongs beside. */
      field?: typeof CONNECTED_FIELD.date;
    };

const AUDIT_OF = {
  connected: AUDIT.referralConnected,
  not_yet: AUDIT.referralNotYet,
  declined: AUDIT.referralDeclined,
  unreachable: AUDIT.referralUnreachable,
} as const;

async function factsInProgram(deps: CarelogDeps, actor: MemberRef, refText: string) {
  const ref = parseFollowUpRef(refText);
  if (!ref) return null;
  const facts = await loadReferralFacts(deps, ref.id);
  return facts && facts.programId === actor.programId ? { ref, facts } : null;
}

/** The check redrawn as the referral is now, for an out-of-date button: a read, audited as one. */
async function staleAnswer(deps: CarelogDeps, actor: MemberRef, f: TReferralFacts): Promise<TReferralActionResult> {
  await audit(deps.db.prisma, {
    programId: f.programId,
    actorId: actor.memberId,
    action: AUDIT.clientRead,
    entityType: 'client',
    entityId: f.clientId,
  });
  return { ok: false, error: STALE_CHECK, message: buildReferralCheckMessage(f) };
}

export async function actOnReferral(
  deps: CarelogDeps,
  actor: MemberRef,
  refText: string,
  action: TReferralAction,
): Promise<TReferralActionResult> {
  const found = await factsInProgram(deps, actor, refText);
  if (!found) return { ok: false, error: 'That button is not carelog’s.' };
  const { ref, facts: f } = found;
  if (f.version !== ref.version || f.status !== 'made') return staleAnswer(deps, actor, f);
  const program = deps.directory.program(f.programId)!;
  const now = deps.now();
  if (action.kind === 'connected') {
    const error = connectedOnError(action.on, f.madeAt, now, program.timezone);
    if (error) return { ok: false, error, field: CONNECTED_FIELD.date };
  }
  const next = afterAnswer(action.kind, f.checks, program.referrals);
  const nextCheckAt = next.checkAgain ? recheckAt(now, program.referrals, followUpRules(program)) : null;
  const prisma = deps.db.prisma;
  const applied = await prisma.$transaction(async (tx) => {
    // Compare-and-set on the version: two presses on two copies of a check cannot both apply.
    const res = await tx.referral.updateMany({
      where: { id: f.referralId, version: f.version, status: 'made' },
      data: {
        status: next.status,
        nextCheckAt,
        ...(next.status === 'made' ? {} : { closedAt: now }),
        ...(action.kind === 'connected' ? { connectedOn: new Date(`${action.on}T00:00:00Z`) } : {}),
        version: { increment: 1 },
        lastActorId: actor.memberId,
      },
    });
    if (res.count !== 1) return false;
    await audit(tx, {
      programId: f.programId,
      actorId: actor.memberId,
      action: AUDIT_OF[action.kind],
      entityType: 'referral',
      entityId: f.referralId,
      clientIds: [f.clientId],
      ...(action.kind === 'not_yet' ? { details: { status: next.status } } : {}),
    });
    return true;
  });
  if (!applied) {
    const current = await loadReferralFacts(deps, f.referralId);
    return current ? staleAnswer(deps, actor, current) : { ok: false, error: STALE_CHECK };
  }
  await unscheduleReferralCheck(deps, f.referralId, f.version);
  if (next.checkAgain) await scheduleReferralChecks(deps, [f.referralId]);
  const after = (await loadReferralFacts(deps, f.referralId))!;
  const outcome = (platform: TPlatform): TShownOutcome => {
    const by = mentionOn(deps.messengers, platform, actor, 'a colleague');
    switch (action.kind) {
      case 'connected':
        return { kind: 'connected', on: action.on, by };
      case 'not_yet':
        return next.status === 'unknown'
          ? { kind: 'unknown' }
          : { kind: 'not_yet', nextCheck: toLocal(nextCheckAt!, program.timezone).date };
      default:
        return { kind: action.kind, by };
    }
  };
  await updateSentChecks(deps, f.referralId, (platform) => buildReferralCheckMessage(after, outcome(platform)));
  return { ok: true, message: buildReferralCheckMessage(after, outcome(actor.platform)) };
}

/**
 * The Connected form for a check: the category named (a form is not kept in chat history), the
 * date asked, today by default. Opening it shows a Part 2 category: audited as a read of the
 * referral. Null when the referral is not the actor's program's; the message when it is out of date.
 */
export async function connectedFormFor(
  deps: CarelogDeps,
  actor: MemberRef,
  refText: string,
): Promise<{ ok: true; form: ConnectedForm } | { ok: false; error: string; message?: ReferralCheckMessage }> {
  const found = await factsInProgram(deps, actor, refText);
  if (!found) return { ok: false, error: 'That button is not carelog’s.' };
  const { ref, facts: f } = found;
  if (f.version !== ref.version || f.status !== 'made') {
    const stale = await staleAnswer(deps, actor, f);
    return { ok: false, error: STALE_CHECK, ...(stale.message ? { message: stale.message } : {}) };
  }
  const program = deps.directory.program(f.programId)!;
  await audit(deps.db.prisma, {
    programId: f.programId,
    actorId: actor.memberId,
    action: AUDIT.referralRead,
    entityType: 'referral',
    entityId: f.referralId,
    clientIds: [f.clientId],
  });
  return { ok: true, form: buildConnectedForm(f, programToday(deps, program)) };
}
