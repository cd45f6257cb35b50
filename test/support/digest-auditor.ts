// An auditor of digest suppression that knows nothing of how carelog suppresses: it reads a digest
// as a reader would (every figure shown, each label's range: "<n" is 1..n-1, "hidden" 1 or more),
// writes down every equation and inequality that links the figures, and asks an integer-programming
// solver (HiGHS) for the smallest and largest value each figure not shown could have. It also checks
// its own equations against the true figures (they must hold), so a link it got wrong fails instead
// of passing. Used by test/unit/digest-suppression.test.ts and the fault suite.
import fc from 'fast-check';
import highsModule, { type Highs } from 'highs';
import { expect } from 'vitest';
import { parseProgramFile, type ProgramConfig } from '../../src/config.js';
import { changePercent } from '../../src/domain/periods.js';
import { RACE_ETHNICITY, VETERAN_STATUS } from '../../src/domain/categories.js';
import { LINKAGE_STATUSES, type DigestFigures, type ReferralLinkage } from '../../src/domain/digest.js';
import {
  LINKAGE_ALL,
  LINKAGE_WORDS,
  linkageHeadline,
  linkageRowLabel,
  linkageTitle,
  NOT_SHOWN,
  RACE_TITLE,
  timelinessHeadline,
  type DigestTable,
  type DigestView,
} from '../../src/views/digest.js';

// The package's types describe its ES module, which TypeScript reads here as CommonJS.
const loadHighs = highsModule as unknown as () => Promise<Highs>;
let highs: Highs;
/** Loads the solver; call once before auditing (beforeAll). */
export async function loadAuditor(): Promise<void> {
  highs ??= await loadHighs();
}

// ---------------------------------------------------------------------------------------------
// The auditor: integer variables, what each shown figure says about one, and linear relations.

type Term = [coefficient: number, variable: number];
interface Model {
  names: string[];
  truth: number[];
  /** Bounds from what is shown: an exact count, a label's range, or just "a count". */
  lo: number[];
  hi: number[];
  rows: { terms: Term[]; op: '=' | '<='; rhs: number }[];
}

export function newModel(): Model {
  return { names: [], truth: [], lo: [], hi: [], rows: [] };
}

/** A figure as shown: "42", "<11" (1..10), "hidden" (1 or more), or a latent figure (shown nowhere, 0 or more). */
export function variable(m: Model, name: string, truth: number, shown: string | null): number {
  m.names.push(name);
  m.truth.push(truth);
  if (shown === null || shown === 'hidden') {
    // "hidden" is 1 or more (carelog shows every 0); a latent figure may be 0.
    if (shown === 'hidden') expect(truth, `${name} is hidden, so it is not 0`).toBeGreaterThan(0);
    m.lo.push(shown === null ? 0 : 1);
    m.hi.push(Number.POSITIVE_INFINITY);
  } else if (/^<\d+$/.test(shown)) {
    m.lo.push(1);
    m.hi.push(Number(shown.slice(1)) - 1);
  } else {
    expect(shown, `${name} is shown as a count`).toMatch(/^\d+$/);
    m.lo.push(Number(shown));
    m.hi.push(Number(shown));
  }
  return m.names.length - 1;
}

const rowOf = (m: Model, terms: Term[], op: '=' | '<=', rhs = 0) => m.rows.push({ terms, op, rhs });
/** total = sum of parts */
export const sumRow = (m: Model, total: number, parts: number[]) =>
  rowOf(m, [[1, total], ...parts.map((p): Term => [-1, p])], '=');
/** sum of lhs <= sum of rhs */
const atMost = (m: Model, lhs: number[], rhs: number[]) =>
  rowOf(m, [...lhs.map((p): Term => [1, p]), ...rhs.map((p): Term => [-1, p])], '<=');

/**
 * The model in CPLEX LP format, minimizing or maximizing x, over the given rows and variables only
 * (a figure's component: see expectNothingGivenAway).
 */
