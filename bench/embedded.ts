// The embedded database in a thread of its own (src/db/embedded-thread.ts) next to PGlite on the
// calling thread, its peer: what crossing threads costs a query, and what it gives back, the main
// thread free while a long query runs. Each side gets a fresh database in a scratch directory;
// the two take turns, `rounds` times.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedThread } from '../src/db/embedded-thread.js';
import { pct, round2 } from './common.js';

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

/** A long query for the embedded database: about half a second on this machine. */
const LONG_QUERY = 'SELECT count(*) FROM generate_series(1, 1500000) g WHERE g % 7 = 3';

async function measure(db: Queryable, queries: number) {
  await db.exec('CREATE TABLE IF NOT EXISTS b (id int, label text)');
  const timed = async (sql: string) => {
    const each: number[] = [];
    for (let i = 0; i < queries; i++) {
      const t = performance.now();
      await db.query(sql, [i, 'label']);
      each.push((performance.now() - t) * 1000);
    }
    each.sort((a, b) => a - b);
    return { p50Us: Math.round(pct(each, 50)), p99Us: Math.round(pct(each, 99)) };
  };
  const select = await timed('SELECT $1::int AS n, $2::text AS label');
  const insert = await timed('INSERT INTO b VALUES ($1, $2)');
  // How long the main thread's event loop was held while the long query ran: the longest gap
  // between the turns of a 5 ms timer, read once more after the query so a gap it caused counts.
  let last = performance.now();
  let held = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    held = Math.max(held, now - last);
    last = now;
  }, 5);
  const t = performance.now();
  await db.query(LONG_QUERY);
  const longMs = performance.now() - t;
  await new Promise((r) => setTimeout(r, 20));
  clearInterval(timer);
  return { select, insert, longQueryMs: Math.round(longMs), mainThreadHeldMs: Math.round(held) };
}

export async function benchEmbedded(queries = 2000, rounds = 3) {
  const dirs: string[] = [];
  const scratch = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-embedded-'));
    dirs.push(d);
    return path.join(d, 'pglite');
  };
  const sameThread: Awaited<ReturnType<typeof measure>>[] = [];
  const ownThread: Awaited<ReturnType<typeof measure>>[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const here = await PGlite.create(scratch());
      sameThread.push(await measure(here, queries));
      await here.close();
      const thread = await EmbeddedThread.start({ pgDir: scratch() });
      ownThread.push(await measure(thread, queries));
      await thread.close();
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const median = (xs: number[]) =>
    pct(
      [...xs].sort((a, b) => a - b),
      50,
    );
  const summary = (runs: typeof sameThread) => ({
    selectP50Us: median(runs.map((x) => x.select.p50Us)),
    selectP99Us: median(runs.map((x) => x.select.p99Us)),
    insertP50Us: median(runs.map((x) => x.insert.p50Us)),
    insertP99Us: median(runs.map((x) => x.insert.p99Us)),
    longQueryMs: median(runs.map((x) => x.longQueryMs)),
    mainThreadHeldMs: median(runs.map((x) => x.mainThreadHeldMs)),
  });
  const a = summary(sameThread);
  const b = summary(ownThread);
  return {
    queries,
    rounds,
    loadAverage: os.loadavg().map(round2),
    pgliteOnTheCallingThread: a,
    carelogOwnThread: b,
    ratios: {
      selectP50: round2(b.selectP50Us / a.selectP50Us),
      insertP50: round2(b.insertP50Us / a.insertP50Us),
      longQuery: round2(b.longQueryMs / a.longQueryMs),
      mainThreadHeld: round2(b.mainThreadHeldMs / a.mainThreadHeldMs),
    },
  };
}
