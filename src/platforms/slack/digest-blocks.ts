// Block Kit for a digest (src/views/digest.ts): a header, the summary line, the headline figures
// as fields, each table as one section (or several, when its rows pass Slack's 3,000 characters
// of section text: 100 categories with long labels do), its all-zero rows as one "None" line, and
// the people it names mentioned. Aggregates only.
import type { KnownBlock } from '@slack/types';
import { noneLine, type DigestRow, type DigestView } from '../../views/digest.js';
import { slackMention } from './mention.js';

/** Slack allows at most 10 fields in a section. */
const FIELDS_PER_SECTION = 10;
/** Slack's limit on a section's text. */
const SECTION_TEXT_MAX = 3000;
/** Slack's limit on a header's text. */
const HEADER_TEXT_MAX = 150;

export const DIGEST_BLOCK = {
  title: 'digest_title',
  summary: 'digest_summary',
  headline: 'digest_headline',
  byQuarter: 'digest_by_quarter',
  table: 'digest_table',
  divider: 'digest_divider',
  footnote: 'digest_footnote',
} as const;

/** A titled list as sections of at most SECTION_TEXT_MAX characters, never cutting a line. */
function sections(blockId: string, title: string, lines: string[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  let text = `*${title}*`;
  const flush = () => {
    out.push({
      type: 'section',
      block_id: out.length ? `${blockId}_${out.length}` : blockId,
      text: { type: 'mrkdwn', text },
    });
  };
  for (const line of lines) {
    const piece = line.slice(0, SECTION_TEXT_MAX - title.length - 20);
    if (text.length + 1 + piece.length > SECTION_TEXT_MAX) {
      flush();
      text = `*${title} (continued)*`;
    }
    text += `\n${piece}`;
  }
  flush();
  return out;
}

/** A row's label, or a mention of the person it names when they are on Slack. */
const rowLabel = (r: DigestRow) => (r.person && slackMention(r.person)) ?? r.label;

export function renderDigestBlocks(v: DigestView): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      block_id: DIGEST_BLOCK.title,
      text: { type: 'plain_text', text: v.title.slice(0, HEADER_TEXT_MAX), emoji: true },
    },
    { type: 'section', block_id: DIGEST_BLOCK.summary, text: { type: 'mrkdwn', text: `*${v.summary}*` } },
  ];
  for (let i = 0; i < v.headline.length; i += FIELDS_PER_SECTION) {
    blocks.push({
      type: 'section',
      block_id: `${DIGEST_BLOCK.headline}_${i / FIELDS_PER_SECTION}`,
      fields: v.headline
        .slice(i, i + FIELDS_PER_SECTION)
        .map((h) => ({ type: 'mrkdwn' as const, text: `*${h.label}*\n${h.value}` })),
    });
  }
  if (v.chart) {
    const bars = v.chart.map((c) => `${c.label}: ${c.text ?? c.count}`);
    // Several bars to a line, joined as before: "2024-Q1*: 5 · 2024-Q2: 87 · …".
    const lines: string[] = [];
    for (let i = 0; i < bars.length; i += 8) lines.push(bars.slice(i, i + 8).join(' · '));
    blocks.push(...sections(DIGEST_BLOCK.byQuarter, 'New clients by quarter', lines));
  }
  v.tables.forEach((t, i) => {
    blocks.push({ type: 'divider', block_id: `${DIGEST_BLOCK.divider}_${i}` });
    blocks.push(
      ...sections(`${DIGEST_BLOCK.table}_${i}`, t.title, [
        ...t.rows.map((r) => `${rowLabel(r)}: *${r.value}*`),
        ...(t.none ? [noneLine(t.none)] : []),
      ]),
    );
  });
  if (v.footnote)
    blocks.push({ type: 'context', block_id: DIGEST_BLOCK.footnote, elements: [{ type: 'mrkdwn', text: v.footnote }] });
  return blocks;
}
