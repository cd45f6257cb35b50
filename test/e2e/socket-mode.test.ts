// Socket Mode end to end: with SLACK_APP_TOKEN set, carelog opens a WebSocket to the fake Slack
// (apps.connections.open, then hello), takes envelopes over it and acks them there; Web API calls
// still go out over HTTP, and rows land in a real Postgres database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_ON_ROSTER } from '../../src/services/contact-flow.js';
import type { SocketConnection } from '../../src/platforms/slack/simulator.js';
import { sendSignedRequest, slashCommandBody, slashCommandPayload } from '../support/slack-requests.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { viewSubmission, type ModalValues, type OpenedView } from '../support/slack-payloads.js';

const APP_TOKEN = 'xapp-1-test';
// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-NOTE-51c0e over the socket';

const GOOD: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'male',
  age_band: '25-59',
  contact_date: '2026-11-20',
  contact_time: '09:30',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: [],
  disposition: 'resolved_on_scene',
  notes: CANARY,
};

let h: Harness;
let stopped = false;
let connection: SocketConnection;
beforeAll(async () => {
  // Trace level: the Socket Mode client's own debug lines (every envelope, whole) are written too.
  h = await startHarness({ now: () => NOW, env: { SLACK_APP_TOKEN: APP_TOKEN, LOG_LEVEL: 'trace' } });
  connection = await h.slack.waitForSocketConnection();
});
afterAll(async () => {
  if (!stopped) await h?.stop();
});

const contactCommand = (userId: string, triggerId = `${Date.now()}.9.trigger`) =>
  slashCommandPayload({ command: '/contact', teamId: TEAM, userId, triggerId });

async function openForm(userId: string): Promise<OpenedView> {
  const before = h.slack.calls.length;
  const ack = await h.slack.sendSocketEnvelope('slash_commands', contactCommand(userId));
  // An empty ack: nothing for Slack to show in the channel.
  expect(ack.payload).toEqual({});
  const call = await h.slack.waitFor('views.open', before);
  return { id: `V${before}${Date.now()}`, hash: 'h1', view: call.args.view as Record<string, unknown> };
}

describe('Socket Mode', () => {
  it('connects with the app-level token and keeps the bot token for the Web API', () => {
    const opens = h.slack.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.token).toBe(APP_TOKEN);
    expect(connection.appToken).toBe(APP_TOKEN);
    expect(connection.isOpen()).toBe(true);
    expect(h.slack.callsTo('auth.test').map((c) => c.token)).toEqual(['xoxb-test-token']);
  });

  it('acks /contact from a clinician over the socket and opens the form', async () => {
    const before = h.slack.calls.length;
    const opened = await openForm('U0CLIN1');
    expect(opened.view.callback_id).toBe('contact_form');
    const call = h.slack.calls.slice(before).find((c) => c.method === 'views.open')!;
    expect(call.token).toBe('xoxb-test-token');
    expect(call.args.trigger_id).toMatch(/\.9\.trigger$/);
  });

  it("answers an outsider's /contact in the ack itself, and opens nothing", async () => {
    const before = h.slack.calls.length;
    const ack = await h.slack.sendSocketEnvelope('slash_commands', contactCommand('U0STRANGER', 'outsider.trigger'));
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: NOT_ON_ROSTER });
    // The ack goes out the moment the listener calls ack(), so it proves nothing about what the
    // listener does next. A clinician's /contact sent after it is the barrier: its form is opened
    // by the same code path, so a form for the outsider would have been opened first.
    await h.slack.sendSocketEnvelope('slash_commands', contactCommand('U0CLIN1', 'barrier.trigger'));
    await h.slack.waitFor('views.open', before);
    const opened = h.slack.calls.slice(before).filter((c) => c.method === 'views.open');
    expect(opened.map((c) => c.args.trigger_id)).toEqual(['barrier.trigger']);
  });

  it('acks a valid new-client submission with clear and stores exactly one contact', async () => {
    const opened = await openForm('U0CLIN1');
    const ack = await h.slack.sendSocketEnvelope('interactive', viewSubmission('U0CLIN1', opened, GOOD));
    expect(ack.payload).toEqual({ response_action: 'clear' });

    const contacts = await h.carelog.deps.db.prisma.contact.findMany({ include: { client: true } });
    expect(contacts).toHaveLength(1);
    expect(contacts[0]!.client.code).toBe('PIC-0001');
    expect(contacts[0]!.client.sex).toBe('male');
    expect(contacts[0]!.occurredAt.toISOString()).toBe('2026-11-20T14:30:00.000Z');

    // Slack redelivers an envelope it thinks went unacked; the same form never logs twice.
    const retry = await h.slack.sendSocketEnvelope('interactive', viewSubmission('U0CLIN1', opened, GOOD), {
      retryAttempt: 1,
      retryReason: 'timeout',
    });
    expect(retry.payload).toEqual({ response_action: 'clear' });
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(1);
  });

  it('acks every envelope it was sent, each once, over the one connection', () => {
    const ids = h.slack.socketAcks.map((a) => a.envelope_id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(ids.length);
    expect(h.slack.socketConnections).toHaveLength(1);
  });

  it('still answers /healthz on the HTTP port, and takes no Slack events over HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' });

    const before = h.slack.calls.length;
    const viaHttp = await sendSignedRequest({
      url: h.url,
      signingSecret: SIGNING_SECRET,
      body: slashCommandBody({ command: '/contact', teamId: TEAM, userId: 'U0CLIN1' }),
    });
    expect(viaHttp.status).toBe(404);
    expect(h.slack.calls.slice(before)).toHaveLength(0);
  });

  it('never lets the note out: not to Slack, not to a log line', () => {
    // The capture works: carelog's own line and the socket client's trace line are both there.
    expect(h.logs.some((l) => l.includes('"msg":"contact logged"'))).toBe(true);
    expect(h.logs.some((l) => l.includes('Received a message on the WebSocket: [payload omitted]'))).toBe(true);
    for (const call of h.slack.calls) expect(call.raw).not.toContain('CANARY');
    for (const line of h.logs) expect(line).not.toContain('CANARY');
  });

  it('closes the socket with a normal closure when carelog stops', async () => {
    expect(connection.isOpen()).toBe(true);
    // The fake Slack stops right after carelog does and cuts whatever is still open (code 1006),
    // so 1000 means carelog sent its close frame before its stop() returned.
    stopped = true;
    await h.stop();
    const closed = await Promise.race([
      connection.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('socket still open 5 s after stop')), 5_000).unref(),
      ),
    ]);
    expect(closed.code).toBe(1000);
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);
  });
});
