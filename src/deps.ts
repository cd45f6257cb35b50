// What handlers and jobs are given: the parsed config, the logger, and the services' dependencies.
// Built once in src/main.ts (and by tests, with their own database and clock).
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Keyring } from './services/crypto.js';
import type { Directory, TPlatform } from './services/directory.js';
import type { ReminderScheduler } from './queue/reminders.js';
import type { CheckScheduler } from './queue/referral-checks.js';
import type { Messenger } from './services/messenger.js';

export interface CarelogDeps {
  config: Config;
  logger: Logger;
  db: Database;
  keyring: Keyring;
  directory: Directory;
  /** Reminder jobs in the queue (Redis is only the clock; Postgres the truth). */
  reminders: ReminderScheduler;
  /** Linkage-check jobs in the queue, one per open referral (the same rule: Postgres the truth). */
  referralChecks: CheckScheduler;
  /** How carelog sends direct messages on each platform it is connected to. */
  messengers: Partial<Record<TPlatform, Messenger>>;
  /** Prometheus counters (GET /metrics); labels carry no ids or text. */
  metrics: Metrics;
  /** The clock; tests replace it. */
  now: () => Date;
  /**
   * How long a nudge claimed by another worker is left to it before this one takes over (a worker
   * killed mid-send). @defaultValue CLAIM_LEASE_MS (30 s); tests that kill workers shorten it.
   */
  nudgeClaimLeaseMs?: number;
}
