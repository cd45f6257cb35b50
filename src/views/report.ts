// The quarterly (or yearly, fiscal-year, any-range) progress report a program sends its funder and
// council, as one platform-neutral document that the HTML, PDF and XLSX renderers draw. Every figure
// comes from the digest's figures and is shown as the digest shows it: the same suppression (the
// digest view builds each column), the same 42 CFR Part 2 rule. Aggregates only: no client code,
// name or note can appear, since the digest figures hold none.
import type { DigestFigures, DigestProgram } from '../domain/digest.js';
import { formatDay, type ReportPeriod } from '../domain/periods.js';
import { newClientsChart, type ChartBar, type ChartModel } from './chart-model.js';
import { buildDigestView, buildLinkedDigestViews, HIDDEN_CELL, suppressionRule, type DigestView } from './digest.js';

export interface ReportTable {
  /** A short name, unique in the report (a spreadsheet's sheet name). */
  id: string;
  title: string;
  /** The figures' columns: one per quarter and the total for a year, else one. */
  columns: string[];
  rows: { label: string; values: string[] }[];
  chart?: ChartModel;
}

export interface ReportDocument {
  programName: string;
  title: string;
  /** "Jul–Sep 2024" */
  periodName: string;
  /** "Jul 1, 2024 – Sep 30, 2024" */
  periodDates: string;
  /** "Dec 3, 2026" */
  generatedOn: string;
  /** The summary line, as in the digest. */
  summary: string;
  headline: ReportTable;
  sections: ReportTable[];
  definitions: { term: string; meaning: string }[];
  suppressionRule: string;
}

/** Is a shown value a count (not "<11", "hidden" or words)? */
export const isCount = (value: string) => /^\d+$/.test(value);

/** A category table as a chart: suppressed cells are drawn as their label, never as a number. */
export function tableChart(title: string, rows: { label: string; value: string }[]): ChartModel {
  return {
    title,
    bars: rows.map((r): ChartBar =>
      isCount(r.value) ? { label: r.label, count: Number(r.value) } : { label: r.label, count: 0, text: r.value },
    ),
  };
}

/** Labels that name the period's kind, made the same for every column of a year's table. */
const periodNeutral = (label: string) =>
  label.replace(/\b(this|last) (quarter|week|period)\b/g, '$1 period').replace(/\bat quarter end\b/, 'at period end');

/** Zips the views' rows by label, in the order first seen; a row one column lacks shows "—". */
function zip(
  columns: string[],
  lists: { label: string; value: string }[][],
  neutral: boolean,
): { label: string; values: string[] }[] {
  const key = neutral ? periodNeutral : (l: string) => l;
  const order: string[] = [];
  const byKey = new Map<string, string[]>();
  lists.forEach((rows, c) => {
    for (const r of rows) {
      const k = key(r.label);
      if (!byKey.has(k)) {
        order.push(k);
        byKey.set(
          k,
          columns.map(() => '—'),
        );
      }
      byKey.get(k)![c] = r.value;
    }
  });
  return order.map((label) => ({ label, values: byKey.get(label)! }));
}

const SHEET_IDS: Record<string, string> = {
  'New clients by sex': 'Sex',
  'New clients by age': 'Age',
  'Contacts by source': 'Sources',
  'Services provided (contacts)': 'Services',
  'Referrals made (contacts)': 'Referrals',
  Outcomes: 'Outcomes',
  'On scene (contacts)': 'On scene',
  'Transport destinations (contacts)': 'Transport',
  'New clients by veteran status': 'Veteran status',
};

function sheetId(title: string, used: Set<string>): string {
  let id =
    SHEET_IDS[title] ??
    (/^Referrals made this/.test(title)
      ? 'Referral linkage'
      : /^Follow-ups asked for/.test(title)
        ? 'Follow-up timeliness'
        : /race and ethnicity/.test(title)
          ? 'Race and ethnicity'
          : title.replace(/[[\]:*?/\\]/g, ' ').slice(0, 28));
  for (let n = 2; used.has(id); n++) id = `${id.slice(0, 26)} ${n}`;
  used.add(id);
  return id;
}

export interface ReportInput {
  program: DigestProgram & { startDate: string; timezone: string };
  period: ReportPeriod;
  /** One per quarter column (a year, a fiscal year); empty otherwise. */
  parts: DigestFigures[];
  whole: DigestFigures;
  suppressBelow?: number;
  /** The program's local date the report is made on. */
  today: string;
}

