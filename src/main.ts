// carelog's entry point: `npm run dev` / `npm start`.
import module from 'node:module';
import { embeddedDataDirAhead } from './config/ahead.js';
import { startOpeningEmbedded, type OpenedEmbedded } from './db/embedded-open.js';
import { isCarelogError } from './errors.js';
import { tuneV8ForStart } from './v8-start.js';

// Node 22.1+ keeps the compiled code of carelog's modules and its dependencies' on disk
// (os.tmpdir()/node-compile-cache), so a start after the first skips most of their compiling.
// Node 20 has no such cache; the call is skipped there.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// PGlite's and the ORM's WebAssembly: fewer compiler tasks, lazy validation, and a tiering budget
// their start does not reach (src/v8-start.ts), put back for what compiles after the start.
const afterStart = tuneV8ForStart();

// The embedded database starts first, in a thread of its own (its WebAssembly compiling, Postgres
// starting), while everything else loads on this one: most of a start is those two. It needs only
// its directory, read ahead of the configuration (src/config/ahead.ts), whose modules are loaded
// below, not imported above, so that they load while it starts. A failure (the directory locked by
// another process) is reported by startCarelog below.
const dataDirAhead = embeddedDataDirAhead();
const openedAhead = dataDirAhead ? startOpeningEmbedded(dataDirAhead) : undefined;
const [{ loadConfig }, { createLogger }, { prepareQueryCompiler }] = await Promise.all([
  import('./config.js'),
  import('./logger.js'),
  import('./db/query-compiler-preload.js'),
]);

const bootLogger = createLogger('info');
let config;
try {
  config = loadConfig();
} catch (err) {
  // Config messages name the variable or key and the problem, never a secret's value.
  bootLogger.fatal(isCarelogError(err) ? err.message : 'could not read the configuration');
  // The database opened ahead is closed and its directory unlocked, as if it had never started.
  await openedAhead
    ?.then(
      ({ pg, release }) => pg.close().finally(release),
      () => undefined,
    )
    .catch(() => undefined);
  process.exit(1);
}
// The same directory by the same rules (test/unit/config.test.ts holds them to it).
const embeddedDatabase: Promise<OpenedEmbedded> | undefined = config.env.DATABASE_URL ? undefined : openedAhead;
// The ORM's engine compiles on other threads too, beside PGlite's, and is loaded before ready.
void prepareQueryCompiler();
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
  const running = await startCarelog({ config, logger, mode, ...(embeddedDatabase ? { embeddedDatabase } : {}) });
  afterStart();
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
