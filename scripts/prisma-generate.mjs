// Runs `prisma generate` without letting the CLI download a native schema engine: generate uses
// Prisma's built-in wasm, and only checks that PRISMA_SCHEMA_ENGINE_BINARY names an existing file.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const args = process.argv.slice(2);
const result = spawnSync(process.execPath, [cli, ...(args.length ? args : ['generate'])], {
  stdio: 'inherit',
  env: {
    PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    ...process.env,
  },
});
process.exit(result.status ?? 1);
