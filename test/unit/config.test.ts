// src/config.ts: every message names the variable or key path and what is wrong with it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig, parseEnv, parseProgramFile } from '../../src/config.js';
import { embeddedDataDirAhead } from '../../src/config/ahead.js';
import type { TCategory } from '../../src/domain/categories.js';
import { isCarelogError } from '../../src/errors.js';

const KEY = Buffer.alloc(32, 7).toString('base64');

/** The CarelogError a call throws; fails the test when it does not throw one. */
function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCarelogError(err)) return err;
    throw err;
  }
  throw new Error('expected a CarelogError, nothing was thrown');
}

const PROGRAM = `
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
`;

/** carelog.yml with one program, lines replaced or added by the test. */
function programFile(extra = '', replace: Record<string, string> = {}): string {
  let text = `programs:${PROGRAM}${extra}`;
  for (const [from, to] of Object.entries(replace)) {
    if (!text.includes(from)) throw new Error(`fixture has no ${from}`);
    text = text.replace(from, to);
  }
  return text;
}

describe('parseEnv', () => {
  it('accepts an empty environment and fills the defaults', () => {
    const env = parseEnv({});
    expect(env.NODE_ENV).toBe('development');
    expect(env.PORT).toBe(3000);
    expect(env.SLACK_API_URL).toBe('https://slack.com/api/');
    expect(env.CARELOG_ENCRYPTION_OLD_KEYS).toEqual([]);
    expect(env.CARELOG_WORKERS).toBe(true);
  });

  it('reads good values', () => {
    const env = parseEnv({
      PORT: '8080',
      DATABASE_URL: 'postgresql://carelog@db/carelog',
      CARELOG_ENCRYPTION_KEY: KEY,
      CARELOG_ENCRYPTION_OLD_KEYS: ` ${Buffer.alloc(32, 1).toString('base64')} , ${Buffer.alloc(32, 2).toString('base64')}`,
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      CARELOG_WORKERS: 'no',
    });
    expect(env.PORT).toBe(8080);
    expect(env.CARELOG_ENCRYPTION_OLD_KEYS).toHaveLength(2);
    expect(env.SLACK_API_URL).toBe('http://127.0.0.1:9999/api/');
    expect(env.CARELOG_WORKERS).toBe(false);
  });

  it.each([
    ['PORT', 'eighty', /PORT: must be a port number/],
    ['PORT', '70000', /PORT: must be a port number \(0-65535\)/],
    ['PORT', '-1', /PORT: /],
    ['DATABASE_URL', 'mysql://db/carelog', /DATABASE_URL: must be a postgres:\/\/ URL/],
    [
      'CARELOG_ENCRYPTION_KEY',
      Buffer.alloc(16).toString('base64'),
      /CARELOG_ENCRYPTION_KEY: must be 32 bytes, base64-encoded/,
    ],
    ['CARELOG_ENCRYPTION_KEY', 'a'.repeat(64), /CARELOG_ENCRYPTION_KEY: must be 32 bytes/],
    ['CARELOG_ENCRYPTION_OLD_KEYS', `${KEY},short`, /CARELOG_ENCRYPTION_OLD_KEYS: every key must be 32 bytes/],
    ['SLACK_BOT_TOKEN', 'xoxp-user-token', /SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/],
    ['SLACK_APP_TOKEN', 'xoxb-1', /SLACK_APP_TOKEN: must be an app-level token starting with xapp-/],
    ['REDIS_URL', 'http://localhost:6379', /REDIS_URL: must be a redis:\/\/ URL/],
    ['NODE_ENV', 'staging', /NODE_ENV: /],
  ])('refuses %s=%s and names it', (name, value, message) => {
    const err = errorOf(() => parseEnv({ [name]: value }));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(/^Invalid environment:/);
    expect(err.message).toMatch(message);
  });

  it('names every bad variable at once', () => {
    const err = errorOf(() => parseEnv({ PORT: 'x', DATABASE_URL: 'sqlite://', SLACK_BOT_TOKEN: 'nope' }));
    expect(err.message).toContain('PORT:');
    expect(err.message).toContain('DATABASE_URL:');
    expect(err.message).toContain('SLACK_BOT_TOKEN:');
  });

  it('never echoes a rejected secret', () => {
    const secret = 'xoxp-9999-SECRET-TOKEN';
    const err = errorOf(() => parseEnv({ SLACK_BOT_TOKEN: secret }));
    expect(err.message).not.toContain('SECRET-TOKEN');
  });
});

