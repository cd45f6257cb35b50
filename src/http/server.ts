// carelog's one HTTP server: Slack's events endpoint, Teams' messages endpoint and the operator
// endpoints share it. A tiny router, because each route reads its own body its own way.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpServer {
  route(method: 'GET' | 'POST', path: string, handler: RouteHandler): void;
  /** Every method on `prefix` and everything under `prefix/` (a mounted app, such as the queue dashboard). */
  mount(prefix: string, handler: RouteHandler): void;
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
  readonly server: http.Server;
}

/** Largest request body carelog accepts; Slack's own payloads are far smaller. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** A request's media type, without parameters, lower-case. */
export function contentTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * The body of a request to a chat platform's endpoint, or null once the request was answered:
 * 400 for a content type not in `types` (compared exactly, as Slack and Bot Framework send them),
 * 413 for a body over the limit.
 */
export async function readPlatformBody(
  req: IncomingMessage,
  res: ServerResponse,
  types: readonly string[],
): Promise<string | null> {
  if (!types.includes(contentTypeOf(req))) {
    sendText(res, 400, 'unsupported content type');
    return null;
  }
  try {
    return await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      sendText(res, 413, 'request body too large');
      return null;
    }
    throw err;
  }
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new BodyTooLargeError('body too large'));
  // Events, not `for await`: the stream's async iterator cost ~10 µs on every request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(new BodyTooLargeError('body too large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () =>
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export interface HttpServerOptions {
  /**
   * Told of every answered request. `route` is the path the route was registered under (a mount as
   * `prefix/*`), or `unmatched`: never the request's own URL, which could carry anything.
   */
  observe?: (route: string, method: string, status: number, seconds: number) => void;
}

export function createHttpServer(logger: Logger, opts: HttpServerOptions = {}): HttpServer {
  const routes = new Map<string, RouteHandler>();
  const mounts: { prefix: string; handler: RouteHandler }[] = [];
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let handler = routes.get(`${req.method} ${path}`);
    let route = path;
    if (!handler) {
      const mount = mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
      if (mount) {
        handler = mount.handler;
        route = `${mount.prefix}/*`;
      }
    }
    // A registered path asked with another method is answered 405 and counted under its path.
    const known = !handler && [...routes.keys()].some((k) => k.endsWith(` ${path}`));
    if (opts.observe) {
      const started = performance.now();
      const label = handler || known ? route : 'unmatched';
      res.once('finish', () =>
        opts.observe!(label, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000),
      );
    }
    if (!handler) {
      sendText(res, known ? 405 : 404, known ? 'method not allowed' : 'not found');
      return;
    }
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        // Never echo the error: it could carry what a person typed.
        logger.error({ err, path }, 'request failed');
        if (!res.headersSent) sendText(res, 500, 'internal error');
        else res.end();
      });
  });
  server.keepAliveTimeout = 65_000;
  // A request must arrive whole within 30 s (Node's default is 300 s): the rest of a body refused
  // as too large is read and discarded until then, not for five minutes. Slack's and Teams'
  // requests are a few KB.
  server.requestTimeout = 30_000;
  server.headersTimeout = 30_000;
  return {
    server,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, handler);
    },
    mount(prefix, handler) {
      mounts.push({ prefix: prefix.replace(/\/+$/, ''), handler });
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
