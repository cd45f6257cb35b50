// How V8 treats WebAssembly while carelog starts. Two modules run at start: PGlite's (Postgres,
// ~9 MB, in the embedded database's thread) and the ORM's query compiler (on the main thread). On
// a 2-core machine, whatever V8 does for them on its own threads is taken from the two threads a
// start waits on (BENCHMARKS.md, "Cold start"). V8 reads these settings when it compiles, validates
// or tiers up a function, so they are set before either module loads.
import os from 'node:os';
import v8 from 'node:v8';

/**
 * V8's own budget for dynamic tiering (roughly, bytes of a function's code run before V8 compiles
 * it again with TurboFan, on a background thread), by V8 line: the value `--wasm-tiering-budget`
 * has when nothing sets it (`node --v8-options`; test/unit/v8-start.test.ts checks it on the Node
 * that runs the tests). A V8 line not listed here keeps its settings untouched.
 */
export const DEFAULT_WASM_TIERING_BUDGET: Readonly<Record<string, number>> = {
  '11.3': 1_800_000, // Node 20
  '12.4': 13_000_000, // Node 22
  '13.6': 13_000_000, // Node 24
};

/**
 * The budget while carelog starts: large enough that nothing a start runs, once, is tiered up.
 * Postgres' start and carelog's first queries run enough of PGlite's code that, at the default
 * budget, V8 compiled a good part of it again with TurboFan during every start: about 0.55 s of
 * CPU on 2 cores, most of what V8's background threads did (`perf record`, BENCHMARKS.md), for code
 * that mostly never runs again. The value fits V8's 32-bit counter.
 */
export const START_WASM_TIERING_BUDGET = 2_000_000_000;

/** The V8 line ("11.3") of a version string such as process.versions.v8 ("11.3.244.8-node.38"). */
export function v8Line(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/**
 * Sets V8 up for a start and returns what puts the tiering budget back once carelog is ready. V8
 * gives each function of a module its budget when it compiles the module, and again each time the
 * function has used it up. So the modules compiled during the start, PGlite's and the query
 * compiler's, keep the start's budget for their functions until those have run that much: in
 * practice they stay baseline code. What is compiled later (undici's HTTP parser, with the first
 * call to Slack's Web API) is tiered up as usual. Measured (BENCHMARKS.md, "Cold start"): the ORM's
 * queries no slower; the embedded database's small queries up to ~13 % slower, in development, for a
 * start ~0.2 s quicker.
 */
export function tuneV8ForStart(
  { v8Version = process.versions.v8, cores = os.availableParallelism(), execArgv = process.execArgv } = {},
  setFlags: (flags: string) => void = (f) => v8.setFlagsFromString(f),
): () => void {
  // V8 compiles WebAssembly with as many background tasks as its thread pool has threads (Node: 4,
  // whatever the cores). On a 2-core machine, four tasks compiling PGlite's and Prisma's modules
  // compete with the main thread, which loads carelog meanwhile, and spent about twice the CPU for
  // the same work. One task keeps to the second core and leaves the main thread its own.
  if (cores <= 2) setFlags('--wasm-num-compilation-tasks=1');
  // V8 validates every function of a WebAssembly module when the module compiles, though it
  // compiles each one only when first called: most of PGlite's ~13,000 functions and the ORM's
  // compiler's are never called by carelog. Lazy validation checks a function when it is first
  // compiled instead (an invalid one still fails, then); it took ~0.13 s of compiler-thread CPU off
  // each start.
  setFlags('--wasm-lazy-validation');
  const budget = DEFAULT_WASM_TIERING_BUDGET[v8Line(v8Version)];
  // A budget set on the command line (`node --wasm-tiering-budget=…`) is the operator's to keep.
  if (budget === undefined || execArgv.some((a) => a.replaceAll('_', '-').startsWith('--wasm-tiering-budget')))
    return () => undefined;
  setFlags(`--wasm-tiering-budget=${START_WASM_TIERING_BUDGET}`);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    setFlags(`--wasm-tiering-budget=${budget}`);
  };
}
