// `npm run bench [-- <name>...]`: carelog's benchmarks. Figures go to stdout as JSON lines and to
// the person running them; timed goals live here, never in the test suite.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchAck } from './ack.js';
import { benchChat } from './chat.js';
import { benchColdStart } from './cold-start.js';
import { benchDigest } from './digest.js';
import { benchEmbedded } from './embedded.js';
import { explainDigest } from './digest-explain.js';
import { benchFollowUps } from './followups.js';
import { benchImport } from './import.js';
import { benchReport } from './report.js';
import { benchTypeahead } from './typeahead.js';

const { values: flags, positionals } = parseArgs({
  options: {
    count: { type: 'string' },
    window: { type: 'string' },
    concurrency: { type: 'string' },
    workers: { type: 'string' },
    'carelog-node-flags': { type: 'string' },
    'worker-node-flags': { type: 'string' },
    runs: { type: 'string' },
    'keep-db': { type: 'string' },
  },
  allowPositionals: true,
  strict: false,
});

const keepDb = typeof flags['keep-db'] === 'string' ? flags['keep-db'] : undefined;

const BENCHES: Record<string, () => Promise<unknown>> = {
  followups: () =>
    benchFollowUps(
      Number(flags.count ?? 100_000),
      Number(flags.window ?? 100),
      flags.concurrency ? Number(flags.concurrency) : undefined,
      String(flags['worker-node-flags'] ?? '')
        .split(' ')
        .filter(Boolean),
      Number(flags.workers ?? 1),
    ),
  // The same for linkage checks: N open referrals whose checks come due across the window.
  referrals: () =>
    benchFollowUps(
      Number(flags.count ?? 100_000),
      Number(flags.window ?? 100),
      flags.concurrency ? Number(flags.concurrency) : undefined,
      String(flags['worker-node-flags'] ?? '')
        .split(' ')
        .filter(Boolean),
      Number(flags.workers ?? 1),
      'checks',
    ),
  // Sender, carelog and the fake Slack API share one Node process here: at concurrency 10 the
  // figure includes queueing behind the other two; concurrency 1 shows a request's own latency.
  ack: async () => ({ sequential: await benchAck(1000, 1), concurrent10: await benchAck(1000, 10) }),
  import: () => benchImport(100_000),
  // /contact at 50 concurrent next to a bare Bolt app, view_submission to commit, cold start.
  chat: () =>
    benchChat(
      2000,
      500,
      String(flags['carelog-node-flags'] ?? '')
        .split(' ')
        .filter(Boolean),
      Number(flags.concurrency ?? 50),
    ),
  // Only the chat bench's cold start: node dist/src/main.js (then npm start, npm run dev) to /healthz 200 (--runs, default 7).
  'cold-start': () => benchColdStart(Number(flags.runs ?? 7)),
  // The embedded database in its own thread next to PGlite on the calling thread: a query's cost,
  // and how long a long query holds the main thread (--count queries of each kind, --runs rounds).
  embedded: () => benchEmbedded(Number(flags.count ?? 2000), Number(flags.runs ?? 3)),
  // 300,000 clients, 1,000,000 contacts; computeDigest next to one raw scan and the ORM-and-JS way.
  // --keep-db NAME keeps the seeded database under that name and reuses it next time (digest, report).
  digest: () => benchDigest(300_000, 5, keepDb),
  // Each of computeDigest's statements alone under EXPLAIN ANALYZE (with --keep-db: no seed each time).
  'digest-explain': () => explainDigest(keepDb, Number(flags.runs ?? 3)),
  // The progress report of the digest bench's busiest quarter, html, pdf and xlsx, and the chart alone.
  report: () => benchReport(300_000, 5, keepDb),
  // Client typeahead keystrokes at 100,000 clients in one program, next to the LIKE '%q%' search.
  typeahead: () => benchTypeahead(Number(flags.count ?? 100_000)),
};

const wanted = positionals;
// digest-explain is a tool for looking into the digest's time, not a benchmark: asked for by name only.
const names = wanted.length ? wanted : Object.keys(BENCHES).filter((n) => n !== 'digest-explain');
const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
for (const name of names) {
  const run = BENCHES[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(BENCHES).join(', ')}\n`);
    process.exit(2);
  }
  const result = await run();
  process.stdout.write(`${JSON.stringify({ bench: name, machine, result })}\n`);
}
process.exit(0);
