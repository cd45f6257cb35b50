// The contact form on Teams, end to end: Bot Framework activities POSTed to /api/messages exactly as
// Teams sends them (each with a Bot Framework token the fake's keys sign), Bot Connector calls out
// to the fake at the service URL (each with the bot's token from the fake Entra endpoint), rows in
// a real Postgres database. A program on Teams alone: no Slack credentials, no Slack endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_SCOPE, cardOf, inputsOf, pressAction, textsOf } from '../support/fake-teams.js';
import { startTeamsHarness, T, TEAMS_APP_ID, TEAMS_TENANT, type TeamsHarness } from '../support/teams-harness.js';
import { openNotes } from '../../src/services/contacts.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');
const CANARY = 'CANARY-NOTE-4c1e9 Jane Roe said she hears voices';
const CARD = 'application/vnd.microsoft.card.adaptive';

type Card = NonNullable<ReturnType<typeof cardOf>>;
type CardResponse = { statusCode: number; type: string; value: Card | string };

let h: TeamsHarness;
/** Every answer carelog gave to an activity, for the privacy checks at the end. */
const answers: string[] = [];

beforeAll(async () => {
  // Trace level: the Teams SDK's own debug lines (it logs every activity, whole) are written too.
  h = await startTeamsHarness({ now: () => NOW, env: { LOG_LEVEL: 'trace' } });
});
afterAll(async () => {
  await h?.stop();
});

async function send(activity: Record<string, unknown>, opts?: { authorization?: string | null }) {
  const res = await h.send(activity, opts);
  answers.push(res.text);
  return res;
}

/** Writes "contact …" in the bot chat and returns the form card carelog sent back. */
async function openForm(user = T.clinician, text = 'contact'): Promise<Card> {
  const before = h.teams.calls.length;
  const res = await send(h.teams.message(user, text));
  expect(res.status).toBe(200);
  const call = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
  const card = cardOf(call.body);
  expect(card).toBeDefined();
  return card!;
}

/** Presses an Action.Execute on a card and returns carelog's adaptiveCard/action answer. */
async function press(
  card: Card,
  verb: string,
  values: Record<string, string | undefined> = {},
  user = T.clinician,
): Promise<CardResponse> {
  const res = await send(h.teams.cardAction(user, pressAction(card, verb, values)));
  expect(res.status).toBe(200);
  return res.json as CardResponse;
}

function responseCard(r: CardResponse): Card {
  expect(r.type).toBe(CARD);
  return r.value as Card;
}

const prisma = () => h.carelog.deps.db.prisma;

const GOOD = {
  client: 'new',
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-20',
  contact_time: '09:40',
  source: 'call_for_service',
  services: 'crisis_services,de_escalation',
  referrals: 'addiction_treatment,mental_health_treatment',
  disposition: 'resolved_on_scene',
  incident_ref: 'CAD-2026-11831',
  minutes_on_scene: '45',
  follow_up_date: '2026-11-24',
  notes: CANARY,
};

