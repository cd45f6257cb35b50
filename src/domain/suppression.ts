// Small-cell suppression for figures that are linked to each other (a total and its parts, a count
// that cannot exceed another). Pure rules, no I/O.
//
// What each cell shows, and what that tells a reader:
//  - its count, exactly;
//  - "small": a count from 1 to threshold − 1 ("<11" says 1..10);
//  - "hidden": left out; a count of 1 or more (0 always shows as 0), small or not.
// The guarantee: for every cell not shown exactly, what is shown (the exact cells, every relation
// between them, and the range each label says) leaves at least two values possible. A group of
// parts whose total is shown that leaves out any part leaves out at least two, and those left out
// add up to at least the largest threshold among them.
//
// Hand-written rather than an integer-programming library: the relations are sums and "at most"
// between counts, and a witness (a second set of counts, one step away, that fits everything shown)
// is found by a small search over ±1 steps; no cell is ever called safe without one. When a cell
// has none, the relation that blocked the search gets a second cell left out (the smallest other
// count shown there, never a cell marked `keep` while another will do), and the search runs again.
// What this does not cover: a reader who knows these rules also knows a cell left out as the
// smallest is no larger than the others shown beside it, and that one was needed at all.

/** 42 CFR Part 2 (substance-use treatment): never shown as a count below this, whatever the program's threshold. */
export const PART2_FLOOR = 11;

export interface SuppressionCell {
  value: number;
  /** Counts from 1 to threshold − 1 are small; none when unset. */
  threshold?: number;
  /** Shown elsewhere too (e.g. "new" is the total of the sex and age tables): left out only as a last resort. */
  keep?: boolean;
  /** Not shown at all (a figure the relations need, such as clients first seen before the period). */
  latent?: boolean;
}

export type Relation =
  /** total = the sum of the parts. */
  | { kind: 'sum'; total: number; parts: number[] }
  /** The sum of lhs is at most the sum of rhs. */
  | { kind: 'le'; lhs: number[]; rhs: number[] };

export type Shown = 'exact' | 'small' | 'hidden';

/** How many search steps one witness may take before the cell is treated as given away. */
const WITNESS_BUDGET = 4000;

export function isSmallCount(value: number, threshold: number | undefined): boolean {
  return threshold !== undefined && value > 0 && value < threshold;
}

/** The threshold of a category's cell: the program's, raised to PART2_FLOOR for a Part 2 category. */
export function cellThreshold(below: number | undefined, part2: boolean): number | undefined {
  return part2 ? Math.max(below ?? 0, PART2_FLOOR) : below;
}

function range(c: SuppressionCell, s: Shown): [number, number] {
  if (s === 'exact') return [c.value, c.value];
  if (s === 'small') return [1, c.threshold! - 1];
  // A 0 is never left out, so a reader knows "hidden" is at least 1; a latent figure may be 0.
  return [c.latent ? 0 : 1, Number.POSITIVE_INFINITY];
}

const sumOf = (v: number[], ids: number[]) => ids.reduce((a, i) => a + v[i]!, 0);

