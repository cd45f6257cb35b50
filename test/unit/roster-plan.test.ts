// What carelog.yml asks of the database at start (planSeeding, planRoster): from the file and the
// rows stored, the changes seeding writes, in the order it writes them; none on the usual start.
import { describe, expect, it } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { planIsEmpty, planRoster, planSeeding, type MemberRow } from '../../src/services/directory.js';

const TEAMS = '00000000-0000-4000-8000-000000000001';

// carelog.yml as parsed (its defaults filled in); the variants below change its roster or name.
const [FILE] = parseProgramFile(
  `programs:
  - id: wil
    name: Wilmington
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: PIC
    roster: [{ slack: U0CLIN1, roles: [clinician] }, { slack: U0CASE1, teams: ${TEAMS}, name: Casey, roles: [case_manager] }]
`,
  'plan.yml',
) as [ProgramConfig];
const withRoster = (roster: ProgramConfig['roster']): ProgramConfig => ({ ...FILE, roster });

/** The program's row as stored when it matches FILE. */
const STORED = {
  name: 'Wilmington',
  timezone: 'America/New_York',
  startDate: '2024-01-01',
  clientCodePrefix: 'PIC',
  version: 3,
};

let next = 0;
const row = (platformUserId: string, roles: MemberRow['roles'], more: Partial<MemberRow> = {}): MemberRow => ({
  id: `m${++next}`,
  programId: 'wil',
  platform: 'slack',
  platformUserId,
  roles,
  active: true,
  source: 'config',
  ...more,
});

/** The rows seeding FILE leaves. */
const seeded = () => [
  row('U0CLIN1', ['clinician']),
  row('U0CASE1', ['case_manager']),
  row(TEAMS, ['case_manager'], { platform: 'teams' }),
];

describe('planSeeding', () => {
  it('asks nothing when the database holds what the file says (the usual start)', () => {
    const plan = planSeeding(FILE, STORED, seeded());
    expect(plan).toEqual({ program: false, rosterVersion: false, changes: [], warnings: [] });
    expect(planIsEmpty(plan)).toBe(true);
  });

  it('asks nothing when only a name changed: names are not kept in the database', () => {
    const renamed = withRoster(FILE.roster.map((e) => ({ ...e, name: `${e.name ?? 'Dr'} Jones` })));
    expect(planIsEmpty(planSeeding(renamed, STORED, seeded()))).toBe(true);
  });

  it('a new program: its row, its roster version and every entry added, Slack before Teams', () => {
    const plan = planSeeding(FILE, undefined, []);
    expect(plan.program).toBe(true);
    expect(plan.rosterVersion).toBe(true);
    expect(plan.changes).toEqual([
      { kind: 'add', platform: 'slack', platformUserId: 'U0CLIN1', roles: ['clinician'] },
      { kind: 'add', platform: 'slack', platformUserId: 'U0CASE1', roles: ['case_manager'] },
      { kind: 'add', platform: 'teams', platformUserId: TEAMS, roles: ['case_manager'] },
    ]);
    expect(planIsEmpty(plan)).toBe(false);
  });

  it('a program field changed, or a program seeded before roster versions were kept: the row or the version alone', () => {
    const renamed = planSeeding({ ...FILE, name: 'Wilmington Co-Response' }, STORED, seeded());
    expect(renamed).toMatchObject({ program: true, rosterVersion: false, changes: [] });
    expect(planIsEmpty(renamed)).toBe(false);
    for (const field of ['timezone', 'startDate', 'clientCodePrefix'] as const) {
      const changed = planSeeding(FILE, { ...STORED, [field]: 'other' }, seeded());
      expect(changed, field).toMatchObject({ program: true, rosterVersion: false, changes: [] });
    }
    const unversioned = planSeeding(FILE, { ...STORED, version: null }, seeded());
    expect(unversioned).toMatchObject({ program: false, rosterVersion: true, changes: [] });
    expect(planIsEmpty(unversioned)).toBe(false);
  });
});

