// Small-cell suppression, checked by an independent auditor (test/support/digest-auditor.ts: it
// reads each digest as shown, writes every equation linking the figures and asks HiGHS for the
// smallest and largest value of each figure not shown). For every figure not shown the two must
// differ, over random tables and random weekly and quarterly digests.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDigestView, suppress } from '../../src/views/digest.js';
import {
  arbDigest,
  auditDigest,
  count,
  defaultProgram,
  expectNothingGivenAway,
  figuresOf,
  loadAuditor,
  newModel,
  part2Everywhere,
  sumRow,
  variable,
} from '../support/digest-auditor.js';

beforeAll(loadAuditor);

describe('suppress: one table with its total', () => {
  it('leaves out a second cell when two small ones would be pinned at 1 ([1, 1, 40] and 42)', () => {
    const s = suppress([1, 1, 40], 11, { totalShown: true });
    expect(s.shown).toEqual(['<11', '<11', 'hidden']);
  });

  it('hides the total when eleven cells of 1 would each be pinned at their minimum', () => {
    const s = suppress(
      Array.from({ length: 11 }, () => 1),
      11,
      { totalShown: true },
    );
    expect(s).toMatchObject({ shown: Array.from({ length: 11 }, () => '<11'), hideTotal: true });
  });

  it('never lets a hidden cell be worked out, over random tables', () => {
    fc.assert(
      fc.property(
        fc.array(count, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 3, max: 15 }),
        fc.boolean(),
        fc.array(fc.nat(7)),
        (values, below, totalShown, keep) => {
          const s = suppress(values, below, { totalShown, keep });
          const m = newModel();
          const cells = values.map((v, i) => variable(m, `cell ${i}`, v, s.shown[i]!));
          // Small counts never show as themselves; shown counts are the true ones.
          values.forEach((v, i) => (v > 0 && v < below ? expect(s.shown[i]).not.toBe(String(v)) : undefined));
          const total = values.reduce((a, v) => a + v, 0);
          if (totalShown) {
            const t = variable(m, 'total', total, s.hideTotal ? 'hidden' : String(total));
            sumRow(m, t, cells);
            const out = values.filter((_, i) => s.hidden[i]);
            if (out.length && !s.hideTotal) {
              expect(out.length).toBeGreaterThanOrEqual(2);
              expect(out.reduce((a, v) => a + v, 0)).toBeGreaterThanOrEqual(below);
            }
          }
          expectNothingGivenAway(m, new Set());
        },
      ),
      { numRuns: 200, seed: 20261202 },
    );
  }, 120_000);
});

describe('digests: no figure left out can be worked out from the figures shown', () => {
  it('holds over random weekly and quarterly digests, with and without a threshold, Part 2 in any table', () => {
    fc.assert(
      fc.property(arbDigest, (r) => {
        const program = r.part2Everywhere ? part2Everywhere : defaultProgram;
        const d = figuresOf(r, program);
        auditDigest(buildDigestView(program, d, r.below), d, program, r.below);
      }),
      { numRuns: 150, seed: 42 },
    );
  }, 300_000);
});
