// Development modes stay on this machine: without Slack credentials carelog checks Slack requests
// against the local simulator's public secret, and TEAMS_DEV_UNAUTHENTICATED takes Teams activities
// without a token. Started on a network address, carelog refuses, naming what to set; on loopback,
// the simulator's respond() goes to the simulator only.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_SIGNING_SECRET } from '../../src/carelog.js';
import { sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';
import { PROGRAM_YAML, startTestCarelog, TEAM, type TestCarelog } from '../support/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

// `npm start`'s entry is the built dist/src/main.js: built first when missing or stale (as prestart does).
beforeAll(() => {
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
}, 300_000);

/** Runs `npm start`'s entry with exactly `env` (and PATH); resolves with its exit code and output. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('development modes on a network address', () => {
  it('npm start refuses HOST=0.0.0.0 without Slack credentials and with TEAMS_DEV_UNAUTHENTICATED, saying why and what to set', async () => {
    const { code, output } = await runMain({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      CARELOG_CONFIG: 'carelog.example.yml',
      TEAMS_DEV_UNAUTHENTICATED: '1',
      CARELOG_DATA_DIR: '/nonexistent/carelog-dev-mode',
    });
    expect(code).toBe(1);
    expect(output).toContain('HOST: 0.0.0.0 listens beyond this machine, but SLACK_BOT_TOKEN is not set');
    expect(output).toContain('set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET of a real Slack app, or HOST=127.0.0.1');
    expect(output).toContain(
      'TEAMS_DEV_UNAUTHENTICATED: accepts Teams activities without a token, so it is refused with HOST=0.0.0.0',
    );
    expect(output).toContain('set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead');
    expect(output).not.toContain('carelog is ready');
  });

  it('startCarelog refuses a hand-built configuration the same way', async () => {
    await expect(
      startTestCarelog({ yaml: PROGRAM_YAML, slackSimulated: true, env: { HOST: '0.0.0.0' } }),
    ).rejects.toThrow(/HOST: 0\.0\.0\.0 listens beyond this machine/);
  });
});

describe('the local Slack simulator on loopback', () => {
  let h: TestCarelog;
  beforeAll(async () => {
    h = await startTestCarelog({ yaml: PROGRAM_YAML, slackSimulated: true, env: {} });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const digest = (responseUrl: string) =>
    sendSignedRequest({
      url: `http://127.0.0.1:${h.carelog.port}/slack/events`,
      signingSecret: SIMULATOR_SIGNING_SECRET,
      body: slashCommandBody({ command: '/digest', text: 'week', teamId: TEAM, userId: 'U0LEAD1', responseUrl }),
    });

  it('posts respond() answers only to the simulator: a request naming another response_url is refused', async () => {
    const simulator = h.carelog.simulator!;
    expect(simulator).not.toBeNull();
    for (const elsewhere of [
      'https://hooks.slack.com/commands/T0TEST/1/abc',
      'http://127.0.0.1:9/collect',
      `${simulator.apiUrl.replace('/api/', '')}.evil.example/api/x`,
    ]) {
      const res = await digest(elsewhere);
      expect([res.status, res.text]).toEqual([400, 'response_url must be the local Slack simulator’s']);
    }
    const before = simulator.calls.length;
    expect((await digest(`${simulator.apiUrl}response_url.T0TEST`)).status).toBe(200);
    const reply = await simulator.waitFor('response_url.T0TEST', before);
    expect(String(reply.args.text)).toMatch(/^Preview: /);
  });
});
