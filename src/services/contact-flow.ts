// The contact form's use cases, shared by every chat platform: prepare a fresh form for a person,
// and turn a submitted draft into a stored contact or into errors by field.
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import { LOGGING_ROLES } from '../domain/categories.js';
import { parseClientCode, validateContactDraft } from '../domain/contact.js';
import { toLocal } from '../domain/time.js';
import { FIELD, NEW_CLIENT, type ContactDraft, type TFieldId } from '../domain/contact-draft.js';
import { refusalText } from './access.js';
import { audit, AUDIT } from './audit.js';
import {
  findClientByCode,
  findClientById,
  findClientCaseManager,
  searchClients,
  type ClientSummary,
} from './clients.js';
import { ContactFieldError, logContact, type LoggedContact } from './contacts.js';
import type { MemberRef } from './directory.js';
import { scheduleReminder, unscheduleReminders } from './followups.js';
import { markNudgesMet } from './nudges.js';
import { scheduleReferralChecks } from './referral-checks.js';

export interface Actor {
  program: ProgramConfig;
  member: MemberRef;
}

export function mayLogContacts(member: MemberRef | undefined): member is MemberRef {
  return !!member && member.roles.some((r) => LOGGING_ROLES.includes(r));
}

export const NOT_ON_ROSTER =
  'Only members of your co-responder team can log contacts in carelog. If you should be able to, ask your carelog admin to add you to the roster.';

export interface PreparedForm {
  draft: ContactDraft;
  notice?: string;
  /** The source was filled in from the person's last contact. */
  sourceRemembered: boolean;
  /**
   * Who an empty "Follow-up by" means, for the hint: `prefilled` when the box holds the client's
   * case manager, `least_loaded` when the chosen client has none yet; unset when no client is chosen.
   */
  assigneeDefault?: 'prefilled' | 'least_loaded';
}

/**
 * A new form: now in the program's time zone; the source of the person's last contact; and when
 * the person typed a known code (`/contact PIC-0042`), that client, with "Follow-up by" set to the
 * client's own case manager when they have one on this platform. Without a client, "Follow-up by"
 * stays empty: an empty box means the client's case manager (contact-rules.ts, followUpAssignee).
 */
export async function prepareContactForm(deps: CarelogDeps, actor: Actor, codeText: string): Promise<PreparedForm> {
  const { program, member } = actor;
  const local = toLocal(deps.now(), program.timezone);
  const source = await lastContactSource(deps, actor);
  const draft: ContactDraft = { date: local.date, time: local.time, ...(source ? { source } : {}) };
  const prepared = { draft, sourceRemembered: !!source };
  const text = codeText.trim();
  if (!text) return prepared;
  const code = parseClientCode(text, program.clientCodePrefix);
  const client = code ? await findClientByCode(deps.db.prisma, member, code) : null;
  if (!client) {
    // Echo the code only when it looks like one; never echo free text someone typed after /contact.
    const shown = code ?? 'that code';
    return { ...prepared, notice: `No client ${shown} in ${program.name}. Choose a client below, or “New client”.` };
  }
  const followUp = assigneeDefaultOf(deps, actor, client.caseManagerId);
  return {
    ...prepared,
    draft: {
      ...draft,
      client: client.id,
      clientLabel: client.code,
      ...(followUp.assignee ? { followUpAssignee: followUp.assignee } : {}),
    },
    ...(followUp.hint ? { assigneeDefault: followUp.hint } : {}),
  };
}

/**
 * What "Follow-up by" starts with for a client: `assignee`, the platform user id of the client's
 * own case manager when they have one on the person's platform (hint `prefilled`); nothing for a
 * client without a case manager (hint `least_loaded`) or whose case manager is on another platform
 * (no hint: an empty box still means the client's case manager, contact-rules.ts).
 */
export interface AssigneeDefault {
  assignee?: string;
  hint?: 'prefilled' | 'least_loaded';
}

function assigneeDefaultOf(deps: CarelogDeps, { member }: Actor, caseManagerId: string | null): AssigneeDefault {
  if (!caseManagerId) return { hint: 'least_loaded' };
  const caseManager = deps.directory.memberById(caseManagerId);
  return caseManager && caseManager.platform === member.platform
    ? { assignee: caseManager.platformUserId, hint: 'prefilled' }
    : {};
}

/**
 * "Follow-up by" for a client chosen after the form opened (the typeahead's id, or "New client"),
 * so the box can follow the client. A known client's case manager is looked up (an audited read of
 * that client); a new client has none yet. When the lookup fails (the database is away), nothing:
 * an empty box means the client's case manager when the contact is saved, so nobody wrong is named.
 */
export async function assigneeDefaultFor(
  deps: CarelogDeps,
  actor: Actor,
  client: string | undefined,
): Promise<AssigneeDefault> {
  if (!client) return {};
  if (client === NEW_CLIENT) return { hint: 'least_loaded' };
  if (!/^[0-9a-f-]{36}$/i.test(client)) return {};
  try {
    const found = await findClientCaseManager(deps.db.prisma, actor.member, client);
    return found ? assigneeDefaultOf(deps, actor, found.caseManagerId) : {};
  } catch (err) {
    deps.logger.warn({ err, programId: actor.program.id }, 'looking up the client’s case manager failed');
    return {};
  }
}

