// The digest as people read it, platform-neutral: a plain-words summary line, headline figures and
// tables with the program's own labels. Aggregates only: no codes, names, notes or free text.
//
// Small-cell suppression (digest.suppressBelow = n): counts from 1 to n-1 show as "<n". Where a
// total shown in the digest would give such a cell away (total minus the other cells), a second
// cell is hidden too and shows as "hidden" (it is n or more, so "<n" would be untrue). The second
// cell is never one that another figure repeats: "new" reappears as the total of the sex and age
// tables and as this period's bar, so when "continuing" is small it is "served" that is hidden.
import type { ProgramConfig } from '../config.js';
import type { TCategory } from '../domain/categories.js';
import type { DigestFigures } from '../services/digest.js';

/** What a cell hidden to protect another one shows. */
export const HIDDEN_CELL = 'hidden';

export interface DigestTable {
  title: string;
  rows: { label: string; value: string }[];
}

export interface DigestChartBar {
  label: string;
  /** The bar's height; 0 for a hidden count, which is drawn as its text alone. */
  count: number;
  /** Shown instead of the count ("<11", "hidden") when the count is suppressed. */
  text?: string;
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
  name: string;
  dueThisWeek: number;
  overdue: number;
}

export interface Suppressed {
  /** Each cell as shown: the count, "<n" or "hidden". */
  shown: string[];
  /** Cells that are not shown as their count. */
  hidden: boolean[];
  /** No other cell could protect the small one: the total must not be shown. */
  hideTotal: boolean;
}

/**
 * Suppresses the small cells of a row of counts. With `totalShown`, a second cell is hidden where
 * exactly one is small (two or more hidden cells already protect each other): the smallest other
 * non-zero cell not listed in `keep` (cells another figure shows); if there is none, `hideTotal`.
 */
export function suppress(values: number[], below: number | undefined, opts: { totalShown?: boolean; keep?: number[] } = {}): Suppressed {
  if (!below) return { shown: values.map(String), hidden: values.map(() => false), hideTotal: false };
  const small = values.map((v) => v > 0 && v < below);
  const complement = values.map(() => false);
  let hideTotal = false;
  if (opts.totalShown && small.filter(Boolean).length === 1) {
    let pick = -1;
    values.forEach((v, i) => {
      if (!small[i] && v > 0 && !opts.keep?.includes(i) && (pick === -1 || v < values[pick]!)) pick = i;
    });
    if (pick === -1) hideTotal = true;
    else complement[pick] = true;
  }
  return {
    shown: values.map((v, i) => (small[i] ? `<${below}` : complement[i] ? HIDDEN_CELL : String(v))),
    hidden: values.map((_, i) => small[i]! || complement[i]!),
    hideTotal,
  };
}

function table(title: string, categories: TCategory[], counts: Record<string, number>, below: number | undefined, totalShown: boolean): DigestTable {
  const values = categories.map((c) => counts[c.key] ?? 0);
  const { shown } = suppress(values, below, { totalShown });
  return { title, rows: categories.map((c, i) => ({ label: c.label, value: shown[i]! })) };
}

const one = (v: number, below: number | undefined) => suppress([v], below).shown[0]!;

function pct(p: number | null): string {
  if (p === null) return 'no previous figure';
  return `${p > 0 ? '+' : ''}${p} %`;
}

