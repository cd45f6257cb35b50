// The digest as people read it, platform-neutral: a plain-words summary line, headline figures and
// tables with the program's own labels. Aggregates only: no codes, names, notes or free text.
// With small-cell suppression (digest.suppressBelow), counts from 1 to n-1 show as "<n", and a
// second cell is hidden wherever a shown total would give the first one away.
import type { ProgramConfig } from '../config.js';
import type { TCategory } from '../domain/categories.js';
import type { DigestFigures } from '../services/digest.js';

export interface DigestTable {
  title: string;
  rows: { label: string; value: string }[];
}

export interface DigestView {
  title: string;
  summary: string;
  headline: { label: string; value: string }[];
  tables: DigestTable[];
  /** New clients by quarter since the start, for the chart (quarterly digests). */
  chart: { label: string; count: number }[] | null;
  footnote?: string;
}

/** Replaces small counts by "<n", hiding a second cell where the total would reveal the first. */
export function suppress(values: number[], below: number | undefined, totalShown: boolean): string[] {
  if (!below) return values.map(String);
  const hidden = values.map((v) => v > 0 && v < below);
  if (totalShown && hidden.filter(Boolean).length === 1) {
    // Hide the smallest other non-zero cell too, so total minus the rest does not give it away.
    let pick = -1;
    values.forEach((v, i) => {
      if (!hidden[i] && v > 0 && (pick === -1 || v < values[pick]!)) pick = i;
    });
    if (pick !== -1) hidden[pick] = true;
  }
  return values.map((v, i) => (hidden[i] ? `<${below}` : String(v)));
}

function table(title: string, categories: TCategory[], counts: Record<string, number>, below: number | undefined, totalShown: boolean): DigestTable {
  const values = categories.map((c) => counts[c.key] ?? 0);
  const shown = suppress(values, below, totalShown);
  return { title, rows: categories.map((c, i) => ({ label: c.label, value: shown[i]! })) };
}

function pct(p: number | null): string {
  if (p === null) return 'no previous figure';
  return `${p > 0 ? '+' : ''}${p} %`;
}

export function buildDigestView(program: ProgramConfig, d: DigestFigures, suppressBelow?: number): DigestView {
  const below = suppressBelow;
  const periodWord = d.period.kind === 'quarter' ? 'quarter' : 'week';
  const [served, fresh, continuing] = suppress([d.clientsServed, d.newClients, d.continuingClients], below, true);
  const change = d.newClientsChangePct;
  const trend = change === null ? '' : change === 0 ? ` — level with last ${periodWord}` : ` — ${change > 0 ? 'up' : 'down'} ${Math.abs(change)} % on last ${periodWord}`;
  const summary = `${served} ${d.clientsServed === 1 ? 'person' : 'people'} served, ${fresh} of them new${below && (served!.startsWith('<') || fresh!.startsWith('<')) ? '' : trend}`;
  return {
    title: `${program.name}: ${d.period.kind === 'quarter' ? 'quarterly' : 'weekly'} digest, ${d.period.name}`,
    summary,
    headline: [
      { label: 'Individuals served', value: served! },
      { label: 'New', value: fresh! },
      { label: 'Continuing', value: continuing! },
      { label: 'Served since the program began', value: suppress([d.servedSinceInception], below, false)[0]! },
      { label: `Change in new clients vs last ${periodWord}`, value: pct(change) },
      { label: 'Contacts', value: suppress([d.contacts], below, false)[0]! },
      { label: 'Clients with 3+ contacts in 30 days', value: suppress([d.repeatContactClients], below, false)[0]! },
      { label: 'Follow-ups completed', value: suppress([d.followUpsCompleted], below, false)[0]! },
    ],
    tables: [
      table('New clients by sex', program.categories.sex, d.newClientsBySex, below, true),
      table('New clients by age', program.categories.ageBands, d.newClientsByAgeBand, below, true),
      table('Contacts by source', program.categories.sources, d.contactsBySource, below, true),
      // A contact may have several services or referrals: these tables have no total to protect.
      table('Services provided (contacts)', program.categories.services, d.servicesProvided, below, false),
      table('Referrals made (contacts)', program.categories.referrals, d.referralsMade, below, false),
      table('Outcomes', program.categories.dispositions, d.dispositions, below, true),
    ],
    chart: d.period.kind === 'quarter' ? d.newClientsByQuarter.map((q) => ({ label: q.partial ? `${q.label}*` : q.label, count: q.count })) : null,
    ...(below ? { footnote: `Counts from 1 to ${below - 1} are shown as <${below}.` } : {}),
  };
}

/** The digest as plain text, for the terminal and for notification previews. */
export function renderDigestText(program: ProgramConfig, d: DigestFigures, suppressBelow?: number): string {
  const v = buildDigestView(program, d, suppressBelow);
  const lines = [v.title, '', v.summary, ''];
  const width = Math.max(...v.headline.map((h) => h.label.length), ...v.tables.flatMap((t) => t.rows.map((r) => r.label.length + 2)));
  for (const h of v.headline) lines.push(`${h.label.padEnd(width)}  ${h.value}`);
  if (v.chart) {
    lines.push('', 'New clients by quarter');
    const max = Math.max(1, ...v.chart.map((c) => c.count));
    for (const c of v.chart) lines.push(`  ${c.label.padEnd(width - 2)}  ${String(c.count).padStart(5)} ${'█'.repeat(Math.round((c.count / max) * 30))}`);
  }
  for (const t of v.tables) {
    lines.push('', t.title);
    for (const r of t.rows) lines.push(`  ${r.label.padEnd(width - 2)}  ${r.value}`);
  }
  if (v.footnote) lines.push('', v.footnote);
  return lines.join('\n');
}
