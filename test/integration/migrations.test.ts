import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { readMigrations } from '../../src/db/migrate.js';
import { buildTemplate, findTemplate, templateDir } from '../../src/db/embedded-template.js';
import { CarelogError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('migrations on real Postgres', () => {
  let tdb: TestDatabase;

  it('applies every migration once and records it in _prisma_migrations', async () => {
    tdb = await createTestDatabase();
    cleanups.push(() => tdb.drop());
    const db = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
    cleanups.push(() => db.close());
    const first = await db.migrate();
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const second = await db.migrate();
    expect(second.applied).toEqual([]);
    const rows = await db.sql.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, checksum: m.checksum })));
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const db = await openDatabase({ databaseUrl: tdb.url, dataDir: '' });
    cleanups.push(() => db.close());
    const [first, ...rest] = readMigrations();
    const tampered = [{ ...first!, checksum: 'f'.repeat(64) }, ...rest];
    const { applyMigrations } = await import('../../src/db/migrate.js');
    await expect(applyMigrations(db.sql, tampered)).rejects.toThrow(/changed after it was applied/);
  });
});

describe('embedded database', () => {
  it('migrates, stores a row, and keeps it across a reopen', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-embedded-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const db = await openDatabase({ dataDir: dir });
    await db.migrate();
    await db.prisma.program.create({
      data: { id: 'p1', name: 'P', timezone: 'UTC', startDate: new Date('2024-03-01'), clientCodePrefix: 'PIC' },
    });
    await db.close();
    const again = await openDatabase({ dataDir: dir });
    cleanups.push(() => again.close());
    expect((await again.migrate()).applied).toEqual([]);
    expect(await again.prisma.program.count()).toBe(1);
  });

  it(
    'starts a fresh data directory from the template npm install builds, and runs initdb without one',
    { timeout: 180_000 },
    async () => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'carelog-template-'));
      cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
      const templates = path.join(root, 'templates');
      expect(findTemplate(templates)).toBeNull();
      const built = await buildTemplate(templates);
      expect(path.basename(built)).toMatch(/^pglite-[0-9a-f]{16}$/);
      expect(built).toBe(templateDir(templates));
      expect(findTemplate(templates)).toBe(built);

      // From the template: already migrated, and usable.
      const fromTemplate = await openDatabase({ dataDir: path.join(root, 'a'), templateDir: templates });
      cleanups.push(() => fromTemplate.close());
      expect((await fromTemplate.migrate()).applied).toEqual([]);
      await fromTemplate.prisma.program.create({
        data: { id: 'p1', name: 'P', timezone: 'UTC', startDate: new Date('2024-03-01'), clientCodePrefix: 'PIC' },
      });
      expect(await fromTemplate.prisma.program.count()).toBe(1);

      // Without one: initdb, then every migration.
      const bare = await openDatabase({ dataDir: path.join(root, 'b'), templateDir: path.join(root, 'none') });
      cleanups.push(() => bare.close());
      expect((await bare.migrate()).applied).toEqual(readMigrations().map((m) => m.name));

      // The copy is moved into place whole: nothing is left beside it.
      expect(existsSync(path.join(root, 'a', 'pglite.partial'))).toBe(false);
      // A directory that holds files but no database is not copied over, and is left as it was.
      const cluttered = path.join(root, 'c', 'pglite');
      mkdirSync(cluttered, { recursive: true });
      writeFileSync(path.join(cluttered, 'notes.txt'), 'kept');
      const refused = await openDatabase({ dataDir: path.join(root, 'c'), templateDir: templates }).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(CarelogError);
      expect((refused as CarelogError).message).toBe(
        `${cluttered} holds files but no database (no PG_VERSION): move it away, and carelog starts a fresh one there`,
      );
      expect(readdirSync(path.join(root, 'c')).sort()).toEqual(['pglite']);
      expect(readdirSync(cluttered)).toEqual(['notes.txt']);
    },
  );
});
