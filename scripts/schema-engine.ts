// Prisma's schema engine (the thing behind `prisma migrate diff`) run as WebAssembly, so that no
// native engine has to be downloaded. The database it needs for the shadow-database step is an
// in-memory PGlite (Postgres compiled to Wasm), so no Postgres server is needed either.
//
// Why the wiring below looks the way it does (all of it learnt the hard way):
//
// - Node cannot `import` a .wasm file as an ES module without --experimental-wasm-modules, so the
//   package's entry point (`@prisma/schema-engine-wasm`, which does `import * as wasm from
//   "./schema_engine_bg.wasm"`) is unusable. We import the wasm-bindgen glue
//   (`@prisma/schema-engine-wasm/schema_engine_bg`) and instantiate the .wasm ourselves, exactly
//   what that entry point would do: instantiate with the glue as the `./schema_engine_bg.js`
//   import module, hand the exports back via `__wbg_set_wasm`, then call `__wbindgen_start`.
//
// - `SchemaEngine.new(options, callback, adapter)` does not take a plain driver-adapter factory.
//   Every call the engine makes into JS (`connect`, `connectToShadowDb`, `queryRaw`,
//   `executeScript`, ...) must resolve to a Result object `{ ok: true, value } | { ok: false,
//   error }`, which is what `bindMigrationAwareSqlAdapterFactory` from
//   `@prisma/driver-adapter-utils` produces (it also binds `this` and keeps an error registry).
//   Given an unwrapped factory, the engine reads `.ok` of the bare adapter, gets `undefined`,
//   and dies in the glue with "Cannot read properties of undefined (reading 'valueOf')".
//   Passing a method of an unbound factory instance gives "Cannot read properties of null
//   (reading 'client')" instead (lost `this`). Neither is a version mismatch.
//
// - The glue reports Rust panics through `global.PRISMA_WASM_PANIC_REGISTRY.set_message`, which
//   must exist before the engine can panic, or the real message is replaced by a TypeError.
//
// - The `callback` argument receives the engine's `tracing` output, one JSON string per event.
//
// Note: the Prisma 7.10.1 CLI does NOT use this Wasm engine for `migrate diff`; it spawns the
// native `schema-engine` binary over JSON-RPC. It merely ships a schema_engine_bg.wasm (engines
// commit d1b3f377..., ABI-identical to the @prisma/schema-engine-wasm 8.1.0-2 glue) in
// node_modules/prisma/build. `wasmPath` lets you run that one instead; on the current schema both
// give byte-identical SQL.

import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { DiffResult, DiffTarget, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';

const require = createRequire(import.meta.url);

/** Default locations, relative to the current working directory (as in prisma.config.ts). */
export const DEFAULT_SCHEMA_PATH = 'prisma/schema.prisma';
export const DEFAULT_MIGRATIONS_DIR = 'prisma/migrations';

/**
 * One side of a diff, mirroring `prisma migrate diff`'s inputs:
 * - `'empty'`: an empty database (`--from-empty` / `--to-empty`);
 * - `'migrations'` or `{ migrations: dir }`: what the migrations directory produces when applied
 *   to a fresh shadow database (`--from-migrations` / `--to-migrations`);
 * - `'schema'` or `{ schema: path }`: the datamodel of a Prisma schema file, or of every
 *   `*.prisma` file under a folder (`--from-schema` / `--to-schema`).
 */
export type DiffSide = 'empty' | 'migrations' | 'schema' | { migrations: string } | { schema: string };

export interface EngineOptions {
  /**
   * The schema engine .wasm to run. Defaults to the one shipped with @prisma/schema-engine-wasm
   * (built together with its JS glue). Only the first call in a process decides: the glue is a
   * module-level singleton.
   */
  wasmPath?: string;
  /** Receives the engine's tracing events (JSON strings). Silent by default. */
  onLog?: (line: string) => void;
  /**
   * Init script run on the shadow database before the migrations are applied
   * (prisma.config.ts `migrations.initShadowDb`). Empty by default, as in this project.
   */
  shadowDbInitScript?: string;
  /** Tables/enums managed outside Prisma (prisma.config.ts `tables.external` / `enums.external`). */
  externalTables?: string[];
  externalEnums?: string[];
}

/** What `diffSql` would print, plus whether the two sides differ at all. */
export interface DiffOutput {
  /** The SQL script. For identical sides the engine prints `-- This is an empty migration.` */
  sql: string;
  /** True when the engine found at least one migration step (its `--exit-code` 2). */
  changed: boolean;
}

/** What `prisma migrate dev` writes to migration_lock.toml for Postgres. */
const POSTGRES_LOCKFILE =
  '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n';

/**
 * The bits of the WebAssembly global used here. The project compiles against lib ES2023 and
 * @types/node, neither of which declares the WebAssembly JS API, though Node has it.
 */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, object>): Promise<object>;
  Module: { imports(module: object): { module: string; name: string; kind: string }[] };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type EngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');

