// A second carelog-like process for test/integration/embedded-lock.test.ts: opens the embedded
// database in the data directory given as its argument, says so on stdout, and holds it until
// SIGTERM, when it closes the database (releasing the lock) and exits.
import { openDatabase } from '../../src/db/client.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: node --import tsx test/support/hold-embedded-db.ts <dataDir>');
const db = await openDatabase({ dataDir });
await db.ping();
process.once('SIGTERM', () => {
  void db.close().then(() => process.exit(0));
});
// Keeps the event loop alive until the signal.
setInterval(() => undefined, 1 << 30);
process.stdout.write(`ready ${process.pid}\n`);
