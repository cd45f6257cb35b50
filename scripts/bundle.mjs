// The end of `npm run build`: dist/src/main.js (what `npm start`, `npm run worker` and the Docker
// image run) as one esbuild bundle of carelog and the packages it loads at start, instead of tsc's
// ~40 carelog files and ~400 files of its dependencies. A cold start spent about 0.6 s of its CPU
// finding, reading and compiling those files one by one (`npm run bench -- cold-start`,
// BENCHMARKS.md); the bundle cuts the loading to under half. What carelog loads only on some paths
// (the Slack simulator, the queue dashboard, Teams, the CLI's commands) stays in chunks of its own
// under dist/src/chunks/, loaded by the same dynamic imports as before.
//
// The bundle is built from the TypeScript sources (esbuild strips the types; tsc, run first, has
// checked them and compiled every other entry point: dist/src/cli.js, dist/src/db/migrate-cli.js).
// Left as packages, resolved from node_modules at run time:
//  - @electric-sql/pglite: it finds its WebAssembly and data files beside its own modules;
//  - Prisma's query compiler (4.5 MB of base64), imported by the generated client on first use;
//  - the Teams SDK and the queue dashboard: loaded only when configured, and the dashboard serves
//    its page's files from its package directory;
//  - msgpackr-extract and @resvg/resvg-js: native addons (bullmq's optional speed-up; the chart's
//    SVG-to-PNG renderer);
//  - pdfkit, svg-to-pdfkit and exceljs: loaded only when a report is made, and pdfkit reads its
//    font metrics from files beside its own modules.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const OUT = path.join('dist', 'src');
const EXTERNAL = [
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  '@prisma/client/runtime/query_compiler_*',
  '@microsoft/*',
  '@bull-board/*',
  'msgpackr-extract',
  '@resvg/*',
  'pdfkit',
  'pdfkit/*',
  'svg-to-pdfkit',
  'exceljs',
];

/**
 * Bolt's index loads every receiver it ships. carelog runs its own (src/platforms/slack/receiver.ts)
 * and Socket Mode; the Express and AWS Lambda receivers bring Express, its body parsers and their
 * character-set tables, ~0.1 s of every start, for nothing. In the bundle they are stand-ins that
 * refuse to be constructed. (The sources keep Bolt's public entry point; tests run the real one.)
 */
const unusedBoltReceivers = {
  name: 'unused-bolt-receivers',
  setup(b) {
    b.onResolve({ filter: /^\.\/receivers\/(ExpressReceiver|AwsLambdaReceiver)$/ }, (args) =>
      /[\\/]@slack[\\/]bolt[\\/]dist[\\/]index\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'unused-bolt-receiver' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'unused-bolt-receiver' }, (args) => ({
      contents: `module.exports.default = class { constructor() { throw new Error(${JSON.stringify(`Bolt's ${args.path.split('/').pop()} is not in carelog's bundle`)}); } };`,
      loader: 'js',
    }));
  },
};

/**
 * The generated ORM client compiles its query compiler on first use: it imports 4.5 MB of base64 as
 * a JavaScript module, decodes it and compiles it, on the main thread, in the middle of a start. In
 * the bundle it takes the module src/db/query-compiler-preload.ts compiled ahead instead (~50 ms of
 * the main thread). The generated code is matched exactly: should a Prisma upgrade change it, the
 * build stops here rather than leave the client compiling its own.
 */
const CLIENT_COMPILES_ITS_OWN = `  getQueryCompilerWasmModule: async () => {
    const { wasm } = await import("@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs")
    return await decodeBase64AsWasm(wasm)
  },`;
const clientTakesCompiled = {
  name: 'client-takes-compiled-query-compiler',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]generated[\\/]prisma[\\/]internal[\\/]class\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(CLIENT_COMPILES_ITS_OWN)) {
        throw new Error(
          `${args.path}: the generated client no longer loads its query compiler as scripts/bundle.mjs expects; update CLIENT_COMPILES_ITS_OWN there`,
        );
      }
      const preload = JSON.stringify(path.resolve('src/db/query-compiler-preload.ts'));
      return {
        contents: source.replace(
          CLIENT_COMPILES_ITS_OWN,
          `  getQueryCompilerWasmModule: async () => (await import(${preload})).queryCompilerModule(),`,
        ),
        loader: 'ts',
      };
    });
  },
};

/**
 * The ORM's PGlite adapter imports `@electric-sql/pglite` for type numbers and the class of a
 * database error; PGlite itself runs in the embedded database's thread. In the bundle the adapter
 * gets src/db/pglite-for-adapter.ts instead, so the main thread does not load PGlite's JavaScript
 * at every start (~50 ms). Only the adapter's import is replaced; carelog's own stay PGlite's.
 */
const pgliteForAdapter = {
  name: 'pglite-for-adapter',
  setup(b) {
    b.onResolve({ filter: /^@electric-sql\/pglite$/ }, (args) =>
      /[\\/]pglite-prisma-adapter[\\/]/.test(args.importer)
        ? { path: path.resolve('src/db/pglite-for-adapter.ts') }
        : undefined,
    );
  },
};

rmSync(path.join(OUT, 'chunks'), { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/main.ts' },
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Whitespace and syntax only: names stay, so stack traces and profiles still read.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  external: EXTERNAL,
  plugins: [unusedBoltReceivers, pgliteForAdapter, clientTakesCompiled],
  // CommonJS packages inside an ES module bundle call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __carelogRequire } from 'node:module'; const require = __carelogRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
  metafile: true,
});
// What each output file holds and imports, statically or dynamically: test/e2e/built-start.test.ts
// reads it to check what a start loads (no report or chart library, no Slack simulator).
writeFileSync(path.join(OUT, 'bundle-meta.json'), JSON.stringify(result.metafile));
