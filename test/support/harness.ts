// Starts the real carelog server for a test: real Postgres (a fresh database), real Redis (a fresh
// queue prefix), Slack faked by the local simulator that speaks Slack's protocols.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseEnv, parseProgramFile, type Config } from '../../src/config.js';
import { startCarelog, type RunningCarelog, type StartOptions } from '../../src/carelog.js';
import { createLogger } from '../../src/logger.js';
import { FakeSlackApi } from '../../src/platforms/slack/simulator.js';
import { interactionBody, sendSignedRequest, slashCommandBody } from './slack-requests.js';
import { createTestDatabase } from './postgres.js';
import { dropQueueKeys } from './redis.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const TEAM = 'T0TEST';

export const PROGRAM_YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin] }
  - id: dover
    name: Dover Co-Responders
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: DOV
    slack: { teamId: T0OTHER }
    roster:
      - { slack: U0DOVC1, roles: [clinician] }
`;

export interface Harness {
  carelog: RunningCarelog;
  slack: FakeSlackApi;
  url: string;
  /** Every log line carelog wrote, as text. */
  logs: string[];
  command(
    userId: string,
    text?: string,
    opts?: { teamId?: string; headers?: Record<string, string> },
  ): ReturnType<typeof sendSignedRequest>;
  interact(payload: Record<string, unknown>, headers?: Record<string, string>): ReturnType<typeof sendSignedRequest>;
  stop(): Promise<void>;
}

export interface TestCarelog {
  carelog: RunningCarelog;
  logs: string[];
  /** Stops carelog and drops its database. */
  stop(): Promise<void>;
}

/**
 * The real carelog on a fresh database and queue prefix, with exactly the environment given (plus
 * the test basics: port 0, a notes key, no private Redis, debug logs captured).
 */
export async function startTestCarelog(opts: {
  env: Record<string, string>;
  yaml: string;
  now?: () => Date;
  workerTiming?: StartOptions['workerTiming'];
  start?: Pick<StartOptions, 'teamsCloud' | 'mode' | 'nudgeClaimLeaseMs'>;
  /** Admin URL of the Postgres server to create the test database on (default: the shared one). */
  adminUrl?: string;
  /** carelog starts its own local Slack simulator (no Slack credentials outside production). */
  slackSimulated?: boolean;
}): Promise<TestCarelog> {
  const tdb = await createTestDatabase(opts.adminUrl);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const env = parseEnv({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: tdb.url,
    CARELOG_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CARELOG_START_REDIS: 'false',
    LOG_LEVEL: 'debug',
    ...opts.env,
  });
  const config: Config = {
    env,
    production: false,
    embeddedDatabase: false,
    dataDir: '/nonexistent',
    configFile: 'test.yml',
    slackSimulated: opts.slackSimulated ?? false,
    programs: parseProgramFile(opts.yaml, 'test.yml'),
  };
  const { openDatabase } = await import('../../src/db/client.js');
  const pre = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
  await pre.migrate();
  await pre.close();
  const queuePrefix = `carelog-test-${randomBytes(4).toString('hex')}`;
  try {
    const carelog = await startCarelog({
      config,
      logger: createLogger(env.LOG_LEVEL, sink),
      queuePrefix,
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.workerTiming ? { workerTiming: opts.workerTiming } : {}),
      ...(opts.start ?? {}),
    });
    return {
      carelog,
      logs,
      stop: async () => {
        await carelog.stop();
        await tdb.drop();
        await dropQueueKeys(env.REDIS_URL, [queuePrefix]);
      },
    };
  } catch (err) {
    await tdb.drop();
    await dropQueueKeys(env.REDIS_URL, [queuePrefix]);
    throw err;
  }
}

export async function startHarness(
  opts: {
    now?: () => Date;
    yaml?: string;
    env?: Record<string, string>;
    workerTiming?: StartOptions['workerTiming'];
    mode?: StartOptions['mode'];
    nudgeClaimLeaseMs?: number;
    /** Admin URL of the Postgres server to create the test database on (default: the shared one). */
    adminUrl?: string;
    /** Microsoft's endpoints, for a harness that serves Teams too (TEAMS_* in `env`). */
    teamsCloud?: StartOptions['teamsCloud'];
  } = {},
): Promise<Harness> {
  const slack = new FakeSlackApi();
  slack.teamId = TEAM;
  const apiUrl = await slack.start();
  let running: TestCarelog;
  try {
    running = await startTestCarelog({
      yaml: opts.yaml ?? PROGRAM_YAML,
      env: {
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: 'xoxb-test-token',
        SLACK_API_URL: apiUrl,
        ...(opts.env ?? {}),
      },
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.workerTiming ? { workerTiming: opts.workerTiming } : {}),
      start: {
        ...(opts.mode ? { mode: opts.mode } : {}),
        ...(opts.nudgeClaimLeaseMs ? { nudgeClaimLeaseMs: opts.nudgeClaimLeaseMs } : {}),
        ...(opts.teamsCloud ? { teamsCloud: opts.teamsCloud } : {}),
      },
      ...(opts.adminUrl ? { adminUrl: opts.adminUrl } : {}),
    });
  } catch (err) {
    await slack.stop();
    throw err;
  }
  const { carelog, logs } = running;
  const url = `http://127.0.0.1:${carelog.port}/slack/events`;
  return {
    carelog,
    slack,
    url,
    logs,
    command: (userId, text = '', o = {}) =>
      sendSignedRequest({
        url,
        signingSecret: SIGNING_SECRET,
        body: slashCommandBody({ command: '/contact', text, teamId: o.teamId ?? TEAM, userId }),
        ...(o.headers ? { headers: o.headers } : {}),
      }),
    interact: (payload, headers) =>
      sendSignedRequest({
        url,
        signingSecret: SIGNING_SECRET,
        body: interactionBody(payload),
        ...(headers ? { headers } : {}),
      }),
    stop: async () => {
      await running.stop();
      await slack.stop();
    },
  };
}
