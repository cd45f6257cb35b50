// `npm run carelog -- <command>`: carelog's command line. It reads the same environment and
// carelog.yml as the server. With --json, the JSON document is the only thing on stdout; messages
// go to stderr.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, type Config, type ProgramConfig } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import { formatImportError } from './domain/contact-csv.js';
import { parsePeriod, lastCompletePeriod } from './domain/periods.js';
import { isIsoDate } from './domain/time.js';
import { isCarelogError } from './errors.js';
import { loadKeyring, type Keyring } from './services/crypto.js';
import { contactExportCsv, contactExportJson, exportContacts, type ExportActor } from './services/csv-export.js';
import { importContacts } from './services/csv-import.js';
import {
  exportReferrals,
  importReferralOutcomes,
  referralExportCsv,
  referralExportJson,
} from './services/referral-csv.js';
import { computeDigest } from './services/digest.js';
import { syncPrograms, type Directory } from './services/directory.js';
import { readRoster } from './services/roster.js';
import { renderDigestText } from './views/digest.js';
import { createLogger } from './logger.js';
import { connectRedis } from './queue/redis.js';
import { createQueue } from './queue/workers.js';
import { reminderReport } from './services/reminder-report.js';
import { keyIdOf } from './services/crypto.js';
import { notesByKey, rekeyNotes } from './services/rekey.js';
import { applyNotesRetention } from './services/retention.js';
import { claimPrivateFile, type PrivateFile } from './services/private-file.js';
import { makeReport, REPORT_FORMATS, reportPeriodOf, type TReportFormat } from './services/report.js';

const USAGE = `usage: npm run carelog -- <command> [options]

commands:
  digest --program <id> [--period 2024-Q3|2024-W40|YYYY-MM-DD] [--kind week|quarter] [--json]
      print a digest (default: the last complete quarter)
  import --program <id> --file contacts.csv [--json]
      import contacts from CSV; every row is checked first and nothing is written if one is bad
  import --what referrals --program <id> --file referrals.csv [--actor <roster id or name>] [--json]
      record the referral outcomes (status, connected_on) a referrals export gives, checked first
  export [--what contacts|referrals] --program <id> --from YYYY-MM-DD --to YYYY-MM-DD
         [--format csv|json] [--include-notes] [--include-part2] [--actor <roster id or name>]
         [--out file [--force]]
      contacts (or referrals made) in those local days (inclusive), in the columns import reads;
      notes and 42 CFR Part 2 categories only if asked; --out writes a new file readable by its
      owner only
  report --program <id> --period 2024-Q3|2024|FY2025|2024-07-01..2024-09-30 --format html|pdf|xlsx
         [--out file [--force]] [--actor <roster id or name>]
      the progress report for funders and council, from the digest's figures, suppressed as digests
      are; written to --out (default: report-<program>-<period>.<format>), a new file
  reminders [--json] [--retry-failed]
      pending follow-ups next to their reminder jobs in Redis, and the jobs that failed (kept a week)
  roster [--program <id>] [--all] [--json]
      the effective roster, as every process reads it from the database (carelog.yml seeds it;
      changes made in chat win): platform, user id, roles, who decided it last; --all adds the
      deactivated (no client data)
  rekey [--program <id>] [--json]
      re-encrypt every note not sealed with CARELOG_ENCRYPTION_KEY (after a key rotation); resumable
  retention [--program <id>] [--dry-run] [--json]
      clear the notes older than each program's retention.notesDays (the daily job does it too)
`;

class UsageError extends Error {}
/** The command will not do what it was asked until the person fixes something (exit 1). */
class RefusedError extends Error {}

