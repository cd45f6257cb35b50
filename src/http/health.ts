// What GET /healthz reports: each dependency carelog needs (database, Redis, the chat platform's
// API), checked side by side with a time limit each. A check may keep its answer a few seconds, so a
// load balancer or monitor polling /healthz every second does not turn into a call to Slack every
// second from every replica.
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from '../logger.js';

export type TCheckState = 'ok' | 'down';

/** Each check answers within this or counts as down. */
export const CHECK_TIMEOUT_MS = 2_000;

/** How long a chat platform check (Slack auth.test, the Teams bot token) keeps its answer, ok or down. */
export const PLATFORM_CHECK_CACHE_MS = 10_000;

export interface HealthCheckOptions {
  /** Keep the answer this long; concurrent callers share one run. @defaultValue 0 */
  cacheMs?: number;
  /** @defaultValue CHECK_TIMEOUT_MS */
  timeoutMs?: number;
}

export interface Health {
  /** Adds (or replaces) a named check; it passes when `run` resolves in time. */
  add(name: string, run: () => Promise<void>, opts?: HealthCheckOptions): void;
  /** Runs every check; `ok` only when all pass. */
  report(): Promise<{ ok: boolean; checks: Record<string, TCheckState> }>;
}

export function createHealth(opts: { now?: () => number } = {}): Health {
  const now = opts.now ?? (() => Date.now());
  const checks = new Map<string, () => Promise<TCheckState>>();
  return {
    add(name, run, o = {}) {
      const timeoutMs = o.timeoutMs ?? CHECK_TIMEOUT_MS;
      const once = (): Promise<TCheckState> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<TCheckState>((resolve) => {
          timer = setTimeout(() => resolve('down'), timeoutMs);
          timer.unref();
        });
        return Promise.race([
          run().then(
            () => 'ok' as const,
            () => 'down' as const,
          ),
          timeout,
        ]).finally(() => clearTimeout(timer));
      };
      const cacheMs = o.cacheMs ?? 0;
      if (cacheMs <= 0) {
        checks.set(name, once);
        return;
      }
      let kept: { at: number; state: Promise<TCheckState> } | null = null;
      checks.set(name, () => {
        if (!kept || now() - kept.at >= cacheMs) kept = { at: now(), state: once() };
        return kept.state;
      });
    },
    async report() {
      const entries = await Promise.all([...checks].map(async ([name, check]) => [name, await check()] as const));
      return { ok: entries.every(([, s]) => s === 'ok'), checks: Object.fromEntries(entries) };
    },
  };
}

/**
 * Slack's auth.test with the bot token: the token is still valid and Slack's Web API answers. It
 * does not retry (a health check reports, it does not wait out an outage). Each change between up
 * and down is logged once, with Slack's error code only.
 */
export function slackAuthCheck(opts: { token: string; apiUrl: string; logger: Logger }): () => Promise<void> {
  // The client's own console logger stays quiet: this check logs its changes itself, below.
  const quiet: SlackLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    setLevel: () => undefined,
    getLevel: () => LogLevel.ERROR,
    setName: () => undefined,
  };
  const client = new WebClient(opts.token, {
    slackApiUrl: opts.apiUrl,
    logger: quiet,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: CHECK_TIMEOUT_MS,
  });
  let wasDown = false;
  return async () => {
    try {
      await client.auth.test();
      if (wasDown) opts.logger.info('Slack auth.test answers again');
      wasDown = false;
    } catch (err) {
      if (!wasDown) {
        const e = err as { code?: string; data?: { error?: string } };
        opts.logger.warn(
          { code: e.code, slackError: e.data?.error },
          'Slack auth.test failed: /healthz reports slack down',
        );
      }
      wasDown = true;
      throw err;
    }
  };
}
