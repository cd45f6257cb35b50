// The contact form on a phone, on Slack, end to end (issue 14): how many inputs it shows, what a
// typical contact costs in taps (test/support/form-taps.ts has the tap model), the defaults it
// starts with (the person's last source, the client's own case manager) and the "More details"
// step that keeps everything recordable. Two case managers, so a follow-up can go to the wrong one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TEAM, type Harness } from '../support/harness.js';
import {
  blockIdOf,
  clientChosenAction,
  shownAfterUpdate,
  modalButtonAction,
  viewSubmission,
  type ModalValues,
  type OpenedView,
} from '../support/slack-payloads.js';
import { countTaps, slackInputs, type TWanted } from '../support/form-taps.js';

// Fri 20 Nov 2026, 10:00 in New York.
const NOW = new Date('2026-11-20T15:00:00Z');

const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: America/New_York
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM} }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0CASE2, roles: [case_manager] }
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW, yaml: YAML });
});
afterAll(async () => {
  await h?.stop();
});

type TBlock = {
  type: string;
  block_id: string;
  hint?: { text: string };
  elements?: { action_id: string; text: { text: string } }[];
  element?: Record<string, unknown>;
};
const blocksOf = (view: Record<string, unknown>) => view.blocks as TBlock[];
const blockOf = (view: Record<string, unknown>, id: string) => blocksOf(view).find((b) => b.block_id === id);

let viewCount = 0;
async function openForm(userId: string, text = ''): Promise<OpenedView> {
  const before = h.slack.calls.length;
  expect((await h.command(userId, text)).status).toBe(200);
  const call = await h.slack.waitFor('views.open', before);
  return { id: `VPHONE${++viewCount}`, hash: 'h1', view: call.args.view as Record<string, unknown> };
}

/** Sends a block action and returns the view carelog redrew, as the same open modal. */
async function redrawn(opened: OpenedView, payload: Record<string, unknown>): Promise<OpenedView> {
  const before = h.slack.calls.length;
  expect((await h.interact(payload)).status).toBe(200);
  const update = await h.slack.waitFor('views.update', before);
  return { ...opened, view: update.args.view as Record<string, unknown> };
}

async function save(opened: OpenedView, values: ModalValues) {
  const res = await h.interact(viewSubmission('U0CLIN1', opened, values));
  expect(res.status).toBe(200);
  return res.json as { response_action: string; view?: Record<string, unknown>; errors?: Record<string, string> };
}

async function lastDm(): Promise<string> {
  const call = await h.slack.waitFor('chat.postMessage', 0);
  return String(h.slack.callsTo('chat.postMessage').at(-1)?.args.text ?? call.args.text);
}

const memberId = async (slackId: string) =>
  (await h.carelog.deps.db.prisma.member.findFirstOrThrow({ where: { platformUserId: slackId } })).id;

const clientOf = async (code: string) =>
  h.carelog.deps.db.prisma.client.findFirstOrThrow({ where: { code }, select: { id: true, caseManagerId: true } });