/** What `--actor` may hold: a roster id (Slack U…, Teams object id), an e-mail or a name. */
const ACTOR = /^[\p{L}\p{N}][\p{L}\p{N} ._@+'-]{0,99}$/u;

/** `--what`: contacts (the default) or referrals. */
function whatOf(value: string | undefined): 'contacts' | 'referrals' {
  if (value === undefined || value === 'contacts' || value === 'referrals') return value ?? 'contacts';
  throw new UsageError('--what must be contacts or referrals');
}

function checkActor(actor: string | undefined): void {
  if (actor !== undefined && !ACTOR.test(actor)) {
    throw new RefusedError(
      "--actor must name who runs the command: a roster id (U0123ABCD, a Teams object id), an e-mail or a name (up to 100 letters, digits, spaces and . _ @ + ' -)",
    );
  }
}

/** Who runs a command: the operating-system account and host, and the roster member `--actor` names. */
function exportActor(directory: Directory, program: ProgramConfig, named: string | undefined): ExportActor {
  let osUser: string;
  try {
    osUser = os.userInfo().username;
  } catch {
    // A container user with no passwd entry has a uid and no name.
    osUser = `uid:${process.getuid?.() ?? 'unknown'}`;
  }
  const member = named
    ? (directory.member(program.id, 'slack', named) ?? directory.member(program.id, 'teams', named.toLowerCase()))
    : undefined;
  return { memberId: member?.memberId ?? null, named: named ?? null, osUser, host: os.hostname() };
}

function programOf(config: Config, id: string | undefined): ProgramConfig {
  if (!id) {
    if (config.programs.length === 1) return config.programs[0]!;
    throw new UsageError(`--program is required (one of: ${config.programs.map((p) => p.id).join(', ')})`);
  }
  const p = config.programs.find((x) => x.id === id);
  if (!p)
    throw new UsageError(
      `no program "${id}" in ${config.configFile} (known: ${config.programs.map((x) => x.id).join(', ')})`,
    );
  return p;
}

async function withDatabase<T>(config: Config, fn: (db: Database, directory: Directory) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.dataDir });
  try {
    if (db.kind === 'embedded') await db.migrate();
    const directory = await syncPrograms(db, config.programs);
    return await fn(db, directory);
  } finally {
    await db.close();
  }
}

async function digestCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      program: { type: 'string' },
      period: { type: 'string' },
      kind: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const program = programOf(config, values.program);
  const kind =
    values.kind === undefined ? undefined : values.kind === 'week' || values.kind === 'quarter' ? values.kind : null;
  if (kind === null) throw new UsageError('--kind must be week or quarter');
  const period = values.period
    ? parsePeriod(values.period, kind, program.timezone, program.startDate)
    : lastCompletePeriod(kind ?? 'quarter', new Date(), program.timezone, program.startDate);
  if (!period)
    throw new UsageError(
      `--period "${values.period}" is not a period: use 2024-Q3, 2024-W40 or a date such as 2024-09-30`,
    );
  const figures = await withDatabase(config, (db) => computeDigest(db.prisma, program, period));
  process.stdout.write(
    values.json ? `${JSON.stringify(figures, null, 2)}\n` : `${renderDigestText(program, figures)}\n`,
  );
}

/** The notes key, as the server loads it (a development key file outside production). */
function keyringOf(config: Config): Keyring {
  const { keyring, generatedKeyFile } = loadKeyring({
    keyBase64: config.env.CARELOG_ENCRYPTION_KEY,
    retiredBase64: config.env.CARELOG_ENCRYPTION_OLD_KEYS,
    production: config.production,
    dataDir: config.dataDir,
  });
  if (generatedKeyFile)
    process.stderr.write(`CARELOG_ENCRYPTION_KEY is unset: using the development key in ${generatedKeyFile}\n`);
  return keyring;
}