function lpText(m: Model, sense: 'Minimize' | 'Maximize', x: number, rowIds: number[], vars: number[]): string {
  const term = ([c, v]: Term) => `${c < 0 ? '-' : '+'} ${Math.abs(c)} x${v}`;
  const rows = rowIds.map((ri) => {
    const r = m.rows[ri]!;
    return ` r${ri}: ${r.terms.map(term).join(' ')} ${r.op} ${r.rhs}`;
  });
  const bounds = vars.map((i) =>
    m.hi[i] === Number.POSITIVE_INFINITY ? ` x${i} >= ${m.lo[i]}` : ` ${m.lo[i]} <= x${i} <= ${m.hi[i]}`,
  );
  return [
    sense,
    ` obj: + 1 x${x}`,
    'Subject To',
    ...(rows.length ? rows : [` r_none: + 1 x${x} >= ${m.lo[x]}`]),
    'Bounds',
    ...bounds,
    'General',
    ` ${vars.map((i) => `x${i}`).join(' ')}`,
    'End',
  ].join('\n');
}

/** The true figures must fit everything the auditor wrote down. */
function checkTruth(m: Model): void {
  m.truth.forEach((t, i) => {
    expect(t, `${m.names[i]} within what its label says`).toBeGreaterThanOrEqual(m.lo[i]!);
    expect(t, `${m.names[i]} within what its label says`).toBeLessThanOrEqual(m.hi[i]!);
  });
  for (const r of m.rows) {
    const lhs = r.terms.reduce((a, [c, v]) => a + c * m.truth[v]!, 0);
    if (r.op === '=') expect(lhs, r.terms.map(([c, v]) => `${c}·${m.names[v]}`).join(' ')).toBe(r.rhs);
    else expect(lhs, r.terms.map(([c, v]) => `${c}·${m.names[v]}`).join(' ')).toBeLessThanOrEqual(r.rhs);
  }
}

/**
 * The smallest or largest value of x that fits everything shown; `other` hears of every variable
 * the solution gives a value other than its true one (that variable, too, has two possible values).
 */
function solveFor(
  m: Model,
  sense: 'Minimize' | 'Maximize',
  x: number,
  rowIds: number[],
  vars: number[],
  other: (v: number) => void,
): number {
  const r = highs.solve(lpText(m, sense, x, rowIds, vars));
  // The true figures fit (checkTruth), so "infeasible or unbounded" can only be unbounded.
  if (sense === 'Maximize' && (r.Status === 'Unbounded' || r.Status === 'Primal infeasible or unbounded'))
    return Number.POSITIVE_INFINITY;
  expect(r.Status, `${sense} ${m.names[x]}`).toBe('Optimal');
  for (const v of vars) {
    const col = r.Columns[`x${v}`];
    if (col && 'Primal' in col && Math.round(col.Primal) !== m.truth[v]) other(v);
  }
  return Math.round(r.ObjectiveValue);
}

/**
 * Every variable not shown exactly (and not latent) must have at least two possible values.
 *
 * A figure shown exactly is a constant, so the figures not shown fall into groups linked to each
 * other only through rows among themselves; the values one group may take do not depend on any
 * other (each fits on its own: the true figures fit every row). Each figure is solved for within
 * its group's rows only, which keeps the programs small however many tables a digest has.
 */
export function expectNothingGivenAway(m: Model, latent: Set<number>): number {
  checkTruth(m);
  const fixed = (i: number) => m.lo[i] === m.hi[i];
  const parent = m.names.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (const r of m.rows) {
    const free = r.terms.map(([, v]) => v).filter((v) => !fixed(v));
    for (const v of free.slice(1)) parent[find(v)] = find(free[0]!);
  }
  const groups = new Map<number, { rows: number[]; vars: Set<number> }>();
  const group = (i: number) => {
    const g = groups.get(find(i)) ?? { rows: [], vars: new Set<number>() };
    groups.set(find(i), g);
    return g;
  };
  m.rows.forEach((r, ri) => {
    const free = r.terms.map(([, v]) => v).find((v) => !fixed(v));
    if (free === undefined) return;
    const g = group(free);
    g.rows.push(ri);
    for (const [, v] of r.terms) g.vars.add(v);
  });
  // A solution that fits everything shown and gives a figure another value than its true one
  // proves that figure has two possible values (the true one fits too): no need to solve for it.
  const settled = new Set<number>();
  let checked = 0;
  m.names.forEach((name, i) => {
    if (fixed(i) || latent.has(i)) return;
    checked++;
    if (settled.has(i)) return;
    const g = group(i);
    g.vars.add(i);
    const vars = [...g.vars].sort((a, b) => a - b);
    const note = (v: number) => settled.add(v);
    // The true value is possible: a smaller smallest value settles it without the largest.
    const lo = solveFor(m, 'Minimize', i, g.rows, vars, note);
    if (lo < m.truth[i]!) return;
    const hi = solveFor(m, 'Maximize', i, g.rows, vars, note);
    expect(lo, `${name}: ${lo}..${hi}`).toBeLessThan(hi);
  });
  return checked;
}

