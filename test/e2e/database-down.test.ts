// A database outage while someone is filling in the form: the save fails with a message beside the
// form (Slack keeps what was typed when it gets errors), nothing clinical reaches the logs, health
// says so, and pressing Save again once Postgres is back stores the contact exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAVE_FAILED } from '../../src/services/contact-flow.js';
import { startHarness, type Harness } from '../support/harness.js';
import { allowConnections, refuseConnections } from '../support/postgres.js';
import { viewSubmission, type ModalValues, type OpenedView } from '../support/slack-payloads.js';
import { openNotes } from '../../src/services/contacts.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-DBDOWN-51c2e Jane Roe said she hears voices';

const GOOD: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'male',
  age_band: '18-24',
  contact_date: '2026-11-20',
  contact_time: '09:30',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['mental_health_treatment'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  notes: CANARY,
};

let h: Harness;
let dbName: string;

async function health(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`);
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  h = await startHarness({ now: () => NOW });
  dbName = new URL(h.carelog.deps.config.env.DATABASE_URL!).pathname.slice(1);
  expect(dbName).toMatch(/^carelog_test_[0-9a-f]+$/);
});
afterAll(async () => {
  // Whatever happened above, let the harness close and drop its database.
  if (dbName) await allowConnections(dbName);
  await h?.stop();
});

describe('saving a contact while the database is down', () => {
  let opened: OpenedView;

  it('answers with an error beside the form, logs ids only, and reports unhealthy', async () => {
    const before = h.slack.calls.length;
    const res = await h.command('U0CLIN1');
    expect(res.status).toBe(200);
    const call = await h.slack.waitFor('views.open', before);
    opened = { id: `VDOWN${Date.now()}`, hash: 'h1', view: call.args.view as Record<string, unknown> };
    expect(await health()).toEqual({ status: 200, body: { status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' } });

    await refuseConnections(dbName);
    const logsBefore = h.logs.length;
    const dmsBefore = h.slack.callsTo('chat.postMessage').length;
    const submit = await h.interact(viewSubmission('U0CLIN1', opened, GOOD));
    expect(submit.status).toBe(200);
    expect(submit.json).toEqual({ response_action: 'errors', errors: { client: SAVE_FAILED } });
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(dmsBefore);

    const failures = h.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'saving a contact failed');
    expect(failures).toHaveLength(1);
    const line = failures[0]!;
    const author = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CLIN1')!;
    expect(line).toMatchObject({ level: 50, programId: 'wilmington', memberId: author.memberId });
    // Identifiers and an error's name, code and stack frames; nothing else.
    expect(Object.keys(line).sort()).toEqual([
      'err',
      'hostname',
      'level',
      'memberId',
      'msg',
      'name',
      'pid',
      'programId',
      'time',
    ]);
    expect(
      Object.keys(line.err as object).every((k) => k === 'name' || k === 'code' || k === 'stack' || k === 'cause'),
    ).toBe(true);
    expect((line.err as { stack: string }).stack).toMatch(/^\w+: \[hidden\]\n\s+at /);

    expect(await health()).toEqual({
      status: 503,
      body: { status: 'unavailable', database: 'down', redis: 'ok', slack: 'ok' },
    });
  });

  it('stores the contact exactly once when Save is pressed again after the database is back', async () => {
    await allowConnections(dbName);
    expect(await health()).toEqual({ status: 200, body: { status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' } });

    const dmsBefore = h.slack.callsTo('chat.postMessage').length;
    const callsBefore = h.slack.calls.length;
    const again = await h.interact(viewSubmission('U0CLIN1', opened, GOOD));
    expect(again.json).toEqual({ response_action: 'clear' });
    // A Slack retry of that same submission changes nothing.
    const retry = await h.interact(viewSubmission('U0CLIN1', opened, GOOD), {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.json).toEqual({ response_action: 'clear' });

    const prisma = h.carelog.deps.db.prisma;
    const contacts = await prisma.contact.findMany({ include: { client: true, followUps: true } });
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.number).toBe(1);
    expect(contacts[0]!.client.code).toBe('PIC-0001');
    expect(contacts[0]!.followUps).toHaveLength(1);
    expect(contacts[0]!.idempotencyKey).toBe(`slack:${opened.id}`);
    expect(
      openNotes(
        h.carelog.deps.keyring,
        { programId: 'wilmington', contactId: contacts[0]!.id },
        contacts[0]!.notesCiphertext!,
      ),
    ).toBe(CANARY);
    expect(await prisma.client.count()).toBe(1);
    expect(await prisma.auditEvent.count({ where: { action: 'contact.create' } })).toBe(1);
    // The failed attempt consumed no numbers.
    expect(
      await prisma.program.findUniqueOrThrow({
        where: { id: 'wilmington' },
        select: { nextClientNumber: true, nextContactNumber: true },
      }),
    ).toEqual({
      nextClientNumber: 2,
      nextContactNumber: 2,
    });

    const dm = await h.slack.waitFor('chat.postMessage', callsBefore);
    expect(dm.args.text).toContain('PIC-0001');
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(dmsBefore + 1);
  });

  it('never lets the canary note out: not to Slack, not to a log line', () => {
    expect(h.logs.some((l) => l.includes('"msg":"saving a contact failed"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"msg":"contact logged"'))).toBe(true);
    for (const line of h.logs) {
      expect(line).not.toContain('CANARY');
      expect(line).not.toContain('Jane Roe');
    }
    for (const call of h.slack.calls) expect(call.raw).not.toContain('CANARY');
  });
});
