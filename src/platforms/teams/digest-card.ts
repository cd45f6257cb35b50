// A digest (src/views/digest.ts) as an Adaptive Card: title, summary, headline figures, the chart
// image inline (a data URI: the PNG is a few KB) with its figures as text, and each table.
// Aggregates only.
import type { CardElementArray, IAdaptiveCard } from '@microsoft/teams.cards';
import type { DigestView } from '../../views/digest.js';
import { adaptiveCard, byteSize, MAX_MESSAGE_BYTES, text } from './cards.js';

export const CHART_ALT_TEXT = 'New clients by quarter';

export function renderDigestCard(v: DigestView, chartPng: Buffer | null): IAdaptiveCard {
  const body: CardElementArray = [
    text(v.title, { size: 'Large', weight: 'Bolder' }),
    text(v.summary, { weight: 'Bolder' }),
    { type: 'FactSet', facts: v.headline.map((h) => ({ title: h.label, value: h.value })) },
  ];
  if (v.chart) {
    body.push(text('New clients by quarter', { weight: 'Bolder', separator: true }));
    if (chartPng)
      body.push({
        type: 'Image',
        id: 'digest_chart',
        url: `data:image/png;base64,${chartPng.toString('base64')}`,
        altText: CHART_ALT_TEXT,
        size: 'Stretch',
      });
    // A suppressed count shows as its text ("<11", "hidden"), as on the chart and in Slack.
    body.push(
      text(v.chart.map((c) => `${c.label}: ${c.text ?? c.count}`).join(' · '), { size: 'Small', isSubtle: true }),
    );
  }
  for (const t of v.tables) {
    body.push(text(t.title, { weight: 'Bolder', separator: true }));
    body.push({ type: 'FactSet', facts: t.rows.map((r) => ({ title: r.label, value: r.value })) });
  }
  if (v.footnote) body.push(text(v.footnote, { size: 'Small', isSubtle: true }));
  return adaptiveCard(body);
}

/** The card to post, and whether the chart had to stay out to keep the message under Teams' limit. */
export function digestCardWithinLimit(
  v: DigestView,
  chartPng: Buffer | null,
): { card: IAdaptiveCard; chartDropped: boolean } {
  const card = renderDigestCard(v, chartPng);
  if (!chartPng || byteSize(card) <= MAX_MESSAGE_BYTES) return { card, chartDropped: false };
  return { card: renderDigestCard(v, null), chartDropped: true };
}
