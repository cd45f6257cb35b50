// `prisma migrate diff` without a native schema engine (see scripts/schema-engine.ts).
//
//   npx tsx scripts/db-diff.ts               SQL from prisma/migrations to prisma/schema.prisma
//   npx tsx scripts/db-diff.ts --from-empty  SQL creating prisma/schema.prisma from nothing
//   npx tsx scripts/db-diff.ts --check       exit 0 if the migrations produce the schema exactly;
//                                            otherwise print the missing SQL and exit 1
//
// Options: --migrations <dir> (default prisma/migrations), --schema <file|dir>
// (default prisma/schema.prisma), --wasm <file> (another schema_engine_bg.wasm), --verbose
// (engine logs on stderr). Exit code 2 means the diff itself failed (e.g. a broken migration).
import { parseArgs } from 'node:util';
import { DEFAULT_MIGRATIONS_DIR, DEFAULT_SCHEMA_PATH, diff, type EngineOptions } from './schema-engine.js';

const usage =
  'usage: npx tsx scripts/db-diff.ts [--from-empty | --check] [--migrations <dir>] [--schema <path>] [--wasm <file>] [--verbose]';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'from-empty': { type: 'boolean', default: false },
      check: { type: 'boolean', default: false },
      migrations: { type: 'string', default: DEFAULT_MIGRATIONS_DIR },
      schema: { type: 'string', default: DEFAULT_SCHEMA_PATH },
      wasm: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values['from-empty'] && values.check) {
    console.error(`--from-empty and --check do not go together\n${usage}`);
    return 2;
  }

  const options: EngineOptions = {};
  if (values.wasm) options.wasmPath = values.wasm;
  if (values.verbose) options.onLog = (line) => console.error(line);

  const from = values['from-empty'] ? 'empty' : { migrations: values.migrations };
  const { sql, changed } = await diff(from, { schema: values.schema }, options);

  if (values.check) {
    if (!changed) {
      console.error(`${values.migrations} matches ${values.schema}`);
      return 0;
    }
    console.error(`${values.migrations} does not match ${values.schema}; missing migration:`);
    console.log(sql);
    return 1;
  }
  // Same output as `prisma migrate diff ... --script`: the script plus a newline.
  console.log(sql);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  },
);
