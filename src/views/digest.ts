// The digest as people read it, platform-neutral: a plain-words summary line, headline figures and
// tables with the program's own labels. Aggregates only: no codes, names, notes or free text.
//
// Small-cell suppression (src/domain/suppression.ts): with digest.suppressBelow = n, counts from 1
// to n-1 show as "<n"; a 42 CFR Part 2 category's counts from 1 to 10 show as "<11" whatever n is
// (also with no n). Every figure the digest shows is linked to others, and the suppression knows
// each link, so that no count left out can be worked out from the rest:
//  - served = new + continuing;
//  - the sex table and the age table each add up to new;
//  - contacts by source and outcomes each add up to contacts; each service and each referral was
//    given on at most "contacts" contacts (one contact can give several);
//  - served is at most contacts, and clients with 3+ contacts are among those served;
//  - served since the program began = new + clients first seen before the period, and those are at
//    least the continuing clients (and last period's new clients, which the change gives away);
//  - quarterly: the new clients by quarter add up to served since the program began, this quarter's
//    bar is new, and the previous quarter's bar follows from new and the change in new clients;
//  - referral linkage: each category's referrals made add up to its connected, declined,
//    unreachable, unknown and pending ones, each status adds up over the categories to the "all
//    referrals" row, a category's made is its count in the referrals table (one record per
//    referral given), and the period's referrals connected are among the connections dated in it;
//  - follow-up timeliness: met within 48 hours ≤ met within 7 days; met within 7 days plus closed
//    unreachable ≤ asked for ≤ contacts; attempts ≥ maxAttempts × unreachable, ≤ maxAttempts × asked;
//  - each on-scene item, and the contacts with time on scene, ≤ contacts; the transport
//    destinations add up to at most (and, once every transport records one, exactly) the contacts
//    whose outcome is a transport;
//  - race and ethnicity rows each ≤ new (and add up to at least new once every new client was
//    asked); veteran status adds up to at most (once all were asked, exactly) new.
// A relation the figures themselves break (records from before a feature) is left out: it tells a
// reader nothing they could rely on.
// A count left out to protect another shows as "hidden": 1 or more, small or not (0 always shows).
import { JUDGEMENT_ON_SCENE_KEYS, RACE_ETHNICITY, VETERAN_STATUS, type TCategory } from '../domain/categories.js';
import { LINKAGE_STATUSES, LINKAGE_TOTAL, type DigestFigures, type DigestProgram } from '../domain/digest.js';
import {
  cellThreshold,
  isSmallCount,
  PART2_FLOOR,
  suppressCells,
  type Relation,
  type Shown,
  type SuppressionCell,
} from '../domain/suppression.js';

/** What a cell left out to protect another shows: a count of 1 or more (0 always shows), small or not. */
export const HIDDEN_CELL = 'hidden';

/** What a median or percentile shows when the count it is taken over is not shown. */
export const NOT_SHOWN = 'not shown (too few)';

/** Words for each referral status in the linkage table, in the order shown after "made". */
export const LINKAGE_WORDS: Record<(typeof LINKAGE_STATUSES)[number], string> = {
  connected: 'connected',
  declined: 'declined',
  unreachable: 'couldn’t reach',
  unknown: 'unknown',
  pending: 'pending',
};

/** The label an on-scene item carries when it records the clinician's judgement, not an event. */
export const JUDGEMENT_SUFFIX = ' (clinician’s judgement)';

/**
 * A person a digest names (the weekly follow-ups table). The view never writes a chat platform's
 * syntax: the platform that draws the digest mentions them (Slack `<@U…>`, Teams `<at>` with its
 * mention entity) when they are on it, and shows the row's label (plain words) otherwise.
 */
export interface DigestPerson {
  platform: 'slack' | 'teams';
  platformUserId: string;
  /** The name on the roster (carelog.yml `name`), if it gives one. */
  displayName?: string;
}

export interface DigestRow {
  /** Plain words: a category, a figure's name, or a person's roster name ("a team member" without one). */
  label: string;
  value: string;
  person?: DigestPerson;
}

