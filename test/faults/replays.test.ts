// Replayed submissions: 1,000 view_submission deliveries of 250 contact forms, each form delivered
// four times at once (a double click on Save and Slack's retries with x-slack-retry-num 1–3), and
// /contact commands retried by Slack. One form logs one contact, one confirmation DM; a retried
// command opens no second form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, waitUntil } from '../support/followups.js';
import { mapPool, openContactFormTemplate, reportFigure, seededRandom, stopwatch } from '../support/faults.js';
import { viewSubmission, type ModalValues } from '../support/slack-payloads.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const FORMS = 250;
const DELIVERIES_PER_FORM = 4;
const COMMANDS = 25;

const NEW: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-20',
  contact_time: '09:40',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['mental_health_treatment'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  follow_up_assignee: 'U0CASE1',
  notes: 'replay test note',
};

/** The same form for a client already known: no sex and age fields. */
const { sex: _sex, age_band: _ageBand, ...RETURNING } = NEW;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

/** The headers of one delivery: the first is the click, the others a double click or a retry. */
function deliveryHeaders(n: number, random: () => number): Record<string, string> | undefined {
  if (n === 0 || random() < 0.25) return undefined;
  return {
    'x-slack-retry-num': String(1 + Math.floor(random() * 3)),
    'x-slack-retry-reason': random() < 0.5 ? 'http_timeout' : 'http_error',
  };
}

