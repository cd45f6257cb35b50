// Runs before `npm start`, `npm run worker`, `npm run carelog` and `npm run db:migrate`: builds dist/
// (`npm run build`) when it is missing or older than a source file, so a fresh clone or a pulled
// change starts as compiled JavaScript without a build step to remember. Comparing modification
// times takes milliseconds; asking tsc (even incrementally) takes seconds, so this checks first.
// The Docker image builds in its own stage and runs node directly, never this.
// `node scripts/ensure-build.mjs --stamp` (the end of `npm run build`) marks dist/ as current.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const STAMP = path.join('dist', '.built');
const SOURCES = ['src', 'handlers', 'jobs'];
const CONFIGS = [
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'scripts/bundle.mjs',
  'scripts/bundle-options.mjs',
];

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestUnder(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!existsSync(STAMP) || !existsSync(path.join('dist', 'src', 'main.js'))) return 'dist/ is missing';
  const built = statSync(STAMP).mtimeMs;
  const newest = Math.max(
    ...SOURCES.filter((d) => existsSync(d)).map(newestUnder),
    ...CONFIGS.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs),
  );
  return newest > built ? 'a source file changed since dist/ was built' : null;
}

if (process.argv.includes('--stamp')) {
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  process.exit(0);
}
// Two callers at once (test files in parallel workers) must not run tsc over the same files: the
// first takes dist/.building, the others wait for it to go and then check again.
const LOCK = path.join('dist', '.building');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let held = false;
for (let waited = 0; stale() && !held; waited += 200) {
  mkdirSync('dist', { recursive: true });
  try {
    closeSync(openSync(LOCK, 'wx'));
    held = true;
  } catch {
    // A lock older than ten minutes belongs to a build that died: take it over.
    if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs > 600_000) rmSync(LOCK, { force: true });
    else sleep(200);
  }
}
const reason = held ? stale() : null;
process.on('exit', () => held && rmSync(LOCK, { force: true }));
if (reason) {
  process.stderr.write(`carelog: ${reason}; building it (npm run build)\n`);
  const started = Date.now();
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  process.stderr.write(`carelog: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
