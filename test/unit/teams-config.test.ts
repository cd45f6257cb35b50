// Configuration for Teams: the TEAMS_* variables, programs on Teams alone, Teams users by Entra
// object id, and which platforms a process starts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, parseEnv, parseProgramFile, platformModes } from '../../src/config.js';
import { isCarelogError } from '../../src/errors.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const APP = '8d1f2c3a-4b5e-4f60-9a7b-0c1d2e3f4a5b';
const TENANT = '3c9e1f2a-7b4d-4e6f-8a1b-2c3d4e5f6a7b';
const USER = '0F6A1B2C-3D4E-4F50-8A6B-7C8D9E0F1A2B';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCarelogError(err)) return err;
    throw err;
  }
  throw new Error('expected a CarelogError, nothing was thrown');
}

const TEAMS_ONLY = `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    teams: { tenantId: ${TENANT}, digestChannel: "19:abc123@thread.tacv2" }
    roster:
      - { teams: ${USER}, roles: [clinician] }
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'carelog-teams-config-'));
  dirs.push(dir);
  const f = path.join(dir, 'carelog.yml');
  writeFileSync(f, text);
  return f;
}

describe('TEAMS_* variables', () => {
  it('reads credentials, the service URL and the cloud', () => {
    const env = parseEnv({
      TEAMS_CLIENT_ID: APP,
      TEAMS_CLIENT_SECRET: 's',
      TEAMS_TENANT_ID: TENANT,
      TEAMS_SERVICE_URL: 'http://127.0.0.1:9/teams/',
      TEAMS_CLOUD: 'USGov',
    });
    expect(env).toMatchObject({
      TEAMS_CLIENT_ID: APP,
      TEAMS_SERVICE_URL: 'http://127.0.0.1:9/teams',
      TEAMS_CLOUD: 'USGov',
      TEAMS_DEV_UNAUTHENTICATED: false,
    });
    expect(parseEnv({}).TEAMS_CLOUD).toBe('Public');
  });

  it('names each bad value', () => {
    const err = errorOf(() =>
      parseEnv({
        TEAMS_CLIENT_ID: 'carelog-bot',
        TEAMS_SERVICE_URL: 'not a url',
        TEAMS_CLOUD: 'Mars',
        TEAMS_DEV_UNAUTHENTICATED: 'maybe',
      }),
    );
    expect(err.message).toContain('TEAMS_CLIENT_ID: must be the bot’s Microsoft app (client) id, a GUID');
    expect(err.message).toContain('TEAMS_SERVICE_URL: must be a URL');
    expect(err.message).toContain('TEAMS_CLOUD: must be Public, USGov, USGovDoD or China');
    expect(err.message).toContain('TEAMS_DEV_UNAUTHENTICATED');
  });

  it('wants the client id and secret together', () => {
    const f = file(TEAMS_ONLY);
    expect(errorOf(() => loadConfig({ CARELOG_CONFIG: f, TEAMS_CLIENT_ID: APP })).message).toContain(
      'TEAMS_CLIENT_SECRET: required with TEAMS_CLIENT_ID',
    );
    expect(errorOf(() => loadConfig({ CARELOG_CONFIG: f, TEAMS_CLIENT_SECRET: 's' })).message).toContain(
      'TEAMS_CLIENT_ID: required with TEAMS_CLIENT_SECRET',
    );
  });

  it('refuses TEAMS_DEV_UNAUTHENTICATED in production, and together with credentials anywhere', () => {
    const f = file(TEAMS_ONLY);
    const prod = errorOf(() =>
      loadConfig({
        NODE_ENV: 'production',
        CARELOG_CONFIG: f,
        CARELOG_ENCRYPTION_KEY: KEY,
        TEAMS_CLIENT_ID: APP,
        TEAMS_CLIENT_SECRET: 's',
        TEAMS_DEV_UNAUTHENTICATED: '1',
      }),
    );
    expect(prod.code).toBe('config_invalid');
    expect(prod.message).toContain('TEAMS_DEV_UNAUTHENTICATED: refused when NODE_ENV=production');
    expect(
      errorOf(() =>
        loadConfig({
          CARELOG_CONFIG: f,
          TEAMS_CLIENT_ID: APP,
          TEAMS_CLIENT_SECRET: 's',
          TEAMS_DEV_UNAUTHENTICATED: '1',
        }),
      ).message,
    ).toContain('TEAMS_DEV_UNAUTHENTICATED: cannot be combined with TEAMS_CLIENT_ID');
    expect(loadConfig({ CARELOG_CONFIG: f, TEAMS_DEV_UNAUTHENTICATED: '1' }).env.TEAMS_DEV_UNAUTHENTICATED).toBe(true);
  });

  it('accepts TEAMS_DEV_UNAUTHENTICATED on loopback only (the default HOST then), naming what to set otherwise', () => {
    const f = file(TEAMS_ONLY);
    expect(loadConfig({ CARELOG_CONFIG: f, TEAMS_DEV_UNAUTHENTICATED: '1' }).env.HOST).toBe('127.0.0.1');
    expect(loadConfig({ CARELOG_CONFIG: f, TEAMS_DEV_UNAUTHENTICATED: '1', HOST: '::1' }).env.HOST).toBe('::1');
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const err = errorOf(() => loadConfig({ CARELOG_CONFIG: f, TEAMS_DEV_UNAUTHENTICATED: '1', HOST: host }));
      expect(err.message).toContain(
        `TEAMS_DEV_UNAUTHENTICATED: accepts Teams activities without a token, so it is refused with HOST=${host}`,
      );
      expect(err.message).toContain('set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead, or HOST=127.0.0.1');
      expect(err.message).not.toContain('SLACK_');
    }
    // With credentials, Teams listens where it is told.
    expect(
      loadConfig({ CARELOG_CONFIG: f, TEAMS_CLIENT_ID: APP, TEAMS_CLIENT_SECRET: 's', HOST: '0.0.0.0' }).env.HOST,
    ).toBe('0.0.0.0');
    expect(loadConfig({ CARELOG_CONFIG: f }).env.HOST).toBe('0.0.0.0');
  });

  it('in production, asks a Teams-only deployment for Teams credentials and not Slack’s', () => {
    const f = file(TEAMS_ONLY);
    const err = errorOf(() => loadConfig({ NODE_ENV: 'production', CARELOG_CONFIG: f, CARELOG_ENCRYPTION_KEY: KEY }));
    expect(err.message).toContain('TEAMS_CLIENT_ID: required in production for a program on Teams');
    expect(err.message).toContain('TEAMS_CLIENT_SECRET: required in production for a program on Teams');
    expect(err.message).not.toContain('SLACK_');
    const ok = loadConfig({
      NODE_ENV: 'production',
      CARELOG_CONFIG: f,
      CARELOG_ENCRYPTION_KEY: KEY,
      TEAMS_CLIENT_ID: APP,
      TEAMS_CLIENT_SECRET: 's',
      TEAMS_TENANT_ID: TENANT,
    });
    expect(ok.slackSimulated).toBe(false);
    expect(platformModes(ok)).toEqual({ slack: 'off', teams: 'authenticated' });
  });
});

describe('which platforms start', () => {
  it('Teams: with credentials, unauthenticated only when asked, else off; Slack: only for a program on Slack or with a token', () => {
    const f = file(TEAMS_ONLY);
    expect(platformModes(loadConfig({ CARELOG_CONFIG: f }))).toEqual({ slack: 'off', teams: 'off' });
    expect(platformModes(loadConfig({ CARELOG_CONFIG: f, TEAMS_DEV_UNAUTHENTICATED: '1' }))).toEqual({
      slack: 'off',
      teams: 'unauthenticated',
    });
    const both = file(
      TEAMS_ONLY.replace(
        '    roster:\n',
        '    slack: { teamId: T0123, digestChannel: C0456 }\n    roster:\n      - { slack: U0CLIN1, roles: [clinician] }\n',
      ),
    );
    expect(platformModes(loadConfig({ CARELOG_CONFIG: both }))).toEqual({ slack: 'simulated', teams: 'off' });
    expect(
      platformModes(
        loadConfig({
          CARELOG_CONFIG: both,
          SLACK_BOT_TOKEN: 'xoxb-1',
          SLACK_SIGNING_SECRET: 'x',
          TEAMS_CLIENT_ID: APP,
          TEAMS_CLIENT_SECRET: 's',
        }),
      ),
    ).toEqual({ slack: 'http', teams: 'authenticated' });
  });
});

describe('programs on Teams', () => {
  it('accepts a program with no slack: block, its Teams users by Entra object id (lower-cased)', () => {
    const [p] = parseProgramFile(TEAMS_ONLY, 'carelog.yml');
    expect(p!.teams).toEqual({ tenantId: TENANT, digestChannel: '19:abc123@thread.tacv2' });
    expect(p!.slack).toEqual({});
    expect(p!.roster[0]!.teams).toBe(USER.toLowerCase());
  });

  it('needs no Slack team id on Teams-only programs sharing a deployment', () => {
    const second = TEAMS_ONLY.replace('programs:\n', '')
      .replace('id: wilmington', 'id: dover')
      .replace(USER, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    const programs = parseProgramFile(`${TEAMS_ONLY}${second}`, 'carelog.yml');
    expect(programs.map((p) => p.id)).toEqual(['wilmington', 'dover']);
  });

  it('names the problems: a user id that is not an Entra object id, a channel id that is not Teams’, a person on two rosters', () => {
    const bad = TEAMS_ONLY.replace(`{ teams: ${USER}`, '{ teams: jane@example.org').replace(
      '19:abc123@thread.tacv2',
      'C0456',
    );
    const err = errorOf(() => parseProgramFile(bad, 'carelog.yml'));
    expect(err.message).toContain('programs[0].roster[0].teams: must be the person’s Entra object id');
    expect(err.message).toContain(
      'programs[0].teams.digestChannel: must be a Teams channel id such as 19:abc123@thread.tacv2',
    );
    const twice = `${TEAMS_ONLY}${TEAMS_ONLY.replace('programs:\n', '').replace('id: wilmington', 'id: dover').replace(USER, USER.toLowerCase())}`;
    expect(errorOf(() => parseProgramFile(twice, 'carelog.yml')).message).toContain(
      'programs[1].roster[0].teams: is already on the roster of program "wilmington"',
    );
  });
});
