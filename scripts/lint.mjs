// House rules that a type checker cannot see (CONTRIBUTING.md explains each):
//  - only src/config.ts reads process.env (and src/config/ahead.ts, the two variables a start needs
//    before the configuration loads);
//  - shipped code logs through the logger, never console.*;
//  - handlers (handlers/slack/, handlers/teams/) never touch Prisma directly (they call services);
//  - the layers (.dependency-cruiser.cjs, docs/architecture.md): no import cycle, and dependencies
//    point one way (handlers and jobs → services → domain; views → domain; platforms → services, views);
//  - the tree is formatted by Prettier (.prettierrc.json; `npx prettier --write .` fixes it);
//  - ESLint with typescript-eslint's recommended type-checked rules (eslint.config.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const roots = ['src', 'handlers', 'jobs'];
const ENV_READERS = [path.join('src', 'config.ts'), path.join('src', 'config', 'ahead.ts')];
const problems = [];

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (full.includes(`${path.sep}generated${path.sep}`) || full.endsWith(`${path.sep}generated`)) continue;
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (full.endsWith('.ts')) yield full;
  }
}

for (const root of roots.filter((r) => existsSync(r))) {
  for (const file of walk(root)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      const where = `${file}:${i + 1}`;
      if (/process\.env/.test(line) && !ENV_READERS.includes(file))
        problems.push(`${where}: process.env is read only in src/config.ts`);
      if (/console\.(log|error|warn|info|debug)\(/.test(line) && !file.includes(`${path.sep}cli`))
        problems.push(`${where}: use the logger, not console`);
      const isHandler = root === 'handlers';
      if (isHandler && /\.prisma\b|\$transaction|generated\/prisma/.test(line))
        problems.push(`${where}: handlers call services; no Prisma here`);
    });
  }
}

if (problems.length) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write('house rules: ok\n');

// The layers: dependency-cruiser with carelog's rules, over what ships. It prints each violation
// with the rule's name and the import that breaks it, and exits non-zero on any.
const depcruise = path.join('node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const layers = spawnSync(
  process.execPath,
  [depcruise, ...roots.filter((r) => existsSync(r)), '--config', '.dependency-cruiser.cjs', '--output-type', 'err'],
  { stdio: 'inherit' },
);
if (layers.status !== 0) {
  process.stderr.write(
    'layers: the imports above break a rule of .dependency-cruiser.cjs (docs/architecture.md says why each holds)\n',
  );
  process.exit(1);
}

// Formatting: Prettier checks every file it formats (.prettierignore says what it leaves alone and why).
const prettier = path.join('node_modules', 'prettier', 'bin', 'prettier.cjs');
const formatted = spawnSync(process.execPath, [prettier, '--check', '--log-level', 'warn', '.'], { stdio: 'inherit' });
if (formatted.status !== 0) {
  process.stderr.write('format: the files above are not formatted; run `npx prettier --write .`\n');
  process.exit(1);
}
process.stdout.write('format: ok\n');

// ESLint: JavaScript's and typescript-eslint's recommended type-checked rules (eslint.config.mjs).
const eslint = path.join('node_modules', 'eslint', 'bin', 'eslint.js');
const linted = spawnSync(process.execPath, [eslint, '--max-warnings', '0', '.'], { stdio: 'inherit' });
if (linted.status !== 0) {
  process.stderr.write('eslint: fix the problems above (`npx eslint --fix .` fixes some of them)\n');
  process.exit(1);
}
process.stdout.write('eslint: ok\n');
