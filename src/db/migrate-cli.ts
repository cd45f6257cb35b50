// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
import { loadConfig } from '../config.js';
import { openDatabase } from './client.js';

const config = loadConfig();
const db = await openDatabase({ databaseUrl: config.env.DATABASE_URL, dataDir: config.dataDir });
try {
  const result = await db.migrate();
  const target = db.kind === 'embedded' ? `embedded database in ${config.dataDir}` : 'DATABASE_URL';
  process.stdout.write(
    result.applied.length
      ? `Applied ${result.applied.length} migration(s) to the ${target}: ${result.applied.join(', ')}\n`
      : `The ${target} is up to date (${result.alreadyApplied.length} migration(s)).\n`,
  );
} finally {
  await db.close();
}
