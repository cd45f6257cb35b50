// The queue dashboard alone, mounted on carelog's HTTP server over a queue with a fresh prefix on
// the shared Redis, for tests that need production mode or a trusted proxy (the harness runs
// neither). Its log lines are kept; stop() closes everything and removes the queue's keys.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { mountQueueDashboard, type DashboardAccess } from '../../src/http/queue-dashboard.js';
import { createHttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { Redis } from '../../src/queue/redis.js';
import { dropQueueKeys } from './redis.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
export const DASHBOARD_USER = 'ops';
export const DASHBOARD_PASSWORD = 'correct horse battery';

export interface TestDashboard {
  /** http://127.0.0.1:<port>/admin/queues */
  url: string;
  logs: string[];
  queue: Queue;
  redis: Redis;
  stop(): Promise<void>;
}

export const basicAuth = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export async function startDashboard(
  access: Partial<Pick<DashboardAccess, 'production' | 'trustProxy'>> = {},
): Promise<TestDashboard> {
  const logs: string[] = [];
  const logger = createLogger(
    'debug',
    new Writable({
      write(chunk, _enc, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
  );
  const prefix = `carelog-test-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('carelog', { connection: redis, prefix });
  const http = createHttpServer(logger);
  mountQueueDashboard(http, {
    queue,
    redis,
    logger,
    access: {
      user: DASHBOARD_USER,
      password: DASHBOARD_PASSWORD,
      production: access.production ?? false,
      trustProxy: access.trustProxy ?? false,
    },
  });
  const port = await http.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/admin/queues`,
    logs,
    queue,
    redis,
    stop: async () => {
      await http.close();
      await queue.close();
      await dropQueueKeys(REDIS_URL, [prefix]);
      redis.disconnect();
    },
  };
}
