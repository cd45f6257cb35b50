// Lists drawn again after acting, end to end on Slack: a case manager answers a referral or acts on a
// follow-up from `/carelog referrals`, `/carelog followups` (ephemeral messages, redrawn through the
// action's response URL) or the Home tab (published again), and the list they are looking at comes
// back without the settled entry, or with the entry as it now is, under a line saying what was done.
// Connected, whose form is a modal, redraws the list it was opened from once the form is saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { sendSignedRequest } from '../support/slack-requests.js';
import {
  blocksText,
  carelogCommand,
  FOLLOWUP_YAML,
  logContact,
  messageAction,
  NEW_CLIENT,
  responseUrl,
  settableClock,
} from '../support/followups.js';
import { connectedSubmission, referralOf } from '../support/referrals.js';

// Tue 24 Nov 2026 10:00 in New York. Contacts are logged today: their checks are next week, and
// their follow-ups next year, so nothing fires while this runs.
const clock = settableClock(new Date('2026-11-24T15:00:00Z'));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: FOLLOWUP_YAML() });
});
afterAll(async () => {
  await h?.stop();
});

const prisma = () => h.carelog.deps.db.prisma;

type Block = { type: string; block_id?: string; elements?: Record<string, unknown>[]; text?: { text: string } };

/** The element `actionId` of the list entry whose reference is `ref` ("<id>:<version>"). */
function elementFor(blocks: unknown, actionId: string, ref: string): Record<string, unknown> {
  for (const b of blocks as Block[])
    for (const e of b.elements ?? []) {
      if (String(e.action_id).split('|')[0] !== actionId) continue;
      const value = String(e.value ?? (e.options as { value: string }[] | undefined)?.[0]?.value ?? e.action_id);
      if (value.includes(ref)) return e;
    }
  throw new Error(`no ${actionId} for ${ref} in the list`);
}

const noticeOf = (blocks: unknown, id: string) =>
  ((blocks as Block[]).find((b) => b.block_id === id)?.elements?.[0] as { text?: string } | undefined)?.text;
const introOf = (blocks: unknown, id: string) => (blocks as Block[]).find((b) => b.block_id === id)?.text?.text;

/** Presses an element of an ephemeral list as Slack sends it, and returns the reply to its response URL. */
async function pressInList(user: string, blocks: unknown, element: Record<string, unknown>, choice = {}) {
  const list = { channel: 'C0SIMCHAN', ts: '1795000000.000077', blocks };
  const payload = messageAction(h, user, list, element, choice);
  const before = h.slack.calls.length;
  await h.interact({ ...payload, container: { ...payload.container, is_ephemeral: true } });
  const reply = await h.slack.waitFor('response_url.T0TEST', before);
  expect(reply.args.replace_original).toBe(true);
  return reply.args.blocks as unknown[];
}

