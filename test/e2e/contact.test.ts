// /contact end to end: Slack-signed requests into the real server, Web API calls out to the local
// fake Slack, rows in a real Postgres database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionBody, sendSignedRequest, signSlackRequest, slashCommandBody } from '../support/slack-requests.js';
import { startHarness, SIGNING_SECRET, type Harness } from '../support/harness.js';
import {
  clientChosenAction,
  clientSuggestion,
  modalButtonAction,
  viewSubmission,
  type ModalValues,
  type OpenedView,
} from '../support/slack-payloads.js';
import { openNotes } from '../../src/services/contacts.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-NOTE-7f3a9 Jane Roe said she hears voices';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW });
});
afterAll(async () => {
  await h?.stop();
});

async function openForm(userId: string, text = ''): Promise<OpenedView> {
  const before = h.slack.calls.length;
  const res = await h.command(userId, text);
  expect(res.status).toBe(200);
  const call = await h.slack.waitFor('views.open', before);
  const view = call.args.view as Record<string, unknown>;
  return { id: `V${before}${Date.now()}`, hash: 'h1', view };
}

function blockIds(view: Record<string, unknown>): string[] {
  return (view.blocks as { block_id: string }[]).map((b) => b.block_id);
}

const GOOD: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-20',
  contact_time: '09:40',
  source: 'call_for_service',
  services: ['crisis_services', 'de_escalation'],
  referrals: ['addiction_treatment', 'mental_health_treatment'],
  disposition: 'resolved_on_scene',
  incident_ref: 'CAD-2026-11831',
  minutes_on_scene: '45',
  follow_up_date: '2026-11-24',
  notes: CANARY,
};

