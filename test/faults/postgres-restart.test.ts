// Postgres restarted while 20 clinicians save contact forms: on a Postgres this file starts on a
// spare port (the shared server is not touched), crashed (immediate stop) and later stopped cleanly
// while the forms come in. Every save is either committed once or answered with an error beside the
// form (Slack keeps what was typed), which the clinician answers by pressing Save again; nothing is
// ever half written: no client without its contact, no contact without its follow-up or audit
// events, no counter that moved without its row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROSTER_UNCHECKED } from '../../src/services/access.js';
import { SAVE_FAILED } from '../../src/services/contact-flow.js';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML } from '../support/followups.js';
import { mapPool, openContactFormTemplate, reportFigure, seededRandom, stopwatch } from '../support/faults.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { viewSubmission, type ModalValues } from '../support/slack-payloads.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CLIENTS = 20;
const FORMS_PER_CLIENT = 10;
/** A clinician presses Save again at most this often before the case gives up on the form. */
const MAX_ATTEMPTS = 200;

const NEW: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-20',
  contact_time: '09:15',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['mental_health_treatment'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-27',
  notes: 'postgres restart note',
};
const { sex: _sex, age_band: _ageBand, ...RETURNING } = NEW;

let pg: PrivatePostgres;
let h: Harness;
beforeAll(async () => {
  pg = await startPrivatePostgres();
  h = await startHarness({ now: () => NOW, yaml: FOLLOWUP_YAML(), adminUrl: pg.adminUrl });
});
afterAll(async () => {
  await pg?.start().catch(() => undefined);
  await h?.stop();
  await pg?.destroy();
});

type Answer = { status: number; json: unknown; ms: number };

