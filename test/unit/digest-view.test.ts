// The digest as people read it: the summary line, small-cell suppression (a small count shows as
// "<11", and a second cell is hidden wherever a figure shown elsewhere would give it away), and
// the Block Kit staying inside Slack's limits with every category and quarter a program can have.
import { describe, expect, it } from 'vitest';
import type { TCategory } from '../../src/domain/categories.js';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { renderDigestBlocks } from '../../src/platforms/slack/digest-blocks.js';
import type { DigestFigures } from '../../src/domain/digest.js';
import {
  buildDigestView,
  HIDDEN_CELL,
  renderDigestViewText,
  suppress,
  type AttentionRow,
  type DigestView,
} from '../../src/views/digest.js';
import { checkAdaptiveCard } from '../support/card-validator.js';
import { elementsOf, textsOf } from '../support/fake-teams.js';
import { checkMessage } from '../support/block-kit-limits.js';
import { byteSize, MAX_MESSAGE_BYTES } from '../../src/platforms/teams/cards.js';
import { digestCardWithinLimit } from '../../src/platforms/teams/digest-card.js';

const [program] = parseProgramFile(
  `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
`,
  'test.yml',
) as [ProgramConfig];

const zeros = (list: { key: string }[]) => Object.fromEntries(list.map((c) => [c.key, 0]));

/** The July–September 2024 figures of the progress report. */
function q3(over: Partial<DigestFigures> = {}): DigestFigures {
  return {
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
    newClientsByQuarter: [
      { label: '2024-Q1', name: 'Mar 2024 (partial quarter)', partial: true, count: 5 },
      { label: '2024-Q2', name: 'Apr–Jun 2024', partial: false, count: 87 },
      { label: '2024-Q3', name: 'Jul–Sep 2024', partial: false, count: 115 },
    ],
    previousNewClients: 87,
    newClientsChangePct: 32,
    newClientsBySex: { male: 55, female: 60, another: 0, not_reported: 0 },
    newClientsByAgeBand: { '0-12': 2, '13-17': 9, '18-24': 14, '25-59': 68, '60+': 18, not_reported: 4 },
    contacts: 138,
    contactsBySource: { ...zeros(program.categories.sources), call_for_service: 110, proactive_outreach: 28 },
    servicesProvided: { ...zeros(program.categories.services), crisis_services: 138, de_escalation: 69 },
    referralsMade: { ...zeros(program.categories.referrals), addiction_treatment: 19 },
    dispositions: { ...zeros(program.categories.dispositions), resolved_on_scene: 138 },
    repeatContactClients: 10,
    followUpsCompleted: 40,
    followUpsOverdue: 3,
    referralLinkage: { total: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 } },
    referralsConnectedInPeriod: 0,
    medianDaysToConnection: null,
    onScene: zeros(program.categories.onScene),
    transportDestinations: zeros(program.categories.transportDestinations),
    minutesOnScene: { contactsWithTime: 0, median: null, p90: null },
    followUpTimeliness: { requested: 0, metWithin48h: 0, metWithin7d: 0, attempts: 0, unreachable: 0 },
    ...over,
  };
}

const headline = (v: DigestView) => Object.fromEntries(v.headline.map((h) => [h.label, h.value]));
/** A table's rows, its folded all-zero rows ("None: …") read back as zeros in table order. */
const rows = (v: DigestView, title: string): Record<string, string> => {
  const t = v.tables.find((x) => x.title === title)!;
  const pairs: [string, string][] = [
    ...t.rows.map((r): [string, string] => [r.label, r.value]),
    ...(t.none ?? []).map((label): [string, string] => [label, '0']),
  ];
  return Object.fromEntries(pairs);
};