describe('parseProgramFile', () => {
  it('reads a program with the defaults filled in', () => {
    const [p, ...rest] = parseProgramFile(programFile(), 'carelog.yml');
    expect(rest).toHaveLength(0);
    expect(p!.id).toBe('wilmington');
    expect(p!.startDate).toBe('2024-03-01');
    expect(p!.slack).toEqual({});
    expect(p!.roster).toEqual([{ slack: 'U0CLIN1', roles: ['clinician'] }]);
    expect(p!.followUps).toEqual({
      nudgeAt: '09:00',
      hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
      overdueAfterWorkingDays: 2,
      maxAttempts: 3,
    });
    expect(p!.referrals).toEqual({ checkAfterDays: 7, recheckAfterDays: 7, maxChecks: 3 });
    expect(p!.demographics).toEqual({ raceEthnicity: false, veteran: false });
    expect(p!.categories.onScene.map((c) => c.key)).toEqual([
      'police_backup_requested',
      'use_of_force',
      'injury',
      'arrest_avoided',
      'ed_avoided',
    ]);
    expect(p!.categories.dispositions.filter((c) => c.transport).map((c) => c.key)).toEqual([
      'voluntary_transport',
      'involuntary_commitment',
    ]);
  });

  it('keeps carelog’s transport outcomes in a list of the program’s own, and takes its own', () => {
    const yml = programFile().replace(
      'clientCodePrefix: PIC',
      'clientCodePrefix: PIC\n    categories:\n      dispositions: [voluntary_transport, { key: to_hospital, label: To hospital, transport: true }, stayed]',
    );
    const [p] = parseProgramFile(yml, 'carelog.yml');
    expect(p!.categories.dispositions.map((c) => [c.key, c.transport === true])).toEqual([
      ['voluntary_transport', true],
      ['to_hospital', true],
      ['stayed', false],
    ]);
  });

  it('names the key of a bad referrals setting', () => {
    const yml = programFile().replace(
      'clientCodePrefix: PIC',
      'clientCodePrefix: PIC\n    referrals: { maxChecks: 0 }',
    );
    expect(() => parseProgramFile(yml, 'carelog.yml')).toThrow(/programs\[0\]\.referrals\.maxChecks/);
  });

  it('defaults the categories to the progress report’s keys', () => {
    const { categories } = parseProgramFile(programFile(), 'carelog.yml')[0]!;
    const keys = (list: { key: string }[]) => list.map((c) => c.key);
    expect(keys(categories.sources)).toEqual([
      'call_for_service',
      'proactive_outreach',
      'community_contact',
      'officer_contact',
      'victim_services_unit',
      'youth_response_unit',
      'self_referral',
      'other',
    ]);
    expect(keys(categories.services)).toEqual([
      'crisis_services',
      'de_escalation',
      'shelter_info',
      'safety_planning',
      'transport',
      'other',
    ]);
    expect(keys(categories.referrals)).toEqual([
      'mental_health_treatment',
      'addiction_treatment',
      'social_services',
      'victim_services_unit',
      'youth_response_unit',
      'other',
    ]);
    expect(keys(categories.dispositions)).toEqual([
      'resolved_on_scene',
      'voluntary_transport',
      'involuntary_commitment',
      'arrest',
      'referral_only',
      'other',
    ]);
    expect(keys(categories.sex)).toEqual(['male', 'female', 'another', 'not_reported']);
    expect(keys(categories.ageBands)).toEqual(['0-12', '13-17', '18-24', '25-59', '60+', 'not_reported']);
    // Substance-use treatment is 42 CFR Part 2, and nothing else is.
    const lists: TCategory[][] = Object.values(categories);
    const part2 = lists.flatMap((list) => list.filter((c) => c.part2).map((c) => c.key));
    expect(part2).toEqual(['addiction_treatment']);
  });

  it('replaces a category list, keeping known labels and the Part 2 flag', () => {
    const text = programFile(`    categories:
      referrals: [addiction_treatment, housing_first, { key: detox, label: Detox, part2: true }]
`);
    const { categories } = parseProgramFile(text, 'carelog.yml')[0]!;
    expect(categories.referrals).toEqual([
      { key: 'addiction_treatment', label: 'Addiction treatment', part2: true },
      { key: 'housing_first', label: 'Housing first', part2: false },
      { key: 'detox', label: 'Detox', part2: true },
    ]);
    // Lists not mentioned keep their defaults.
    expect(categories.sources.map((c) => c.key)).toContain('call_for_service');
  });

  it('keeps addiction_treatment Part 2 under a label of the program’s own, and in any list', () => {
    const text = programFile(`    categories:
      referrals: [{ key: addiction_treatment, label: Substance-use program }, mental_health_treatment]
      services: [addiction_treatment, transport]
`);
    const { categories } = parseProgramFile(text, 'carelog.yml')[0]!;
    expect(categories.referrals).toEqual([
      { key: 'addiction_treatment', label: 'Substance-use program', part2: true },
      { key: 'mental_health_treatment', label: 'Mental-health treatment', part2: false },
    ]);
    expect(categories.services.map((c) => [c.key, c.part2])).toEqual([
      ['addiction_treatment', true],
      ['transport', false],
    ]);
  });

  it('refuses part2: false on a Part 2 key, and a threshold below 3', () => {
    const part2 = errorOf(() =>
      parseProgramFile(
        programFile(
          '    categories:\n      referrals: [{ key: addiction_treatment, label: Addiction, part2: false }]\n',
        ),
        'carelog.yml',
      ),
    );
    expect(part2.message).toMatch(
      /programs\[0\]\.categories\.referrals\[0\]\.part2: this key is substance-use treatment \(42 CFR Part 2\)/,
    );
    const below = errorOf(() => parseProgramFile(programFile('    digest: { suppressBelow: 2 }\n'), 'carelog.yml'));
    expect(below.message).toMatch(/programs\[0\]\.digest\.suppressBelow: must be at least 3/);
  });

  it.each([
    ['a bad timezone', { 'America/New_York': 'America/Gotham' }, /programs\[0\]\.timezone: must be an IANA time zone/],
    [
      'a start date that is not a date',
      { '2024-03-01': 'March 1st' },
      /programs\[0\]\.startDate: must be a date such as 2024-03-01/,
    ],
    [
      'a start date that does not exist',
      { '2024-03-01': '2024-02-30' },
      /programs\[0\]\.startDate: is not a real date/,
    ],
    ['a start date in month 13', { '2024-03-01': '2024-13-01' }, /programs\[0\]\.startDate: is not a real date/],
    ['a bad program id', { 'id: wilmington': 'id: Wilmington PD' }, /programs\[0\]\.id: must be lower-case letters/],
    [
      'a bad client code prefix',
      { 'clientCodePrefix: PIC': 'clientCodePrefix: pic' },
      /programs\[0\]\.clientCodePrefix: must be 1-10 upper-case/,
    ],
    [
      'a roster entry without a user id',
      { '{ slack: U0CLIN1, roles: [clinician] }': '{ roles: [clinician] }' },
      /programs\[0\]\.roster\[0\]: needs a slack or teams user id/,
    ],
    [
      'a roster entry with no roles',
      { 'roles: [clinician]': 'roles: []' },
      /programs\[0\]\.roster\[0\]\.roles: needs at least one role/,
    ],
    ['an unknown role', { 'roles: [clinician]': 'roles: [sheriff]' }, /programs\[0\]\.roster\[0\]\.roles\[0\]: /],
    [
      'a bad Slack user id',
      { 'slack: U0CLIN1': 'slack: jane' },
      /programs\[0\]\.roster\[0\]\.slack: must be a Slack user id/,
    ],
  ])('refuses %s and names the key path', (_what, replace, message) => {
    const err = errorOf(() => parseProgramFile(programFile('', replace), 'carelog.yml'));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(/^carelog\.yml is not valid:/);
    expect(err.message).toMatch(message);
  });

  it('refuses an unknown list under categories and names it', () => {
    const err = errorOf(() =>
      parseProgramFile(programFile('    categories:\n      outcomes: [resolved]\n'), 'carelog.yml'),
    );
    expect(err.message).toMatch(/programs\[0\]\.categories: .*outcomes/);
  });

  it('refuses a category key with spaces and a list of more than 100 choices', () => {
    const many = Array.from({ length: 101 }, (_, i) => `s${i}`).join(', ');
    const err = errorOf(() =>
      parseProgramFile(
        programFile(`    categories:\n      sources: ["Call for service"]\n      services: [${many}]\n`),
        'carelog.yml',
      ),
    );
    expect(err.message).toMatch(/programs\[0\]\.categories\.sources\[0\]: a category key uses a-z, 0-9 and _/);
    expect(err.message).toMatch(/programs\[0\]\.categories\.services: at most 100 choices fit in one menu/);
  });

  it('refuses a category key longer than a Slack menu option can show', () => {
    const long = 'k'.repeat(76);
    const err = errorOf(() =>
      parseProgramFile(
        programFile(`    categories:\n      sources: [${long}]\n      services: [{ key: ${long}, label: Long }]\n`),
        'carelog.yml',
      ),
    );
    expect(err.message).toMatch(/programs\[0\]\.categories\.sources\[0\]: a category key is at most 75 characters/);
    expect(err.message).toMatch(
      /programs\[0\]\.categories\.services\[0\]\.key: a category key is at most 75 characters/,
    );
    const ok = parseProgramFile(
      programFile(`    categories:\n      sources: [${'k'.repeat(75)}]\n`),
      'carelog.yml',
    )[0]!;
    expect(ok.categories.sources[0]!.label).toHaveLength(75);
  });

  it('refuses two programs with the same id', () => {
    const text = `programs:${PROGRAM}    slack: { teamId: T0AAA }\n${PROGRAM}    slack: { teamId: T0BBB }\n`;
    const err = errorOf(() => parseProgramFile(text, 'carelog.yml'));
    expect(err.message).toMatch(/programs\[1\]\.id: "wilmington" is used by two programs/);
  });

  it('requires a Slack team id on every program when there are two', () => {
    const second = PROGRAM.replace('id: wilmington', 'id: dover');
    const text = `programs:${PROGRAM}    slack: { teamId: T0AAA }\n${second}`;
    const err = errorOf(() => parseProgramFile(text, 'carelog.yml'));
    expect(err.message).toMatch(/programs\[1\]\.slack\.teamId: is required when several programs share one deployment/);
    expect(err.message).not.toMatch(/programs\[0\]/);
    // With both team ids it is fine.
    expect(parseProgramFile(`${text}    slack: { teamId: T0BBB }\n`, 'carelog.yml').map((p) => p.id)).toEqual([
      'wilmington',
      'dover',
    ]);
  });

  it('refuses two programs on the same Slack team', () => {
    const second = PROGRAM.replace('id: wilmington', 'id: dover');
    const text = `programs:${PROGRAM}    slack: { teamId: T0AAA }\n${second}    slack: { teamId: T0AAA }\n`;
    expect(errorOf(() => parseProgramFile(text, 'carelog.yml')).message).toMatch(
      /programs\[1\]\.slack\.teamId: "T0AAA" is used by two programs/,
    );
  });

  it('refuses a file without programs', () => {
    expect(errorOf(() => parseProgramFile('programs: []\n', 'carelog.yml')).message).toMatch(
      /programs: needs at least one program/,
    );
    expect(errorOf(() => parseProgramFile('', 'carelog.yml')).message).toMatch(/\(top level\): /);
  });

  it('names the line of invalid YAML', () => {
    const text = 'programs:\n  - id: wilmington\n    name: "unterminated\n    timezone: UTC\n';
    const err = errorOf(() => parseProgramFile(text, 'site.yml'));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toMatch(/^site\.yml \(line \d+\): not valid YAML: /);
    const bad = 'programs:\n  - id: wilmington\n  name: [oops\n';
    expect(errorOf(() => parseProgramFile(bad, 'site.yml')).message).toMatch(/^site\.yml \(line 3\): not valid YAML/);
  });
});

