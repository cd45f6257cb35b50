// The Bot Framework token on every activity Teams POSTs, checked before the body is read as JSON:
// signature (the Bot Framework's published keys), algorithm, audience, issuer and expiry. A request
// without a good token costs a header decode and a cache lookup, never a JSON parse of up to 1 MiB
// or a fetch of Microsoft's key set.
//
// The SDK checks the token again afterwards (it also checks that the token vouches for the
// activity's serviceUrl, which needs the body), but its key client fetches the key set for every
// key id it has not seen (jwks-rsa without a rate limit, failures not cached): one fetch per forged
// token. Only tokens signed by a published key reach it now, so it fetches only when Microsoft
// rotates its keys.
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { CloudEnvironment } from '@microsoft/teams.api';

/** Key-set fetches allowed per minute, whatever arrives (jwks-rsa's rate limit). */
export const KEY_SET_FETCHES_PER_MINUTE = 10;
/**
 * How long a published key is trusted without fetching the set again. Microsoft's own Bot Framework
 * SDK refreshes daily; a key withdrawn sooner is refused by the SDK's check behind this one, which
 * keeps keys ten minutes.
 */
const KEY_CACHE_MS = 24 * 60 * 60_000;
/** Key ids the key set did not have are refused without a fetch for this long… */
const UNKNOWN_KID_MS = 5 * 60_000;
/** …up to this many at once (the oldest are forgotten first). */
const UNKNOWN_KID_MAX = 1_000;
/** The clock skew Bot Framework tokens are allowed (the SDK's, and the industry's, five minutes). */
const CLOCK_TOLERANCE_S = 300;

/** The key set's URL, derived from the cloud's OpenID configuration as the SDK derives it. */
export function keySetUrl(cloud: Pick<CloudEnvironment, 'openIdMetadataUrl'>): string {
  return cloud.openIdMetadataUrl.replace(/\/openidconfiguration$/, '/keys');
}

export interface BotTokenCheck {
  /** True when the Authorization header carries a valid Bot Framework token for this bot. */
  (authorization: string | string[] | undefined): Promise<boolean>;
}

export function createBotTokenCheck(opts: { clientId: string; cloud: Pick<CloudEnvironment, 'openIdMetadataUrl' | 'tokenIssuer'>; now?: () => number }): BotTokenCheck {
  const now = opts.now ?? Date.now;
  const keys = jwksRsa({
    jwksUri: keySetUrl(opts.cloud),
    cache: true,
    cacheMaxEntries: 20,
    cacheMaxAge: KEY_CACHE_MS,
    rateLimit: true,
    jwksRequestsPerMinute: KEY_SET_FETCHES_PER_MINUTE,
    timeout: 15_000,
  });
  // jwks-rsa caches the keys it found, never the key ids it did not: without this, every forged key
  // id would spend one of the minute's fetches, and a flood of one id would spend them all. A Map
  // kept in insertion order is the bounded cache (the oldest entry goes first).
  const unknownKids = new Map<string, number>();
  const isUnknown = (kid: string): boolean => {
    const until = unknownKids.get(kid);
    if (until === undefined) return false;
    if (until > now()) return true;
    unknownKids.delete(kid);
    return false;
  };
  const rememberUnknown = (kid: string): void => {
    unknownKids.delete(kid);
    while (unknownKids.size >= UNKNOWN_KID_MAX) unknownKids.delete(unknownKids.keys().next().value!);
    unknownKids.set(kid, now() + UNKNOWN_KID_MS);
  };
  const audience: [string, ...string[]] = [opts.clientId, `api://botid-${opts.clientId}`, `api://${opts.clientId}`];

  return async (authorization) => {
    const header = Array.isArray(authorization) ? authorization[0] : authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token || token.length > 16_384) return false;
    const decoded = jwt.decode(token, { complete: true });
    const kid = decoded?.header.kid;
    if (!decoded || decoded.header.alg !== 'RS256' || typeof kid !== 'string' || kid.length === 0 || kid.length > 256) return false;
    if (isUnknown(kid)) return false;
    let publicKey: string;
    try {
      publicKey = (await keys.getSigningKey(kid)).getPublicKey();
    } catch (err) {
      // Not in the key set: remembered. Over the rate limit, or the key set unreachable: refused
      // this time only (the key id may be real).
      if ((err as Error)?.name === 'SigningKeyNotFoundError') rememberUnknown(kid);
      return false;
    }
    try {
      jwt.verify(token, publicKey, { algorithms: ['RS256'], audience, issuer: opts.cloud.tokenIssuer, clockTolerance: CLOCK_TOLERANCE_S });
      return true;
    } catch {
      return false;
    }
  };
}
