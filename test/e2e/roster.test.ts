// The roster changed in chat, end to end on Slack: `/carelog roster` (signed requests, the fake Slack
// Web API), real Postgres and Redis, and a second carelog replica on the same database and Redis.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config.js';
import { startCarelog, type RunningCarelog } from '../../src/carelog.js';
import { ROSTER_MAX_STALE_MS, ROSTER_POLL_MAX_MS } from '../../src/domain/roster.js';
import { createLogger } from '../../src/logger.js';
import { NOT_ON_ROSTER } from '../../src/services/contact-flow.js';
import { NOT_AN_ADMIN, STALE_ROSTER } from '../../src/views/roster.js';
import { sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';
import { startHarness, SIGNING_SECRET, TEAM, type Harness } from '../support/harness.js';
import { blocksText, carelogCommand, FOLLOWUP_YAML, logContact, NEW_CLIENT, waitUntil } from '../support/followups.js';
import { openRosterModal, redrawn, submitRoster } from '../support/roster.js';

const textOf = (v: unknown): string => (typeof v === 'string' ? v : '');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;
const memberOf = (slack: string) =>
  prisma().member.findFirstOrThrow({ where: { programId: 'wilmington', platform: 'slack', platformUserId: slack } });
/** Now, where the program is: the contact form refuses a date in the future. */
function localNow(): { contact_date: string; contact_time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(Date.now() - 5 * 60_000));
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return {
    contact_date: `${get('year')}-${get('month')}-${get('day')}`,
    contact_time: `${get('hour')}:${get('minute')}`,
  };
}
const CONTACT = () => ({ ...NEW_CLIENT, ...localNow() });
const errorsOf = (json: unknown) => (json as { errors?: Record<string, string> }).errors ?? {};

