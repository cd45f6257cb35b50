// The linkage and outcome figures of the digest (referral linkage at the period's end, connections
// and their median, on-scene items, transport destinations, minutes on scene, follow-up timeliness
// and the optional demographics) against counts worked out by hand, on real Postgres, from rows
// placed at the edges of periods in the program's time zone.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { fromLocal } from '../../src/domain/time.js';
import { computeDigest } from '../../src/services/digest.js';
import { syncPrograms } from '../../src/services/directory.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const TZ = 'America/New_York';
const yaml = (id: string, extra = '') => `programs:
  - id: ${id}
    name: ${id}
    timezone: ${TZ}
    startDate: 2024-03-01
    clientCodePrefix: ${id.toUpperCase()}
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
${extra}`;
const [linkProgram] = parseProgramFile(yaml('link'), 'test.yml') as [ProgramConfig];
const [demoProgram] = parseProgramFile(
  yaml('demo', '    demographics: { raceEthnicity: true, veteran: true }\n'),
  'test.yml',
) as [ProgramConfig];

let env: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
let prisma: PrismaClient;
let author: string;
beforeAll(async () => {
  env = await openMigratedTestDatabase();
  prisma = env.db.prisma;
  const directory = await syncPrograms(env.db, [linkProgram, demoProgram]);
  author = directory.member('link', 'slack', 'U0CLIN1')!.memberId;
  await seedLink();
});
afterAll(async () => {
  await env?.cleanup();
});

const at = (date: string, time = '10:00') => fromLocal(date, time, TZ);
const period = (p: ProgramConfig, label: string) => parsePeriod(label, undefined, p.timezone, p.startDate)!;

let contactNumber = 0;
async function client(programId: string, number: number, first: Date, extra: Record<string, unknown> = {}) {
  return prisma.client.create({
    data: {
      programId,
      number,
      code: `${programId.toUpperCase()}-${number}`,
      sex: 'female',
      ageBand: '25-59',
      firstContactAt: first,
      ...extra,
    },
  });
}
async function contact(
  clientId: string,
  occurredAt: Date,
  extra: {
    referrals?: string[];
    onScene?: string[];
    disposition?: string;
    transportDestination?: string;
    minutesOnScene?: number;
  } = {},
) {
  const n = ++contactNumber;
  return prisma.contact.create({
    data: {
      programId: 'link',
      number: n,
      clientId,
      occurredAt,
      authorId: author,
      source: 'call_for_service',
      services: ['crisis_services'],
      referrals: extra.referrals ?? [],
      disposition: extra.disposition ?? 'resolved_on_scene',
      onScene: extra.onScene ?? [],
      transportDestination: extra.transportDestination ?? null,
      minutesOnScene: extra.minutesOnScene ?? null,
      idempotencyKey: `link:${n}`,
    },
  });
}
type Outcome = {
  status: 'made' | 'connected' | 'declined' | 'unreachable' | 'unknown';
  connectedOn?: string;
  closedAt?: Date;
};
/** A contact with referrals, and the Referral rows the write path would make for them. */
async function referred(clientId: string, occurredAt: Date, outcomes: Record<string, Outcome>, extra = {}) {
  const c = await contact(clientId, occurredAt, { referrals: Object.keys(outcomes), ...extra });
  for (const [category, o] of Object.entries(outcomes))
    await prisma.referral.create({
      data: {
        programId: 'link',
        clientId,
        contactId: c.id,
        category,
        madeAt: occurredAt,
        status: o.status,
        connectedOn: o.connectedOn ? new Date(`${o.connectedOn}T00:00:00Z`) : null,
        closedAt: o.closedAt ?? null,
      },
    });
  return c;
}
async function followUp(
  clientId: string,
  origin: { id: string },
  state: { metBy?: Date; status?: 'pending' | 'done' | 'unreachable'; attempts?: number; completedAt?: Date } = {},
) {
  // The write paths ask for a follow-up on a contact with "follow-up wanted" ticked, and only then.
  await prisma.contact.update({ where: { id: origin.id }, data: { followUpWanted: true } });
  const met = state.metBy ? await contact(clientId, state.metBy) : null;
  await prisma.followUp.create({
    data: {
      programId: 'link',
      clientId,
      originContactId: origin.id,
      dueAt: at('2024-12-31'),
      status: state.status ?? (met ? 'done' : 'pending'),
      metByContactId: met?.id ?? null,
      completedAt: met ? state.metBy : (state.completedAt ?? null),
      attempts: state.attempts ?? 0,
    },
  });
}

