// What src/main.ts needs to know before the configuration is loaded: whether the embedded database
// is used, and where. The configuration (zod, the YAML parser, carelog.yml) takes a fifth of a
// start to load; the embedded database, started in its own thread, needs only these two variables,
// so it starts before the rest loads instead of after. The rules are env.ts's for the same two
// variables (DATABASE_URL unset means embedded; CARELOG_DATA_DIR defaults to ./data), and
// test/unit/config.test.ts holds the two to the same answer. Besides src/config.ts, the only reader of
// the environment (scripts/lint.mjs).
import path from 'node:path';

/** The embedded database's data directory, as loadConfig will give it, or null when DATABASE_URL is set. */
export function embeddedDataDirAhead(source: NodeJS.ProcessEnv = process.env): string | null {
  return source.DATABASE_URL === undefined ? path.resolve(source.CARELOG_DATA_DIR ?? './data') : null;
}
