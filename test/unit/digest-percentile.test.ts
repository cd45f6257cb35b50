// Minutes on scene are counted by value in the database and their percentiles taken from those
// counts: the same figures as Postgres's percentile_cont over the values themselves (the expected
// values below are what Postgres 15 returns for the same lists, float rounding included).
import { describe, expect, it } from 'vitest';
import { percentileOfCounts } from '../../src/domain/digest.js';

/** The histogram of a list of values. */
const counts = (values: number[]) => {
  const out = new Map<number, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
};

describe('percentileOfCounts', () => {
  it('interpolates between neighbours as percentile_cont does', () => {
    const h = counts([10, 10, 10, 25, 40, 40, 180]);
    expect(percentileOfCounts(h, 0.5)).toBe(25);
    // percentile_cont(0.9): 40 + (180 - 40) × 0.4, with the same float rounding.
    expect(percentileOfCounts(h, 0.9)).toBe(96.00000000000006);
    expect(percentileOfCounts(counts([3, 4]), 0.5)).toBe(3.5);
    expect(percentileOfCounts(counts([3, 4]), 0.9)).toBe(3.9);
  });

  it('lands on repeated values, whatever order the counts come in', () => {
    const values = [101, 9, 2, 1, 2, 9, 100, 2, 1, 9, 2];
    const h = new Map([...counts(values)].reverse());
    expect([0.5, 0.9, 0.1].map((f) => percentileOfCounts(h, f))).toEqual([2, 100, 1]);
    expect(percentileOfCounts(counts([7]), 0.9)).toBe(7);
  });

  it('is null with nothing to take it of', () => {
    expect(percentileOfCounts(new Map(), 0.5)).toBeNull();
    expect(percentileOfCounts(new Map([[5, 0]]), 0.5)).toBeNull();
  });
});
