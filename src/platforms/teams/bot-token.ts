// The Bot Framework token on every activity Teams POSTs, checked before the body is read as JSON:
// signature (the Bot Framework's published keys), algorithm, audience, issuer and expiry. A request
// without a good token costs a header decode and a cache lookup, never a JSON parse of up to 1 MiB
// or a fetch of Microsoft's key set: a key id the key set fetched in the last 30 s did not have is
// refused from memory, and so is one that the set lacked in the last five minutes.
//
// The SDK checks the token again afterwards (it also checks that the token vouches for the
// activity's serviceUrl, which needs the body), but its key client fetches the key set for every
// key id it has not seen (jwks-rsa without a rate limit, failures not cached): one fetch per forged
// token. Only tokens signed by a published key reach it now, so it fetches only when Microsoft
// rotates its keys.
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { CloudEnvironment } from '@microsoft/teams.api';
import { z } from 'zod';

/** A JSON Web Key Set as far as carelog reads it; jwks-rsa reads the keys themselves. */
const ZKeySet = z.object({ keys: z.array(z.looseObject({ kid: z.string().max(256).optional() })).max(100) });

/** Key-set fetches allowed per minute, whatever arrives (jwks-rsa's rate limit). */
export const KEY_SET_FETCHES_PER_MINUTE = 10;
/**
 * How long a published key is trusted without fetching the set again. Microsoft's own Bot Framework
 * SDK refreshes daily; a key withdrawn sooner is refused by the SDK's check behind this one, which
 * keeps keys ten minutes.
 */
const KEY_CACHE_MS = 24 * 60 * 60_000;
/**
 * A key id missing from a key set fetched this recently is refused without fetching again (jose's
 * cooldown): forged key ids then spend at most two of the minute's fetches, and a key of Teams'
 * that is due for a refresh still finds fetches left, however many forgeries arrive.
 */
const RECENT_SET_MS = 30_000;
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

export function createBotTokenCheck(opts: {
  clientId: string;
  cloud: Pick<CloudEnvironment, 'openIdMetadataUrl' | 'tokenIssuer'>;
  now?: () => number;
}): BotTokenCheck {
  const now = opts.now ?? Date.now;
  /** The key ids of the last key set fetched, and when. */
  let published: { kids: Set<string>; at: number } | undefined;
  const keys = jwksRsa({
    jwksUri: keySetUrl(opts.cloud),
    // jwks-rsa's documented hook for the fetch itself: the same GET, noting which key ids it brought.
    fetcher: async (uri) => {
      const res = await fetch(uri, { signal: AbortSignal.timeout(15_000) });
      if (!res.ok) throw new Error(`the Bot Framework key set answered ${res.status}`);
      const set = ZKeySet.parse(await res.json());
      published = { kids: new Set(set.keys.flatMap((k) => (k.kid === undefined ? [] : [k.kid]))), at: now() };
      return set;
    },
    cache: true,
    cacheMaxEntries: 20,
    cacheMaxAge: KEY_CACHE_MS,
    rateLimit: true,
    jwksRequestsPerMinute: KEY_SET_FETCHES_PER_MINUTE,
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
    if (!decoded || decoded.header.alg !== 'RS256' || typeof kid !== 'string' || kid.length === 0 || kid.length > 256)
      return false;
    if (isUnknown(kid)) return false;
    if (published && now() - published.at < RECENT_SET_MS && !published.kids.has(kid)) {
      rememberUnknown(kid);
      return false;
    }
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
      jwt.verify(token, publicKey, {
        algorithms: ['RS256'],
        audience,
        issuer: opts.cloud.tokenIssuer,
        clockTolerance: CLOCK_TOLERANCE_S,
      });
      return true;
    } catch {
      return false;
    }
  };
}