export interface DigestTable {
  title: string;
  rows: DigestRow[];
  /** Rows whose counts are all 0, folded into one line: "None: Safety planning, Transport, Other". */
  none?: string[];
}

export interface DigestChartBar {
  label: string;
  /** The bar's height; 0 for a hidden count, which is drawn as its text alone. */
  count: number;
  /** Shown instead of the count ("<11", "hidden") when the count is suppressed. */
  text?: string;
  /** The bar of the digest's own quarter. */
  current?: boolean;
}

export interface DigestView {
  title: string;
  summary: string;
  headline: { label: string; value: string }[];
  tables: DigestTable[];
  /** New clients by quarter since the start, for the chart (quarterly digests). */
  chart: DigestChartBar[] | null;
  footnote?: string;
}

/** One case manager's follow-ups in the weekly digest (counts only). */
export interface AttentionRow {
  /** Plain words for them: their roster name, "a team member" without one, or "unassigned". */
  name: string;
  /** Who they are, for the platform drawing the digest to mention them. */
  person?: DigestPerson;
  dueThisWeek: number;
  overdue: number;
}

export interface Suppressed {
  /** Each cell as shown: the count, "<n" or "hidden". */
  shown: string[];
  /** Cells that are not shown as their count. */
  hidden: boolean[];
  /** No other cell could protect the small ones: the total must not be shown. */
  hideTotal: boolean;
}

const label = (c: SuppressionCell, s: Shown) =>
  s === 'exact' ? String(c.value) : s === 'small' ? `<${c.threshold}` : HIDDEN_CELL;

/**
 * Suppresses the small cells of one row of counts. With `totalShown`, other cells are left out
 * until no small one can be worked out from the total (never one listed in `keep` while another
 * will do); `hideTotal` when only the total could protect them.
 */
export function suppress(
  values: number[],
  below: number | undefined,
  opts: { totalShown?: boolean; keep?: number[] } = {},
): Suppressed {
  const cells: SuppressionCell[] = values.map((value, i) => ({
    value,
    threshold: below,
    keep: opts.keep?.includes(i) ?? false,
  }));
  const relations: Relation[] = [];
  if (opts.totalShown) {
    relations.push({ kind: 'sum', total: cells.length, parts: values.map((_, i) => i) });
    cells.push({ value: values.reduce((a, v) => a + v, 0) });
  }
  const shown = suppressCells(cells, relations);
  return {
    shown: values.map((_, i) => label(cells[i]!, shown[i]!)),
    hidden: values.map((_, i) => shown[i] !== 'exact'),
    hideTotal: !!opts.totalShown && shown[values.length] !== 'exact',
  };
}

function pct(p: number | null): string {
  if (p === null) return 'no previous figure';
  return `${p > 0 ? '+' : ''}${p} %`;
}

/** The suppression rule in force with a threshold, in full (a report states it whatever it shows). */
export function suppressionRule(below: number | undefined): string {
  return footnote(below, true);
}

/** The footnote saying what each label means, for the labels this digest uses. */
function footnote(below: number | undefined, part2Small: boolean): string {
  const part2 = 'substance-use treatment (42 CFR Part 2)';
  const counts =
    below && below < PART2_FLOOR && part2Small
      ? `Counts from 1 to ${below - 1} are shown as <${below}, and ${part2} counts from 1 to ${PART2_FLOOR - 1} as <${PART2_FLOOR}`
      : below
        ? `Counts from 1 to ${below - 1} are shown as <${below}`
        : `Counts of ${part2} from 1 to ${PART2_FLOOR - 1} are shown as <${PART2_FLOOR}`;
  return `${counts}; “${HIDDEN_CELL}” marks a count left out so that no small count can be worked out from the others (it is 1 or more, small or not).`;
}

/**
 * The digest as it goes to a channel (or a private preview), suppressed. `exact` is for the
 * program's own staff at the command line only: every count as it is, Part 2 included.
 */
