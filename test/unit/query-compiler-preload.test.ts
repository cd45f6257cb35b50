// The ORM's query compiler compiled ahead (src/db/query-compiler-preload.ts): the bytes read straight
// from its module's file are the ones the generated client would decode, and they compile; the build's
// decoded copy is read as it is; the built bundle's client takes that module (test/e2e/built-start.test.ts
// checks the bundle's imports and the build's copy).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILT_QUERY_COMPILER,
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

  it("reads the build's decoded copy where there is one, as it is", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-qc-'));
    try {
      const copy = path.join(dir, BUILT_QUERY_COMPILER);
      // Not the query compiler: only the file's bytes can have come back.
      writeFileSync(copy, Buffer.from('\0asm built copy'));
      expect((await readQueryCompilerBytes(copy)).toString('latin1')).toBe('\0asm built copy');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
