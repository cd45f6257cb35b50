// The Bot Connector REST client carelog sends through when nobody is waiting on a request: nudges,
// escalations, digests, in-place updates. It talks to the app-level service URL (TEAMS_SERVICE_URL,
// else Teams' global one), authenticated with the bot's own token when credentials are set.
// Failures become carelog errors that name the status and Teams' error code, never the payload
// (the axios error behind them holds the card that was sent).
import { Client as ConnectorClient } from '@microsoft/teams.api';
import { z } from 'zod';
import { CarelogError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { RecipientUnreachableError } from '../../services/messenger.js';
import { sdkLogger } from './sdk-logger.js';

export const DEFAULT_SERVICE_URL = 'https://smba.trafficmanager.net/teams';
/** 429s and 5xx answers are waited out this many times before the send fails (and its job retries). */
const MAX_ATTEMPTS = 3;
const MAX_WAIT_MS = 10_000;

export function createConnector(opts: {
  serviceUrl: string;
  botToken: (() => Promise<string>) | null;
  logger: Logger;
}): ConnectorClient {
  return new ConnectorClient(opts.serviceUrl.replace(/\/+$/, ''), {
    ...(opts.botToken ? { token: () => opts.botToken!() } : {}),
    logger: sdkLogger(opts.logger, 'teams/connector'),
    timeout: 15_000,
    headers: { 'User-Agent': 'carelog' },
  });
}

const ZErrorBody = z.object({ error: z.object({ code: z.string().max(100) }) });

export interface ConnectorFailure {
  status: number | undefined;
  /** Teams' error code (ConversationBlockedByUser, BotNotInConversationRoster…), if it gave one. */
  code: string | undefined;
  retryAfterMs: number | undefined;
}

export function connectorFailure(err: unknown): ConnectorFailure {
  const res = (err as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> } })?.response;
  const body = ZErrorBody.safeParse(res?.data);
  const retryAfter = Number(res?.headers?.['retry-after']);
  return {
    status: res?.status,
    code: body.success ? body.data.error.code : undefined,
    retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
  };
}

/**
 * Runs one Connector call: 429 and 5xx answers are waited out (Retry-After, else a short backoff);
 * 403 and 404 mean the person cannot be reached there (blocked the bot, removed it, left the tenant).
 */
export async function connectorCall<T>(
  what: string,
  fn: () => Promise<T>,
  opts: { unreachableOn?: number[] } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const f = connectorFailure(err);
      if (f.status !== undefined && (opts.unreachableOn ?? []).includes(f.status))
        throw new RecipientUnreachableError(f.code ?? `http_${f.status}`);
      const transient = f.status === 429 || (f.status !== undefined && f.status >= 500);
      if (transient && attempt < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, Math.min(MAX_WAIT_MS, f.retryAfterMs ?? 250 * 2 ** attempt)));
        continue;
      }
      throw new CarelogError(
        'platform_unavailable',
        `The Bot Connector answered ${what} with ${f.status ?? 'no response'}${f.code ? ` (${f.code})` : ''}`,
      );
    }
  }
}
