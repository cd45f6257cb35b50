// CSV import at scale: a generated file of 100,000 contacts (20,000 clients, notes on a third of
// them, follow-ups on a tenth) into a fresh Postgres database, timed from reading the file to
// commit; then the same file again, which must write nothing.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseProgramFile } from '../src/config.js';
import { addDays } from '../src/domain/time.js';
import { formatCsv } from '../src/domain/csv.js';
import { createKeyring } from '../src/services/crypto.js';
import { importContacts } from '../src/services/csv-import.js';
import { syncPrograms } from '../src/services/directory.js';
import { openMigratedTestDatabase } from '../test/support/postgres.js';

export interface ImportBenchResult {
  rows: number;
  fileMiB: number;
  importSeconds: number;
  rowsPerSecond: number;
  reimportSeconds: number;
  contactsCreated: number;
  clientsCreated: number;
  followUpsCreated: number;
}

const [PROGRAM] = parseProgramFile(
  `programs:
  - id: bench
    name: Import benchmark
    timezone: America/New_York
    startDate: 2024-01-01
    clientCodePrefix: PIC
    roster: [{ slack: U0CASE1, roles: [case_manager] }]
`,
  'bench.yml',
);

/** A deterministic file: the same rows every run. */
export function generateContactsCsv(rows: number): string {
  const c = PROGRAM!.categories;
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  const out: string[][] = [
    [
      'client_code',
      'contact_date',
      'source',
      'services',
      'referrals',
      'disposition',
      'sex',
      'age_band',
      'follow_up_date',
      'notes',
    ],
  ];
  const clients = Math.max(1, Math.floor(rows / 5));
  for (let i = 0; i < rows; i++) {
    const client = (i % clients) + 1;
    // The client's n-th contact: 37 days after the one before (mod 700), so no two coincide.
    const day = addDays('2024-01-01', (client * 3 + Math.floor(i / clients) * 37) % 700);
    // Half date-only (12:00 local), half with a local time and offset.
    const date =
      i % 2 ? day : `${day}T${String(8 + (i % 12)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}-05:00`;
    out.push([
      `PIC-${String(client).padStart(4, '0')}`,
      date,
      pick(c.sources, i).key,
      [pick(c.services, i).key, pick(c.services, i + 2).key].join(';'),
      i % 4 ? '' : pick(c.referrals, i).key,
      pick(c.dispositions, i).key,
      pick(c.sex, client).key,
      pick(c.ageBands, client).key,
      i % 10 === 0 ? addDays(day, 3) : '',
      i % 3 === 0
        ? `Contact ${i}: talked it through, "calmer" after, agreed to call back, then\nleft with family.`
        : '',
    ]);
  }
  return formatCsv(out);
}

export async function benchImport(rows = 100_000): Promise<ImportBenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-bench-import-'));
  const env = await openMigratedTestDatabase();
  try {
    const file = path.join(dir, 'contacts.csv');
    writeFileSync(file, generateContactsCsv(rows));
    const directory = await syncPrograms(env.db, [PROGRAM!]);
    const deps = { db: env.db, keyring: createKeyring(randomBytes(32)), directory };
    // Dates in the file run to late 2025; "now" is after them so none is refused as future.
    const now = new Date('2026-01-01T00:00:00Z');

    const t0 = performance.now();
    const first = await importContacts(deps, { program: PROGRAM!, csv: readFileSync(file, 'utf8'), now });
    const importSeconds = (performance.now() - t0) / 1000;
    if (!first.ok) throw new Error(`bench file rejected: ${JSON.stringify(first.errors.slice(0, 3))}`);

    const t1 = performance.now();
    const again = await importContacts(deps, { program: PROGRAM!, csv: readFileSync(file, 'utf8'), now });
    const reimportSeconds = (performance.now() - t1) / 1000;
    if (!again.ok || again.summary.contactsCreated !== 0) throw new Error('re-import wrote contacts');

    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      rows,
      fileMiB: round(statSync(file).size / 2 ** 20),
      importSeconds: round(importSeconds),
      rowsPerSecond: Math.round(rows / importSeconds),
      reimportSeconds: round(reimportSeconds),
      contactsCreated: first.summary.contactsCreated,
      clientsCreated: first.summary.clientsCreated,
      followUpsCreated: first.summary.followUpsCreated,
    };
  } finally {
    await env.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
