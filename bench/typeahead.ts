// The client typeahead at 100,000 clients in one program: every keystroke of typing codes the ways
// people type them ("4", "42", "420", "PIC-0", "pic-004", …) and keystrokes that match nothing,
// answered by carelog's index-served search, next to the `code LIKE '%q%'` search it replaced
// (the same SQL through the same connection pool, and as it shipped, through the ORM).
import os from 'node:os';
import { parseProgramFile } from '../src/config.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { searchClients } from '../src/services/clients.js';
import { syncPrograms } from '../src/services/directory.js';
import { seedClients } from '../test/support/clients.js';
import { openMigratedTestDatabase } from '../test/support/postgres.js';
import { pct, round2 } from './common.js';

const [PROGRAM] = parseProgramFile(
  `programs:
  - { id: bench, name: Typeahead benchmark, timezone: America/New_York, startDate: 2024-01-01, clientCodePrefix: PIC, roster: [] }
`,
  'bench.yml',
);

/** The replaced search, as it shipped: contains, or ends with the digits, newest first. */
function likeSearchOrm(prisma: PrismaClient, programId: string, query: string) {
  const q = query
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '');
  const digits = q.replace(/^[A-Z]+-?/, '').replace(/^0+(?=\d)/, '');
  return prisma.client.findMany({
    where: {
      programId,
      ...(q
        ? {
            OR: [
              { code: { contains: q } },
              ...(digits && /^\d+$/.test(digits) ? [{ code: { endsWith: digits } }] : []),
            ],
          }
        : {}),
    },
    orderBy: { number: 'desc' },
    take: 20,
    select: { id: true, code: true },
  });
}

/** The same search in plain SQL, for a like-for-like comparison of the two queries. */
const LIKE_SQL = `SELECT id::text AS id, code FROM "Client" WHERE "programId" = $1 AND (code LIKE $2 OR code LIKE $3) ORDER BY number DESC LIMIT 20`;
function likeTerms(query: string): [string, string] {
  const q = query
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9-]/g, '');
  const digits = q.replace(/^[A-Z]+-?/, '').replace(/^0+(?=\d)/, '');
  return [`%${q}%`, /^\d+$/.test(digits) ? `%${digits}` : `%${q}%`];
}

/** Keystrokes: each code typed one character at a time, in one of the ways people type it. */
function keystrokes(clients: number, codes: number): { typed: string[]; misses: string[] } {
  const typed: string[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < codes; i++) {
    const n = 1 + Math.floor(rand() * clients);
    const ways = [String(n), `PIC-${String(n).padStart(4, '0')}`, `pic-${n}`, String(n).padStart(4, '0')];
    const text = ways[i % ways.length]!;
    for (let k = 1; k <= text.length; k++) typed.push(text.slice(0, k));
  }
  // Numbers beyond the program's last client, and codes of another program: nothing matches.
  const misses = Array.from({ length: 200 }, (_, i) => (i % 2 ? `${clients + 1 + i * 7}` : `DOV-${i}`));
  return { typed, misses };
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
}
const summary = (ms: number[]): Timing => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: round2(pct(s, 50)), p99: round2(pct(s, 99)), max: round2(s.at(-1)!) };
};

export async function benchTypeahead(clients = 100_000) {
  const load = os.loadavg()[0]!;
  const env = await openMigratedTestDatabase();
  try {
    await syncPrograms(env.db, [PROGRAM!]);
    await seedClients(env.db.sql, PROGRAM!, clients);
    const { typed, misses } = keystrokes(clients, 300);
    const all = [...typed, ...misses];
    const run = async (fn: (q: string) => Promise<unknown>, queries: string[]) => {
      const ms: number[] = [];
      for (const q of queries) {
        const t = performance.now();
        await fn(q);
        ms.push(performance.now() - t);
      }
      return ms;
    };
    const indexed = (q: string) => searchClients(env.db.sql, PROGRAM!, q);
    const like = (q: string) => env.db.sql.query(LIKE_SQL, [PROGRAM!.id, ...likeTerms(q)]);
    const orm = (q: string) => likeSearchOrm(env.db.prisma, PROGRAM!.id, q);
    // Warm both paths (connections, plan caches) before anything is timed.
    for (const fn of [indexed, like, orm]) await run(fn, all.slice(0, 50));
    // Each keystroke by each search in turn, so the machine's load falls on all alike.
    const times = { indexed: [] as number[], like: [] as number[], orm: [] as number[] };
    const missTimes = { indexed: [] as number[], like: [] as number[] };
    let found = 0;
    for (const q of all) {
      const miss = misses.includes(q);
      const t0 = performance.now();
      const rows = await indexed(q);
      const t1 = performance.now();
      await like(q);
      const t2 = performance.now();
      await orm(q);
      const t3 = performance.now();
      times.indexed.push(t1 - t0);
      times.like.push(t2 - t1);
      times.orm.push(t3 - t2);
      if (miss) {
        missTimes.indexed.push(t1 - t0);
        missTimes.like.push(t2 - t1);
      } else if (rows.length) found++;
    }
    const ind = summary(times.indexed);
    const lk = summary(times.like);
    return {
      loadAverageAtStart: round2(load),
      clients,
      keystrokes: all.length,
      misses: misses.length,
      keystrokesWithSuggestions: found,
      indexedMs: ind,
      likeMs: lk,
      likeThroughOrmMs: summary(times.orm),
      missesIndexedMs: summary(missTimes.indexed),
      missesLikeMs: summary(missTimes.like),
      likeOverIndexedP50: round2(lk.p50 / ind.p50),
      likeOverIndexedP99: round2(lk.p99 / ind.p99),
      goal: 'indexed p99 < 5 ms per suggestion',
    };
  } finally {
    await env.cleanup();
  }
}