// ---------------------------------------------------------------------------------------------
// Random tables.

export const count = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 14 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 }) },
);

// ---------------------------------------------------------------------------------------------
// Random digests: consistent figures built from random counts, then read back by the auditor.

const BASE_YAML = `programs:
  - id: p
    name: P
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: P
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
`;
export const [defaultProgram] = parseProgramFile(BASE_YAML, 'test.yml') as [ProgramConfig];
// Part 2 categories in tables with a total, too (a program may mark any category).
export const part2Everywhere: ProgramConfig = {
  ...defaultProgram,
  categories: {
    ...defaultProgram.categories,
    sources: defaultProgram.categories.sources.map((c, i) => (i === 6 ? { ...c, part2: true } : c)),
    services: defaultProgram.categories.services.map((c, i) => (i === 0 ? { ...c, part2: true } : c)),
    dispositions: defaultProgram.categories.dispositions.map((c, i) => (i === 1 ? { ...c, part2: true } : c)),
    transportDestinations: defaultProgram.categories.transportDestinations.map((c) =>
      c.key === 'detox' ? { ...c, part2: true } : c,
    ),
  },
};

/** n clients or contacts spread over `size` categories by a stream of random picks. */
function spread(n: number, size: number, picks: number[]): number[] {
  const out = Array.from({ length: size }, () => 0);
  for (let i = 0; i < n; i++) out[picks[i % picks.length]! % size]! += 1;
  return out;
}

export const arbDigest = fc.record({
  quarterly: fc.boolean(),
  below: fc.option(fc.integer({ min: 3, max: 15 }), { nil: undefined }),
  part2Everywhere: fc.boolean(),
  sex: fc.array(count, { minLength: 4, maxLength: 4 }),
  picks: fc.array(fc.nat(99), { minLength: 7, maxLength: 40 }),
  continuing: count,
  earlierExtra: count,
  previous: count,
  earlierQuarters: fc.array(count, { maxLength: 4 }),
  extraContacts: count,
  services: fc.array(count, { minLength: 6, maxLength: 6 }),
  referrals: fc.array(count, { minLength: 6, maxLength: 6 }),
  repeat: count,
  completed: count,
  overdue: count,
  // Linkage: how each category's referrals stood at the end, and connections of earlier referrals.
  statusPicks: fc.array(fc.nat(99), { minLength: 5, maxLength: 30 }),
  connectedEarlier: count,
  // Follow-ups asked for, met within 7 days / 48 hours, closed unreachable, extra tries.
  requested: count,
  met7: count,
  met48: count,
  unreachable: count,
  tries: count,
  onScene: fc.array(count, { minLength: 5, maxLength: 5 }),
  withTime: count,
  // Transports with no destination recorded (contacts from before destinations were asked).
  noDestination: fc.oneof(fc.constant(0), count),
  asks: fc.boolean(),
  raceExtra: fc.array(count, { minLength: 8, maxLength: 8 }),
  notAsked: fc.oneof(fc.constant(0), count),
});

export type Arb = typeof arbDigest extends fc.Arbitrary<infer T> ? T : never;

