// Two small pieces under the Teams app: the bot's token (client-credentials grant, cached), and the
// bridge that lets the Teams SDK log through carelog without its payloads.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCarelogError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import { sdkLogger } from '../../src/platforms/teams/sdk-logger.js';
import { clientCredentialsTokens } from '../../src/platforms/teams/token.js';

describe('the bot’s token', () => {
  const requests: URLSearchParams[] = [];
  let server: http.Server;
  let login = '';
  let answer: { status: number; body: unknown } = { status: 200, body: {} };
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        requests.push(new URLSearchParams(raw));
        // Slow enough that concurrent callers overlap.
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer.body));
        }, 30);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    login = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('asks once for many callers, keeps the token until five minutes before it expires, then renews it', async () => {
    let now = 1_000_000;
    const tokens = clientCredentialsTokens({
      clientId: 'app',
      clientSecret: 'the-secret',
      loginEndpoint: login,
      now: () => now,
    });
    answer = { status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: 'token-1' } };
    requests.length = 0;
    expect(await Promise.all([1, 2, 3].map(() => tokens('https://api.botframework.com/.default', 'tenant-a')))).toEqual(
      ['token-1', 'token-1', 'token-1'],
    );
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(requests[0]!)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'app',
      client_secret: 'the-secret',
      scope: 'https://api.botframework.com/.default',
    });
    now += 54 * 60_000;
    expect(await tokens('https://api.botframework.com/.default', 'tenant-a')).toBe('token-1');
    expect(requests).toHaveLength(1);
    answer = { status: 200, body: { token_type: 'Bearer', expires_in: '3600', access_token: 'token-2' } };
    now += 2 * 60_000;
    expect(await tokens('https://api.botframework.com/.default', 'tenant-a')).toBe('token-2');
    expect(requests).toHaveLength(2);
  });

  it('says what Entra refused, never the secret', async () => {
    const tokens = clientCredentialsTokens({ clientId: 'app', clientSecret: 'the-secret', loginEndpoint: login });
    answer = {
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided. Trace ID: …',
      },
    };
    const err = await tokens('scope', 'tenant-b').catch((e: unknown) => e);
    expect(isCarelogError(err, 'platform_unavailable')).toBe(true);
    expect((err as Error).message).toMatch(
      /Entra ID refused the bot's token request \(401 invalid_client\): check TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID/,
    );
    expect((err as Error).message).not.toContain('the-secret');
    // A failed request is not cached: the next call asks again.
    answer = { status: 200, body: { access_token: 'token-3', expires_in: 60 * 60 } };
    expect(await tokens('scope', 'tenant-b')).toBe('token-3');
  });
});

describe('the Teams SDK’s log lines', () => {
  it('keep the message, cut at its first JSON, and never an object or an error’s message', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = sdkLogger(createLogger('trace', sink)).child('http');
    const activity = { type: 'message', text: 'CANARY notes' };
    log.debug('Handling activity', activity);
    log.info('received {"text":"CANARY inline"}');
    log.warn('inbound activity rejected (type=message, id=1): missing Authorization header', activity);
    const err = Object.assign(
      new Error('Invalid `prisma.contact.create()` invocation: { notes: "CANARY in a query" }'),
      { code: 'P2009' },
    );
    log.error(err.message, err);
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).not.toContain('CANARY');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 10, component: 'teams/http', msg: 'Handling activity' });
    expect((JSON.parse(lines[1]!) as { msg: string }).msg).toBe('received [payload omitted]');
    expect(JSON.parse(lines[2]!)).toMatchObject({
      level: 40,
      msg: 'inbound activity rejected (type=message, id=1): missing Authorization header',
    });
    expect(JSON.parse(lines[3]!)).toMatchObject({
      level: 50,
      msg: 'the Teams SDK reported an error',
      errors: [{ name: 'Error', code: 'P2009' }],
    });
  });
});
