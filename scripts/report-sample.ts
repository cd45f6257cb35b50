// Draws docs/report-sample.png (and .html, .pdf): the Q3 2024 progress report of the seed-shaped
// program (test/support/progress-report.ts), on a Postgres database of its own (TEST_DATABASE_URL or
// the local server), its first page as Debian's chromium shows it at Letter width.
// Run: npx tsx scripts/report-sample.ts
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { parseProgramFile } from '../src/config.js';
import { syncPrograms } from '../src/services/directory.js';
import { makeReport, reportPeriodOf } from '../src/services/report.js';
import { openMigratedTestDatabase } from '../test/support/postgres.js';
import { seedProgressReport } from '../test/support/progress-report.js';
const [p] = parseProgramFile(
  `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
`,
  'sample.yml',
);
const env = await openMigratedTestDatabase();
try {
  const d = await syncPrograms(env.db, [p!]);
  const id = d.member('wilmington', 'slack', 'U0CLIN1')!.memberId;
  await seedProgressReport(env.db.prisma, 'wilmington', id);
  const now = new Date('2026-12-03T12:00:00Z');
  const { bytes } = await makeReport(
    { prisma: env.db.prisma, now: () => now },
    {
      program: p!,
      period: reportPeriodOf(p!, '2024-Q3', now),
      format: 'html',
      actor: { memberId: id, named: null, osUser: 'docs', host: 'docs' },
    },
  );
  writeFileSync('docs/report-sample.html', bytes);
  const pdf = await makeReport(
    { prisma: env.db.prisma, now: () => now },
    {
      program: p!,
      period: reportPeriodOf(p!, '2024-Q3', now),
      format: 'pdf',
      actor: { memberId: id, named: null, osUser: 'docs', host: 'docs' },
    },
  );
  writeFileSync('docs/report-sample.pdf', pdf.bytes);
  const b = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await b.newPage({ viewport: { width: 816, height: 1056 } });
  await page.setContent(bytes.toString(), { waitUntil: 'load' });
  await page.screenshot({ path: 'docs/report-sample.png' });
  await b.close();
} finally {
  await env.cleanup();
}
