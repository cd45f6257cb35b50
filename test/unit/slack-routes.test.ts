// The Slack request router (one lookup instead of Bolt's per-listener chains) and the receiver's
// own signature check, held against Bolt's verifySlackRequest.
import { createHmac } from 'node:crypto';
import { verifySlackRequest } from '@slack/bolt';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSlackSignature } from '../../src/platforms/slack/receiver.js';
import { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { registerSlackHandlers } from '../../handlers/slack/index.js';
import type { CarelogDeps } from '../../src/deps.js';

const named = (name: string) => Object.assign(async () => undefined, { listenerName: name });
const nameOf = (l: unknown) => (l as { listenerName?: string } | undefined)?.listenerName;

describe('SlackRoutes', () => {
  const routes = new SlackRoutes();
  routes.command('/contact', named('contact'));
  routes.command('/digest', named('digest'));
  routes.action('done', named('done'));
  routes.action(/^reassign\|/, named('reassign'));
  routes.view('contact_form', named('form'));
  routes.options('client', named('typeahead'));
  routes.event('app_home_opened', named('home'));

  it('finds the one listener each kind of request is for', () => {
    expect(nameOf(routes.listenerFor({ command: '/contact', text: '' }))).toBe('contact');
    expect(nameOf(routes.listenerFor({ command: '/digest' }))).toBe('digest');
    expect(nameOf(routes.listenerFor({ type: 'block_actions', actions: [{ action_id: 'done' }] }))).toBe('done');
    expect(nameOf(routes.listenerFor({ type: 'block_actions', actions: [{ action_id: 'reassign|f-1' }] }))).toBe(
      'reassign',
    );
    expect(nameOf(routes.listenerFor({ type: 'view_submission', view: { callback_id: 'contact_form' } }))).toBe('form');
    expect(nameOf(routes.listenerFor({ type: 'block_suggestion', action_id: 'client' }))).toBe('typeahead');
    expect(nameOf(routes.listenerFor({ type: 'event_callback', event: { type: 'app_home_opened' } }))).toBe('home');
  });

  it('finds nothing for what no listener took, as Bolt would call none', () => {
    expect(routes.listenerFor({ command: '/other' })).toBeUndefined();
    expect(routes.listenerFor({ type: 'block_actions', actions: [{ action_id: 'xreassign|f-1' }] })).toBeUndefined();
    expect(routes.listenerFor({ type: 'block_actions', actions: [] })).toBeUndefined();
    // A closed modal is not a submission (Bolt's app.view(callbackId) takes submissions only).
    expect(routes.listenerFor({ type: 'view_closed', view: { callback_id: 'contact_form' } })).toBeUndefined();
    expect(routes.listenerFor({ type: 'view_submission', view: { callback_id: 'other' } })).toBeUndefined();
    expect(routes.listenerFor({ type: 'event_callback', event: { type: 'message' } })).toBeUndefined();
    expect(routes.listenerFor({ type: 'shortcut', callback_id: 'x' })).toBeUndefined();
    // Inherited names are not listeners.
    expect(routes.listenerFor({ command: 'toString' })).toBeUndefined();
  });

  it('refuses a second listener for the same thing', () => {
    expect(() => routes.command('/contact', named('again'))).toThrow(/two Slack command listeners for "\/contact"/);
    expect(() => routes.view('contact_form', named('again'))).toThrow(/two Slack view listeners/);
  });

  it('registers every carelog handler without a clash, each under the id its views and manifest use', () => {
    const all = new SlackRoutes();
    registerSlackHandlers(all, {} as CarelogDeps);
    for (const command of ['/contact', '/carelog', '/digest'])
      expect(all.listenerFor({ command })).toBeTypeOf('function');
    expect(all.listenerFor({ type: 'event_callback', event: { type: 'app_home_opened' } })).toBeTypeOf('function');
  });
});

describe('isSlackSignature', () => {
  const sign = (secret: string, ts: number, body: string) =>
    `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  const bolt = (secret: string, ts: number, body: string, signature: string) => {
    try {
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts },
        nowMilliseconds: ts * 1000,
      });
      return true;
    } catch {
      return false;
    }
  };

  it("agrees with Bolt's verifySlackRequest on signed, tampered and foreign requests", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1_500_000_000, max: 2_500_000_000 }),
        fc.string(),
        fc.constantFrom('signed', 'other-secret', 'other-body', 'other-time', 'flipped', 'short'),
        (secret, ts, body, how) => {
          let signature = sign(secret, ts, body);
          if (how === 'other-secret') signature = sign(`${secret}x`, ts, body);
          if (how === 'other-body') signature = sign(secret, ts, `${body} `);
          if (how === 'other-time') signature = sign(secret, ts + 1, body);
          if (how === 'flipped') signature = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
          if (how === 'short') signature = signature.slice(0, -2);
          const ours = isSlackSignature(secret, ts, body, signature);
          expect(ours).toBe(bolt(secret, ts, body, signature));
          expect(ours).toBe(how === 'signed');
        },
      ),
      { numRuns: 600 },
    );
  });
});