describe('/contact', () => {
  let submitted: OpenedView;

  it('acknowledges and opens the form for a clinician, without sex and age until a new client is chosen', async () => {
    const opened = await openForm('U0CLIN1');
    expect(opened.view.callback_id).toBe('contact_form');
    const ids = blockIds(opened.view);
    expect(ids).toContain('client');
    expect(ids).toContain('source');
    expect(ids).not.toContain('sex');
    const call = h.slack.callsTo('views.open').at(-1)!;
    expect(call.args.trigger_id).toMatch(/trigger/);
    expect(call.token).toBe('xoxb-test-token');
    // Defaults: now in the program's time zone; "Follow-up by" empty until a client is known (an
    // empty box means the client's case manager).
    const blocks = opened.view.blocks as { block_id: string; element: Record<string, unknown> }[];
    expect(blocks.find((b) => b.block_id === 'contact_date')!.element.initial_date).toBe('2026-11-20');
    expect(blocks.find((b) => b.block_id === 'contact_time')!.element.initial_time).toBe('10:00');
    expect(blocks.find((b) => b.block_id === 'follow_up_assignee')!.element.initial_user).toBeUndefined();
  });

  it('offers "New client" in the typeahead and reshapes the form when it is chosen', async () => {
    const opened = await openForm('U0CLIN1');
    const res = await h.interact(clientSuggestion('U0CLIN1', opened, ''));
    expect(res.status).toBe(200);
    expect((res.json as { options: { value: string }[] }).options[0]!.value).toBe('new');

    const before = h.slack.calls.length;
    const act = await h.interact(
      clientChosenAction('U0CLIN1', opened, {
        client: { value: 'new', text: '➕ New client' },
        source: 'self_referral',
        incident_ref: 'CAD-2026-77',
        notes: CANARY,
      }),
    );
    expect(act.status).toBe(200);
    const update = await h.slack.waitFor('views.update', before);
    expect(update.args.view_id).toBe(opened.id);
    expect(update.args.hash).toBe(opened.hash);
    const view = update.args.view as Record<string, unknown>;
    expect(blockIds(view)).toEqual(expect.arrayContaining(['sex', 'age_band']));
    // What was already chosen is kept.
    const source = (view.blocks as { block_id: string; element: { initial_option?: { value: string } } }[]).find(
      (b) => b.block_id === 'source',
    );
    expect(source!.element.initial_option!.value).toBe('self_referral');
    // The notes and CAD number typed so far are not sent back: Slack keeps them in the unchanged inputs.
    expect(update.raw).not.toContain('CANARY');
    expect(update.raw).not.toContain('CAD-2026-77');
    const notes = (view.blocks as { block_id: string; element: { action_id: string; initial_value?: string } }[]).find(
      (b) => b.block_id === 'notes',
    );
    expect(notes!.element).toMatchObject({ action_id: 'notes' });
    expect(notes!.element.initial_value).toBeUndefined();
  });

  it('returns errors beside the fields and stores nothing when the form is incomplete', async () => {
    // The form as the person filled it: "New client" chosen and "More details" shown.
    const first = await openForm('U0CLIN1');
    let before = h.slack.calls.length;
    await h.interact(clientChosenAction('U0CLIN1', first, { client: GOOD.client! }));
    const shaped = {
      ...first,
      view: (await h.slack.waitFor('views.update', before)).args.view as Record<string, unknown>,
    };
    before = h.slack.calls.length;
    await h.interact(modalButtonAction('U0CLIN1', shaped, 'contact_more_details', { client: GOOD.client! }));
    const opened = {
      ...first,
      view: (await h.slack.waitFor('views.update', before)).args.view as Record<string, unknown>,
    };
    const res = await h.interact(
      viewSubmission('U0CLIN1', opened, { ...GOOD, source: undefined, sex: undefined, minutes_on_scene: '-5' }),
    );
    expect(res.status).toBe(200);
    const body = res.json as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['minutes_on_scene', 'sex', 'source']);
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(0);
  });

  it('stores a valid contact once, encrypted, audited, and confirms by DM without clinical content', async () => {
    submitted = await openForm('U0CLIN1');
    const dmBefore = h.slack.callsTo('chat.postMessage').length;
    const res = await h.interact(viewSubmission('U0CLIN1', submitted, GOOD));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'clear' });

    const prisma = h.carelog.deps.db.prisma;
    const contacts = await prisma.contact.findMany({ include: { client: true, followUps: true } });
    expect(contacts).toHaveLength(1);
    const c = contacts[0]!;
    expect(c.client.code).toBe('PIC-0001');
    expect(c.client.sex).toBe('female');
    expect(c.client.ageBand).toBe('25-59');
    expect(c.number).toBe(1);
    expect(c.occurredAt.toISOString()).toBe('2026-11-20T14:40:00.000Z');
    expect(c.services).toEqual(['crisis_services', 'de_escalation']);
    expect(c.minutesOnScene).toBe(45);
    expect(c.incidentRef).toBe('CAD-2026-11831');
    expect(c.notesCiphertext).toBeTruthy();
    expect(c.notesCiphertext).not.toContain('CANARY');
    expect(c.notesKeyId).toBe(h.carelog.deps.keyring.currentKeyId);
    expect(openNotes(h.carelog.deps.keyring, { programId: 'wilmington', contactId: c.id }, c.notesCiphertext!)).toBe(
      CANARY,
    );
    // Follow-up at the program's nudge hour, 09:00 New York time, assigned to the case manager.
    expect(c.followUps).toHaveLength(1);
    expect(c.followUps[0]!.dueAt.toISOString()).toBe('2026-11-24T14:00:00.000Z');
    const caseManager = await prisma.member.findFirst({ where: { platformUserId: 'U0CASE1' } });
    expect(c.followUps[0]!.assigneeId).toBe(caseManager!.id);

    const audit = await prisma.auditEvent.findMany({
      where: { NOT: { action: { startsWith: 'roster.' } } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'client.create',
      'contact.create',
      'followup.create',
      // One referral record per referral category chosen (two here).
      'referral.create',
      'referral.create',
    ]);
    const author = await prisma.member.findFirst({ where: { platformUserId: 'U0CLIN1' } });
    expect(new Set(audit.map((a) => a.actorId))).toEqual(new Set([author!.id]));

    const dm = await h.slack.waitFor('chat.postMessage', 0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(dmBefore + 1);
    expect(dm.args.channel).toBe('U0CLIN1');
    expect(dm.args.text).toContain('PIC-0001');
    expect(dm.args.text).toContain('#1');
    expect(dm.args.text).toContain('Tue, Nov 24, 2026');
    expect(dm.args.text).not.toMatch(/addiction|mental|treatment/i);
  });

  it('never writes a second contact for a Slack retry or a double submit of the same form', async () => {
    const dms = h.slack.callsTo('chat.postMessage').length;
    const retries = await Promise.all([
      h.interact(viewSubmission('U0CLIN1', submitted, GOOD), {
        'x-slack-retry-num': '1',
        'x-slack-retry-reason': 'http_timeout',
      }),
      h.interact(viewSubmission('U0CLIN1', submitted, GOOD)),
      h.interact(viewSubmission('U0CLIN1', submitted, GOOD)),
    ]);
    for (const r of retries) expect(r.json).toEqual({ response_action: 'clear' });
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(1);
    expect(await h.carelog.deps.db.prisma.client.count()).toBe(1);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(dms);
  });

  it('opens with the client chosen for /contact PIC-0001, and says so for an unknown code', async () => {
    const known = await openForm('U0CLIN1', 'pic-1');
    const client = (
      known.view.blocks as { block_id: string; element: { initial_option?: { text: { text: string } } } }[]
    ).find((b) => b.block_id === 'client');
    expect(client!.element.initial_option!.text.text).toBe('PIC-0001');
    const reads = await h.carelog.deps.db.prisma.auditEvent.count({ where: { action: 'client.read' } });
    expect(reads).toBe(1);

    const unknown = await openForm('U0CLIN1', 'PIC-9999');
    const notice = (unknown.view.blocks as { block_id: string; text?: { text: string } }[]).find(
      (b) => b.block_id === 'notice',
    );
    expect(notice!.text!.text).toContain('No client PIC-9999');
  });

  it('a second contact for a known client meets its pending follow-up', async () => {
    const opened = await openForm('U0CLIN1', 'PIC-0001');
    const client = await h.carelog.deps.db.prisma.client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const res = await h.interact(
      viewSubmission('U0CLIN1', opened, {
        client: { value: client.id, text: 'PIC-0001' },
        contact_date: '2026-11-20',
        contact_time: '09:55',
        source: 'proactive_outreach',
        disposition: 'referral_only',
      }),
    );
    expect(res.json).toEqual({ response_action: 'clear' });
    const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow();
    expect(followUp.status).toBe('done');
    const second = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({ where: { number: 2 } });
    expect(followUp.metByContactId).toBe(second.id);
  });

  it('a back-dated contact whose follow-up a later contact already met says so instead of promising it', async () => {
    const opened = await openForm('U0CLIN1', 'PIC-0001');
    const client = await h.carelog.deps.db.prisma.client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const before = h.slack.calls.length;
    const res = await h.interact(
      viewSubmission('U0CLIN1', opened, {
        client: { value: client.id, text: 'PIC-0001' },
        contact_date: '2026-11-19',
        contact_time: '16:00',
        source: 'proactive_outreach',
        disposition: 'referral_only',
        follow_up_date: '2026-11-23',
      }),
    );
    expect(res.json).toEqual({ response_action: 'clear' });
    const dm = await h.slack.waitFor('chat.postMessage', before);
    expect(dm.args.channel).toBe('U0CLIN1');
    // Contact #1, on 20 November, came after this one: it met the follow-up as the save wrote it.
    expect(dm.args.text).toBe(
      'Saved contact #3 with PIC-0001. The follow-up for Mon, Nov 23, 2026 is already met by the contact of Fri, Nov 20, 2026.',
    );
    expect(dm.args.text).not.toMatch(/Follow-up on/);
    const contact = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({ where: { number: 3 } });
    const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow({
      where: { originContactId: contact.id },
    });
    const first = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({ where: { number: 1 } });
    expect([followUp.status, followUp.metByContactId]).toEqual(['done', first.id]);
  });

  it('keeps each program to its own clients in the typeahead', async () => {
    const opened = await openForm('U0CLIN1');
    const own = await h.interact(clientSuggestion('U0CLIN1', opened, 'PIC'));
    expect((own.json as { options: { text: { text: string } }[] }).options.map((o) => o.text.text)).toContain(
      'PIC-0001',
    );
    const other = await h.interact(clientSuggestion('U0DOVC1', opened, '', 'T0OTHER'));
    const labels = (other.json as { options: { text: { text: string } }[] }).options.map((o) => o.text.text);
    expect(labels).not.toContain('PIC-0001');
    expect(labels).toContain('➕ New client');
  });

  it('politely refuses people who are not on the roster, storing and showing nothing', async () => {
    const before = h.slack.calls.length;
    const res = await h.command('U0STRANGER');
    expect(res.status).toBe(200);
    expect((res.json as { text: string; response_type: string }).response_type).toBe('ephemeral');
    expect((res.json as { text: string }).text).toMatch(/Only members of your co-responder team/);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.calls.slice(before).filter((c) => c.method === 'views.open')).toHaveLength(0);

    const leader = await h.command('U0LEAD1');
    expect((leader.json as { response_type: string }).response_type).toBe('ephemeral');

    const contacts = await h.carelog.deps.db.prisma.contact.count();
    const forged = await h.interact(viewSubmission('U0STRANGER', submitted, { ...GOOD, notes: 'x' }));
    expect((forged.json as { response_action: string }).response_action).toBe('errors');
    const typeahead = await h.interact(clientSuggestion('U0STRANGER', submitted, 'PIC'));
    expect((typeahead.json as { options: unknown[] }).options).toEqual([]);
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(contacts);
  });

  it('rejects bad signatures, stale or future timestamps and wrong content types', async () => {
    const body = 'command=%2Fcontact&user_id=U0CLIN1&team_id=T0TEST&trigger_id=1.2.3&text=';
    const now = Math.floor(Date.now() / 1000);
    const send = (headers: Record<string, string>) =>
      fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      }).then((r) => r.status);
    expect(
      await send({
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': signSlackRequest('wrong-secret', body, now),
      }),
    ).toBe(401);
    // Past the five minutes either side by a margin: `now` was read before the requests, and a busy
    // machine can take seconds to send them.
    expect(
      await send({
        'x-slack-request-timestamp': String(now - 301),
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, body, now - 301),
      }),
    ).toBe(401);
    expect(
      await send({
        'x-slack-request-timestamp': String(now + 330),
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, body, now + 330),
      }),
    ).toBe(401);
    expect(await send({})).toBe(401);
    // A signature over a different body.
    expect(
      await send({
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': signSlackRequest(SIGNING_SECRET, `${body}x`, now),
      }),
    ).toBe(401);
    const wrongType = await sendSignedRequest({
      url: h.url,
      signingSecret: SIGNING_SECRET,
      body,
      contentType: 'text/plain',
    });
    expect(wrongType.status).toBe(400);
    const huge = await sendSignedRequest({
      url: h.url,
      signingSecret: SIGNING_SECRET,
      body: `text=${'a'.repeat(1_100_000)}`,
    });
    expect(huge.status).toBe(413);
    // And a correct one still works.
    const ok = await sendSignedRequest({ url: h.url, signingSecret: SIGNING_SECRET, body: `${body}&channel_id=C1` });
    expect(ok.status).toBe(200);
  });

  it('answers signed bodies that no Slack request looks like with 400, never a 500', async () => {
    const signed = (body: string, contentType = 'application/x-www-form-urlencoded') =>
      sendSignedRequest({ url: h.url, signingSecret: SIGNING_SECRET, body, contentType });
    const user = { id: 'U0CLIN1', team_id: 'T0TEST' };
    const team = { id: 'T0TEST' };
    const malformed = [
      interactionBody({
        type: 'block_actions',
        user: null,
        team,
        actions: [{ type: 'button', action_id: 'nudge_done', value: 'x' }],
      }),
      interactionBody({ type: 'block_actions', user, team, actions: { 0: 'x' } }),
      interactionBody({
        type: 'block_actions',
        user,
        team,
        actions: [{ type: 'static_select', action_id: 'nudge_snooze', selected_option: { value: 42 } }],
      }),
      interactionBody({ type: 'view_submission', user, team }),
      interactionBody({ type: 'block_suggestion', team, action_id: 'client', block_id: 'client', value: '' }),
      slashCommandBody({ command: '/contact', teamId: 'toString', userId: 'U0CLIN1' }),
      slashCommandBody({ command: '/contact', teamId: '__proto__', userId: 'U0CLIN1' }),
    ];
    for (const body of malformed) expect(await signed(body)).toMatchObject({ status: 400, text: 'malformed body' });
    expect(
      await signed(
        JSON.stringify({
          type: 'event_callback',
          team_id: 'T0TEST',
          event: { type: 'app_home_opened', user: 'U0CLIN1', channel: 7 },
        }),
        'application/json',
      ),
    ).toMatchObject({ status: 400 });
    // Kinds Bolt does not route are still answered, as before.
    expect((await signed(JSON.stringify({ type: 'something_new' }), 'application/json')).status).toBe(200);
    expect((await signed('ssl_check=1&token=x')).status).toBe(200);
  });

  it('reports health only when the database, Redis and Slack answer', async () => {
    const res = await fetch(`http://127.0.0.1:${h.carelog.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok', slack: 'ok' });
  });

  it('never lets the canary note out: not to Slack, not to a log line', () => {
    expect(h.slack.calls.length).toBeGreaterThan(5);
    for (const call of h.slack.calls) expect(call.raw).not.toContain('CANARY');
    // The capture works: the contact was logged, by id and code only.
    expect(h.logs.some((l) => l.includes('"msg":"contact logged"') && l.includes('PIC-0001'))).toBe(true);
    for (const line of h.logs) {
      expect(line).not.toContain('CANARY');
      expect(line).not.toContain('Jane Roe');
    }
  });
});