/** Decides how each cell is shown. */
export function suppressCells(cells: SuppressionCell[], relations: Relation[]): Shown[] {
  const shown: Shown[] = cells.map((c) =>
    c.latent ? 'hidden' : isSmallCount(c.value, c.threshold) ? 'small' : 'exact',
  );
  if (shown.every((s) => s === 'exact')) return shown;
  const values = cells.map((c) => c.value);
  const members = (r: Relation) => (r.kind === 'sum' ? [r.total, ...r.parts] : [...r.lhs, ...r.rhs]);
  // A relation that the figures themselves break (counts under categories a program has since
  // changed) tells a reader nothing they could rely on.
  const active = relations.map((r) =>
    r.kind === 'sum' ? values[r.total] === sumOf(values, r.parts) : sumOf(values, r.lhs) <= sumOf(values, r.rhs),
  );
  const byCell: number[][] = cells.map(() => []);
  relations.forEach((r, i) => {
    if (active[i]) for (const m of new Set(members(r))) byCell[m]!.push(i);
  });

  /** A second set of counts fitting everything shown, with cell x one step away; else the first relation that blocked it. */
  function witness(x: number, step: 1 | -1): { found: boolean; blocked?: number } {
    const delta = new Map<number, number>();
    let budget = WITNESS_BUDGET;
    let blocked: number | undefined;
    const canMove = (i: number, d: number) => {
      if (shown[i] === 'exact' || delta.has(i)) return false;
      const [lo, hi] = range(cells[i]!, shown[i]!);
      return values[i]! + d >= lo && values[i]! + d <= hi;
    };
    const at = (i: number) => values[i]! + (delta.get(i) ?? 0);
    /** The first relation touched so far that no longer holds, with the moves that would mend it. */
    const broken = (): { rel: number; moves: [number, number][] } | null => {
      const touched = [...new Set([...delta.keys()].flatMap((i) => byCell[i]!))].sort((a, b) => a - b);
      for (const ri of touched) {
        const r = relations[ri]!;
        if (r.kind === 'sum') {
          const gap = (delta.get(r.total) ?? 0) - r.parts.reduce((a, p) => a + (delta.get(p) ?? 0), 0);
          if (gap === 0) continue;
          const d = gap > 0 ? 1 : -1;
          return { rel: ri, moves: [...r.parts.map((p): [number, number] => [p, d]), [r.total, -d]] };
        }
        if (r.lhs.reduce((a, i) => a + at(i), 0) <= r.rhs.reduce((a, i) => a + at(i), 0)) continue;
        return {
          rel: ri,
          moves: [...r.rhs.map((i): [number, number] => [i, 1]), ...r.lhs.map((i): [number, number] => [i, -1])],
        };
      }
      return null;
    };
    const search = (): boolean => {
      if (--budget < 0) return false;
      const b = broken();
      if (!b) return true;
      let tried = false;
      for (const [i, d] of b.moves) {
        if (!canMove(i, d)) continue;
        tried = true;
        delta.set(i, d);
        if (search()) return true;
        delta.delete(i);
        if (budget < 0) return false;
      }
      if (!tried && blocked === undefined) blocked = b.rel;
      return false;
    };
    if (!canMove(x, step)) return { found: false };
    delta.set(x, step);
    return search() ? { found: true } : { found: false, blocked };
  }

  /** A relation that leaves a cell given away, or a group of parts that leaves too little out. */
  function problem(): { rel: number | undefined; cell?: number } | null {
    for (const [ri, r] of relations.entries()) {
      if (r.kind !== 'sum' || !active[ri] || shown[r.total] !== 'exact') continue;
      // A figure that is not shown (latent) is as good as a part left out.
      const out = r.parts.filter((p) => shown[p] !== 'exact');
      if (out.every((p) => cells[p]!.latent)) continue;
      const floor = Math.max(0, ...out.map((p) => cells[p]!.threshold ?? 0));
      if (out.length === 1 || sumOf(values, out) < floor) return { rel: ri };
    }
    for (const [x, s] of shown.entries()) {
      if (s === 'exact' || cells[x]!.latent) continue;
      const up = witness(x, 1);
      if (up.found) continue;
      const down = witness(x, -1);
      if (down.found) continue;
      return { rel: up.blocked ?? down.blocked ?? byCell[x]![0], cell: x };
    }
    return null;
  }

  const smallest = (ids: number[]) => ids.sort((a, b) => values[a]! - values[b]! || a - b)[0];
  const exactCount = (i: number) => shown[i] === 'exact' && values[i]! > 0;
  for (let round = 0; round <= cells.length * 2; round++) {
    const p = problem();
    if (!p) break;
    const r = p.rel === undefined ? undefined : relations[p.rel]!;
    const inRel = r ? [...new Set(members(r))].filter((i) => i !== p.cell) : [];
    const parts = r ? (r.kind === 'sum' ? r.parts : [...r.lhs, ...r.rhs]).filter((i) => i !== p.cell) : [];
    const everyCell = cells.map((_, i) => i);
    const pick =
      smallest(parts.filter((i) => exactCount(i) && !cells[i]!.keep)) ??
      (r?.kind === 'sum' && exactCount(r.total) && !cells[r.total]!.keep ? r.total : undefined) ??
      smallest(inRel.filter((i) => shown[i] === 'small')) ??
      smallest(inRel.filter(exactCount)) ??
      smallest(everyCell.filter((i) => exactCount(i) && !cells[i]!.keep)) ??
      smallest(everyCell.filter(exactCount)) ??
      smallest(everyCell.filter((i) => shown[i] === 'small'));
    if (pick === undefined) break;
    shown[pick] = 'hidden';
  }
  return shown;
}
