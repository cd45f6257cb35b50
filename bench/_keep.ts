import { openMigratedTestDatabase } from '../test/support/postgres.js';
import { seedDigestBench } from './digest.js';
const env = await openMigratedTestDatabase();
const r = await seedDigestBench(env.db, 300_000);
console.log(env.url, r.period.label, r.loadSeconds);
process.exit(0);
