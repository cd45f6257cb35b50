// The order of a start (src/carelog.ts): the Slack app and its auth.test are made while the database
// opens, yet a start that fails reports the database's failure before Slack's, and a token Slack
// refuses stops the start with Slack's error code.
import { describe, expect, it } from 'vitest';
import { FakeSlackApi } from '../../src/platforms/slack/simulator.js';
import { PROGRAM_YAML, SIGNING_SECRET, TEAM, startTestCarelog } from '../support/harness.js';

async function startWith(slack: FakeSlackApi, env: Record<string, string> = {}) {
  const apiUrl = await slack.start();
  return startTestCarelog({
    yaml: PROGRAM_YAML,
    env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_API_URL: apiUrl, ...env },
  });
}

describe('a start', () => {
  it("stops with Slack's error code when Slack refuses the token", async () => {
    const slack = new FakeSlackApi();
    slack.teamId = TEAM;
    slack.respond('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
    try {
      const started = startWith(slack);
      await expect(started).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { error: 'invalid_auth' },
      });
      expect(slack.callsTo('auth.test').map((c) => c.token)).toEqual(['xoxb-test-token']);
    } finally {
      await slack.stop();
    }
  });

  it("reports the database's failure, not Slack's, when both fail", async () => {
    const slack = new FakeSlackApi();
    slack.teamId = TEAM;
    slack.respond('auth.test', () => ({ body: { ok: false, error: 'invalid_auth' } }));
    try {
      // Nothing listens on port 1: the database does not answer.
      const started = startWith(slack, { DATABASE_URL: 'postgresql://carelog@127.0.0.1:1/carelog' });
      await expect(started).rejects.toMatchObject({
        code: 'database_unavailable',
        message: expect.stringMatching(/^The database at DATABASE_URL does not answer \(ECONNREFUSED\)/),
      });
      await expect(started).rejects.not.toThrow(/invalid_auth/);
    } finally {
      await slack.stop();
    }
  });
});
