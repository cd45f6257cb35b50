// The ORM's query compiler compiled ahead (src/db/query-compiler-preload.ts): the bytes read straight
// from its module's file are the ones the generated client would decode, and they compile; the built
// bundle's client takes that module (test/e2e/built-start.test.ts checks the bundle's imports).
import { describe, expect, it } from 'vitest';
import {
  prepareQueryCompiler,
  queryCompilerModule,
  readQueryCompilerBytes,
} from '../../src/db/query-compiler-preload.js';

// Node's global WebAssembly, untyped in carelog's type library (ES2023 without DOM).
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { Module: { new (bytes: Uint8Array): object; exports(m: object): unknown[] } };
};

describe('the query compiler compiled ahead', () => {
  it("reads the same bytes the client decodes from the module's base64, without running the module", async () => {
    const { wasm } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
    const bytes = await readQueryCompilerBytes();
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('\0asm');
    expect(bytes.equals(Buffer.from(wasm, 'base64'))).toBe(true);
  });

  it('compiles once per process and hands the same module to the client', async () => {
    const ahead = await prepareQueryCompiler();
    expect(ahead).toBeInstanceOf(wasm.Module);
    expect(await prepareQueryCompiler()).toBe(ahead);
    expect(await queryCompilerModule()).toBe(ahead);
    // The module is the query compiler: it exports what the client's runtime calls.
    expect(wasm.Module.exports(ahead!).length).toBeGreaterThan(5);
  });
});
