// The bot's own access token for the Bot Connector: the OAuth 2.0 client-credentials grant against
// Entra ID (POST {login}/{tenant}/oauth2/v2.0/token), cached until five minutes before it expires.
// The SDK's default (MSAL) insists on an https authority and discovers instances over the network;
// this plain grant is the same protocol, works against any login endpoint the cloud names, and so
// is what the tests exercise, against a local token endpoint.
import { z } from 'zod';
import { CarelogError } from '../../errors.js';

const ZTokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
});

/** Tokens are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.com (from the cloud environment). */
  loginEndpoint: string;
  now?: () => number;
}

export type TokenProvider = (scope: string, tenantId: string) => Promise<string>;

export function clientCredentialsTokens(creds: ClientCredentials): TokenProvider {
  const now = creds.now ?? Date.now;
  const cache = new Map<string, { token: string; renewAt: number }>();
  const inFlight = new Map<string, Promise<string>>();
  const fetchToken = async (scope: string, tenantId: string): Promise<string> => {
    const url = `${creds.loginEndpoint.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: creds.clientId,
        client_secret: creds.clientSecret,
        scope,
      }),
      signal: AbortSignal.timeout(15_000),
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      // Entra's error code (invalid_client, unauthorized_client…) says what to fix; its description is not needed.
      const code = z.object({ error: z.string().max(64) }).safeParse(json);
      throw new CarelogError(
        'platform_unavailable',
        `Entra ID refused the bot's token request (${res.status}${code.success ? ` ${code.data.error}` : ''}): check TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID`,
      );
    }
    const parsed = ZTokenResponse.safeParse(json);
    if (!parsed.success)
      throw new CarelogError('platform_unavailable', 'Entra ID answered the token request without an access token');
    cache.set(`${tenantId}|${scope}`, {
      token: parsed.data.access_token,
      renewAt: now() + parsed.data.expires_in * 1000 - RENEW_BEFORE_MS,
    });
    return parsed.data.access_token;
  };
  return async (scope, tenantId) => {
    const key = `${tenantId}|${scope}`;
    const hit = cache.get(key);
    if (hit && hit.renewAt > now()) return hit.token;
    // Many sends at once (a burst of nudges) share one token request.
    let pending = inFlight.get(key);
    if (!pending) {
      pending = fetchToken(scope, tenantId).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}