// Q3 2024 is 1 Jul 00:00 – 1 Oct 00:00 New York time; week 2024-W40 is 30 Sep – 7 Oct.
async function seedLink() {
  const cl = await client('link', 1, at('2024-06-28'));
  // Made in Q2, connected in Q3: counts among Q3's connections (5 days), not its referrals made.
  await referred(cl.id, at('2024-06-28'), {
    mental_health_treatment: { status: 'connected', connectedOn: '2024-07-03', closedAt: at('2024-07-03', '12:00') },
  });
  const a = await referred(
    cl.id,
    at('2024-07-10'),
    {
      // Connected 5 days later.
      mental_health_treatment: { status: 'connected', connectedOn: '2024-07-15', closedAt: at('2024-07-16') },
      // Connected only after the quarter: pending at its end; a Q4 connection 84 days on.
      addiction_treatment: { status: 'connected', connectedOn: '2024-10-02', closedAt: at('2024-10-02') },
      social_services: { status: 'declined', closedAt: at('2024-08-01') },
    },
    {
      onScene: ['police_backup_requested', 'arrest_avoided'],
      disposition: 'voluntary_transport',
      transportDestination: 'crisis_center',
      minutesOnScene: 30,
    },
  );
  // 23:30 on the quarter's last day (03:30 UTC on 1 October).
  const b = await referred(
    cl.id,
    at('2024-09-30', '23:30'),
    {
      // Dated on the last day, recorded the next morning: connected at the end, after 0 days.
      mental_health_treatment: { status: 'connected', connectedOn: '2024-09-30', closedAt: at('2024-10-01') },
      // Closed unreachable the morning after: pending at the quarter's end, not at the week's.
      other: { status: 'unreachable', closedAt: at('2024-10-01', '09:00') },
    },
    {
      onScene: ['use_of_force', 'injury', 'use_of_force'],
      disposition: 'involuntary_commitment',
      transportDestination: 'emergency_department',
      minutesOnScene: 45,
    },
  );
  const e = await referred(cl.id, at('2024-08-15'), {
    youth_response_unit: { status: 'made' },
    // Checks ran out, with no date recorded: counts as unknown.
    other: { status: 'unknown' },
  });
  await contact(cl.id, at('2024-09-01'), {
    onScene: ['arrest_avoided', 'ed_avoided'],
    disposition: 'voluntary_transport',
    transportDestination: 'emergency_department',
    minutesOnScene: 120,
  });
  await contact(cl.id, at('2024-07-20'), { minutesOnScene: 7 });
  // Outside the quarter on either side.
  await contact(cl.id, at('2024-06-30', '23:30'), { onScene: ['injury'], minutesOnScene: 500 });
  const d = await referred(
    cl.id,
    at('2024-10-01', '00:15'),
    { victim_services_unit: { status: 'unknown', closedAt: at('2024-10-20') } },
    { onScene: ['use_of_force'], minutesOnScene: 1 },
  );
  await referred(cl.id, at('2024-10-05'), {
    mental_health_treatment: { status: 'connected', connectedOn: '2024-10-06', closedAt: at('2024-10-06') },
  });

  // Follow-ups asked for on Q3 contacts.
  await followUp(cl.id, a, { metBy: at('2024-07-12') }); // exactly 48 hours: both
  await followUp(cl.id, await contact(cl.id, at('2024-07-20', '10:00')), {
    metBy: new Date(at('2024-07-22').getTime() + 60_000), // 48 h and a minute: 7 days only
    attempts: 1,
  });
  await followUp(cl.id, await contact(cl.id, at('2024-08-01')), { metBy: at('2024-08-08') }); // exactly 7 days
  await followUp(cl.id, await contact(cl.id, at('2024-08-10')), {
    metBy: new Date(at('2024-08-17').getTime() + 60_000), // 7 days and a minute: neither
  });
  await followUp(cl.id, await contact(cl.id, at('2024-09-30', '20:00')), { metBy: at('2024-10-01', '09:00') }); // met after the quarter, 13 hours on
  await followUp(cl.id, await contact(cl.id, at('2024-08-20')), { status: 'unreachable', attempts: 3 });
  await followUp(cl.id, await contact(cl.id, at('2024-08-21')), { attempts: 1 });
  // Marked Done with no contact: asked for, not met by a logged contact.
  await followUp(cl.id, e, { status: 'done', completedAt: at('2024-08-16') });
  // Asked for outside the quarter.
  await followUp(cl.id, await contact(cl.id, at('2024-06-29')), { metBy: at('2024-06-30') });
  await followUp(cl.id, d, { attempts: 2 });
  void b;
}

