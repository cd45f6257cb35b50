// src/platforms/teams/bot-token.ts against the fake Bot Framework key set: what it takes, what it
// refuses, and how often it asks Microsoft for the keys (the clock of its caches is the test's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBotTokenCheck, KEY_SET_FETCHES_PER_MINUTE } from '../../src/platforms/teams/bot-token.js';
import { BOT_FRAMEWORK_ISSUER, FakeTeams } from '../support/fake-teams.js';

const APP = '8d1f2c3a-4b5e-4f60-9a7b-0c1d2e3f4a5b';
let teams: FakeTeams;
beforeAll(async () => {
  teams = new FakeTeams(APP, '3c9e1f2a-7b4d-4e6f-8a1b-2c3d4e5f6a7b', null);
  await teams.start();
});
afterAll(async () => {
  await teams?.stop();
});

function setup() {
  let t = 1_000_000;
  const check = createBotTokenCheck({
    clientId: APP,
    cloud: { ...teams.cloud, tokenIssuer: BOT_FRAMEWORK_ISSUER },
    now: () => t,
  });
  const genuine = () => `Bearer ${teams.inboundToken(teams.serviceUrl)}`;
  const forged = (kid: string) => `Bearer ${teams.inboundToken(teams.serviceUrl, {}, teams.untrusted.privateKey, kid)}`;
  return { check, genuine, forged, advance: (ms: number) => (t += ms) };
}

describe('the Bot Framework token check', () => {
  it('takes Teams’ tokens and refuses the rest: no header, not a JWT, another key, another bot, expired, another issuer, not RS256', async () => {
    const { check, genuine } = setup();
    expect(await check(genuine())).toBe(true);
    expect(await check([genuine()])).toBe(true);
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      undefined,
      '',
      'Bearer ',
      'Bearer not-a-jwt',
      genuine().replace('Bearer ', 'Basic '),
      `Bearer ${teams.inboundToken(teams.serviceUrl, {}, teams.untrusted.privateKey)}`,
      `Bearer ${teams.inboundToken(teams.serviceUrl, { aud: '11111111-2222-4333-8444-555555555555' })}`,
      `Bearer ${teams.inboundToken(teams.serviceUrl, { exp: now - 3_600 })}`,
      `Bearer ${teams.inboundToken(teams.serviceUrl, { iss: 'https://sts.windows.net/evil/' })}`,
      `Bearer ${Buffer.from(JSON.stringify({ alg: 'none', kid: teams.kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ aud: APP, iss: BOT_FRAMEWORK_ISSUER })).toString('base64url')}.`,
    ];
    for (const authorization of bad) expect(await check(authorization), String(authorization).slice(0, 40)).toBe(false);
  });

  it('refuses forged key ids from memory: a key set fetched in the last 30 s, then a bounded negative cache', async () => {
    const { check, genuine, forged, advance } = setup();
    const start = teams.keySetFetches;
    expect(await check(genuine())).toBe(true);
    expect(teams.keySetFetches - start).toBe(1);
    // The set fetched a moment ago has no such key: refused without asking.
    expect(await check(forged('kid-a'))).toBe(false);
    expect(teams.keySetFetches - start).toBe(1);
    advance(31_000);
    // kid-a is remembered; a new id, once the set is older than 30 s, is looked up once.
    expect(await check(forged('kid-a'))).toBe(false);
    expect(teams.keySetFetches - start).toBe(1);
    expect(await check(forged('kid-b'))).toBe(false);
    expect(teams.keySetFetches - start).toBe(2);
    expect(await check(forged('kid-c'))).toBe(false);
    expect(await check(forged('kid-b'))).toBe(false);
    expect(teams.keySetFetches - start).toBe(2);
    // Teams' key is cached: no fetch for it.
    expect(await check(genuine())).toBe(true);
    expect(teams.keySetFetches - start).toBe(2);
  });

  it(`fetches the key set at most ${KEY_SET_FETCHES_PER_MINUTE} times a minute, whatever arrives`, async () => {
    const { check, forged, advance } = setup();
    const start = teams.keySetFetches;
    const started = Date.now();
    const answers: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      // Past the 30 s of the last set each time: only jwks-rsa's rate limit is left to hold.
      advance(31_000);
      answers.push(await check(forged(`random-${i}-${Math.random()}`)));
    }
    expect(answers.filter(Boolean)).toEqual([]);
    // The limit is a bucket of 10 refilled over a minute of real time: on a slow machine one more
    // fetch may have been earned while the loop ran.
    const earned = Math.floor(((Date.now() - started) / 60_000) * KEY_SET_FETCHES_PER_MINUTE);
    expect(teams.keySetFetches - start).toBeGreaterThanOrEqual(KEY_SET_FETCHES_PER_MINUTE);
    expect(teams.keySetFetches - start).toBeLessThanOrEqual(KEY_SET_FETCHES_PER_MINUTE + earned);
  });
});