describe('loadConfig', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tempConfig(text: string): { dir: string; file: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'carelog-config-'));
    dirs.push(dir);
    const file = path.join(dir, 'carelog.yml');
    writeFileSync(file, text);
    return { dir, file };
  }

  it('reads the file CARELOG_CONFIG names, without touching process.env', () => {
    const { dir, file } = tempConfig(programFile());
    const config = loadConfig({ NODE_ENV: 'test', CARELOG_CONFIG: file, CARELOG_DATA_DIR: path.join(dir, 'data') });
    expect(config.configFile).toBe(file);
    expect(config.programs.map((p) => p.id)).toEqual(['wilmington']);
    expect(config.production).toBe(false);
    expect(config.embeddedDatabase).toBe(true);
    expect(config.slackSimulated).toBe(true);
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.warnings).toEqual([]);
  });

  it('uses a real database and real Slack when they are configured', () => {
    const { file } = tempConfig(programFile());
    const config = loadConfig({
      CARELOG_CONFIG: file,
      DATABASE_URL: 'postgres://db/carelog',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'shh',
    });
    expect(config.embeddedDatabase).toBe(false);
    expect(config.slackSimulated).toBe(false);
  });

  it('gives src/main.ts the embedded database directory ahead of loading, as loadConfig later does', () => {
    const { dir, file } = tempConfig(programFile());
    for (const env of [
      { CARELOG_CONFIG: file },
      { CARELOG_CONFIG: file, CARELOG_DATA_DIR: path.join(dir, 'elsewhere') },
      { CARELOG_CONFIG: file, CARELOG_DATA_DIR: 'relative/data' },
      { CARELOG_CONFIG: file, CARELOG_DATA_DIR: '' },
      { CARELOG_CONFIG: file, DATABASE_URL: 'postgres://db/carelog' },
      { CARELOG_CONFIG: file, DATABASE_URL: 'postgres://db/carelog', CARELOG_DATA_DIR: path.join(dir, 'unused') },
    ]) {
      const config = loadConfig(env);
      expect(embeddedDataDirAhead(env), JSON.stringify(env)).toBe(config.embeddedDatabase ? config.dataDir : null);
    }
    expect(embeddedDataDirAhead({})).toBe(path.resolve('data'));
  });

  it('names a CARELOG_CONFIG file that does not exist', () => {
    const { dir } = tempConfig('');
    const missing = path.join(dir, 'nope.yml');
    const err = errorOf(() => loadConfig({ CARELOG_CONFIG: missing }));
    expect(err.message).toBe(`CARELOG_CONFIG: ${missing} does not exist`);
  });

  it('reports problems in the file under the file’s name', () => {
    const { file } = tempConfig(programFile('', { 'America/New_York': 'Mars/Olympus' }));
    expect(errorOf(() => loadConfig({ CARELOG_CONFIG: file })).message).toMatch(
      /^carelog\.yml is not valid:\n {2}programs\[0\]\.timezone: /,
    );
  });

  it('in production, requires the notes key and Slack credentials and names each', () => {
    const { file } = tempConfig(programFile());
    const err = errorOf(() => loadConfig({ NODE_ENV: 'production', CARELOG_CONFIG: file }));
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('CARELOG_ENCRYPTION_KEY: required in production');
    expect(err.message).toContain('SLACK_SIGNING_SECRET: required in production');
    expect(err.message).toContain('SLACK_BOT_TOKEN: required in production');

    const onlyKeyMissing = errorOf(() =>
      loadConfig({
        NODE_ENV: 'production',
        CARELOG_CONFIG: file,
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 'shh',
      }),
    );
    expect(onlyKeyMissing.message).toContain('CARELOG_ENCRYPTION_KEY');
    expect(onlyKeyMissing.message).not.toContain('SLACK_');

    const config = loadConfig({
      NODE_ENV: 'production',
      CARELOG_CONFIG: file,
      CARELOG_ENCRYPTION_KEY: KEY,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 'shh',
    });
    expect(config.production).toBe(true);
    expect(config.slackSimulated).toBe(false);
  });

  it('runs the Slack simulator on loopback only: HOST defaults to 127.0.0.1 there, and a network HOST is refused, naming what to set', () => {
    const { file } = tempConfig(programFile());
    expect(loadConfig({ CARELOG_CONFIG: file }).env.HOST).toBe('127.0.0.1');
    expect(loadConfig({ CARELOG_CONFIG: file, HOST: '' }).env.HOST).toBe('127.0.0.1');
    for (const host of ['127.0.0.1', '127.0.1.1', '::1', '[::1]', 'localhost'])
      expect(loadConfig({ CARELOG_CONFIG: file, HOST: host }).env.HOST).toBe(host);
    for (const host of ['0.0.0.0', '::', '192.168.1.20', '10.0.0.5', 'fe80::1', 'carelog.lan']) {
      const err = errorOf(() => loadConfig({ CARELOG_CONFIG: file, HOST: host }));
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain(`HOST: ${host} listens beyond this machine, but SLACK_BOT_TOKEN is not set`);
      expect(err.message).toMatch(
        /set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET of a real Slack app, or HOST=127\.0\.0\.1/,
      );
    }
    // With a real Slack app, any HOST (the Docker image sets 0.0.0.0), and the default stays 0.0.0.0.
    const real = { CARELOG_CONFIG: file, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'shh' };
    expect(loadConfig({ ...real, HOST: '0.0.0.0' }).env.HOST).toBe('0.0.0.0');
    expect(loadConfig(real).env.HOST).toBe('0.0.0.0');
    expect(loadConfig({ NODE_ENV: 'production', CARELOG_ENCRYPTION_KEY: KEY, ...real, HOST: '0.0.0.0' }).env.HOST).toBe(
      '0.0.0.0',
    );
  });

  it('knows a loopback host from one reachable over a network', () => {
    expect(
      ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::1]', 'LOCALHOST'].filter(
        (h) => !isLoopbackHost(h),
      ),
    ).toEqual([]);
    expect(
      ['0.0.0.0', '::', '', '192.168.0.1', '::ffff:10.0.0.1', 'localhost.example.org', 'fe80::1'].filter(
        isLoopbackHost,
      ),
    ).toEqual([]);
  });

  it('requires a signing secret with a bot token, unless Socket Mode is on', () => {
    const { file } = tempConfig(programFile());
    expect(errorOf(() => loadConfig({ CARELOG_CONFIG: file, SLACK_BOT_TOKEN: 'xoxb-1' })).message).toMatch(
      /SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN unless SLACK_APP_TOKEN/,
    );
    expect(
      loadConfig({ CARELOG_CONFIG: file, SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slackSimulated,
    ).toBe(false);
  });
});
