// A carelog worker in its own process, for tests that kill one mid-job. Started as
//   node --import tsx test/support/worker-child.ts '<json>'
// with everything it needs in the JSON argument (tests never touch process.env). Prints "ready"
// once its workers run; logs go to stderr.
import { z } from 'zod';
import { parseEnv, parseProgramFile, type Config } from '../../src/config.js';
import { startCarelog } from '../../src/carelog.js';
import { createLogger } from '../../src/logger.js';

export const ZWorkerChildArgs = z.object({
  databaseUrl: z.string(),
  redisUrl: z.string(),
  queuePrefix: z.string(),
  slackApiUrl: z.string(),
  yaml: z.string(),
  encryptionKey: z.string(),
  /** The injected clock, as an offset from real time. */
  clockOffsetMs: z.number(),
  timing: z.object({ lockDurationMs: z.number().optional(), stalledIntervalMs: z.number().optional() }),
  /** CARELOG_WORKER_CONCURRENCY for the child (default: carelog's). */
  concurrency: z.number().int().positive().optional(),
  /** How long the child leaves a nudge claimed by another worker alone (default: carelog's 30 s). */
  claimLeaseMs: z.number().int().positive().optional(),
});
export type TWorkerChildArgs = z.infer<typeof ZWorkerChildArgs>;

const args = ZWorkerChildArgs.parse(JSON.parse(process.argv[2] ?? '{}'));
const env = parseEnv({
  NODE_ENV: 'test',
  SLACK_SIGNING_SECRET: 'unused-by-workers-0123456789',
  SLACK_BOT_TOKEN: 'xoxb-test-token',
  SLACK_API_URL: args.slackApiUrl,
  DATABASE_URL: args.databaseUrl,
  REDIS_URL: args.redisUrl,
  CARELOG_ENCRYPTION_KEY: args.encryptionKey,
  CARELOG_START_REDIS: 'false',
  LOG_LEVEL: 'info',
  ...(args.concurrency ? { CARELOG_WORKER_CONCURRENCY: String(args.concurrency) } : {}),
});
const config: Config = {
  env,
  production: false,
  embeddedDatabase: false,
  dataDir: '/nonexistent',
  configFile: 'test.yml',
  slackSimulated: false,
  programs: parseProgramFile(args.yaml, 'test.yml'),
};
const carelog = await startCarelog({
  config,
  logger: createLogger('info', process.stderr),
  queuePrefix: args.queuePrefix,
  now: () => new Date(Date.now() + args.clockOffsetMs),
  mode: 'worker',
  workerTiming: args.timing,
  ...(args.claimLeaseMs ? { nudgeClaimLeaseMs: args.claimLeaseMs } : {}),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void carelog.stop().then(() => process.exit(0));
});
