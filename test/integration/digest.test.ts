// The quarterly digest reproduces the program's published progress report, to the unit, from
// contacts logged at the awkward edges of quarters in the program's time zone.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { fromLocal } from '../../src/domain/time.js';
import { computeDigest } from '../../src/services/digest.js';
import { syncPrograms } from '../../src/services/directory.js';
import { openMigratedTestDatabase } from '../support/postgres.js';
import { seedProgressReport } from '../support/progress-report.js';

const PROGRAM_YAML = `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
`;
const [program] = parseProgramFile(PROGRAM_YAML, 'test.yml');

let env: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
beforeAll(async () => {
  env = await openMigratedTestDatabase();
  const directory = await syncPrograms(env.db, [program!]);
  await seedProgressReport(env.db.prisma, program!.id, directory.member('wilmington', 'slack', 'U0CLIN1')!.memberId);
});
afterAll(async () => {
  await env?.cleanup();
});

const period = (label: string) => parsePeriod(label, undefined, program!.timezone, program!.startDate)!;

describe('quarterly digest on the progress report dataset', () => {
  it('gives the July–September 2024 figures of the report', async () => {
    const d = await computeDigest(env.db.prisma, program!, period('2024-Q3'));
    expect(d.period).toMatchObject({ label: '2024-Q3', start: '2024-07-01', end: '2024-10-01' });
    expect(d.servedSinceInception).toBe(207);
    expect(d.newClientsByQuarter.map((q) => [q.label, q.name, q.count])).toEqual([
      ['2024-Q1', 'Mar 2024 (partial quarter)', 5],
      ['2024-Q2', 'Apr–Jun 2024', 87],
      ['2024-Q3', 'Jul–Sep 2024', 115],
    ]);
    expect(d.newClientsChangePct).toBe(32);
    expect(d.clientsServed).toBe(128);
    expect(d.newClients).toBe(115);
    expect(d.continuingClients).toBe(13);
    expect(d.newClientsBySex).toEqual({ male: 55, female: 60, another: 0, not_reported: 0 });
    expect(d.newClientsByAgeBand).toEqual({
      '0-12': 2,
      '13-17': 9,
      '18-24': 14,
      '25-59': 68,
      '60+': 18,
      not_reported: 4,
    });
  });

  it('gives the October–December 2024 figures of the report', async () => {
    const d = await computeDigest(env.db.prisma, program!, period('2024-Q4'));
    expect([d.clientsServed, d.newClients, d.continuingClients, d.servedSinceInception]).toEqual([117, 108, 9, 315]);
    expect(d.newClientsChangePct).toBe(-6);
  });

  it('counts the partial first quarter from the program start, and no change against nothing', async () => {
    const d = await computeDigest(env.db.prisma, program!, period('2024-Q1'));
    expect(d.period).toMatchObject({ start: '2024-03-01', partial: true });
    expect([d.clientsServed, d.newClients, d.servedSinceInception]).toEqual([5, 5, 5]);
    expect(d.newClientsChangePct).toBeNull();
  });

  it('counts contacts, services on contacts, referrals and sources over the quarter', async () => {
    const d = await computeDigest(env.db.prisma, program!, period('2024-Q3'));
    // 115 first contacts + 13 returning + 10 repeat visits.
    expect(d.contacts).toBe(138);
    expect(Object.values(d.contactsBySource).reduce((a, b) => a + b, 0)).toBe(138);
    expect(d.servicesProvided.crisis_services).toBe(138);
    expect(d.servicesProvided.de_escalation).toBeGreaterThan(0);
    expect(d.servicesProvided.de_escalation).toBeLessThan(138);
    expect(d.dispositions.resolved_on_scene).toBe(138);
    expect(Object.keys(d.referralsMade)).toEqual(program!.categories.referrals.map((c) => c.key));
  });
});