async function importCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      what: { type: 'string' },
      program: { type: 'string' },
      file: { type: 'string' },
      actor: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const what = whatOf(values.what);
  const program = programOf(config, values.program);
  if (!values.file) throw new UsageError('--file is required');
  if (what === 'contacts' && values.actor !== undefined)
    throw new UsageError('--actor is for --what referrals (a contacts import is recorded as carelog)');
  checkActor(values.actor);
  let csv: string;
  try {
    csv = readFileSync(values.file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${values.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (what === 'referrals') return importReferralsCommand(config, program, csv, values);
  const keyring = keyringOf(config);
  const result = await withDatabase(config, (db, directory) =>
    importContacts({ db, keyring, directory }, { program, csv }),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.ok) {
    if (!values.json) {
      process.stderr.write(`${result.errors.map(formatImportError).join('\n')}\n`);
      process.stderr.write(
        `carelog import: ${result.errors.length} problem(s) in ${values.file}; nothing was imported\n`,
      );
    }
    return 1;
  }
  const s = result.summary;
  if (!values.json) {
    process.stderr.write(
      `imported ${s.contactsCreated} contact(s) and ${s.clientsCreated} new client(s) into ${program.id}` +
        `${s.contactsAlreadyImported ? `; ${s.contactsAlreadyImported} row(s) were already there` : ''}` +
        `${s.duplicateRows ? `; ${s.duplicateRows} repeated row(s) skipped` : ''}` +
        `${s.followUpsCreated ? `; ${s.followUpsCreated} follow-up(s), reminders queued by the server's next reconcile` : ''}` +
        `${s.referralsCreated ? `; ${s.referralsCreated} referral(s), ${s.referralChecksScheduled} to be checked on` : ''}\n`,
    );
  }
  return 0;
}

async function importReferralsCommand(
  config: Config,
  program: ProgramConfig,
  csv: string,
  values: { file?: string; actor?: string; json: boolean },
): Promise<number> {
  const result = await withDatabase(config, (db, directory) =>
    importReferralOutcomes({ db }, { program, csv, actor: exportActor(directory, program, values.actor) }),
  );
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.ok) {
    if (!values.json) {
      process.stderr.write(`${result.errors.map(formatImportError).join('\n')}\n`);
      process.stderr.write(
        `carelog import: ${result.errors.length} problem(s) in ${values.file}; no referral was changed\n`,
      );
    }
    return 1;
  }
  const s = result.summary;
  if (!values.json) {
    const by = Object.entries(s.byStatus).map(([status, n]) => `${n} ${status}`);
    process.stderr.write(
      `updated ${s.changed} referral(s) in ${program.id}${by.length ? ` (${by.join(', ')})` : ''}` +
        `${s.unchanged ? `; ${s.unchanged} already as the file says` : ''}` +
        `${s.duplicateRows ? `; ${s.duplicateRows} repeated row(s) skipped` : ''}\n`,
    );
  }
  return 0;
}

async function exportCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      what: { type: 'string' },
      program: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      'include-notes': { type: 'boolean', default: false },
      'include-part2': { type: 'boolean', default: false },
      actor: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const what = whatOf(values.what);
  const program = programOf(config, values.program);
  for (const [flag, v] of [
    ['--from', values.from],
    ['--to', values.to],
  ] as const) {
    if (!v || !isIsoDate(v)) throw new UsageError(`${flag} must be a date such as 2024-09-30`);
  }
  if (values.to! < values.from!) throw new UsageError('--to is before --from');
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError('--format must be csv or json');
  if (what === 'referrals' && values['include-notes'])
    throw new UsageError('--include-notes is for --what contacts: a referrals export has no notes');
  checkActor(values.actor);
  if (values.force && !values.out)
    throw new RefusedError('--force replaces the file named by --out: add --out, or leave out --force');
  // The file is claimed (or refused) before any client data is read: a refusal writes nothing.
  const out: PrivateFile | null = values.out ? claimPrivateFile(values.out, { force: values.force }) : null;
  try {
    if (what === 'referrals') {
      const exported = await withDatabase(config, (db, directory) =>
        exportReferrals(
          { prisma: db.prisma },
          {
            program,
            from: values.from!,
            to: values.to!,
            includePart2: values['include-part2'],
            actor: exportActor(directory, program, values.actor),
          },
        ),
      );
      const text = values.format === 'json' ? referralExportJson(exported) : referralExportCsv(exported);
      if (out) out.write(text);
      else process.stdout.write(text);
      process.stderr.write(`exported ${exported.rows.length} referral(s)${out ? ` to ${values.out}` : ''}\n`);
      return 0;
    }
    const keyring = keyringOf(config);
    const exported = await withDatabase(config, (db, directory) =>
      exportContacts(
        { prisma: db.prisma, keyring },
        {
          program,
          from: values.from!,
          to: values.to!,
          includeNotes: values['include-notes'],
          includePart2: values['include-part2'],
          actor: exportActor(directory, program, values.actor),
        },
      ),
    );
    const text = values.format === 'json' ? contactExportJson(exported) : contactExportCsv(exported);
    if (out) {
      out.write(text);
      process.stderr.write(`exported ${exported.rows.length} contact(s) to ${values.out}\n`);
    } else {
      process.stdout.write(text);
      process.stderr.write(`exported ${exported.rows.length} contact(s)\n`);
    }
    return 0;
  } catch (err) {
    out?.abandon();
    throw err;
  }
}

