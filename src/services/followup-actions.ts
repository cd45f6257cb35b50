// The follow-up actions a person takes from a nudge, a /carelog list or the Home tab, as one use
// case per action: check who may act, change the row, and say what the message should now show.
import type { CarelogDeps } from '../deps.js';
import type { TSnooze } from '../domain/followups.js';
import { LOGGING_ROLES } from '../domain/categories.js';
import { buildNudgeMessage, type NudgeMessage } from '../views/nudge.js';
import type { MemberRef } from './directory.js';
import { mentionOn } from './messenger.js';
import { changeFollowUp, loadFollowUpFacts, StaleFollowUpError } from './followups.js';
import { isCarelogError } from '../errors.js';
import { audit, AUDIT } from './audit.js';

/** "<uuid>:<version>" as carried by every nudge action. */
export function parseFollowUpRef(ref: string): { id: string; version: number } | null {
  const m = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):(\d{1,9})$/.exec(ref);
  return m ? { id: m[1]!, version: Number(m[2]) } : null;
}

export function mayWorkFollowUps(member: MemberRef | undefined): member is MemberRef {
  return !!member && member.roles.some((r) => LOGGING_ROLES.includes(r) || r === 'supervisor');
}

export type TFollowUpAction =
  | { kind: 'snooze'; choice: TSnooze }
  | { kind: 'done' }
  | { kind: 'reassign'; toPlatformUserId: string }
  /** "Tried, no answer". */
  | { kind: 'attempt' };

export type TActionResult = { ok: true; message: NudgeMessage } | { ok: false; error: string; message?: NudgeMessage };

export async function actOnFollowUp(
  deps: CarelogDeps,
  actor: MemberRef,
  refText: string,
  action: TFollowUpAction,
): Promise<TActionResult> {
  const ref = parseFollowUpRef(refText);
  if (!ref) return { ok: false, error: 'That button is not carelog’s.' };
  let to: MemberRef | undefined;
  if (action.kind === 'reassign') {
    to = deps.directory.member(actor.programId, actor.platform, action.toPlatformUserId);
    if (!mayWorkFollowUps(to)) return { ok: false, error: 'That person is not on this program’s carelog roster.' };
  }
  try {
    const change = action.kind === 'reassign' ? { kind: 'reassign' as const, to: to! } : action;
    const result = await changeFollowUp(deps, actor, ref, change);
    const facts = await loadFollowUpFacts(deps, ref.id);
    if (!facts) return { ok: false, error: 'No such follow-up.' };
    // Shown to the actor, on their platform (a reassignment stays on it).
    const mention = (m: MemberRef) => mentionOn(deps.messengers, actor.platform, m, 'a colleague');
    const outcome =
      action.kind === 'done'
        ? { kind: 'done' as const, by: mention(actor) }
        : action.kind === 'snooze'
          ? { kind: 'snoozed' as const, until: result.dueDate }
          : action.kind === 'reassign'
            ? { kind: 'reassigned' as const, to: mention(to!) }
            : result.status === 'unreachable'
              ? { kind: 'unreachable' as const }
              : { kind: 'tried' as const, next: result.dueDate };
    return { ok: true, message: buildNudgeMessage(facts, outcome) };
  } catch (err) {
    if (err instanceof StaleFollowUpError) {
      // The message is drawn again with the record as it is now: a read, audited as one.
      const facts = await loadFollowUpFacts(deps, ref.id);
      const row =
        facts && (await deps.db.prisma.followUp.findUnique({ where: { id: ref.id }, select: { clientId: true } }));
      if (facts && row)
        await audit(deps.db.prisma, {
          programId: facts.programId,
          actorId: actor.memberId,
          action: AUDIT.clientRead,
          entityType: 'client',
          entityId: row.clientId,
        });
      return { ok: false, error: err.message, ...(facts ? { message: buildNudgeMessage(facts) } : {}) };
    }
    if (isCarelogError(err, 'invalid_input')) return { ok: false, error: err.message };
    throw err;
  }
}

/** The client code behind a nudge, for "Log follow-up" (opens the contact form with it chosen). */
export async function clientCodeForFollowUp(
  deps: CarelogDeps,
  actor: MemberRef,
  refText: string,
): Promise<string | null> {
  const ref = parseFollowUpRef(refText);
  if (!ref) return null;
  const facts = await loadFollowUpFacts(deps, ref.id);
  return facts && facts.programId === actor.programId ? facts.clientCode : null;
}
