// The progress report, read as its readers read it: the published Q3 2024 figures from the seed-shaped
// program, in the HTML, in the PDF's text as poppler's pdftotext extracts it, and in the XLSX read
// back by ExcelJS, each the same as `digest --json`; a fiscal year in quarter columns and a total;
// small cells suppressed as in digests; every run audited; bad input refused in one line, exit 1,
// nothing written.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProgramFile } from '../../src/config.js';
import type { DigestFigures } from '../../src/domain/digest.js';
import { parsePeriod } from '../../src/domain/periods.js';
import { computeDigest } from '../../src/services/digest.js';
import { syncPrograms } from '../../src/services/directory.js';
import { makeReport, reportPeriodOf, type TReportFormat } from '../../src/services/report.js';
import { isCarelogError } from '../../src/errors.js';
import { openMigratedTestDatabase } from '../support/postgres.js';
import { seedProgressReport } from '../support/progress-report.js';
import { chromiumInstalled, launchChromium, NO_CHROMIUM } from '../support/chromium.js';

const exec = promisify(execFile);

const PROGRAM_YAML = `programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0WILM }
    roster: [{ slack: U0CLIN1, roles: [clinician] }]
  - id: small
    name: Small Town Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: SML
    slack: { teamId: T0SMALL }
    digest: { suppressBelow: 11 }
    roster: [{ slack: U0CLIN2, roles: [clinician] }]
`;
const programs = parseProgramFile(PROGRAM_YAML, 'test.yml');

let env: Awaited<ReturnType<typeof openMigratedTestDatabase>>;
let dir: string;

beforeAll(async () => {
  env = await openMigratedTestDatabase();
  const directory = await syncPrograms(env.db, programs);
  actorId = directory.member('wilmington', 'slack', 'U0CLIN1')!.memberId;
  await seedProgressReport(env.db.prisma, 'wilmington', actorId);
  await seedProgressReport(env.db.prisma, 'small', directory.member('small', 'slack', 'U0CLIN2')!.memberId);
  dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-report-'));
  writeFileSync(path.join(dir, 'carelog.yml'), PROGRAM_YAML);
});
afterAll(async () => {
  await env?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: env.url,
      CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
      CARELOG_DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'silent',
    },
  });
}

/** Runs a command expected to fail; its exit code and stderr. */
async function refused(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await cli(...args);
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`carelog ${args.join(' ')} succeeded`);
}

let actorId: string;
/** The report as the command makes it (in-process: spawning the command is slow on a busy machine). */
async function report(program: string, period: string, format: TReportFormat): Promise<string> {
  const out = path.join(dir, `${program}-${period.replace(/\./g, '_')}.${format}`);
  const p = programs.find((x) => x.id === program)!;
  const { bytes } = await makeReport(
    { prisma: env.db.prisma, now: () => new Date() },
    {
      program: p,
      period: reportPeriodOf(p, period, new Date()),
      format,
      actor: { memberId: actorId, named: 'U0CLIN1', osUser: 'test', host: 'test' },
    },
  );
  writeFileSync(out, bytes);
  return out;
}

async function digestJson(program: string, period: string): Promise<DigestFigures> {
  const { stdout } = await cli('digest', '--program', program, '--period', period, '--json');
  return JSON.parse(stdout) as DigestFigures;
}

async function pdfText(file: string): Promise<string> {
  const { stdout } = await exec('pdftotext', ['-layout', file, '-']);
  return stdout;
}

/** Each sheet as rows of cell values. */
async function readXlsx(file: string): Promise<Map<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const out = new Map<string, unknown[][]>();
  wb.eachSheet((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    out.set(ws.name, rows);
  });
  return out;
}

/** The value a sheet's row labelled `label` holds in its first figure column. */
const rowValue = (rows: unknown[][], label: string) => rows.find((r) => r[0] === label)?.[1];

/** A label and its figure on one line of pdftotext -layout's output. */
const pdfLine = (text: string, label: string, value: string | number) =>
  new RegExp(`^\\s*${label.replace(/[()+*?.]/g, '\\$&')}\\s{2,}${String(value).replace(/[+]/g, '\\+')}\\s*$`, 'm').test(
    text,
  );