export function figuresOf(r: Arb, program: ProgramConfig): DigestFigures {
  const c = program.categories;
  const newClients = r.sex.reduce((a, v) => a + v, 0);
  let continuing = r.continuing;
  let earlier: number;
  let previous: number;
  let quarters: DigestFigures['newClientsByQuarter'] = [];
  if (r.quarterly) {
    const bars = [...r.earlierQuarters];
    if (bars.length === 0) continuing = 0;
    else if (bars.reduce((a, v) => a + v, 0) < continuing) bars[0]! += continuing - bars.reduce((a, v) => a + v, 0);
    earlier = bars.reduce((a, v) => a + v, 0);
    previous = bars.at(-1) ?? 0;
    quarters = [...bars, newClients].map((count, i) => ({
      label: `2024-Q${i + 1}`,
      name: `q${i + 1}`,
      partial: i === 0,
      count,
    }));
  } else {
    earlier = continuing + r.earlierExtra;
    previous = Math.min(r.previous, earlier);
  }
  const served = newClients + continuing;
  const contacts = served + r.extraContacts;
  const keyed = (list: { key: string }[], counts: number[]) =>
    Object.fromEntries(list.map((x, i) => [x.key, counts[i]!]));
  const label = r.quarterly ? quarters.at(-1)!.label : '2024-W40';
  const referralsMade = keyed(
    c.referrals,
    r.referrals.map((v) => Math.min(v, contacts)),
  );
  const dispositions = keyed(
    c.dispositions,
    spread(
      contacts,
      c.dispositions.length,
      r.picks.map((p) => p * 13 + 5),
    ),
  );
  return {
    period: {
      kind: r.quarterly ? 'quarter' : 'week',
      label,
      name: label,
      start: '2024-09-30',
      end: '2024-10-07',
      partial: false,
    },
    clientsServed: served,
    newClients,
    continuingClients: continuing,
    servedSinceInception: newClients + earlier,
    newClientsByQuarter: quarters,
    previousNewClients: previous,
    newClientsChangePct: changePercent(newClients, previous),
    newClientsBySex: keyed(c.sex, r.sex),
    newClientsByAgeBand: keyed(c.ageBands, spread(newClients, c.ageBands.length, r.picks)),
    contacts,
    contactsBySource: keyed(
      c.sources,
      spread(
        contacts,
        c.sources.length,
        r.picks.map((p) => p * 7 + 3),
      ),
    ),
    servicesProvided: keyed(
      c.services,
      r.services.map((v) => Math.min(v, contacts)),
    ),
    referralsMade,
    dispositions,
    repeatContactClients: Math.min(r.repeat, served),
    followUpsCompleted: r.completed,
    followUpsOverdue: r.overdue,
    ...outcomeFigures(r, program, newClients, contacts, referralsMade, dispositions),
  };
}

/** The linkage and outcome figures, consistent with the rest of one random digest. */
function outcomeFigures(
  r: Arb,
  program: ProgramConfig,
  newClients: number,
  contacts: number,
  referralsMade: Record<string, number>,
  dispositions: Record<string, number>,
) {
  const c = program.categories;
  const keyed = (list: readonly { key: string }[], counts: number[]) =>
    Object.fromEntries(list.map((x, i) => [x.key, counts[i]!]));
  const linkage: Record<string, ReferralLinkage> = {};
  const total: ReferralLinkage = { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 };
  c.referrals.forEach((cat, i) => {
    const made = referralsMade[cat.key]!;
    const parts = spread(
      made,
      LINKAGE_STATUSES.length,
      r.statusPicks.map((p) => p + i),
    );
    const row = {
      made,
      ...keyed(
        LINKAGE_STATUSES.map((k) => ({ key: k })),
        parts,
      ),
    } as unknown as ReferralLinkage;
    linkage[cat.key] = row;
    for (const k of ['made', ...LINKAGE_STATUSES] as const) total[k] += row[k];
  });
  linkage.total = total;
  const max = program.followUps.maxAttempts;
  const requested = Math.min(r.requested, contacts);
  const met7 = Math.min(r.met7, requested);
  const unreachable = Math.min(r.unreachable, requested - met7);
  const transports = c.dispositions.filter((d) => d.transport).reduce((a, d) => a + dispositions[d.key]!, 0);
  const withDestination = Math.max(0, transports - r.noDestination);
  const race = spread(
    newClients,
    RACE_ETHNICITY.length,
    r.picks.map((p) => p * 3 + 1),
  );
  const asked = Math.max(0, newClients - r.notAsked);
  return {
    referralLinkage: linkage,
    referralsConnectedInPeriod: total.connected + r.connectedEarlier,
    medianDaysToConnection: total.connected + r.connectedEarlier ? 6 : null,
    onScene: keyed(
      c.onScene,
      r.onScene.map((v) => Math.min(v, contacts)),
    ),
    transportDestinations: keyed(
      c.transportDestinations,
      spread(
        withDestination,
        c.transportDestinations.length,
        r.picks.map((p) => p * 5 + 2),
      ),
    ),
    minutesOnScene: {
      contactsWithTime: Math.min(r.withTime, contacts),
      median: r.withTime && contacts ? 40 : null,
      p90: r.withTime && contacts ? 90 : null,
    },
    followUpTimeliness: {
      requested,
      metWithin48h: Math.min(r.met48, met7),
      metWithin7d: met7,
      attempts: Math.min(max * unreachable + r.tries, max * requested),
      unreachable,
    },
    ...(r.asks
      ? {
          // Each client asked picks at least one row; some pick more.
          newClientsByRaceEthnicity: keyed(
            RACE_ETHNICITY,
            race.map((v, i) => Math.min(newClients, v + r.raceExtra[i]!)),
          ),
          newClientsByVeteranStatus: keyed(VETERAN_STATUS, spread(asked, VETERAN_STATUS.length, r.picks)),
        }
      : {}),
  };
}

