// The chat side at load, carelog next to a bare Bolt app, in one run. carelog runs as `npm start`
// does, in its own process (real Postgres and Redis); the bare app in another; the fake Slack Web
// API here; the sender in a fourth (bench/load-generator.ts), so each figure is one process's own.
//  - /contact: Slack-signed slash commands, 50 at a time (after 1,000 to warm up), timed to the acknowledgement; for carelog also to views.open reaching the fake
//    Slack Web API. The bare app is Bolt's own HTTPReceiver with a listener that only acks: the
//    floor for any Bolt app on this machine. The two take turns, three rounds each.
//  - view_submission: a filled-in contact form submitted 20 at a time, timed to carelog's answer,
//    which it gives once the contact is committed (so errors can still go back to the form).
//  - cold start: bench/cold-start.ts (the built carelog on embedded defaults, spawn to /healthz 200).
// Goals: ack p99 ≤ 1.5 × bare and < 100 ms; submission p99 < 50 ms; cold start again < 1 s.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeSlackApi } from '../src/platforms/slack/simulator.js';
import { interactionBody, slashCommandBody } from '../test/support/slack-requests.js';
import { NEW_CLIENT } from '../test/support/followups.js';
import { PROGRAM_YAML, SIGNING_SECRET, TEAM } from '../test/support/harness.js';
import { openMigratedTestDatabase } from '../test/support/postgres.js';
import { viewSubmission, type OpenedView } from '../test/support/slack-payloads.js';
import { dropQueueKeys } from '../test/support/redis.js';
import { freePort, pct, processCpuSeconds, round1, round2 } from './common.js';
import { benchColdStart } from './cold-start.js';

interface Sent {
  sentAt: number;
  ms: number;
  status: number;
  text: string;
}

const now = () => performance.timeOrigin + performance.now();
/** Turns each app takes at /contact: three, so one unlucky round (a GC, another process) moves a p99 less. */
const ROUNDS = 3;

/** Runs the sender in its own process and returns what it measured, in body order. */
async function load(url: string, bodies: string[], concurrency: number): Promise<Sent[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-load-'));
  try {
    const file = path.join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ url, signingSecret: SIGNING_SECRET, bodies, concurrency }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-generator.ts', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`the load generator exited with ${code}`);
    return JSON.parse(out) as Sent[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round1(pct(s, 50)), p99: round1(pct(s, 99)), max: round1(s.at(-1) ?? NaN) };
};

