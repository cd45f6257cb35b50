// What handlers and jobs are given: the parsed config, the logger, and the services' dependencies.
// Built once in src/main.ts (and by tests, with their own database and clock).
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import type { Logger } from './logger.js';
import type { Keyring } from './services/crypto.js';
import type { Directory } from './services/directory.js';

export interface CarelogDeps {
  config: Config;
  logger: Logger;
  db: Database;
  keyring: Keyring;
  directory: Directory;
  /** The clock; tests replace it. */
  now: () => Date;
}