export function buildDigestView(
  program: DigestProgram,
  d: DigestFigures,
  suppressBelow?: number,
  attention?: AttentionRow[],
  opts: { exact?: boolean; soFar?: boolean } = {},
): DigestView {
  const c = digestCells(program, d, opts.exact ? undefined : suppressBelow, attention, opts.soFar);
  return c.render(
    opts.exact ? c.cells.map((x) => (x.latent ? 'hidden' : 'exact')) : suppressCells(c.cells, c.relations),
  );
}

/** Figures that add up over consecutive periods (a fiscal year's quarters make its total). */
const ADDITIVE =
  /^(new|contacts|completed|connectedInPeriod|withTime|timeliness\..*|linkage\..*\.made|(sex|age|sources|services|referrals|outcomes|onScene|destinations|race|veteran)\..*)$/;
/** Figures the same in a whole and in its last part, or wherever they appear. */
const SAME_AS_LAST = /^sinceInception$/;
const SAME_EVERYWHERE = /^bar\./;

/**
 * Digests of consecutive periods (`parts`, e.g. a fiscal year's quarters) and of their `whole`,
 * suppressed together: what adds up over the parts adds up to the whole, a quarter's bar is the same
 * count in every digest that draws it, and served in the whole is at least any part's and at most
 * their sum. So no count left out in one column can be worked out from the others. Returns the
 * parts' views, then the whole's.
 */
export function buildLinkedDigestViews(
  program: DigestProgram,
  parts: DigestFigures[],
  whole: DigestFigures,
  suppressBelow?: number,
): DigestView[] {
  const all = [...parts, whole].map((d) => digestCells(program, d, suppressBelow));
  const cells: SuppressionCell[] = [];
  const relations: Relation[] = [];
  const offsets: number[] = [];
  for (const c of all) {
    const at = cells.length;
    offsets.push(at);
    cells.push(...c.cells);
    const move = (ids: number[]) => ids.map((i) => i + at);
    for (const r of c.relations)
      relations.push(
        r.kind === 'sum'
          ? { kind: 'sum', total: r.total + at, parts: move(r.parts) }
          : { kind: 'le', lhs: move(r.lhs), rhs: move(r.rhs) },
      );
  }
  const id = (k: number, key: string) => {
    const i = all[k]!.keys.get(key);
    return i === undefined ? undefined : i + offsets[k]!;
  };
  const w = all.length - 1;
  const partIds = (key: string) => parts.flatMap((_, k) => (id(k, key) === undefined ? [] : [id(k, key)!]));
  for (const key of all[w]!.keys.keys()) {
    const total = id(w, key)!;
    if (ADDITIVE.test(key)) relations.push({ kind: 'sum', total, parts: partIds(key) });
    else if (SAME_AS_LAST.test(key) && id(w - 1, key) !== undefined)
      relations.push({ kind: 'sum', total, parts: [id(w - 1, key)!] });
    else if (SAME_EVERYWHERE.test(key))
      for (const p of partIds(key)) relations.push({ kind: 'sum', total, parts: [p] });
    else if (key === 'served') {
      relations.push({ kind: 'le', lhs: [total], rhs: partIds(key) });
      for (const p of partIds(key)) relations.push({ kind: 'le', lhs: [p], rhs: [total] });
    }
  }
  const shown = suppressCells(cells, relations);
  return all.map((c, k) => c.render(shown.slice(offsets[k], offsets[k]! + c.cells.length)));
}

interface DigestCells {
  cells: SuppressionCell[];
  relations: Relation[];
  /** Each figure's cell, by a key that names the same figure in another period's digest. */
  keys: Map<string, number>;
  render(shown: Shown[]): DigestView;
}

