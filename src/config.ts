// The only reader of process.env in carelog. Environment and the program file (carelog.yml) are
// parsed once, with zod, at start; anything wrong stops the process with a message that names the
// variable or the key path and what is wrong with it.
import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import path from 'node:path';
import proxyaddr from 'proxy-addr';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CarelogError } from './errors.js';
import {
  DEFAULT_CATEGORIES,
  ROLES,
  WEEKDAYS,
  type TCategories,
  type TCategory,
} from './domain/categories.js';
import { isIsoDate } from './domain/time.js';

const ZBoolFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** An optional variable for which an empty value (`NAME=` in an env file) means unset. */
const unsetWhenEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, { error: 'must be a bot token starting with xoxb-' })
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, { error: 'must be an app-level token starting with xapp-' })
    .optional(),
  SLACK_API_URL: z
    .url({ error: 'must be a URL such as https://slack.com/api/' })
    .default('https://slack.com/api/')
    .transform((u) => (u.endsWith('/') ? u : `${u}/`)),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int()
    .min(0)
    .max(65535, { error: 'must be a port number (0-65535)' })
    .default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// URL' })
    .optional(),
  CARELOG_DATA_DIR: z.string().default('./data'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: 'must be a redis:// URL' })
    .default('redis://127.0.0.1:6379'),
  CARELOG_CONFIG: z.string().default('./carelog.yml'),
  CARELOG_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, {
      error: 'must be 32 bytes, base64-encoded (generate one with: openssl rand -base64 32)',
    })
    .optional(),
  /** Retired notes keys, comma-separated base64, still accepted for reading older notes. */
  CARELOG_ENCRYPTION_OLD_KEYS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .refine((keys) => keys.every((k) => Buffer.from(k, 'base64').length === 32), {
      error: 'every key must be 32 bytes, base64-encoded',
    }),
  CARELOG_START_REDIS: ZBoolFlag.optional(),
  CARELOG_WORKERS: ZBoolFlag.default(true),
  /** Key prefix of carelog's queue in Redis: deployments sharing one Redis each take their own. */
  CARELOG_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, - or _' }).default('carelog'),
  /** Jobs one worker process holds at once (reminders are sent in batches from these). */
  CARELOG_WORKER_CONCURRENCY: z.coerce.number().int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }).max(5000, { error: 'must be at most 5000' }).default(200),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The bot's Microsoft app (client) id, from its Entra app registration. */
  TEAMS_CLIENT_ID: z.guid({ error: 'must be the bot’s Microsoft app (client) id, a GUID' }).optional(),
  TEAMS_CLIENT_SECRET: z.string().min(1).optional(),
  /** The Entra tenant the bot is registered in (single-tenant bots, the default since 2025). */
  TEAMS_TENANT_ID: z.guid({ error: 'must be an Entra tenant id, a GUID' }).optional(),
  /** Accept activities without a Bot Framework token: local development and tests only. */
  TEAMS_DEV_UNAUTHENTICATED: ZBoolFlag.default(false),
  /** Bot Connector base URL for proactive sends (nudges, digests); tests point it at a fake. */
  TEAMS_SERVICE_URL: z
    .url({ error: 'must be a URL such as https://smba.trafficmanager.net/teams' })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** Microsoft cloud: Public, or a government or national cloud (GCC High is USGov). */
  TEAMS_CLOUD: z.enum(['Public', 'USGov', 'USGovDoD', 'China'], { error: 'must be Public, USGov, USGovDoD or China' }).default('Public'),
  /** Port of a worker process's own /livez, /healthz and /metrics (npm run worker); unset: none. */
  CARELOG_WORKER_PORT: unsetWhenEmpty(
    z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535, { error: 'must be a port number (0-65535)' }),
  ),
  /** When set, GET /metrics answers only requests with `Authorization: Bearer <this token>`. */
  CARELOG_METRICS_TOKEN: unsetWhenEmpty(z.string().min(16, { error: 'must be at least 16 characters (generate one with: openssl rand -hex 24)' })),
  /** The queue dashboard (/admin/queues) is on only when both of these are set. */
  CARELOG_ADMIN_USER: unsetWhenEmpty(z.string().regex(/^[^:\s]{1,64}$/, { error: 'must be 1-64 characters, without spaces or ":"' })),
  CARELOG_ADMIN_PASSWORD: unsetWhenEmpty(z.string().min(12, { error: 'must be at least 12 characters (generate one with: openssl rand -base64 18)' })),
  /**
   * Which proxies' X-Forwarded-For and X-Forwarded-Proto to believe (the queue dashboard's HTTPS-only
   * rule and its limit on wrong passwords), in the form of express's `trust proxy` setting: unset or
   * `false`, none; a hop count; or a comma-separated list of `loopback`, `linklocal`, `uniquelocal`,
   * addresses and CIDR ranges (checked by proxy-addr, which express uses). `true` is refused: it
   * would believe any client's headers.
   * @defaultValue false
   */
  CARELOG_TRUST_PROXY: unsetWhenEmpty(z.string()).transform((v, ctx): false | number | string[] => {
    const text = v?.trim() ?? 'false';
    if (text === 'false') return false;
    if (/^\d+$/.test(text)) return Number(text);
    const hint = 'a hop count (1: behind one proxy), or a comma-separated list of loopback, linklocal, uniquelocal, addresses or CIDR ranges';
    if (text === 'true') {
      ctx.addIssue({ code: 'custom', message: `true would believe any client's X-Forwarded-* headers: name the proxy instead, as ${hint}` });
      return z.NEVER;
    }
    const list = text.split(',').map((a) => a.trim());
    try {
      proxyaddr.compile(list);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; give ${hint}` });
      return z.NEVER;
    }
    return list;
  }),
});

/** Every environment variable carelog reads (compose.yaml and .env.example are checked against it). */
export const ENV_VARIABLES: readonly string[] = Object.keys(ZEnv.shape);

const ZTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour time such as "09:00"' });

const ZDate = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date such as 2024-03-01' })
    // Date.parse rolls 2024-02-30 over to 1 March instead of refusing it.
    .refine(isIsoDate, { error: 'is not a real date' }),
);

const ZTimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as America/New_York' },
);

// A key given alone is also its label, and Slack refuses a menu option longer than 75 characters.
const ZCategoryKey = z
  .string()
  .regex(/^[a-z0-9_+-]+$/, { error: 'a category key uses a-z, 0-9 and _' })
  .max(75, { error: 'a category key is at most 75 characters' });

const ZCategory = z.union([
  ZCategoryKey,
  z.object({
    key: ZCategoryKey,
    label: z.string().min(1).max(75),
    /** Substance-use referrals under 42 CFR Part 2: only ever shown as counts. */
    part2: z.boolean().optional(),
  }),
]);

const ZCategoryList = z
  .array(ZCategory)
  .min(1)
  .max(100, { error: 'at most 100 choices fit in one menu' });

/** A Teams user as the roster names them: their Entra object id (lower-cased, as Teams sends it). */
const ZEntraObjectId = z
  .guid({ error: 'must be the person’s Entra object id (a GUID, from Entra ID → Users → Object ID)' })
  .transform((v) => v.toLowerCase());

const ZRosterEntry = z
  .object({
    slack: z.string().regex(/^[UW][A-Z0-9]+$/, { error: 'must be a Slack user id such as U0123ABC' }).optional(),
    teams: ZEntraObjectId.optional(),
    roles: z.array(z.enum(ROLES)).min(1, { error: 'needs at least one role' }),
  })
  .refine((m) => m.slack !== undefined || m.teams !== undefined, {
    error: 'needs a slack or teams user id',
  });

const ZProgram = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, - or _' }),
  name: z.string().min(1),
  timezone: ZTimeZone,
  startDate: ZDate,
  clientCodePrefix: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{0,9}$/, { error: 'must be 1-10 upper-case letters or digits, such as PIC' }),
  slack: z
    .object({
      teamId: z.string().regex(/^[TE][A-Z0-9]+$/, { error: 'must be a Slack team id such as T0123ABC' }).optional(),
      digestChannel: z.string().regex(/^[CGD][A-Z0-9]+$/, { error: 'must be a Slack channel id such as C0456DEF' }).optional(),
    })
    .optional(),
  teams: z
    .object({
      /** Activities from any other tenant are refused (defaults to TEAMS_TENANT_ID). */
      tenantId: z.guid({ error: 'must be an Entra tenant id, a GUID' }).transform((v) => v.toLowerCase()).optional(),
      /** The channel (or group chat) conversation id digests are posted to: 19:…@thread.tacv2. */
      digestChannel: z
        .string()
        .regex(/^19:[^\s@]+@thread\.[a-z0-9]+$/, { error: 'must be a Teams channel id such as 19:abc123@thread.tacv2' })
        .optional(),
    })
    .strict()
    .optional(),
  roster: z.array(ZRosterEntry).default([]),
  categories: z
    .object({
      sources: ZCategoryList.optional(),
      services: ZCategoryList.optional(),
      referrals: ZCategoryList.optional(),
      dispositions: ZCategoryList.optional(),
      sex: ZCategoryList.optional(),
      ageBands: ZCategoryList.optional(),
    })
    .strict()
    .default({}),
  followUps: z
    .object({
      nudgeAt: ZTime.default('09:00'),
      hours: z
        .object({
          days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
          from: ZTime.default('08:00'),
          to: ZTime.default('18:00'),
        })
        .default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }),
      overdueAfterWorkingDays: z.number().int().min(0).max(60).default(2),
    })
    .default({
      nudgeAt: '09:00',
      hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
      overdueAfterWorkingDays: 2,
    }),
  digest: z
    .object({
      /** Small-cell suppression: counts 1..n-1 show as "<n" (e.g. 11, the CMS rule). */
      suppressBelow: z.number().int().min(2, { error: 'must be at least 2' }).max(100).optional(),
      /** Local time of the weekly digest (Mondays) and the quarterly one (first weekday after the quarter). */
      weeklyAt: ZTime.default('08:00'),
      quarterlyAt: ZTime.default('08:00'),
      weekly: z.boolean().default(true),
      quarterly: z.boolean().default(true),
    })
    .default({ weeklyAt: '08:00', quarterlyAt: '08:00', weekly: true, quarterly: true }),
  /** Notes of contacts older than `notesDays` are cleared each day (the contact's other fields stay). */
  retention: z
    .object({
      notesDays: z
        .number({ error: 'must be a number of days, such as 365' })
        .int({ error: 'must be a whole number of days' })
        .min(1, { error: 'must be at least 1 day' })
        .max(36_500, { error: 'must be at most 36500 days (100 years)' }),
    })
    .strict()
    .optional(),
});

const ZProgramFile = z
  .object({ programs: z.array(ZProgram).min(1, { error: 'needs at least one program' }) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const teams = new Set<string>();
    const slackPrograms = file.programs.filter(usesSlack);
    // A Teams request names no program: the person's Entra object id does, so it may be on one roster only.
    const teamsUsers = new Map<string, string>();
    file.programs.forEach((p, i) => {
      if (ids.has(p.id)) ctx.addIssue({ code: 'custom', path: ['programs', i, 'id'], message: `"${p.id}" is used by two programs` });
      ids.add(p.id);
      const team = p.slack?.teamId;
      if (team) {
        if (teams.has(team)) ctx.addIssue({ code: 'custom', path: ['programs', i, 'slack', 'teamId'], message: `"${team}" is used by two programs` });
        teams.add(team);
      } else if (slackPrograms.length > 1 && slackPrograms.includes(p)) {
        ctx.addIssue({ code: 'custom', path: ['programs', i, 'slack', 'teamId'], message: 'is required when several programs share one deployment' });
      }
      p.roster.forEach((m, j) => {
        if (!m.teams) return;
        const other = teamsUsers.get(m.teams);
        if (other !== undefined && other !== p.id) {
          ctx.addIssue({ code: 'custom', path: ['programs', i, 'roster', j, 'teams'], message: `is already on the roster of program "${other}" (a Teams user can belong to one program)` });
        }
        teamsUsers.set(m.teams, p.id);
      });
    });
  });

export type TEnv = z.infer<typeof ZEnv>;

export interface ProgramConfig {
  id: string;
  name: string;
  timezone: string;
  startDate: string;
  clientCodePrefix: string;
  slack: { teamId?: string; digestChannel?: string };
  teams: { tenantId?: string; digestChannel?: string };
  roster: { slack?: string; teams?: string; roles: (typeof ROLES)[number][] }[];
  categories: TCategories;
  followUps: z.infer<typeof ZProgram>['followUps'];
  digest: z.infer<typeof ZProgram>['digest'];
  /** Unset: notes are kept as long as their contacts. */
  retention?: { notesDays: number };
}

export interface Config {
  env: TEnv;
  production: boolean;
  /** Embedded Postgres under dataDir, used when DATABASE_URL is unset. */
  embeddedDatabase: boolean;
  dataDir: string;
  configFile: string;
  /** No Slack credentials outside production: carelog runs against its local Slack simulator. */
  slackSimulated: boolean;
  programs: ProgramConfig[];
}

type TPlatformShape = { slack?: { teamId?: string | undefined; digestChannel?: string | undefined }; teams?: { tenantId?: string | undefined; digestChannel?: string | undefined }; roster: { slack?: string | undefined; teams?: string | undefined }[] };

/** A program is on Slack when it names a workspace, a Slack channel or a Slack user. */
export function usesSlack(p: TPlatformShape): boolean {
  return !!p.slack?.teamId || !!p.slack?.digestChannel || p.roster.some((m) => m.slack);
}

/** A program is on Teams when it names a tenant, a Teams channel or a Teams user. */
export function usesTeams(p: TPlatformShape): boolean {
  return !!p.teams?.tenantId || !!p.teams?.digestChannel || p.roster.some((m) => m.teams);
}

export type TSlackMode = 'http' | 'socket' | 'simulated' | 'off';
export type TTeamsMode = 'authenticated' | 'unauthenticated' | 'off';

/**
 * Which chat platforms this process connects to. Slack: whenever credentials are set or a program
 * is on Slack (the local simulator outside production without a token). Teams: with credentials,
 * or unauthenticated when TEAMS_DEV_UNAUTHENTICATED=1 (never in production: loadConfig refuses
 * it); otherwise off, even in development, since an unauthenticated endpoint that writes health
 * data should be asked for, not defaulted to.
 */
export function platformModes(config: Pick<Config, 'env' | 'programs' | 'slackSimulated'>): { slack: TSlackMode; teams: TTeamsMode } {
  const { env } = config;
  const slackWanted = !!env.SLACK_BOT_TOKEN || !!env.SLACK_APP_TOKEN || config.programs.some(usesSlack);
  // Simulated comes first: Socket Mode without a bot token outside production talks to the simulator.
  const slack: TSlackMode = !slackWanted ? 'off' : config.slackSimulated ? 'simulated' : env.SLACK_APP_TOKEN ? 'socket' : 'http';
  const teams: TTeamsMode = env.TEAMS_CLIENT_ID && env.TEAMS_CLIENT_SECRET ? 'authenticated' : env.TEAMS_DEV_UNAUTHENTICATED ? 'unauthenticated' : 'off';
  return { slack, teams };
}

function formatPath(parts: PropertyKey[]): string {
  return parts
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

function normalizeCategories(list: z.infer<typeof ZCategoryList> | undefined, fallback: TCategory[]): TCategory[] {
  if (!list) return fallback;
  return list.map((c) => {
    if (typeof c !== 'string') return { key: c.key, label: c.label, part2: c.part2 ?? false };
    const known = fallback.find((d) => d.key === c);
    return known ?? { key: c, label: c.replace(/_/g, ' ').replace(/^\w/, (m) => m.toUpperCase()), part2: false };
  });
}

/** Parses the environment; throws a CarelogError naming every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): TEnv {
  const result = ZEnv.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
  throw new CarelogError('config_invalid', `Invalid environment:\n${lines.join('\n')}`);
}

/** Parses the text of carelog.yml; `file` is only used in messages. */
export function parseProgramFile(text: string, file: string): ProgramConfig[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new CarelogError('config_invalid', `${file}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = ZProgramFile.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${formatPath(i.path) || '(top level)'}: ${i.message}`);
    throw new CarelogError('config_invalid', `${file} is not valid:\n${lines.join('\n')}`);
  }
  return result.data.programs.map((p) => ({
    ...p,
    slack: p.slack ?? {},
    teams: p.teams ?? {},
    categories: {
      sources: normalizeCategories(p.categories.sources, DEFAULT_CATEGORIES.sources),
      services: normalizeCategories(p.categories.services, DEFAULT_CATEGORIES.services),
      referrals: normalizeCategories(p.categories.referrals, DEFAULT_CATEGORIES.referrals),
      dispositions: normalizeCategories(p.categories.dispositions, DEFAULT_CATEGORIES.dispositions),
      sex: normalizeCategories(p.categories.sex, DEFAULT_CATEGORIES.sex),
      ageBands: normalizeCategories(p.categories.ageBands, DEFAULT_CATEGORIES.ageBands),
    },
  }));
}

/** Reads env and carelog.yml. `source` defaults to process.env; tests pass their own. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config & { warnings: string[] } {
  const env = parseEnv(source);
  const production = env.NODE_ENV === 'production';
  const warnings: string[] = [];
  const missing: string[] = [];
  if (production && !env.CARELOG_ENCRYPTION_KEY) missing.push('CARELOG_ENCRYPTION_KEY: required in production (32 bytes, base64)');
  if (!env.CARELOG_ADMIN_USER !== !env.CARELOG_ADMIN_PASSWORD) {
    missing.push('CARELOG_ADMIN_USER, CARELOG_ADMIN_PASSWORD: set both to turn the queue dashboard on, or neither');
  }
  if (env.SLACK_BOT_TOKEN && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN) {
    missing.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN unless SLACK_APP_TOKEN (Socket Mode) is set');
  }
  if (env.TEAMS_CLIENT_ID && !env.TEAMS_CLIENT_SECRET) missing.push('TEAMS_CLIENT_SECRET: required with TEAMS_CLIENT_ID');
  if (env.TEAMS_CLIENT_SECRET && !env.TEAMS_CLIENT_ID) missing.push('TEAMS_CLIENT_ID: required with TEAMS_CLIENT_SECRET');
  if (env.TEAMS_DEV_UNAUTHENTICATED) {
    if (production) missing.push('TEAMS_DEV_UNAUTHENTICATED: refused when NODE_ENV=production (every Teams request must carry a Bot Framework token)');
    // Replies go to the serviceUrl an activity names: unchecked, the bot token would go wherever a forged activity says.
    else if (env.TEAMS_CLIENT_ID) missing.push('TEAMS_DEV_UNAUTHENTICATED: cannot be combined with TEAMS_CLIENT_ID (unauthenticated activities would get replies carrying the bot’s token)');
  }

  let configFile = path.resolve(env.CARELOG_CONFIG);
  if (!existsSync(configFile)) {
    const example = path.resolve('carelog.example.yml');
    if (!production && source.CARELOG_CONFIG === undefined && existsSync(example)) {
      warnings.push(`${env.CARELOG_CONFIG} not found: using carelog.example.yml (copy it to carelog.yml and edit)`);
      configFile = example;
    } else {
      throw new CarelogError('config_invalid', `CARELOG_CONFIG: ${env.CARELOG_CONFIG} does not exist`);
    }
  }
  const programs = parseProgramFile(readFileSync(configFile, 'utf8'), path.basename(configFile));
  if (production) {
    // Each platform's credentials are required only when a program is on that platform.
    if (programs.some(usesSlack) || env.SLACK_BOT_TOKEN || env.SLACK_APP_TOKEN) {
      if (!env.SLACK_SIGNING_SECRET) missing.push('SLACK_SIGNING_SECRET: required in production');
      if (!env.SLACK_BOT_TOKEN) missing.push('SLACK_BOT_TOKEN: required in production');
    }
    if (programs.some(usesTeams)) {
      if (!env.TEAMS_CLIENT_ID) missing.push('TEAMS_CLIENT_ID: required in production for a program on Teams');
      if (!env.TEAMS_CLIENT_SECRET) missing.push('TEAMS_CLIENT_SECRET: required in production for a program on Teams');
    }
  }
  const slackSimulated = !production && !env.SLACK_BOT_TOKEN && (programs.some(usesSlack) || !!env.SLACK_APP_TOKEN);
  // Development modes answer anyone who can reach them: they listen on loopback only, by default.
  if ((source.HOST ?? '') === '' && (slackSimulated || (!production && env.TEAMS_DEV_UNAUTHENTICATED))) env.HOST = LOOPBACK_HOST;
  missing.push(...devModesExposed(env, slackSimulated));
  if (missing.length) throw new CarelogError('config_invalid', `Invalid environment:\n${missing.map((m) => `  ${m}`).join('\n')}`);
  return {
    env,
    production,
    embeddedDatabase: !env.DATABASE_URL,
    dataDir: path.resolve(env.CARELOG_DATA_DIR),
    configFile,
    slackSimulated,
    programs,
    warnings,
  };
}

/** Where development modes listen when HOST is not set. */
export const LOOPBACK_HOST = '127.0.0.1';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (and IPv4-mapped 127.x), or localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * What refuses to listen beyond this machine: the local Slack simulator (it takes requests signed
 * with a secret printed in the README, and Bolt's respond() then posts to whatever response_url a
 * request names) and TEAMS_DEV_UNAUTHENTICATED (anyone may act as any roster member). Each message
 * says why and what to set. startCarelog checks again, for configurations not built here.
 */
export function devModesExposed(env: Pick<TEnv, 'HOST' | 'TEAMS_DEV_UNAUTHENTICATED'>, slackSimulated: boolean): string[] {
  if (isLoopbackHost(env.HOST)) return [];
  const out: string[] = [];
  if (slackSimulated) {
    out.push(
      `HOST: ${env.HOST} listens beyond this machine, but SLACK_BOT_TOKEN is not set, so Slack requests would be checked against the local simulator's public signing secret: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET of a real Slack app, or HOST=${LOOPBACK_HOST}`,
    );
  }
  if (env.TEAMS_DEV_UNAUTHENTICATED) {
    out.push(
      `TEAMS_DEV_UNAUTHENTICATED: accepts Teams activities without a token, so it is refused with HOST=${env.HOST} (beyond this machine): set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET instead, or HOST=${LOOPBACK_HOST}`,
    );
  }
  return out;
}
