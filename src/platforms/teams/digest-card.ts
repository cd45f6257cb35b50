// A digest (src/views/digest.ts) as an Adaptive Card: title, summary, headline figures, the chart
// image inline (a data URI: the PNG is a few KB; the image carries its own title) with its figures
// as text, and each table with its all-zero rows as one "None" line. People on Teams the digest
// names are mentioned: `<at>name</at>` in the text plus a mention entity in the card's `msteams`,
// as Teams documents for cards. Aggregates only.
import type { CardElementArray, IAdaptiveCard } from '@microsoft/teams.cards';
import { noneLine, type DigestRow, type DigestView } from '../../views/digest.js';
import { adaptiveCard, byteSize, MAX_MESSAGE_BYTES, text } from './cards.js';

export const CHART_ALT_TEXT = 'New clients by quarter';

/** A mention in an Adaptive Card: the entity Teams pairs with `<at>…</at>` in the card's text. */
export interface CardMention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface DigestCardOptions {
  /**
   * Mention the Teams people the digest names (a post to the team channel). A preview in someone's
   * own chat names them in plain words instead: no one is notified of a preview.
   */
  mention?: boolean;
}

/** The name a mention shows: the roster name without the characters Teams' <at> markup would misread. */
const mentionName = (name: string) => name.replace(/[<>]/g, '').trim();

export function renderDigestCard(v: DigestView, chartPng: Buffer | null, opts: DigestCardOptions = {}): IAdaptiveCard {
  const mentions: CardMention[] = [];
  const label = (r: DigestRow) => {
    const p = r.person;
    const name = p?.displayName ? mentionName(p.displayName) : '';
    if (!opts.mention || !p || p.platform !== 'teams' || !name) return r.label;
    const at = `<at>${name}</at>`;
    // The roster names a Teams person by their Entra object id, which Teams takes as mentioned.id.
    if (!mentions.some((m) => m.mentioned.id === p.platformUserId))
      mentions.push({ type: 'mention', text: at, mentioned: { id: p.platformUserId, name } });
    return at;
  };
  const body: CardElementArray = [
    text(v.title, { size: 'Large', weight: 'Bolder' }),
    text(v.summary, { weight: 'Bolder' }),
    { type: 'FactSet', facts: v.headline.map((h) => ({ title: h.label, value: h.value })) },
  ];
  if (v.chart) {
    // The chart image has the title in it: a heading above it would say it twice.
    if (chartPng)
      body.push({
        type: 'Image',
        id: 'digest_chart',
        url: `data:image/png;base64,${chartPng.toString('base64')}`,
        altText: CHART_ALT_TEXT,
        size: 'Stretch',
        separator: true,
      });
    else body.push(text(CHART_ALT_TEXT, { weight: 'Bolder', separator: true }));
    // A suppressed count shows as its text ("<11", "hidden"), as on the chart and in Slack.
    body.push(
      text(v.chart.map((c) => `${c.label}: ${c.text ?? c.count}`).join(' · '), { size: 'Small', isSubtle: true }),
    );
  }
  for (const t of v.tables) {
    body.push(text(t.title, { weight: 'Bolder', separator: true }));
    if (t.rows.length) body.push({ type: 'FactSet', facts: t.rows.map((r) => ({ title: label(r), value: r.value })) });
    if (t.none) body.push(text(noneLine(t.none), { isSubtle: true, spacing: 'Small' }));
  }
  if (v.footnote) body.push(text(v.footnote, { size: 'Small', isSubtle: true }));
  const card = adaptiveCard(body);
  if (mentions.length) card.msteams = { ...card.msteams, entities: mentions };
  return card;
}

/** The card to post, and whether the chart had to stay out to keep the message under Teams' limit. */
export function digestCardWithinLimit(
  v: DigestView,
  chartPng: Buffer | null,
  opts: DigestCardOptions = {},
): { card: IAdaptiveCard; chartDropped: boolean } {
  const card = renderDigestCard(v, chartPng, opts);
  if (!chartPng || byteSize(card) <= MAX_MESSAGE_BYTES) return { card, chartDropped: false };
  return { card: renderDigestCard(v, null, opts), chartDropped: true };
}
