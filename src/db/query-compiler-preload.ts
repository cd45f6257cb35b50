// The ORM's engine is Prisma's query compiler, 3.4 MB of WebAssembly. The generated client compiles
// it on its first use with `new WebAssembly.Module`, on the calling thread, in the middle of a start.
// Prisma 7 offers no hook to hand it a compiled module, so carelog compiles the same bytes earlier,
// with `WebAssembly.compile` (V8's background threads, while PGlite starts and carelog's modules
// load), and keeps the result: V8 keeps one compiled copy per process of each module it has
// compiled (by its bytes) while any holder is alive, so the client's own compile later finds it
// ready instead of compiling again (on this machine ~20 ms instead of ~70–170 ms of the main
// thread's CPU for the engine's load). Should V8 not find it, the client compiles as before.
import { Buffer } from 'node:buffer';
import type { WasmModule } from './embedded-preload.js';

// Node's global WebAssembly, untyped in carelog's type library (ES2023 without DOM).
const wasmCompiler = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

let compiled: Promise<WasmModule | undefined> | undefined;

/**
 * Starts compiling the query compiler, once per process; the promise holds the compiled module for
 * the life of the process. Resolves undefined where it could not be compiled (the client compiles
 * its own then).
 */
export function prepareQueryCompiler(): Promise<WasmModule | undefined> {
  compiled ??= (async () => {
    // The module the generated client imports (src/generated/prisma/internal/class.ts): one copy.
    const { wasm } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
    return wasmCompiler.compile(Buffer.from(wasm, 'base64'));
  })().catch(() => undefined);
  return compiled;
}
