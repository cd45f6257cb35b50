// carelog's Slack Web API client: Slack's own WebClient for everything, except the calls on every
// hot path (opening and updating forms, posting and updating messages, opening DMs), which go as
// one JSON POST on a kept-alive connection. WebClient spends ~1.6 ms of CPU on each call (it
// redacts and stringifies every request body for a debug line even when nothing logs at debug,
// then form-encodes it); this path spends ~0.35 ms (`npm run bench -- chat` and `followups` carry
// the difference). Errors look exactly like WebClient's, so callers cannot tell the paths apart:
// Slack's `ok: false` becomes a platform error with `data.error`, HTTP 429 waits out Retry-After,
// and network failures and 5xx answers are retried a few times with backoff.
import { ErrorCode, WebClient, type WebAPICallResult, type WebClientOptions } from '@slack/web-api';
import { Pool } from 'undici';

/** Methods that take a JSON body (Slack accepts JSON for write methods) and run on hot paths. */
export const JSON_METHODS = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'views.open',
  'views.update',
  'views.publish',
  'conversations.open',
]);

export interface CarelogWebClientOptions extends WebClientOptions {
  /** Retries after a network failure or a 5xx answer. @defaultValue 2 */
  retries?: number;
  /** Longest Retry-After carelog waits out, in seconds; longer ones fail the call. @defaultValue 60 */
  maxRetryAfterSeconds?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CarelogWebClient extends WebClient {
  /** Kept-alive connections to the API's origin; requests name only the path (no URL parsed per call). */
  private readonly pool: Pool;
  private readonly apiPath: string;
  private readonly bearer: string | undefined;
  private readonly retries: number;
  private readonly maxRetryAfterSeconds: number;

  constructor(token: string | undefined, options: CarelogWebClientOptions = {}) {
    super(token, options);
    const base = new URL(options.slackApiUrl ?? 'https://slack.com/api/');
    this.pool = new Pool(base.origin, { keepAliveTimeout: 30_000, connections: 64 });
    this.apiPath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    this.bearer = token;
    this.retries = options.retries ?? 2;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 60;
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<WebAPICallResult> {
    if (!JSON_METHODS.has(method)) return super.apiCall(method, options);
    const { token, ...args } = options as { token?: string } & Record<string, unknown>;
    const body = JSON.stringify(args);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      ...((token ?? this.bearer) ? { authorization: `Bearer ${token ?? this.bearer}` } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await this.pool.request({
          path: `${this.apiPath}${method}`,
          method: 'POST',
          headers,
          body,
          headersTimeout: 30_000,
          bodyTimeout: 30_000,
        });
      } catch (err) {
        if (attempt < this.retries) {
          await sleep(200 * 2 ** attempt);
          continue;
        }
        throw Object.assign(new Error(`A request error occurred: ${(err as Error)?.name}`), {
          code: ErrorCode.RequestError,
          original: err,
        });
      }
      if (res.statusCode === 429) {
        const wait = Number(res.headers['retry-after'] ?? 1);
        await res.body.dump();
        if (!(wait <= this.maxRetryAfterSeconds)) {
          throw Object.assign(new Error(`A rate limit was exceeded (retry after ${wait} s)`), {
            code: ErrorCode.RateLimitedError,
            retryAfter: wait,
          });
        }
        await sleep(wait * 1000);
        continue;
      }
      if (res.statusCode >= 500 && attempt < this.retries) {
        await res.body.dump();
        await sleep(200 * 2 ** attempt);
        continue;
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw Object.assign(new Error(`An HTTP protocol error occurred: statusCode = ${res.statusCode}`), {
          code: ErrorCode.HTTPError,
          statusCode: res.statusCode,
        });
      }
      const result = (await res.body.json()) as WebAPICallResult & { error?: string };
      if (!result.ok)
        throw Object.assign(new Error(`An API error occurred: ${result.error}`), {
          code: ErrorCode.PlatformError,
          data: result,
        });
      return result;
    }
  }

  /** Closes the kept-alive connections (at shutdown). */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
