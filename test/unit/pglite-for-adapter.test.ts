// The bundle's stand-in for PGlite as the ORM's adapter sees it (src/db/pglite-for-adapter.ts): the
// same type numbers as PGlite's for every one the adapter reads, nothing else taken from PGlite, and
// no database error's class before one has crossed from the embedded database's thread
// (test/integration/embedded-thread.test.ts checks the class after one has).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { messages, types } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import * as standIn from '../../src/db/pglite-for-adapter.js';

const adapterSource = readFileSync(
  createRequire(import.meta.url)
    .resolve('pglite-prisma-adapter')
    .replace(/index\.c?js$/, 'index.mjs'),
  'utf8',
);

describe("the adapter's PGlite in the bundle", () => {
  it('has PGlite’s number for every type the adapter reads', () => {
    const read = [...new Set([...adapterSource.matchAll(/\bScalarColumnType\.(\w+)/g)].map((m) => m[1]!))];
    expect(read.length).toBeGreaterThan(20);
    for (const name of read) {
      expect({ name, oid: (standIn.types as Record<string, number>)[name] }).toEqual({
        name,
        oid: (types as unknown as Record<string, number>)[name],
      });
    }
    // And no number of its own that PGlite has otherwise.
    for (const [name, oid] of Object.entries(standIn.types)) {
      expect({ name, oid }).toEqual({ name, oid: (types as unknown as Record<string, number>)[name] });
    }
  });

  it('stands in for everything the adapter takes from PGlite', () => {
    const imports = [...adapterSource.matchAll(/^import (.+) from "@electric-sql\/pglite";$/gm)].map((m) => m[1]);
    expect(imports.sort()).toEqual(['* as pglite', '{ types }']);
    const used = [...new Set([...adapterSource.matchAll(/(?<![\w/.])pglite\.(\w+)/g)].map((m) => m[1]))].sort();
    expect(used).toEqual(['PGlite', 'messages']);
    expect(Object.keys(standIn).sort()).toEqual(['PGlite', 'messages', 'types']);
  });

  it('has no database error class before an error crosses, and no PGlite of its own', () => {
    const err = new messages.DatabaseError('duplicate key', 0, 'error');
    expect(err).not.toBeInstanceOf(standIn.messages.DatabaseError);
    expect(() => new standIn.PGlite()).toThrow(/not loaded on carelog's main thread/);
  });
});
