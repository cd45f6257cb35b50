// Requests that are not Slack's: forged signatures, stale and future-dated timestamps, wrong
// content types and oversized bodies, over payloads that would each write rows if accepted (a
// valid contact form, /digest … post by leadership, /contact with a known code, a Done on a
// pending follow-up). Every one is refused with 401, 400 or 413; nothing is written and nothing
// reaches Slack. The same payloads correctly signed afterwards are taken, so the refusals are the
// receiver's doing.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/server.js';
import { interactionBody, signSlackRequest, slashCommandBody } from '../support/slack-requests.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, messageAction, nudgeElements, settableClock, waitUntil } from '../support/followups.js';
import { countRows, openContactFormTemplate, reportFigure, rowsAdded, stopwatch } from '../support/faults.js';
import { viewSubmission, type ModalValues } from '../support/slack-payloads.js';

// Fri 20 Nov 2026, 10:00 in New York.
const clock = settableClock(new Date('2026-11-20T15:00:00Z'));

const GOOD: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'male',
  age_band: '18-24',
  contact_date: '2026-11-20',
  contact_time: '09:30',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: [],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-20',
  notes: 'signature test note',
};

interface RawAnswer {
  status: number;
  body: string;
}

/** A request with exactly the headers given (fetch would add a content type of its own). */
function rawPost(
  url: string,
  headers: Record<string, string>,
  body: string | Buffer,
  opts: { chunked?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { ...headers, ...(opts.chunked ? {} : { 'content-length': String(bytes.length) }) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    // The server may answer 413 and stop reading before the body is all sent.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if (opts.chunked) {
      for (let i = 0; i < bytes.length; i += 64 * 1024) req.write(bytes.subarray(i, i + 64 * 1024));
      req.end();
    } else req.end(bytes);
  });
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

type Attack = {
  family: 'forged' | 'stale' | 'future' | 'content type' | 'oversized';
  name: string;
  expected: 400 | 401 | 413;
  headers: Record<string, string>;
  body: string | Buffer;
  chunked?: boolean;
};
/** An attack is built with the clock of the moment it is sent, so "301 s ahead" is 301 s ahead then. */
type AttackAt = (t: number) => Attack;

