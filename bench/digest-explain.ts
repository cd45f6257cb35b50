// `npm run bench -- digest-explain --keep-db NAME`: each of computeDigest's statements over the
// digest bench's busiest quarter, alone, under EXPLAIN (ANALYZE, BUFFERS), one after the other on
// one connection: execution, planning and JIT times, and the plan's costliest nodes. For finding
// where the digest's time goes; the timed goal is `-- digest`. Use a kept database (--keep-db):
// the seed takes minutes.
import { Prisma, type PrismaClient } from '../src/generated/prisma/client.js';
import { computeDigest } from '../src/services/digest.js';
import { openSeededBench, program } from './digest.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Total Time': number;
  'Actual Rows': number;
  'Sort Space Type'?: string;
  Plans?: PlanNode[];
}
interface Explained {
  Plan: PlanNode;
  'Planning Time': number;
  'Execution Time': number;
  JIT?: { Timing: { Total: number } };
}

/** Each statement computeDigest sends, captured instead of run (it gets empty rows back). */
async function statementsOf(prisma: PrismaClient, run: (p: PrismaClient) => Promise<unknown>) {
  const seen: Prisma.Sql[] = [];
  const capturing = new Proxy(prisma, {
    get(target, key, receiver) {
      if (key === '$queryRaw')
        return (strings: TemplateStringsArray, ...values: unknown[]) => {
          seen.push(Prisma.sql(strings, ...values));
          return Promise.resolve([]);
        };
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  await run(capturing);
  return seen;
}

function nodes(p: PlanNode, depth = 0, out: string[] = []): string[] {
  const what = [p['Node Type'], p['Relation Name'] ?? '', p['Index Name'] ?? '', p['Sort Space Type'] ?? '']
    .filter(Boolean)
    .join(' ');
  out.push(`${'  '.repeat(depth)}${what}: ${p['Actual Total Time'].toFixed(1)} ms, ${p['Actual Rows']} rows`);
  for (const c of p.Plans ?? []) nodes(c, depth + 1, out);
  return out;
}

export async function explainDigest(keep: string | undefined, rounds = 3) {
  const { db, period, close } = await openSeededBench(300_000, keep);
  try {
    const prisma = db.prisma;
    const statements = await statementsOf(prisma, (p) => computeDigest(p, program, period));
    const raw = Prisma.sql`SELECT count(*) AS contacts, count(DISTINCT "clientId") AS served,
           sum(cardinality("services")) AS services, sum(cardinality("referrals")) AS referrals
    FROM "Contact" WHERE "programId" = ${program.id} AND "occurredAt" >= ${period.start} AND "occurredAt" < ${period.end}`;
    const all = [raw, ...statements];
    const times = all.map(() => [] as number[]);
    const last: Explained[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of all.entries()) {
        const [row] = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': Explained[] }[]>(
          `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${s.text}`,
          ...s.values,
        );
        const e = row!['QUERY PLAN'][0]!;
        times[i]!.push(e['Execution Time']);
        last[i] = e;
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const rawMs = median(times[0]!);
    return all.map((s, i) => ({
      statement: i === 0 ? 'rawScan' : s.text.replace(/\s+/g, ' ').slice(0, 90),
      executionMs: times[i]!.map((t) => Math.round(t)),
      vsRaw: Math.round((median(times[i]!) / rawMs) * 100) / 100,
      planningMs: Math.round(last[i]!['Planning Time'] * 10) / 10,
      jitMs: last[i]!.JIT ? Math.round(last[i]!.JIT.Timing.Total) : 0,
      plan: nodes(last[i]!.Plan),
    }));
  } finally {
    await close();
  }
}
