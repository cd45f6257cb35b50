// Starts what the config asks for: database (migrated in embedded mode), Redis, the HTTP server,
// Slack (or the local Slack simulator when no credentials are set outside production), and the
// workers. src/main.ts calls this; end-to-end tests call it too, with their own config and logger.
import { registerSlackHandlers } from '../handlers/slack/index.js';
import { JOBS } from '../jobs/index.js';
import { devModesExposed, platformModes, usesTeams, type Config } from './config.js';
import { openDatabase, type Database } from './db/client.js';
import type { OpenedEmbedded } from './db/embedded-open.js';
import type { CarelogDeps } from './deps.js';
import { CarelogError } from './errors.js';
import { createHttpServer } from './http/server.js';
import { createHealth, PLATFORM_CHECK_CACHE_MS, slackAuthCheck } from './http/health.js';
import { registerOperatorRoutes } from './http/operator.js';
import { registerPublicPages } from './http/public-pages.js';
import { createMetrics } from './metrics.js';
import type { Logger } from './logger.js';
import { createSlackApp } from './platforms/slack/app.js';
import type { FakeSlackApi } from './platforms/slack/simulator.js';
import { connectRedis, type RedisHandle } from './queue/redis.js';
import { createQueue, startWorkers, type WorkerHandle, type WorkerTiming } from './queue/workers.js';
import { createReminderScheduler } from './queue/reminders.js';
import { createCheckScheduler } from './queue/referral-checks.js';
import { reconcileReminders } from './services/reconcile.js';
import { reconcileReferralChecks } from './services/referral-checks.js';
import { upsertDigestSchedules } from './queue/digests.js';
import { createSlackMessenger } from './platforms/slack/messenger.js';
import type { Queue } from 'bullmq';
import { CarelogWebClient } from './platforms/slack/web-api.js';
import { loadKeyring } from './services/crypto.js';
import { syncPrograms, watchRoster } from './services/directory.js';
import { readMigrations } from './db/migrate.js';
import type { CloudEnvironment } from '@microsoft/teams.api';

/** Signing secret the local Slack simulator uses when no Slack app is configured. */
export const SIMULATOR_SIGNING_SECRET = 'carelog-local-simulator';

export interface StartOptions {
  config: Config;
  logger: Logger;
  now?: () => Date;
  /** Queue key prefix (default CARELOG_QUEUE_PREFIX); tests give each run its own. */
  queuePrefix?: string;
  onAck?: (ms: number) => void;
  /**
   * 'all' (npm start / npm run dev): HTTP, Slack and, unless CARELOG_WORKERS=false, workers.
   * 'worker' (npm run worker): workers only, sending through Slack's Web API.
   */
  mode?: 'all' | 'worker';
  /** Worker lock, stalled-job and schedule-check intervals; tests shorten them. */
  workerTiming?: WorkerTiming;
  /** How long a nudge claimed by another worker is left alone (default CLAIM_LEASE_MS); tests shorten it. */
  nudgeClaimLeaseMs?: number;
  /** Microsoft endpoints replaced (tests: a local OpenID configuration and token endpoint). */
  teamsCloud?: Partial<CloudEnvironment>;
  /**
   * The embedded database, already being opened on `config.dataDir` (src/main.ts starts it before
   * loading this module): taken over instead of opened here. Closed with the rest on stop.
   */
  embeddedDatabase?: Promise<OpenedEmbedded>;
}

export interface RunningCarelog {
  port: number;
  deps: CarelogDeps;
  redis: RedisHandle;
  queue: Queue;
  workers: WorkerHandle | null;
  /** Set when carelog runs against its local Slack simulator. */
  simulator: FakeSlackApi | null;
  stop(): Promise<void>;
}

async function ensureMigrated(db: Database, logger: Logger): Promise<void> {
  if (db.kind === 'embedded') {
    const result = await db.migrate();
    if (result.applied.length) logger.info({ applied: result.applied }, 'embedded database migrated');
    return;
  }
  const rows = await db.sql
    .query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    )
    .catch((err: unknown) => {
      // No migrations table yet: nothing is applied. Anything else: the database is not there.
      const code = (err as { code?: string }).code;
      if (code === '42P01') return [];
      throw new CarelogError(
        'database_unavailable',
        `The database at DATABASE_URL does not answer (${code ?? (err as Error)?.name ?? 'error'}): is it running, and is the URL right?`,
      );
    });
  const applied = new Set(rows.map((r) => r.migration_name));
  const pending = readMigrations().filter((m) => !applied.has(m.name));
  if (pending.length) {
    throw new CarelogError(
      'config_invalid',
      `The database at DATABASE_URL lacks ${pending.length} migration(s): run npm run db:migrate`,
    );
  }
}

