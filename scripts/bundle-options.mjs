// What carelog's bundle is built with (scripts/bundle.mjs), and what test/e2e/built-start.test.ts
// builds a probe with to run the ORM through the bundle's stand-ins: the packages left outside it,
// and the plugins that replace or defer what a start does not need.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXTERNAL = [
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
      const preload = JSON.stringify(fileURLToPath(new URL('../src/db/query-compiler-preload.ts', import.meta.url)));
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
        ? { path: fileURLToPath(new URL('../src/db/pglite-for-adapter.ts', import.meta.url)) }
        : undefined,
    );
  },
};

/** esbuild's options for carelog's bundle, apart from its entry points and output. */
export const carelogBundleOptions = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  plugins: [unusedBoltReceivers, pgliteForAdapter, clientTakesCompiled],
  // CommonJS packages inside an ES module bundle call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __carelogRequire } from 'node:module'; const require = __carelogRequire(import.meta.url);",
  },
  logLevel: 'warning',
  legalComments: 'none',
};