/**
 * Whether "Follow-up by" should follow a newly chosen client: the person has not picked someone
 * themselves, the box still holds the default it was filled with for the earlier client, or nothing.
 * A pick of their own is kept.
 */
export function assigneeFollowsClient(current: string | undefined, previousDefault: string | undefined): boolean {
  return !current || current === previousDefault;
}

/**
 * The source of the last contact this person logged, while it is still on the program's list.
 * A preference of the person's (Member.lastContactSource), not client data: not audited. It is
 * written in the same statement as the contact (logContact), which is.
 */
async function lastContactSource(deps: CarelogDeps, { program, member }: Actor): Promise<string | undefined> {
  const row = await deps.db.prisma.member.findUnique({
    where: { id: member.memberId },
    select: { lastContactSource: true },
  });
  const key = row?.lastContactSource;
  return key && program.categories.sources.some((c) => c.key === key) ? key : undefined;
}

/** Client codes for the form's typeahead, from the actor's own program only. */
export function suggestClients(deps: CarelogDeps, actor: Actor, query: string): Promise<ClientSummary[]> {
  return searchClients(deps.db.sql, actor.program, query.slice(0, 50));
}

/**
 * The code of a client chosen in a form, to show it again when the form comes back (Teams sends
 * back only the id). Codes are what the typeahead lists: not audited per look, like the typeahead.
 */
export async function clientCodeOf(deps: CarelogDeps, actor: Actor, clientId: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(clientId)) return undefined;
  return (await findClientById(deps.db.prisma, actor.program.id, clientId))?.code;
}

/**
 * The draft to save, with "Follow-up by" dropped when it still holds the default of a client other
 * than the one now chosen (the client changed just before Save, before the form could follow):
 * an empty box gives the follow-up to the chosen client's own case manager when it is saved.
 */
export function withoutStaleAssignee(
  draft: ContactDraft,
  prefilled: { assigneeDefault?: string | undefined; assigneeFor?: string | undefined },
): ContactDraft {
  const stale =
    !!draft.followUpAssignee &&
    draft.followUpAssignee === prefilled.assigneeDefault &&
    draft.client !== prefilled.assigneeFor;
  if (!stale) return draft;
  const { followUpAssignee: _stale, ...rest } = draft;
  return rest;
}

export type TSubmitResult =
  | { ok: true; logged: LoggedContact }
  | { ok: false; errors: Partial<Record<TFieldId, string>>; reason: 'invalid' | 'not_authorized' | 'unavailable' };

export const SAVE_FAILED =
  'carelog could not save this just now, and nothing was stored. Your entries are still here: press Save again in a moment.';

/** Validates and stores a submitted form. Never throws for a person's mistake or a database outage. */
export async function submitContact(
  deps: CarelogDeps,
  actor: { program: ProgramConfig; member: MemberRef | undefined },
  draft: ContactDraft,
  idempotencyKey: string,
): Promise<TSubmitResult> {
  const { program, member } = actor;
  if (!mayLogContacts(member))
    return { ok: false, reason: 'not_authorized', errors: { [FIELD.client]: refusalText(deps, NOT_ON_ROSTER) } };
  const checked = validateContactDraft(draft, {
    categories: program.categories,
    demographics: program.demographics,
    timezone: program.timezone,
    startDate: program.startDate,
    now: deps.now(),
  });
  if (!checked.ok) return { ok: false, reason: 'invalid', errors: checked.errors };
  try {
    const logged = await logContact(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory, now: deps.now },
      { program, author: member, idempotencyKey, input: checked.value },
    );
    if (logged.created) await afterContactLogged(deps, logged);
    return { ok: true, logged };
  } catch (err) {
    if (err instanceof ContactFieldError) return { ok: false, reason: 'invalid', errors: { [err.field]: err.message } };
    deps.logger.error({ err, programId: program.id, memberId: member.memberId }, 'saving a contact failed');
    return { ok: false, reason: 'unavailable', errors: { [FIELD.client]: SAVE_FAILED } };
  }
}

/**
 * A repeated submission answered with the earlier confirmation (Teams resends an invoke; the card
 * then shows the code, number and follow-up date again): a read of that contact, audited as one.
 */
export async function auditConfirmationShownAgain(
  deps: CarelogDeps,
  member: MemberRef,
  logged: LoggedContact,
): Promise<void> {
  if (logged.created) return;
  await audit(deps.db.prisma, {
    programId: member.programId,
    actorId: member.memberId,
    action: AUDIT.contactRead,
    entityType: 'contact',
    entityId: logged.contactId,
    clientIds: [logged.clientId],
  });
}

/**
 * Reminders follow the rows: queue the new follow-up's, drop and update the met ones'; and queue
 * the linkage checks of the referrals the contact made. A later contact closes no referral.
 */
async function afterContactLogged(deps: CarelogDeps, logged: LoggedContact): Promise<void> {
  for (const met of logged.followUpsMet) {
    await unscheduleReminders(deps, met.id, met.version);
    await markNudgesMet(deps, met.id, met.contactNumber);
  }
  if (logged.followUp?.pending) await scheduleReminder(deps, logged.followUp.id);
  await scheduleReferralChecks(
    deps,
    logged.referrals.filter((r) => r.nextCheckAt).map((r) => r.id),
  );
}
