// The queue dashboard for operators (bull-board) at /admin/queues, on only when
// CARELOG_ADMIN_USER and CARELOG_ADMIN_PASSWORD are set. HTTP basic auth, compared in constant
// time; in production only over HTTPS, so the browser is never asked for the password over plain
// HTTP. Read-only: promoting a delayed reminder would nudge early and emptying the queue would drop
// reminders until the next reconcile; failed jobs are retried with
// `npm run carelog -- reminders --retry-failed`.
//
// Wrong passwords are limited per client address (express-rate-limit, counted in Redis so every web
// replica shares the count): after LOGIN_FAILURES_PER_WINDOW in a minute, 429 until the minute
// passes, without checking the password. The client's address and protocol are the socket's, unless
// CARELOG_TRUST_PROXY names the proxy in front (express's own `trust proxy`, i.e. proxy-addr).
//
// Job data holds ids only (follow-up id, version, stage; program id and digest kind); the data
// formatter below shows exactly those keys and hides anything else a future job might carry. A
// failure's message and stack could hold anything an error was built from (a note, a client code),
// so failures are shown the same way: the error's name and the stack frames, the message only when
// it is a Slack Web API error code.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { JobStatus } from '@bull-board/api/typings/app';
import type { Job, Queue } from 'bullmq';
import express from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { SHOWN_MESSAGE, shownStack, stackErrorName } from '../errors.js';
import type { Logger } from '../logger.js';
import { secretsEqual } from './operator.js';
import { sendText, type HttpServer } from './server.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The only job data keys the dashboard shows (every carelog job's payload is made of these). */
export const SHOWN_JOB_DATA_KEYS = ['followUpId', 'version', 'stage', 'programId', 'kind'] as const;

/** Wrong passwords one client address may try per window before it is answered 429. */
export const LOGIN_FAILURES_PER_WINDOW = 10;
export const LOGIN_WINDOW_MS = 60_000;

const REALM = 'Basic realm="carelog queue dashboard", charset="UTF-8"';

export interface DashboardAccess {
  user: string;
  password: string;
  /** In production the dashboard is served over HTTPS only. */
  production: boolean;
  /** Whose X-Forwarded-* headers to believe (express's `trust proxy`); false: nobody's. */
  trustProxy: false | number | string[];
}

export type TGuardAnswer =
  { ok: true } | { ok: false; status: 401 | 403; text: string; headers: Record<string, string> };

/**
 * Whether a request may see the dashboard; without a side effect, so it is tested alone.
 * `protocol` is express's `req.protocol`: X-Forwarded-Proto counts only from a trusted proxy.
 */
export function guardDashboard(
  req: { headers: IncomingHttpHeaders; protocol?: string },
  access: Omit<DashboardAccess, 'trustProxy'>,
): TGuardAnswer {
  if (access.production) {
    if (req.protocol !== 'https') {
      return {
        ok: false,
        status: 403,
        text: 'The queue dashboard is served over HTTPS only: open it through the TLS proxy.',
        headers: {},
      };
    }
  }
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(req.headers.authorization ?? '');
  const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? '' : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  // Both compared, always, so the time taken says nothing about which one was wrong.
  const userOk = secretsEqual(user, access.user);
  const passwordOk = secretsEqual(password, access.password);
  if (m && colon !== -1 && userOk && passwordOk) return { ok: true };
  return {
    ok: false,
    status: 401,
    text: 'Sign in with the carelog admin credentials.',
    headers: { 'www-authenticate': REALM },
  };
}

/** Job data as the dashboard shows it: the known id fields, anything else hidden. */
export function shownJobData(data: unknown): Record<string, unknown> {
  if (!data || typeof data !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    out[k] =
      (SHOWN_JOB_DATA_KEYS as readonly string[]).includes(k) && (typeof v === 'string' || typeof v === 'number')
        ? v
        : '[hidden]';
  }
  return out;
}

// How a failure's stack is shown lives with carelog's errors: the logger shows errors the same way.
export { shownStack };
const HIDDEN = '[hidden]';

/** A failed job's reason as the dashboard shows it: the error's name, with a Slack code when it is one. */
export function shownFailedReason(
  reason: string | undefined,
  stacktrace: readonly string[] | null | undefined,
): string | undefined {
  if (!reason) return reason;
  if (SHOWN_MESSAGE.test(reason)) return reason;
  const name = stackErrorName(stacktrace?.filter(Boolean).at(-1));
  return name ? `${name}: ${HIDDEN}` : HIDDEN;
}

