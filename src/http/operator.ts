// The operator endpoints every carelog process with an HTTP server answers (web, and a worker given
// CARELOG_WORKER_PORT): GET /livez (the process answers), GET /healthz (its dependencies answer)
// and GET /metrics (Prometheus text), the last optionally behind a bearer token.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Metrics } from '../metrics.js';
import type { Health } from './health.js';
import { sendJson, sendText, type HttpServer } from './server.js';

export const LIVEZ_PATH = '/livez';
export const HEALTHZ_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

/** Compares two secrets in constant time, whatever their lengths (both are hashed first). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function bearerToken(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

export function registerOperatorRoutes(
  http: HttpServer,
  opts: { health: Health; metrics: Metrics; metricsToken?: string | undefined },
): void {
  http.route('GET', LIVEZ_PATH, (_req, res) => sendText(res, 200, 'ok'));
  http.route('GET', HEALTHZ_PATH, async (_req, res) => {
    const { ok, checks } = await opts.health.report();
    sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', ...checks });
  });
  http.route('GET', METRICS_PATH, async (req, res) => {
    if (opts.metricsToken) {
      const given = bearerToken(req);
      if (given === null || !secretsEqual(given, opts.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer realm="carelog metrics"');
        sendText(res, 401, 'a bearer token is required');
        return;
      }
    }
    const text = await opts.metrics.scrape();
    res.writeHead(200, {
      'content-type': opts.metrics.contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
    res.end(text);
  });
}
