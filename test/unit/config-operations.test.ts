// src/config.ts, the production settings: the operator endpoints' variables and a program's notes
// retention, each refused with a message naming it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseEnv, parseProgramFile } from '../../src/config.js';
import { isCarelogError } from '../../src/errors.js';

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (isCarelogError(err)) return err;
    throw err;
  }
  throw new Error('expected a CarelogError, nothing was thrown');
}

const program = (extra = '') => `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
${extra}`;

const dir = mkdtempSync(path.join(tmpdir(), 'carelog-config-ops-'));
const file = path.join(dir, 'carelog.yml');
writeFileSync(file, program());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('operator variables', () => {
  it('leaves the dashboard, the metrics token and the worker port off by default, and treats NAME= as unset', () => {
    for (const env of [
      parseEnv({}),
      parseEnv({
        CARELOG_ADMIN_USER: '',
        CARELOG_ADMIN_PASSWORD: '',
        CARELOG_METRICS_TOKEN: '',
        CARELOG_WORKER_PORT: '',
      }),
    ]) {
      expect(env.CARELOG_ADMIN_USER).toBeUndefined();
      expect(env.CARELOG_ADMIN_PASSWORD).toBeUndefined();
      expect(env.CARELOG_METRICS_TOKEN).toBeUndefined();
      expect(env.CARELOG_WORKER_PORT).toBeUndefined();
    }
    expect(parseEnv({ CARELOG_WORKER_PORT: '3001' }).CARELOG_WORKER_PORT).toBe(3001);
  });

  it('names each bad value without echoing it', () => {
    const err = errorOf(() =>
      parseEnv({
        CARELOG_METRICS_TOKEN: 'short-secret',
        CARELOG_ADMIN_PASSWORD: 'hunter2',
        CARELOG_ADMIN_USER: 'a:b',
        CARELOG_WORKER_PORT: '70000',
      }),
    );
    expect(err.message).toContain('CARELOG_METRICS_TOKEN: must be at least 16 characters');
    expect(err.message).toContain('CARELOG_ADMIN_PASSWORD: must be at least 12 characters');
    expect(err.message).toContain('CARELOG_ADMIN_USER: must be 1-64 characters, without spaces or ":"');
    expect(err.message).toContain('CARELOG_WORKER_PORT: must be a port number');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('short-secret');
  });

  it('wants both admin credentials or neither', () => {
    const err = errorOf(() => loadConfig({ CARELOG_CONFIG: file, CARELOG_ADMIN_USER: 'ops' }));
    expect(err.message).toContain(
      'CARELOG_ADMIN_USER, CARELOG_ADMIN_PASSWORD: set both to turn the queue dashboard on, or neither',
    );
    expect(
      loadConfig({ CARELOG_CONFIG: file, CARELOG_ADMIN_USER: 'ops', CARELOG_ADMIN_PASSWORD: 'correct horse battery' })
        .env.CARELOG_ADMIN_USER,
    ).toBe('ops');
  });

  it('trusts no proxy by default; takes a hop count or a list of addresses, as express does; refuses true and bad addresses', () => {
    for (const v of [undefined, '', 'false'])
      expect(parseEnv({ CARELOG_TRUST_PROXY: v }).CARELOG_TRUST_PROXY).toBe(false);
    expect(parseEnv({ CARELOG_TRUST_PROXY: '1' }).CARELOG_TRUST_PROXY).toBe(1);
    expect(parseEnv({ CARELOG_TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).CARELOG_TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::1',
    ]);
    expect(errorOf(() => parseEnv({ CARELOG_TRUST_PROXY: 'true' })).message).toMatch(
      /CARELOG_TRUST_PROXY: true would believe any client's X-Forwarded-\* headers: name the proxy instead, as a hop count/,
    );
    for (const bad of ['caddy', '10.0.0.0/33', 'loopback,']) {
      expect(errorOf(() => parseEnv({ CARELOG_TRUST_PROXY: bad })).message, bad).toMatch(
        /CARELOG_TRUST_PROXY: invalid .*; give a hop count/,
      );
    }
  });
});

describe('retention in carelog.yml', () => {
  it('is unset by default and read when given', () => {
    expect(parseProgramFile(program(), 'carelog.yml')[0]!.retention).toBeUndefined();
    expect(parseProgramFile(program('    retention: { notesDays: 365 }\n'), 'carelog.yml')[0]!.retention).toEqual({
      notesDays: 365,
    });
  });

  it('refuses a bad value or an unknown key, naming the key path', () => {
    const cases: [string, string][] = [
      ['    retention: { notesDays: 0 }\n', 'programs[0].retention.notesDays: must be at least 1 day'],
      ['    retention: { notesDays: 7.5 }\n', 'programs[0].retention.notesDays: must be a whole number of days'],
      [
        '    retention: { notesDays: "a year" }\n',
        'programs[0].retention.notesDays: must be a number of days, such as 365',
      ],
      ['    retention: { notesDays: 40000 }\n', 'programs[0].retention.notesDays: must be at most 36500 days'],
      ['    retention: { noteDays: 30 }\n', 'programs[0].retention'],
    ];
    for (const [yaml, message] of cases) {
      const err = errorOf(() => parseProgramFile(program(yaml), 'carelog.yml'));
      expect(err.message, yaml).toContain(message);
    }
    expect(
      errorOf(() => parseProgramFile(program('    retention: { noteDays: 30 }\n'), 'carelog.yml')).message,
    ).toMatch(/noteDays/);
  });
});