export function buildDigestView(program: ProgramConfig, d: DigestFigures, suppressBelow?: number, attention?: AttentionRow[]): DigestView {
  const below = suppressBelow;
  const quarterly = d.period.kind === 'quarter';
  const periodWord = quarterly ? 'quarter' : 'week';
  const isSmall = (v: number) => !!below && v > 0 && v < below;

  // Served = new + continuing; "new" is kept (the sex and age tables add up to it).
  const parts = suppress([d.newClients, d.continuingClients], below, { totalShown: !isSmall(d.clientsServed), keep: [0] });
  const [fresh, continuing] = parts.shown as [string, string];
  const served = isSmall(d.clientsServed) ? `<${below}` : parts.hideTotal ? HIDDEN_CELL : String(d.clientsServed);

  // New clients by quarter add up to "served since the program began". This quarter's bar is
  // "new", and the previous one follows from "new" and the change: neither can be the second cell.
  const quarters = quarterly ? d.newClientsByQuarter : [];
  const current = quarters.findIndex((q) => q.label === d.period.label);
  const bars = suppress(
    quarters.map((q) => q.count),
    below,
    { totalShown: !isSmall(d.servedSinceInception), keep: current === -1 ? [] : [current, current - 1] },
  );
  const sinceInception = isSmall(d.servedSinceInception) ? `<${below}` : bars.hideTotal ? HIDDEN_CELL : String(d.servedSinceInception);

  // The change and this period's new clients would give the previous period's away.
  const previousHidden = isSmall(d.previousNewClients) || (current > 0 && bars.hidden[current - 1]!);
  const change = isSmall(d.newClients) || previousHidden ? undefined : d.newClientsChangePct;
  const trend =
    change === undefined || change === null ? '' : change === 0 ? ` — level with last ${periodWord}` : ` — ${change > 0 ? 'up' : 'down'} ${Math.abs(change)} % on last ${periodWord}`;
  // "person" only for a shown 1: the grammar must not give a suppressed count away.
  const summary =
    served === HIDDEN_CELL
      ? `${fresh} new and ${continuing} continuing people served${trend}`
      : `${served} ${served === '1' ? 'person' : 'people'} served, ${fresh} of them new${trend}`;

  const tables: DigestTable[] = [];
  if (attention) {
    tables.push({
      title: 'Follow-ups needing attention (due this week / overdue)',
      rows: attention.length ? attention.map((a) => ({ label: a.name, value: `${a.dueThisWeek} / ${a.overdue}` })) : [{ label: 'None', value: '0 / 0' }],
    });
  }
  tables.push(
    table('New clients by sex', program.categories.sex, d.newClientsBySex, below, true),
    table('New clients by age', program.categories.ageBands, d.newClientsByAgeBand, below, true),
    table('Contacts by source', program.categories.sources, d.contactsBySource, below, true),
    // A contact may have several services or referrals: these tables have no total to protect.
    table('Services provided (contacts)', program.categories.services, d.servicesProvided, below, false),
    table('Referrals made (contacts)', program.categories.referrals, d.referralsMade, below, false),
    table('Outcomes', program.categories.dispositions, d.dispositions, below, true),
  );

  return {
    title: `${program.name}: ${quarterly ? 'quarterly' : 'weekly'} digest, ${d.period.name}`,
    summary,
    headline: [
      { label: 'Individuals served', value: served },
      { label: 'New', value: fresh },
      { label: 'Continuing', value: continuing },
      { label: 'Served since the program began', value: sinceInception },
      { label: `Change in new clients vs last ${periodWord}`, value: change === undefined ? HIDDEN_CELL : pct(change) },
      { label: 'Contacts', value: one(d.contacts, below) },
      { label: 'Clients with 3+ contacts in 30 days', value: one(d.repeatContactClients, below) },
      { label: 'Follow-ups completed', value: one(d.followUpsCompleted, below) },
      // The weekly digest lists overdue follow-ups by case manager instead.
      ...(quarterly ? [{ label: 'Follow-ups overdue at quarter end', value: one(d.followUpsOverdue, below) }] : []),
    ],
    tables,
    chart: quarterly
      ? quarters.map((q, i) => ({
          label: q.partial ? `${q.label}*` : q.label,
          count: bars.hidden[i] ? 0 : q.count,
          ...(bars.hidden[i] ? { text: bars.shown[i]! } : {}),
        }))
      : null,
    ...(below
      ? { footnote: `Counts from 1 to ${below - 1} are shown as <${below}; “${HIDDEN_CELL}” marks a count left out so that a total cannot give a small one away.` }
      : {}),
  };
}

/** The digest's figures as plain text, for the terminal (`npm run carelog -- digest`). */
export function renderDigestText(program: ProgramConfig, d: DigestFigures, suppressBelow?: number): string {
  return renderDigestViewText(buildDigestView(program, d, suppressBelow));
}

/** A built digest (with the weekly follow-ups table, when it has one) as plain text. */
export function renderDigestViewText(v: DigestView): string {
  const lines = [v.title, '', v.summary, ''];
  const width = Math.max(...v.headline.map((h) => h.label.length), ...v.tables.flatMap((t) => t.rows.map((r) => r.label.length + 2)));
  for (const h of v.headline) lines.push(`${h.label.padEnd(width)}  ${h.value}`);
  if (v.chart) {
    lines.push('', 'New clients by quarter');
    const max = Math.max(1, ...v.chart.map((c) => c.count));
    for (const c of v.chart) lines.push(`  ${c.label.padEnd(width - 2)}  ${(c.text ?? String(c.count)).padStart(6)} ${'█'.repeat(Math.round((c.count / max) * 30))}`);
  }
  for (const t of v.tables) {
    lines.push('', t.title);
    for (const r of t.rows) lines.push(`  ${r.label.padEnd(width - 2)}  ${r.value}`);
  }
  if (v.footnote) lines.push('', v.footnote);
  return lines.join('\n');
}