/** A digest's figures as cells and the relations between them, and how to show them once decided. */
function digestCells(
  program: DigestProgram,
  d: DigestFigures,
  below: number | undefined,
  attention?: AttentionRow[],
  /** A period not over yet (a preview): its title says "so far". */
  soFar = false,
): DigestCells {
  const quarterly = d.period.kind === 'quarter';
  const isSpan = d.period.kind === 'span';
  const periodWord = quarterly ? 'quarter' : isSpan ? 'period' : 'week';

  // Every figure shown is a cell; the relations between them are listed in the header comment.
  const cells: SuppressionCell[] = [];
  const relations: Relation[] = [];
  const keys = new Map<string, number>();
  const cell = (value: number, opts: Omit<SuppressionCell, 'value'> = {}, key?: string) => {
    const i = cells.push({ threshold: below, ...opts, value }) - 1;
    if (key) keys.set(key, i);
    return i;
  };
  const served = cell(d.clientsServed, {}, 'served');
  const fresh = cell(d.newClients, { keep: true }, 'new');
  const continuing = cell(d.continuingClients, {}, 'continuing');
  const sinceInception = cell(d.servedSinceInception, {}, 'sinceInception');
  const contacts = cell(d.contacts, {}, 'contacts');
  const repeat = cell(d.repeatContactClients, {}, 'repeat');
  const completed = cell(d.followUpsCompleted, {}, 'completed');
  const overdue = cell(d.followUpsOverdue, { latent: !quarterly }, 'overdue');
  relations.push({ kind: 'sum', total: served, parts: [fresh, continuing] });
  relations.push({ kind: 'le', lhs: [served], rhs: [contacts] }, { kind: 'le', lhs: [repeat], rhs: [served] });

  // The change in new clients is shown only when neither period's count is small: with it, "new"
  // gives last period's count away (to within rounding).
  const changeShown = !isSmallCount(d.newClients, below) && !isSmallCount(d.previousNewClients, below);
  const quarters = quarterly || isSpan ? d.newClientsByQuarter : [];
  const current = quarters.findIndex((q) => q.label === d.period.label);
  const bars = quarters.map((q, i) => cell(q.count, { keep: i === current || i === current - 1 }, `bar.${q.label}`));
  // A span's quarters: those inside it, and those it overlaps (a date range may cut one).
  const within = (q: (typeof quarters)[number]) =>
    !!q.start && q.start >= d.period.start && !!q.end && q.end <= d.period.end;
  const overlaps = (q: (typeof quarters)[number]) =>
    !q.start || !q.end || (q.start < d.period.end && q.end > d.period.start);
  let previous: number | undefined;
  if (quarterly) {
    relations.push({ kind: 'sum', total: sinceInception, parts: bars });
    if (current !== -1) {
      relations.push({ kind: 'sum', total: fresh, parts: [bars[current]!] });
      relations.push({ kind: 'le', lhs: [continuing], rhs: bars.slice(0, current) });
      previous = current > 0 ? bars[current - 1] : undefined;
    }
  } else {
    const before = cell(d.servedSinceInception - d.newClients, { latent: true });
    relations.push(
      { kind: 'sum', total: sinceInception, parts: [fresh, before] },
      { kind: 'le', lhs: [continuing], rhs: [before] },
    );
    if (isSpan) {
      // The bars run from the program's start to the span's end; those inside it add up to new.
      relations.push({ kind: 'sum', total: sinceInception, parts: bars });
      const inside = bars.filter((_, i) => within(quarters[i]!));
      const touching = bars.filter((_, i) => overlaps(quarters[i]!));
      if (inside.length === touching.length) relations.push({ kind: 'sum', total: fresh, parts: inside });
      else relations.push({ kind: 'le', lhs: inside, rhs: [fresh] }, { kind: 'le', lhs: [fresh], rhs: touching });
    }
    // Not shown, but the change and "new" give it away; it is among the clients first seen before.
    if (changeShown) {
      previous = cell(d.previousNewClients, { keep: true }, 'previousNew');
      relations.push({ kind: 'le', lhs: [previous], rhs: [before] });
    }
  }

  const tableCells = (name: string, categories: TCategory[], counts: Record<string, number>) =>
    categories.map((c) => cell(counts[c.key] ?? 0, { threshold: cellThreshold(below, c.part2) }, `${name}.${c.key}`));
  const { categories } = program;
  const sex = tableCells('sex', categories.sex, d.newClientsBySex);
  const ages = tableCells('age', categories.ageBands, d.newClientsByAgeBand);
  const sources = tableCells('sources', categories.sources, d.contactsBySource);
  const services = tableCells('services', categories.services, d.servicesProvided);
  const referrals = tableCells('referrals', categories.referrals, d.referralsMade);
  const outcomes = tableCells('outcomes', categories.dispositions, d.dispositions);
  relations.push(
    { kind: 'sum', total: fresh, parts: sex },
    { kind: 'sum', total: fresh, parts: ages },
    { kind: 'sum', total: contacts, parts: sources },
    { kind: 'sum', total: contacts, parts: outcomes },
    // A contact may give several services or referrals: these tables have no total, only a ceiling.
    ...[...services, ...referrals].map((i): Relation => ({ kind: 'le', lhs: [i], rhs: [contacts] })),
  );

  // Referral linkage, once the period has referrals made or connections dated in it.
  const linkageShown = (d.referralLinkage[LINKAGE_TOTAL]?.made ?? 0) > 0 || d.referralsConnectedInPeriod > 0;
  type LinkageCells = Record<'made' | (typeof LINKAGE_STATUSES)[number], number>;
  const linkageCells = (
    name: string,
    figures: DigestFigures['referralLinkage'][string] | undefined,
    threshold: number | undefined,
  ) =>
    Object.fromEntries(
      (['made', ...LINKAGE_STATUSES] as const).map((k) => [
        k,
        cell(figures?.[k] ?? 0, { threshold }, `linkage.${name}.${k}`),
      ]),
    ) as LinkageCells;
  let linkage: { byCategory: LinkageCells[]; total: LinkageCells; connectedInPeriod: number } | undefined;
  if (linkageShown) {
    const byCategory = categories.referrals.map((c) =>
      linkageCells(c.key, d.referralLinkage[c.key], cellThreshold(below, c.part2)),
    );
    const total = linkageCells(LINKAGE_TOTAL, d.referralLinkage[LINKAGE_TOTAL], below);
    const connectedInPeriod = cell(d.referralsConnectedInPeriod, {}, 'connectedInPeriod');
    for (const row of [...byCategory, total])
      relations.push({ kind: 'sum', total: row.made, parts: LINKAGE_STATUSES.map((s) => row[s]) });
    for (const k of ['made', ...LINKAGE_STATUSES] as const)
      relations.push({ kind: 'sum', total: total[k], parts: byCategory.map((row) => row[k]) });
    byCategory.forEach((row, i) => relations.push({ kind: 'sum', total: referrals[i]!, parts: [row.made] }));
    relations.push({ kind: 'le', lhs: [total.connected], rhs: [connectedInPeriod] });
    linkage = { byCategory, total, connectedInPeriod };
  }

  // Follow-up timeliness, once the period's contacts asked for any.
  const t = d.followUpTimeliness;
  let timeliness: Record<keyof typeof t, number> | undefined;
  if (t.requested > 0) {
    timeliness = {
      requested: cell(t.requested, {}, 'timeliness.requested'),
      metWithin48h: cell(t.metWithin48h, {}, 'timeliness.metWithin48h'),
      metWithin7d: cell(t.metWithin7d, {}, 'timeliness.metWithin7d'),
      attempts: cell(t.attempts, {}, 'timeliness.attempts'),
      unreachable: cell(t.unreachable, {}, 'timeliness.unreachable'),
    };
    const times = (i: number, k: number) => Array.from({ length: k }, () => i);
    const max = program.followUps?.maxAttempts ?? 1;
    relations.push(
      { kind: 'le', lhs: [timeliness.metWithin48h], rhs: [timeliness.metWithin7d] },
      { kind: 'le', lhs: [timeliness.metWithin7d, timeliness.unreachable], rhs: [timeliness.requested] },
      { kind: 'le', lhs: [timeliness.requested], rhs: [contacts] },
      // "Tried, no answer" closes a follow-up at maxAttempts tries, and no follow-up takes more.
      { kind: 'le', lhs: times(timeliness.unreachable, max), rhs: [timeliness.attempts] },
      { kind: 'le', lhs: [timeliness.attempts], rhs: times(timeliness.requested, max) },
    );
  }

  // On scene, minutes on scene and transport destinations: counts of contacts.
  const onScene = tableCells('onScene', categories.onScene, d.onScene);
  const withTime = cell(d.minutesOnScene.contactsWithTime, {}, 'withTime');
  const destinations = tableCells('destinations', categories.transportDestinations, d.transportDestinations);
  const transportOutcomes = categories.dispositions.flatMap((c, i) => (c.transport ? [outcomes[i]!] : []));
  relations.push(
    ...[...onScene, withTime].map((i): Relation => ({ kind: 'le', lhs: [i], rhs: [contacts] })),
    { kind: 'le', lhs: destinations, rhs: transportOutcomes },
    { kind: 'le', lhs: transportOutcomes, rhs: destinations },
  );

  // Asked-for demographics of new clients.
  const race = d.newClientsByRaceEthnicity
    ? tableCells('race', [...RACE_ETHNICITY], d.newClientsByRaceEthnicity)
    : null;
  const veteran = d.newClientsByVeteranStatus
    ? tableCells('veteran', [...VETERAN_STATUS], d.newClientsByVeteranStatus)
    : null;
  if (race)
    relations.push(...race.map((i): Relation => ({ kind: 'le', lhs: [i], rhs: [fresh] })), {
      kind: 'le',
      lhs: [fresh],
      rhs: race,
    });
  if (veteran) relations.push({ kind: 'le', lhs: veteran, rhs: [fresh] }, { kind: 'le', lhs: [fresh], rhs: veteran });

  return { cells, relations, keys, render };

  function render(shown: Shown[]): DigestView {
    const text = (i: number) => label(cells[i]!, shown[i]!);
    const exact = (i: number) => shown[i] === 'exact';

    const change =
      changeShown && exact(fresh) && (previous === undefined || exact(previous)) ? d.newClientsChangePct : undefined;
    const trend =
      change === undefined || change === null
        ? ''
        : change === 0
          ? ` — level with last ${periodWord}`
          : ` — ${change > 0 ? 'up' : 'down'} ${Math.abs(change)} % on last ${periodWord}`;
    // "person" only for a shown 1: the grammar must not give a suppressed count away.
    const summary =
      shown[served] !== 'hidden'
        ? `${text(served)} ${text(served) === '1' ? 'person' : 'people'} served, ${text(fresh)} of them new${trend}`
        : shown[continuing] !== 'hidden'
          ? `${text(fresh)} new and ${text(continuing)} continuing people served${trend}`
          : `${text(fresh)} new ${text(fresh) === '1' ? 'person' : 'people'} served${trend}`;

    const tables: DigestTable[] = [];
    if (attention) {
      tables.push({
        title: 'Follow-ups needing attention (due this week / overdue)',
        rows: attention.length
          ? attention.map((a) => ({
              label: a.name,
              value: `${a.dueThisWeek} / ${a.overdue}`,
              ...(a.person ? { person: a.person } : {}),
            }))
          : [{ label: 'None', value: '0 / 0' }],
      });
    }
    const table = (title: string, list: TCategory[], ids: number[]): DigestTable =>
      folded(
        title,
        list.map((c, i) => ({ label: c.label, value: text(ids[i]!) })),
      );
    tables.push(
      table('New clients by sex', categories.sex, sex),
      table('New clients by age', categories.ageBands, ages),
      table('Contacts by source', categories.sources, sources),
      table('Services provided (contacts)', categories.services, services),
      table('Referrals made (contacts)', categories.referrals, referrals),
      table('Outcomes', categories.dispositions, outcomes),
    );
    // A median or percentile is shown only where the count it is taken over is.
    const measure = (count: number, value: string) => (exact(count) ? value : NOT_SHOWN);
    if (linkage) {
      const line = (row: LinkageCells) =>
        `made ${text(row.made)}: ${LINKAGE_STATUSES.map((s) => `${LINKAGE_WORDS[s]} ${text(row[s])}`).join(' · ')}`;
      // A category with no referrals at all folds into the "None" line.
      const byCategory = folded(
        linkageTitle(periodWord),
        categories.referrals.map((c, i) => ({
          label: linkageRowLabel(c.label),
          value: line(linkage.byCategory[i]!),
          zero: (['made', ...LINKAGE_STATUSES] as const).every((k) => text(linkage.byCategory[i]![k]) === '0'),
        })),
      );
      tables.push({
        ...byCategory,
        rows: [
          ...byCategory.rows,
          { label: LINKAGE_ALL, value: line(linkage.total) },
          { label: `Connections dated this ${periodWord} (whenever referred)`, value: text(linkage.connectedInPeriod) },
          {
            label: 'Median days from referral to connection',
            value: measure(
              linkage.connectedInPeriod,
              d.medianDaysToConnection === null ? 'none' : String(d.medianDaysToConnection),
            ),
          },
        ],
      });
    }
    if (timeliness)
      tables.push({
        title: `Follow-ups asked for this ${periodWord}`,
        rows: [
          { label: 'Asked for', value: text(timeliness.requested) },
          { label: 'Met by a contact within 48 hours', value: text(timeliness.metWithin48h) },
          { label: 'Met by a contact within 7 days', value: text(timeliness.metWithin7d) },
          { label: 'Tries with no answer', value: text(timeliness.attempts) },
          { label: 'Closed as unreachable', value: text(timeliness.unreachable) },
        ],
      });
    const m = d.minutesOnScene;
    const onSceneItems = folded(
      'On scene (contacts)',
      categories.onScene.map((c, i) => ({
        label: JUDGEMENT_ON_SCENE_KEYS.includes(c.key) ? `${c.label}${JUDGEMENT_SUFFIX}` : c.label,
        value: text(onScene[i]!),
      })),
    );
    tables.push(
      {
        ...onSceneItems,
        rows: [
          ...onSceneItems.rows,
          { label: 'Contacts with time on scene', value: text(withTime) },
          {
            label: 'Minutes on scene, median / 90th percentile',
            value: measure(withTime, m.median === null ? 'none' : `${m.median} / ${m.p90}`),
          },
        ],
      },
      table('Transport destinations (contacts)', categories.transportDestinations, destinations),
    );
    if (race) tables.push(table(RACE_TITLE, [...RACE_ETHNICITY], race));
    if (veteran) tables.push(table('New clients by veteran status', [...VETERAN_STATUS], veteran));

    const part2Small = cells.some(
      (c, i) => shown[i] === 'small' && c.threshold === PART2_FLOOR && below !== PART2_FLOOR,
    );
    const anyLeftOut = shown.some((s, i) => s !== 'exact' && !cells[i]!.latent);
    return {
      title: `${program.name}: ${quarterly ? 'quarterly digest' : isSpan ? 'figures' : 'weekly digest'}, ${d.period.name}${soFar ? ' so far' : ''}`,
      summary,
      // What leadership reads first: people served, new, continuing, the change, since the program
      // began, then linkage and timeliness where the period has them; the activity figures after.
      headline: [
        { label: 'Individuals served', value: text(served) },
        { label: 'New', value: text(fresh) },
        { label: 'Continuing', value: text(continuing) },
        {
          label: `Change in new clients vs last ${periodWord}`,
          value: change === undefined ? HIDDEN_CELL : pct(change),
        },
        { label: 'Served since the program began', value: text(sinceInception) },
        ...(linkage
          ? [
              {
                label: linkageHeadline(periodWord),
                value: `${text(linkage.total.connected)} / ${text(linkage.total.made)}`,
              },
            ]
          : []),
        ...(timeliness
          ? [
              {
                label: timelinessHeadline(periodWord),
                value: `${text(timeliness.metWithin7d)} / ${text(timeliness.requested)}`,
              },
            ]
          : []),
        { label: 'Contacts', value: text(contacts) },
        { label: 'Clients with 3+ contacts in 30 days', value: text(repeat) },
        { label: 'Follow-ups completed', value: text(completed) },
        // The weekly digest lists overdue follow-ups by case manager instead.
        ...(quarterly ? [{ label: 'Follow-ups overdue at quarter end', value: text(overdue) }] : []),
      ],
      tables,
      chart:
        quarterly || isSpan
          ? quarters.map((q, i) => ({
              label: q.partial ? `${q.label}*` : q.label,
              count: exact(bars[i]!) ? q.count : 0,
              ...(exact(bars[i]!) ? {} : { text: text(bars[i]!) }),
              ...(i === current || (isSpan && overlaps(q)) ? { current: true } : {}),
            }))
          : null,
      ...(below || anyLeftOut ? { footnote: footnote(below, part2Small) } : {}),
    };
  }
}

