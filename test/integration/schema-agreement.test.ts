// prisma/schema.prisma and prisma/migrations must describe the same database: Prisma's schema engine
// (as Wasm, on in-memory PGlite) applies the migrations to a shadow database and diffs the result
// against the schema. The check is also shown to fail when the two disagree.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMigrations } from '../../scripts/schema-engine.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma/migrations');
const SCHEMA_PATH = path.join(ROOT, 'prisma/schema.prisma');
const EMPTY_MIGRATION = '-- This is an empty migration.';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'carelog-schema-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the migrations whose last migration lacks its last statement; returns that statement. */
function migrationsWithoutLastStatement(dir: string): string {
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const last = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .at(-1)!;
  const file = path.join(dir, last, 'migration.sql');
  const sql = readFileSync(file, 'utf8').trimEnd();
  expect(sql.endsWith(';')).toBe(true);
  const cut = sql.lastIndexOf(';', sql.length - 2) + 1;
  writeFileSync(file, `${sql.slice(0, cut)}\n`);
  // Drop the comment lines that preceded it: what is left is the statement.
  return sql
    .slice(cut)
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('--'))
    .join('\n');
}

/** The object a DDL statement creates or changes: its constraint, index, table or type name. */
function objectName(statement: string): string {
  const m =
    /CONSTRAINT\s+"([^"]+)"/.exec(statement) ??
    /INDEX\s+"([^"]+)"/.exec(statement) ??
    /TABLE\s+"([^"]+)"/.exec(statement) ??
    /TYPE\s+"([^"]+)"/.exec(statement);
  expect(m, `no object name in: ${statement}`).not.toBeNull();
  return m![1]!;
}

// Each check compiles the engine's Wasm and boots PGlite shadow databases: 10-20 s, more on a busy CI.
describe('schema.prisma and prisma/migrations', { timeout: 120_000 }, () => {
  it('agree: the migrations build exactly the schema', async () => {
    const result = await checkMigrations({ migrationsDir: MIGRATIONS_DIR, schemaPath: SCHEMA_PATH });
    expect(result.sql.trim()).toBe(EMPTY_MIGRATION);
    expect(result.inSync).toBe(true);
  });

  it('disagree when a migration lacks its last statement, and the missing SQL names it', async () => {
    const dir = path.join(tmp, 'short-migrations');
    const removed = migrationsWithoutLastStatement(dir);
    const name = objectName(removed);
    const result = await checkMigrations({ migrationsDir: dir, schemaPath: SCHEMA_PATH });
    expect(result.inSync).toBe(false);
    expect(result.sql).toContain(`"${name}"`);
    expect(result.sql).not.toContain(EMPTY_MIGRATION);
  });

  it('disagree when the schema gains a field, and the missing SQL adds that column', async () => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8');
    const clientModel = 'model Client {\n';
    expect(schema).toContain(clientModel);
    const file = path.join(tmp, 'schema-extra-field.prisma');
    writeFileSync(file, schema.replace(clientModel, `${clientModel}  carelogTestExtra String?\n`));
    const result = await checkMigrations({ migrationsDir: MIGRATIONS_DIR, schemaPath: file });
    expect(result.inSync).toBe(false);
    expect(result.sql).toMatch(/ALTER TABLE "Client" ADD COLUMN\s+"carelogTestExtra" TEXT/);
  });
});
