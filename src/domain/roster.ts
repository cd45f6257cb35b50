// Roster rules, pure: the order roles are shown in, what an admin may and may not do to a roster,
// and who takes over a departing case manager's work.
import { ROLES, type TRole } from './categories.js';

/**
 * How long a process may go on using a roster it could not check against the database before it
 * refuses everyone: a deactivated person is let in for at most 5 seconds anywhere. The poll
 * interval (CARELOG_ROSTER_POLL_MS, at most ROSTER_POLL_MAX_MS) is well inside it.
 */
export const ROSTER_MAX_STALE_MS = 5_000;
/** The longest poll interval carelog accepts: a change is seen within it, plus one query. */
export const ROSTER_POLL_MAX_MS = 2_000;

/** Roles in the order carelog.yml's documentation lists them, without repeats. */
export function sortRoles(roles: readonly string[]): TRole[] {
  return ROLES.filter((r) => roles.includes(r));
}

export function rolesEqual(a: readonly string[], b: readonly string[]): boolean {
  const x = sortRoles(a);
  const y = sortRoles(b);
  return x.length === y.length && x.every((r, i) => r === y[i]);
}

/** Roles as an admin sent them: every one must be known, and at least one given. */
export function parseRoles(values: readonly string[]): { ok: true; roles: TRole[] } | { ok: false; error: string } {
  const unknown = values.filter((v) => !(ROLES as readonly string[]).includes(v));
  if (unknown.length)
    return {
      ok: false,
      error: `Unknown role ${unknown.map((u) => `"${u.slice(0, 40)}"`).join(', ')}: roles are ${ROLES.join(', ')}.`,
    };
  if (!values.length) return { ok: false, error: 'Choose at least one role.' };
  return { ok: true, roles: sortRoles(values) };
}

/**
 * Whether a change would leave the program without an active admin: the roles after the change of
 * one member, against every active member's roles now.
 */
export function leavesNoAdmin(
  members: readonly { memberId: string; roles: readonly TRole[] }[],
  memberId: string,
  rolesAfter: readonly TRole[],
): boolean {
  return !members.some((m) => (m.memberId === memberId ? rolesAfter : m.roles).includes('admin'));
}

/**
 * The case manager to take over a departing one's work: the one with the fewest pending
 * follow-ups and open referral checks, ties broken by roster order. Undefined when there is none.
 */
export function pickSuccessor(
  candidates: readonly { memberId: string; pending: number }[],
  leaving: string,
): string | undefined {
  let best: { memberId: string; pending: number } | undefined;
  for (const c of candidates) {
    if (c.memberId === leaving) continue;
    if (!best || c.pending < best.pending) best = c;
  }
  return best?.memberId;
}
