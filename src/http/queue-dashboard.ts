// The queue dashboard for operators (bull-board) at /admin/queues, on only when
// CARELOG_ADMIN_USER and CARELOG_ADMIN_PASSWORD are set. HTTP basic auth, compared in constant
// time; in production only over HTTPS (as the TLS proxy says with X-Forwarded-Proto), so the
// browser is never asked for the password over plain HTTP. Read-only: promoting a delayed reminder
// would nudge early and emptying the queue would drop reminders until the next reconcile; failed
// jobs are retried with `npm run carelog -- reminders --retry-failed`.
//
// Job data holds ids only (follow-up id, version, stage; program id and digest kind); the data
// formatter below shows exactly those keys and hides anything else a future job might carry.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express from 'express';
import type { Logger } from '../logger.js';
import { secretsEqual } from './operator.js';
import { sendText, type HttpServer } from './server.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The only job data keys the dashboard shows (every carelog job's payload is made of these). */
export const SHOWN_JOB_DATA_KEYS = ['followUpId', 'version', 'stage', 'programId', 'kind'] as const;

const REALM = 'Basic realm="carelog queue dashboard", charset="UTF-8"';

export interface DashboardAccess {
  user: string;
  password: string;
  /** In production the dashboard is served over HTTPS only. */
  production: boolean;
}

export type TGuardAnswer = { ok: true } | { ok: false; status: 401 | 403; text: string; headers: Record<string, string> };

/** Whether a request may see the dashboard; without a side effect, so it is tested alone. */
export function guardDashboard(req: Pick<IncomingMessage, 'headers'>, access: DashboardAccess): TGuardAnswer {
  if (access.production) {
    const proto = String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim().toLowerCase();
    if (proto !== 'https') {
      return { ok: false, status: 403, text: 'The queue dashboard is served over HTTPS only: open it through the TLS proxy.', headers: {} };
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
  return { ok: false, status: 401, text: 'Sign in with the carelog admin credentials.', headers: { 'www-authenticate': REALM } };
}

/** Job data as the dashboard shows it: the known id fields, anything else hidden. */
export function shownJobData(data: unknown): Record<string, unknown> {
  if (!data || typeof data !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    out[k] = (SHOWN_JOB_DATA_KEYS as readonly string[]).includes(k) && (typeof v === 'string' || typeof v === 'number') ? v : '[hidden]';
  }
  return out;
}

export function mountQueueDashboard(http: HttpServer, opts: { queue: Queue; access: DashboardAccess; logger: Logger }): void {
  const adapter = new BullMQAdapter(opts.queue, { readOnlyMode: true, displayName: 'carelog' });
  adapter.setFormatter('data', shownJobData);
  // carelog's jobs return nothing; should one ever return something, it is not shown either.
  adapter.setFormatter('returnValue', (v: unknown) => (v === undefined || v === null ? v : '[hidden]'));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [adapter],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'carelog queues', hideDocsLink: true } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(QUEUE_DASHBOARD_PATH, serverAdapter.getRouter());
  http.mount(QUEUE_DASHBOARD_PATH, (req: IncomingMessage, res: ServerResponse) => {
    const answer = guardDashboard(req, opts.access);
    if (!answer.ok) {
      if (answer.status === 401 && req.headers.authorization) opts.logger.warn({ path: QUEUE_DASHBOARD_PATH }, 'queue dashboard: wrong credentials');
      for (const [k, v] of Object.entries(answer.headers)) res.setHeader(k, v);
      sendText(res, answer.status, answer.text);
      return;
    }
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-frame-options', 'DENY');
    app(req, res);
  });
}