describe('the digest view without suppression', () => {
  it('opens with the summary line of the progress report and shows every count as it is', () => {
    const v = buildDigestView(program, q3());
    expect(v.summary).toBe('128 people served, 115 of them new — up 32 % on last quarter');
    expect(headline(v)).toMatchObject({
      'Individuals served': '128',
      New: '115',
      Continuing: '13',
      'Served since the program began': '207',
      'Change in new clients vs last quarter': '+32 %',
      'Follow-ups overdue at quarter end': '3',
    });
    expect(rows(v, 'New clients by age')).toMatchObject({ '0–12': '2', 'Not reported': '4' });
    expect(v.chart).toEqual([
      { label: '2024-Q1*', count: 5 },
      { label: '2024-Q2', count: 87 },
      { label: '2024-Q3', count: 115, current: true },
    ]);
    expect(v.footnote).toBeUndefined();
  });

  it('says "down", "level" and nothing against no previous figure', () => {
    expect(buildDigestView(program, q3({ newClientsChangePct: -6 })).summary).toMatch(/— down 6 % on last quarter$/);
    expect(buildDigestView(program, q3({ newClientsChangePct: 0 })).summary).toMatch(/— level with last quarter$/);
    expect(buildDigestView(program, q3({ newClientsChangePct: null })).summary).toBe(
      '128 people served, 115 of them new',
    );
  });
});

describe('suppress', () => {
  it('shows 1 to n-1 as "<n", keeps zeros, and hides the smallest other cell when a shown total would give one away', () => {
    expect(suppress([55, 60, 4, 0], 11, { totalShown: true }).shown).toEqual(['hidden', '60', '<11', '0']);
    expect(suppress([55, 60, 4, 0], 11, { totalShown: false }).shown).toEqual(['55', '60', '<11', '0']);
  });

  it('needs no second cell when the small ones already protect each other, and none without suppression', () => {
    expect(suppress([3, 9, 60, 4], 11, { totalShown: true }).shown).toEqual(['<11', '<11', '60', '<11']);
    // Two small cells adding up to less than 11 would say "7 between them": a third is left out.
    expect(suppress([3, 60, 4], 11, { totalShown: true }).shown).toEqual(['<11', HIDDEN_CELL, '<11']);
    expect(suppress([3, 60, 4], undefined, { totalShown: true }).shown).toEqual(['3', '60', '4']);
  });

  it('never picks a kept cell, and asks for the total to be hidden when nothing else can be', () => {
    expect(suppress([50, 30, 4], 11, { totalShown: true, keep: [1] })).toMatchObject({
      shown: ['hidden', '30', '<11'],
      hideTotal: false,
    });
    expect(suppress([50, 4], 11, { totalShown: true, keep: [0] })).toMatchObject({
      shown: ['50', '<11'],
      hideTotal: true,
    });
  });
});