async function reportCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      program: { type: 'string' },
      period: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      actor: { type: 'string' },
    },
    strict: true,
  });
  // Every refusal is one line and exit 1, before anything is read or written.
  let program: ProgramConfig;
  try {
    program = programOf(config, values.program);
  } catch (err) {
    throw new RefusedError((err as Error).message);
  }
  if (!values.period) throw new RefusedError('--period is required: 2024-Q3, 2024, FY2025 or 2024-07-01..2024-09-30');
  if (!REPORT_FORMATS.includes(values.format as TReportFormat))
    throw new RefusedError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  const format = values.format as TReportFormat;
  checkActor(values.actor);
  let period;
  try {
    period = reportPeriodOf(program, values.period, new Date());
  } catch (err) {
    if (isCarelogError(err, 'invalid_input')) throw new RefusedError(err.message);
    throw err;
  }
  if (values.force && !values.out)
    throw new RefusedError('--force replaces the file named by --out: add --out, or leave out --force');
  const file = values.out ?? `report-${program.id}-${period.label.replace(/\.\./, '_')}.${format}`;
  const out = claimPrivateFile(file, { force: values.force });
  try {
    const { bytes } = await withDatabase(config, (db, directory) =>
      makeReport(
        { prisma: db.prisma, now: () => new Date() },
        { program, period, format, actor: exportActor(directory, program, values.actor) },
      ),
    );
    out.write(bytes);
    process.stderr.write(`wrote the ${period.label} report of ${program.id} to ${file}\n`);
    return 0;
  } catch (err) {
    out.abandon();
    throw err;
  }
}

async function remindersCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false }, 'retry-failed': { type: 'boolean', default: false } },
    strict: true,
  });
  const logger = createLogger('warn', process.stderr);
  const redis = await connectRedis({
    url: config.env.REDIS_URL,
    startIfMissing: false,
    dataDir: config.dataDir,
    logger,
  });
  const queue = createQueue(redis.connection, config.env.CARELOG_QUEUE_PREFIX, logger);
  try {
    const report = await withDatabase(config, (db) => reminderReport(db, queue, redis.connection));
    let retried = 0;
    if (values['retry-failed']) {
      for (const f of [...report.failed, ...report.linkageChecks.failed]) {
        const job = await queue.getJob(f.id);
        if (job && (await job.getState()) === 'failed') {
          await job.retry('failed');
          retried++;
        }
      }
    }
    if (values.json) process.stdout.write(`${JSON.stringify({ ...report, retried }, null, 2)}\n`);
    else {
      const q = report.queued;
      const c = report.linkageChecks;
      const failures = (list: { id: string; attempts: number; failedAt: string | null; reason: string }[]) =>
        list.map((f) => `  ${f.id}  ${f.attempts} attempt(s), last ${f.failedAt ?? '?'}: ${f.reason}\n`).join('');
      process.stderr.write(
        `${report.pendingFollowUps} pending follow-up(s); reminder jobs: ${q.delayed} delayed, ${q.waiting} waiting, ${q.active} running, ${report.failed.length} failed\n` +
          failures(report.failed) +
          `${c.openReferralsToCheck} open referral(s) to check; linkage-check jobs: ${c.queued.delayed} delayed, ${c.queued.waiting} waiting, ${c.queued.active} running, ${c.failed.length} failed\n` +
          failures(c.failed) +
          (values['retry-failed']
            ? `put ${retried} failed job(s) back in line\n`
            : report.failed.length || c.failed.length
              ? 'the reconciler retries them while their follow-up or referral still needs them; --retry-failed does it now\n'
              : ''),
      );
    }
    return 0;
  } finally {
    await queue.close();
    await redis.close();
  }
}

