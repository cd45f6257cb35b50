// Who may do what. People not on the roster, people of another program (and its workspace), and
// roster members whose role does not allow the thing try every way in: /contact with a code, the
// typeahead, saving a form, choosing a client, the nudge buttons on a real pending follow-up,
// /carelog followups, the Home tab, /digest … post, /carelog roster and the admin's roster modal
// (and, on Teams, "roster" and its card's Apply). Nothing is written, and no client's code or
// record is shown to them. Then every read of a client's record by those who may (the form opened
// for a code, Log follow-up, the follow-up list, the Home tab, a nudge sent, a Teams form saved
// again and answered with its confirmation) and every export (contacts and referrals; the service and the command line,
// with and without notes, with Part 2, naming a roster member or not) writes its AuditEvent, naming
// the client where it shows one, and every command-line export names the operating-system account
// that ran it; the typeahead writes none (one keystroke, one request).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromLocal } from '../../src/domain/time.js';
import { interactionBody, sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';
import { exportContacts } from '../../src/services/csv-export.js';
import { exportReferrals } from '../../src/services/referral-csv.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { messageAction, nudgeDms, nudgeElements, responseUrl, settableClock, waitUntil } from '../support/followups.js';
import { countRows, openContactFormTemplate, reportFigure, rowsAdded, stopwatch } from '../support/faults.js';
import {
  NEW_CLIENT_INPUTS,
  openTeamsForm,
  pressOnCard,
  startTeamsHarness,
  T,
  type TeamsHarness,
} from '../support/teams-harness.js';
import { openRosterModal, openTeamsRosterCard, rosterSubmission } from '../support/roster.js';
import { clientChosenAction, clientSuggestion, viewSubmission, type ModalValues } from '../support/slack-payloads.js';

const run = promisify(execFile);
const NY = 'America/New_York';
const OTHER_TEAM = 'T0OTHER';
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: ${NY}
    startDate: 2024-03-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0SUPV1, roles: [supervisor] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin] }
  - id: dover
    name: Dover Co-Responders
    timezone: ${NY}
    startDate: 2024-01-01
    clientCodePrefix: DOV
    slack: { teamId: ${OTHER_TEAM}, digestChannel: C0DOVER }
    roster:
      - { slack: U0DOVC1, roles: [clinician, case_manager] }