describe('the Q3 2024 report of the seed-shaped program, in three formats', () => {
  let figures: DigestFigures;
  beforeAll(async () => {
    figures = await digestJson('wilmington', '2024-Q3');
  }, 120_000);

  it('digest --json holds the published figures (the reference the report is checked against)', () => {
    expect([
      figures.servedSinceInception,
      figures.clientsServed,
      figures.newClients,
      figures.continuingClients,
    ]).toEqual([207, 128, 115, 13]);
    expect(figures.newClientsChangePct).toBe(32);
  });

  const headline = () =>
    [
      ['Individuals served', figures.clientsServed],
      ['New', figures.newClients],
      ['Continuing', figures.continuingClients],
      ['Served since the program began', figures.servedSinceInception],
      ['Contacts', figures.contacts],
    ] as const;

  it('HTML: one self-contained file with the figures, the chart and the definitions', async () => {
    const html = readFileSync(await report('wilmington', '2024-Q3', 'html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(|(src|href)=/i);
    for (const [label, value] of headline())
      expect(html).toContain(`<th scope="row">${label}</th><td class="n">${value}</td>`);
    expect(html).toContain('<td class="n">+32 %</td>');
    // The chart is inline SVG with the bars' numbers; the table beside it says the same.
    expect(html).toMatch(/<svg[^>]*>[\s\S]*>115<\/text>[\s\S]*<\/svg>/);
    for (const [name, n] of [
      ['Mar 2024 (partial quarter)', 5],
      ['Apr–Jun 2024', 87],
      ['Jul–Sep 2024', 115],
    ] as const)
      expect(html).toContain(`<th scope="row">${name}</th><td class="n">${n}</td>`);
    for (const [sex, n] of Object.entries({ Male: 55, Female: 60 }))
      expect(html).toContain(`<th scope="row">${sex}</th><td class="n">${n}</td>`);
    expect(html).toContain('Jul 1, 2024 – Sep 30, 2024');
    expect(html).toContain('Figures from carelog');
    expect(html).toContain('Suppression rule in force');
    expect(html).not.toMatch(/PIC-\d+/);
  });

  it('PDF: pdftotext extracts the same figures as digest --json', async () => {
    const text = await pdfText(await report('wilmington', '2024-Q3', 'pdf'));
    expect(text).toContain('Wilmington Partners in Care');
    expect(text).toContain('Jul 1, 2024 – Sep 30, 2024');
    for (const [label, value] of headline()) expect(pdfLine(text, label, value), label).toBe(true);
    expect(pdfLine(text, 'Change in new clients vs last quarter', '+32 %')).toBe(true);
    for (const [label, n] of [
      ['Mar 2024 (partial quarter)', 5],
      ['Apr–Jun 2024', 87],
      ['Jul–Sep 2024', 115],
      ['Male', figures.newClientsBySex.male],
      ['Female', figures.newClientsBySex.female],
      ['25–59', figures.newClientsByAgeBand['25-59']],
      ['Not reported', figures.newClientsByAgeBand.not_reported],
    ] as const)
      expect(pdfLine(text, label, n!), label).toBe(true);
    expect(text).not.toMatch(/PIC-\d+/);
  });

  it('XLSX: numbers as numbers, one sheet per table and Definitions, the same figures as digest --json', async () => {
    const sheets = await readXlsx(await report('wilmington', '2024-Q3', 'xlsx'));
    expect([...sheets.keys()]).toEqual(
      expect.arrayContaining([
        'Headline',
        'New clients by quarter',
        'Sex',
        'Age',
        'Sources',
        'Services',
        'Definitions',
      ]),
    );
    const h = sheets.get('Headline')!;
    for (const [label, value] of headline()) expect(rowValue(h, label), label).toBe(value);
    expect(rowValue(h, 'Change in new clients vs last quarter')).toBe(0.32);
    expect(rowValue(sheets.get('New clients by quarter')!, 'Jul–Sep 2024')).toBe(115);
    expect(rowValue(sheets.get('Sex')!, 'Female')).toBe(figures.newClientsBySex.female);
    expect(rowValue(sheets.get('Age')!, '60 and over')).toBe(figures.newClientsByAgeBand['60+']);
    const sources = sheets.get('Sources')!;
    expect(rowValue(sources, 'Call for service')).toBe(figures.contactsBySource.call_for_service);
    expect(sheets.get('Definitions')!.some((r) => r[0] === 'Suppression rule in force')).toBe(true);
  });
});

describe('a federal fiscal year', () => {
  it('has one column per quarter that has begun and the total, each as digest --json gives it', async () => {
    const p = programs[0]!;
    const [q1, q2, q3] = await Promise.all(
      ['2024-Q1', '2024-Q2', '2024-Q3'].map((q) =>
        computeDigest(env.db.prisma, p, parsePeriod(q, 'quarter', p.timezone, p.startDate)!),
      ),
    );
    const sheets = await readXlsx(await report('wilmington', 'FY2024', 'xlsx'));
    const h = sheets.get('Headline')!;
    const header = h.find((r) => r.includes('FY2024 total'))!;
    expect(header.slice(-4)).toEqual(['Mar 2024 (partial quarter)', 'Apr–Jun 2024', 'Jul–Sep 2024', 'FY2024 total']);
    const newRow = h.find((r) => r[0] === 'New')!;
    expect(newRow.slice(1)).toEqual([q1!.newClients, q2!.newClients, q3!.newClients, 207]);
    const served = h.find((r) => r[0] === 'Individuals served')!;
    expect(served.slice(1, 4)).toEqual([q1!.clientsServed, q2!.clientsServed, q3!.clientsServed]);
    const text = await pdfText(await report('wilmington', 'FY2024', 'pdf'));
    expect(text).toContain('FY2024 total');
    expect(text).toMatch(/^\s*New\s+5\s+87\s+115\s+207\s*$/m);
  });
});

describe('suppression and Part 2, as in digests', () => {
  it('shows a small quarter as "<11" in every format, never as its count', async () => {
    const html = readFileSync(await report('small', '2024-Q3', 'html'), 'utf8');
    expect(html).toContain('<th scope="row">Mar 2024 (partial quarter)</th><td class="n">&lt;11</td>');
    // The chart draws the label, not the number, and no bar label 5 anywhere.
    expect(html).toMatch(/>&lt;11<\/text>/);
    expect(html).not.toMatch(/font-weight:bold;"[^>]*>5<\/text>/);
    const sheets = await readXlsx(await report('small', '2024-Q3', 'xlsx'));
    expect(rowValue(sheets.get('New clients by quarter')!, 'Mar 2024 (partial quarter)')).toBe('<11');
    const text = await pdfText(await report('small', '2024-Q3', 'pdf'));
    expect(pdfLine(text, 'Mar 2024 (partial quarter)', '<11')).toBe(true);
    expect(text).toContain('Counts from 1 to 10 are shown as <11');
  });
});

describe('every report run is audited', () => {
  it('records the actor, the period and the format, and no client', async () => {
    await report('wilmington', '2024-07-01..2024-09-30', 'html');
    const row = await env.db.prisma.auditEvent.findFirstOrThrow({
      where: { programId: 'wilmington', action: 'report.run' },
      orderBy: { id: 'desc' },
    });
    expect(row).toMatchObject({ entityType: 'program', entityId: 'wilmington', clientIds: [] });
    expect(row.actorId).not.toBeNull();
    expect(row.details).toMatchObject({ actor: 'U0CLIN1', period: '2024-07-01..2024-09-30', format: 'html' });
  });
});

describe('bad input: one line, exit 1, nothing written', () => {
  const p = programs[0]!;
  for (const [what, period, message] of [
    ['a period before the program', '2023', /ends before wilmington began \(2024-03-01\)/],
    ['a period in the future', 'FY2099', /starts after today/],
    ['an impossible range', '2024-09-30..2024-07-01', /is not a period/],
    ['a day that does not exist', '2024-02-30..2024-03-10', /is not a period/],
    ['a word', 'last quarter', /is not a period/],
  ] as const)
    it(`refuses ${what}`, () => {
      let caught: unknown;
      try {
        reportPeriodOf(p, period, new Date());
      } catch (err) {
        caught = err;
      }
      expect(isCarelogError(caught, 'invalid_input')).toBe(true);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toContain('\n');
    });

  it('the command refuses in one line with exit 1 and writes nothing: program, period, format, --out', async () => {
    const out = path.join(dir, 'refused.pdf');
    const existing = path.join(dir, 'existing.pdf');
    writeFileSync(existing, 'keep me');
    const runs = await Promise.all([
      refused('report', '--program', 'nowhere', '--period', '2024-Q3', '--format', 'pdf', '--out', out),
      refused('report', '--program', 'wilmington', '--period', '2023', '--format', 'pdf', '--out', out),
      refused('report', '--program', 'wilmington', '--period', '2024-Q3', '--format', 'docx', '--out', out),
      refused(
        'report',
        '--program',
        'wilmington',
        '--period',
        '2024-Q3',
        '--format',
        'pdf',
        '--out',
        path.join(dir, 'no-such-dir', 'r.pdf'),
      ),
      refused('report', '--program', 'wilmington', '--period', '2024-Q3', '--format', 'pdf', '--out', existing),
    ]);
    const messages = [
      /no program "nowhere"/,
      /ends before wilmington began/,
      /--format must be one of html, pdf, xlsx/,
      /does not exist/,
      /already exists/,
    ];
    runs.forEach((r, i) => {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(messages[i]!);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  }, 180_000);

  it('the command writes the report to --out, readable by its owner only', async () => {
    const out = path.join(dir, 'cli.html');
    const { stderr } = await cli(
      'report',
      '--program',
      'wilmington',
      '--period',
      '2024-Q3',
      '--format',
      'html',
      '--out',
      out,
    );
    expect(stderr).toContain(`wrote the 2024-Q3 report of wilmington to ${out}`);
    expect(readFileSync(out, 'utf8')).toContain('<td class="n">207</td>');
  }, 120_000);
});

if (!chromiumInstalled) console.warn(`report layout: ${NO_CHROMIUM}`);

describe.skipIf(!chromiumInstalled)('the HTML as a browser lays it out (Debian chromium, headless)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** Elements whose right edge passes the page's width (nothing may be cut or scroll sideways). */
  // Runs in the page (a string: the test's TypeScript has no DOM types).
  const overflow = (page: Page) =>
    page.evaluate<string[]>(`(() => {
      const width = document.documentElement.clientWidth;
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        if (el.closest('.scroll') && el.tagName !== 'DIV') continue;
        const r = el.getBoundingClientRect();
        if (r.right > width + 0.5) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right) + ' > ' + width);
      }
      if (document.documentElement.scrollWidth > width) out.push('page ' + document.documentElement.scrollWidth + ' > ' + width);
      return out;
    })()`);

  async function pdfPages(file: string, paper: 'Letter' | 'A4', html: string): Promise<number> {
    const page = await browser.newPage();
    try {
      await page.setContent(html, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      // The printable width of the paper, at CSS pixels (96 per inch), less the 15 mm margins.
      const mm = paper === 'Letter' ? 215.9 : 210;
      await page.setViewportSize({ width: Math.floor(((mm - 30) / 25.4) * 96), height: 1000 });
      expect(await overflow(page), paper).toEqual([]);
      await page.pdf({ path: file, format: paper, printBackground: true });
      const { stdout } = await exec('pdfinfo', [file]);
      return Number(/^Pages:\s+(\d+)/m.exec(stdout)![1]);
    } finally {
      await page.close();
    }
  }

  it('prints on Letter and on A4 with nothing cut off, in a handful of pages', async () => {
    const html = readFileSync(await report('wilmington', '2024-Q3', 'html'), 'utf8');
    const letter = await pdfPages(path.join(dir, 'letter.pdf'), 'Letter', html);
    const a4 = await pdfPages(path.join(dir, 'a4.pdf'), 'A4', html);
    // Cover, headline, chart and thirteen tables, then the definitions: a few pages, not dozens.
    expect(letter).toBeGreaterThanOrEqual(3);
    expect(letter).toBeLessThanOrEqual(8);
    expect(Math.abs(a4 - letter)).toBeLessThanOrEqual(1);
    // The printed text carries the figures too.
    const { stdout } = await exec('pdftotext', ['-layout', path.join(dir, 'letter.pdf'), '-']);
    expect(pdfLine(stdout, 'Served since the program began', 207)).toBe(true);
  }, 120_000);

  it('reads on a phone: nothing wider than the screen, the fiscal year’s wide tables scroll inside their box', async () => {
    for (const period of ['2024-Q3', 'FY2024'] as const) {
      const html = readFileSync(await report('wilmington', period, 'html'), 'utf8');
      const page = await browser.newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2 });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        expect(await overflow(page), period).toEqual([]);
        // Body text no smaller than 12 px.
        const size = await page.evaluate<number>('parseFloat(getComputedStyle(document.body).fontSize)');
        expect(size).toBeGreaterThanOrEqual(12);
      } finally {
        await page.close();
      }
    }
  }, 120_000);
});