async function rekeyCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { program: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const programIds = values.program ? [programOf(config, values.program).id] : undefined;
  const keyring = keyringOf(config);
  const retiredIds = config.env.CARELOG_ENCRYPTION_OLD_KEYS.map((k) => keyIdOf(Buffer.from(k, 'base64')));
  const { result, byKey } = await withDatabase(config, async (db) => {
    const result = await rekeyNotes({ db, keyring }, programIds ? { programIds } : {});
    return { result, byKey: await notesByKey(db) };
  });
  const unreadable = result.programs.reduce(
    (n, p) => n + p.damaged + Object.values(p.unknownKeys).reduce((a, b) => a + b, 0),
    0,
  );
  // Which retired keys still seal notes anywhere (every program, not only --program).
  const retired = retiredIds.map((id) => ({ keyId: id, notes: byKey[id] ?? 0 }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...result, notesByKey: byKey, retiredKeys: retired }, null, 2)}\n`);
  } else {
    for (const p of result.programs) {
      const unknown = Object.entries(p.unknownKeys).map(([k, n]) => `${n} under key ${k}, which is not configured`);
      process.stderr.write(
        `${p.programId}: re-encrypted ${p.reencrypted} note(s) under key ${result.currentKeyId}` +
          `${unknown.length ? `; could not read ${unknown.join(', ')}` : ''}${p.damaged ? `; ${p.damaged} note(s) do not open with their key` : ''}\n`,
      );
    }
    for (const r of retired) {
      process.stderr.write(
        r.notes
          ? `retired key ${r.keyId} still seals ${r.notes} note(s): keep it in CARELOG_ENCRYPTION_OLD_KEYS\n`
          : `retired key ${r.keyId} seals no notes: it can be removed from CARELOG_ENCRYPTION_OLD_KEYS\n`,
      );
    }
    if (unreadable) process.stderr.write('add the missing key(s) to CARELOG_ENCRYPTION_OLD_KEYS and run rekey again\n');
  }
  return unreadable ? 1 : 0;
}

async function retentionCommand(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      program: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const programs = values.program ? [programOf(config, values.program)] : config.programs;
  const dryRun = values['dry-run'];
  const results = await withDatabase(config, (db) =>
    applyNotesRetention({ db, now: () => new Date() }, programs, { dryRun }),
  );
  if (values.json) process.stdout.write(`${JSON.stringify({ dryRun, programs: results }, null, 2)}\n`);
  else {
    const without = programs.filter((p) => !p.retention).map((p) => p.id);
    for (const r of results) {
      process.stderr.write(
        `${r.programId}: ${r.cleared} note(s) of contacts before ${r.cutoff.slice(0, 10)} (older than ${r.notesDays} days) ${dryRun ? 'would be cleared' : 'cleared'}\n`,
      );
    }
    if (without.length) process.stderr.write(`no retention.notesDays for ${without.join(', ')}: notes kept\n`);
  }
  return 0;
}

async function rosterCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      program: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const program = programOf(config, values.program);
  const roster = await withDatabase(config, (db) => readRoster(db.prisma, program.id, { includeInactive: values.all }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ programId: program.id, ...roster }, null, 2)}\n`);
    return;
  }
  const lines = [
    `${program.id}: roster version ${roster.version}, ${roster.members.filter((m) => m.active).length} active`,
  ];
  for (const m of roster.members) {
    lines.push(
      [
        m.platform.padEnd(5),
        m.userId.padEnd(36),
        (m.active ? m.roles.join(',') : '(deactivated)').padEnd(40),
        `${m.source === 'chat' ? 'changed in chat' : 'from carelog.yml'} ${m.updatedAt.slice(0, 16).replace('T', ' ')} UTC`,
      ].join('  '),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Each command returns its exit code (or nothing, for 0). */
const COMMANDS: Record<string, (config: Config, args: string[]) => Promise<number | void>> = {
  digest: digestCommand,
  import: importCommand,
  export: exportCommand,
  report: reportCommand,
  reminders: remindersCommand,
  roster: rosterCommand,
  rekey: rekeyCommand,
  retention: retentionCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    return name ? 2 : 0;
  }
  try {
    return (await command(loadConfig(), rest)) ?? 0;
  } catch (err) {
    if (err instanceof RefusedError || isCarelogError(err, 'output_refused')) {
      process.stderr.write(`carelog ${name}: ${err.message}\n`);
      return 1;
    }
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