describe('repeat-contact clients and clients served at the edges of a quarter', () => {
  // Q4 2024 starts 2024-10-01 00:00 New York time.
  const start = fromLocal('2024-10-01', '00:00', program!.timezone).getTime();
  const day = 86_400_000;
  const clients: Record<string, number[]> = {
    thirdInQuarter: [-20 * day, -10 * day, 5 * day], // counted: the first two fall before the quarter
    allBefore: [-25 * day, -20 * day, -15 * day], // not served in Q4, not counted
    spreadOut: [day, 40 * day, 80 * day],
    justOver: [day, 31 * day + 3_600_000, 32 * day], // third 31 days after the first
    sameInstant: [50 * day, 50 * day, 50 * day], // three at once: counted
    earlyPair: [-40 * day, -35 * day, day],
    exactly30: [day, 15 * day, 31 * day], // third exactly 30 days after the first: counted
  };

  it('counts a client whose third contact within 30 days falls in the quarter, once', async () => {
    const directory = await syncPrograms(env.db, [program!, { ...program!, id: 'edges', name: 'Edges' }]);
    const author = directory.member('edges', 'slack', 'U0CLIN1')!.memberId;
    let number = 0;
    for (const [i, offsets] of Object.values(clients).entries()) {
      const client = await env.db.prisma.client.create({
        data: {
          programId: 'edges',
          number: i + 1,
          code: `EDG-${i + 1}`,
          sex: 'male',
          ageBand: '25-59',
          firstContactAt: new Date(start + Math.min(...offsets)),
        },
      });
      await env.db.prisma.contact.createMany({
        data: offsets.map((o) => ({
          programId: 'edges',
          number: ++number,
          clientId: client.id,
          occurredAt: new Date(start + o),
          authorId: author,
          source: 'call_for_service',
          services: ['crisis_services'],
          referrals: [],
          disposition: 'resolved_on_scene',
          idempotencyKey: `edges:${number}`,
        })),
      });
    }
    const d = await computeDigest(env.db.prisma, { ...program!, id: 'edges' }, period('2024-Q4'));
    expect(d.repeatContactClients).toBe(3);
    expect(d.clientsServed).toBe(6);
    expect(d.contacts).toBe(1 + 3 + 3 + 3 + 1 + 3);
    expect(d.newClients).toBe(4); // spreadOut, justOver, sameInstant, exactly30
    expect(d.continuingClients).toBe(2); // thirdInQuarter, earlyPair
  });
});

describe('follow-ups in the digest', () => {
  it('counts those completed in the quarter, and those overdue at its end (pending then, past the overdue point)', async () => {
    const directory = await syncPrograms(env.db, [program!, { ...program!, id: 'fu', name: 'Follow-ups' }]);
    const author = directory.member('fu', 'slack', 'U0CLIN1')!.memberId;
    const tz = program!.timezone;
    const client = await env.db.prisma.client.create({
      data: {
        programId: 'fu',
        number: 1,
        code: 'FU-1',
        sex: 'male',
        ageBand: '25-59',
        firstContactAt: fromLocal('2024-09-01', '10:00', tz),
      },
    });
    let number = 0;
    const followUp = async (
      contactDate: string,
      dueDate: string,
      state: { status?: 'pending' | 'done' | 'cancelled'; completed?: string } = {},
    ) => {
      const contact = await env.db.prisma.contact.create({
        data: {
          programId: 'fu',
          number: ++number,
          clientId: client.id,
          occurredAt: fromLocal(contactDate, '10:00', tz),
          authorId: author,
          source: 'call_for_service',
          services: [],
          referrals: [],
          disposition: 'resolved_on_scene',
          idempotencyKey: `fu:${number}`,
        },
      });
      await env.db.prisma.followUp.create({
        data: {
          programId: 'fu',
          clientId: client.id,
          originContactId: contact.id,
          dueAt: fromLocal(dueDate, '09:00', tz),
          status: state.status ?? 'pending',
          ...(state.completed ? { completedAt: fromLocal(state.completed, '12:00', tz) } : {}),
        },
      });
    };
    // Q3 2024 ends Tue 1 Oct 00:00 New York; two working days: due Thu 26 Sep is overdue from Mon 30 Sep 09:00.
    await followUp('2024-09-01', '2024-09-26'); // overdue
    await followUp('2024-09-01', '2024-09-27'); // overdue only on Tue 1 Oct 09:00: not at the end
    await followUp('2024-09-01', '2024-09-20', { status: 'done', completed: '2024-10-04' }); // still pending at the end: overdue
    await followUp('2024-09-01', '2024-09-20', { status: 'done', completed: '2024-09-25' }); // completed in the quarter
    await followUp('2024-10-03', '2024-09-20'); // asked for after the quarter
    await followUp('2024-09-01', '2024-09-20', { status: 'cancelled' });
    const d = await computeDigest(env.db.prisma, { ...program!, id: 'fu' }, period('2024-Q3'));
    expect([d.followUpsCompleted, d.followUpsOverdue]).toEqual([1, 2]);
    // A quarter later they are all behind it: the one met on 4 Oct was completed in Q4.
    const q4 = await computeDigest(env.db.prisma, { ...program!, id: 'fu' }, period('2024-Q4'));
    expect([q4.followUpsCompleted, q4.followUpsOverdue]).toEqual([1, 3]);
  });
});

