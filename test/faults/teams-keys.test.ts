// Bot Framework tokens forged with key ids nobody published: each one used to make carelog fetch
// Microsoft's key set (the SDK's key client has no rate limit and caches only the keys it found),
// so anyone could make carelog hammer login.botframework.com. Now at most 10 fetches a minute,
// whatever arrives, unknown key ids remembered, and every forged token refused with 401 before its
// body is parsed. Teams' own tokens are taken all along.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_SET_FETCHES_PER_MINUTE } from '../../src/platforms/teams/bot-token.js';
import { countRows, mapPool, reportFigure, rowsAdded, stopwatch } from '../support/faults.js';
import { startTeamsHarness, T, type TeamsHarness } from '../support/teams-harness.js';

const FORGED = 1_000;

let h: TeamsHarness;
beforeAll(async () => {
  h = await startTeamsHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('Bot Framework tokens with forged key ids', () => {
  it('1,000 forged tokens with random key ids: at most 10 key-set fetches, none accepted, Teams still served', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    // A genuine activity first: Teams' key is fetched and known.
    expect((await h.send(h.teams.message(T.clinician, 'help'))).status).toBe(200);
    const rowsBefore = await countRows(prisma);
    const callsBefore = h.teams.calls.length;
    const fetchesBefore = h.teams.keySetFetches;

    const answers = await mapPool(
      Array.from({ length: FORGED }, (_, i) => i),
      16,
      async (i) => {
        // Every tenth forgery re-uses one key id: refused from memory after its first try.
        const kid = i % 10 === 9 ? 'forged-again' : `forged-${i}-${randomUUID()}`;
        const token = h.teams.inboundToken(h.teams.serviceUrl, {}, h.teams.untrusted.privateKey, kid);
        const activity = h.teams.cardAction(T.clinician, {
          verb: 'contact_save',
          data: { action: 'contact_save', client: 'new', notes: 'forged' },
        });
        return h.send(activity, { authorization: `Bearer ${token}` });
      },
    );
    const fetches = h.teams.keySetFetches - fetchesBefore;
    const accepted = answers.filter((a) => a.status !== 401).length;
    const connectorCalls = h.teams.calls.length - callsBefore;
    // Teams' own tokens, during and after the flood.
    const genuine = await Promise.all(
      [0, 1, 2].map(() => h.send(h.teams.message(T.clinician, 'help')).then((r) => r.status)),
    );
    const rowsAfter = await countRows(prisma);
    const written = rowsAdded(rowsBefore, rowsAfter);

    reportFigure({
      case: 'forged Bot Framework key ids',
      figure: fetches,
      unit: 'key-set fetches',
      goal: `≤ ${KEY_SET_FETCHES_PER_MINUTE}, 0 accepted`,
      ok: fetches <= KEY_SET_FETCHES_PER_MINUTE && accepted === 0 && written === 0,
      of: { count: FORGED, unit: 'forged tokens' },
      durationMs: elapsed(),
      details: {
        accepted,
        rowsWritten: written,
        connectorCalls,
        genuineAfterwards: genuine.filter((s) => s === 200).length,
      },
    });
    expect(fetches).toBeLessThanOrEqual(KEY_SET_FETCHES_PER_MINUTE);
    expect(accepted).toBe(0);
    expect(written).toBe(0);
    expect(genuine).toEqual([200, 200, 200]);
    expect(connectorCalls).toBe(0);
  });
});