const row = (made: number, connected: number, declined: number, unreachable: number, unknown: number) => ({
  made,
  connected,
  declined,
  unreachable,
  unknown,
  pending: made - connected - declined - unreachable - unknown,
});

describe('referral linkage', () => {
  it('counts the quarter’s referrals by status as recorded at its end', async () => {
    const d = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q3'));
    expect(d.referralLinkage).toEqual({
      mental_health_treatment: row(2, 2, 0, 0, 0),
      addiction_treatment: row(1, 0, 0, 0, 0), // connected on 2 October: pending at the end
      social_services: row(1, 0, 1, 0, 0),
      victim_services_unit: row(0, 0, 0, 0, 0),
      youth_response_unit: row(1, 0, 0, 0, 0),
      other: row(2, 0, 0, 0, 1), // closed unreachable on 1 October: pending at the end
      total: row(7, 2, 1, 0, 1),
    });
    // One referral record per referral category on a contact: "made" is the contacts table's count.
    for (const [k, v] of Object.entries(d.referralsMade)) expect(d.referralLinkage[k]!.made).toBe(v);
  });

  it('gives the same referral its later status in a period ending after it was closed', async () => {
    const d = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-W40'));
    expect(d.referralLinkage.other).toEqual(row(1, 0, 0, 1, 0));
    expect(d.referralLinkage.victim_services_unit).toEqual(row(1, 0, 0, 0, 0)); // unknown only from 20 October
    expect(d.referralLinkage.total).toEqual(row(4, 2, 0, 1, 0));
  });

  it('counts connections dated in the period whenever made, with the median days from the referral’s local date', async () => {
    const q3 = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q3'));
    // 3 July (made 28 June: 5 days), 15 July (5), 30 September (made 23:30 that day: 0).
    expect([q3.referralsConnectedInPeriod, q3.medianDaysToConnection]).toEqual([3, 5]);
    const q4 = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q4'));
    // 2 October (84 days) and 6 October (1 day): the median of an even count is the mean of the middle two.
    expect([q4.referralsConnectedInPeriod, q4.medianDaysToConnection]).toEqual([2, 42.5]);
    const w40 = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-W40'));
    expect([w40.referralsConnectedInPeriod, w40.medianDaysToConnection]).toEqual([3, 1]);
    const q1 = await computeDigest(prisma, linkProgram, period(linkProgram, '2025-Q1'));
    expect([q1.referralsConnectedInPeriod, q1.medianDaysToConnection]).toEqual([0, null]);
    expect(q1.referralLinkage.total).toEqual(row(0, 0, 0, 0, 0));
  });
});

describe('on scene', () => {
  it('counts contacts with each item ticked (once per contact), by destination, and minutes on scene', async () => {
    const d = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q3'));
    expect(d.onScene).toEqual({
      police_backup_requested: 1,
      use_of_force: 1,
      injury: 1,
      arrest_avoided: 2,
      ed_avoided: 1,
    });
    expect(d.transportDestinations).toEqual({
      emergency_department: 2,
      crisis_center: 1,
      detox: 0,
      shelter: 0,
      home: 0,
      other: 0,
    });
    // 7, 30, 45, 120: the median is 37.5; the 90th percentile lies 0.7 of the way from 45 to 120.
    expect(d.minutesOnScene).toEqual({ contactsWithTime: 4, median: 37.5, p90: 97.5 });
    const q1 = await computeDigest(prisma, linkProgram, period(linkProgram, '2025-Q1'));
    expect(q1.minutesOnScene).toEqual({ contactsWithTime: 0, median: null, p90: null });
  });
});

