// The operator endpoints end to end on the real server (Postgres, Redis, the fake Slack): /livez,
// /healthz with Slack's auth.test, Prometheus /metrics moving with a logged contact, a nudge and a
// posted digest, the queue dashboard behind its credentials, and a worker's own port.
import { Worker } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_FAILURES_PER_WINDOW } from '../../src/http/queue-dashboard.js';
import { DIGEST_JOB_NAME } from '../../src/queue/digests.js';
import { PROGRAM_YAML, startHarness, startTestCarelog, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, logContact, NEW_CLIENT, nudgeDms, settableClock, waitUntil } from '../support/followups.js';
import {
  basicAuth,
  DASHBOARD_PASSWORD,
  DASHBOARD_USER,
  startDashboard,
  type TestDashboard,
} from '../support/dashboard.js';
import { parsePrometheus, sampleValue, type Sample } from '../support/prometheus.js';

const CANARY = 'CANARY-NOTE-7d2e Jane Roe, hears voices';
const ADMIN_USER = 'ops';
const ADMIN_PASSWORD = 'correct horse battery';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
// Tue 24 Nov 2026 09:00 in New York: the nudge hour on the follow-up date used below.
const DUE = new Date('2026-11-24T14:00:00Z');
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('with metrics token and queue dashboard configured', () => {
  const clock = settableClock(new Date(DUE.getTime() - 60_000));
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness({
      now: clock.now,
      yaml: FOLLOWUP_YAML(),
      env: {
        CARELOG_ADMIN_USER: ADMIN_USER,
        CARELOG_ADMIN_PASSWORD: ADMIN_PASSWORD,
        CARELOG_METRICS_TOKEN: METRICS_TOKEN,
      },
    });
    base = `http://127.0.0.1:${h.carelog.port}`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, samples: parsePrometheus(text) };
  }

  it('answers /livez, and /healthz with database, Redis and Slack', async () => {
    const live = await fetch(`${base}/livez`);
    expect(live.status).toBe(200);
    expect(await live.text()).toBe('ok');
    const callsBefore = h.slack.callsTo('auth.test').length;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' });
    // With the bot token carelog sends with.
    const call = h.slack.callsTo('auth.test').slice(callsBefore);
    expect(call).toHaveLength(1);
    expect(call[0]!.token).toBe('xoxb-test-token');
  });

  it('asks for the bearer token on /metrics', async () => {
    const none = await fetch(`${base}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('carelog_');
  });

  it('counts requests, acks, jobs and nudges as a contact is logged and its follow-up nudged', async () => {
    const before = (await scrape()).samples;
    clock.set(new Date(DUE.getTime() - 2_500));
    const dmsBefore = nudgeDms(h).length;
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      contact_date: '2026-11-24',
      contact_time: '08:30',
      follow_up_date: '2026-11-24',
      follow_up_assignee: 'U0CASE1',
      notes: CANARY,
    });
    await waitUntil(() => nudgeDms(h).length > dmsBefore, 10_000, 'the nudge DM');
    // The worker counts the job once BullMQ has marked it completed.
    const after = await waitUntil(
      async () => {
        const s = (await scrape()).samples;
        return sampleValue(s, 'carelog_jobs_total', { job: 'followup.nudge', outcome: 'completed' }) >
          sampleValue(before, 'carelog_jobs_total', { job: 'followup.nudge', outcome: 'completed' })
          ? s
          : null;
      },
      5_000,
      'the nudge job counted',
    );

    const moved = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);
    // The /contact command and the form's submission, both acknowledged with 200.
    expect(moved('carelog_http_requests_total', { route: '/slack/events', method: 'POST', status: '200' })).toBe(2);
    expect(moved('carelog_slack_ack_seconds_count')).toBe(2);
    expect(moved('carelog_slack_ack_seconds_bucket', { le: '3' })).toBe(2);
    expect(moved('carelog_nudges_total', { result: 'sent' })).toBe(1);
    expect(moved('carelog_nudges_total', { result: 'failed' })).toBe(0);
    expect(moved('carelog_jobs_total', { job: 'followup.nudge', outcome: 'completed' })).toBe(1);
    expect(moved('carelog_job_duration_seconds_count', { job: 'followup.nudge' })).toBe(1);
    // The earlier scrapes themselves were counted under their route.
    expect(
      sampleValue(after, 'carelog_http_requests_total', { route: '/metrics', method: 'GET', status: '200' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'carelog_http_requests_total', { route: '/metrics', method: 'GET', status: '401' })).toBe(
      2,
    );
  });

  it('counts a digest posted by the scheduled job', async () => {
    const before = (await scrape()).samples;
    await h.carelog.queue.add(DIGEST_JOB_NAME, { programId: 'wilmington', kind: 'week' });
    const after = await waitUntil(
      async () => {
        const s = (await scrape()).samples;
        return sampleValue(s, 'carelog_jobs_total', { job: DIGEST_JOB_NAME, outcome: 'completed' }) >
          sampleValue(before, 'carelog_jobs_total', { job: DIGEST_JOB_NAME, outcome: 'completed' })
          ? s
          : null;
      },
      10_000,
      'the digest job counted',
    );
    expect(
      sampleValue(after, 'carelog_digests_posted_total', { kind: 'week', platform: 'slack' }) -
        sampleValue(before, 'carelog_digests_posted_total', { kind: 'week', platform: 'slack' }),
    ).toBe(1);
    expect(await h.carelog.deps.db.prisma.digestRun.count({ where: { status: 'posted', kind: 'week' } })).toBe(1);
  });

  it('labels requests by registered route only, and carries no id, code or note', async () => {
    // An unknown path holding a user id and a client code is counted as unmatched, not by its URL.
    expect((await fetch(`${base}/nope/U0CLIN1/PIC-0001?note=${encodeURIComponent(CANARY)}`)).status).toBe(404);
    const { text, samples } = await scrape();
    expect(
      sampleValue(samples, 'carelog_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }),
    ).toBe(1);
    expect(sampleValue(samples, 'carelog_queue_jobs', { state: 'delayed' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    for (const secret of ['U0CLIN1', 'U0CASE1', 'PIC-', 'CANARY', 'Jane', 'T0TEST', 'nope'])
      expect(text).not.toContain(secret);
  });

  it('shows the queue dashboard only with the admin credentials', async () => {
    const none = await fetch(`${base}/admin/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await none.text()).not.toContain('<html');
    for (const [user, password] of [
      [ADMIN_USER, 'wrong password'],
      ['someone', ADMIN_PASSWORD],
      ['', ''],
    ] as const) {
      const res = await fetch(`${base}/admin/queues`, { headers: { authorization: basic(user, password) } });
      expect(res.status, `${user}:${password}`).toBe(401);
    }
    // Nor does the API answer without them.
    expect((await fetch(`${base}/admin/queues/api/queues`)).status).toBe(401);
    expect(h.logs.some((l) => l.includes('queue dashboard: wrong credentials') && !l.includes('wrong password'))).toBe(
      true,
    );

    const page = await fetch(`${base}/admin/queues`, { headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('<title>carelog queues</title>');
    // Its scripts load from under the mount path, behind the same credentials.
    const script = /src="(static\/js\/main[^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${base}/admin/queues/${script}`)).status).toBe(401);
    const js = await fetch(`${base}/admin/queues/${script}`, {
      headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) },
    });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('shows job data as ids only, read-only', async () => {
    // A follow-up due tomorrow: its reminder waits in the queue as a delayed job.
    await logContact(h, 'U0CLIN1', {
      ...NEW_CLIENT,
      contact_date: '2026-11-24',
      contact_time: '08:40',
      follow_up_date: '2026-11-25',
      follow_up_assignee: 'U0CASE1',
      notes: CANARY,
    });
    const auth = { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) };
    const res = await fetch(
      `${base}/admin/queues/api/queues?activeQueue=carelog&status=delayed&page=1&jobsPerPage=50`,
      { headers: auth },
    );
    expect(res.status).toBe(200);
    const raw = await res.text();
    const body = JSON.parse(raw) as {
      queues: {
        name: string;
        readOnlyMode: boolean;
        allowRetries: boolean;
        jobs: { id: string; name: string; data: Record<string, unknown> }[];
      }[];
    };
    const queue = body.queues.find((q) => q.name === 'carelog');
    expect(queue, 'the carelog queue is listed').toBeDefined();
    expect(queue!.readOnlyMode).toBe(true);
    expect(queue!.allowRetries).toBe(false);
    const reminders = queue!.jobs.filter((j) => j.name === 'followup.nudge');
    expect(reminders.length).toBeGreaterThanOrEqual(1);
    for (const j of reminders) {
      expect(Object.keys(j.data).sort()).toEqual(['followUpId', 'stage', 'version']);
      expect(j.id).toMatch(/^followup\.[0-9a-f-]{36}\.\d+\.(due|overdue)$/);
    }
    for (const secret of ['CANARY', 'Jane', 'PIC-', 'U0CLIN1', 'U0CASE1']) expect(raw).not.toContain(secret);
    // Read-only: an action is refused.
    const job = reminders[0]!;
    const promote = await fetch(`${base}/admin/queues/api/queues/carelog/${encodeURIComponent(job.id)}/promote`, {
      method: 'PUT',
      headers: auth,
    });
    expect(promote.status).toBeGreaterThanOrEqual(400);
    expect(await (await h.carelog.queue.getJob(job.id))!.getState()).toBe('delayed');
  });

  it('shows a failed job’s reason and stack without what its error said', async () => {
    const FAILURE = `could not read ${CANARY} for PIC-0042`;
    const queue = h.carelog.queue;
    // Failed by hand while carelog's own worker is paused (waiting for its fetch loop to stop, so
    // it cannot take the job it was already waiting for), so nothing else takes the job.
    const own = h.carelog.workers!.worker;
    await own.pause();
    const taker = new Worker(queue.name, null, {
      connection: h.carelog.redis.connection,
      prefix: queue.opts.prefix!,
      autorun: false,
    });
    try {
      const added = await queue.add(
        'followup.nudge',
        { followUpId: '00000000-0000-4000-8000-000000000001', version: 1, stage: 'due' },
        { jobId: 'failed-with-canary' },
      );
      // Other jobs may be waiting too (a schedule come due): held aside, then put back.
      const others = [];
      let taken;
      for (let i = 0; i < 20 && taken?.id !== added.id; i++) {
        taken = await taker.getNextJob('test-token');
        if (taken && taken.id !== added.id) others.push(taken);
      }
      expect(taken?.id).toBe(added.id);
      if (!taken) throw new Error('the job with the canary was not taken');
      await taken.moveToFailed(new Error(FAILURE), 'test-token', false);
      for (const o of others) await o.moveToWait('test-token');
    } finally {
      await taker.close();
      await own.resume();
    }
    const failed = await queue.getJob('failed-with-canary');
    expect(failed!.failedReason).toContain('CANARY');
    expect((failed!.stacktrace ?? []).join('\n')).toContain('CANARY');

    const auth = { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) };
    const answers = await Promise.all(
      [
        'api/queues?activeQueue=carelog&status=failed&page=1&jobsPerPage=50',
        'api/queues?activeQueue=carelog&status=latest&page=1&jobsPerPage=50',
        'api/queues/carelog/failed-with-canary',
        'api/queues/carelog/failed-with-canary/logs',
        'api/queues/carelog/failed-with-canary/flow',
      ].map(async (path) => {
        const res = await fetch(`${base}/admin/queues/${path}`, { headers: auth });
        return { path, status: res.status, text: await res.text() };
      }),
    );
    for (const a of answers) {
      expect(a.text, a.path).not.toMatch(/CANARY|Jane|PIC-0042|could not read/);
    }
    const list = JSON.parse(answers[0]!.text) as {
      queues: { name: string; jobs: { id: string; failedReason: string; stacktrace: string[]; isFailed: boolean }[] }[];
    };
    const shown = list.queues.find((q) => q.name === 'carelog')!.jobs.find((j) => j.id === 'failed-with-canary')!;
    // Still a failure the operator can see and place.
    expect(shown.isFailed).toBe(true);
    expect(shown.failedReason).toBe('Error: [hidden]');
    expect(shown.stacktrace[0]).toMatch(/^Error: \[hidden\]\n\s+at /);
    expect(answers[2]!.status).toBe(200);
  });
});

