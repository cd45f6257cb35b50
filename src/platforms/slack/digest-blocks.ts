// Block Kit for a digest (src/views/digest.ts): a header, the summary line, the headline figures
// as fields, each table as one section. Aggregates only.
import type { KnownBlock } from '@slack/types';
import type { DigestView } from '../../views/digest.js';

/** Slack allows at most 10 fields in a section. */
const FIELDS_PER_SECTION = 10;

export function renderDigestBlocks(v: DigestView): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'header', block_id: 'digest_title', text: { type: 'plain_text', text: v.title.slice(0, 150), emoji: true } },
    { type: 'section', block_id: 'digest_summary', text: { type: 'mrkdwn', text: `*${v.summary}*` } },
  ];
  for (let i = 0; i < v.headline.length; i += FIELDS_PER_SECTION) {
    blocks.push({
      type: 'section',
      block_id: `digest_headline_${i / FIELDS_PER_SECTION}`,
      fields: v.headline.slice(i, i + FIELDS_PER_SECTION).map((h) => ({ type: 'mrkdwn' as const, text: `*${h.label}*\n${h.value}` })),
    });
  }
  if (v.chart) {
    const bars = v.chart.map((c) => `${c.label}: ${c.count}`).join(' · ');
    blocks.push({ type: 'section', block_id: 'digest_by_quarter', text: { type: 'mrkdwn', text: `*New clients by quarter*\n${bars}` } });
  }
  v.tables.forEach((t, i) => {
    blocks.push({ type: 'divider', block_id: `digest_divider_${i}` });
    const lines = t.rows.map((r) => `${r.label}: *${r.value}*`).join('\n');
    blocks.push({ type: 'section', block_id: `digest_table_${i}`, text: { type: 'mrkdwn', text: `*${t.title}*\n${lines}`.slice(0, 3000) } });
  });
  if (v.footnote) blocks.push({ type: 'context', block_id: 'digest_footnote', elements: [{ type: 'mrkdwn', text: v.footnote }] });
  return blocks;
}
