// The client typeahead on real Postgres: what each way of typing a code finds, and that every
// keystroke is an index range scan (EXPLAIN after ANALYZE on a program of 20,000 clients), so a
// keystroke that matches nothing reads next to nothing instead of every client of the program.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { clientSearchRanges } from '../../src/domain/contact.js';
import { CLIENT_RANGES_SQL, searchClients } from '../../src/services/clients.js';
import { syncPrograms } from '../../src/services/directory.js';
import { seedClients } from '../support/clients.js';
import { openMigratedTestDatabase } from '../support/postgres.js';

const [BIG, SMALL] = parseProgramFile(
  `programs:
  - { id: big, name: Big, timezone: America/New_York, startDate: 2024-01-01, clientCodePrefix: PIC, roster: [] }
  - { id: small, name: Small, timezone: America/New_York, startDate: 2024-01-01, clientCodePrefix: DOV, roster: [] }
`,
  'search.yml',
);
const CLIENTS = 20_000;

let env: { db: Database; cleanup(): Promise<void> };
beforeAll(async () => {
  env = await openMigratedTestDatabase();
  await syncPrograms(env.db, [BIG!, SMALL!]);
  await seedClients(env.db.sql, SMALL!, 50);
  await seedClients(env.db.sql, BIG!, CLIENTS);
}, 60_000);
afterAll(async () => {
  await env?.cleanup();
});

const codes = async (q: string, program = BIG!) => (await searchClients(env.db.sql, program, q)).map((c) => c.code);

describe('client typeahead', () => {
  it.each(['42', '0042', 'PIC-42', 'pic-004', 'pic42', ' PIC-0042 ', '00042'])('%j finds PIC-0042', async (q) => {
    expect(await codes(q)).toContain('PIC-0042');
  });

  it('puts the number typed first, then the numbers it begins, ascending', async () => {
    expect((await codes('42')).slice(0, 12)).toEqual([
      'PIC-0042',
      ...Array.from({ length: 10 }, (_, i) => `PIC-042${i}`),
      'PIC-4200',
    ]);
    expect(await codes('pic-004')).toEqual(Array.from({ length: 10 }, (_, i) => `PIC-004${i}`));
    expect(await codes('0042')).toEqual(['PIC-0042']);
    expect(await codes('12345')).toEqual(['PIC-12345']);
    expect(await codes('1')).toHaveLength(20);
  });

  it('lists the newest clients for nothing typed or the prefix alone, and nothing for another prefix', async () => {
    for (const q of ['', 'P', 'pic', 'PIC-', '  '])
      expect(await codes(q)).toEqual(Array.from({ length: 20 }, (_, i) => `PIC-${CLIENTS - i}`));
    for (const q of ['DOV-1', 'new', 'PIC-42a', '99999', '0000', 'hello']) expect(await codes(q)).toEqual([]);
  });

  it('keeps each program to its own clients', async () => {
    expect(await codes('42', SMALL)).toEqual(['DOV-0042']);
    expect(await codes('', SMALL)).toHaveLength(20);
    expect((await codes('4', SMALL)).every((c) => c.startsWith('DOV-'))).toBe(true);
  });

  it('is an index range scan, never a scan of the program, and a miss reads a few pages', async () => {
    const plan = async (q: string) => {
      const ranges = clientSearchRanges(q, 'PIC');
      const [sql, params] =
        ranges === 'newest'
          ? [
              `SELECT id::text AS id, code FROM "Client" WHERE "programId" = $1 ORDER BY number DESC LIMIT $2`,
              [BIG!.id, 20],
            ]
          : [CLIENT_RANGES_SQL, [BIG!.id, ranges.map((r) => r[0]), ranges.map((r) => r[1]), 20]];
      const rows = await env.db.sql.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
        params,
      );
      return JSON.stringify(rows[0]!['QUERY PLAN']);
    };
    for (const q of ['', '42', '0042', 'PIC-42', 'pic-004', '1', '99999']) {
      const p = await plan(q);
      expect(p, q).toContain('"Index Name":"Client_programId_number_key"');
      expect(p, q).not.toContain('Seq Scan');
    }
    // A keystroke matching nothing: a handful of index pages, not the program's 20,000 rows.
    const miss = JSON.parse(await plan('99999')) as [
      { Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } },
    ];
    expect(miss[0].Plan['Shared Hit Blocks'] + miss[0].Plan['Shared Read Blocks']).toBeLessThan(60);
  });
});
