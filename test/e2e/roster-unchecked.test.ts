// The roster while the database is unreachable for longer than the roster's bound
// (ROSTER_MAX_STALE_MS): carelog lets nobody in, and a person who is on the roster is told carelog
// cannot check right now and to try again shortly, never that they are not on the roster; on Slack
// (the /contact answer and the form's Save) and on Teams (the reply in chat), with one warning
// logged for the outage and no one's identity in it. Once Postgres is back, they are let in again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROSTER_UNCHECKED } from '../../src/services/access.js';
import { NOT_ON_ROSTER } from '../../src/services/contact-flow.js';
import { waitUntil } from '../support/followups.js';
import { startHarness, type Harness } from '../support/harness.js';
import { allowConnections, refuseConnections } from '../support/postgres.js';
import { viewSubmission, type OpenedView } from '../support/slack-payloads.js';
import { cardOf } from '../support/fake-teams.js';
import { startTeamsHarness, T, type TeamsHarness } from '../support/teams-harness.js';

const NOW = new Date('2026-11-20T15:00:00Z');
const WARNING = 'a person was refused because the roster cannot be checked against the database';
/** The roster's bound (5 s) plus a poll and a margin: waiting for a state, not timing anything. */
const STALE_WAIT_MS = 15_000;

function dbNameOf(h: { carelog: { deps: { config: { env: { DATABASE_URL?: string } } } } }): string {
  const name = new URL(h.carelog.deps.config.env.DATABASE_URL!).pathname.slice(1);
  expect(name).toMatch(/^carelog_test_[0-9a-f]+$/);
  return name;
}

type TLogged = Record<string, unknown>;
const warningsIn = (logs: string[], from: number): TLogged[] =>
  logs
    .slice(from)
    .map((l) => JSON.parse(l) as TLogged)
    .filter((l) => typeof l.msg === 'string' && l.msg.startsWith(WARNING));

/** The one warning of an outage: a warning, with no member, user or program named. */
function expectOneAnonymousWarning(logs: string[], from: number): void {
  const warnings = warningsIn(logs, from);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatchObject({ level: 40 });
  expect(Object.keys(warnings[0]!).sort()).toEqual([
    'hostname',
    'level',
    'msg',
    'name',
    'pid',
    'time',
    'unconfirmedMs',
  ]);
}

describe('Slack, while the roster cannot be checked', () => {
  let h: Harness;
  let dbName = '';
  beforeAll(async () => {
    h = await startHarness({ now: () => NOW });
    dbName = dbNameOf(h);
  });
  afterAll(async () => {
    if (dbName) await allowConnections(dbName).catch(() => undefined);
    await h?.stop();
  });

  it('tells a clinician on the roster to try again shortly, not that they are not on it, and logs it once', async () => {
    const before = h.slack.calls.length;
    expect((await h.command('U0CLIN1')).status).toBe(200);
    const call = await h.slack.waitFor('views.open', before);
    const opened: OpenedView = { id: 'VUNCHECKED1', hash: 'h1', view: call.args.view as Record<string, unknown> };

    await refuseConnections(dbName);
    await waitUntil(() => h.carelog.deps.directory.unconfirmedSince() !== undefined, STALE_WAIT_MS, 'stale roster');
    const logsBefore = h.logs.length;

    const refused = await h.command('U0CLIN1');
    expect(refused.status).toBe(200);
    expect(refused.json).toEqual({ response_type: 'ephemeral', text: ROSTER_UNCHECKED });
    // Save on the form already open: the answer is beside the form, and the input stays there.
    const saved = await h.interact(viewSubmission('U0CLIN1', opened, { source: 'call_for_service' }));
    expect(saved.json).toEqual({ response_action: 'errors', errors: { client: ROSTER_UNCHECKED } });
    expect(JSON.stringify([refused.json, saved.json])).not.toContain(NOT_ON_ROSTER);
    expectOneAnonymousWarning(h.logs, logsBefore);

    await allowConnections(dbName);
    await waitUntil(() => h.carelog.deps.directory.unconfirmedSince() === undefined, STALE_WAIT_MS, 'roster back');
    const next = h.slack.calls.length;
    expect((await h.command('U0CLIN1')).status).toBe(200);
    await h.slack.waitFor('views.open', next);
    // Someone not on the roster is still told so.
    expect((await h.command('U0NOBODY')).json).toEqual({ response_type: 'ephemeral', text: NOT_ON_ROSTER });
  });
});

describe('Teams, while the roster cannot be checked', () => {
  let h: TeamsHarness;
  let dbName = '';
  beforeAll(async () => {
    h = await startTeamsHarness({ now: () => NOW });
    dbName = dbNameOf(h);
  });
  afterAll(async () => {
    if (dbName) await allowConnections(dbName).catch(() => undefined);
    await h?.stop();
  });

  async function replyTo(text: string): Promise<Record<string, unknown>> {
    const before = h.teams.calls.length;
    expect((await h.send(h.teams.message(T.clinician, text))).status).toBe(200);
    return (await h.teams.waitFor((c) => c.kind === 'sendActivity', before)).body;
  }

  it('replies that carelog cannot check right now, not that the person is not on the roster, and logs it once', async () => {
    await refuseConnections(dbName);
    await waitUntil(() => h.carelog.deps.directory.unconfirmedSince() !== undefined, STALE_WAIT_MS, 'stale roster');
    const logsBefore = h.logs.length;
    const reply = await replyTo('contact');
    expect(reply.text).toBe(ROSTER_UNCHECKED);
    expect(cardOf(reply)).toBeUndefined();
    expect((await replyTo('followups')).text).toBe(ROSTER_UNCHECKED);
    expectOneAnonymousWarning(h.logs, logsBefore);

    await allowConnections(dbName);
    await waitUntil(() => h.carelog.deps.directory.unconfirmedSince() === undefined, STALE_WAIT_MS, 'roster back');
    expect(cardOf(await replyTo('contact'))).toBeDefined();
  });
});