describe('replayed submissions', () => {
  it('1,000 deliveries of 250 forms (double clicks, x-slack-retry-num 1–3) log 250 contacts and send 250 DMs', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    const form = await openContactFormTemplate(h, 'U0CLIN1');
    const random = seededRandom(6);
    // A few known clients first, so that some forms are for a client other forms also log.
    const seeds = await Promise.all(
      [1, 2, 3, 4, 5].map(async (i) => {
        const res = await h.interact(viewSubmission('U0CLIN1', form.asForm(`VSEED${i}`), NEW));
        expect(res.json).toEqual({ response_action: 'clear' });
        return prisma.contact.findFirstOrThrow({
          where: { idempotencyKey: `slack:VSEED${i}` },
          select: { client: { select: { id: true, code: true } } },
        });
      }),
    );
    // Each confirmation DM goes out after its form was answered: wait for the seeds' before counting.
    const savedDms = () =>
      h.slack.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Saved contact #')).length;
    await waitUntil(() => savedDms() === seeds.length || null, 10_000, "the seed forms' DMs");
    const dmsBefore = h.slack.callsTo('chat.postMessage').length;

    const forms = Array.from({ length: FORMS }, (_, i) => {
      const existing = i % 5 === 4 ? seeds[Math.floor(random() * seeds.length)]!.client : null;
      const values: ModalValues = existing
        ? {
            ...RETURNING,
            client: { value: existing.id, text: existing.code },
            follow_up_date: random() < 0.5 ? '2026-11-25' : undefined,
          }
        : NEW;
      return {
        opened: form.asForm(`VREPLAY${String(i).padStart(4, '0')}`),
        values,
        user: i % 3 === 0 ? 'U0CASE2' : 'U0CLIN1',
      };
    });
    const answers = await mapPool(forms, 8, async (f) => {
      const payload = viewSubmission(f.user, f.opened, f.values);
      // All four at once, a few milliseconds apart: the copies race inside carelog.
      return Promise.all(
        Array.from({ length: DELIVERIES_PER_FORM }, async (_, n) => {
          const headers = deliveryHeaders(n, random);
          await new Promise((r) => setTimeout(r, Math.floor(random() * 15)));
          const res = await h.interact(payload, headers);
          return { status: res.status, json: res.json, retry: headers?.['x-slack-retry-num'] ?? null };
        }),
      );
    });
    const deliveries = answers.flat();

    // Retried /contact commands: Slack redelivers the command; only the first opens the form.
    const opensBefore = h.slack.callsTo('views.open').length;
    await mapPool(
      Array.from({ length: COMMANDS }, (_, i) => i),
      5,
      async (i) => {
        const trigger = { 'x-slack-retry-reason': 'http_timeout' };
        const first = await h.command('U0CLIN1', '', {});
        expect(first.status).toBe(200);
        for (const n of [1, 2, 3])
          expect(
            (await h.command('U0CLIN1', '', { headers: { ...trigger, 'x-slack-retry-num': String(n) } })).status,
          ).toBe(200);
        return i;
      },
    );
    // The same for the replayed forms' DMs (a missing one fails below, after the wait).
    await waitUntil(() => savedDms() >= seeds.length + FORMS || null, 10_000, "the forms' DMs").catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    const opens = h.slack.callsTo('views.open').length - opensBefore;

    const contacts = await prisma.contact.findMany({
      where: { idempotencyKey: { startsWith: 'slack:VREPLAY' } },
      select: {
        id: true,
        number: true,
        idempotencyKey: true,
        followUpWanted: true,
        _count: { select: { followUps: true } },
      },
    });
    const keys = new Set(contacts.map((c) => c.idempotencyKey));
    const dmTexts = h.slack
      .callsTo('chat.postMessage')
      .slice(dmsBefore)
      .map((c) => String(c.args.text))
      .filter((t) => t.startsWith('Saved contact #'));
    const dmsPerContact = new Map<string, number>();
    for (const t of dmTexts) {
      const n = /^Saved contact #(\d+)/.exec(t)![1]!;
      dmsPerContact.set(n, (dmsPerContact.get(n) ?? 0) + 1);
    }
    const duplicateContacts = contacts.length - keys.size;
    const duplicateDms = [...dmsPerContact.values()].reduce((n, c) => n + c - 1, 0);
    const newClientForms = forms.filter((f) => f.values.client!.value === 'new').length;
    const clients = await prisma.client.count();
    const duplicates =
      duplicateContacts +
      duplicateDms +
      Math.max(0, contacts.length - FORMS) +
      Math.max(0, opens - COMMANDS) +
      Math.max(0, clients - newClientForms - seeds.length);
    const retried = deliveries.filter((d) => d.retry !== null).length;
    reportFigure({
      case: 'replayed submissions',
      figure: duplicates,
      unit: 'duplicate contacts, clients, DMs or forms',
      goal: '0',
      ok: duplicates === 0 && contacts.length === FORMS,
      of: { count: deliveries.length, unit: 'submissions' },
      durationMs: elapsed(),
      details: {
        forms: FORMS,
        withRetryHeader: retried,
        doubleClicks: deliveries.length - retried - FORMS,
        contacts: contacts.length,
        dms: dmTexts.length,
        commandRetries: COMMANDS * 3,
        formsOpened: opens,
      },
    });

    expect(deliveries).toHaveLength(1_000);
    expect(retried).toBeGreaterThan(500);
    for (const d of deliveries) expect(d).toMatchObject({ status: 200, json: { response_action: 'clear' } });
    expect(contacts).toHaveLength(FORMS);
    expect(keys.size).toBe(FORMS);
    expect(clients).toBe(newClientForms + seeds.length);
    // Every contact asking for a follow-up has one; the numbers have no gaps (no half-used counter).
    for (const c of contacts) expect(c._count.followUps).toBe(c.followUpWanted ? 1 : 0);
    const numbers = (await prisma.contact.findMany({ select: { number: true }, orderBy: { number: 'asc' } })).map(
      (c) => c.number,
    );
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(await prisma.auditEvent.count({ where: { action: 'contact.create' } })).toBe(FORMS + seeds.length);
    expect(dmTexts).toHaveLength(FORMS);
    expect(duplicateDms).toBe(0);
    expect(opens).toBe(COMMANDS);
    expect(duplicates).toBe(0);
  });
});
