// The ORM's engine is Prisma's query compiler, 3.4 MB of WebAssembly shipped as 4.5 MB of base64 in
// a JavaScript module. The generated client imports that module on its first use, decodes it and
// compiles it with `new WebAssembly.Module`, on the calling thread, in the middle of a start. carelog
// compiles the same bytes earlier, with `WebAssembly.compile` (V8's background threads, while PGlite
// starts and carelog's modules load), and keeps the result:
//  - in the built bundle, the generated client takes this compiled module instead of compiling its
//    own (scripts/bundle.mjs hands it `queryCompilerModule`), so the 4.5 MB module is never parsed
//    as JavaScript and the bytes are decoded once: the base64 is read here straight from the file;
//  - under tsx (npm run dev, the tests) the client compiles as before, and V8 finds the module
//    compiled here (it keeps one compiled copy per process of each module's bytes while any holder
//    is alive) instead of compiling it again.
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
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

/**
 * The query compiler's bytes, decoded from its module's file without running it: the file is
 * `const wasm = "<base64>"; export { wasm }`, and the one string literal in it is the base64.
 */
export async function readQueryCompilerBytes(): Promise<Buffer> {
  const text = await readFile(createRequire(import.meta.url).resolve(QUERY_COMPILER_BASE64), 'latin1');
  const start = text.indexOf('"') + 1;
  const end = text.indexOf('"', start);
  if (start === 0 || end < 0) throw new Error('the query compiler module has no base64 string');
  return Buffer.from(text.slice(start, end), 'base64');
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
