// `npm run carelog -- <command>`: carelog's command line. It reads the same environment and
// carelog.yml as the server. With --json, the JSON document is the only thing on stdout; messages
// go to stderr.
import { parseArgs } from 'node:util';
import { loadConfig, type Config, type ProgramConfig } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { parsePeriod, lastCompletePeriod, type TPeriodKind } from './domain/periods.js';
import { isCarelogError } from './errors.js';
import { computeDigest } from './services/digest.js';
import { syncPrograms } from './services/directory.js';
import { renderDigestText } from './views/digest.js';

const USAGE = `usage: npm run carelog -- <command> [options]

commands:
  digest --program <id> [--period 2024-Q3|2024-W40|YYYY-MM-DD] [--kind week|quarter] [--json]
      print a digest (default: the last complete quarter)
`;

class UsageError extends Error {}

function programOf(config: Config, id: string | undefined): ProgramConfig {
  if (!id) {
    if (config.programs.length === 1) return config.programs[0]!;
    throw new UsageError(`--program is required (one of: ${config.programs.map((p) => p.id).join(', ')})`);
  }
  const p = config.programs.find((x) => x.id === id);
  if (!p) throw new UsageError(`no program "${id}" in ${config.configFile} (known: ${config.programs.map((x) => x.id).join(', ')})`);
  return p;
}

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.dataDir });
  try {
    if (db.kind === 'embedded') await db.migrate();
    await syncPrograms(db.prisma, config.programs);
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function digestCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { program: { type: 'string' }, period: { type: 'string' }, kind: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const program = programOf(config, values.program);
  const kind = values.kind === undefined ? undefined : values.kind === 'week' || values.kind === 'quarter' ? (values.kind as TPeriodKind) : null;
  if (kind === null) throw new UsageError('--kind must be week or quarter');
  const period = values.period
    ? parsePeriod(values.period, kind, program.timezone, program.startDate)
    : lastCompletePeriod(kind ?? 'quarter', new Date(), program.timezone, program.startDate);
  if (!period) throw new UsageError(`--period "${values.period}" is not a period: use 2024-Q3, 2024-W40 or a date such as 2024-09-30`);
  const figures = await withDatabase(config, (db) => computeDigest(db.prisma, program, period));
  process.stdout.write(values.json ? `${JSON.stringify(figures, null, 2)}\n` : `${renderDigestText(program, figures)}\n`);
}

const COMMANDS: Record<string, (config: Config, args: string[]) => Promise<void>> = {
  digest: digestCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    return name ? 2 : 0;
  }
  try {
    await command(loadConfig(), rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || isCarelogError(err)) {
      process.stderr.write(`carelog ${name}: ${err.message}\n`);
      return 2;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`carelog ${name}: ${(err as Error).message}\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`carelog ${name}: failed (${(err as Error)?.name})\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