describe('follow-up timeliness', () => {
  it('counts follow-ups asked for in the quarter met within 48 hours and 7 days, inclusive, their attempts and those unreachable', async () => {
    const d = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q3'));
    expect(d.followUpTimeliness).toEqual({
      requested: 8,
      metWithin48h: 2, // exactly 48 hours; 13 hours (met after the quarter ended)
      metWithin7d: 4, // and 48 hours and a minute; exactly 7 days
      attempts: 5,
      unreachable: 1,
    });
    const q4 = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q4'));
    expect(q4.followUpTimeliness).toEqual({
      requested: 1,
      metWithin48h: 0,
      metWithin7d: 0,
      attempts: 2,
      unreachable: 0,
    });
  });
});

describe('demographics of new clients', () => {
  it('are left out when the program does not ask them', async () => {
    const d = await computeDigest(prisma, linkProgram, period(linkProgram, '2024-Q3'));
    expect(d).not.toHaveProperty('newClientsByRaceEthnicity');
    expect(d).not.toHaveProperty('newClientsByVeteranStatus');
  });

  it('count each new client once per race or ethnicity chosen, and by veteran status, when asked', async () => {
    await client('demo', 1, at('2024-06-30', '23:30'), { raceEthnicity: ['asian'], veteran: 'yes' }); // Q2
    await client('demo', 2, at('2024-07-01', '00:15'), {
      raceEthnicity: ['black_african_american', 'hispanic_latino'],
      veteran: 'yes',
    });
    await client('demo', 3, at('2024-08-01'), { raceEthnicity: ['white'], veteran: 'no' });
    await client('demo', 4, at('2024-08-02')); // not asked
    await client('demo', 5, at('2024-09-30', '23:30'), {
      raceEthnicity: ['black_african_american', 'black_african_american'],
      veteran: 'not_reported',
    });
    const d = await computeDigest(prisma, demoProgram, period(demoProgram, '2024-Q3'));
    expect(d.newClients).toBe(4); // first seen in the quarter, one of them not asked
    expect(d.newClientsByRaceEthnicity).toEqual({
      american_indian_alaska_native: 0,
      asian: 0,
      black_african_american: 2,
      hispanic_latino: 1,
      middle_eastern_north_african: 0,
      native_hawaiian_pacific_islander: 0,
      white: 1,
      not_reported: 0,
    });
    expect(d.newClientsByVeteranStatus).toEqual({ yes: 1, no: 1, not_reported: 1 });
  });
});

describe('npm run carelog -- digest --json', () => {
  it('writes the new figures under their documented keys', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-digest-outcomes-'));
    try {
      writeFileSync(path.join(dir, 'carelog.yml'), yaml('link'));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', 'digest', '--program', 'link', '--period', '2024-Q3', '--json'],
        {
          cwd: process.cwd(),
          env: {
            PATH: process.env.PATH,
            NODE_ENV: 'test',
            DATABASE_URL: env.url,
            CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
            CARELOG_DATA_DIR: path.join(dir, 'data'),
            LOG_LEVEL: 'silent',
          },
        },
      );
      const json = JSON.parse(stdout) as Record<string, unknown>;
      expect(json).toMatchObject({
        referralLinkage: { total: row(7, 2, 1, 0, 1), addiction_treatment: row(1, 0, 0, 0, 0) },
        referralsConnectedInPeriod: 3,
        medianDaysToConnection: 5,
        onScene: { arrest_avoided: 2, use_of_force: 1 },
        transportDestinations: { emergency_department: 2, crisis_center: 1 },
        minutesOnScene: { contactsWithTime: 4, median: 37.5, p90: 97.5 },
        followUpTimeliness: { requested: 8, metWithin48h: 2, metWithin7d: 4, attempts: 5, unreachable: 1 },
      });
      expect(json).not.toHaveProperty('newClientsByRaceEthnicity');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