describe('the queue dashboard’s limit on wrong passwords, and forwarded headers', () => {
  let d: TestDashboard;
  afterEach(async () => {
    await d?.stop();
  });
  const attempt = (password: string, headers: Record<string, string> = {}) =>
    fetch(`${d.url}/api/queues`, { headers: { authorization: basicAuth(DASHBOARD_USER, password), ...headers } });
  const checked = () => d.logs.filter((l) => l.includes('queue dashboard: wrong credentials')).length;

  it(`answers 429 with Retry-After after ${LOGIN_FAILURES_PER_WINDOW} wrong passwords from one address, until the minute passes; right ones do not count`, async () => {
    d = await startDashboard();
    for (let i = 0; i < LOGIN_FAILURES_PER_WINDOW - 1; i++) expect((await attempt(`wrong ${i}`)).status).toBe(401);
    // Signing in right, however often, costs nothing.
    for (let i = 0; i < 15; i++) expect((await attempt(DASHBOARD_PASSWORD)).status).toBe(200);
    expect((await attempt('wrong again')).status).toBe(401);
    expect(checked()).toBe(LOGIN_FAILURES_PER_WINDOW);

    const refused = await attempt('one more');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Refused without being checked, the right password too, and a client's own
    // X-Forwarded-For (no proxy is trusted) does not make it another address.
    expect((await attempt(DASHBOARD_PASSWORD)).status).toBe(429);
    expect((await attempt('spoofed', { 'x-forwarded-for': '198.51.100.7' })).status).toBe(429);
    expect(checked()).toBe(LOGIN_FAILURES_PER_WINDOW);
    expect(d.logs.filter((l) => l.includes('too many wrong credentials'))).toHaveLength(1);
    // Without credentials, the challenge as ever (it checks nothing).
    expect((await fetch(d.url)).status).toBe(401);

    // The minute passes (its counter expires in Redis): the right password is let in again.
    const keys = await d.redis.keys(`${d.queue.opts.prefix}:dashboard-login-failures:*`);
    expect(keys).toHaveLength(1);
    const ttl = await d.redis.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await d.redis.pexpire(keys[0]!, 1);
    await waitUntil(async () => (await d.redis.exists(keys[0]!)) === 0, 8_000, 'the counter expired');
    expect((await attempt(DASHBOARD_PASSWORD)).status).toBe(200);
    expect((await attempt('wrong after the minute')).status).toBe(401);
    // The limiter found nothing wrong with its own setup (it would say so through the logger).
    expect(d.logs.filter((l) => l.includes('queue dashboard: login limit'))).toEqual([]);
  });

  it('in production, believes X-Forwarded-Proto and -For only from a proxy CARELOG_TRUST_PROXY names', async () => {
    d = await startDashboard({ production: true });
    // Not trusted: a client saying "https" is still on plain HTTP.
    const spoofed = await attempt(DASHBOARD_PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(spoofed.status).toBe(403);
    expect(await spoofed.text()).toMatch(/HTTPS only/);
    await d.stop();

    // Trusted (the proxy on loopback, as the test's requests come): its headers count.
    d = await startDashboard({ production: true, trustProxy: ['loopback'] });
    expect((await attempt(DASHBOARD_PASSWORD)).status).toBe(403);
    expect((await attempt(DASHBOARD_PASSWORD, { 'x-forwarded-proto': 'https' })).status).toBe(200);
    // Each forwarded client has its own count.
    const from = (ip: string, password: string) =>
      attempt(password, { 'x-forwarded-proto': 'https', 'x-forwarded-for': ip });
    for (let i = 0; i < LOGIN_FAILURES_PER_WINDOW; i++)
      expect((await from('203.0.113.1', `wrong ${i}`)).status).toBe(401);
    expect((await from('203.0.113.1', DASHBOARD_PASSWORD)).status).toBe(429);
    expect((await from('203.0.113.2', 'wrong')).status).toBe(401);
    expect((await from('203.0.113.2', DASHBOARD_PASSWORD)).status).toBe(200);
  });
});

describe('by default', () => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness();
    base = `http://127.0.0.1:${h.carelog.port}`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('has no queue dashboard, and /metrics needs no token', async () => {
    const res = await fetch(`${base}/admin/queues`, { headers: { authorization: basic(ADMIN_USER, ADMIN_PASSWORD) } });
    expect(res.status).toBe(404);
    expect((await fetch(`${base}/admin/queues/api/queues`)).status).toBe(404);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE carelog_nudges_total counter');
  });

  it('reports Slack down when auth.test fails, asking Slack at most once in the cache window', async () => {
    h.slack.respond('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
    const callsBefore = h.slack.callsTo('auth.test').length;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', database: 'ok', redis: 'ok', slack: 'down' });
    }
    expect(h.slack.callsTo('auth.test').length - callsBefore).toBe(1);
    const warned = h.logs.filter((l) => l.includes('Slack auth.test failed'));
    expect(warned).toHaveLength(1);
    expect(JSON.parse(warned[0]!)).toMatchObject({ slackError: 'invalid_auth' });
    // Liveness is not readiness: the process still answers.
    expect((await fetch(`${base}/livez`)).status).toBe(200);
  });
});

describe('a worker process', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.stop();
  });

  it('answers /livez, /healthz and /metrics on CARELOG_WORKER_PORT, and nothing of Slack', async () => {
    h = await startHarness({ mode: 'worker', env: { CARELOG_WORKER_PORT: '0' } });
    expect(h.carelog.port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${h.carelog.port}`;
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' });
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('carelog_jobs_total');
    expect((await fetch(`${base}/slack/events`, { method: 'POST' })).status).toBe(404);
  });
});

describe('start-up', () => {
  it('names a database that does not answer, instead of asking for migrations', async () => {
    const started = startTestCarelog({
      yaml: PROGRAM_YAML,
      env: {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/carelog',
        SLACK_SIGNING_SECRET: 'test-signing-secret',
        SLACK_BOT_TOKEN: 'xoxb-test-token',
      },
    });
    await expect(started).rejects.toMatchObject({ code: 'database_unavailable' });
    await expect(started).rejects.toThrow(/^The database at DATABASE_URL does not answer \(ECONNREFUSED\)/);
  });
});