/** Opens the Home tab as Slack does, and returns what carelog published. */
async function openHome(user: string): Promise<unknown[]> {
  const before = h.slack.calls.length;
  const res = await sendSignedRequest({
    url: h.url,
    signingSecret: SIGNING_SECRET,
    contentType: 'application/json',
    body: JSON.stringify({
      token: 'deprecated',
      team_id: TEAM,
      api_app_id: 'A0CARELOG',
      event: { type: 'app_home_opened', user, channel: `D${user}`, tab: 'home', event_ts: `${Date.now() / 1000}` },
      type: 'event_callback',
      event_id: `Ev${Date.now()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ team_id: TEAM, user_id: 'U0CARELOG', is_bot: true }],
    }),
  });
  expect(res.status).toBe(200);
  return ((await h.slack.waitFor('views.publish', before)).args.view as { blocks: unknown[] }).blocks;
}

/** Presses an element of the Home tab, and returns the tab published again. */
async function pressOnHome(user: string, blocks: unknown[], element: Record<string, unknown>, choice = {}) {
  const click = messageAction(h, user, { channel: `D${user}`, ts: '0', blocks }, element, choice);
  const before = h.slack.calls.length;
  await h.interact({ ...click, container: { type: 'view', view_id: 'VHOME1' } });
  return ((await h.slack.waitFor('views.publish', before)).args.view as { blocks: unknown[] }).blocks;
}

let views = 0;
/** Presses Connected where `press` says, answers the modal with `date`, and returns the modal. */
async function connect(user: string, press: () => Promise<unknown>, date: string) {
  const before = h.slack.calls.length;
  await press();
  const open = await h.slack.waitFor('views.open', before);
  const view = open.args.view as Record<string, unknown>;
  const saved = await h.interact(connectedSubmission(user, { id: `VLR${++views}`, view }, date));
  expect(saved.json).toEqual({ response_action: 'clear' });
  return view;
}

async function referralsFor(categories: string[], time: string) {
  await logContact(h, 'U0CLIN1', {
    ...NEW_CLIENT,
    referrals: categories,
    contact_date: '2026-11-24',
    contact_time: time,
    follow_up_date: '2027-02-01',
    follow_up_assignee: 'U0CASE1',
  });
  const contact = await prisma().contact.findFirstOrThrow({
    orderBy: { createdAt: 'desc' },
    include: { client: true },
  });
  const rows = [];
  for (const c of categories) rows.push(await referralOf(h.carelog.deps, contact.id, c));
  return { code: contact.client.code, referrals: rows };
}

describe('lists drawn again after acting, on Slack', () => {
  it('/carelog referrals: Declined, Not yet and Connected each draw the list again', async () => {
    const { code, referrals } = await referralsFor(['mental_health_treatment', 'addiction_treatment'], '08:10');
    const [mh, sud] = referrals;
    const first = (await carelogCommand(h, 'U0CASE1', 'referrals')).json as { blocks: unknown[] };
    expect(introOf(first.blocks, 'referrals_intro')).toBe('You have 2 open referrals to check.');

    // Declined: the entry leaves the list; the line above says what was recorded.
    const afterDecline = await pressInList(
      'U0CASE1',
      first.blocks,
      elementFor(first.blocks, 'referral_declined', `${mh!.id}:1`),
    );
    expect(noticeOf(afterDecline, 'referrals_notice')).toBe(
      `Linkage check: ${code} — Recorded as declined by <@U0CASE1>.`,
    );
    expect(introOf(afterDecline, 'referrals_intro')).toBe('You have 1 open referral to check.');
    expect(blocksText(afterDecline)).not.toContain(mh!.id);
    expect(blocksText(afterDecline)).toContain(`"value":"${sud!.id}:1"`);
    // Still no Part 2 category in what stays in the chat.
    expect(blocksText(afterDecline)).not.toMatch(/addiction/i);

    // Not yet: the entry stays, as it now is (its new version), and the line says when it is asked again.
    const afterNotYet = await pressInList(
      'U0CASE1',
      afterDecline,
      elementFor(afterDecline, 'referral_not_yet', `${sud!.id}:1`),
    );
    expect(noticeOf(afterNotYet, 'referrals_notice')).toMatch(
      new RegExp(`^Linkage check: ${code} — Not yet: carelog will check again on Tue, Dec 1, 2026\\.$`),
    );
    expect(blocksText(afterNotYet)).toContain(`"value":"${sud!.id}:2"`);
    expect(blocksText(afterNotYet)).not.toContain(`"value":"${sud!.id}:1"`);

    // Connected: a modal; once it is saved the list it was opened from is drawn again through the
    // list's response URL, the entry gone.
    const before = h.slack.calls.length;
    const view = await connect(
      'U0CASE1',
      async () => {
        const payload = messageAction(
          h,
          'U0CASE1',
          { channel: 'C0SIMCHAN', ts: '1795000000.000078', blocks: afterNotYet },
          elementFor(afterNotYet, 'referral_connected', `${sud!.id}:2`),
        );
        await h.interact({ ...payload, container: { ...payload.container, is_ephemeral: true } });
      },
      '2026-11-24',
    );
    expect(JSON.parse(String(view.private_metadata))).toEqual({
      ref: `${sud!.id}:2`,
      list: 'ephemeral',
      responseUrl: responseUrl(h),
    });
    const redrawn = await h.slack.waitFor('response_url.T0TEST', before);
    expect(redrawn.args.replace_original).toBe(true);
    const blocks = redrawn.args.blocks as unknown[];
    expect(noticeOf(blocks, 'referrals_notice')).toBe(
      `Linkage check: ${code} — Recorded as connected on Tue, Nov 24, 2026 by <@U0CASE1>.`,
    );
    expect(blocksText(blocks)).not.toContain(sud!.id);
    expect(blocksText(blocks)).not.toMatch(/addiction/i);
    expect(await prisma().referral.findUniqueOrThrow({ where: { id: sud!.id } })).toMatchObject({
      status: 'connected',
    });
  });

  it('the Home tab: Not yet publishes it again, and Connected once its form is saved', async () => {
    const { code, referrals } = await referralsFor(['social_services'], '08:20');
    const r = referrals[0]!;
    const home = await openHome('U0CASE1');
    const afterNotYet = await pressOnHome('U0CASE1', home, elementFor(home, 'referral_not_yet', `${r.id}:1`));
    expect(noticeOf(afterNotYet, 'referrals_notice')).toContain(
      `Linkage check: ${code} — Not yet: carelog will check again on`,
    );
    expect(blocksText(afterNotYet)).toContain(`"value":"${r.id}:2"`);

    const before = h.slack.calls.length;
    const view = await connect(
      'U0CASE1',
      async () => {
        const click = messageAction(
          h,
          'U0CASE1',
          { channel: 'DU0CASE1', ts: '0', blocks: afterNotYet },
          elementFor(afterNotYet, 'referral_connected', `${r.id}:2`),
        );
        await h.interact({ ...click, container: { type: 'view', view_id: 'VHOME1' } });
      },
      '2026-11-24',
    );
    expect(JSON.parse(String(view.private_metadata))).toEqual({ ref: `${r.id}:2`, list: 'home' });
    const published = await h.slack.waitFor('views.publish', before);
    const blocks = (published.args.view as { blocks: unknown[] }).blocks;
    expect(noticeOf(blocks, 'referrals_notice')).toBe(
      `Linkage check: ${code} — Recorded as connected on Tue, Nov 24, 2026 by <@U0CASE1>.`,
    );
    expect(blocksText(blocks)).not.toContain(r.id);
  });

  it('/carelog followups and the Home tab: Done and Snooze draw the list again (they went stale before)', async () => {
    // Two pending follow-ups of case manager 2's (nothing else of theirs is pending here).
    for (const time of ['09:00', '09:10'])
      await logContact(h, 'U0CLIN1', {
        ...NEW_CLIENT,
        referrals: [],
        contact_date: '2026-11-24',
        contact_time: time,
        follow_up_date: '2027-03-01',
        follow_up_assignee: 'U0CASE2',
      });
    const case2 = h.carelog.deps.directory.member('wilmington', 'slack', 'U0CASE2')!;
    const pending = await prisma().followUp.findMany({
      where: { assigneeId: case2.memberId, status: 'pending' },
      include: { client: true },
      orderBy: { dueAt: 'asc' },
    });
    expect(pending).toHaveLength(2);
    const [a, b] = pending;

    const list = ((await carelogCommand(h, 'U0CASE2', 'followups')).json as { blocks: unknown[] }).blocks;
    expect(introOf(list, 'followups_intro')).toBe('You have 2 pending follow-ups.');
    const afterDone = await pressInList('U0CASE2', list, elementFor(list, 'nudge_done', `${a!.id}:1`));
    expect(noticeOf(afterDone, 'followups_notice')).toBe(
      `Follow-up due: ${a!.client.code} — Marked done by <@U0CASE2>.`,
    );
    expect(introOf(afterDone, 'followups_intro')).toBe('You have 1 pending follow-up.');
    expect(blocksText(afterDone)).not.toContain(a!.id);
    expect(blocksText(afterDone)).toContain(`${b!.id}:1`);

    const snooze = elementFor(afterDone, 'nudge_snooze', `${b!.id}:1`);
    const option = (snooze.options as { value: string }[]).find((o) => o.value.endsWith('|1d'))!;
    const afterSnooze = await pressInList('U0CASE2', afterDone, snooze, { selected_option: option });
    expect(noticeOf(afterSnooze, 'followups_notice')).toMatch(
      new RegExp(`^Follow-up due: ${b!.client.code} — Snoozed until `),
    );
    expect(blocksText(afterSnooze)).toContain(`${b!.id}:2`);

    // On the Home tab (which has no response URL): published again, the follow-up gone once done.
    const home = await openHome('U0CASE2');
    const afterHomeDone = await pressOnHome('U0CASE2', home, elementFor(home, 'nudge_done', `${b!.id}:2`));
    expect(noticeOf(afterHomeDone, 'followups_notice')).toBe(
      `Follow-up due: ${b!.client.code} — Marked done by <@U0CASE2>.`,
    );
    expect(introOf(afterHomeDone, 'followups_intro')).toBe('You have no pending follow-ups.');
    expect(blocksText(afterHomeDone)).not.toContain(b!.id);
    expect(await prisma().followUp.findUniqueOrThrow({ where: { id: b!.id } })).toMatchObject({ status: 'done' });
  });
});
