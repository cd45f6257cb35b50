// Guessing the queue dashboard's password, and pretending to be behind the TLS proxy. 200 wrong
// passwords from one address, 20 at a time: at most 10 are checked in the minute (each logged as
// "wrong credentials"), every other one is answered 429 with Retry-After, and the right password is
// refused too until the minute passes. Then, in production with no proxy trusted, requests that
// carry the right password with a spoofed X-Forwarded-Proto: https (and a fresh X-Forwarded-For
// each) are refused (403), and wrong passwords with a fresh X-Forwarded-For each get no fresh count.
import { afterEach, describe, expect, it } from 'vitest';
import { LOGIN_FAILURES_PER_WINDOW } from '../../src/http/queue-dashboard.js';
import {
  basicAuth,
  DASHBOARD_PASSWORD,
  DASHBOARD_USER,
  startDashboard,
  type TestDashboard,
} from '../support/dashboard.js';
import { mapPool, reportFigure, stopwatch } from '../support/faults.js';

const GUESSES = 200;
const CONCURRENCY = 20;

let d: TestDashboard | undefined;
afterEach(async () => {
  await d?.stop();
  d = undefined;
});

const attempt = async (url: string, password: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${url}/api/queues`, {
    headers: { authorization: basicAuth(DASHBOARD_USER, password), ...headers },
  });
  await res.arrayBuffer();
  return { status: res.status, retryAfter: res.headers.get('retry-after') };
};
const checkedIn = (logs: string[]) => logs.filter((l) => l.includes('queue dashboard: wrong credentials')).length;
/** A different documentation address (203.0.113.0/24, 198.51.100.0/24) for each i. */
const spoofedAddress = (i: number) => `${i % 2 ? '203.0.113' : '198.51.100'}.${(i % 254) + 1}`;

describe('password guessing on the queue dashboard', () => {
  it(`checks at most ${LOGIN_FAILURES_PER_WINDOW} of ${GUESSES} wrong passwords from one address in a minute; the rest 429`, async () => {
    const elapsed = stopwatch();
    d = await startDashboard();
    const url = d.url;
    const answers = await mapPool(
      Array.from({ length: GUESSES }, (_, i) => i),
      CONCURRENCY,
      (i) => attempt(url, `guess-${i}`),
    );
    const checked = checkedIn(d.logs);
    const unauthorized = answers.filter((a) => a.status === 401).length;
    const limited = answers.filter((a) => a.status === 429);
    const right = await attempt(url, DASHBOARD_PASSWORD);
    reportFigure({
      case: 'dashboard password guessing',
      figure: checked,
      unit: 'passwords checked in the minute',
      goal: `<= ${LOGIN_FAILURES_PER_WINDOW}, the rest 429`,
      ok: checked <= LOGIN_FAILURES_PER_WINDOW && unauthorized + limited.length === GUESSES && right.status === 429,
      of: { count: GUESSES, unit: 'wrong passwords' },
      durationMs: elapsed(),
      details: {
        answered401: unauthorized,
        answered429: limited.length,
        rightPasswordAfter: right.status,
        concurrency: CONCURRENCY,
      },
    });
    expect(checked).toBeLessThanOrEqual(LOGIN_FAILURES_PER_WINDOW);
    expect(unauthorized).toBe(checked);
    expect(limited).toHaveLength(GUESSES - unauthorized);
    expect(limited.every((a) => Number(a.retryAfter) > 0 && Number(a.retryAfter) <= 60)).toBe(true);
    expect(right.status).toBe(429);
  });

  it('believes no spoofed X-Forwarded-Proto or X-Forwarded-For when no proxy is trusted', async () => {
    const elapsed = stopwatch();
    d = await startDashboard({ production: true });
    const url = d.url;
    const SPOOFS = 100;
    // The right password, "over HTTPS" by the client's own word, each from a "different" address.
    const viaProto = await mapPool(
      Array.from({ length: SPOOFS }, (_, i) => i),
      CONCURRENCY,
      (i) => attempt(url, DASHBOARD_PASSWORD, { 'x-forwarded-proto': 'https', 'x-forwarded-for': spoofedAddress(i) }),
    );
    const protoAccepted = viaProto.filter((a) => a.status !== 403).length;
    await d.stop();

    // Wrong passwords, each claiming another address: one count for the one real address. (Not in
    // production here, so the passwords are checked at all.)
    d = await startDashboard();
    const url2 = d.url;
    const viaFor = await mapPool(
      Array.from({ length: SPOOFS }, (_, i) => i),
      CONCURRENCY,
      (i) => attempt(url2, `guess-${i}`, { 'x-forwarded-for': spoofedAddress(i) }),
    );
    const checked = checkedIn(d.logs);
    const forAccepted = Math.max(0, checked - LOGIN_FAILURES_PER_WINDOW);
    reportFigure({
      case: 'spoofed forwarded headers, no trusted proxy',
      figure: protoAccepted + forAccepted,
      unit: 'spoofed headers believed',
      goal: '0',
      ok: protoAccepted + forAccepted === 0,
      of: { count: 2 * SPOOFS, unit: 'requests' },
      durationMs: elapsed(),
      details: {
        protoAccepted,
        passwordsCheckedDespiteLimit: forAccepted,
        checked,
        answered429: viaFor.filter((a) => a.status === 429).length,
      },
    });
    expect(viaProto.map((a) => a.status)).toEqual(Array.from({ length: SPOOFS }, () => 403));
    expect(checked).toBeLessThanOrEqual(LOGIN_FAILURES_PER_WINDOW);
    expect(viaFor.filter((a) => a.status === 429)).toHaveLength(SPOOFS - checked);
  });
});
