// What a person refused at the door is told. Usually that the roster does not let them do this;
// but while the roster cannot be checked against the database for longer than its bound
// (watchRoster, ROSTER_MAX_STALE_MS), lookups refuse everyone, and a person who is on the roster
// must not be told they are not: they are told to try again shortly.
import type { CarelogDeps } from '../deps.js';
import type { Directory } from './directory.js';

export const ROSTER_UNCHECKED =
  'carelog cannot check the team roster right now, so it cannot let anyone in. Nothing was changed: try again in a minute.';

/** Outages already logged, by directory: the time the roster was last confirmed before each. */
const logged = new WeakMap<Directory, number>();

/**
 * The text for a refusal: `usual` ("Only members of your co-responder team …"), or
 * ROSTER_UNCHECKED while the roster cannot be confirmed. The first such refusal of an outage is
 * logged as a warning, with no one's identity in it.
 */
export function refusalText(deps: Pick<CarelogDeps, 'directory' | 'logger'>, usual: string): string {
  const since = deps.directory.unconfirmedSince();
  if (since === undefined) return usual;
  if (logged.get(deps.directory) !== since) {
    logged.set(deps.directory, since);
    deps.logger.warn(
      { unconfirmedMs: Math.round(performance.now() - since) },
      'a person was refused because the roster cannot be checked against the database; told to try again shortly',
    );
  }
  return ROSTER_UNCHECKED;
}