describe('/carelog roster on Slack', () => {
  it('refuses anyone but an admin: no modal, and a submission of the admin’s modal changes nothing', async () => {
    const before = h.slack.calls.length;
    const res = await carelogCommand(h, 'U0SUPV1', 'roster');
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: NOT_AN_ADMIN });
    expect(h.slack.calls.slice(before).some((c) => c.method === 'views.open')).toBe(false);

    const form = await openRosterModal(h, 'U0ADMN1');
    const rows = await prisma().member.count();
    const forged = await submitRoster(h, 'U0CLIN1', form, { person: 'U0SNEAK', roles: ['admin'], action: 'add' });
    expect(errorsOf(forged.json).roster_person).toBe(NOT_AN_ADMIN);
    expect(await prisma().member.count()).toBe(rows);
  });

  it('adds a clinician who can log a contact at once, audited, and welcomed once', async () => {
    const form = await openRosterModal(h, 'U0ADMN1');
    expect(blocksText(form.view.blocks)).toContain('<@U0CLIN1>');
    const res = await submitRoster(h, 'U0ADMN1', form, { person: 'U0NEWC1', roles: ['clinician'], action: 'add' });
    const next = redrawn(form, res.json);
    expect(blocksText(next.view.blocks)).toContain('<@U0NEWC1> — Clinician');

    const added = await memberOf('U0NEWC1');
    expect(added).toMatchObject({ active: true, roles: ['clinician'], source: 'chat' });
    const admin = await memberOf('U0ADMN1');
    const event = await prisma().auditEvent.findFirstOrThrow({ where: { action: 'roster.add', entityId: added.id } });
    expect(event.actorId).toBe(admin.id);
    expect(event.details).toMatchObject({ by: 'chat', userId: 'U0NEWC1', rolesBefore: [], rolesAfter: ['clinician'] });

    const welcomes = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === 'U0NEWC1' || textOf(c.args.text).startsWith('Welcome to carelog'));
    expect(welcomes).toHaveLength(1);
    expect(String(welcomes[0]!.args.text)).toContain('<@U0ADMN1>');
    expect(String(welcomes[0]!.args.text)).toContain('/contact');
    expect(String(welcomes[0]!.args.text)).toMatch(/never type a client’s name/);

    // At once: the same replica's roster holds them as soon as the change is answered.
    await logContact(h, 'U0NEWC1', CONTACT());
    expect(await prisma().contact.count({ where: { authorId: added.id } })).toBe(1);
  });

  it('refuses an unknown role, a stale list and deactivating the last admin, changing nothing', async () => {
    const stale = await openRosterModal(h, 'U0ADMN1');
    const audits = await prisma().auditEvent.count({ where: { action: { startsWith: 'roster.' } } });
    const unknown = await submitRoster(h, 'U0ADMN1', stale, { person: 'U0LEAD1', roles: ['wizard'], action: 'roles' });
    expect(errorsOf(unknown.json).roster_roles).toMatch(/Unknown role "wizard"/);
    const noRoles = await submitRoster(h, 'U0ADMN1', stale, { person: 'U0ODD01', action: 'add' });
    expect(errorsOf(noRoles.json).roster_roles).toBe('Choose at least one role.');
    const lastAdmin = await submitRoster(h, 'U0ADMN1', stale, { person: 'U0ADMN1', action: 'deactivate' });
    expect(errorsOf(lastAdmin.json).roster_person).toMatch(/last admin/);
    const demote = await submitRoster(h, 'U0ADMN1', stale, {
      person: 'U0ADMN1',
      roles: ['clinician'],
      action: 'roles',
    });
    expect(errorsOf(demote.json).roster_roles).toMatch(/last admin/);
    expect(await prisma().auditEvent.count({ where: { action: { startsWith: 'roster.' } } })).toBe(audits);

    // Another admin's change moves the version on: the list opened before it is stale.
    const fresh = await openRosterModal(h, 'U0ADMN1');
    redrawn(
      fresh,
      (
        await submitRoster(h, 'U0ADMN1', fresh, {
          person: 'U0LEAD1',
          roles: ['leadership', 'supervisor'],
          action: 'roles',
        })
      ).json,
    );
    const late = await submitRoster(h, 'U0ADMN1', stale, { person: 'U0LEAD1', roles: ['leadership'], action: 'roles' });
    expect(errorsOf(late.json).roster_person).toBe(STALE_ROSTER);
    expect((await memberOf('U0LEAD1')).roles).toEqual(['leadership', 'supervisor']);
    const change = await prisma().auditEvent.findFirstOrThrow({
      where: { action: 'roster.change', entityId: (await memberOf('U0LEAD1')).id },
    });
    expect(change.details).toMatchObject({ rolesBefore: ['leadership'], rolesAfter: ['leadership', 'supervisor'] });
  });

  it('deactivating a case manager hands their pending follow-ups to the one with the fewest and tells the supervisor', async () => {
    // U0CASE1 logs a contact of their own, and has two follow-ups; U0CASE2 has none.
    await logContact(h, 'U0CASE1', CONTACT());
    const own = await prisma().contact.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    for (let i = 0; i < 2; i++)
      await logContact(h, 'U0CLIN1', {
        ...CONTACT(),
        follow_up_date: localNow().contact_date,
        follow_up_assignee: 'U0CASE1',
      });
    const case1 = await memberOf('U0CASE1');
    const case2 = await memberOf('U0CASE2');
    const pending = await prisma().followUp.findMany({
      where: { assigneeId: case1.id, status: 'pending' },
      include: { client: true },
    });
    expect(pending.length).toBe(2);
    const openReferrals = await prisma().referral.count({ where: { assigneeId: case1.id, status: 'made' } });

    const before = h.slack.calls.length;
    const form = await openRosterModal(h, 'U0ADMN1');
    const res = await submitRoster(h, 'U0ADMN1', form, { person: 'U0CASE1', action: 'deactivate' });
    expect(blocksText(redrawn(form, res.json).view.blocks)).not.toContain('<@U0CASE1>');

    expect(await prisma().followUp.count({ where: { assigneeId: case1.id, status: 'pending' } })).toBe(0);
    expect(await prisma().referral.count({ where: { assigneeId: case1.id, status: 'made' } })).toBe(0);
    const moved = await prisma().followUp.findMany({ where: { id: { in: pending.map((f) => f.id) } } });
    expect(moved.map((f) => f.assigneeId)).toEqual([case2.id, case2.id]);
    expect(moved.every((f) => f.version === 2)).toBe(true);
    // Their past contacts stay theirs.
    expect((await prisma().contact.findUniqueOrThrow({ where: { id: own.id } })).authorId).toBe(case1.id);

    const notice = await waitUntil(() =>
      h.slack
        .callsTo('chat.postMessage')
        .slice(0)
        .find((c) => textOf(c.args.text).includes('was deactivated')),
    );
    const text = textOf(notice.args.text);
    expect(text).toContain(`2 pending follow-ups (${pending.map((f) => f.client.code).join(', ')})`);
    if (openReferrals) expect(text).toContain(`${openReferrals} open referral check`);
    expect(text).toContain('<@U0CASE1>');
    expect(text).toContain('<@U0CASE2>');
    // Sent to each supervisor's DM (U0LEAD1 was made a supervisor above), once.
    const opens = h.slack.calls.slice(before).filter((c) => c.method === 'conversations.open');
    expect(opens.map((c) => c.args.users)).toEqual(expect.arrayContaining(['U0SUPV1', 'U0LEAD1']));
    expect(h.slack.calls.slice(before).filter((c) => textOf(c.args.text).includes('was deactivated'))).toHaveLength(2);
    const reassigned = await prisma().auditEvent.findFirstOrThrow({
      where: { action: 'roster.reassign', entityId: case1.id },
    });
    expect(reassigned.count).toBe(2 + openReferrals);

    // The deactivated case manager is refused at once on this replica.
    const refused = await h.command('U0CASE1', '');
    expect(refused.json).toMatchObject({ text: NOT_ON_ROSTER });
  });
});