/** Everything the digest shows, read back as a reader would, with every link between the figures; how many figures not shown it checked. */
/** A table's rows by label, its all-zero rows folded into "None: …" read back as `zero`. */
function readRows(t: DigestTable, zero: string): Record<string, string> {
  const pairs: [string, string][] = [
    ...t.rows.map((r): [string, string] => [r.label, r.value]),
    ...(t.none ?? []).map((label): [string, string] => [label, zero]),
  ];
  return Object.fromEntries(pairs);
}

export function auditDigest(
  v: DigestView,
  d: DigestFigures,
  program: ProgramConfig,
  below: number | undefined,
): number {
  const m = newModel();
  const latent = new Set<number>();
  const headline = Object.fromEntries(v.headline.map((h) => [h.label, h.value]));
  const quarterly = d.period.kind === 'quarter';
  const word = quarterly ? 'quarter' : 'week';
  const S = variable(m, 'served', d.clientsServed, headline['Individuals served']!);
  const N = variable(m, 'new', d.newClients, headline['New']!);
  const C = variable(m, 'continuing', d.continuingClients, headline['Continuing']!);
  const I = variable(m, 'served since the start', d.servedSinceInception, headline['Served since the program began']!);
  const K = variable(m, 'contacts', d.contacts, headline['Contacts']!);
  const R = variable(
    m,
    'clients with 3+ contacts',
    d.repeatContactClients,
    headline['Clients with 3+ contacts in 30 days']!,
  );
  variable(m, 'follow-ups completed', d.followUpsCompleted, headline['Follow-ups completed']!);
  if (quarterly) variable(m, 'follow-ups overdue', d.followUpsOverdue, headline['Follow-ups overdue at quarter end']!);
  // Shown nowhere: clients first seen before the period, and last period's new clients.
  const E = variable(m, '(first seen before)', d.servedSinceInception - d.newClients, null);
  const P = variable(m, '(last period’s new)', d.previousNewClients, null);
  latent.add(E).add(P);

  sumRow(m, S, [N, C]); // served = new + continuing
  sumRow(m, I, [N, E]); // since the start = new + first seen before
  atMost(m, [C], [E]); // continuing clients were first seen before
  atMost(m, [P], [E]); // so were last period's new clients
  atMost(m, [S], [K]); // each client served had a contact
  atMost(m, [R], [S]); // repeat clients are among those served

  // The change in new clients: a whole percent, half away from zero, of (new − previous) / previous.
  const change = headline[`Change in new clients vs last ${word}`]!;
  if (change === 'no previous figure') rowOf(m, [[1, P]], '=', 0);
  else if (change !== 'hidden') {
    const pct = Number(change.replace(/ %$/, '').replace(/^\+/, ''));
    expect(Number.isInteger(pct), change).toBe(true);
    rowOf(m, [[-1, P]], '<=', -1); // a previous figure: P ≥ 1
    // pct − ½ ≤ 100(N − P)/P < pct + ½ for pct > 0, mirrored for pct < 0, and −½ < x < ½ at 0;
    // times 2P: (2pct − 1)P ≤ 200(N − P) ≤ (2pct + 1)P (one end strict, as integers: minus 1).
    const lower: Term[] = [
      [2 * pct - 1 + 200, P],
      [-200, N],
    ]; // (2pct − 1)P − 200(N − P) ≤ 0
    const upper: Term[] = [
      [200, N],
      [-(2 * pct + 1) - 200, P],
    ]; // 200(N − P) − (2pct + 1)P ≤ 0
    rowOf(m, lower, '<=', pct > 0 ? 0 : -1);
    rowOf(m, upper, '<=', pct < 0 ? 0 : -1);
  }

  const table = (
    title: string,
    list: { key: string; label: string; part2: boolean }[],
    counts: Record<string, number>,
  ) => {
    const rows = readRows(
      v.tables.find((t) => t.title === title)!,
      '0',
    );
    return list.map((c) => {
      const value = counts[c.key] ?? 0;
      const shown = rows[c.label]!;
      return { id: variable(m, `${title}: ${c.key}`, value, shown), value, shown, part2: c.part2 };
    });
  };
  const cat = program.categories;
  const sex = table('New clients by sex', cat.sex, d.newClientsBySex);
  const ages = table('New clients by age', cat.ageBands, d.newClientsByAgeBand);
  const sources = table('Contacts by source', cat.sources, d.contactsBySource);
  const services = table('Services provided (contacts)', cat.services, d.servicesProvided);
  const referrals = table('Referrals made (contacts)', cat.referrals, d.referralsMade);
  const outcomes = table('Outcomes', cat.dispositions, d.dispositions);
  sumRow(
    m,
    N,
    sex.map((c) => c.id),
  );
  sumRow(
    m,
    N,
    ages.map((c) => c.id),
  );
  sumRow(
    m,
    K,
    sources.map((c) => c.id),
  );
  sumRow(
    m,
    K,
    outcomes.map((c) => c.id),
  );
  for (const c of [...services, ...referrals]) atMost(m, [c.id], [K]); // a service or referral is given on a contact

  // ---- Linkage and outcomes.
  type Cell = (typeof sex)[number];
  // A row folded into "None" reads back as `zero`: "0", or a linkage category's line of zeros.
  const tableRows = (title: string, zero = '0') => {
    const t = v.tables.find((x) => x.title === title);
    return t ? readRows(t, zero) : undefined;
  };
  const one = (name: string, value: number, shown: string, part2 = false): Cell => ({
    id: variable(m, name, value, shown),
    value,
    shown,
    part2,
  });
  const extraCells: Cell[] = [];
  const extraGroups: { total: number; cells: Cell[] }[] = [];
  const linkageRows = tableRows(
    linkageTitle(word),
    `made 0: ${LINKAGE_STATUSES.map((k) => `${LINKAGE_WORDS[k]} 0`).join(' · ')}`,
  );
  const linkageTotal = d.referralLinkage.total!;
  if (linkageTotal.made > 0 || d.referralsConnectedInPeriod > 0) {
    expect(linkageRows, 'the linkage table').toBeDefined();
    const pattern =
      /^made (\S+): connected (\S+) · declined (\S+) · couldn’t reach (\S+) · unknown (\S+) · pending (\S+)$/;
    const parse = (label: string, figures: ReferralLinkage, part2: boolean) => {
      const match = pattern.exec(linkageRows![label]!);
      expect(match, `${label}: ${linkageRows![label]}`).not.toBeNull();
      const keys = ['made', ...LINKAGE_STATUSES] as const;
      return Object.fromEntries(
        keys.map((k, i) => [k, one(`linkage ${label}: ${k}`, figures[k], match![i + 1]!, part2)]),
      ) as Record<(typeof keys)[number], Cell>;
    };
    const byCategory = cat.referrals.map((c) => parse(linkageRowLabel(c.label), d.referralLinkage[c.key]!, c.part2));
    const all = parse(LINKAGE_ALL, linkageTotal, false);
    expect(headline[linkageHeadline(word)]).toBe(`${all.connected.shown} / ${all.made.shown}`);
    const connectedInPeriod = one(
      'connections dated in the period',
      d.referralsConnectedInPeriod,
      linkageRows![`Connections dated this ${word} (whenever referred)`]!,
    );
    for (const row of [...byCategory, all]) {
      const parts = LINKAGE_STATUSES.map((k) => row[k]);
      sumRow(
        m,
        row.made.id,
        parts.map((c) => c.id),
      );
      extraGroups.push({ total: row.made.id, cells: parts });
    }
    for (const k of ['made', ...LINKAGE_STATUSES] as const) {
      sumRow(
        m,
        all[k].id,
        byCategory.map((row) => row[k].id),
      );
      extraGroups.push({ total: all[k].id, cells: byCategory.map((row) => row[k]) });
    }
    // One referral record per referral given: a category's "made" is its referrals-table count.
    byCategory.forEach((row, i) => sumRow(m, referrals[i]!.id, [row.made.id]));
    atMost(m, [all.connected.id], [connectedInPeriod.id]);
    if (!/^\d+$/.test(connectedInPeriod.shown))
      expect(linkageRows!['Median days from referral to connection']).toBe(NOT_SHOWN);
    extraCells.push(...byCategory.flatMap((row) => Object.values(row)), ...Object.values(all), connectedInPeriod);
  } else expect(linkageRows).toBeUndefined();

  const t = d.followUpTimeliness;
  const timeRows = tableRows(`Follow-ups asked for this ${word}`);
  if (t.requested > 0) {
    expect(timeRows, 'the follow-up timeliness table').toBeDefined();
    const asked = one('follow-ups asked for', t.requested, timeRows!['Asked for']!);
    const met48 = one('met within 48 h', t.metWithin48h, timeRows!['Met by a contact within 48 hours']!);
    const met7 = one('met within 7 d', t.metWithin7d, timeRows!['Met by a contact within 7 days']!);
    const tries = one('tries with no answer', t.attempts, timeRows!['Tries with no answer']!);
    const unreachable = one('closed unreachable', t.unreachable, timeRows!['Closed as unreachable']!);
    expect(headline[timelinessHeadline(word)]).toBe(`${met7.shown} / ${asked.shown}`);
    const max = program.followUps.maxAttempts;
    atMost(m, [met48.id], [met7.id]);
    atMost(m, [met7.id, unreachable.id], [asked.id]);
    atMost(m, [asked.id], [K]);
    rowOf(
      m,
      [
        [max, unreachable.id],
        [-1, tries.id],
      ],
      '<=',
    ); // max × unreachable ≤ tries
    rowOf(
      m,
      [
        [1, tries.id],
        [-max, asked.id],
      ],
      '<=',
    ); // tries ≤ max × asked
    extraCells.push(asked, met48, met7, tries, unreachable);
  } else expect(timeRows).toBeUndefined();

  const sceneRows = tableRows('On scene (contacts)')!;
  const scene = cat.onScene.map((c) => {
    const label = Object.keys(sceneRows).find((l) => l === c.label || l.startsWith(`${c.label} (`))!;
    if (['arrest_avoided', 'ed_avoided'].includes(c.key)) expect(label).toMatch(/clinician’s judgement/);
    return one(`on scene: ${c.key}`, d.onScene[c.key]!, sceneRows[label]!, c.part2);
  });
  const withTime = one(
    'contacts with time on scene',
    d.minutesOnScene.contactsWithTime,
    sceneRows['Contacts with time on scene']!,
  );
  for (const c of [...scene, withTime]) atMost(m, [c.id], [K]);
  if (!/^\d+$/.test(withTime.shown)) expect(sceneRows['Minutes on scene, median / 90th percentile']).toBe(NOT_SHOWN);
  const destinations = table('Transport destinations (contacts)', cat.transportDestinations, d.transportDestinations);
  const transports = outcomes.filter((_, i) => cat.dispositions[i]!.transport);
  atMost(
    m,
    destinations.map((c) => c.id),
    transports.map((c) => c.id),
  );
  // Once every transport records its destination, a reader may take the two as equal.
  if (destinations.reduce((a, c) => a + c.value, 0) === transports.reduce((a, c) => a + c.value, 0))
    atMost(
      m,
      transports.map((c) => c.id),
      destinations.map((c) => c.id),
    );
  extraCells.push(...scene, withTime, ...destinations);

  if (d.newClientsByRaceEthnicity) {
    const race = table(RACE_TITLE, [...RACE_ETHNICITY], d.newClientsByRaceEthnicity);
    for (const c of race) atMost(m, [c.id], [N]);
    // Several rows per person, and at least one each once every new client was asked.
    if (race.reduce((a, c) => a + c.value, 0) >= d.newClients)
      atMost(
        m,
        [N],
        race.map((c) => c.id),
      );
    const veteran = table('New clients by veteran status', [...VETERAN_STATUS], d.newClientsByVeteranStatus!);
    atMost(
      m,
      veteran.map((c) => c.id),
      [N],
    );
    if (veteran.reduce((a, c) => a + c.value, 0) === d.newClients)
      atMost(
        m,
        [N],
        veteran.map((c) => c.id),
      );
    extraCells.push(...race, ...veteran);
  } else expect(v.tables.find((x) => x.title === RACE_TITLE)).toBeUndefined();

  const groups: { total: number; cells: typeof sex }[] = [
    { total: N, cells: sex },
    { total: N, cells: ages },
    { total: K, cells: sources },
    { total: K, cells: outcomes },
  ];
  if (quarterly) {
    expect(v.chart).toHaveLength(d.newClientsByQuarter.length);
    const bars = d.newClientsByQuarter.map((q, i) => {
      const bar = v.chart![i]!;
      expect(bar.label.replace(/\*$/, '')).toBe(q.label);
      if (bar.text === undefined) expect(bar.count).toBe(q.count);
      else expect(bar.count).toBe(0);
      const shown = bar.text ?? String(bar.count);
      return { id: variable(m, `bar ${q.label}`, q.count, shown), value: q.count, shown, part2: false };
    });
    sumRow(
      m,
      I,
      bars.map((b) => b.id),
    ); // the bars add up to "since the start"
    sumRow(m, N, [bars.at(-1)!.id]); // this quarter's bar is "new"
    sumRow(
      m,
      E,
      bars.slice(0, -1).map((b) => b.id),
    ); // the others are the clients first seen before
    if (bars.length > 1) sumRow(m, P, [bars.at(-2)!.id]); // the previous quarter's bar is last period's new
    groups.push({ total: I, cells: bars });
  }

  groups.push(...extraGroups);
  // Part 2 counts from 1 to 10 never show as themselves; nor, with a threshold, any small count.
  for (const c of [...sex, ...ages, ...sources, ...services, ...referrals, ...outcomes, ...extraCells]) {
    const floor = c.part2 ? Math.max(below ?? 0, 11) : (below ?? 0);
    if (c.value > 0 && c.value < floor) expect(c.shown, 'a small count shown').not.toMatch(/^\d+$/);
  }
  // A table with its total shown that leaves out any cell leaves out at least two, adding up to at
  // least the largest threshold among them.
  for (const g of groups) {
    if (m.lo[g.total] !== m.hi[g.total]) continue;
    const out = g.cells.filter((c) => !/^\d+$/.test(c.shown));
    if (!out.length) continue;
    expect(out.length).toBeGreaterThanOrEqual(2);
    const floor = Math.max(
      ...out.map((c) =>
        c.shown.startsWith('<') ? Number(c.shown.slice(1)) : c.part2 ? Math.max(below ?? 0, 11) : (below ?? 0),
      ),
    );
    expect(out.reduce((a, c) => a + c.value, 0)).toBeGreaterThanOrEqual(floor);
  }
  return expectNothingGivenAway(m, latent);
}
