// The roster in Postgres, seeded by carelog.yml: what a start adds, follows and leaves alone, and
// how a process's copy follows the database (polled versions; nobody let in once unconfirmed).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { ROSTER_MAX_STALE_MS } from '../../src/domain/roster.js';
import { createLogger } from '../../src/logger.js';
import { bumpRosterVersion, createDirectory, syncPrograms, watchRoster } from '../../src/services/directory.js';
import { readRoster } from '../../src/services/roster.js';
import { waitUntil } from '../support/followups.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const yamlText = (roster: string) => `programs:
  - id: seeded
    name: Seeded
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SEE
    roster:
${roster}
`;
const yaml = (roster: string) => parseProgramFile(yamlText(roster), 'roster.yml');

const FIRST = yaml(`      - { slack: U0AAA01, roles: [clinician] }
      - { slack: U0BBB01, roles: [case_manager] }
      - { slack: U0CCC01, roles: [admin] }
      - { slack: U0DDD01, roles: [clinician] }`);

// The file after an admin's changes in chat: U0CCC01 dropped, U0DDD01 given admin, U0EEE01 added.
const NEXT = `      - { slack: U0AAA01, roles: [clinician] }
      - { slack: U0BBB01, roles: [case_manager] }
      - { slack: U0DDD01, roles: [clinician, admin] }
      - { slack: U0EEE01, roles: [leadership] }`;

let env: { db: Database; url: string; cleanup(): Promise<void> };
beforeAll(async () => {
  env = await openMigratedTestDatabase();
}, 60_000);
afterAll(async () => {
  await env?.cleanup();
});

const prisma = () => env.db.prisma;
const row = (id: string) => prisma().member.findFirstOrThrow({ where: { platformUserId: id } });

describe('carelog.yml seeds the roster', () => {
  it('adds the entries not yet known, each audited as added by configuration', async () => {
    const directory = await syncPrograms(env.db, FIRST);
    expect(directory.membersOf('seeded').map((m) => m.platformUserId)).toEqual([
      'U0AAA01',
      'U0BBB01',
      'U0CCC01',
      'U0DDD01',
    ]);
    const adds = await prisma().auditEvent.findMany({ where: { action: 'roster.add' } });
    expect(adds).toHaveLength(4);
    expect(adds.every((a) => a.actorId === null)).toBe(true);
    expect(adds.map((a) => a.details)).toContainEqual({
      by: 'configuration',
      platform: 'slack',
      userId: 'U0BBB01',
      rolesBefore: [],
      rolesAfter: ['case_manager'],
    });
    // A second start with the same file changes and audits nothing.
    const version = directory.rosterVersion('seeded');
    const again = await syncPrograms(env.db, FIRST);
    expect(again.rosterVersion('seeded')).toBe(version);
    expect(await prisma().auditEvent.count({ where: { action: { startsWith: 'roster.' } } })).toBe(4);
  });

  it('never reverts a change made in chat; entries the file still decides follow it', async () => {
    // As an admin's deactivation and role change leave them (src/services/roster.ts).
    await prisma().member.update({
      where: { id: (await row('U0AAA01')).id },
      data: { active: false, roles: [], source: 'chat' },
    });
    await prisma().member.update({
      where: { id: (await row('U0BBB01')).id },
      data: { roles: ['case_manager', 'supervisor'], source: 'chat' },
    });
    // The file now gives U0DDD01 another role and drops U0CCC01's entry... but keeps an admin.
    const next = yaml(NEXT);
    const directory = await syncPrograms(env.db, next);
    expect(await row('U0AAA01')).toMatchObject({ active: false, source: 'chat' });
    expect(await row('U0BBB01')).toMatchObject({ active: true, roles: ['case_manager', 'supervisor'] });
    expect(await row('U0CCC01')).toMatchObject({ active: false, roles: [] });
    expect(await row('U0DDD01')).toMatchObject({ active: true, roles: ['clinician', 'admin'] });
    expect(directory.member('seeded', 'slack', 'U0AAA01')).toBeUndefined();
    expect(directory.member('seeded', 'slack', 'U0EEE01')?.roles).toEqual(['leadership']);
    const roster = await readRoster(prisma(), 'seeded', { includeInactive: true });
    expect(roster.members.filter((m) => m.active).map((m) => m.userId)).toEqual(['U0BBB01', 'U0DDD01', 'U0EEE01']);
  });
});

describe('a process’s copy of the roster', () => {
  it('follows a change made elsewhere within the poll interval', async () => {
    const directory = await syncPrograms(env.db, FIRST);
    const watch = watchRoster(directory, {
      pollMs: 100,
      logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })),
    });
    try {
      expect(directory.member('seeded', 'slack', 'U0DDD01')).toBeDefined();
      // Another replica deactivates U0DDD01: the row and the version, in one transaction.
      await prisma().$transaction(async (tx) => {
        await tx.member.update({ where: { id: (await row('U0DDD01')).id }, data: { active: false, source: 'chat' } });
        await bumpRosterVersion(tx, 'seeded');
      });
      await waitUntil(() => directory.member('seeded', 'slack', 'U0DDD01') === undefined, 10_000, 'the change seen');
    } finally {
      watch.stop();
    }
  });

  it('lets nobody in once it could not be confirmed for longer than the bound', () => {
    const [program] = FIRST;
    const member = {
      memberId: 'm1',
      programId: 'seeded',
      platform: 'slack' as const,
      platformUserId: 'U0X',
      roles: ['clinician' as const],
    };
    const directory = createDirectory([program!], [member]);
    directory.confirmedAt(performance.now(), ROSTER_MAX_STALE_MS);
    expect(directory.member('seeded', 'slack', 'U0X')).toBeDefined();
    directory.confirmedAt(performance.now() - ROSTER_MAX_STALE_MS - 1, ROSTER_MAX_STALE_MS);
    expect(directory.member('seeded', 'slack', 'U0X')).toBeUndefined();
    expect(directory.programForTeamsUser('anyone')).toBeUndefined();
  });
});

describe('npm run carelog -- roster', () => {
  const exec = promisify(execFile);
  let dir: string;
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'roster', ...args], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: env.url,
        CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
        CARELOG_DATA_DIR: path.join(dir, 'data'),
        LOG_LEVEL: 'silent',
      },
    });
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-roster-cli-'));
    // The same file as the last start above: the command's own start changes nothing.
    writeFileSync(path.join(dir, 'carelog.yml'), yamlText(NEXT));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the effective roster: who decided each entry, the deactivated only with --all', async () => {
    const { stdout } = await cli('--program', 'seeded');
    const lines = stdout.trim().split('\n');
    // As the tests above left it: U0DDD01 deactivated in chat by "another replica".
    expect(lines[0]).toMatch(/^seeded: roster version \d+, 2 active$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(0, 3))).toEqual([
      ['slack', 'U0BBB01', 'case_manager,supervisor'],
      ['slack', 'U0EEE01', 'leadership'],
    ]);
    expect(lines.find((l) => l.includes('U0BBB01'))).toContain('changed in chat');
    expect(lines.find((l) => l.includes('U0EEE01'))).toContain('from carelog.yml');

    const all = (await cli('--program', 'seeded', '--all')).stdout;
    expect(all).toMatch(/U0AAA01\s+\(deactivated\)\s+changed in chat/);
    expect(all).toMatch(/U0CCC01\s+\(deactivated\)\s+from carelog.yml/);
    expect(all).toMatch(/U0DDD01\s+\(deactivated\)\s+changed in chat/);
  });

  it('with --json writes the roster as data', async () => {
    const json = JSON.parse((await cli('--program', 'seeded', '--json')).stdout) as {
      programId: string;
      version: number;
      members: { userId: string; active: boolean; source: string }[];
    };
    expect(json.programId).toBe('seeded');
    expect(json.members.map((m) => [m.userId, m.source])).toEqual([
      ['U0BBB01', 'chat'],
      ['U0EEE01', 'config'],
    ]);
  });

  it('names the programs it knows when asked for another', async () => {
    const err = await cli('--program', 'nowhere').catch((e: unknown) => e as { code: number; stderr: string });
    expect(err).toMatchObject({ code: expect.any(Number) });
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toContain('no program "nowhere"');
    expect((err as { stderr: string }).stderr).toContain('known: seeded');
  });
});