describe('the contact form on Teams', () => {
  let newClientForm: Card;
  let savedAction: { verb: string; data: Record<string, unknown> };

  it('answers "contact" in the bot chat with the form card, through the Connector, with the bot’s own token', async () => {
    const card = await openForm();
    const call = h.teams.callsOf('sendActivity').at(-1)!;
    expect(call.conversationId).toBe(h.teams.personalConversationId(T.clinician));
    // The reply was authenticated with a token the fake Entra endpoint issued for the bot.
    expect(h.teams.issuedTokens.has(call.authorization!.replace(/^Bearer /, ''))).toBe(true);
    expect(h.teams.tokenRequests[0]).toMatchObject({
      grant_type: 'client_credentials',
      client_id: TEAMS_APP_ID,
      scope: BOT_SCOPE,
      tenant: TEAMS_TENANT,
    });
    const inputs = inputsOf(card);
    expect(Object.keys(inputs)).toEqual(
      expect.arrayContaining([
        'client',
        'contact_date',
        'contact_time',
        'source',
        'services',
        'referrals',
        'disposition',
        'notes',
      ]),
    );
    expect(inputs).not.toHaveProperty('sex');
    expect(inputs).not.toHaveProperty('age_band');
    // Defaults: now in the program's time zone; "Follow-up by" empty until a client is known (an
    // empty box means the client's case manager).
    expect(inputs.contact_date!.value).toBe('2026-11-20');
    expect(inputs.contact_time!.value).toBe('10:00');
    expect(inputs.follow_up_assignee!.value).toBeUndefined();
    expect(inputs.client!['choices.data']).toEqual({ type: 'Data.Query', dataset: 'carelog.clients' });
  });

  it('stores the conversation reference the first message brought, for proactive nudges later', async () => {
    const ref = await prisma().conversationRef.findUniqueOrThrow({
      where: { platform_userId: { platform: 'teams', userId: T.clinician.aadObjectId } },
    });
    expect(ref).toMatchObject({
      address: T.clinician.id,
      tenantId: TEAMS_TENANT,
      conversationId: h.teams.personalConversationId(T.clinician),
    });
  });

  it('shows sex and age once "New client" is chosen, keeping what was already entered (a card refresh)', async () => {
    const card = await openForm();
    const answer = await press(card, 'contact_new_client', { source: 'self_referral', incident_ref: 'CAD-77' });
    newClientForm = responseCard(answer);
    const inputs = inputsOf(newClientForm);
    expect(inputs).toHaveProperty('sex');
    expect(inputs).toHaveProperty('age_band');
    expect(inputs.client!.value).toBe('new');
    expect(inputs.source!.value).toBe('self_referral');
    expect(inputs.incident_ref!.value).toBe('CAD-77');
    expect(inputs.contact_date!.value).toBe('2026-11-20');
    // It is the same form: the same form id travels on, so one form still logs one contact.
    expect(pressAction(newClientForm, 'contact_save').data.form).toBe(pressAction(card, 'contact_save').data.form);
  });

  it('offers "New client" first in the client typeahead (application/search)', async () => {
    const res = await send(h.teams.search(T.clinician, '', 'carelog.clients'));
    expect(res.status).toBe(200);
    const body = res.json as {
      statusCode: number;
      type: string;
      value: { results: { title: string; value: string }[] };
    };
    expect(body.type).toBe('application/vnd.microsoft.search.searchResponse');
    expect(body.value.results[0]).toEqual({ title: '➕ New client', value: 'new' });
  });

  it('answers a bad submission with errors beside their fields, everything kept but the notes, which stay sealed', async () => {
    const answer = await press(newClientForm, 'contact_save', {
      ...GOOD,
      source: undefined,
      sex: undefined,
      minutes_on_scene: '-5',
    });
    const card = responseCard(answer);
    const texts = textsOf(card);
    const errorIds = JSON.stringify(card)
      .match(/"id":"([a-z_]+)_error"/g)!
      .map((m) => m.slice(6, -7))
      .sort();
    expect(errorIds).toEqual(['minutes_on_scene', 'sex', 'source']);
    expect(texts.some((t) => /Choose how this contact came about/.test(t))).toBe(true);
    const inputs = inputsOf(card);
    expect(inputs.incident_ref!.value).toBe('CAD-2026-11831');
    expect(inputs.services!.value).toBe('crisis_services,de_escalation');
    expect(inputs.follow_up_date!.value).toBe('2026-11-24');
    expect(inputs.minutes_on_scene!.value).toBe(-5);
    // The notes are not in the card, only sealed in its action data, and the card says they are kept.
    expect(inputs.notes!.value).toBeUndefined();
    expect(JSON.stringify(card)).not.toContain('CANARY');
    expect(texts.some((t) => /Your notes \(\d+ characters\) are kept, encrypted/.test(t))).toBe(true);
    expect(typeof pressAction(card, 'contact_save').data.notes_sealed).toBe('string');
    expect(await prisma().contact.count()).toBe(0);

    // Fixing the fields and saving, with the notes box left empty, saves the notes typed before.
    savedAction = pressAction(card, 'contact_save', {
      source: 'call_for_service',
      sex: 'female',
      minutes_on_scene: '45',
      notes: undefined,
    });
    const saved = await send(h.teams.cardAction(T.clinician, savedAction));
    const confirmation = responseCard(saved.json as CardResponse);
    expect(textsOf(confirmation).join(' ')).toMatch(
      /Saved contact #1 with PIC-0001 \(new client\)\. Follow-up on Tue, Nov 24, 2026 by the client’s case manager\./,
    );
  });

  it('stored that contact once: encrypted notes, audited, the same confirmation Slack gives and nothing clinical in it', async () => {
    const contacts = await prisma().contact.findMany({ include: { client: true, followUps: true } });
    expect(contacts).toHaveLength(1);
    const c = contacts[0]!;
    expect(c.client.code).toBe('PIC-0001');
    expect(c.client.sex).toBe('female');
    expect(c.occurredAt.toISOString()).toBe('2026-11-20T14:40:00.000Z');
    expect(c.services).toEqual(['crisis_services', 'de_escalation']);
    expect(c.referrals).toEqual(['addiction_treatment', 'mental_health_treatment']);
    expect(c.incidentRef).toBe('CAD-2026-11831');
    expect(c.minutesOnScene).toBe(45);
    expect(c.idempotencyKey).toBe(`teams:${String(savedAction.data.form)}`);
    expect(c.notesCiphertext).not.toContain('CANARY');
    expect(openNotes(h.carelog.deps.keyring, { programId: 'wilmington', contactId: c.id }, c.notesCiphertext!)).toBe(
      CANARY,
    );
    const author = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.clinician.aadObjectId },
    });
    expect(c.authorId).toBe(author.id);
    const caseManager = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.caseManager.aadObjectId },
    });
    expect(c.followUps[0]!.assigneeId).toBe(caseManager.id);
    expect(c.followUps[0]!.dueAt.toISOString()).toBe('2026-11-24T14:00:00.000Z');
    const audit = await prisma().auditEvent.findMany({ where: { NOT: { action: { startsWith: 'roster.' } } } });
    expect(audit.map((a) => a.action).sort()).toEqual([
      'client.create',
      'contact.create',
      'followup.create',
      // One referral record per referral category chosen (two here).
      'referral.create',
      'referral.create',
    ]);
    expect(new Set(audit.map((a) => a.actorId))).toEqual(new Set([author.id]));
  });

  it('stores one contact however often Teams resends the submission, or the person presses Save again', async () => {
    const calls = h.teams.calls.length;
    const again = await Promise.all([1, 2, 3].map(() => send(h.teams.cardAction(T.clinician, savedAction))));
    for (const r of again)
      expect(textsOf(responseCard(r.json as CardResponse)).join(' ')).toMatch(/Saved contact #1 with PIC-0001/);
    expect(await prisma().contact.count()).toBe(1);
    expect(await prisma().client.count()).toBe(1);
    expect(h.teams.calls.length).toBe(calls);
    // Each repeat showed the confirmation (code, number, follow-up date) again: a read, audited.
    const contact = await prisma().contact.findFirstOrThrow();
    const author = await prisma().member.findFirstOrThrow({
      where: { platform: 'teams', platformUserId: T.clinician.aadObjectId },
    });
    expect(
      await prisma().auditEvent.findMany({
        where: { action: 'contact.read' },
        select: { actorId: true, entityType: true, entityId: true, clientIds: true },
      }),
    ).toEqual(
      [1, 2, 3].map(() => ({
        actorId: author.id,
        entityType: 'contact',
        entityId: contact.id,
        clientIds: [contact.clientId],
      })),
    );
  });

  it('opens with the client chosen for "contact pic-1" (an audited read), and says so for an unknown code', async () => {
    const client = await prisma().client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const known = await openForm(T.clinician, 'contact pic-1');
    const input = inputsOf(known).client!;
    expect(input.value).toBe(client.id);
    expect(input.choices).toContainEqual({ title: 'PIC-0001', value: client.id });
    expect(await prisma().auditEvent.count({ where: { action: 'client.read' } })).toBe(1);

    const unknown = await openForm(T.clinician, 'contact PIC-9999');
    expect(textsOf(unknown).some((t) => t.includes('No client PIC-9999 in Wilmington Partners in Care'))).toBe(true);
  });

  it('lists the program’s codes in the typeahead, and searches a category list by label', async () => {
    const res = await send(h.teams.search(T.clinician, 'PIC', 'carelog.clients'));
    const results = (res.json as { value: { results: { title: string }[] } }).value.results.map((r) => r.title);
    expect(results).toContain('PIC-0001');
    const services = await send(h.teams.search(T.clinician, 'crisis', 'carelog.category.services'));
    expect((services.json as { value: { results: unknown[] } }).value.results).toEqual([
      { title: 'Crisis services', value: 'crisis_services' },
    ]);
  });

  it('a second contact for a known client meets its pending follow-up', async () => {
    const client = await prisma().client.findFirstOrThrow({ where: { code: 'PIC-0001' } });
    const card = await openForm(T.clinician, 'contact PIC-0001');
    const saved = await press(card, 'contact_save', {
      contact_time: '09:55',
      source: 'proactive_outreach',
      disposition: 'referral_only',
    });
    expect(textsOf(responseCard(saved)).join(' ')).toMatch(
      /Saved contact #2 with PIC-0001\. This met the follow-up that was pending\./,
    );
    const followUp = await prisma().followUp.findFirstOrThrow({ where: { clientId: client.id } });
    expect(followUp.status).toBe('done');
  });

  it('closes the form on Cancel, storing nothing', async () => {
    const count = await prisma().contact.count();
    const card = await openForm();
    const answer = await press(card, 'contact_cancel');
    expect(textsOf(responseCard(answer)).join(' ')).toMatch(/Nothing was saved/);
    expect(await prisma().contact.count()).toBe(count);
  });

  it('refuses people who are not on the roster, storing and showing nothing, and keeps them out of the typeahead', async () => {
    const before = h.teams.calls.length;
    const res = await send(h.teams.message(T.outsider, 'contact'));
    expect(res.status).toBe(200);
    const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(reply.body.text).toMatch(/Only members of your co-responder team can log contacts/);
    expect(cardOf(reply.body)).toBeUndefined();
    expect(await prisma().conversationRef.count({ where: { userId: T.outsider.aadObjectId } })).toBe(0);

    const count = await prisma().contact.count();
    const forged = await send(h.teams.cardAction(T.outsider, savedAction));
    expect(forged.json).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringMatching(/Only members/),
    });
    const search = await send(h.teams.search(T.outsider, 'PIC', 'carelog.clients'));
    expect((search.json as { value: { results: unknown[] } }).value.results).toEqual([]);

    // A roster member's object id arriving from another tenant is not that member.
    const elsewhere = h.teams.cardAction(T.clinician, savedAction);
    (elsewhere.conversation as Record<string, unknown>).tenantId = '99999999-9999-4999-8999-999999999999';
    (elsewhere.channelData as Record<string, unknown>).tenant = { id: '99999999-9999-4999-8999-999999999999' };
    const foreign = await send(elsewhere);
    expect((foreign.json as CardResponse).type).toBe('application/vnd.microsoft.activity.message');
    expect(await prisma().contact.count()).toBe(count);
  });

  it('maps only Teams activities to roster members: another Bot Framework channel naming a member’s object id is nobody', async () => {
    const count = await prisma().contact.count();
    const audits = await prisma().auditEvent.count();
    const ref = await prisma().conversationRef.findUniqueOrThrow({
      where: { platform_userId: { platform: 'teams', userId: T.clinician.aadObjectId } },
    });
    for (const channelId of ['webchat', 'directline', 'emulator', 'MSTEAMS']) {
      const elsewhere = (a: Record<string, unknown>) => ({
        ...a,
        channelId,
        conversation: { ...(a.conversation as object), id: `a:1${channelId}-chat` },
      });
      const before = h.teams.calls.length;
      expect((await send(elsewhere(h.teams.message(T.clinician, 'contact PIC-0001')))).status).toBe(200);
      const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
      expect(String(reply.body.text)).toMatch(/Only members of your co-responder team/);
      expect(cardOf(reply.body)).toBeUndefined();
      const save = await send(elsewhere(h.teams.cardAction(T.clinician, savedAction)));
      expect(save.json).toEqual({
        statusCode: 200,
        type: 'application/vnd.microsoft.activity.message',
        value: expect.stringMatching(/Only members/),
      });
      const search = await send(elsewhere(h.teams.search(T.clinician, 'PIC', 'carelog.clients')));
      expect((search.json as { value: { results: unknown[] } }).value.results).toEqual([]);
    }
    // An activity naming no channel at all is not one (the SDK would take it for Teams').
    const { channelId: _channelId, ...unnamed } = h.teams.message(T.clinician, 'contact PIC-0001');
    expect((await send(unnamed)).status).toBe(400);
    expect(await prisma().contact.count()).toBe(count);
    expect(await prisma().auditEvent.count()).toBe(audits);
    // The member's 1:1 conversation is still the Teams one: nothing was remembered from elsewhere.
    expect(
      await prisma().conversationRef.findUniqueOrThrow({
        where: { platform_userId: { platform: 'teams', userId: T.clinician.aadObjectId } },
      }),
    ).toEqual(ref);
  });

  it('keeps forms and lists out of channels: a mention there gets a pointer to the private chat', async () => {
    const before = h.teams.calls.length;
    await send(h.teams.message(T.clinician, 'contact', { channel: '19:general@thread.tacv2' }));
    const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(reply.conversationId).toMatch(/^19:general@thread\.tacv2/);
    expect(String(reply.body.text)).toMatch(/private chat/);
    expect(cardOf(reply.body)).toBeUndefined();
  });

  it('answers anything else with what it does, in plain words', async () => {
    const before = h.teams.calls.length;
    await send(h.teams.message(T.clinician, 'hello'));
    const reply = await h.teams.waitFor((c) => c.kind === 'sendActivity', before);
    expect(String(reply.body.text)).toMatch(/\*\*contact\*\*: log a contact/);
  });

  it('opens one form for a message Teams delivers twice (the same activity id)', async () => {
    const before = h.teams.calls.length;
    const activity = h.teams.message(T.clinician, 'contact');
    expect((await send(activity)).status).toBe(200);
    expect((await send(activity)).status).toBe(200);
    expect(h.teams.calls.slice(before).filter((c) => c.kind === 'sendActivity')).toHaveLength(1);
  });

  it('rejects activities without a valid Bot Framework token, doing nothing', async () => {
    const calls = h.teams.calls.length;
    const logsBefore = h.logs.length;
    const contacts = await prisma().contact.count();
    const activity = () => h.teams.message(T.clinician, 'contact');
    const serviceUrl = h.teams.serviceUrl;
    const bearer = (t: string) => `Bearer ${t}`;
    expect((await send(activity(), { authorization: null })).status).toBe(401);
    expect(
      (
        await send(activity(), {
          authorization: bearer(h.teams.inboundToken(serviceUrl, {}, h.teams.untrusted.privateKey)),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await send(activity(), {
          authorization: bearer(h.teams.inboundToken(serviceUrl, { aud: '11111111-2222-4333-8444-555555555555' })),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await send(activity(), {
          authorization: bearer(h.teams.inboundToken(serviceUrl, { exp: Math.floor(Date.now() / 1000) - 3600 })),
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await send(activity(), {
          authorization: bearer(h.teams.inboundToken(serviceUrl, { iss: 'https://sts.windows.net/evil/' })),
        })
      ).status,
    ).toBe(401);
    // A token for another service URL: replies would go somewhere Teams did not vouch for.
    expect(
      (await send(activity(), { authorization: bearer(h.teams.inboundToken('https://evil.example/teams')) })).status,
    ).toBe(401);
    const save = h.teams.cardAction(T.clinician, savedAction);
    expect((await send(save, { authorization: 'Bearer not-a-jwt' })).status).toBe(401);
    // Someone else's bad request: a warning each, never an error-level line (pino level 50).
    const refusedLines = h.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; msg: string });
    const refusedWarnings = refusedLines.filter((l) => l.msg.startsWith('a Teams request was refused'));
    expect(refusedWarnings.length).toBeGreaterThanOrEqual(6);
    expect(new Set(refusedWarnings.map((l) => l.level))).toEqual(new Set([40]));
    expect(refusedLines.filter((l) => l.level >= 50)).toEqual([]);
    // Transport checks before the SDK, once the token is good: JSON only, size-limited.
    const token = `Bearer ${h.teams.inboundToken(serviceUrl)}`;
    const raw = (body: string, type = 'application/json', authorization: string | null = token) =>
      fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': type, ...(authorization ? { authorization } : {}) },
        body,
      }).then((r) => r.status);
    expect(await raw('type=message', 'application/x-www-form-urlencoded')).toBe(400);
    expect(await raw('{"nope"')).toBe(400);
    expect(await raw(JSON.stringify({ text: 'no type' }))).toBe(400);
    expect(await raw(JSON.stringify({ type: 'message', text: 'a'.repeat(1_100_000) }))).toBe(413);
    // Without a good token, the token is all that is looked at: 401 whatever the body.
    expect(await raw('type=message', 'application/x-www-form-urlencoded', null)).toBe(401);
    expect(await raw('{"nope"', 'application/json', null)).toBe(401);
    expect(await raw(JSON.stringify({ type: 'message', text: 'a'.repeat(1_100_000) }), 'application/json', null)).toBe(
      401,
    );
    // Correctly signed, but not what Teams sends: refused before the SDK, not a 500.
    const signed = (a: Record<string, unknown>) => send(a).then((r) => [r.status, r.text]);
    const { conversation: _conversation, ...noConversation } = activity();
    for (const bad of [
      noConversation,
      { ...activity(), entities: [null] },
      { ...activity(), entities: 7 },
      { ...activity(), locale: 944343123 },
      { ...activity(), from: 'someone' },
    ]) {
      expect(await signed(bad)).toEqual([400, 'not an activity']);
    }
    expect(h.teams.calls.length).toBe(calls);
    expect(await prisma().contact.count()).toBe(contacts);
    // And a good one still works.
    expect((await send(activity())).status).toBe(200);
  });

  it('checks the token before reading the body: a large body that is not JSON at all gets 401, not 400, and is not parsed', async () => {
    const logsBefore = h.logs.length;
    const notJson = `<<${'x'.repeat(800_000)}`;
    const post = (authorization?: string) =>
      fetch(h.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: notJson,
      }).then(async (r) => [r.status, await r.text()]);
    const forged = `Bearer ${h.teams.inboundToken(h.teams.serviceUrl, {}, h.teams.untrusted.privateKey)}`;
    for (const authorization of [undefined, forged, 'Bearer not-a-jwt', 'Basic YTpi']) {
      const [status, text] = await post(authorization);
      expect(status).toBe(401);
      expect(text).not.toMatch(/malformed|not an activity/);
    }
    // The same body with a good token is parsed, and refused as what it is.
    expect(await post(`Bearer ${h.teams.inboundToken(h.teams.serviceUrl)}`)).toEqual([400, 'malformed body']);
    const lines = h.logs.slice(logsBefore).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => l.msg.startsWith('a Teams request was refused'))).toHaveLength(4);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('fetches the Bot Framework key set at most 10 times a minute for forged key ids, remembers the unknown ones, and still takes Teams’ tokens', async () => {
    const fetchesBefore = h.teams.keySetFetches;
    const contacts = await prisma().contact.count();
    const calls = h.teams.calls.length;
    const forged = (kid: string) =>
      `Bearer ${h.teams.inboundToken(h.teams.serviceUrl, {}, h.teams.untrusted.privateKey, kid)}`;
    // One forged key id, again and again: one fetch at most (none if the set was fetched in the
    // last 30 s), then refused from memory.
    for (let i = 0; i < 5; i++)
      expect(
        (await send(h.teams.message(T.clinician, 'contact'), { authorization: forged('forged-kid-repeated') })).status,
      ).toBe(401);
    expect(h.teams.keySetFetches - fetchesBefore).toBeLessThanOrEqual(1);
    // Twenty random key ids at once: the rate limit holds whatever arrives.
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(h.teams.message(T.clinician, 'contact'), { authorization: forged(`forged-${i}-${Math.random()}`) }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(statuses).toEqual(Array.from({ length: 20 }, () => 401));
    expect(h.teams.keySetFetches - fetchesBefore).toBeLessThanOrEqual(10);
    expect(h.teams.calls.length).toBe(calls);
    expect(await prisma().contact.count()).toBe(contacts);
    // Teams' own key is known already: its tokens are taken with no fetch, limit or not.
    const fetchesAfter = h.teams.keySetFetches;
    expect((await send(h.teams.message(T.clinician, 'help'))).status).toBe(200);
    expect(h.teams.keySetFetches).toBe(fetchesAfter);
  });

  it('runs Teams alone: no Slack endpoint without a program on Slack; health checks the Teams bot token, not Slack', async () => {
    const base = `http://127.0.0.1:${h.carelog.port}`;
    expect((await fetch(`${base}/slack/events`, { method: 'POST', body: '' })).status).toBe(404);
    expect(h.carelog.deps.messengers.slack).toBeUndefined();
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok', teams: 'ok' });
    // The sends' own cached token: polling /healthz asks Entra nothing more.
    const asked = h.teams.tokenRequests.length;
    expect(asked).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(h.teams.tokenRequests.length).toBe(asked);
  });

  it('never lets the canary note out: not to the Connector, not in an answer, not to a log line', () => {
    expect(h.teams.calls.length).toBeGreaterThan(5);
    for (const call of h.teams.calls) expect(call.raw).not.toMatch(/CANARY|Jane Roe/);
    expect(answers.length).toBeGreaterThan(10);
    for (const a of answers) expect(a).not.toMatch(/CANARY|Jane Roe/);
    expect(h.logs.some((l) => l.includes('"msg":"contact logged"') && l.includes('PIC-0001'))).toBe(true);
    // The SDK's own lines are there (it logs every activity with its body), stripped of what they carried.
    expect(h.logs.some((l) => l.includes('"component":"teams"') && l.includes('"msg":"Handling activity"'))).toBe(true);
    for (const line of h.logs) expect(line).not.toMatch(/CANARY|Jane Roe|hears voices/);
  });
});

describe('/healthz when Entra ID refuses the bot', () => {
  it('reports teams down (503) and warns once, naming what to check', async () => {
    const refused = await startTeamsHarness({
      now: () => NOW,
      env: { TEAMS_CLIENT_SECRET: 'not-the-registered-secret' },
    });
    try {
      const base = `http://127.0.0.1:${refused.carelog.port}`;
      const first = await fetch(`${base}/healthz`);
      expect(first.status).toBe(503);
      expect(await first.json()).toEqual({ status: 'unavailable', database: 'ok', redis: 'ok', teams: 'down' });
      expect(refused.teams.tokenRequests.at(-1)).toMatchObject({
        grant_type: 'client_credentials',
        client_id: TEAMS_APP_ID,
        scope: BOT_SCOPE,
      });
      // The answer is kept: a second poll within 10 s asks Entra nothing.
      const asked = refused.teams.tokenRequests.length;
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      expect(refused.teams.tokenRequests.length).toBe(asked);
      const warnings = refused.logs.filter((l) => l.includes('the Teams bot cannot get its token'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/401 invalid_client.*TEAMS_CLIENT_SECRET/);
      expect(warnings[0]).not.toContain('not-the-registered-secret');
    } finally {
      await refused.stop();
    }
  });
});