describe('a change reaches a second replica', () => {
  let replica: RunningCarelog;
  beforeAll(async () => {
    const config = h.carelog.deps.config;
    replica = await startCarelog({
      config: { ...config, env: { ...config.env, CARELOG_WORKERS: false } },
      logger: createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() })),
      queuePrefix: h.carelog.queue.opts.prefix!,
    });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  const contactOn = (port: number, userId: string) =>
    sendSignedRequest({
      url: `http://127.0.0.1:${port}/slack/events`,
      signingSecret: SIGNING_SECRET,
      body: slashCommandBody({ command: '/contact', text: '', teamId: TEAM, userId }),
    });

  it('the mechanism is bounded: polls at most every 2 s, nobody let in on a roster unconfirmed for 5 s', () => {
    expect(replica.deps.config.env.CARELOG_ROSTER_POLL_MS).toBeLessThanOrEqual(ROSTER_POLL_MAX_MS);
    expect(ROSTER_POLL_MAX_MS).toBeLessThan(ROSTER_MAX_STALE_MS);
    expect(ROSTER_MAX_STALE_MS).toBeLessThanOrEqual(5_000);
    expect(() => parseEnv({ CARELOG_ROSTER_POLL_MS: '6000' })).toThrow(/CARELOG_ROSTER_POLL_MS/);
  });

  it('a clinician deactivated on one replica is refused by the other without a restart', async () => {
    const first = await contactOn(replica.port, 'U0CLIN1');
    expect((first.json as { text?: string } | null)?.text).not.toBe(NOT_ON_ROSTER);

    const form = await openRosterModal(h, 'U0ADMN1');
    redrawn(form, (await submitRoster(h, 'U0ADMN1', form, { person: 'U0CLIN1', action: 'deactivate' })).json);

    // Polled with a generous cap; the bound itself is the configuration asserted above.
    await waitUntil(
      async () => ((await contactOn(replica.port, 'U0CLIN1')).json as { text?: string } | null)?.text === NOT_ON_ROSTER,
      30_000,
      'the second replica refusing the deactivated clinician',
    );
    // And one added on the first replica is let in by the second.
    const again = await openRosterModal(h, 'U0ADMN1');
    redrawn(
      again,
      (await submitRoster(h, 'U0ADMN1', again, { person: 'U0NEWC2', roles: ['clinician'], action: 'add' })).json,
    );
    await waitUntil(
      async () => ((await contactOn(replica.port, 'U0NEWC2')).json as { text?: string } | null)?.text !== NOT_ON_ROSTER,
      30_000,
      'the second replica letting the new clinician in',
    );
  });
});