/**
 * The Teams platform and the queue dashboard are loaded only when configured: the Teams SDK alone
 * takes ~0.3 s to load, a tenth of a cold start (`npm run bench -- chat`).
 */
const teamsPlatform = () => import('./platforms/teams/app.js');
/** Teams' handlers, loaded with the platform (they import the SDK's types and cards too). */
const teamsHandlers = () => import('../handlers/teams/index.js');

export async function startCarelog(opts: StartOptions): Promise<RunningCarelog> {
  const { config, logger } = opts;
  // loadConfig refuses these already; a configuration built by hand (scripts, benches) is checked here.
  const exposed =
    (opts.mode ?? 'all') === 'all' ? devModesExposed(config.env, platformModes(config).slack === 'simulated') : [];
  // An embedded database opened ahead (src/main.ts) belongs to openDatabase once handed to it;
  // before that, a failed start closes it here.
  let openingTaken = false;
  const dropOpening = async () => {
    if (!opts.embeddedDatabase || openingTaken) return;
    await opts.embeddedDatabase.then(
      async ({ pg, release }) => {
        await pg.close().catch(() => undefined);
        release();
      },
      () => undefined,
    );
  };
  if (exposed.length) {
    await dropOpening();
    throw new CarelogError('config_invalid', `Invalid environment:\n${exposed.map((m) => `  ${m}`).join('\n')}`);
  }
  const stops: (() => Promise<void>)[] = [];
  /** The reconcilers, once started: a start that fails lets them finish before closing what they use. */
  let reconciling: Promise<unknown> | undefined;
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch((err: unknown) => logger.warn({ err }, 'error while stopping'));
  };
  try {
    const { keyring, generatedKeyFile } = loadKeyring({
      keyBase64: config.env.CARELOG_ENCRYPTION_KEY,
      retiredBase64: config.env.CARELOG_ENCRYPTION_OLD_KEYS,
      production: config.production,
      dataDir: config.dataDir,
    });
    if (generatedKeyFile) {
      logger.warn(
        { file: generatedKeyFile },
        'CARELOG_ENCRYPTION_KEY is unset: notes are encrypted with a development key kept in the data directory. Set the variable in production.',
      );
    }

    // The database (opened, migrations checked, programs mirrored), Redis and the Slack simulator,
    // side by side: each waits on its own server or files, and a start is the longest, not their sum.
    const modes = platformModes(config);
    const mode = opts.mode ?? 'all';
    const dbSide = (async () => {
      openingTaken = true;
      const db = await openDatabase({
        databaseUrl: config.env.DATABASE_URL,
        dataDir: config.dataDir,
        ...(opts.embeddedDatabase ? { opening: opts.embeddedDatabase } : {}),
      });
      stops.push(() => db.close());
      // The ORM's engine (Prisma's query compiler, its WebAssembly compiled ahead by src/main.ts,
      // and the schema) loads now, not in the first form a person submits: for Postgres, while
      // the server checks the migrations and reads the roster; the embedded database's client
      // has loaded it already, while the database opened (src/db/client.ts). It touches no table.
      const connecting = db.prisma.$connect();
      void connecting.catch(() => undefined);
      await ensureMigrated(db, logger);
      // A usual start (carelog.yml as at the last one) reads the programs and rosters in plain
      // SQL and writes nothing: no ORM query is compiled before ready.
      const directory = await syncPrograms(db, config.programs, logger);
      await connecting;
      // One process alone opens an embedded database: nothing else can change its roster.
      if (db.kind !== 'embedded') {
        const watch = watchRoster(directory, { pollMs: config.env.CARELOG_ROSTER_POLL_MS, logger });
        stops.push(() => Promise.resolve(watch.stop()));
      }
      return { db, directory };
    })();
    // Awaited below, after Redis: its failure is reported there, never as an unhandled rejection.
    void dbSide.catch(() => undefined);
    const [redisSide, simulatorSide] = await Promise.allSettled([
      connectRedis({
        url: config.env.REDIS_URL,
        startIfMissing: config.env.CARELOG_START_REDIS ?? !config.production,
        dataDir: config.dataDir,
        logger,
      }).then((handle) => {
        stops.push(() => handle.close());
        return handle;
      }),
      // Loaded only here: a production process never holds the stand-in for Slack.
      modes.slack === 'simulated'
        ? import('./platforms/slack/simulator.js').then(async ({ FakeSlackApi }) => {
            const fake = new FakeSlackApi();
            const url = await fake.start();
            stops.push(() => fake.stop());
            return { fake, url };
          })
        : null,
    ]);
    // The database's failure first, as when they were opened one after the other.
    if (redisSide.status === 'rejected' || simulatorSide.status === 'rejected') await dbSide;
    if (redisSide.status === 'rejected') throw redisSide.reason;
    if (simulatorSide.status === 'rejected') throw simulatorSide.reason;
    const redis = redisSide.value;

    // What needs no database is built while it opens: the queue, the metrics, the HTTP server and
    // its routes, and the Slack app, whose token is checked with Slack meanwhile.
    const queue = createQueue(redis.connection, opts.queuePrefix ?? config.env.CARELOG_QUEUE_PREFIX, logger);
    stops.push(() => queue.close());
    const metrics = createMetrics({ jobNames: JOBS.map((j) => j.name), queue });
    const http = createHttpServer(logger, { observe: (...sample) => metrics.httpRequest(...sample) });
    const health = createHealth();
    registerOperatorRoutes(http, { health, metrics, metricsToken: config.env.CARELOG_METRICS_TOKEN });
    // The pages the Teams app manifest links to (website, privacy, terms).
    registerPublicPages(http);

    const teamsOptions =
      modes.teams === 'off' ? null : { mode: modes.teams, ...(opts.teamsCloud ? { cloud: opts.teamsCloud } : {}) };
    if (!teamsOptions && config.programs.some(usesTeams)) {
      logger.warn(
        'a program is on Teams, but Teams is off: set TEAMS_CLIENT_ID and TEAMS_CLIENT_SECRET (or, for local development, TEAMS_DEV_UNAUTHENTICATED=1)',
      );
    }
    let simulator: FakeSlackApi | null = null;
    let apiUrl = config.env.SLACK_API_URL;
    let signingSecret = config.env.SLACK_SIGNING_SECRET ?? '';
    let botToken = config.env.SLACK_BOT_TOKEN ?? '';
    if (simulatorSide.value) {
      simulator = simulatorSide.value.fake;
      apiUrl = simulatorSide.value.url;
      signingSecret = config.env.SLACK_SIGNING_SECRET ?? SIMULATOR_SIGNING_SECRET;
      botToken = 'xoxb-carelog-local-simulator';
      logger.warn(
        { apiUrl },
        'no Slack credentials: running against the local Slack simulator (see docs/slack-setup.md, "Running without a Slack workspace")',
      );
    }
    const slackOpening =
      mode === 'all' && modes.slack !== 'off'
        ? createSlackApp(logger, {
            // The app takes its listeners from here: it never imports handlers/ (one-way dependencies).
            register: registerSlackHandlers,
            signingSecret,
            botToken,
            apiUrl,
            http,
            ...(config.env.SLACK_APP_TOKEN ? { appToken: config.env.SLACK_APP_TOKEN } : {}),
            // respond() posts only to the simulator, never to a URL a request names elsewhere.
            ...(simulator ? { responseUrlPrefix: apiUrl } : {}),
            onAck: (ms) => {
              metrics.slackAck(ms);
              opts.onAck?.(ms);
            },
          })
        : null;
    if (slackOpening) {
      // Its failure is reported after the database's, below; a start that fails closes its client.
      void slackOpening.catch(() => undefined);
      stops.push(async () => {
        const opened = await slackOpening.catch(() => null);
        await opened?.api.close();
      });
    }

    const { db, directory } = await dbSide;
    const deps: CarelogDeps = {
      config,
      logger,
      db,
      keyring,
      directory,
      reminders: createReminderScheduler(queue, redis.connection),
      referralChecks: createCheckScheduler(queue, redis.connection),
      messengers: {},
      metrics,
      now: opts.now ?? (() => new Date()),
      ...(opts.nudgeClaimLeaseMs ? { nudgeClaimLeaseMs: opts.nudgeClaimLeaseMs } : {}),
    };
    health.add('database', () => db.ping());
    health.add('redis', () => redis.ping());
    // auth.test with the token carelog sends with, in every Slack mode (HTTP, Socket Mode, simulator).
    if (modes.slack !== 'off')
      health.add('slack', slackAuthCheck({ token: botToken, apiUrl, logger }), { cacheMs: PLATFORM_CHECK_CACHE_MS });
    if (mode === 'worker') {
      if (modes.slack !== 'off') {
        const api = new CarelogWebClient(botToken, { slackApiUrl: apiUrl });
        stops.push(() => api.close());
        deps.messengers.slack = createSlackMessenger(api);
      }
      if (teamsOptions) {
        const teams = (await teamsPlatform()).createTeamsWorkerMessenger(deps, teamsOptions);
        deps.messengers.teams = teams.messenger;
        if (teams.health) health.add('teams', teams.health, { cacheMs: PLATFORM_CHECK_CACHE_MS });
      }
      const workers = await startWorkers({
        queue,
        connection: redis.connection,
        jobs: JOBS,
        deps,
        concurrency: config.env.CARELOG_WORKER_CONCURRENCY,
        declareSchedules: () => upsertDigestSchedules(queue, config.programs),
        ...(opts.workerTiming ? { timing: opts.workerTiming } : {}),
      });
      stops.push(() => workers.close());
      const rebuilt = await reconcileReminders(deps);
      const checks = await reconcileReferralChecks(deps);
      if (checks.added || checks.removed) logger.info(checks, 'linkage checks reconciled at start');
      // A worker answers /livez, /healthz and /metrics only when given a port of its own.
      const workerPort = config.env.CARELOG_WORKER_PORT;
      const port = workerPort === undefined ? 0 : await http.listen(workerPort, config.env.HOST);
      if (workerPort !== undefined) stops.push(() => http.close());
      logger.info(
        { ...rebuilt, database: db.kind, ...(workerPort !== undefined ? { port } : {}) },
        'carelog worker is ready',
      );
      return { port, deps, redis, queue, workers, simulator, stop: stopAll };
    }
    // Redis may have lost every reminder (restart without persistence): they are rebuilt from the
    // database while the Slack app and the workers start, and awaited before carelog listens.
    const reconciled = Promise.all([reconcileReminders(deps), reconcileReferralChecks(deps)]);
    reconciling = reconciled.catch(() => undefined);
    if (slackOpening) {
      const slack = await slackOpening;
      slack.route(deps);
      if (config.env.SLACK_APP_TOKEN) {
        await slack.app.start();
        stops.push(async () => {
          await slack.app.stop();
        });
      }
      deps.messengers.slack = createSlackMessenger(slack.api);
    }
    if (config.env.CARELOG_ADMIN_USER && config.env.CARELOG_ADMIN_PASSWORD) {
      const { mountQueueDashboard } = await import('./http/queue-dashboard.js');
      mountQueueDashboard(http, {
        queue,
        redis: redis.connection,
        logger,
        access: {
          user: config.env.CARELOG_ADMIN_USER,
          password: config.env.CARELOG_ADMIN_PASSWORD,
          production: config.production,
          trustProxy: config.env.CARELOG_TRUST_PROXY,
        },
      });
      logger.info({ path: '/admin/queues' }, 'queue dashboard on (read-only, basic auth)');
    }
    if (teamsOptions) {
      const [platform, handlers] = await Promise.all([teamsPlatform(), teamsHandlers()]);
      const teams = await platform.createTeamsApp(deps, http, teamsOptions, handlers.registerTeamsHandlers);
      deps.messengers.teams = teams.messenger;
      if (teams.health) health.add('teams', teams.health, { cacheMs: PLATFORM_CHECK_CACHE_MS });
      if (teamsOptions.mode === 'unauthenticated') {
        logger.warn(
          'TEAMS_DEV_UNAUTHENTICATED=1: POST /api/messages accepts activities without a Bot Framework token (local development only)',
        );
      }
    }

    const workers = config.env.CARELOG_WORKERS
      ? await startWorkers({
          queue,
          connection: redis.connection,
          jobs: JOBS,
          deps,
          concurrency: config.env.CARELOG_WORKER_CONCURRENCY,
          declareSchedules: () => upsertDigestSchedules(queue, config.programs),
          ...(opts.workerTiming ? { timing: opts.workerTiming } : {}),
        })
      : null;
    if (workers) stops.push(() => workers.close());
    const [rebuilt, checks] = await reconciled;
    if (rebuilt.added || rebuilt.removed) logger.info(rebuilt, 'reminders reconciled at start');
    if (checks.added || checks.removed) logger.info(checks, 'linkage checks reconciled at start');

    const port = await http.listen(config.env.PORT, config.env.HOST);
    stops.push(() => http.close());
    logger.info(
      {
        port,
        database: db.kind,
        programs: config.programs.map((p) => p.id),
        slack: modes.slack,
        teams: modes.teams,
        workers: config.env.CARELOG_WORKERS,
      },
      'carelog is ready',
    );
    return { port, deps, redis, queue, workers, simulator, stop: stopAll };
  } catch (err) {
    await reconciling;
    await stopAll();
    await dropOpening();
    throw err;
  }
}