/**
 * A table with its all-zero rows folded into one "None" line (a zero always shows, so folding
 * gives nothing away). A row is all-zero when its value is "0", or when it says so (`zero`).
 */
function folded(title: string, rows: (DigestRow & { zero?: boolean })[]): DigestTable {
  const isZero = (r: DigestRow & { zero?: boolean }) => r.zero ?? r.value === '0';
  const none = rows.filter(isZero).map((r) => r.label);
  return {
    title,
    rows: rows.filter((r) => !isZero(r)).map(({ zero: _zero, ...r }) => r),
    ...(none.length ? { none } : {}),
  };
}

/** The "None" line of a table with folded rows. */
export const noneLine = (none: string[]) => `None: ${none.join(', ')}`;

/** The linkage table's title, its "all referrals" row, and the headline figures of linkage and timeliness. */
export const linkageTitle = (periodWord: string) => `Referrals made this ${periodWord}, by status at its end`;
export const LINKAGE_ALL = 'All referrals';
/** A category's row in the linkage table: named apart from its row in "Referrals made". */
export const linkageRowLabel = (categoryLabel: string) => `${categoryLabel} referrals`;
export const linkageHeadline = (periodWord: string) => `Referrals made this ${periodWord}: connected / made`;
export const timelinessHeadline = (periodWord: string) =>
  `Follow-ups asked for this ${periodWord}: met within 7 days / asked for`;
