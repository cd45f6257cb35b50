// The environment carelog reads: every variable, its zod schema and its message when it is wrong.
// Only src/config.ts reads the environment; everything here takes the variables it is given.
import proxyaddr from 'proxy-addr';
import { z } from 'zod';
import { ROSTER_POLL_MAX_MS } from '../domain/roster.js';
import { CarelogError } from '../errors.js';

const ZBoolFlag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** An optional variable for which an empty value (`NAME=` in an env file) means unset. */
const unsetWhenEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

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
    .transform((v) =>
      v
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine((keys) => keys.every((k) => Buffer.from(k, 'base64').length === 32), {
      error: 'every key must be 32 bytes, base64-encoded',
    }),
  CARELOG_START_REDIS: ZBoolFlag.optional(),
  CARELOG_WORKERS: ZBoolFlag.default(true),
  /** Key prefix of carelog's queue in Redis: deployments sharing one Redis each take their own. */
  CARELOG_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, - or _' })
    .default('carelog'),
  /** Jobs one worker process holds at once (reminders are sent in batches from these). */
  CARELOG_WORKER_CONCURRENCY: z.coerce
    .number()
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(5000, { error: 'must be at most 5000' })
    .default(200),
  /**
   * How often each process checks the roster's version in Postgres (a change made on another
   * replica is in force within it). At most 2000, so a deactivated person is refused within 5 s.
   */
  CARELOG_ROSTER_POLL_MS: z.coerce
    .number()
    .int({ error: 'must be a whole number' })
    .min(100, { error: 'must be at least 100' })
    .max(ROSTER_POLL_MAX_MS, {
      error: `must be at most ${ROSTER_POLL_MAX_MS} (a roster change must be in force within 5 seconds)`,
    })
    .default(1000),
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
  TEAMS_CLOUD: z
    .enum(['Public', 'USGov', 'USGovDoD', 'China'], { error: 'must be Public, USGov, USGovDoD or China' })
    .default('Public'),
  /** Port of a worker process's own /livez, /healthz and /metrics (npm run worker); unset: none. */
  CARELOG_WORKER_PORT: unsetWhenEmpty(
    z.coerce
      .number({ error: 'must be a port number' })
      .int()
      .min(0)
      .max(65535, { error: 'must be a port number (0-65535)' }),
  ),
  /** When set, GET /metrics answers only requests with `Authorization: Bearer <this token>`. */
  CARELOG_METRICS_TOKEN: unsetWhenEmpty(
    z.string().min(16, { error: 'must be at least 16 characters (generate one with: openssl rand -hex 24)' }),
  ),
  /** The queue dashboard (/admin/queues) is on only when both of these are set. */
  CARELOG_ADMIN_USER: unsetWhenEmpty(
    z.string().regex(/^[^:\s]{1,64}$/, { error: 'must be 1-64 characters, without spaces or ":"' }),
  ),
  CARELOG_ADMIN_PASSWORD: unsetWhenEmpty(
    z.string().min(12, { error: 'must be at least 12 characters (generate one with: openssl rand -base64 18)' }),
  ),
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
    const hint =
      'a hop count (1: behind one proxy), or a comma-separated list of loopback, linklocal, uniquelocal, addresses or CIDR ranges';
    if (text === 'true') {
      ctx.addIssue({
        code: 'custom',
        message: `true would believe any client's X-Forwarded-* headers: name the proxy instead, as ${hint}`,
      });
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

export type TEnv = z.infer<typeof ZEnv>;

/** A zod issue's path as the messages name it: `programs[0].roster[1].teams`. */
export function formatPath(parts: PropertyKey[]): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Parses the environment; throws a CarelogError naming every bad variable. */
export function parseEnv(source: NodeJS.ProcessEnv): TEnv {
  const result = ZEnv.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
  throw new CarelogError('config_invalid', `Invalid environment:\n${lines.join('\n')}`);
}
