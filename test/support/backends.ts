// The two databases carelog runs on, for tests that run against both: a real Postgres server and
// the embedded PGlite, each fresh and migrated.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/client.js';
import { openMigratedTestDatabase } from './postgres.js';

export interface Backend {
  name: string;
  open(): Promise<{ db: Database; cleanup(): Promise<void> }>;
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
