// The roster as an admin sees it (`/carelog roster`, the Teams "roster" card), and the messages a
// roster change sends: the welcome to a person added, the notice to supervisors when a departing
// case manager's work is handed on. Platform-neutral; people are named by whoever renders them.
import { ROLES, type TRole } from '../domain/categories.js';

export const ROLE_LABELS: Record<TRole, string> = {
  clinician: 'Clinician',
  case_manager: 'Case manager',
  leadership: 'Leadership',
  supervisor: 'Supervisor',
  admin: 'Admin',
};

export const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

/** What an admin may do from the roster form. */
export const ROSTER_ACTIONS = [
  { value: 'add', label: 'Add this person with these roles' },
  { value: 'roles', label: 'Change this member’s roles' },
  { value: 'deactivate', label: 'Deactivate this member' },
] as const;
export type TRosterAction = (typeof ROSTER_ACTIONS)[number]['value'];

export interface RosterEntryView {
  memberId: string;
  platform: 'slack' | 'teams';
  platformUserId: string;
  roles: TRole[];
}

export interface RosterView {
  programId: string;
  programName: string;
  /** The roster version the list shows: a change sent from it is refused once it moved on. */
  version: number;
  members: RosterEntryView[];
  /** What the last change did, shown above the list. */
  outcome?: string;
}

export function rolesText(roles: readonly TRole[]): string {
  return roles.length ? roles.map((r) => ROLE_LABELS[r]).join(', ') : 'no roles';
}

export function rosterIntro(view: RosterView): string {
  const n = view.members.length;
  return `${view.programName}: ${n} ${n === 1 ? 'person' : 'people'} on the roster. Choose a person and what to do.`;
}

export const NOT_AN_ADMIN = 'Only an admin of your co-responder program can change its roster.';
export const STALE_ROSTER =
  'The roster changed since this list was shown: nothing was changed. Open the roster again and retry.';

/** The one message a person added to the roster receives. */
export function welcomeText(programName: string, admin: string): string {
  return [
    `Welcome to carelog for ${programName}. You were added to the roster by ${admin}, your admin: ask them about your roles or access.`,
    '`/contact` (on Teams: type "contact" in this chat) opens the form to log a contact with a client: who they are by client code, what happened, services and referrals, and whether they need a follow-up. carelog then reminds whoever the follow-up is assigned to.',
    'Privacy: never type a client’s name anywhere in carelog, only their client code. Notes are encrypted and seen only by your program; nothing about a client is ever posted to a channel, only counts in the weekly digest.',
  ].join('\n\n');
}

/** What a supervisor is told when a departing member's work is handed on: codes and counts only. */
export function reassignNoticeText(n: {
  programName: string;
  from: string;
  to: string;
  followUpCodes: string[];
  referralCodes: string[];
}): string {
  const parts: string[] = [];
  if (n.followUpCodes.length)
    parts.push(
      `${n.followUpCodes.length} pending follow-up${n.followUpCodes.length === 1 ? '' : 's'} (${n.followUpCodes.join(', ')})`,
    );
  if (n.referralCodes.length)
    parts.push(
      `${n.referralCodes.length} open referral check${n.referralCodes.length === 1 ? '' : 's'} (${n.referralCodes.join(', ')})`,
    );
  return `${n.programName}: ${n.from} was deactivated; ${parts.join(' and ')} now go to ${n.to}. Their past contacts stay theirs in the record.`;
}
