// carelog's entry point: `npm run dev` / `npm start`.
import { loadConfig } from './config.js';
import { isCarelogError } from './errors.js';
import { createLogger } from './logger.js';
import { pgliteWasmModule } from './db/embedded-preload.js';

const bootLogger = createLogger('info');
let config;
try {
  config = loadConfig();
} catch (err) {
  // Config messages name the variable or key and the problem, never a secret's value.
  bootLogger.fatal(isCarelogError(err) ? err.message : 'could not read the configuration');
  process.exit(1);
}
// The embedded database's WebAssembly compiles on other threads while carelog's modules load.
if (!config.env.DATABASE_URL) void pgliteWasmModule();
const logger = createLogger(config.env.LOG_LEVEL);
for (const w of config.warnings) logger.warn(w);
// A stray error's message could quote a payload: the logger keeps its name, codes and frames only.
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
process.on('uncaughtException', (err) => {
  logger.fatal({ err }, 'uncaught exception; exiting');
  process.exit(1);
});

try {
  const mode = process.argv.includes('--worker') ? 'worker' : 'all';
  // Loaded after the compile above has started (a static import would load it first).
  const { startCarelog } = await import('./carelog.js');
  const running = await startCarelog({ config, logger, mode });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (err) {
  // carelog's own messages say what to fix; another error's could quote what it was given.
  logger.fatal({ err }, isCarelogError(err) ? err.message : 'carelog could not start');
  process.exit(1);
}
