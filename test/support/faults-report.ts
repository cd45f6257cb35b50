// The figures of the reliability and security suite (npm run test:faults): each case appends one
// JSON line to faults-report.jsonl and prints a one-line summary; its assertions enforce the goal.
// test/faults/global-setup.ts empties the file at the start of a run and prints the table at its end.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

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