describe('the digest view with digest.suppressBelow: 11', () => {
  it('hides a small age band and the next smallest band, since the bands add up to "new"', () => {
    const v = buildDigestView(
      program,
      q3({ newClientsByAgeBand: { '0-12': 0, '13-17': 9, '18-24': 14, '25-59': 68, '60+': 24, not_reported: 0 } }),
      11,
    );
    expect(rows(v, 'New clients by age')).toEqual({
      '0–12': '0',
      '13–17': '<11',
      '18–24': HIDDEN_CELL,
      '25–59': '68',
      '60 and over': '24',
      'Not reported': '0',
    });
    // The progress report's own ages have three small bands: they protect each other.
    expect(rows(buildDigestView(program, q3(), 11), 'New clients by age')).toEqual({
      '0–12': '<11',
      '13–17': '<11',
      '18–24': '14',
      '25–59': '68',
      '60 and over': '18',
      'Not reported': '<11',
    });
    expect(buildDigestView(program, q3(), 11).footnote).toMatch(
      /^Counts from 1 to 10 are shown as <11; “hidden” marks/,
    );
  });

  it('hides "served", not "new", when "continuing" is small: the sex and age tables add up to "new"', () => {
    const v = buildDigestView(program, q3({ clientsServed: 120, continuingClients: 5 }), 11);
    expect(headline(v)).toMatchObject({ 'Individuals served': HIDDEN_CELL, New: '115', Continuing: '<11' });
    expect(v.summary).toBe('115 new and <11 continuing people served — up 32 % on last quarter');
    expect(v.summary).not.toContain('120');
  });

  it('hides "continuing" when "new" is small, and no change that would give either period away', () => {
    const v = buildDigestView(
      program,
      q3({ clientsServed: 128, newClients: 6, continuingClients: 122, newClientsChangePct: -93 }),
      11,
    );
    expect(headline(v)).toMatchObject({
      'Individuals served': '128',
      New: '<11',
      Continuing: HIDDEN_CELL,
      'Change in new clients vs last quarter': HIDDEN_CELL,
    });
    expect(v.summary).toBe('128 people served, <11 of them new');
    const previousSmall = buildDigestView(program, q3({ previousNewClients: 7, newClientsChangePct: 1543 }), 11);
    expect(headline(previousSmall)['Change in new clients vs last quarter']).toBe(HIDDEN_CELL);
    expect(previousSmall.summary).toBe('128 people served, 115 of them new');
  });

  it('says "people" for a suppressed count of one', () => {
    const v = buildDigestView(program, q3({ clientsServed: 1, newClients: 1, continuingClients: 0 }), 11);
    expect(v.summary).toBe('<11 people served, <11 of them new');
  });

  it('draws a small quarter as "<11" with no bar, and hides "since inception" when only this and the previous quarter could protect it', () => {
    const v = buildDigestView(program, q3(), 11);
    expect(v.chart).toEqual([
      { label: '2024-Q1*', count: 0, text: '<11' },
      { label: '2024-Q2', count: 87 },
      { label: '2024-Q3', count: 115, current: true },
    ]);
    expect(headline(v)).toMatchObject({
      'Served since the program began': HIDDEN_CELL,
      'Change in new clients vs last quarter': '+32 %',
    });
    expect(v.summary).toBe('128 people served, 115 of them new — up 32 % on last quarter');
  });

  it('hides an older quarter instead once there is one, keeping "since inception"', () => {
    const q4 = q3({
      period: {
        kind: 'quarter',
        label: '2024-Q4',
        name: 'Oct–Dec 2024',
        start: '2024-10-01',
        end: '2025-01-01',
        partial: false,
      },
      clientsServed: 117,
      newClients: 108,
      continuingClients: 9,
      servedSinceInception: 315,
      newClientsByQuarter: [
        ...q3().newClientsByQuarter,
        { label: '2024-Q4', name: 'Oct–Dec 2024', partial: false, count: 108 },
      ],
      previousNewClients: 115,
      newClientsChangePct: -6,
    });
    const v = buildDigestView(program, q4, 11);
    expect(v.chart!.map((b) => b.text ?? String(b.count))).toEqual(['<11', HIDDEN_CELL, '115', '108']);
    expect(v.chart![1]!.count).toBe(0);
    expect(headline(v)).toMatchObject({
      'Served since the program began': '315',
      'Individuals served': HIDDEN_CELL,
      Continuing: '<11',
    });
  });
});

describe('digest Block Kit', () => {
  it('stays within Slack’s message limits for a weekly and a quarterly digest', () => {
    const weekly = q3({
      period: {
        kind: 'week',
        label: '2024-W40',
        name: 'week of Sep 30, 2024',
        start: '2024-09-30',
        end: '2024-10-07',
        partial: false,
      },
      newClientsByQuarter: [],
    });
    const attention = [
      {
        name: 'a team member',
        person: { platform: 'slack' as const, platformUserId: 'U0CASE1' },
        dueThisWeek: 2,
        overdue: 1,
      },
    ];
    for (const v of [buildDigestView(program, q3(), 11), buildDigestView(program, weekly, undefined, attention)]) {
      expect(checkMessage(renderDigestBlocks(v), `${v.title}: ${v.summary}`)).toEqual([]);
    }
  });

  it('splits long tables over several sections instead of cutting rows off, with 100 long categories and 44 quarters', () => {
    const list = (name: string) =>
      Array.from({ length: 100 }, (_, i) => ({
        key: `${name}_${i}`,
        label: `${name} ${i} `.padEnd(75, 'x'),
        part2: false,
      }));
    const big: ProgramConfig = {
      ...program,
      name: 'A program whose name is long enough to need cutting in a header '.repeat(3),
      categories: {
        sources: list('source'),
        services: list('service'),
        referrals: list('referral'),
        dispositions: list('outcome'),
        sex: list('sex'),
        ageBands: list('age'),
        onScene: list('on_scene'),
        transportDestinations: list('destination'),
      },
    };
    const count = (l: { key: string }[]) => Object.fromEntries(l.map((c, i) => [c.key, 1000 + i]));
    const quarters = Array.from({ length: 44 }, (_, i) => ({
      label: `${2014 + Math.floor(i / 4)}-Q${(i % 4) + 1}`,
      name: 'q',
      partial: i === 0,
      count: 100 + i,
    }));
    const figures = q3({
      newClientsByQuarter: quarters,
      period: {
        kind: 'quarter',
        label: quarters.at(-1)!.label,
        name: 'Oct–Dec 2024',
        start: '2024-10-01',
        end: '2025-01-01',
        partial: false,
      },
      newClientsBySex: count(big.categories.sex),
      newClientsByAgeBand: count(big.categories.ageBands),
      contactsBySource: count(big.categories.sources),
      servicesProvided: count(big.categories.services),
      referralsMade: count(big.categories.referrals),
      dispositions: count(big.categories.dispositions),
    });
    const blocks = renderDigestBlocks(buildDigestView(big, figures, 11));
    expect(checkMessage(blocks)).toEqual([]);
    const text = JSON.stringify(blocks);
    // The lists the digest's tables show (on-scene items and destinations have tables of their own).
    const { onScene: _onScene, transportDestinations: _destinations, ...shown } = big.categories;
    for (const list of Object.values<TCategory[]>(shown)) for (const c of list) expect(text).toContain(c.label);
    for (const q of quarters) expect(text).toContain(`${q.label}${q.partial ? '*' : ''}: ${q.count}`);
    expect(blocks.filter((b) => b.block_id?.startsWith('digest_table_2')).length).toBeGreaterThan(1);
  });
});

