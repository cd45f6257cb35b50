// Helpers of the reliability and security suite (npm run test:faults). Each case appends its figure
// as one JSON line to faults-report.jsonl and prints a one-line summary; its assertions enforce the
// goal. test/faults/global-setup.ts empties the file at the start of a run and prints the table at
// its end.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { PrismaClient } from '../../src/db/client.js';
import { NEW_CLIENT } from '../../src/domain/contact-draft.js';
import { readContactMetadata, renderContactModal } from '../../src/platforms/slack/contact-modal.js';
import { buildContactForm } from '../../src/views/contact-form.js';
import type { Harness } from './harness.js';
import type { OpenedView } from './slack-payloads.js';

export const FAULTS_REPORT_FILE = path.resolve('faults-report.jsonl');

export interface FaultFigure {
  /** Short name of the case, e.g. "replayed submissions". */
  case: string;
  /** The measured figure (duplicates, leaks, rows written, …). */
  figure: number;
  unit: string;
  /** What the figure must be, in words (e.g. "0"); `ok` says whether it was. */
  goal: string;
  ok: boolean;
  /** The volume behind the figure (submissions sent, payloads fuzzed, …). */
  of?: { count: number; unit: string };
  durationMs: number;
  /** Other counts worth keeping beside the figure. */
  details?: Record<string, number | string>;
}

export function formatFigure(f: FaultFigure): string {
  const of = f.of ? ` over ${f.of.count.toLocaleString('en-US')} ${f.of.unit}` : '';
  return `${f.ok ? 'ok  ' : 'FAIL'} ${f.case}: ${f.figure.toLocaleString('en-US')} ${f.unit}${of} (goal ${f.goal}) in ${(f.durationMs / 1000).toFixed(1)} s`;
}

/** Records a case's figure; call it before the assertions, so a failing figure is reported too. */
export function reportFigure(f: FaultFigure): void {
  appendFileSync(FAULTS_REPORT_FILE, `${JSON.stringify({ ...f, at: new Date().toISOString() })}\n`);
  process.stdout.write(`[faults] ${formatFigure(f)}\n`);
}

/** A stopwatch for a case's duration. */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => Math.round(performance.now() - started);
}

/** Runs `fn` over `items` with at most `concurrency` at once; answers in the order of `items`. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** A small seeded PRNG (mulberry32), so a case's "random" choices are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row counts of every table carelog writes, for "nothing was written" checks. */
export async function countRows(prisma: PrismaClient): Promise<Record<string, number>> {
  const [clients, contacts, followUps, nudges, digestRuns, auditEvents, members, active, versions] = await Promise.all([
    prisma.client.count(),
    prisma.contact.count(),
    prisma.followUp.count(),
    prisma.nudge.count(),
    prisma.digestRun.count(),
    prisma.auditEvent.count(),
    prisma.member.count(),
    prisma.member.count({ where: { active: true } }),
    prisma.rosterVersion.aggregate({ _sum: { version: true } }),
  ]);
  // The roster: its rows, who is active, and every program's version (bumped by any change to it).
  const rosterVersions = versions._sum.version ?? 0;
  return { clients, contacts, followUps, nudges, digestRuns, auditEvents, members, active, rosterVersions };
}

/** Rows added between two countRows() snapshots, over all tables. */
export function rowsAdded(before: Record<string, number>, after: Record<string, number>): number {
  return Object.keys(after).reduce((n, k) => n + Math.abs(after[k]! - (before[k] ?? 0)), 0);
}

/**
 * The contact form as carelog opened it for `userId` (through /contact and views.open). Slack
 * gives every opened modal its own view id, which is the form's idempotency key: `asForm` gives
 * the same form under another id, as a second opened modal.
 */
export async function openContactFormTemplate(
  h: Harness,
  userId: string,
  /** Show every field (a new client's, and those behind "More details"), not the form as opened. */
  opts: { everyField?: boolean } = {},
): Promise<{ opened: OpenedView; asForm(id: string): OpenedView }> {
  const before = h.slack.calls.length;
  const res = await h.command(userId, '');
  if (res.status !== 200) throw new Error(`/contact answered ${res.status}`);
  const call = await h.slack.waitFor('views.open', before);
  const view = call.args.view as Record<string, unknown>;
  if (!opts.everyField) {
    const opened: OpenedView = { id: `VTEMPLATE${Date.now()}`, hash: 'h1', view };
    return { opened, asForm: (id) => ({ ...opened, id }) };
  }
  // Every field shown, as the form stands once "New client" is chosen and "More details" opened:
  // a submission's error can then be marked by its field (carelog redraws a form whose field with
  // an error was not shown, with the error in a notice, instead).
  const meta = readContactMetadata(view.private_metadata as string)!;
  const program = h.carelog.deps.directory.program(meta.programId)!;
  const full = renderContactModal(
    buildContactForm({
      categories: program.categories,
      demographics: program.demographics,
      draft: { client: NEW_CLIENT },
      showDetails: true,
    }),
    { timezone: program.timezone, metadata: meta },
  );
  const opened: OpenedView = {
    id: `VTEMPLATE${Date.now()}`,
    hash: 'h1',
    view: { ...view, blocks: full.blocks },
  };
  return { opened, asForm: (id) => ({ ...opened, id }) };
}
