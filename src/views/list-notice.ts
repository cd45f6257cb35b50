// The line at the top of a list (follow-ups, open referrals) drawn again after someone acted on one
// of its entries, on every platform: which entry, and what was recorded or why nothing was. The
// entry itself is drawn as it now is, or is gone from the list once it is settled, so the line is
// the only place that says what just happened to it. Codes only, like every message.

/** "Linkage check: PIC-0042 — Recorded as declined by …", or the error in place of the outcome. */
export function listNotice(m: { heading: string; outcome?: string } | undefined, error?: string): string | undefined {
  const said = error ?? m?.outcome;
  if (!said) return undefined;
  return m ? `${m.heading} — ${said}` : said;
}
