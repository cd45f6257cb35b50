// Unit tests of the operator endpoints' parts: health checks with their time limit and cache, the
// queue dashboard's guard and job data filter, the metrics' label sets.
import { describe, expect, it } from 'vitest';
import { createHealth } from '../../src/http/health.js';
import { secretsEqual } from '../../src/http/operator.js';
import { guardDashboard, shownFailedReason, shownJobData, shownStack } from '../../src/http/queue-dashboard.js';
import { createMetrics } from '../../src/metrics.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';

describe('health checks', () => {
  it('reports each check, ok only when all pass, and a thrown or slow check as down', async () => {
    const health = createHealth();
    health.add('database', async () => undefined);
    health.add('redis', async () => {
      throw new Error('ECONNREFUSED');
    });
    health.add('slack', () => new Promise(() => undefined), { timeoutMs: 30 });
    // The slack check never answers: only its timeout can make the report come back, as down.
    expect(await health.report()).toEqual({ ok: false, checks: { database: 'ok', redis: 'down', slack: 'down' } });
  });

  it('keeps a cached answer for its window, shares one run between callers, then asks again', async () => {
    let t = 0;
    let runs = 0;
    let failing = true;
    const health = createHealth({ now: () => t });
    health.add(
      'slack',
      async () => {
        runs++;
        if (failing) throw new Error('invalid_auth');
      },
      { cacheMs: 10_000 },
    );
    const [a, b] = await Promise.all([health.report(), health.report()]);
    expect(a.checks.slack).toBe('down');
    expect(b.checks.slack).toBe('down');
    expect(runs).toBe(1);
    failing = false;
    t = 9_999;
    expect((await health.report()).ok).toBe(false);
    expect(runs).toBe(1);
    t = 10_000;
    expect(await health.report()).toEqual({ ok: true, checks: { slack: 'ok' } });
    expect(runs).toBe(2);
  });
});

