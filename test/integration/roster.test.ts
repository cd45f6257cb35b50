// The roster in Postgres, seeded by carelog.yml: what a start adds, follows and leaves alone, and
// how a process's copy follows the database (polled versions; nobody let in once unconfirmed).
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { ROSTER_MAX_STALE_MS } from '../../src/domain/roster.js';
import { createLogger } from '../../src/logger.js';
import { bumpRosterVersion, createDirectory, syncPrograms, watchRoster } from '../../src/services/directory.js';
import { readRoster } from '../../src/services/roster.js';
import { waitUntil } from '../support/followups.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const yaml = (roster: string) =>
  parseProgramFile(
    `programs:
  - id: seeded
    name: Seeded
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: SEE
    roster:
${roster}
`,
    'roster.yml',
  );

const FIRST = yaml(`      - { slack: U0AAA01, roles: [clinician] }
      - { slack: U0BBB01, roles: [case_manager] }
      - { slack: U0CCC01, roles: [admin] }
      - { slack: U0DDD01, roles: [clinician] }`);

let env: { db: Database; cleanup(): Promise<void> };
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
    const directory = await syncPrograms(prisma(), FIRST);
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
    const again = await syncPrograms(prisma(), FIRST);
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
    const next = yaml(`      - { slack: U0AAA01, roles: [clinician] }
      - { slack: U0BBB01, roles: [case_manager] }
      - { slack: U0DDD01, roles: [clinician, admin] }
      - { slack: U0EEE01, roles: [leadership] }`);
    const directory = await syncPrograms(prisma(), next);
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
    const directory = await syncPrograms(prisma(), FIRST);
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