describe('planRoster', () => {
  it('a person taken out of the file: each of their rows deactivated, after the entries, in the order stored', () => {
    const rows = seeded();
    const [, caseSlack, caseTeams] = rows;
    const plan = planRoster(withRoster([{ slack: 'U0CLIN1', roles: ['clinician'] }]), rows);
    expect(plan.changes).toEqual([
      { kind: 'deactivate', member: caseSlack },
      { kind: 'deactivate', member: caseTeams },
    ]);
  });

  it('a person whose Slack id changed: the new id added, the old row deactivated after it', () => {
    const rows = seeded();
    const plan = planRoster(
      withRoster([
        { slack: 'U0CLIN2', roles: ['clinician'] },
        { slack: 'U0CASE1', teams: TEAMS, roles: ['case_manager'] },
      ]),
      rows,
    );
    expect(plan.changes).toEqual([
      { kind: 'add', platform: 'slack', platformUserId: 'U0CLIN2', roles: ['clinician'] },
      { kind: 'deactivate', member: rows[0] },
    ]);
  });

  it('other roles, or back on the roster: changed to the file’s roles; new people added where the file lists them', () => {
    const rows = [row('U0CLIN1', ['clinician']), row('U0CASE1', [], { active: false })];
    const plan = planRoster(
      withRoster([
        { slack: 'U0NEW01', roles: ['leadership'] },
        { slack: 'U0CLIN1', roles: ['supervisor', 'clinician'] },
        { slack: 'U0CASE1', roles: ['case_manager'] },
      ]),
      rows,
    );
    expect(plan.changes).toEqual([
      { kind: 'add', platform: 'slack', platformUserId: 'U0NEW01', roles: ['leadership'] },
      { kind: 'change', member: rows[0], roles: ['clinician', 'supervisor'] },
      { kind: 'change', member: rows[1], roles: ['case_manager'] },
    ]);
  });

  it('the same roles in another order change nothing', () => {
    const rows = [row('U0CLIN1', ['supervisor', 'clinician'])];
    expect(planRoster(withRoster([{ slack: 'U0CLIN1', roles: ['clinician', 'supervisor'] }]), rows).changes).toEqual(
      [],
    );
  });

  it('leaves entries decided in chat as the admin left them', () => {
    const rows = [
      row('U0CLIN1', ['clinician', 'admin'], { source: 'chat' }),
      row('U0CASE1', [], { active: false, source: 'chat' }),
      row('U0CHAT1', ['clinician'], { source: 'chat' }),
    ];
    const plan = planRoster(
      withRoster([
        { slack: 'U0CLIN1', roles: ['clinician'] },
        { slack: 'U0CASE1', roles: ['case_manager'] },
      ]),
      rows,
    );
    expect(plan).toEqual({ changes: [], warnings: [] });
  });

  it('a Teams person on another program’s active roster is not added here, with a warning; an inactive one is no obstacle', () => {
    const file = withRoster([{ teams: TEAMS, roles: ['clinician'] }]);
    const elsewhere = row(TEAMS, ['clinician'], { platform: 'teams', programId: 'other' });
    expect(planRoster(file, [elsewhere])).toEqual({
      changes: [],
      warnings: [{ programId: 'wil', otherProgramId: 'other' }],
    });
    expect(planRoster(file, [{ ...elsewhere, active: false }])).toEqual({
      changes: [{ kind: 'add', platform: 'teams', platformUserId: TEAMS, roles: ['clinician'] }],
      warnings: [],
    });
    // Another program's rows count for nothing else: a Slack person there is added here too.
    const slackElsewhere = row('U0CLIN1', ['clinician'], { programId: 'other' });
    expect(planRoster(withRoster([{ slack: 'U0CLIN1', roles: ['clinician'] }]), [slackElsewhere]).changes).toEqual([
      { kind: 'add', platform: 'slack', platformUserId: 'U0CLIN1', roles: ['clinician'] },
    ]);
  });

  it('an empty roster deactivates every active row the file decided', () => {
    const rows = [...seeded(), row('U0GONE1', [], { active: false })];
    expect(planRoster(withRoster([]), rows).changes.map((c) => c.kind !== 'add' && c.member.platformUserId)).toEqual([
      'U0CLIN1',
      'U0CASE1',
      TEAMS,
    ]);
  });
});
