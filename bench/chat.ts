// The chat side at load, carelog next to a bare Bolt app, in one run:
//  - /contact: Slack-signed slash commands from a sender in its own process (bench/load-generator.ts),
//    50 at a time, timed to the acknowledgement; for carelog also to views.open reaching the fake
//    Slack Web API. The bare app is Bolt's own HTTPReceiver with a listener that only acks: the
//    floor for any Bolt app on this machine. The two take turns, two rounds each.
//  - view_submission: a filled-in contact form submitted 20 at a time, timed to carelog's answer,
//    which it gives once the contact is committed (so errors can still go back to the form).
//  - cold start: `src/main.ts` on embedded defaults (PGlite, the local Slack simulator), from spawn
//    to "carelog is ready", with a fresh data directory (migrations run) and again with it.
// Goals: ack p99 ≤ 1.5 × bare and < 100 ms; submission p99 < 50 ms; cold start < 3 s.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App, HTTPReceiver } from '@slack/bolt';
import { interactionBody, slashCommandBody } from '../src/platforms/slack/simulator.js';
import { NEW_CLIENT } from '../test/support/followups.js';
import { SIGNING_SECRET, startHarness, TEAM } from '../test/support/harness.js';
import { viewSubmission, type OpenedView } from '../test/support/slack-payloads.js';
import { freePort, pct, round1 } from './common.js';

interface Sent {
  sentAt: number;
  ms: number;
  status: number;
  text: string;
}

const now = () => performance.timeOrigin + performance.now();

/** Runs the sender in its own process and returns what it measured, in body order. */
async function load(url: string, bodies: string[], concurrency: number): Promise<Sent[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-load-'));
  try {
    const file = path.join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ url, signingSecret: SIGNING_SECRET, bodies, concurrency }));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/load-generator.ts', file], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function startBareBolt(apiUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events' });
  const app = new App({ token: 'xoxb-bench-bare', receiver, clientOptions: { slackApiUrl: apiUrl } });
  app.command('/contact', async ({ ack }) => {
    await ack();
  });
  await app.start(port);
  return { url: `http://127.0.0.1:${port}/slack/events`, stop: () => app.stop().then(() => undefined) };
}

/** From spawning `src/main.ts` on embedded defaults to its "carelog is ready" line, in ms. */
async function coldStart(dataDir: string, redisUrl: string): Promise<number> {
  const port = await freePort();
  const t0 = now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      CARELOG_DATA_DIR: dataDir,
      REDIS_URL: redisUrl,
      CARELOG_QUEUE_PREFIX: `carelog-bench-${randomBytes(4).toString('hex')}`,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('carelog is ready')) resolve(now() - t0);
      });
      child.stderr.resume();
      child.once('exit', (code) => reject(new Error(`carelog exited (${code}) before it was ready`)));
      setTimeout(() => reject(new Error('carelog was not ready within 60 s')), 60_000).unref();
    });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function benchChat(commands = 1000, submissions = 500) {
  const loadAverageAtStart = os.loadavg().map(round1);
  const h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
  const bare = await startBareBolt(h.carelog.deps.config.env.SLACK_API_URL);
  const opened = new Map<string, number>();
  h.slack.respond('views.open', (call) => {
    opened.set(String(call.args.trigger_id), now());
    return undefined;
  });
  // The fake keeps every call; thousands of modal views would make its memory part of the figure.
  const trim = setInterval(() => h.slack.calls.splice(0, Math.max(0, h.slack.calls.length - 100)), 1_000);
  try {
    const commandBodies = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => slashCommandBody({ command: '/contact', teamId: TEAM, userId: 'U0CLIN1', triggerId: `${tag}.${i}.trigger` }));
    const targets = { bare: bare.url, carelog: h.url };
    // Warm up both (JIT, pools, connections).
    for (const [name, url] of Object.entries(targets)) await load(url, commandBodies(`warm-${name}`, 200), 10);

    const acks: Record<keyof typeof targets, number[]> = { bare: [], carelog: [] };
    const viewsOpen: number[] = [];
    let refused = 0;
    for (let round = 0; round < 2; round++) {
      for (const name of ['bare', 'carelog'] as const) {
        const tag = `${name}-${round}`;
        const sent = await load(targets[name], commandBodies(tag, commands), 50);
        refused += sent.filter((s) => s.status !== 200).length;
        acks[name].push(...sent.map((s) => s.ms));
        if (name === 'carelog') {
          // views.open follows the ack; give the last ones a moment to arrive.
          const deadline = Date.now() + 5_000;
          while (Date.now() < deadline && !sent.every((_, i) => opened.has(`${tag}.${i}.trigger`))) await new Promise((r) => setTimeout(r, 50));
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
    const view = (h.slack.callsTo('views.open').at(-1)?.args.view ?? null) as Record<string, unknown> | null;
    if (!view) throw new Error('no views.open recorded');
    const submissionBodies = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const form: OpenedView = { id: `V${tag}${i}`, hash: 'h1', view };
        return interactionBody(viewSubmission('U0CLIN1', form, { ...NEW_CLIENT, contact_date: '2026-11-02', contact_time: '10:00' }));
      });
    await load(h.url, submissionBodies('WARM', 50), 10);
    const before = await h.carelog.deps.db.prisma.contact.count();
    const submitted = await load(h.url, submissionBodies('BENCH', submissions), 20);
    const committed = (await h.carelog.deps.db.prisma.contact.count()) - before;
    const cleared = submitted.filter((s) => s.status === 200 && s.text.includes('"response_action":"clear"')).length;
    const submit = summary(submitted.map((s) => s.ms));

    // Cold start on embedded defaults: a fresh data directory, then the same one again.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-cold-'));
    let cold: { firstMs: number; againMs: number };
    try {
      const redisUrl = h.carelog.deps.config.env.REDIS_URL;
      cold = { firstMs: Math.round(await coldStart(dataDir, redisUrl)), againMs: Math.round(await coldStart(dataDir, redisUrl)) };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const ackRatioP99 = ratio(carelogAck.p99, bareAck.p99);
    return {
      loadAverageAtStart,
      contactCommand: {
        requests: commands * 2,
        concurrency: 50,
        refused,
        bareBoltAckMs: bareAck,
        carelogAckMs: carelogAck,
        carelogViewsOpenMs: { ...summary(viewsOpen), reached: viewsOpen.length },
        ackP50Ratio: ratio(carelogAck.p50, bareAck.p50),
        ackP99Ratio: ackRatioP99,
      },
      viewSubmission: { submissions, concurrency: 20, committed, cleared, committedMs: submit },
      coldStartEmbeddedMs: cold,
      goals: {
        ackP99WithinOneAndHalfBare: ackRatioP99 <= 1.5,
        ackP99Under100ms: carelogAck.p99 < 100,
        submissionP99Under50ms: submit.p99 < 50 && committed === submissions,
        coldStartUnder3s: cold.firstMs < 3_000 && cold.againMs < 3_000,
      },
    };
  } finally {
    clearInterval(trim);
    await bare.stop().catch(() => undefined);
    await h.stop();
  }
}
