// Working out a suppressed count from the rest of a digest: 2,000 random weekly and quarterly
// digests (fast-check, fixed seed; small counts, Part 2 categories in tables with totals, with and
// without digest.suppressBelow; referral linkage by category and status, follow-up timeliness,
// on-scene items, transport destinations and, in half, race / ethnicity and veteran status), each
// read by the independent auditor (test/support/
// digest-auditor.ts), which asks HiGHS for the smallest and largest value of every figure shown as
// "<n" or "hidden". The figure: digests where one of them has a single possible value.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDigestView } from '../../src/views/digest.js';
import {
  arbDigest,
  auditDigest,
  defaultProgram,
  figuresOf,
  loadAuditor,
  part2Everywhere,
} from '../support/digest-auditor.js';
import { reportFigure, stopwatch } from '../support/faults.js';

const DIGESTS = 2000;

beforeAll(loadAuditor);

describe('digest suppression against a reader with a solver', () => {
  it('no figure left out of 2,000 random digests can be worked out', () => {
    const elapsed = stopwatch();
    let checked = 0;
    const leaks: string[] = [];
    fc.sample(arbDigest, { numRuns: DIGESTS, seed: 20261202 }).forEach((r, i) => {
      const program = r.part2Everywhere ? part2Everywhere : defaultProgram;
      const d = figuresOf(r, program);
      try {
        checked += auditDigest(buildDigestView(program, d, r.below), d, program, r.below);
      } catch (err) {
        leaks.push(`digest ${i}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
    reportFigure({
      case: 'suppressed digest figures worked out',
      figure: leaks.length,
      unit: 'digests with a figure given away',
      goal: '0',
      ok: leaks.length === 0,
      of: { count: DIGESTS, unit: 'random digests' },
      durationMs: elapsed(),
      details: { figuresLeftOutChecked: checked },
    });
    expect(leaks).toEqual([]);
  }, 1_800_000); // 2,000 digests of up to ~120 figures each: 15.5 minutes at load 15–20
});