describe('the queue dashboard guard', () => {
  const access = { user: 'ops', password: 'correct horse battery', production: false };
  const basic = (v: string) => ({ authorization: `Basic ${Buffer.from(v).toString('base64')}` });

  it('lets the right user and password in, a password holding ":" included', () => {
    expect(guardDashboard({ headers: basic('ops:correct horse battery') }, access)).toEqual({ ok: true });
    expect(
      guardDashboard({ headers: basic('ops:a:b:c-long-enough') }, { ...access, password: 'a:b:c-long-enough' }),
    ).toEqual({ ok: true });
  });

  it('answers 401 with a Basic challenge to no, malformed or wrong credentials', () => {
    for (const headers of [
      {},
      basic('ops'),
      basic('ops:'),
      basic('ops:correct horse batter'),
      basic('OPS:correct horse battery'),
      basic(':correct horse battery'),
      { authorization: 'Bearer abc' },
      { authorization: 'Basic !!!' },
    ]) {
      const answer = guardDashboard({ headers }, access);
      expect(answer.ok, JSON.stringify(headers)).toBe(false);
      if (!answer.ok) {
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toMatch(/^Basic realm="carelog queue dashboard"/);
      }
    }
  });

  it('in production, refuses plain HTTP before asking for the password', () => {
    const prod = { ...access, production: true };
    // The protocol is express's req.protocol: a client's own X-Forwarded-Proto is not it.
    for (const protocol of [undefined, 'http']) {
      const answer = guardDashboard(
        { protocol, headers: { ...basic('ops:correct horse battery'), 'x-forwarded-proto': 'https' } },
        prod,
      );
      expect(answer).toMatchObject({ ok: false, status: 403, headers: {} });
    }
    expect(guardDashboard({ protocol: 'https', headers: basic('ops:correct horse battery') }, prod)).toEqual({
      ok: true,
    });
    expect(guardDashboard({ protocol: 'https', headers: {} }, prod)).toMatchObject({ ok: false, status: 401 });
  });

  it('shows the id fields of job data and hides anything else', () => {
    expect(shownJobData({ followUpId: 'f1', version: 2, stage: 'due' })).toEqual({
      followUpId: 'f1',
      version: 2,
      stage: 'due',
    });
    expect(shownJobData({ programId: 'wilmington', kind: 'week' })).toEqual({ programId: 'wilmington', kind: 'week' });
    expect(shownJobData({ followUpId: 'f1', notes: 'Jane Roe', stage: { text: 'x' } })).toEqual({
      followUpId: 'f1',
      notes: '[hidden]',
      stage: '[hidden]',
    });
    expect(shownJobData(null)).toEqual({});
  });

  it('shows a failure as its error name and stack frames, a message only when it is a Slack error code', () => {
    const canary = 'CANARY-7c1 Jane Roe PIC-0042';
    const err = new TypeError(`cannot read notes of ${canary}\nsecond line ${canary}`);
    const stack = shownStack(err.stack!);
    expect(stack).toMatch(/^TypeError: \[hidden\]\n {4}at /);
    expect(stack).not.toMatch(/CANARY|Jane|PIC-/);
    expect(
      stack
        .split('\n')
        .slice(1)
        .every((l) => /^\s+at \S/.test(l)),
    ).toBe(true);
    expect(shownFailedReason(err.message, [err.stack!])).toBe('TypeError: [hidden]');
    expect(shownFailedReason(canary, [])).toBe('[hidden]');
    expect(shownFailedReason(canary, null)).toBe('[hidden]');
    expect(shownFailedReason(canary, [`${canary}: not a name\n    at x (y.js:1:1)`])).toBe('[hidden]');
    // Slack's codes stay readable: they name what went wrong and carry nothing typed.
    const slack = new Error('An API error occurred: ratelimited');
    expect(shownFailedReason(slack.message, [slack.stack!])).toBe('An API error occurred: ratelimited');
    expect(shownStack(slack.stack!)).toMatch(/^Error: An API error occurred: ratelimited\n/);
    expect(shownFailedReason(`An API error occurred: ${canary}`, [])).toBe('[hidden]');
    expect(shownFailedReason('', [])).toBe('');
  });

  it('compares secrets of any length', () => {
    expect(secretsEqual('a', 'a')).toBe(true);
    expect(secretsEqual('a', 'ab')).toBe(false);
    expect(secretsEqual('', '')).toBe(true);
  });
});

describe('metrics', () => {
  it('counts under carelog’s own job names, and any other as other', async () => {
    const m = createMetrics({ jobNames: ['followup.nudge'], processMetrics: false });
    m.jobFinished('followup.nudge', 'completed', 0.2);
    m.jobFinished('U0CLIN1-job', 'failed', 0.1);
    m.nudges(['sent', 'sent', 'unreachable', new Error('ratelimited'), 'recovered', 'already-sent']);
    m.notesCleared(0);
    m.notesCleared(3);
    const text = await m.scrape();
    const s = parsePrometheus(text);
    expect(sampleValue(s, 'carelog_jobs_total', { job: 'followup.nudge', outcome: 'completed' })).toBe(1);
    expect(sampleValue(s, 'carelog_jobs_total', { job: 'other', outcome: 'failed' })).toBe(1);
    expect(text).not.toContain('U0CLIN1');
    expect(sampleValue(s, 'carelog_nudges_total', { result: 'sent' })).toBe(2);
    expect(sampleValue(s, 'carelog_nudges_total', { result: 'unreachable' })).toBe(1);
    expect(sampleValue(s, 'carelog_nudges_total', { result: 'failed' })).toBe(1);
    expect(sampleValue(s, 'carelog_nudges_total', { result: 'recovered' })).toBe(1);
    expect(sampleValue(s, 'carelog_nudges_total', { result: 'already_sent' })).toBe(1);
    expect(sampleValue(s, 'carelog_notes_cleared_total')).toBe(3);
    // Series exist before anything happens, so rate() has something to start from.
    expect(s.some((x) => x.name === 'carelog_digests_posted_total' && x.labels.kind === 'quarter')).toBe(true);
  });
});
