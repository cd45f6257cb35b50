// The two databases carelog runs on, for tests that run against both: a real Postgres server and
// the embedded PGlite, each fresh and migrated.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ProgramConfig } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { syncPrograms, type Directory } from '../../src/services/directory.js';
import { openMigratedTestDatabase } from './postgres.js';

export interface Backend {
  name: string;
  open(): Promise<{ db: Database; cleanup: () => Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'Postgres',
    open: async () => {
      const t = await openMigratedTestDatabase();
      return { db: t.db, cleanup: t.cleanup };
    },
  },
  {
    name: 'embedded PGlite',
    open: async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-contacts-'));
      try {
        const db = await openDatabase({ dataDir: dir });
        await db.migrate();
        return {
          db,
          cleanup: async () => {
            await db.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (err) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    },
  },
];

/**
 * Opens `backend` for the tests of the enclosing describe block and, before each test, empties the
 * tables a contact writes and syncs `programs` afresh. Read `db` and `directory` inside tests and
 * hooks registered after this call.
 */
export function freshForEachTest(backend: Backend, programs: ProgramConfig[]): { db: Database; directory: Directory } {
  const state = {} as { db: Database; directory: Directory };
  let cleanup: (() => Promise<void>) | undefined;
  // PGlite compiles its Wasm on open: ~7 s alone, much more on a busy machine.
  beforeAll(async () => {
    ({ db: state.db, cleanup } = await backend.open());
  }, 180_000);
  afterAll(async () => {
    await cleanup?.();
  });
  beforeEach(async () => {
    await state.db.sql.exec(
      'TRUNCATE "AuditEvent", "FollowUp", "Contact", "Client", "Member", "Program" RESTART IDENTITY CASCADE',
    );
    state.directory = await syncPrograms(state.db, programs);
  });
  return state;
}