let engineModule: Promise<EngineModule> | undefined;
let engineWasmPath: string | undefined;

/**
 * Load and instantiate the schema engine Wasm once per process, returning the wasm-bindgen glue
 * module (whose `SchemaEngine` class is then usable).
 */
export function loadSchemaEngineModule(wasmPath?: string): Promise<EngineModule> {
  const file = path.resolve(
    wasmPath ?? require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm'),
  );
  if (engineWasmPath !== undefined && engineWasmPath !== file) {
    throw new Error(
      `schema engine already loaded from ${engineWasmPath}; cannot switch to ${file} in the same process`,
    );
  }
  engineWasmPath = file;
  engineModule ??= (async () => {
    const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const module = await wasmApi.compile(await readFile(file));
    // The glue references this global when Rust panics; keep the last message for error reports.
    const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string; set_message(m: string): void } };
    registry.PRISMA_WASM_PANIC_REGISTRY ??= {
      message: '',
      set_message(m: string) {
        this.message = `RuntimeError: ${m}`;
      },
    };
    // Every import of the .wasm lives in the single './schema_engine_bg.js' module namespace.
    const imports: Record<string, object> = {};
    for (const { module: name } of wasmApi.Module.imports(module)) imports[name] = glue;
    const { exports } = (await wasmApi.instantiate(module, imports)) as { exports: { __wbindgen_start?: () => void } };
    (glue as unknown as { __wbg_set_wasm(exports: unknown): void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start?.();
    return glue;
  })();
  return engineModule;
}

/**
 * A migration-aware driver adapter factory backed by in-memory PGlite databases: one main
 * database and a fresh one per shadow-database request. Wraps pglite-prisma-adapter to fix two
 * things that matter for migrations:
 * - its `executeScript` does not await `PGlite.exec`, so a failing migration is reported to the
 *   engine as applied (the diff is then computed against a half-built shadow database) and the
 *   process later crashes on the unhandled rejection, instead of the engine failing with
 *   "Migration `x` failed to apply cleanly to the shadow database";
 * - its shadow databases are never closed.
 */
export class PGliteMigrationFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = 'pglite-prisma-adapter';
  readonly #databases: PGlite[] = [];

  async connect(): Promise<SqlDriverAdapter> {
    return this.#open(false);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    return this.#open(true);
  }

  /** Close every PGlite instance this factory opened. */
  async close(): Promise<void> {
    const open = this.#databases.splice(0).filter((db) => !db.closed);
    await Promise.all(open.map((db) => db.close()));
  }

  async #open(shadow: boolean): Promise<SqlDriverAdapter> {
    const db = new PGlite();
    this.#databases.push(db);
    const adapter = await new PrismaPGlite(db).connect();
    // `onError` rethrows a Postgres error as the DriverAdapterError the engine understands.
    const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter);
    adapter.executeScript = async (script: string) => {
      try {
        await db.exec(script);
      } catch (e) {
        onError(e);
      }
    };
    if (shadow) {
      adapter.dispose = async () => {
        if (!db.closed) await db.close();
      };
    }
    return adapter;
  }
}

/**
 * Run `fn` with a live schema engine whose database is an in-memory PGlite, then free both.
 * `initialSchema` (file path/content pairs) is only used by the engine to learn datasource
 * namespaces; the diff inputs themselves are passed per call.
 */