const link = (made: number, connected: number, declined: number, unreachable: number, unknown: number) => ({
  made,
  connected,
  declined,
  unreachable,
  unknown,
  pending: made - connected - declined - unreachable - unknown,
});
const none = link(0, 0, 0, 0, 0);
const withOutcomes = (over: Partial<DigestFigures> = {}) =>
  q3({
    referralsMade: { ...zeros(program.categories.referrals), mental_health_treatment: 40, addiction_treatment: 19 },
    referralLinkage: {
      mental_health_treatment: link(40, 18, 4, 3, 2),
      addiction_treatment: link(19, 7, 2, 1, 0),
      social_services: none,
      victim_services_unit: none,
      youth_response_unit: none,
      other: none,
      total: link(59, 25, 6, 4, 2),
    },
    referralsConnectedInPeriod: 31,
    medianDaysToConnection: 6.5,
    onScene: { police_backup_requested: 12, use_of_force: 0, injury: 2, arrest_avoided: 30, ed_avoided: 25 },
    transportDestinations: { ...zeros(program.categories.transportDestinations), emergency_department: 0 },
    minutesOnScene: { contactsWithTime: 120, median: 42, p90: 95.5 },
    followUpTimeliness: { requested: 60, metWithin48h: 30, metWithin7d: 44, attempts: 21, unreachable: 5 },
    ...over,
  });

