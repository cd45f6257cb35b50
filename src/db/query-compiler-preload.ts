// The ORM's engine is Prisma's query compiler, 3.4 MB of WebAssembly shipped as 4.5 MB of base64 in
// a JavaScript module. The generated client imports that module on its first use, decodes it and
// compiles it with `new WebAssembly.Module`, on the calling thread, in the middle of a start. carelog
// compiles the same bytes earlier, with `WebAssembly.compile` (V8's background threads, while PGlite
// starts and carelog's modules load), and keeps the result:
//  - in the built bundle, the generated client takes this compiled module instead of compiling its
//    own (scripts/bundle.mjs hands it `queryCompilerModule`), so the 4.5 MB module is never parsed
//    as JavaScript; and the build has written the bytes decoded beside the bundle
//    (dist/src/query-compiler.wasm), so a start only reads them: reading the base64 as text and
//    decoding it took ~0.1 s of the main thread's CPU at every start, and ~8 MB of garbage;
//  - under tsx (npm run dev, the tests) the client compiles as before, and V8 finds the module
//    compiled here (it keeps one compiled copy per process of each module's bytes while any holder
//    is alive) instead of compiling it again.
import { Buffer } from 'node:buffer';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WasmModule } from './embedded-preload.js';

/** The module the generated client imports (src/generated/prisma/internal/class.ts). */
const QUERY_COMPILER_BASE64 = '@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs';

// Node's global WebAssembly, untyped in carelog's type library (ES2023 without DOM).
const wasm = (
  globalThis as unknown as {
    WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule>; Module: new (bytes: Uint8Array) => WasmModule };
  }
).WebAssembly;

let compiled: Promise<WasmModule | undefined> | undefined;

/** The query compiler's bytes, decoded, as the build writes them beside the bundle's entry (dist/src). */
export const BUILT_QUERY_COMPILER = 'query-compiler.wasm';

/**
 * The build's copy of the bytes, when this code runs from the bundle: its entry's folder (dist/src)
 * is this module's own or, from one of the bundle's chunks (dist/src/chunks), the one above. Running
 * from the sources (npm run dev, the tests) there is none.
 */
function builtCopy(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return [here, path.dirname(here)].map((d) => path.join(d, BUILT_QUERY_COMPILER)).find((f) => existsSync(f));
}

/** The bytes in the generated client's module, whose file is `const wasm = "<base64>"; export { wasm }`. */
function decodeQueryCompilerModule(text: string): Buffer {
  const start = text.indexOf('"') + 1;
  const end = text.indexOf('"', start);
  if (start === 0 || end < 0) throw new Error('the query compiler module has no base64 string');
  return Buffer.from(text.slice(start, end), 'base64');
}

/**
 * The query compiler's bytes: the build's decoded copy where there is one (`built`), else decoded
 * from its module's file without running the module.
 */
export async function readQueryCompilerBytes(built = builtCopy()): Promise<Buffer> {
  if (built) return readFile(built);
  return decodeQueryCompilerModule(
    await readFile(createRequire(import.meta.url).resolve(QUERY_COMPILER_BASE64), 'latin1'),
  );
}

/**
 * Starts compiling the query compiler, once per process; the promise holds the compiled module for
 * the life of the process. Resolves undefined where it could not be compiled (the client compiles
 * its own then).
 */
export function prepareQueryCompiler(): Promise<WasmModule | undefined> {
  compiled ??= readQueryCompilerBytes()
    .then((bytes) => wasm.compile(bytes))
    .catch(() => undefined);
  return compiled;
}

/**
 * The compiled query compiler, for the generated client in the built bundle: the one compiled ahead,
 * or, should that have failed, compiled here the client's own way (whose error then says why).
 */
export async function queryCompilerModule(): Promise<WasmModule> {
  const ahead = await prepareQueryCompiler();
  if (ahead) return ahead;
  const { wasm: base64 } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
  return new wasm.Module(Buffer.from(base64, 'base64'));
}