`;
// Mon 23 Nov 2026, 10:00 New York.
const clock = settableClock(fromLocal('2026-11-23', '10:00', NY));

const FORM: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'male',
  age_band: '25-59',
  contact_date: '2026-11-23',
  contact_time: '09:00',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: [],
  disposition: 'resolved_on_scene',
  follow_up_date: '2026-11-23',
  follow_up_assignee: 'U0CASE1',
  notes: 'access note',
};

/** The text of a Teams invoke's answer: its card's texts, or its message. */
function textsOfAnswer(answer: { value: unknown }): string {
  return typeof answer.value === 'string' ? answer.value : JSON.stringify(answer.value);
}

let h: Harness;
let teams: TeamsHarness;
beforeAll(async () => {
  h = await startHarness({ now: clock.now, yaml: YAML });
  teams = await startTeamsHarness({ now: clock.now });
});
afterAll(async () => {
  await h?.stop();
  await teams?.stop();
});

describe('people who may not', () => {
  it('write nothing and see no client; every read of a record and every export is audited', async () => {
    const elapsed = stopwatch();
    const deps = h.carelog.deps;
    const prisma = deps.db.prisma;
    const form = await openContactFormTemplate(h, 'U0CLIN1');
    let views = 0;
    const nextForm = () => form.asForm(`VACCESS${++views}`);
    // A client with a pending follow-up whose nudge went out: the record the others reach for.
    expect((await h.interact(viewSubmission('U0CLIN1', nextForm(), FORM))).json).toEqual({ response_action: 'clear' });
    await waitUntil(() => nudgeDms(h, 'DU0CASE1').length >= 1, 15_000, 'the nudge');
    const dm = nudgeDms(h, 'DU0CASE1')[0]!;
    const message = h.slack.messages.find((m) => m.channel === 'DU0CASE1')!;
    const sent = { channel: message.channel, ts: message.ts, blocks: dm.args.blocks };
    const buttons = nudgeElements(sent.blocks);
    const client = await prisma.client.findFirstOrThrow();
    const followUp = await prisma.followUp.findFirstOrThrow();

    const answers: string[] = [];
    const keep = async (p: Promise<{ status: number; text: string }>) => {
      const res = await p;
      answers.push(res.text);
      return res;
    };
    const command = (command: string, user: string, text: string, team = TEAM) =>
      keep(
        sendSignedRequest({
          url: h.url,
          signingSecret: SIGNING_SECRET,
          body: slashCommandBody({ command, text, teamId: team, userId: user, responseUrl: responseUrl(h) }),
        }),
      );
    const interact = (payload: Record<string, unknown>) =>
      keep(sendSignedRequest({ url: h.url, signingSecret: SIGNING_SECRET, body: interactionBody(payload) }));
    const onTeam = <T extends Record<string, unknown>>(p: T, team: string): T => ({
      ...p,
      team: { id: team, domain: 'x' },
      user: { ...(p.user as object), team_id: team },
    });
    const homeOpened = (user: string, team: string) =>
      keep(
        sendSignedRequest({
          url: h.url,
          signingSecret: SIGNING_SECRET,
          contentType: 'application/json',
          body: JSON.stringify({
            type: 'event_callback',
            team_id: team,
            api_app_id: 'A0CARELOG',
            event: { type: 'app_home_opened', user, tab: 'home', channel: `D${user}` },
            event_id: `Ev${Date.now()}`,
            event_time: 1,
          }),
        }),
      );

    // Everyone who may not, and everything each tries.
    const outsiders: { user: string; team: string; why: string; mayWorkFollowUps?: boolean }[] = [
      { user: 'U0STRANGER', team: TEAM, why: 'not on the roster' },
      { user: 'U0DOVC1', team: OTHER_TEAM, why: 'another program, its own workspace' },
      { user: 'U0DOVC1', team: TEAM, why: 'another program’s person in this workspace' },
      { user: 'U0LEAD1', team: TEAM, why: 'leadership: no contacts, no follow-ups' },
      { user: 'U0SUPV1', team: TEAM, why: 'supervisor: no contacts', mayWorkFollowUps: true },
    ];
    // The admin's roster modal, which everyone else submits as their own.
    const rosterForm = await openRosterModal(h, 'U0ADMN1');
    const rowsBefore = await countRows(prisma);
    const auditBefore = await prisma.auditEvent.count();
    const callsBefore = h.slack.calls.length;
    let attempts = 0;
    for (const o of outsiders) {
      const tries: Promise<unknown>[] = [
        command('/contact', o.user, client.code, o.team),
        command('/contact', o.user, '', o.team),
        interact(clientSuggestion(o.user, nextForm(), 'PIC', o.team)),
        interact(clientSuggestion(o.user, nextForm(), '', o.team)),
        interact(viewSubmission(o.user, nextForm(), FORM, o.team)),
        interact(
          viewSubmission(
            o.user,
            nextForm(),
            { ...FORM, client: { value: client.id, text: client.code }, sex: undefined, age_band: undefined },
            o.team,
          ),
        ),
        interact(
          onTeam(
            clientChosenAction(o.user, nextForm(), { ...FORM, client: { value: client.id, text: client.code } }),
            o.team,
          ),
        ),
        homeOpened(o.user, o.team),
        // The roster: the command, and the admin's modal submitted to add themselves as an admin,
        // deactivate a clinician and make someone an admin.
        command('/carelog', o.user, 'roster', o.team),
        interact(rosterSubmission(o.user, rosterForm, { person: o.user, roles: ['admin'], action: 'add' }, o.team)),
        interact(rosterSubmission(o.user, rosterForm, { person: 'U0CLIN1', action: 'deactivate' }, o.team)),
        interact(
          rosterSubmission(o.user, rosterForm, { person: 'U0CASE1', roles: ['admin'], action: 'roles' }, o.team),
        ),
      ];
      // Supervisors work follow-ups (their buttons are allowed); the others press every one.
      if (!o.mayWorkFollowUps) {
        tries.push(
          interact(onTeam(messageAction(h, o.user, sent, buttons.nudge_done!), o.team)),
          interact(onTeam(messageAction(h, o.user, sent, buttons.nudge_attempt!), o.team)),
          interact(onTeam(messageAction(h, o.user, sent, buttons.nudge_log!), o.team)),
          interact(
            onTeam(
              messageAction(h, o.user, sent, buttons.nudge_snooze!, {
                selected_option: (buttons.nudge_snooze!.options as { value: string }[])[0],
              }),
              o.team,
            ),
          ),
          interact(onTeam(messageAction(h, o.user, sent, buttons.nudge_reassign!, { selected_user: o.user }), o.team)),
          command('/carelog', o.user, 'followups', o.team),
        );
      }
      if (o.user !== 'U0LEAD1')
        tries.push(
          command('/digest', o.user, 'week 2026-W46 post', o.team),
          command('/digest', o.user, 'quarter 2026-Q3', o.team),
        );
      attempts += tries.length;
      await Promise.all(tries);
    }
    // Listeners acknowledge first: let whatever they do after that happen.
    await new Promise((r) => setTimeout(r, 1_000));
    const rowsAfter = await countRows(prisma);
    const followUpAfter = await prisma.followUp.findUniqueOrThrow({ where: { id: followUp.id } });
    const calls = h.slack.calls.slice(callsBefore);
    // What they were shown: refusals, the help text, another program's empty typeahead. Never a
    // client's code (the help text's example, PIC-0042, is nobody's).
    const codes = (await prisma.client.findMany({ select: { code: true } })).map((c) => c.code);
    const shown = [...answers, ...calls.map((c) => c.raw)].filter((t) => codes.some((code) => t.includes(code)));
    // Forms and messages for this program (a Dover clinician's own Dover form is theirs to open).
    const formsOpened = calls.filter(
      (c) =>
        ['views.open', 'views.update', 'chat.update', 'chat.postMessage'].includes(c.method) &&
        !JSON.stringify(c.args).includes('dover'),
    );
    // On Teams: "roster", and Apply on the admin's roster card, by a clinician, a supervisor and leadership.
    const tp = teams.carelog.deps.db.prisma;
    const adminCard = await openTeamsRosterCard(teams, T.admin);
    const teamsBefore = await countRows(tp);
    for (const u of [T.clinician, T.supervisor, T.leader]) {
      await teams.send(teams.teams.message(u, 'roster'));
      const forged: [string, string, string][] = [
        ['add', T.outsider.aadObjectId, 'admin'],
        ['deactivate', T.admin.aadObjectId, ''],
        ['roles', u.aadObjectId, 'admin'],
      ];
      for (const [action, person, roles] of forged)
        answers.push(
          textsOfAnswer(
            await pressOnCard(teams, u, adminCard, 'roster_apply', {
              roster_person: person,
              roster_roles: roles,
              roster_action: action,
            }),
          ),
        );
      attempts += 1 + forged.length;
    }
    const teamsWritten = rowsAdded(teamsBefore, await countRows(tp));
    const written =
      Object.keys(rowsAfter).reduce((n, k) => n + Math.abs(rowsAfter[k]! - rowsBefore[k]!), 0) +
      (followUpAfter.version !== followUp.version ? 1 : 0) +
      teamsWritten;

    // Those who may read: each read of a client's record writes its event, with who and which.
    // A read that shows a client's code counts only when its event names that client (by id).
    const audited = async (
      action: string,
      actorSlackId: string | null,
      read: () => Promise<unknown>,
      naming?: string,
    ) => {
      const actorId = actorSlackId ? deps.directory.member('wilmington', 'slack', actorSlackId)!.memberId : null;
      const where = { action, actorId, ...(naming ? { clientIds: { has: naming } } : {}) };
      const before = await prisma.auditEvent.count({ where });
      await read();
      const after = await waitUntil(
        async () => {
          const n = await prisma.auditEvent.count({ where });
          return n > before ? n : 0;
        },
        10_000,
        `an ${action} event`,
      ).catch(() => before);
      return after - before;
    };
    // The typeahead is not audited per keystroke: typing a code is six requests and no event.
    const keystrokes = async () => {
      const before = await prisma.auditEvent.count();
      for (const q of ['P', 'PI', 'PIC', 'PIC-', 'PIC-0', 'PIC-00'])
        await interact(clientSuggestion('U0CLIN1', nextForm(), q));
      return (await prisma.auditEvent.count()) - before;
    };
    // A Teams form saved, then saved again (Teams resends an invoke): the confirmation shown again.
    const teamsRepeat = async () => {
      const tp = teams.carelog.deps.db.prisma;
      const form = await openTeamsForm(teams, T.clinician);
      const values = { ...NEW_CLIENT_INPUTS, contact_date: '2026-11-23', contact_time: '09:00' };
      expect(textsOfAnswer(await pressOnCard(teams, T.clinician, form, 'contact_save', values))).toMatch(
        /Saved contact #1/,
      );
      const saved = await tp.contact.findFirstOrThrow();
      const actor = await tp.member.findFirstOrThrow({
        where: { platform: 'teams', platformUserId: T.clinician.aadObjectId },
      });
      const where = {
        action: 'contact.read',
        actorId: actor.id,
        entityId: saved.id,
        clientIds: { has: saved.clientId },
      };
      const before = await tp.auditEvent.count({ where });
      expect(textsOfAnswer(await pressOnCard(teams, T.clinician, form, 'contact_save', values))).toMatch(
        /Saved contact #1/,
      );
      return (await tp.auditEvent.count({ where })) - before;
    };
    const reads = {
      '/contact with a code (client.read)': await audited('client.read', 'U0CLIN1', () =>
        command('/contact', 'U0CLIN1', client.code),
      ),
      'Log follow-up on a nudge (client.read)': await audited('client.read', 'U0CASE1', () =>
        interact(messageAction(h, 'U0CASE1', sent, buttons.nudge_log!)),
      ),
      'Log follow-up by a supervisor (client.read)': await audited('client.read', 'U0SUPV1', () =>
        interact(messageAction(h, 'U0SUPV1', sent, buttons.nudge_log!)),
      ),
      '/carelog followups (followup.list, naming the client)': await audited(
        'followup.list',
        'U0CASE1',
        () => command('/carelog', 'U0CASE1', 'followups'),
        client.id,
      ),
      'the Home tab (followup.list, naming the client)': await audited(
        'followup.list',
        'U0CASE1',
        () => homeOpened('U0CASE1', TEAM),
        client.id,
      ),
      'the nudge sent (followup.nudge, naming the client)': await prisma.auditEvent.count({
        where: { action: 'followup.nudge', actorId: null, clientIds: { has: client.id } },
      }),
      'a Teams form saved again, its confirmation shown (contact.read, naming the client)': await teamsRepeat(),
      // Snoozed from one copy of the nudge, then Done pressed on the other: the record is shown again.
      'Done on an outdated nudge (client.read)': await audited('client.read', 'U0CASE1', async () => {
        await interact(
          messageAction(h, 'U0CASE1', sent, buttons.nudge_snooze!, {
            selected_option: (buttons.nudge_snooze!.options as { value: string }[])[0],
          }),
        );
        await waitUntil(
          async () =>
            (await prisma.followUp.findUniqueOrThrow({ where: { id: followUp.id } })).version > followUp.version,
          10_000,
          'the snooze',
        );
        await interact(messageAction(h, 'U0CASE1', sent, buttons.nudge_done!));
      }),
      'export, service (contact.export)': await audited('contact.export', null, () =>
        exportContacts(
          { prisma, keyring: deps.keyring },
          {
            program: deps.directory.program('wilmington')!,
            from: '2026-11-01',
            to: '2026-11-30',
            includeNotes: false,
            actor: { memberId: null, named: null, osUser: 'operator', host: 'fault-host' },
          },
        ),
      ),
      'referrals export, service (referral.export)': await audited('referral.export', null, () =>
        exportReferrals(
          { prisma },
          {
            program: deps.directory.program('wilmington')!,
            from: '2026-11-01',
            to: '2026-11-30',
            actor: { memberId: null, named: null, osUser: 'operator', host: 'fault-host' },
          },
        ),
      ),
    };
    // The command line, as an operator runs it: npm run carelog -- export.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'carelog-access-'));
    const cli: Record<string, number> = {};
    let anonymousExports: number;
    try {
      writeFileSync(path.join(dir, 'carelog.yml'), YAML);
      const env = {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: deps.config.env.DATABASE_URL!,
        CARELOG_CONFIG: path.join(dir, 'carelog.yml'),
        CARELOG_ENCRYPTION_KEY: deps.config.env.CARELOG_ENCRYPTION_KEY!,
        LOG_LEVEL: 'silent',
      };
      const runs = [
        ['export, command line (contact.export)', 'contact.export', [], null],
        ['export with notes, command line (contact.export_notes)', 'contact.export_notes', ['--include-notes'], null],
        ['export with Part 2, command line (contact.export_part2)', 'contact.export_part2', ['--include-part2'], null],
        [
          'export by a roster member named with --actor (contact.export)',
          'contact.export',
          ['--actor', 'U0LEAD1'],
          'U0LEAD1',
        ],
      ] as const;
      for (const [label, action, flags, actor] of runs) {
        let stdout = '';
        cli[label] = await audited(action, actor, async () => {
          stdout = (
            await run(
              process.execPath,
              [
                '--import',
                'tsx',
                'src/cli.ts',
                'export',
                '--program',
                'wilmington',
                '--from',
                '2026-11-01',
                '--to',
                '2026-11-30',
                ...flags,
              ],
              { env, cwd: process.cwd() },
            )
          ).stdout;
        });
        expect(stdout).toContain(client.code);
        expect(stdout.includes('access note')).toBe((flags as readonly string[]).includes('--include-notes'));
      }
      // Every export from the command line names the account and machine it ran on.
      const cliRows = await prisma.auditEvent.findMany({
        where: { action: { startsWith: 'contact.export' } },
        orderBy: { id: 'desc' },
        take: runs.length,
      });
      anonymousExports = cliRows.filter(
        (r) => (r.details as { osUser?: string } | null)?.osUser !== os.userInfo().username,
      ).length;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const allReads = { ...reads, ...cli };
    const unaudited = Object.values(allReads).filter((n) => n !== 1).length + anonymousExports;
    const keystrokeEvents = await keystrokes();

    const figure = written + shown.length + formsOpened.length + unaudited + keystrokeEvents;
    reportFigure({
      case: 'non-roster and wrong-role users; audit of reads and exports',
      figure,
      unit: 'rows written, client data shown, reads not audited or keystrokes audited',
      goal: '0',
      ok: figure === 0,
      of: { count: attempts + Object.keys(allReads).length, unit: 'attempts and reads' },
      durationMs: elapsed(),
      details: {
        attemptsByOutsiders: attempts,
        rowsWritten: written,
        teamsRosterRowsWritten: teamsWritten,
        codesShown: shown.length,
        formsOrMessages: formsOpened.length,
        auditedReads: Object.keys(allReads).length - unaudited,
        readsNotAudited: unaudited,
        auditEventsForSixKeystrokes: keystrokeEvents,
        auditEventsDuringAttempts: rowsAfter.auditEvents! - auditBefore,
      },
    });

    expect(rowsAfter).toEqual(rowsBefore);
    expect(teamsWritten, 'rows written on Teams by the roster attempts').toBe(0);
    expect(followUpAfter).toMatchObject({
      version: followUp.version,
      status: 'pending',
      assigneeId: followUp.assigneeId,
    });
    expect(shown).toEqual([]);
    expect(formsOpened.map((c) => c.method)).toEqual([]);
    expect(allReads).toEqual(Object.fromEntries(Object.keys(allReads).map((k) => [k, 1])));
    expect(anonymousExports).toBe(0);
    expect(keystrokeEvents).toBe(0);
    // The refusals were answered, not dropped.
    expect(answers.filter((a) => a.includes('Only members of your co-responder team')).length).toBeGreaterThan(5);
    expect(calls.filter((c) => c.method.startsWith('response_url.')).length).toBeGreaterThan(5);
  });
});