/** Starts a process and waits for `ready` on its stdout; stop() sends SIGTERM and waits. */
async function startProcess(
  args: string[],
  env: Record<string, string> | undefined,
  ready: string,
  nodeFlags: string[] = [],
): Promise<{ pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], {
    ...(env ? { env } : {}),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready`)));
  });
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The machine's Redis, which carelog's processes here use by default (REDIS_URL unset). */
const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** Queue prefixes the bench's carelog processes used on the shared Redis, removed at the end. */
const usedPrefixes: string[] = [];
const benchPrefix = () => {
  const prefix = `carelog-bench-${randomBytes(4).toString('hex')}`;
  usedPrefixes.push(prefix);
  return prefix;
};

/** @param nodeFlags extra flags for carelog's node, e.g. ['--cpu-prof'] to profile it. */
export async function benchChat(commands = 1000, submissions = 500, nodeFlags: string[] = [], concurrency = 50) {
  const loadAverageAtStart = os.loadavg().map(round1);
  const env = await openMigratedTestDatabase();
  const slack = new FakeSlackApi();
  slack.teamId = TEAM;
  const apiUrl = await slack.start();
  const opened = new Map<string, number>();
  slack.respond('views.open', (call) => {
    opened.set(String(call.args.trigger_id), now());
    return undefined;
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-chat-'));
  writeFileSync(path.join(dir, 'carelog.yml'), PROGRAM_YAML);
  const stops: (() => Promise<void>)[] = [];
  // The fake keeps every call; thousands of modal views would make its memory part of the figure.
  const trim = setInterval(() => slack.calls.splice(0, Math.max(0, slack.calls.length - 100)), 1_000);
  try {
    // carelog as `npm start` runs it, in its own process; the bare app in another; this process
    // plays Slack's Web API; the sender is a fourth.
    const carelogPort = await freePort();
    const carelog = await startProcess(
      ['src/main.ts'],
      {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        NODE_ENV: 'development',
        PORT: String(carelogPort),
        HOST: '127.0.0.1',
        DATABASE_URL: env.url,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-bench',
        SLACK_API_URL: apiUrl,
        CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
        CARELOG_DATA_DIR: dir,
        CARELOG_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        CARELOG_START_REDIS: 'false',
        CARELOG_QUEUE_PREFIX: benchPrefix(),
        LOG_LEVEL: 'info',
      },
      'carelog is ready',
      nodeFlags,
    );
    stops.push(() => carelog.stop());
    const barePort = await freePort();
    const bare = await startProcess(
      ['bench/bare-bolt.ts', String(barePort), SIGNING_SECRET, apiUrl],
      undefined,
      'ready',
    );
    stops.push(() => bare.stop());
    const carelogUrl = `http://127.0.0.1:${carelogPort}/slack/events`;
    const commandBodies = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        slashCommandBody({ command: '/contact', teamId: TEAM, userId: 'U0CLIN1', triggerId: `${tag}.${i}.trigger` }),
      );
    const targets = { bare: `http://127.0.0.1:${barePort}/slack/events`, carelog: carelogUrl };
    // Warm up both (JIT, pools, connections) at the load measured: the figures are a long-running
    // server's, not its first seconds' (carelog has more code for the JIT to settle than the bare app).
    for (const [name, url] of Object.entries(targets))
      await load(url, commandBodies(`warm-${name}`, 1000), concurrency);

    const acks: Record<keyof typeof targets, number[]> = { bare: [], carelog: [] };
    const viewsOpen: number[] = [];
    const cpuMs = { bare: 0, carelog: 0 };
    let refused = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ['bare', 'carelog'] as const) {
        const tag = `${name}-${round}`;
        const cpu0 = processCpuSeconds(name === 'carelog' ? carelog.pid : bare.pid);
        const sent = await load(targets[name], commandBodies(tag, commands), concurrency);
        cpuMs[name] += (processCpuSeconds(name === 'carelog' ? carelog.pid : bare.pid) - cpu0) * 1000;
        refused += sent.filter((s) => s.status !== 200).length;
        acks[name].push(...sent.map((s) => s.ms));
        if (name === 'carelog') {
          // views.open follows the ack; give the last ones a moment to arrive.
          const deadline = Date.now() + 5_000;
          while (Date.now() < deadline && !sent.every((_, i) => opened.has(`${tag}.${i}.trigger`)))
            await new Promise((r) => setTimeout(r, 50));
          sent.forEach((s, i) => {
            const at = opened.get(`${tag}.${i}.trigger`);
            if (at !== undefined) viewsOpen.push(at - s.sentAt);
          });
        }
      }
    }
    const bareAck = summary(acks.bare);
    const carelogAck = summary(acks.carelog);

    // A real form, as carelog opened it, submitted with a fresh view id each time.
    const view = (slack.callsTo('views.open').at(-1)?.args.view ?? null) as Record<string, unknown> | null;
    if (!view) throw new Error('no views.open recorded');
    const submissionBodies = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const form: OpenedView = { id: `V${tag}${i}`, hash: 'h1', view };
        return interactionBody(
          viewSubmission('U0CLIN1', form, { ...NEW_CLIENT, contact_date: '2026-11-02', contact_time: '10:00' }),
        );
      });
    await load(carelogUrl, submissionBodies('WARM', 200), 20);
    const before = await env.db.prisma.contact.count();
    const cpuBefore = processCpuSeconds(carelog.pid);
    const submitted = await load(carelogUrl, submissionBodies('BENCH', submissions), 20);
    const submitCpuMs = ((processCpuSeconds(carelog.pid) - cpuBefore) * 1000) / submissions;
    const committed = (await env.db.prisma.contact.count()) - before;
    const cleared = submitted.filter((s) => s.status === 200 && s.text.includes('"response_action":"clear"')).length;
    const submit = summary(submitted.map((s) => s.ms));

    // Cold start on embedded defaults, as a person gets it (bench/cold-start.ts; also `npm run bench -- cold-start`).
    const cold = await benchColdStart();

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const ackRatioP99 = ratio(carelogAck.p99, bareAck.p99);
    return {
      loadAverageAtStart,
      contactCommand: {
        requests: commands * ROUNDS,
        concurrency,
        refused,
        bareBoltAckMs: bareAck,
        carelogAckMs: carelogAck,
        carelogViewsOpenMs: { ...summary(viewsOpen), reached: viewsOpen.length },
        ackP50Ratio: ratio(carelogAck.p50, bareAck.p50),
        cpuMsPerCommand: {
          bare: round2(cpuMs.bare / (commands * ROUNDS)),
          carelog: round2(cpuMs.carelog / (commands * ROUNDS)),
        },
        ackP99Ratio: ackRatioP99,
      },
      viewSubmission: {
        submissions,
        concurrency: 20,
        committed,
        cleared,
        committedMs: submit,
        carelogCpuMsPerSubmission: round2(submitCpuMs),
      },
      coldStart: cold,
      goals: {
        ackP99WithinOneAndHalfBare: ackRatioP99 <= 1.5,
        ackP99Under100ms: carelogAck.p99 < 100,
        submissionP99Under50ms: submit.p99 < 50 && committed === submissions,
        coldStartUnder1s: cold.goalUnder1s,
      },
    };
  } finally {
    clearInterval(trim);
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await slack.stop();
    rmSync(dir, { recursive: true, force: true });
    await env.cleanup();
    await dropQueueKeys(SHARED_REDIS_URL, usedPrefixes.splice(0));
  }
}