const NEW_CLIENT = { value: 'new', text: '➕ New client' };
/** The typical contact of issue 14, less the client: source, one service, outcome, follow-up date, a note. */
const TYPICAL: ModalValues = {
  contact_date: '2026-11-20',
  contact_time: '10:00',
  source: 'call_for_service',
  services: ['crisis_services'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  notes: 'Agreed to a call on Tuesday.',
};
const TYPICAL_WANTED: TWanted = {
  client: 'chosen in the typeahead',
  source: 'call_for_service',
  services: ['crisis_services'],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-24',
  notes: 'typed',
};

describe('the contact form on a phone (Slack)', () => {
  it('shows 9 inputs before a client is chosen, no Follow-up box, and a short Client hint', async () => {
    const opened = await openForm('U0CLIN1');
    const inputs = slackInputs(opened.view);
    expect(inputs.map((i) => i.id)).toEqual([
      'client',
      'contact_date',
      'contact_time',
      'source',
      'services',
      'disposition',
      'follow_up_date',
      'follow_up_assignee',
      'notes',
    ]);
    expect(blockOf(opened.view, 'follow_up_wanted')).toBeUndefined();
    expect(blockOf(opened.view, 'client')!.hint!.text).toBe('Type a code, or choose “New client”.');
    // No client yet: "Follow-up by" is empty, and its hint says who an empty box means.
    expect(blockOf(opened.view, 'follow_up_assignee')!.element!.initial_user).toBeUndefined();
    expect(blockOf(opened.view, 'follow_up_assignee')!.hint!.text).toMatch(/^Empty: the client’s case manager/);
    // Everything else is one tap away.
    const more = blockOf(opened.view, 'contact_more_details')!;
    expect(more.type).toBe('actions');
    expect(more.elements![0]!.text.text).toBe('More details');
    expect(JSON.stringify(blockOf(opened.view, 'contact_more_details_hint'))).toContain(
      'Referrals, on scene, CAD number, minutes on scene.',
    );
  });

  it('shows 11 for a new client; the Client hint no longer says to choose New client; saves with the least loaded case manager', async () => {
    const opened = await openForm('U0CLIN1');
    const shaped = await redrawn(opened, clientChosenAction('U0CLIN1', opened, { client: NEW_CLIENT }));
    expect(slackInputs(shaped.view)).toHaveLength(11);
    expect(
      slackInputs(shaped.view)
        .slice(0, 3)
        .map((i) => i.id),
    ).toEqual(['client', 'sex', 'age_band']);
    const hint = blockOf(shaped.view, 'client')!.hint?.text ?? '';
    expect(hint).not.toMatch(/choose/i);
    expect(hint.length).toBeLessThan(60);
    expect(blockOf(shaped.view, 'follow_up_assignee')!.hint!.text).toBe(
      'Empty: the case manager with the fewest follow-ups.',
    );
    // The first contact of this clinician: nothing remembered yet, the source is chosen.
    expect(blockOf(shaped.view, 'source')!.element!.initial_option).toBeUndefined();
    expect(await save(shaped, { ...TYPICAL, client: NEW_CLIENT, sex: 'female', age_band: '25-59' })).toEqual({
      response_action: 'clear',
    });
    const first = await clientOf('PIC-0001');
    expect(first.caseManagerId).toBe(await memberId('U0CASE1'));
    expect(await lastDm()).toContain('by <@U0CASE1>');
  });

  it('gives the second new client the other case manager (fewest pending follow-ups)', async () => {
    const opened = await openForm('U0CLIN1');
    expect(
      await save(opened, {
        ...TYPICAL,
        client: NEW_CLIENT,
        sex: 'male',
        age_band: '25-59',
        follow_up_date: '2026-11-25',
      }),
    ).toEqual({ response_action: 'clear' });
    expect((await clientOf('PIC-0002')).caseManagerId).toBe(await memberId('U0CASE2'));
  });

  it('remembers the clinician’s last source, in Postgres, and starts the next form with it', async () => {
    const row = await h.carelog.deps.db.prisma.member.findFirstOrThrow({
      where: { platformUserId: 'U0CLIN1' },
      select: { lastContactSource: true },
    });
    expect(row.lastContactSource).toBe('call_for_service');
    const opened = await openForm('U0CLIN1');
    const source = blockOf(opened.view, 'source')!;
    expect((source.element!.initial_option as { value: string }).value).toBe('call_for_service');
    expect(source.hint!.text).toBe('As your last contact.');
    // Only this person's: a form for someone who never logged one starts empty.
    const other = await openForm('U0CASE1');
    expect(blockOf(other.view, 'source')!.element!.initial_option).toBeUndefined();
  });

  it('pre-fills "Follow-up by" with the client’s own case manager (not the first on the roster), and the follow-up goes there', async () => {
    const opened = await openForm('U0CLIN1', 'PIC-0002');
    const assignee = blockOf(opened.view, blockIdOf(opened.view, 'follow_up_assignee')!)!;
    expect(assignee.element!.initial_user).toBe('U0CASE2');
    expect(assignee.hint!.text).toBe('The client’s case manager. Change to hand it on.');
    expect(slackInputs(opened.view)).toHaveLength(9);
    const client = await clientOf('PIC-0002');
    expect(
      await save(opened, {
        ...TYPICAL,
        client: { value: client.id, text: 'PIC-0002' },
        follow_up_date: '2026-11-27',
        follow_up_assignee: 'U0CASE2',
      }),
    ).toEqual({ response_action: 'clear' });
    const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow({
      where: { clientId: client.id, status: 'pending' },
    });
    expect(followUp.assigneeId).toBe(await memberId('U0CASE2'));
    expect(await lastDm()).toContain('by <@U0CASE2>');
  });

  it('logs the typical contact of a known client in at most 12 taps, and an empty "Follow-up by" still reaches the client’s case manager', async () => {
    const opened = await openForm('U0CLIN1');
    const client = await clientOf('PIC-0002');
    // Measured on the form as opened; choosing the client redraws it with the same 9 inputs.
    const count = countTaps(slackInputs(opened.view), TYPICAL_WANTED, { saveAt: 'top' });
    // client 2, source 0 (remembered), one service 3, outcome 2, follow-up date 2, note 1, a swipe, Save.
    expect(count.detail).toMatchObject({ client: 2, source: 0, services: 3, disposition: 2, follow_up_date: 2 });
    expect(count.taps).toBeLessThanOrEqual(12);
    const shaped = await redrawn(
      opened,
      clientChosenAction('U0CLIN1', opened, { client: { value: client.id, text: 'PIC-0002' } }),
    );
    expect(slackInputs(shaped.view).map((i) => i.id)).toEqual(slackInputs(opened.view).map((i) => i.id));
    expect(
      await save(shaped, { ...TYPICAL, client: { value: client.id, text: 'PIC-0002' }, follow_up_date: '2026-11-30' }),
    ).toEqual({ response_action: 'clear' });
    const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow({
      where: { clientId: client.id, status: 'pending' },
    });
    expect(followUp.assigneeId).toBe(await memberId('U0CASE2'));
    const contact = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({
      where: { followUpDate: new Date('2026-11-30') },
    });
    // The stored meaning is unchanged: a contact with a follow-up date wanted one.
    expect(contact.followUpWanted).toBe(true);
  });

  it('costs the first contact of a clinician two taps more (no source remembered yet)', async () => {
    const opened = await openForm('U0CASE1');
    const count = countTaps(slackInputs(opened.view), TYPICAL_WANTED, { saveAt: 'top' });
    expect(count.detail.source).toBe(2);
    expect(count.taps).toBeLessThanOrEqual(14);
  });

  it('keeps everything recordable behind "More details": referrals, on scene, CAD number and minutes', async () => {
    const opened = await openForm('U0CLIN1');
    const typed = { ...TYPICAL, client: NEW_CLIENT, sex: 'female', age_band: '13-17' };
    const shaped = await redrawn(
      opened,
      modalButtonAction('U0CLIN1', opened, 'contact_more_details', {
        ...typed,
        referrals: undefined,
        on_scene: undefined,
      }),
    );
    const ids = slackInputs(shaped.view).map((i) => i.id);
    expect(ids.slice(-4)).toEqual(['referrals', 'on_scene', 'incident_ref', 'minutes_on_scene']);
    expect(blockOf(shaped.view, 'contact_more_details')).toBeUndefined();
    expect(blockOf(shaped.view, 'contact_more_details_hint')).toBeUndefined();
    // What was chosen so far is kept.
    expect((blockOf(shaped.view, 'source')!.element!.initial_option as { value: string }).value).toBe(
      'call_for_service',
    );
    expect(
      await save(shaped, {
        ...typed,
        referrals: ['mental_health_treatment'],
        on_scene: ['arrest_avoided'],
        incident_ref: 'CAD-2026-900',
        minutes_on_scene: '30',
      }),
    ).toEqual({ response_action: 'clear' });
    const contact = await h.carelog.deps.db.prisma.contact.findFirstOrThrow({ where: { incidentRef: 'CAD-2026-900' } });
    expect(contact).toMatchObject({ referrals: ['mental_health_treatment'], minutesOnScene: 30 });
  });

  it('asks for sex and age instead of showing errors when New client was chosen just before Save', async () => {
    const opened = await openForm('U0CLIN1');
    const before = await h.carelog.deps.db.prisma.contact.count();
    const answer = await save(opened, { ...TYPICAL, client: NEW_CLIENT });
    expect(answer.response_action).toBe('update');
    expect(slackInputs(answer.view!).map((i) => i.id)).toEqual(expect.arrayContaining(['sex', 'age_band']));
    expect(await h.carelog.deps.db.prisma.contact.count()).toBe(before);
  });

  describe('"Follow-up by" follows the client chosen after the form opened', () => {
    const heldUser = (e: Record<string, unknown>) => e.initial_user as string | undefined;
    /** What Slack shows in "Follow-up by" after carelog redrew the modal. */
    const assigneeShown = (before: OpenedView, after: OpenedView, held: string | undefined) =>
      shownAfterUpdate(before.view, after.view, 'follow_up_assignee', held, heldUser);
    const clientReads = async (clientId: string) =>
      h.carelog.deps.db.prisma.auditEvent.count({ where: { action: 'client.read', entityId: clientId } });

    it('re-fills the box with the new client’s own case manager when it still holds the earlier default, keeping every other answer', async () => {
      const opened = await openForm('U0CLIN1', 'PIC-0002');
      const [first, second] = [await clientOf('PIC-0001'), await clientOf('PIC-0002')];
      const reads = await clientReads(first.id);
      const typed: ModalValues = {
        ...TYPICAL,
        client: { value: first.id, text: 'PIC-0001' },
        follow_up_date: '2026-12-01',
        follow_up_assignee: 'U0CASE2',
      };
      const shaped = await redrawn(opened, clientChosenAction('U0CLIN1', opened, typed));
      // A new block id, so Slack draws the new person instead of keeping U0CASE2.
      expect(blockIdOf(shaped.view, 'follow_up_assignee')).not.toBe(blockIdOf(opened.view, 'follow_up_assignee'));
      expect(assigneeShown(opened, shaped, 'U0CASE2')).toBe('U0CASE1');
      expect(blockOf(shaped.view, blockIdOf(shaped.view, 'follow_up_assignee')!)!.hint!.text).toBe(
        'The client’s case manager. Change to hand it on.',
      );
      // The lookup of the new client's case manager is a read of that client, on the record.
      expect(await clientReads(first.id)).toBe(reads + 1);
      // Nothing typed is lost: the other inputs keep their block ids (Slack keeps what they hold)
      // and the choices are drawn again.
      for (const id of ['notes', 'contact_date', 'contact_time', 'source', 'services', 'disposition', 'follow_up_date'])
        expect(blockIdOf(shaped.view, id)).toBe(id);
      expect((blockOf(shaped.view, 'disposition')!.element!.initial_option as { value: string }).value).toBe(
        'resolved_on_scene',
      );
      expect(blockOf(shaped.view, 'follow_up_date')!.element!.initial_date).toBe('2026-12-01');
      // Saved as Slack then sends it: the follow-up goes to the new client's case manager.
      expect(await save(shaped, { ...typed, follow_up_assignee: 'U0CASE1' })).toEqual({ response_action: 'clear' });
      const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow({
        where: { clientId: first.id, dueAt: { gte: new Date('2026-12-01T00:00:00Z') } },
      });
      expect(followUp.assigneeId).toBe(await memberId('U0CASE1'));
      expect(second.caseManagerId).toBe(await memberId('U0CASE2'));
    });

    it('keeps a person the clinician picked themselves', async () => {
      const opened = await openForm('U0CLIN1', 'PIC-0002');
      const first = await clientOf('PIC-0001');
      const typed: ModalValues = {
        ...TYPICAL,
        client: { value: first.id, text: 'PIC-0001' },
        follow_up_assignee: 'U0CLIN1',
      };
      const shaped = await redrawn(opened, clientChosenAction('U0CLIN1', opened, typed));
      expect(blockIdOf(shaped.view, 'follow_up_assignee')).toBe(blockIdOf(opened.view, 'follow_up_assignee'));
      expect(assigneeShown(opened, shaped, 'U0CLIN1')).toBe('U0CLIN1');
    });

    it('empties the box for a new client, and fills it again for a known one after that', async () => {
      const opened = await openForm('U0CLIN1', 'PIC-0002');
      const typed: ModalValues = { ...TYPICAL, client: NEW_CLIENT, follow_up_assignee: 'U0CASE2' };
      const asNew = await redrawn(opened, clientChosenAction('U0CLIN1', opened, typed));
      expect(assigneeShown(opened, asNew, 'U0CASE2')).toBeUndefined();
      expect(blockOf(asNew.view, blockIdOf(asNew.view, 'follow_up_assignee')!)!.hint!.text).toBe(
        'Empty: the case manager with the fewest follow-ups.',
      );
      const first = await clientOf('PIC-0001');
      const again = await redrawn(
        asNew,
        clientChosenAction('U0CLIN1', asNew, {
          ...typed,
          sex: 'female',
          age_band: '25-59',
          client: { value: first.id, text: 'PIC-0001' },
          follow_up_assignee: undefined,
        }),
      );
      expect(assigneeShown(asNew, again, undefined)).toBe('U0CASE1');
    });

    it('saves to the chosen client’s case manager when Save comes before the form could follow', async () => {
      const opened = await openForm('U0CLIN1', 'PIC-0002');
      const first = await clientOf('PIC-0001');
      // PIC-0001 chosen and Save pressed at once: the box still shows PIC-0002's case manager.
      expect(
        await save(opened, {
          ...TYPICAL,
          client: { value: first.id, text: 'PIC-0001' },
          follow_up_date: '2026-12-02',
          follow_up_assignee: 'U0CASE2',
        }),
      ).toEqual({ response_action: 'clear' });
      const followUp = await h.carelog.deps.db.prisma.followUp.findFirstOrThrow({
        where: { clientId: first.id, dueAt: { gte: new Date('2026-12-02T00:00:00Z') } },
      });
      expect(followUp.assigneeId).toBe(await memberId('U0CASE1'));
    });
  });
});
