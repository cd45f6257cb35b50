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
//  - Prisma's query compiler (4.5 MB of base64): the build writes its bytes, decoded, to
//    dist/src/query-compiler.wasm, which src/db/query-compiler-preload.ts reads and compiles at start
//    and hands to the generated client (the module itself is loaded only should that file be gone);
//  - the Teams SDK and the queue dashboard: loaded only when configured, and the dashboard serves
//    its page's files from its package directory;
//  - msgpackr-extract and @resvg/resvg-js: native addons (bullmq's optional speed-up; the chart's
//    SVG-to-PNG renderer);
//  - pdfkit, svg-to-pdfkit and exceljs: loaded only when a report is made, and pdfkit reads its
//    font metrics from files beside its own modules.
// The packages left outside it and the plugins are in scripts/bundle-options.mjs.
import { Buffer } from 'node:buffer';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { carelogBundleOptions } from './bundle-options.mjs';

const OUT = path.join('dist', 'src');
rmSync(path.join(OUT, 'chunks'), { recursive: true, force: true });
const result = await build({
  entryPoints: { main: 'src/main.ts' },
  outdir: OUT,
  chunkNames: 'chunks/[name]-[hash]',
  ...carelogBundleOptions,
  splitting: true,
  // Whitespace and syntax only: names stay, so stack traces and profiles still read.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  metafile: true,
});
// The query compiler's bytes, decoded here once, the way the generated client decodes them, from the
// installed client's own module: a start reads them as they are (src/db/query-compiler-preload.ts).
const { wasm } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
writeFileSync(path.join(OUT, 'query-compiler.wasm'), Buffer.from(wasm, 'base64'));
// What each output file holds and imports, statically or dynamically: test/e2e/built-start.test.ts
// reads it to check what a start loads (no report or chart library, no Slack simulator).
writeFileSync(path.join(OUT, 'bundle-meta.json'), JSON.stringify(result.metafile));
