// What the ORM's PGlite adapter (pglite-prisma-adapter) takes from `@electric-sql/pglite`, in the
// built bundle only (scripts/bundle.mjs puts this module in its place). PGlite runs in the embedded
// database's thread (src/db/embedded-worker.ts); the adapter, on the main thread, needs only type
// numbers and the class of a database error, but importing PGlite for them loaded its ~0.5 MB of
// JavaScript on the main thread at every start, ~50 ms there for nothing. The sources and the tests
// keep the adapter's own import; test/unit/pglite-for-adapter.test.ts holds this module to PGlite's
// values and to what the adapter uses.
import { loadedDatabaseError } from './embedded-thread.js';

/** Postgres' type numbers (pg_type.oid) the adapter maps to the ORM's column types. */
export const types = {
  BIT: 1560,
  BOOL: 16,
  BPCHAR: 1042,
  BYTEA: 17,
  CHAR: 18,
  CIDR: 650,
  DATE: 1082,
  FLOAT4: 700,
  FLOAT8: 701,
  INET: 869,
  INT2: 21,
  INT4: 23,
  INT8: 20,
  JSON: 114,
  JSONB: 3802,
  MONEY: 790,
  NUMERIC: 1700,
  OID: 26,
  TEXT: 25,
  TIME: 1083,
  TIMESTAMP: 1114,
  TIMESTAMPTZ: 1184,
  TIMETZ: 1266,
  UUID: 2950,
  VARBIT: 1562,
  VARCHAR: 1043,
  XML: 142,
} as const;

/** Nothing is an instance of it: no database error has crossed yet. */
class NoDatabaseErrorYet {}

/**
 * The adapter turns a database error into the ORM's (P2002 for a unique key, …) when it is an
 * instance of PGlite's DatabaseError. Every such error on this thread was made by the embedded
 * thread's stand-in, which loads PGlite's class for the first one; until then there is none.
 */
export const messages = {
  get DatabaseError(): abstract new (...args: never[]) => unknown {
    return loadedDatabaseError() ?? NoDatabaseErrorYet;
  },
};

/** The adapter makes a PGlite of its own only for a shadow database, which carelog never asks for. */
export class PGlite {
  constructor() {
    throw new Error("PGlite is not loaded on carelog's main thread; the embedded database runs in its own thread");
  }
}