export const RACE_TITLE = 'New clients by race and ethnicity (a person may count in several rows)';

/** The digest's figures as plain text, for the terminal (`npm run carelog -- digest`): every count as it is. */
export function renderDigestText(program: DigestProgram, d: DigestFigures): string {
  return renderDigestViewText(buildDigestView(program, d, undefined, undefined, { exact: true }));
}

/** A built digest (with the weekly follow-ups table, when it has one) as plain text. */
export function renderDigestViewText(v: DigestView): string {
  const lines = [v.title, '', v.summary, ''];
  const width = Math.max(
    ...v.headline.map((h) => h.label.length),
    ...v.tables.flatMap((t) => t.rows.map((r) => r.label.length + 2)),
  );
  for (const h of v.headline) lines.push(`${h.label.padEnd(width)}  ${h.value}`);
  if (v.chart) {
    lines.push('', 'New clients by quarter');
    const max = Math.max(1, ...v.chart.map((c) => c.count));
    for (const c of v.chart)
      lines.push(
        `  ${c.label.padEnd(width - 2)}  ${(c.text ?? String(c.count)).padStart(6)} ${'█'.repeat(Math.round((c.count / max) * 30))}`,
      );
  }
  for (const t of v.tables) {
    lines.push('', t.title);
    for (const r of t.rows) lines.push(`  ${r.label.padEnd(width - 2)}  ${r.value}`);
    if (t.none) lines.push(`  ${noneLine(t.none)}`);
  }
  if (v.footnote) lines.push('', v.footnote);
  return lines.join('\n');
}