export function buildReport(input: ReportInput): ReportDocument {
  const { program, period, parts, whole, suppressBelow } = input;
  const views: DigestView[] = parts.length
    ? buildLinkedDigestViews(program, parts, whole, suppressBelow)
    : [buildDigestView(program, whole, suppressBelow)];
  const wholeView = views.at(-1)!;
  const multi = views.length > 1;
  const columns = multi
    ? [...parts.map((p) => p.period.name), `${period.label} total`]
    : [whole.period.name.replace(/ \(partial quarter\)$/, '')];
  const periodDates = `${formatDay(whole.period.start)} – ${formatDay(addDay(whole.period.end, -1))}`;

  const used = new Set<string>(['Headline', 'New clients by quarter', 'Definitions']);
  const headline: ReportTable = {
    id: 'Headline',
    title: 'Headline figures',
    columns,
    rows: zip(
      columns,
      views.map((v) => v.headline),
      multi,
    ),
  };

  const sections: ReportTable[] = [];
  const bars = wholeView.chart ?? [];
  const names = new Map(whole.newClientsByQuarter.map((q) => [q.label, q.name]));
  sections.push({
    id: 'New clients by quarter',
    title: 'New clients by quarter since the program began',
    columns: ['New clients'],
    rows: bars.map((b) => ({
      label: names.get(b.label.replace(/\*$/, '')) ?? b.label,
      values: [b.text ?? String(b.count)],
    })),
    chart: newClientsChart(bars),
  });
  const titles = [...new Set(views.flatMap((v) => v.tables.map((t) => (multi ? periodNeutral(t.title) : t.title))))];
  for (const title of titles) {
    const lists = views.map(
      (v) => v.tables.find((t) => (multi ? periodNeutral(t.title) : t.title) === title)?.rows ?? [],
    );
    const table: ReportTable = { id: sheetId(title, used), title, columns, rows: zip(columns, lists, multi) };
    // Charts for the demographics of new clients, from the whole period's column.
    if (title === 'New clients by sex' || title === 'New clients by age')
      table.chart = tableChart(title, lists.at(-1)!);
    sections.push(table);
  }

  return {
    programName: program.name,
    title: `${program.name}: progress report`,
    periodName: period.kind === 'quarter' ? whole.period.name : period.name,
    periodDates,
    generatedOn: formatDay(input.today),
    summary: wholeView.summary,
    headline,
    sections,
    definitions: definitions(input),
    suppressionRule: suppressionRule(suppressBelow),
  };
}

function addDay(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function definitions({ program, period }: ReportInput): { term: string; meaning: string }[] {
  const previous = {
    quarter: 'the quarter before',
    year: 'the calendar year before',
    'fiscal-year': 'the federal fiscal year before',
    range: 'the same number of days just before',
  }[period.kind];
  return [
    {
      term: 'Individuals served',
      meaning: 'Distinct clients with at least one contact logged in the period.',
    },
    {
      term: 'New',
      meaning: 'Clients served in the period whose first-ever contact with the program falls in it.',
    },
    {
      term: 'Continuing',
      meaning: 'Clients served in the period whose first contact was in an earlier period (served = new + continuing).',
    },
    {
      term: 'Served since the program began (since inception)',
      meaning: `Distinct clients with at least one contact from the program's start (${formatDay(program.startDate)}) to the period's end.`,
    },
    {
      term: 'Change in new clients',
      meaning: `New clients in the period against ${previous}, as a whole percent (115 against 87 is +32 %).`,
    },
    {
      term: 'New clients by quarter',
      meaning: `Clients whose first-ever contact falls in each calendar quarter, in the program's time zone (${program.timezone}); the first quarter is partial (*) when the program began during it.`,
    },
    {
      term: 'Sex, age and other demographics',
      meaning:
        'Describe the period\'s new clients, recorded once when a client is first logged; they add up to new, not to served. "Not reported" is an answer.',
    },
    {
      term: 'Contacts, sources and outcomes',
      meaning: 'Count contacts (encounters) in the period; sources and outcomes each add up to contacts.',
    },
    {
      term: 'Services and referrals',
      meaning: 'Count the contacts on which each was given; one contact can give several.',
    },
    {
      term: 'Referral linkage',
      meaning:
        "Referrals made in the period, by their status as recorded by the period's end: connected, declined, couldn't reach, unknown, or still pending.",
    },
    {
      term: 'Follow-up timeliness',
      meaning:
        "Follow-ups asked for on the period's contacts, and how many a logged contact met within 48 hours and within 7 days of the contact that asked.",
    },
    {
      term: 'On scene',
      meaning:
        'Contacts in the period with each on-scene item recorded; minutes on scene over the contacts that recorded them.',
    },
    ...(period.kind === 'fiscal-year'
      ? [
          {
            term: 'Federal fiscal year',
            meaning: 'October 1 to September 30, named by the year it ends in (FY2025: Oct 1, 2024 – Sep 30, 2025).',
          },
        ]
      : []),
    {
      term: `“${HIDDEN_CELL}” and “<n”`,
      meaning: 'A count too small to show, or left out so that no small count can be worked out from the others.',
    },
  ];
}