export async function withSchemaEngine<T>(
  fn: (engine: SchemaEngine) => Promise<T>,
  options: EngineOptions & { initialSchema?: [string, string][] } = {},
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngineModule(options.wasmPath);
  const factory = new PGliteMigrationFactory();
  const onLog = options.onLog ?? (() => {});
  try {
    const engine = await SchemaEngine.new(
      { datamodels: options.initialSchema },
      (line: string) => onLog(line),
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    try {
      return await fn(engine);
    } finally {
      // After a Rust panic the engine is poisoned and `free` throws; keep the original error.
      try {
        engine.free();
      } catch {
        // nothing to free that we can still reach
      }
    }
  } catch (e) {
    throw toError(e);
  } finally {
    await factory.close();
  }
}

/**
 * Read a Prisma migrations directory the way the Prisma CLI does: `migration_lock.toml` (or null),
 * and every immediate subdirectory with its `migration.sql`, sorted by name. An unreadable
 * migration.sql is passed on as an error for the engine to report. A missing directory is an
 * empty history.
 */
export async function loadMigrationsList(dir: string, shadowDbInitScript = ''): Promise<MigrationList> {
  const baseDir = path.resolve(dir);
  const lockfilePath = 'migration_lock.toml';
  const lockContent = await readFile(path.join(baseDir, lockfilePath), 'utf8').catch(() => null);
  const entries = await readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories: MigrationList['migrationDirectories'] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const file = 'migration.sql';
    const content = await readFile(path.join(baseDir, entry.name, file), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (e: Error) => ({ tag: 'error' as const, value: e.message }),
    );
    migrationDirectories.push({ path: entry.name, migrationFile: { path: file, content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return { baseDir, lockfile: { path: lockfilePath, content: lockContent }, migrationDirectories, shadowDbInitScript };
}

/** Read a schema file, or every `*.prisma` file under a folder (multi-file schemas). */
export async function loadSchemaFiles(schemaPath: string): Promise<{ path: string; content: string }[]> {
  const full = path.resolve(schemaPath);
  if (!(await stat(full)).isDirectory()) return [{ path: full, content: await readFile(full, 'utf8') }];
  const names = (await readdir(full, { recursive: true })).filter((n) => n.endsWith('.prisma')).sort();
  return Promise.all(
    names.map(async (n) => ({ path: path.join(full, n), content: await readFile(path.join(full, n), 'utf8') })),
  );
}

async function toTarget(side: DiffSide, options: EngineOptions): Promise<DiffTarget> {
  if (side === 'empty') return { tag: 'empty' };
  if (side === 'migrations' || (typeof side === 'object' && 'migrations' in side)) {
    const dir = side === 'migrations' ? DEFAULT_MIGRATIONS_DIR : side.migrations;
    const list = await loadMigrationsList(dir, options.shadowDbInitScript ?? '');
    // The engine picks its connector from migration_lock.toml and refuses a directory without
    // one ("Could not determine the connector ..."), which is what a brand-new project has (no
    // directory, or an empty one). The only possible connector here is Postgres, so say so; a
    // lockfile naming another provider is still rejected by the engine.
    list.lockfile.content ??= POSTGRES_LOCKFILE;
    return { tag: 'migrations', ...list };
  }
  const file = side === 'schema' ? DEFAULT_SCHEMA_PATH : side.schema;
  return { tag: 'schemaDatamodel', files: await loadSchemaFiles(file) };
}

/**
 * The diff between two states, as `prisma migrate diff --from-... --to-... --script --exit-code`
 * computes it. `sql` is the engine's script without the trailing newline the CLI adds.
 */
export async function diff(from: DiffSide, to: DiffSide, options: EngineOptions = {}): Promise<DiffOutput> {
  const [fromTarget, toSide] = await Promise.all([toTarget(from, options), toTarget(to, options)]);
  const schemaTarget = [toSide, fromTarget].find((t) => t.tag === 'schemaDatamodel');
  const initialSchema =
    schemaTarget?.tag === 'schemaDatamodel'
      ? schemaTarget.files.map((f): [string, string] => [f.path, f.content])
      : undefined;
  const result: DiffResult = await withSchemaEngine(
    (engine) =>
      engine.diff({
        from: fromTarget,
        to: toSide,
        script: true,
        exitCode: true,
        filters: { externalTables: options.externalTables ?? [], externalEnums: options.externalEnums ?? [] },
      }),
    { ...options, initialSchema },
  );
  return { sql: result.stdout ?? '', changed: result.exitCode === 2 };
}

/**
 * The SQL script that takes a database from `from` to `to`; by default from the migrations in
 * prisma/migrations to the datamodel in prisma/schema.prisma, i.e. what
 * `prisma migrate diff --from-migrations prisma/migrations --to-schema prisma/schema.prisma --script`
 * prints (minus its trailing newline). Use `diffSql('empty')` for the whole schema from scratch.
 */
export async function diffSql(
  from: DiffSide = 'migrations',
  to: DiffSide = 'schema',
  options: EngineOptions = {},
): Promise<string> {
  return (await diff(from, to, options)).sql;
}

/**
 * Whether the migrations directory, applied to an empty database, yields exactly the schema's
 * datamodel. `sql` is the migration still missing (the engine's "empty migration" comment when
 * in sync).
 */
export async function checkMigrations(
  options: EngineOptions & { migrationsDir?: string; schemaPath?: string } = {},
): Promise<{ inSync: boolean; sql: string }> {
  const { sql, changed } = await diff(
    { migrations: options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR },
    { schema: options.schemaPath ?? DEFAULT_SCHEMA_PATH },
    options,
  );
  return { inSync: !changed, sql };
}

/**
 * Engine failures usually arrive as Errors carrying the engine's message; a Rust panic arrives as
 * a bare `RuntimeError: unreachable`, whose real reason is in the panic registry.
 */
function toError(e: unknown): Error {
  const panic = (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { message: string } }).PRISMA_WASM_PANIC_REGISTRY;
  if (e instanceof Error && e.name === 'RuntimeError' && panic?.message)
    return new Error(`schema engine panicked: ${panic.message}`, { cause: e });
  if (e instanceof Error) return e;
  if (e && typeof e === 'object' && 'message' in e) {
    const err = new Error(String(e.message));
    Object.assign(err, e);
    return err;
  }
  return new Error(typeof e === 'string' ? e : JSON.stringify(e));
}