describe('requests that are not from Slack', () => {
  it('forged, stale, future-dated, wrongly typed and oversized requests are refused and write nothing', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    // A known client with a pending follow-up whose nudge went out, for /contact CODE and Done.
    const form = await openContactFormTemplate(h, 'U0CLIN1');
    expect((await h.interact(viewSubmission('U0CLIN1', form.asForm('VSIGSEED'), GOOD))).json).toEqual({
      response_action: 'clear',
    });
    clock.set(new Date('2026-11-20T15:00:00Z'));
    const nudge = await waitUntil(
      () =>
        h.slack.messages.find(
          (m) => (m.metadata as { event_type?: string } | undefined)?.event_type === 'carelog_nudge',
        ),
      15_000,
      'the seed nudge',
    );
    const sent = { channel: nudge.channel, ts: nudge.ts, blocks: nudge.blocks };

    const payloads: { name: string; body: string; contentType: string }[] = [
      {
        name: 'view_submission of a valid form',
        body: interactionBody(viewSubmission('U0CLIN1', form.asForm('VSIGATTACK'), GOOD)),
        contentType: 'application/x-www-form-urlencoded',
      },
      {
        name: '/digest week 2026-W46 post by leadership',
        body: slashCommandBody({
          command: '/digest',
          text: 'week 2026-W46 post',
          teamId: TEAM,
          userId: 'U0LEAD1',
          responseUrl: `${h.carelog.deps.config.env.SLACK_API_URL}response_url.sig`,
        }),
        contentType: 'application/x-www-form-urlencoded',
      },
      {
        name: '/contact PIC-0001 (an audited read)',
        body: slashCommandBody({ command: '/contact', text: 'PIC-0001', teamId: TEAM, userId: 'U0CLIN1' }),
        contentType: 'application/x-www-form-urlencoded',
      },
      {
        name: 'Done on a pending follow-up',
        body: interactionBody(messageAction(h, 'U0CASE1', sent, nudgeElements(sent.blocks).nudge_done!)),
        contentType: 'application/x-www-form-urlencoded',
      },
      {
        name: 'url_verification as JSON',
        body: JSON.stringify({ type: 'url_verification', challenge: 'c'.repeat(20), token: 'x' }),
        contentType: 'application/json',
      },
    ];
    const rowsBefore = await countRows(prisma);
    const slackBefore = h.slack.calls.length;

    const now = () => Math.floor(Date.now() / 1000);
    const signed = (body: string | Buffer, ts: number, secret = SIGNING_SECRET) =>
      signSlackRequest(secret, body.toString(), ts);
    const headers = (contentType: string, ts: number | string, signature: string) => ({
      'content-type': contentType,
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    });
    const attacks: AttackAt[] = [];
    const at = (make: (t: number) => Attack) => attacks.push(make);
    for (const p of payloads) {
      const forged = (
        name: string,
        hdrs: (t: number, sig: string) => Record<string, string>,
        body: (sig: string) => string | Buffer = () => p.body,
      ) =>
        at((t) => {
          const sig = signed(p.body, t);
          return {
            family: 'forged',
            name: `${p.name}: ${name}`,
            expected: 401,
            headers: hdrs(t, sig),
            body: body(sig),
          };
        });
      forged('wrong secret', (t) => headers(p.contentType, t, signed(p.body, t, 'not-the-signing-secret')));
      forged('secret with a character changed', (t) =>
        headers(p.contentType, t, signed(p.body, t, `${SIGNING_SECRET.slice(0, -1)}X`)),
      );
      forged('signature of another body', (t) => headers(p.contentType, t, signed(`${p.body}&x=1`, t)));
      forged(
        'body changed after signing',
        (t, sig) => headers(p.contentType, t, sig),
        () => `${p.body.slice(0, -1)}${p.body.endsWith('a') ? 'b' : 'a'}`,
      );
      forged(
        'body extended after signing',
        (t, sig) => headers(p.contentType, t, sig),
        () => `${p.body}&user_id=U0ADMN1`,
      );
      forged('signature for another timestamp', (t) => headers(p.contentType, t, signed(p.body, t - 1)));
      forged('timestamp not the one signed', (t, sig) => headers(p.contentType, t + 1, sig));
      forged('no signature', (t) => ({ 'content-type': p.contentType, 'x-slack-request-timestamp': String(t) }));
      forged('no timestamp', (_t, sig) => ({ 'content-type': p.contentType, 'x-slack-signature': sig }));
      forged('no headers at all', () => ({ 'content-type': p.contentType }));
      forged('empty signature', (t) => headers(p.contentType, t, ''));
      forged('v1 scheme', (t, sig) => headers(p.contentType, t, sig.replace('v0=', 'v1=')));
      forged('upper-case hex', (t, sig) => headers(p.contentType, t, `v0=${sig.slice(3).toUpperCase()}`));
      forged('truncated signature', (t, sig) => headers(p.contentType, t, sig.slice(0, -2)));
      forged('signature with a byte more', (t, sig) => headers(p.contentType, t, `${sig}00`));
      forged('raw HMAC without the v0 base string', (t) =>
        headers(p.contentType, t, `v0=${createHmac('sha256', SIGNING_SECRET).update(p.body).digest('hex')}`),
      );
      forged('non-numeric timestamp', (t, sig) => headers(p.contentType, 'now', sig));
      forged('timestamp in milliseconds', (t) => headers(p.contentType, t * 1000, signed(p.body, t * 1000)));
      forged('negative timestamp', (t) => headers(p.contentType, -t, signed(p.body, -t)));
      for (const age of [301, 600, 3_600, 86_400, 365 * 86_400]) {
        at((t) => ({
          family: 'stale',
          name: `${p.name}: signed ${age} s ago`,
          expected: 401,
          headers: headers(p.contentType, t - age, signed(p.body, t - age)),
          body: p.body,
        }));
      }
      at(() => ({
        family: 'stale',
        name: `${p.name}: timestamp 0`,
        expected: 401,
        headers: headers(p.contentType, 0, signed(p.body, 0)),
        body: p.body,
      }));
      for (const ahead of [301, 3_600, 365 * 86_400]) {
        at((t) => ({
          family: 'future',
          name: `${p.name}: dated ${ahead} s ahead`,
          expected: 401,
          headers: headers(p.contentType, t + ahead, signed(p.body, t + ahead)),
          body: p.body,
        }));
      }
      at(() => ({
        family: 'future',
        name: `${p.name}: dated year 2286`,
        expected: 401,
        headers: headers(p.contentType, 9_999_999_999, signed(p.body, 9_999_999_999)),
        body: p.body,
      }));
      for (const type of [
        'text/plain',
        'application/xml',
        'text/html',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencodedx',
        'application/jsonp',
        'application/json-patch+json',
        '',
        'x-www-form-urlencoded',
      ]) {
        at((t) => {
          const hdrs: Record<string, string> = headers(type, t, signed(p.body, t));
          if (!type) delete hdrs['content-type'];
          return {
            family: 'content type',
            name: `${p.name}: content type "${type}"`,
            expected: 400,
            headers: hdrs,
            body: p.body,
          };
        });
      }
      // Oversized: a correctly signed body one byte over the limit, declared or streamed in chunks.
      const huge = `${p.body}${p.contentType === 'application/json' ? ' ' : '&pad='}${'a'.repeat(MAX_BODY_BYTES)}`;
      at((t) => ({
        family: 'oversized',
        name: `${p.name}: body over 1 MiB, declared`,
        expected: 413,
        headers: headers(p.contentType, t, signed(huge, t)),
        body: huge,
      }));
      at((t) => ({
        family: 'oversized',
        name: `${p.name}: body over 1 MiB, chunked`,
        expected: 413,
        headers: { ...headers(p.contentType, t, signed(huge, t)), 'transfer-encoding': 'chunked' },
        body: huge,
        chunked: true,
      }));
      at(() => ({
        family: 'oversized',
        name: `${p.name}: body over 1 MiB, unsigned`,
        expected: 413,
        headers: { 'content-type': p.contentType },
        body: huge,
      }));
    }
    // Random tampering: any change to the body, the timestamp or the signature of a signed request.
    const tampering = fc.sample(
      fc.record({
        p: fc.integer({ min: 0, max: payloads.length - 1 }),
        where: fc.constantFrom('body', 'timestamp', 'signature'),
        at: fc.nat(),
        ch: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      }),
      { numRuns: 200, seed: 6 },
    );
    for (const m of tampering)
      at((t) => {
        const p = payloads[m.p]!;
        let body = p.body;
        let ts = String(t);
        let sig = signed(p.body, t);
        const replaceAt = (s: string, from: number) => {
          const i = from + (m.at % (s.length - from));
          return s[i] === m.ch
            ? `${s.slice(0, i)}${m.ch === 'a' ? 'b' : 'a'}${s.slice(i + 1)}`
            : `${s.slice(0, i)}${m.ch}${s.slice(i + 1)}`;
        };
        if (m.where === 'body') body = replaceAt(body, 0);
        else if (m.where === 'timestamp') ts = replaceAt(ts, 0);
        else sig = replaceAt(sig, 3);
        // A changed timestamp that is not a number is refused by the header check: still a 401.
        return {
          family: 'forged',
          name: `${p.name}: ${m.where} tampered`,
          expected: 401,
          headers: headers(p.contentType, ts, sig),
          body,
        };
      });

    const results: { attack: Attack; answer: RawAnswer }[] = [];
    for (const make of attacks) {
      const attack = make(now());
      results.push({
        attack,
        answer: await rawPost(h.url, attack.headers, attack.body, attack.chunked ? { chunked: true } : {}),
      });
    }
    // Anything accepted would have acted by now (Slack calls are made within the request or just after it).
    await new Promise((r) => setTimeout(r, 500));
    const rowsAfter = await countRows(prisma);
    const slackCalls = h.slack.calls.slice(slackBefore);
    const wrong = results.filter((r) => r.answer.status !== r.attack.expected);
    const written = rowsAdded(rowsBefore, rowsAfter);
    const byFamily = (f: Attack['family']) => results.filter((r) => r.attack.family === f).length;
    reportFigure({
      case: 'forged, stale, future, mistyped, oversized requests',
      figure: wrong.length + written + slackCalls.length,
      unit: 'requests taken, rows written or Slack calls',
      goal: '0 (every one 401/400/413)',
      ok: wrong.length + written + slackCalls.length === 0,
      of: { count: results.length, unit: 'requests' },
      durationMs: elapsed(),
      details: {
        forged: byFamily('forged'),
        stale: byFamily('stale'),
        future: byFamily('future'),
        contentType: byFamily('content type'),
        oversized: byFamily('oversized'),
        rowsWritten: written,
        slackCalls: slackCalls.length,
      },
    });
    expect(wrong.map((r) => `${r.attack.name}: ${r.answer.status}`)).toEqual([]);
    expect(rowsAfter).toEqual(rowsBefore);
    expect(slackCalls.map((c) => c.method)).toEqual([]);
    for (const r of results)
      expect(r.answer.body).toMatch(/^(invalid signature|unsupported content type|request body too large)$/);

    // The same payloads, signed as Slack signs them, are taken: each writes what it should.
    for (const p of payloads) {
      const t = now();
      const res = await rawPost(h.url, headers(p.contentType, t, signed(p.body, t)), p.body);
      expect(res.status, p.name).toBe(200);
    }
    // Done is acknowledged before it is acted on (as every button is): wait for it as for the rest.
    const doneByHand = () => prisma.followUp.count({ where: { status: 'done', lastActorId: { not: null } } });
    await waitUntil(
      async () =>
        (await prisma.digestRun.count()) === 1 && (await prisma.contact.count()) === 2 && (await doneByHand()) === 1,
      15_000,
      'the signed payloads acted on',
    );
    const finalRows = await countRows(prisma);
    expect(finalRows.contacts).toBe(rowsBefore.contacts! + 1);
    expect(finalRows.auditEvents).toBeGreaterThan(rowsBefore.auditEvents!);
    expect(await doneByHand()).toBe(1);
  });
});