describe('linkage, timeliness and on-scene figures in the digest', () => {
  it('leads with connected / made and met within 7 days / asked for, and tabulates linkage by category', () => {
    // Every count as it is (the command line's view): Part 2's are suppressed in any channel.
    const v = buildDigestView(program, withOutcomes(), undefined, undefined, { exact: true });
    expect(headline(v)).toMatchObject({
      'Referrals made this quarter: connected / made': '25 / 59',
      'Follow-ups asked for this quarter: met within 7 days / asked for': '44 / 60',
    });
    const linkage = v.tables.find((t) => t.title === 'Referrals made this quarter, by status at its end')!;
    // Categories with no referrals at all fold into one line.
    expect(linkage.none).toEqual([
      'Other social services referrals',
      'Victim Services Unit referrals',
      'Youth Response Unit referrals',
      'Other referrals',
    ]);
    expect(rows(v, 'Referrals made this quarter, by status at its end')).toEqual({
      'Mental-health treatment referrals':
        'made 40: connected 18 · declined 4 · couldn’t reach 3 · unknown 2 · pending 13',
      'Addiction treatment referrals': 'made 19: connected 7 · declined 2 · couldn’t reach 1 · unknown 0 · pending 9',
      'Other social services referrals': '0',
      'Victim Services Unit referrals': '0',
      'Youth Response Unit referrals': '0',
      'Other referrals': '0',
      'All referrals': 'made 59: connected 25 · declined 6 · couldn’t reach 4 · unknown 2 · pending 22',
      'Connections dated this quarter (whenever referred)': '31',
      'Median days from referral to connection': '6.5',
    });
    expect(rows(v, 'Follow-ups asked for this quarter')).toEqual({
      'Asked for': '60',
      'Met by a contact within 48 hours': '30',
      'Met by a contact within 7 days': '44',
      'Tries with no answer': '21',
      'Closed as unreachable': '5',
    });
  });

  it('says the two “avoided” items are the clinician’s judgement, and gives minutes on scene', () => {
    const scene = rows(buildDigestView(program, withOutcomes()), 'On scene (contacts)');
    expect(scene).toEqual({
      'Police backup requested': '12',
      'Force used by anyone': '0',
      'Anyone injured': '2',
      'Would likely have been an arrest without us (clinician’s judgement)': '30',
      'Would likely have gone to the ED without us (clinician’s judgement)': '25',
      'Contacts with time on scene': '120',
      'Minutes on scene, median / 90th percentile': '42 / 95.5',
    });
  });

  it('shows no linkage or timeliness before there are referral records or follow-ups, and no demographics unless asked', () => {
    const v = buildDigestView(program, q3());
    const titles = v.tables.map((t) => t.title);
    expect(titles).not.toContain('Referrals made this quarter, by status at its end');
    expect(titles).not.toContain('Follow-ups asked for this quarter');
    expect(titles).toEqual(expect.arrayContaining(['On scene (contacts)', 'Transport destinations (contacts)']));
    expect(titles.some((t) => t.includes('race'))).toBe(false);
    expect(Object.keys(headline(v)).some((l) => l.startsWith('Referrals made'))).toBe(false);
  });

  it('never shows a Part 2 referral category’s linkage counts from 1 to 10, with or without a threshold', () => {
    const figures = withOutcomes({
      referralsMade: { ...zeros(program.categories.referrals), mental_health_treatment: 40, addiction_treatment: 9 },
      referralLinkage: {
        mental_health_treatment: link(40, 18, 4, 3, 2),
        addiction_treatment: link(9, 4, 2, 0, 0),
        social_services: none,
        victim_services_unit: none,
        youth_response_unit: none,
        other: none,
        total: link(49, 22, 6, 3, 2),
      },
    });
    for (const below of [undefined, 5, 11]) {
      const v = buildDigestView(program, figures, below);
      const addiction = rows(v, 'Referrals made this quarter, by status at its end')['Addiction treatment referrals']!;
      expect(addiction).toMatch(
        /^made <11: connected (<11|hidden) · declined (<11|hidden) · couldn’t reach 0 · unknown 0 · pending (<11|hidden)$/,
      );
      expect(rows(v, 'Referrals made (contacts)')['Addiction treatment']).toBe('<11');
      // The totals would give the category away from mental-health treatment's: cells are left out.
      const all = rows(v, 'Referrals made this quarter, by status at its end')['All referrals']!;
      const mh = rows(v, 'Referrals made this quarter, by status at its end')['Mental-health treatment referrals']!;
      expect(`${all} ${mh}`).toContain(HIDDEN_CELL);
    }
  });

  it('does not give a median over a count it does not show', () => {
    const v = buildDigestView(
      program,
      withOutcomes({ minutesOnScene: { contactsWithTime: 3, median: 20, p90: 41 } }),
      11,
    );
    expect(rows(v, 'On scene (contacts)')).toMatchObject({
      'Contacts with time on scene': '<11',
      'Minutes on scene, median / 90th percentile': 'not shown (too few)',
    });
  });

  it('counts new clients by race and ethnicity (several rows per person) and veteran status when the program asks', () => {
    const v = buildDigestView(
      program,
      withOutcomes({
        newClientsByRaceEthnicity: {
          american_indian_alaska_native: 0,
          asian: 12,
          black_african_american: 60,
          hispanic_latino: 25,
          middle_eastern_north_african: 0,
          native_hawaiian_pacific_islander: 0,
          white: 40,
          not_reported: 0,
        },
        newClientsByVeteranStatus: { yes: 15, no: 90, not_reported: 10 },
      }),
    );
    expect(rows(v, 'New clients by race and ethnicity (a person may count in several rows)')).toMatchObject({
      Asian: '12',
      'Black or African American': '60',
    });
    expect(rows(v, 'New clients by veteran status')).toEqual({ Yes: '15', No: '90', 'Not reported': '10' });
  });

  it('stays within Slack’s limits with every new table, weekly and quarterly', () => {
    const demographics = {
      newClientsByRaceEthnicity: Object.fromEntries(
        ['american_indian_alaska_native', 'asian', 'black_african_american', 'hispanic_latino'].map((k) => [k, 30]),
      ),
      newClientsByVeteranStatus: { yes: 15, no: 90, not_reported: 10 },
    };
    const weekly = withOutcomes({
      ...demographics,
      period: {
        kind: 'week',
        label: '2024-W40',
        name: 'week of Sep 30, 2024',
        start: '2024-09-30',
        end: '2024-10-07',
        partial: false,
      },
      newClientsByQuarter: [],
    });
    const attention = [
      {
        name: 'a team member',
        person: { platform: 'slack' as const, platformUserId: 'U0CASE1' },
        dueThisWeek: 2,
        overdue: 1,
      },
    ];
    for (const v of [
      buildDigestView(program, withOutcomes(demographics), 11),
      buildDigestView(program, weekly, undefined, attention),
    ])
      expect(checkMessage(renderDigestBlocks(v), `${v.title}: ${v.summary}`)).toEqual([]);
  });

  it('draws the new tables on the Teams card as fact sets, keeping a chart inline under Teams’ size limit', () => {
    const v = buildDigestView(program, withOutcomes(), 11);
    const { card, chartDropped } = digestCardWithinLimit(v, Buffer.alloc(4_000, 1));
    expect(chartDropped).toBe(false);
    expect(byteSize(card)).toBeLessThan(MAX_MESSAGE_BYTES);
    const json = JSON.stringify(card);
    expect(json).toContain('"title":"Referrals made this quarter: connected / made","value":"25 / 59"');
    expect(json).toContain('Would likely have gone to the ED without us (clinician’s judgement)');
    expect(json).toContain('"text":"Follow-ups asked for this quarter"');
  });
});

