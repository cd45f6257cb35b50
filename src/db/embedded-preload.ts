// Opening the embedded database is mostly compiling PGlite's WebAssembly (~9 MB): 0.6 s of
// compiler threads on an idle 2-core machine, several seconds on a busy one. The embedded
// database's thread (src/db/embedded-worker.ts) starts that compile before anything else it loads,
// and hands PGlite the compiled module instead of having it compile its own.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/** A compiled WebAssembly.Module (carelog's type library, ES2023 without DOM, does not declare it). */
export type WasmModule = object;
// Node's global WebAssembly, untyped for the same reason.
const wasmCompiler = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } })
  .WebAssembly;

let compiled: Promise<WasmModule | undefined> | undefined;

/**
 * PGlite's compiled WebAssembly module, compiled once per process (started on the first call).
 * Resolves undefined where it cannot be read or compiled: PGlite then loads its own, as before.
 */
export function pgliteWasmModule(): Promise<WasmModule | undefined> {
  compiled ??= (async () => {
    // The wasm file sits beside the package's entry points in its dist/ folder.
    const dist = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
    return wasmCompiler.compile(await readFile(path.join(dist, 'pglite.wasm')));
  })().catch(() => undefined);
  return compiled;
}