describe('Postgres restarted while 20 clients submit', () => {
  it('every submission is committed once or answered with an error that keeps the form; nothing is half written', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    const form = await openContactFormTemplate(h, 'U0CLIN1');
    // Two known clients with pending follow-ups, so some saves also complete follow-ups.
    for (const id of ['VPGSEED1', 'VPGSEED2'])
      expect((await h.interact(viewSubmission('U0CLIN1', form.asForm(id), NEW))).json).toEqual({
        response_action: 'clear',
      });
    const known = await prisma.client.findMany({ select: { id: true, code: true } });
    const random = seededRandom(15);

    const answers: { form: string; attempt: number; answer: Answer }[] = [];
    let committed = 0;
    let stopAt = 0;
    const clients = Array.from({ length: CLIENTS }, (_, c) => c);
    const load = mapPool(clients, CLIENTS, async (c) => {
      for (let f = 0; f < FORMS_PER_CLIENT; f++) {
        const id = `VPG${String(c).padStart(2, '0')}F${String(f).padStart(2, '0')}`;
        const client = random() < 0.2 ? known[Math.floor(random() * known.length)]! : null;
        const values = client ? { ...RETURNING, client: { value: client.id, text: client.code } } : NEW;
        const payload = viewSubmission(c % 2 ? 'U0CLIN1' : 'U0CASE2', form.asForm(id), values);
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const sentAt = performance.now();
          const res = await h.interact(payload);
          answers.push({
            form: id,
            attempt,
            answer: { status: res.status, json: res.json, ms: performance.now() - sentAt },
          });
          if ((res.json as { response_action?: string } | null)?.response_action === 'clear') {
            committed++;
            break;
          }
          // Nothing was saved: the form still shows what was typed; press Save again shortly.
          await new Promise((r) => setTimeout(r, 100 + Math.floor(random() * 200)));
        }
      }
    });

    // The restarts, while the forms come in: a crash first, then a clean stop.
    const total = CLIENTS * FORMS_PER_CLIENT;
    const outages: { mode: string; committedBefore: number; downMs: number }[] = [];
    const restarter = (async () => {
      for (const [mode, share] of [
        ['immediate', 0.25],
        ['fast', 0.6],
      ] as const) {
        const deadline = Date.now() + 60_000;
        while (committed < total * share && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const committedBefore = committed;
        stopAt = Date.now();
        await pg.stop(mode);
        await new Promise((r) => setTimeout(r, 1_500));
        await pg.start();
        outages.push({ mode, committedBefore, downMs: Date.now() - stopAt });
      }
    })();
    await Promise.all([load, restarter]);

    // What every answer was: a saved form, or an error beside the form that keeps its input. The
    // error is the failed save's; or, once the database has been out for longer than the roster may
    // go unconfirmed (ROSTER_MAX_STALE_MS, 5 s; how long depends on the machine's speed), that the
    // roster cannot be checked, which lets no one in and changes nothing either.
    const failures = answers.filter(
      (a) => (a.answer.json as { response_action?: string } | null)?.response_action !== 'clear',
    );
    const keptForm = [SAVE_FAILED, ROSTER_UNCHECKED].map((text) =>
      JSON.stringify({ response_action: 'errors', errors: { client: text } }),
    );
    const unexpected = answers.filter(
      (a) =>
        a.answer.status !== 200 ||
        !(
          JSON.stringify(a.answer.json) === JSON.stringify({ response_action: 'clear' }) ||
          keptForm.includes(JSON.stringify(a.answer.json))
        ),
    );
    const formIds = [...new Set(answers.map((a) => a.form))];
    const savedForms = new Set(answers.filter((a) => !failures.includes(a)).map((a) => a.form));

    // Half-written rows: every row of a contact's transaction is there, or none is.
    const sql = h.carelog.deps.db.sql;
    const [broken] = await sql.query<Record<string, number>>(`
      SELECT
        (SELECT count(*)::int FROM "Client" cl WHERE NOT EXISTS (SELECT 1 FROM "Contact" c WHERE c."clientId" = cl.id)) AS "clientsWithoutContact",
        (SELECT count(*)::int FROM "Client" cl WHERE NOT EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a.action = 'client.create' AND a."entityId" = cl.id::text)) AS "clientsWithoutAudit",
        (SELECT count(*)::int FROM "Contact" c WHERE NOT EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a.action = 'contact.create' AND a."entityId" = c.id::text)) AS "contactsWithoutAudit",
        (SELECT count(*)::int FROM "Contact" c WHERE c."followUpWanted" AND NOT EXISTS (SELECT 1 FROM "FollowUp" f WHERE f."originContactId" = c.id)) AS "contactsWithoutFollowUp",
        (SELECT count(*)::int FROM "FollowUp" f WHERE NOT EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a.action = 'followup.create' AND a."entityId" = f.id::text)) AS "followUpsWithoutAudit",
        (SELECT count(*)::int FROM "FollowUp" f WHERE f.status = 'done' AND f."metByContactId" IS NULL) AS "doneWithoutContact",
        (SELECT count(*)::int FROM "FollowUp" f WHERE f.status = 'done' AND NOT EXISTS (SELECT 1 FROM "AuditEvent" a WHERE a.action = 'followup.complete' AND a."entityId" = f.id::text)) AS "doneWithoutAudit",
        (SELECT count(*)::int FROM "Program" p WHERE p."nextContactNumber" - 1 <> (SELECT count(*) FROM "Contact" c WHERE c."programId" = p.id)
                                                 OR p."nextClientNumber" - 1 <> (SELECT count(*) FROM "Client" cl WHERE cl."programId" = p.id)) AS "countersAstray",
        (SELECT count(*)::int FROM (SELECT number, row_number() OVER (ORDER BY number) AS n FROM "Contact" WHERE "programId" = 'wilmington') x WHERE x.number <> x.n) AS "numberGaps"`);
    const halfWritten = Object.values(broken!).reduce((n, v) => n + v, 0);
    const contacts = await prisma.contact.findMany({
      where: { idempotencyKey: { in: formIds.map((id) => `slack:${id}`) } },
      select: { idempotencyKey: true },
    });
    const perForm = new Map<string, number>();
    for (const c of contacts) perForm.set(c.idempotencyKey, (perForm.get(c.idempotencyKey) ?? 0) + 1);
    const doubled = [...perForm.values()].filter((n) => n > 1).length;
    const lost = formIds.filter((id) => savedForms.has(id) && !perForm.has(`slack:${id}`)).length;
    const dms = h.slack
      .callsTo('chat.postMessage')
      .map((c) => /^Saved contact #(\d+)/.exec(String(c.args.text))?.[1])
      .filter(Boolean);

    const figure = halfWritten + doubled + lost + unexpected.length;
    reportFigure({
      case: 'Postgres restarted under 20 clients',
      figure,
      unit: 'half-written rows, doubled or lost saves, other answers',
      goal: '0',
      ok: figure === 0 && savedForms.size === formIds.length,
      of: { count: answers.length, unit: 'submissions' },
      durationMs: elapsed(),
      details: {
        forms: formIds.length,
        saved: savedForms.size,
        answeredWithError: failures.length,
        slowestAnswerMs: Math.round(Math.max(...answers.map((a) => a.answer.ms))),
        outages: outages.map((o) => `${o.mode} ${o.downMs} ms after ${o.committedBefore} saves`).join('; '),
        ...broken,
      },
    });

    expect(outages).toHaveLength(2);
    expect(formIds).toHaveLength(total);
    // The outages hit submissions, and each was answered beside the form.
    expect(failures.length).toBeGreaterThan(0);
    expect(
      unexpected.map((a) => `${a.form}#${a.attempt}: ${a.answer.status} ${JSON.stringify(a.answer.json)}`),
    ).toEqual([]);
    expect(savedForms.size).toBe(total);
    expect(broken).toEqual(Object.fromEntries(Object.keys(broken!).map((k) => [k, 0])));
    expect(doubled).toBe(0);
    expect(lost).toBe(0);
    expect(contacts).toHaveLength(total);
    // One confirmation per contact at most (a save whose commit reply was lost confirms nothing).
    expect(new Set(dms).size).toBe(dms.length);
    const res = await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`);
    expect(res.status).toBe(200);
  });
});