describe('npm run carelog -- digest', () => {
  const exec = promisify(execFile);
  let dir: string;
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'digest', '--program', 'wilmington', ...args], {
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
    dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-digest-cli-'));
    writeFileSync(path.join(dir, 'carelog.yml'), PROGRAM_YAML);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('with --json writes only the figures to stdout, under the documented keys', async () => {
    const { stdout } = await cli('--period', '2024-Q3', '--json');
    const json = JSON.parse(stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'period',
      'clientsServed',
      'newClients',
      'continuingClients',
      'servedSinceInception',
      'newClientsByQuarter',
      'previousNewClients',
      'newClientsChangePct',
      'newClientsBySex',
      'newClientsByAgeBand',
      'contacts',
      'contactsBySource',
      'servicesProvided',
      'referralsMade',
      'dispositions',
      'repeatContactClients',
      'followUpsCompleted',
      'followUpsOverdue',
      'referralLinkage',
      'referralsConnectedInPeriod',
      'medianDaysToConnection',
      'onScene',
      'transportDestinations',
      'minutesOnScene',
      'followUpTimeliness',
    ]);
    expect(json).toMatchObject({
      period: {
        kind: 'quarter',
        label: '2024-Q3',
        name: 'Jul–Sep 2024',
        start: '2024-07-01',
        end: '2024-10-01',
        partial: false,
      },
      clientsServed: 128,
      newClients: 115,
      continuingClients: 13,
      servedSinceInception: 207,
      newClientsChangePct: 32,
      newClientsBySex: { male: 55, female: 60, another: 0, not_reported: 0 },
    });
    expect((json.newClientsByQuarter as { label: string; count: number }[]).map((q) => [q.label, q.count])).toEqual([
      ['2024-Q1', 5],
      ['2024-Q2', 87],
      ['2024-Q3', 115],
    ]);
    expect(Object.keys(json.referralsMade as object)).toEqual(program!.categories.referrals.map((c) => c.key));
  });

  it('reads an ISO week, and prints the digest as text without --json', async () => {
    const week = JSON.parse((await cli('--period', '2024-W40', '--json')).stdout) as {
      period: unknown;
      newClientsByQuarter: unknown[];
    };
    expect(week.period).toEqual({
      kind: 'week',
      label: '2024-W40',
      name: 'week of Sep 30, 2024',
      start: '2024-09-30',
      end: '2024-10-07',
      partial: false,
    });
    expect(week.newClientsByQuarter).toEqual([]);
    const text = await cli('--period', '2024-Q3');
    expect(text.stdout).toContain('128 people served, 115 of them new — up 32 % on last quarter');
  });
});
