// Run by test/e2e/built-start.test.ts after it has bundled this file the way carelog's own bundle
// is built (scripts/bundle-options.mjs): the ORM through the bundle's stand-ins, the PGlite the
// adapter sees (src/db/pglite-for-adapter.ts) and the query compiler handed over compiled
// (src/db/query-compiler-preload.ts), on an embedded database in a scratch directory. Prints what
// the ORM answered as one line of JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/db/client.js';
import { prepareQueryCompiler } from '../../src/db/query-compiler-preload.js';

void prepareQueryCompiler();
const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bundle-probe-'));
const db = await openDatabase({ dataDir: dir });
try {
  await db.migrate();
  const program = {
    id: 'probe',
    name: 'Probe',
    timezone: 'America/New_York',
    startDate: new Date('2024-07-01'),
    clientCodePrefix: 'PRB',
  };
  await db.prisma.program.create({ data: program });
  const duplicate = await db.prisma.program.create({ data: program }).then(
    () => null,
    (err: unknown) => err as { code?: string; meta?: unknown },
  );
  const count = await db.prisma.program.count();
  console.log(JSON.stringify({ count, duplicate: duplicate && { code: duplicate.code, meta: duplicate.meta } }));
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
