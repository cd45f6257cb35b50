// carelog as `npm start`, `npm run db:migrate` and the Docker image run it: the compiled JavaScript
// under dist/ with plain node (no TypeScript loader). Built first when dist/ is missing or stale
// (scripts/ensure-build.mjs, as prestart does). The built files must still find what they read at
// run time beside the sources (prisma/migrations), and a production process must not hold the local
// Slack simulator.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../src/db/migrate.js';
import { freePort } from '../support/redis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'carelog-built-'));
  dirs.push(d);
  return d;
};
/** Embedded defaults: no DATABASE_URL, no Slack credentials, the example program file. */
const embeddedEnv = (dataDir: string) => ({
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'development',
  HOST: '127.0.0.1',
  CARELOG_CONFIG: 'carelog.example.yml',
  CARELOG_DATA_DIR: dataDir,
});

/**
 * Starts the built carelog on embedded defaults in `dataDir`, waits for "carelog is ready", runs
 * `check` with its port and its output so far, then stops it; resolves to all it wrote.
 */
async function whileRunning(
  dataDir: string,
  check: (port: number, output: () => string) => Promise<void>,
): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env: { ...embeddedEnv(dataDir), PORT: String(port), CARELOG_QUEUE_PREFIX: `carelog-built-${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => output.includes('carelog is ready') && resolve());
      void exited.then((code) => reject(new Error(`carelog exited (${code}) before it was ready:\n${output}`)));
    });
    await check(port, () => output);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return output;
}

beforeAll(() => {
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
}, 300_000);
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * What a start of the built carelog loads, from esbuild's account of the bundle (written by
 * scripts/bundle.mjs): each output file, the sources in it, and what it imports, statically or
 * dynamically.
 */
function startOfTheBundle() {
  const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'src', 'bundle-meta.json'), 'utf8')) as {
    outputs: Record<
      string,
      {
        entryPoint?: string;
        imports: { path: string; kind: string; external?: boolean }[];
        inputs: Record<string, unknown>;
      }
    >;
  };
  // Every start runs src/main.ts, then everything it imports dynamically (the configuration, the
  // logger, the ORM's compiler's preload and src/carelog.ts, imported after the database has
  // begun to start), and one of the two database adapters src/db/client.ts imports dynamically;
  // each with what it imports statically.
  const main = 'dist/src/main.js';
  const dynamicFrom = (file: string) =>
    meta.outputs[file]!.imports.filter((i) => i.kind === 'dynamic-import' && !i.external).map((i) => i.path);
  const clientFile = Object.entries(meta.outputs).find(([, o]) => 'src/db/client.ts' in o.inputs)![0];
  const adapters = dynamicFrom(clientFile).filter((f) =>
    Object.keys(meta.outputs[f]!.inputs).some((i) =>
      /^node_modules\/(pg|@prisma\/adapter-pg|pglite-prisma-adapter)\//.test(i),
    ),
  );
  expect(adapters.length).toBeGreaterThanOrEqual(2);
  const startFiles = [main, ...dynamicFrom(main), ...adapters];
  const entries = startFiles.map((f) => meta.outputs[f]!.entryPoint).filter(Boolean);
  expect(entries).toEqual(expect.arrayContaining(['src/main.ts', 'src/carelog.ts', 'src/config.ts', 'src/logger.ts']));
  /** The sources and the packages left outside the bundle that loading `entries` reaches. */
  const reach = (entries: string[], follow: (kind: string) => boolean) => {
    const outputs = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (outputs.has(file)) return;
      outputs.add(file);
      for (const i of meta.outputs[file]!.imports) {
        if (!follow(i.kind)) continue;
        if (i.external) packages.add(i.path);
        else visit(i.path);
      }
    };
    for (const entry of entries) visit(entry);
    const sources = [...outputs].flatMap((o) => Object.keys(meta.outputs[o]!.inputs));
    return { sources, packages: [...packages] };
  };
  return { startFiles, reach };
}

describe('the built carelog', () => {
  it('npm run db:migrate (node dist/src/db/migrate-cli.js) finds every migration in prisma/migrations', () => {
    const migrations = readMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    const run = spawnSync(process.execPath, ['dist/src/db/migrate-cli.js'], {
      cwd: ROOT,
      env: embeddedEnv(scratch()),
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    // A fresh data directory starts from the template (already migrated) or from initdb: either way
    // every migration is accounted for.
    const count = /Applied (\d+) migration|up to date \((\d+) migration/.exec(run.stdout);
    expect(count, run.stdout).not.toBeNull();
    expect(Number(count![1] ?? count![2])).toBe(migrations.length);
  });

  it('npm start (node dist/src/main.js) answers /healthz on embedded defaults, with the local Slack simulator', async () => {
    const output = await whileRunning(scratch(), async (port, output) => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      expect(output()).toContain('running against the local Slack simulator');
      expect(output()).toContain('"database":"embedded"');
    });
    expect(output).toContain('shutting down');
  }, 120_000);

  it('npm start on a data directory in use stops with the lock message (the database is opened while modules load)', async () => {
    const dataDir = scratch();
    // pid 1 (init) is always alive and is never carelog: the directory counts as in use.
    writeFileSync(path.join(dataDir, 'pglite.lock'), '1');
    const run = spawnSync(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { ...embeddedEnv(dataDir), PORT: String(await freePort()) },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    expect(output).toContain('is in use by another carelog process (pid 1)');
    // Reported once, as start-up's own failure, not as a stray rejection while the modules loaded.
    expect(output).not.toContain('unhandled rejection');
    expect(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).toBe('1');
  }, 120_000);

  it('npm start with a bad setting on a fresh data directory names the setting, and leaves the directory to start from', async () => {
    // The embedded database starts opening before the configuration is read (src/config/ahead.ts):
    // a start refused by the configuration must not leave half a database behind.
    const dataDir = scratch();
    const refused = spawnSync(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      env: { ...embeddedEnv(dataDir), PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(refused.status, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('PORT: must be a port number');
    // The database opened ahead was closed again: the directory is not left locked.
    expect(existsSync(path.join(dataDir, 'pglite.lock'))).toBe(false);

    await whileRunning(dataDir, async (port) => {
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    });
  }, 180_000);

  it('loads the Slack simulator only on demand: no static import reaches it from the entry points', () => {
    const reached = new Set<string>();
    const visit = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(?:[^'"]*?\sfrom\s+)?'(\.[^']+\.js)'/g)) {
        const target = path.resolve(path.dirname(file), m[1]!);
        if (existsSync(target)) visit(target);
      }
    };
    for (const entry of ['dist/src/main.js', 'dist/src/cli.js', 'dist/src/db/migrate-cli.js'])
      visit(path.join(ROOT, entry));
    expect(reached.size).toBeGreaterThan(30);
    expect([...reached].map((f) => path.relative(ROOT, f))).not.toContain(
      path.join('dist', 'src', 'platforms', 'slack', 'simulator.js'),
    );
    // …and it is still there for simulator mode to import.
    expect(existsSync(path.join(ROOT, 'dist', 'src', 'platforms', 'slack', 'simulator.js'))).toBe(true);
  });

  it('starts without the report and chart libraries: pdfkit, ExcelJS, ECharts and resvg load with the first report or chart', () => {
    const { startFiles, reach } = startOfTheBundle();
    const lazyLibraries =
      /^(node_modules\/(echarts|zrender|pdfkit|fontkit|exceljs|svg-to-pdfkit)\/|src\/views\/(chart|report-(html|pdf|xlsx))\.ts$)/;
    const lazyPackages = ['pdfkit', 'svg-to-pdfkit', 'exceljs', '@resvg/resvg-js'];

    const atStart = reach(startFiles, (kind) => kind !== 'dynamic-import');
    expect(atStart.sources.length).toBeGreaterThan(100);
    expect(atStart.sources.filter((s) => lazyLibraries.test(s))).toEqual([]);
    expect(atStart.packages.filter((p) => lazyPackages.includes(p))).toEqual([]);
    // The same names do find them once dynamic imports are followed: the check looks for the right things.
    const everything = reach(startFiles, () => true);
    expect(everything.sources.filter((s) => lazyLibraries.test(s)).length).toBeGreaterThan(10);
    expect(lazyPackages.filter((p) => everything.packages.includes(p))).toEqual(lazyPackages);
  });

  it("starts without PGlite's JavaScript on the main thread: the ORM's adapter gets the bundle's stand-in", () => {
    const { startFiles, reach } = startOfTheBundle();
    const atStart = reach(startFiles, (kind) => kind !== 'dynamic-import');
    expect(atStart.sources).toContain('src/db/pglite-for-adapter.ts');
    expect(atStart.sources.some((s) => s.startsWith('node_modules/pglite-prisma-adapter/'))).toBe(true);
    expect(atStart.packages.filter((p) => p.startsWith('@electric-sql/pglite'))).toEqual([]);
    // PGlite's class of a database error still loads with the first one (src/db/embedded-thread.ts).
    expect(reach(startFiles, () => true).packages).toContain('@electric-sql/pglite');
  });

  it("starts with the ORM's query compiler compiled ahead: the bundle's client does not load the 4.5 MB module itself", () => {
    const meta = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'src', 'bundle-meta.json'), 'utf8')) as {
      outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
    };
    const clientChunks = Object.values(meta.outputs).filter(
      (o) => 'src/generated/prisma/internal/class.ts' in o.inputs,
    );
    expect(clientChunks).toHaveLength(1);
    const imports = clientChunks[0]!.imports.map((i) => i.path);
    expect(imports.filter((p) => p.includes('wasm-base64'))).toEqual([]);
    expect(imports.some((p) => /query-compiler-preload/.test(p))).toBe(true);
  });

  it("holds the query compiler's bytes decoded beside the bundle, the ones the client's own module decodes to", async () => {
    const { wasm } = await import('@prisma/client/runtime/query_compiler_fast_bg.postgresql.wasm-base64.mjs');
    const built = readFileSync(path.join(ROOT, 'dist', 'src', 'query-compiler.wasm'));
    expect(built.equals(Buffer.from(wasm, 'base64'))).toBe(true);
  });

  it("runs the ORM through the bundle's stand-ins: a duplicate key is the ORM's unique-constraint error", async () => {
    // Bundled beside dist/src/main.js, where the embedded database's worker is found, the way the
    // bundle is built; then run in a process of its own.
    const { build } = await import('esbuild');
    const { carelogBundleOptions } = (await import(path.join(ROOT, 'scripts', 'bundle-options.mjs'))) as {
      carelogBundleOptions: Record<string, unknown>;
    };
    const probe = path.join(ROOT, 'dist', 'src', `bundle-probe-${process.pid}.mjs`);
    try {
      await build({
        ...carelogBundleOptions,
        entryPoints: [path.join(ROOT, 'test', 'support', 'bundle-probe.ts')],
        outfile: probe,
        logLevel: 'error',
      });
      const bundled = readFileSync(probe, 'utf8');
      // The stand-ins are in: PGlite is not imported on this thread, the client takes the compiled module.
      expect(bundled).not.toMatch(/from\s*["']@electric-sql\/pglite["']/);
      expect(bundled).toContain('queryCompilerModule');
      const run = spawnSync(process.execPath, [probe], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(run.status, run.stdout + run.stderr).toBe(0);
      const answer = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
        count: number;
        duplicate: { code?: string; meta?: { driverAdapterError?: { cause?: { kind?: string } } } } | null;
      };
      expect(answer.count).toBe(1);
      expect(answer.duplicate?.code).toBe('P2002');
    } finally {
      rmSync(probe, { force: true });
    }
  }, 180_000);
});