describe('the digest at a glance', () => {
  const week = {
    kind: 'week' as const,
    label: '2024-W40',
    name: 'week of Sep 30, 2024',
    start: '2024-09-30',
    end: '2024-10-07',
    partial: false,
  };
  const weekly = () => withOutcomes({ period: week, newClientsByQuarter: [] });
  const attention: AttentionRow[] = [
    {
      name: 'Dana Reyes',
      person: { platform: 'teams', platformUserId: '00000000-0000-4000-8000-000000000002', displayName: 'Dana Reyes' },
      dueThisWeek: 2,
      overdue: 1,
    },
    {
      name: 'a team member',
      person: { platform: 'teams', platformUserId: '00000000-0000-4000-8000-000000000003' },
      dueThisWeek: 1,
      overdue: 0,
    },
    { name: 'a team member', person: { platform: 'slack', platformUserId: 'U0CASE1' }, dueThisWeek: 0, overdue: 2 },
    { name: 'unassigned', dueThisWeek: 1, overdue: 0 },
  ];

  it('leads with served, new, continuing, change and since the program began, then linkage and timeliness', () => {
    for (const v of [buildDigestView(program, withOutcomes(), 11), buildDigestView(program, weekly(), 11, attention)]) {
      const word = v.chart ? 'quarter' : 'week';
      expect(v.headline.slice(0, 7).map((h) => h.label)).toEqual([
        'Individuals served',
        'New',
        'Continuing',
        `Change in new clients vs last ${word}`,
        'Served since the program began',
        `Referrals made this ${word}: connected / made`,
        `Follow-ups asked for this ${word}: met within 7 days / asked for`,
      ]);
      expect(v.headline.map((h) => h.label)).toContain('Contacts');
    }
    // Without referral records or follow-ups asked for, the activity figures follow at once.
    expect(buildDigestView(program, q3(), 11).headline[5]!.label).toBe('Contacts');
  });

  it('folds all-zero rows into one "None" line, on Slack, on Teams and in the text', () => {
    const v = buildDigestView(program, q3(), 11);
    const sources = v.tables.find((t) => t.title === 'Contacts by source')!;
    expect(sources.rows.map((r) => r.label)).toEqual(['Call for service', 'Proactive patrol / outreach']);
    const none = `None: ${sources.none!.join(', ')}`;
    expect(sources.none!.length).toBeGreaterThan(1);
    expect(JSON.stringify(renderDigestBlocks(v))).toContain(
      `*Contacts by source*\\nCall for service: *110*\\nProactive patrol / outreach: *28*\\n${none}`,
    );
    const card = digestCardWithinLimit(v, null).card;
    expect(textsOf(card)).toContain(none);
    expect(renderDigestViewText(v)).toContain(`  ${none}`);
    // Suppressed counts never fold: "<11" and "hidden" are not zeros.
    const ages = v.tables.find((t) => t.title === 'New clients by age')!;
    expect(ages.none).toBeUndefined();
    expect(ages.rows.filter((r) => r.value === '<11')).toHaveLength(3);
  });

  it('says "so far" in the title of a period not over', () => {
    expect(buildDigestView(program, weekly(), 11, attention, { soFar: true }).title).toBe(
      'Wilmington Partners in Care: weekly digest, week of Sep 30, 2024 so far',
    );
    expect(buildDigestView(program, weekly(), 11, attention).title).not.toMatch(/so far/);
  });

  it('names "New clients by quarter" once on the Teams card: the chart image carries it, the heading only without it', () => {
    const v = buildDigestView(program, q3(), 11);
    const withChart = digestCardWithinLimit(v, Buffer.alloc(2_000, 1)).card;
    expect(textsOf(withChart)).not.toContain('New clients by quarter');
    expect(elementsOf(withChart).find((e) => e.type === 'Image')!.altText).toBe('New clients by quarter');
    expect(textsOf(digestCardWithinLimit(v, null).card)).toContain('New clients by quarter');
  });

  it('mentions the Teams case managers with a roster name on a posted Teams card, and Slack’s on Slack', () => {
    const v = buildDigestView(program, weekly(), 11, attention);
    const { card } = digestCardWithinLimit(v, null, { mention: true });
    const facts = (
      elementsOf(card).filter((e) => e.type === 'FactSet') as { facts: { title: string; value: string }[] }[]
    ).flatMap((f) => f.facts);
    expect(facts.filter((f) => /^\d+ \/ \d+$/.test(f.value) && !/[:,]/.test(f.title))).toEqual([
      { title: '<at>Dana Reyes</at>', value: '2 / 1' },
      { title: 'a team member', value: '1 / 0' },
      { title: 'a team member', value: '0 / 2' },
      { title: 'unassigned', value: '1 / 0' },
    ]);
    expect((card.msteams as { entities?: unknown }).entities).toEqual([
      {
        type: 'mention',
        text: '<at>Dana Reyes</at>',
        mentioned: { id: '00000000-0000-4000-8000-000000000002', name: 'Dana Reyes' },
      },
    ]);
    expect(checkAdaptiveCard(card as unknown as Record<string, unknown>)).toEqual({ errors: [], warnings: [] });
    // A preview in someone's own chat notifies no one: plain names, no entities.
    const preview = digestCardWithinLimit(v, null).card;
    expect(JSON.stringify(preview)).not.toContain('<at>');
    expect(JSON.stringify(preview)).toContain('"title":"Dana Reyes"');
    expect((preview.msteams as { entities?: unknown }).entities).toBeUndefined();
    // Slack mentions its own people by id, and names the others in plain words.
    const slack = JSON.stringify(renderDigestBlocks(v));
    expect(slack).toContain('Dana Reyes: *2 / 1*\\na team member: *1 / 0*\\n<@U0CASE1>: *0 / 2*\\nunassigned: *1 / 0*');
  });

  it('every digest card passes Microsoft’s validator, and Block Kit Slack’s limits', () => {
    for (const v of [
      buildDigestView(program, withOutcomes(), 11),
      buildDigestView(program, weekly(), 11, attention, { soFar: true }),
      buildDigestView(program, q3()),
    ]) {
      for (const png of [null, Buffer.alloc(2_000, 1)])
        expect(
          checkAdaptiveCard(
            digestCardWithinLimit(v, png, { mention: true }).card as unknown as Record<string, unknown>,
          ),
        ).toEqual({
          errors: [],
          warnings: [],
        });
      expect(checkMessage(renderDigestBlocks(v), `${v.title}: ${v.summary}`)).toEqual([]);
    }
  });
});