/** Redacts a job where bull-board reads it (`toJSON`, in its formatJob), as the formatters do for data. */
function redactFailure<J extends Job>(job: J): J {
  const toJSON = job.toJSON.bind(job);
  job.toJSON = () => {
    const j = toJSON();
    return {
      ...j,
      failedReason: shownFailedReason(j.failedReason, j.stacktrace) as string,
      stacktrace: (j.stacktrace ?? []).map((s) => (s ? shownStack(s) : s)),
      ...('deferredFailure' in j && j.deferredFailure ? { deferredFailure: HIDDEN } : {}),
    };
  };
  return job;
}

/**
 * bull-board's BullMQ adapter, with failures redacted on every job it hands out. bull-board's
 * formatters cover data, return value, name and progress only, so the failure is redacted where the
 * jobs are read. Job logs (carelog writes none) and flows (carelog has none; their nodes carry
 * children's failure reasons) are not shown at all.
 */
class RedactingBullMQAdapter extends BullMQAdapter {
  override async getJob(id: string): Promise<Job | undefined> {
    const job = await super.getJob(id);
    return job ? redactFailure(job) : job;
  }

  override async getJobs(statuses: JobStatus[], start?: number, end?: number): Promise<Job[]> {
    return (await super.getJobs(statuses, start, end)).map(redactFailure);
  }

  override getJobLogs(): Promise<string[]> {
    return Promise.resolve([]);
  }

  override getFlowProducer(): Promise<null> {
    return Promise.resolve(null);
  }
}

export function mountQueueDashboard(
  http: HttpServer,
  opts: {
    queue: Queue;
    access: DashboardAccess;
    logger: Logger;
    /** The queue's Redis: where wrong passwords are counted. */ redis: Redis;
  },
): void {
  const { access, logger, queue, redis } = opts;
  const adapter = new RedactingBullMQAdapter(queue, { readOnlyMode: true, displayName: 'carelog' });
  adapter.setFormatter('data', shownJobData);
  // carelog's jobs return nothing; should one ever return something, it is not shown either.
  adapter.setFormatter('returnValue', (v: unknown) => (v === undefined || v === null ? v : HIDDEN));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [adapter],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'carelog queues', hideDocsLink: true } },
  });
  const app = express();
  app.disable('x-powered-by');
  // req.ip and req.protocol believe X-Forwarded-For / -Proto only from the proxies named here.
  app.set('trust proxy', access.trustProxy);
  const signedIn = new WeakSet<express.Request>();
  const loginFailures = rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: LOGIN_FAILURES_PER_WINDOW,
    // Only requests whose password is checked count: no credentials (the browser's first request,
    // answered with the challenge) and plain HTTP in production (refused first) do not.
    skip: (req) => !req.headers.authorization || (access.production && req.protocol !== 'https'),
    // A right password gives its count back; only wrong ones add up.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (req) => signedIn.has(req),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // A client's own X-Forwarded-For is ignored on purpose when no proxy is trusted: not worth a log line.
    validate: { xForwardedForHeader: false },
    store: new RedisStore({
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
      prefix: `${queue.opts.prefix ?? 'bull'}:dashboard-login-failures:`,
    }),
    handler: (req, res) => {
      const { used, limit } = (req as express.Request & { rateLimit: RateLimitInfo }).rateLimit;
      if (used === limit + 1) {
        logger.warn(
          { path: QUEUE_DASHBOARD_PATH, limit },
          'queue dashboard: too many wrong credentials from one address; refusing it for the rest of the minute',
        );
      }
      sendText(res, 429, 'Too many wrong credentials: try again in a minute.');
    },
    logger: {
      error: (err) => logger.error({ err }, 'queue dashboard: login limit'),
      warn: (err) => logger.warn({ err }, 'queue dashboard: login limit'),
    },
  });
  const guard: express.RequestHandler = (req, res, next) => {
    const answer = guardDashboard(req, access);
    if (!answer.ok) {
      if (answer.status === 401 && req.headers.authorization)
        logger.warn({ path: QUEUE_DASHBOARD_PATH }, 'queue dashboard: wrong credentials');
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      sendText(res, answer.status, answer.text);
      return;
    }
    signedIn.add(req);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-frame-options', 'DENY');
    next();
  };
  app.use(QUEUE_DASHBOARD_PATH, loginFailures, guard, serverAdapter.getRouter() as express.Router);
  http.mount(QUEUE_DASHBOARD_PATH, (req: IncomingMessage, res: ServerResponse) => {
    app(req, res);
  });
}
