// src/queue/batch.ts: work that arrives together is done together, each item answered on its own.
import { describe, expect, it, vi } from 'vitest';
import { createBatcher } from '../../src/queue/batch.js';

describe('createBatcher', () => {
  it('runs items submitted within the wait as one batch, and answers each with its own result', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({ maxSize: 100, maxWaitMs: 20 }, async (xs) => {
      batches.push(xs);
      return xs.map((x) => x * 10);
    });
    const answers = await Promise.all([b.submit(1), b.submit(2), b.submit(3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends a full batch at once without waiting, and starts the next', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({ maxSize: 2, maxWaitMs: 10_000 }, async (xs) => {
      batches.push(xs);
      return xs;
    });
    // With the clock stopped, only a batch sent without its wait timer can be answered.
    vi.useFakeTimers();
    try {
      await Promise.all([b.submit(1), b.submit(2)]);
      expect(batches).toEqual([[1, 2]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails only the items answered with an Error', async () => {
    const b = createBatcher<number, string>({ maxSize: 10, maxWaitMs: 5 }, async (xs) =>
      xs.map((x) => (x % 2 ? new Error(`odd ${x}`) : `even ${x}`)),
    );
    const settled = await Promise.allSettled([b.submit(1), b.submit(2), b.submit(3)]);
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error).message))).toEqual([
      'odd 1',
      'even 2',
      'odd 3',
    ]);
  });

  it('fails every item when the batch itself fails, or answers the wrong number of items', async () => {
    const throwing = createBatcher<number, number>({ maxSize: 10, maxWaitMs: 5 }, async () => {
      throw new Error('database down');
    });
    const a = await Promise.allSettled([throwing.submit(1), throwing.submit(2)]);
    expect(a.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    const short = createBatcher<number, number>({ maxSize: 10, maxWaitMs: 5 }, async (xs) => xs.slice(1));
    const b = await Promise.allSettled([short.submit(1), short.submit(2)]);
    expect(b.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(String((b[0] as PromiseRejectedResult).reason)).toMatch(/batch of 2 was answered with 1/);
  });

  it('items submitted after a batch left wait for the next one', async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({ maxSize: 100, maxWaitMs: 5 }, async (xs) => {
      batches.push(xs);
      return xs;
    });
    await b.submit(1);
    await Promise.all([b.submit(2), b.submit(3)]);
    expect(batches).toEqual([[1], [2, 3]]);
  });
});

describe('createBatcher under load', () => {
  it('runs at most maxInFlight batches at once; what arrives meanwhile goes together when one finishes', async () => {
    const batches: number[][] = [];
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const b = createBatcher<number, number>({ maxSize: 100, maxWaitMs: 1, maxInFlight: 1 }, async (xs) => {
      batches.push(xs);
      most = Math.max(most, ++running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return xs;
    });
    const first = b.submit(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[1]]);
    // While the first batch runs, three more arrive (well past maxWaitMs): they wait for it.
    const rest = [b.submit(2), b.submit(3)];
    await new Promise((r) => setTimeout(r, 20));
    rest.push(b.submit(4));
    await new Promise((r) => setTimeout(r, 20));
    expect(batches).toEqual([[1]]);
    gates.shift()!();
    await first;
    await new Promise((r) => setTimeout(r, 5));
    expect(batches).toEqual([[1], [2, 3, 4]]);
    gates.shift()!();
    expect(await Promise.all(rest)).toEqual([2, 3, 4]);
    expect(most).toBe(1);
  });

  it('splits what gathered beyond maxSize into several batches', async () => {
    const sizes: number[] = [];
    let release: () => void = () => undefined;
    const hold = new Promise<void>((r) => (release = r));
    const b = createBatcher<number, number>({ maxSize: 3, maxWaitMs: 1, maxInFlight: 1 }, async (xs) => {
      sizes.push(xs.length);
      if (sizes.length === 1) await hold;
      return xs;
    });
    const all = [b.submit(0)];
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 1; i <= 7; i++) all.push(b.submit(i));
    release();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });
});
