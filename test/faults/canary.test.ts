// Canary PHI: a note and a client alias that only a person could have typed, seeded through every
// way text enters carelog (on Slack: the notes field, the other free-text fields and menus of the
// form, slash command text, the typeahead, a retry header, names in payloads; on Teams: messages,
// the form's notes, saved and sent back, the typeahead; CSV imports, good and broken), then
// nudges, escalations, actions, digests on both platforms (previewed, posted, printed) and an
// export without notes. They must appear nowhere: not in a log line, a Slack or Bot Connector call
// or upload, an HTTP answer, an import error, a digest, the export, Redis, or the database outside
// the notes' ciphertext. (On Teams the form is sent back with what was typed in its other fields,
// since Teams keeps no input state; only the notes, sealed, are seeded there.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigestJob } from '../../jobs/post-digest.js';
import { lastCompletePeriod } from '../../src/domain/periods.js';
import { fromLocal } from '../../src/domain/time.js';
import { formatImportError } from '../../src/domain/contact-csv.js';
import { Redis } from '../../src/queue/redis.js';
import { sendSignedRequest, slashCommandBody } from '../support/slack-requests.js';
import { openNotes } from '../../src/services/contacts.js';
import { reconcileReminders } from '../../src/services/reconcile.js';
import { contactExportCsv, exportContacts } from '../../src/services/csv-export.js';
import { importContacts } from '../../src/services/csv-import.js';
import { computeDigest } from '../../src/services/digest.js';
import { renderDigestText } from '../../src/views/digest.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import {
  FOLLOWUP_YAML,
  messageAction,
  nudgeDms,
  nudgeElements,
  responseUrl,
  settableClock,
  waitUntil,
} from '../support/followups.js';
import { openContactFormTemplate, reportFigure, stopwatch } from '../support/faults.js';
import {
  clientChosenAction,
  clientSuggestion,
  viewSubmission,
  type ModalValues,
  type OpenedView,
} from '../support/slack-payloads.js';
import { cardOf, FakeTeams, pressAction, textsOf } from '../support/fake-teams.js';
import { T, TEAMS_APP_ID, TEAMS_SECRET, TEAMS_TENANT } from '../support/teams-harness.js';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/http-adapter.js';

const NY = 'America/New_York';
const NOTE = 'CANARY-NOTE-3b9f Jane Roe says the voices told her to stop her meds';
const ALIAS = 'Quillsparrow';
const FULL_ALIAS = `CANARY-ALIAS-71c0 Birdie ${ALIAS}`;
/** A CAD number is stored as typed and exported, and goes nowhere else. */
const REF = 'CADX-5E2D7';
/** Who runs the service-level exports: an operating-system account, no roster member. */
const ACTOR = { memberId: null, named: null, osUser: 'operator', host: 'fault-host' };
const CANARY = /canary|quillsparrow|jane roe|voices told/i;
// Mon 23 Nov 2026, 10:00 New York; follow-ups are overdue the day they are due (no grace), so
// the overdue nudges and the supervisors' escalations go out too.
const clock = settableClock(fromLocal('2026-11-23', '10:00', NY));

const VALID: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-23',
  contact_time: '09:30',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['mental_health_treatment'],
  disposition: 'resolved_on_scene',
  incident_ref: REF,
  minutes_on_scene: '20',
  follow_up_date: '2026-11-23',
  follow_up_assignee: 'U0CASE1',
  notes: NOTE,
};

/** One program on Slack and on Teams, with a Teams clinician and case manager beside the Slack roster. */
const YAML = FOLLOWUP_YAML('followUps: { overdueAfterWorkingDays: 0 }')
  .replace(
    '    slack: { teamId: T0TEST, digestChannel: C0DIGEST }',
    `    slack: { teamId: T0TEST, digestChannel: C0DIGEST }\n    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "19:phidigest@thread.tacv2" }`,
  )
  .replace(
    '      - { slack: U0ADMN1, roles: [admin] }',
    `      - { slack: U0ADMN1, roles: [admin] }\n      - { teams: ${T.clinician.aadObjectId}, roles: [clinician] }\n      - { teams: ${T.caseManager.aadObjectId}, roles: [case_manager] }\n      - { teams: ${T.leader.aadObjectId}, roles: [leadership] }`,
  );

let h: Harness;
let teams: FakeTeams;
let form: { opened: OpenedView; asForm(id: string): OpenedView };
beforeAll(async () => {
  teams = new FakeTeams(TEAMS_APP_ID, TEAMS_TENANT, TEAMS_SECRET);
  await teams.start();
  // Every log line carelog can write, Bolt's and the Teams SDK's debug chatter too.
  h = await startHarness({
    now: clock.now,
    yaml: YAML,
    env: {
      LOG_LEVEL: 'trace',
      TEAMS_SERVICE_URL: teams.serviceUrl,
      TEAMS_CLIENT_ID: TEAMS_APP_ID,
      TEAMS_CLIENT_SECRET: TEAMS_SECRET,
      TEAMS_TENANT_ID: TEAMS_TENANT,
    },
    teamsCloud: teams.cloud,
  });
  form = await openContactFormTemplate(h, 'U0CLIN1', { everyField: true });
});
afterAll(async () => {
  await h?.stop();
  await teams?.stop();
});

describe('canary PHI seeded everywhere', () => {
  it('appears in no log line, Slack call, answer, error message, digest, export, Redis key or plain column', async () => {
    const elapsed = stopwatch();
    const deps = h.carelog.deps;
    const prisma = deps.db.prisma;
    const program = deps.directory.program('wilmington')!;
    const answers: string[] = [];
    const send = async (p: Promise<{ status: number; text: string }>) => {
      const res = await p;
      answers.push(`${res.status} ${res.text}`);
      return res;
    };
    const interact = (payload: Record<string, unknown>, headers?: Record<string, string>) =>
      send(h.interact(payload, headers));
    const command = (command: string, userId: string, text: string) =>
      send(
        sendSignedRequest({
          url: h.url,
          signingSecret: SIGNING_SECRET,
          body: slashCommandBody({ command, text, teamId: TEAM, userId, responseUrl: responseUrl(h) }),
        }),
      );
    /** A payload whose person carries the alias as their Slack name. */
    const named = <T extends Record<string, unknown>>(p: T): T => ({
      ...p,
      user: { ...(p.user as object), name: FULL_ALIAS, username: ALIAS },
    });
    let views = 0;
    const nextForm = () => form.asForm(`VPHI${++views}`);

    // 1. The form, saved: notes, CAD number, a second client whose notes carry the alias, a
    //    returning contact (it meets the first follow-up, whose nudge is then updated).
    expect(
      (
        await interact(named(viewSubmission('U0CLIN1', nextForm(), VALID)), {
          'x-slack-retry-num': '1',
          'x-slack-retry-reason': NOTE,
        })
      ).text,
    ).toContain('clear');
    expect(
      (
        await interact(
          named(
            viewSubmission('U0CLIN1', nextForm(), {
              ...VALID,
              notes: `${FULL_ALIAS} was found at the bus station`,
              follow_up_assignee: 'U0CASE2',
            }),
          ),
        )
      ).text,
    ).toContain('clear');
    await waitUntil(
      () => nudgeDms(h, 'DU0CASE1').length >= 1 && nudgeDms(h, 'DU0CASE2').length >= 1,
      20_000,
      'the first nudges',
    );
    const first = await prisma.client.findFirstOrThrow({ where: { number: 1 } });
    const { sex: _sex, age_band: _age, ...returning } = VALID;
    // Later than the first contact: only a contact after the one that asked meets a follow-up.
    expect(
      (
        await interact(
          viewSubmission('U0CLIN1', nextForm(), {
            ...returning,
            contact_time: '09:45',
            client: { value: first.id, text: first.code },
            follow_up_date: undefined,
            notes: `${NOTE} (again)`,
          }),
        )
      ).text,
    ).toContain('clear');

    // 2. The form, reshaped ("New client" chosen after typing notes) and refused, field by field.
    await interact(
      named(clientChosenAction('U0CLIN1', nextForm(), { ...VALID, client: { value: 'new', text: FULL_ALIAS } })),
    );
    const broken: ModalValues[] = [
      { ...VALID, source: NOTE },
      { ...VALID, disposition: FULL_ALIAS },
      { ...VALID, services: [ALIAS] },
      { ...VALID, sex: NOTE },
      { ...VALID, minutes_on_scene: NOTE },
      { ...VALID, incident_ref: NOTE },
      { ...VALID, follow_up_assignee: ALIAS },
      { ...VALID, contact_date: NOTE },
      { ...VALID, contact_time: FULL_ALIAS },
      { ...VALID, follow_up_date: NOTE },
      { ...VALID, client: { value: NOTE, text: FULL_ALIAS } },
      { ...VALID, client: { value: crypto.randomUUID(), text: FULL_ALIAS } },
      { ...VALID, notes: `${NOTE} `.repeat(60) },
    ];
    for (const values of broken) {
      const res = await interact(named(viewSubmission('U0CLIN1', nextForm(), values)));
      expect(res.text).toContain('"response_action":"errors"');
    }
    const forged = viewSubmission('U0CLIN1', nextForm(), VALID);
    forged.view.private_metadata = JSON.stringify({ programId: NOTE });
    await interact(forged);
    await interact(viewSubmission('U0STRANGER', nextForm(), VALID));

    // 3. Text after a command, and in the typeahead.
    for (const [cmd, user, text] of [
      ['/contact', 'U0CLIN1', NOTE],
      ['/contact', 'U0CLIN1', ALIAS],
      ['/contact', 'U0STRANGER', NOTE],
      ['/carelog', 'U0CASE1', NOTE],
      ['/carelog', 'U0CASE1', `followups ${ALIAS}`],
      ['/digest', 'U0LEAD1', NOTE],
      ['/digest', 'U0LEAD1', `quarter ${ALIAS}`],
      ['/digest', 'U0LEAD1', `week ${ALIAS} post`],
      ['/digest', 'U0CLIN1', `quarter ${ALIAS}`],
    ] as const) {
      expect((await command(cmd, user, text)).status).toBe(200);
    }
    for (const query of [ALIAS, NOTE]) await interact(named(clientSuggestion('U0CLIN1', nextForm(), query)));

    // 3b. Teams: the bot chat, the form (notes saved, and sent back sealed with errors), the typeahead.
    const teamsUrl = `http://127.0.0.1:${h.carelog.port}${TEAMS_MESSAGES_PATH}`;
    const toTeams = async (activity: Record<string, unknown>) => {
      const res = await teams.send(teamsUrl, activity);
      answers.push(`${res.status} ${res.text}`);
      return res;
    };
    await toTeams(teams.personalInstall(T.caseManager));
    const teamsForm = async () => {
      const before = teams.calls.length;
      expect((await toTeams(teams.message(T.clinician, 'contact'))).status).toBe(200);
      return cardOf(
        (await teams.waitFor((c) => c.kind === 'sendActivity' && cardOf(c.body) !== undefined, before)).body,
      )!;
    };
    const TEAMS_VALUES = {
      client: 'new',
      sex: 'female',
      age_band: '25-59',
      contact_date: '2026-11-23',
      contact_time: '09:30',
      source: 'call_for_service',
      services: 'crisis_services',
      disposition: 'resolved_on_scene',
      follow_up_date: '2026-11-23',
      follow_up_assignee: T.caseManager.aadObjectId,
      notes: NOTE,
    };
    const refused = await toTeams(
      teams.cardAction(
        T.clinician,
        pressAction(await teamsForm(), 'contact_save', { ...TEAMS_VALUES, source: undefined }),
      ),
    );
    const returned = (refused.json as { value: object }).value;
    expect(textsOf(returned).join(' ')).toMatch(/Choose how this contact came about/);
    const saved = await toTeams(
      teams.cardAction(T.clinician, pressAction(returned, 'contact_save', { source: 'call_for_service' })),
    );
    expect(textsOf((saved.json as { value: object }).value).join(' ')).toMatch(/Saved contact #\d+/);
    for (const text of [`contact ${NOTE}`, `contact ${ALIAS}`, `followups ${ALIAS}`, NOTE, `digest quarter ${ALIAS}`])
      await toTeams(teams.message(T.clinician, text));
    await toTeams(teams.message(T.leader, `digest quarter ${ALIAS}`));
    await toTeams(teams.search(T.clinician, ALIAS, 'carelog.clients'));
    await toTeams(teams.search(T.clinician, NOTE, 'carelog.clients'));

    // 4. CSV imports: notes and the alias in a good file; the same text in every column of broken
    //    ones, and a file with no header row (its first data row taken for one).
    const header =
      'client_code,contact_date,source,services,referrals,disposition,sex,age_band,incident_ref,minutes_on_scene,follow_up_date,notes';
    const good = [
      header,
      `PIC-50,2026-11-20,call_for_service,crisis_services,,resolved_on_scene,male,25-59,${REF},15,2026-11-23,"${NOTE}"`,
      `PIC-51,2026-11-20,self_referral,,,resolved_on_scene,female,18-24,,,,"${FULL_ALIAS}, again"`,
    ].join('\n');
    const imported = await importContacts(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory },
      { program, csv: good, now: clock.now() },
    );
    expect(imported).toMatchObject({ ok: true, summary: { contactsCreated: 2 } });
    const row = (cells: Partial<Record<string, string>>) =>
      [
        'PIC-60',
        '2026-11-20',
        'call_for_service',
        'crisis_services',
        '',
        'resolved_on_scene',
        'male',
        '25-59',
        '',
        '',
        '',
        'note',
      ]
        .map((v, i) => `"${(cells[header.split(',')[i]!] ?? v).replace(/"/g, '""')}"`)
        .join(',');
    const brokenFiles = [
      [header, row({ client_code: FULL_ALIAS })],
      [header, row({ contact_date: NOTE })],
      [header, row({ source: ALIAS })],
      [header, row({ services: `crisis_services;${FULL_ALIAS}` })],
      [header, row({ referrals: NOTE })],
      [header, row({ disposition: NOTE })],
      [header, row({ sex: ALIAS })],
      [header, row({ age_band: NOTE })],
      [header, row({ incident_ref: NOTE })],
      [header, row({ minutes_on_scene: NOTE })],
      [header, row({ follow_up_date: FULL_ALIAS })],
      [header, row({ notes: `${NOTE} `.repeat(60) })],
      [`${header},contact_number`, `${row({})},"${ALIAS}"`],
      [row({ notes: NOTE }), row({ client_code: 'PIC-61' })],
      [`${header},${ALIAS}`, `${row({})},x`],
      [header, `${row({})},"${NOTE}"`],
    ];
    const importErrors: string[] = [];
    for (const lines of brokenFiles) {
      const result = await importContacts(
        { db: deps.db, keyring: deps.keyring, directory: deps.directory },
        { program, csv: lines.join('\n'), now: clock.now() },
      );
      expect(result.ok).toBe(false);
      if (!result.ok) importErrors.push(...result.errors.map(formatImportError), JSON.stringify(result.errors));
    }

    // 5. Nudges (due, overdue, escalations) for the form's and the file's follow-ups; actions on them.
    // The file's follow-up is queued by the reconciler, as after any import.
    await reconcileReminders(deps);
    await waitUntil(
      async () => (await prisma.nudge.count({ where: { sentAt: { not: null } } })) >= 8,
      30_000,
      'nudges, overdue nudges and escalations',
    );
    await waitUntil(
      () =>
        teams.calls.some(
          (c) => c.kind === 'sendActivity' && c.conversationId === teams.personalConversationId(T.caseManager),
        ),
      15_000,
      'a nudge on Teams',
    );
    const dm = nudgeDms(h, 'DU0CASE2').at(-1)!;
    const sent = {
      channel: String(dm.args.channel),
      ts: h.slack.messages.find(
        (m) =>
          (m.metadata as { event_payload?: { nudge_id?: string } })?.event_payload?.nudge_id ===
          (dm.args.metadata as { event_payload: { nudge_id: string } }).event_payload.nudge_id,
      )!.ts,
      blocks: dm.args.blocks,
    };
    const snooze = nudgeElements(sent.blocks).nudge_snooze!;
    await interact(
      named(messageAction(h, 'U0CASE2', sent, snooze, { selected_option: (snooze.options as { value: string }[])[0] })),
    );
    await command('/carelog', 'U0CASE1', 'followups');

    // 6. Digests: previewed, posted by the schedule (a week and a quarter), printed by the CLI.
    await command('/digest', 'U0LEAD1', 'week');
    await command('/digest', 'U0LEAD1', 'quarter 2026-Q3');
    await postDigestJob.run(
      { programId: 'wilmington', kind: 'week' },
      { ...deps, now: () => fromLocal('2026-11-30', '08:00', NY) },
    );
    await postDigestJob.run(
      { programId: 'wilmington', kind: 'quarter' },
      { ...deps, now: () => fromLocal('2027-01-01', '08:00', NY) },
    );
    await waitUntil(
      async () => (await prisma.digestRun.count({ where: { status: 'posted' } })) === 4,
      15_000,
      'four digests posted (two on each platform)',
    );
    const digests: string[] = [];
    for (const [kind, at] of [
      ['week', '2026-11-30'],
      ['quarter', '2027-01-01'],
    ] as const) {
      const figures = await computeDigest(
        prisma,
        program,
        lastCompletePeriod(kind, fromLocal(at, '08:00', NY), program.timezone, program.startDate),
      );
      digests.push(renderDigestText(program, figures), JSON.stringify(figures));
    }

    // 7. The export without notes (with them, the notes are the point: the control below).
    const exported = contactExportCsv(
      await exportContacts(
        { prisma, keyring: deps.keyring },
        { program, from: '2026-11-01', to: '2026-11-30', includeNotes: false, actor: ACTOR },
      ),
    );
    const withNotes = contactExportCsv(
      await exportContacts(
        { prisma, keyring: deps.keyring },
        { program, from: '2026-11-01', to: '2026-11-30', includeNotes: true, actor: ACTOR },
      ),
    );
    await new Promise((r) => setTimeout(r, 500));

    // What Redis holds under this run's prefix, and every row but the notes' ciphertext.
    const redis = new Redis(deps.config.env.REDIS_URL);
    const redisText: string[] = [];
    try {
      const prefix = h.carelog.queue.opts.prefix!;
      for (const key of await redis.keys(`${prefix}:*`)) {
        const type = await redis.type(key);
        if (type === 'hash') redisText.push(key, JSON.stringify(await redis.hgetall(key)));
        else if (type === 'string') redisText.push(key, (await redis.get(key)) ?? '');
        else if (type === 'list') redisText.push(key, ...(await redis.lrange(key, 0, -1)));
        else if (type === 'zset' || type === 'set')
          redisText.push(key, ...(type === 'zset' ? await redis.zrange(key, '0', '-1') : await redis.smembers(key)));
        else if (type === 'stream') redisText.push(key, JSON.stringify(await redis.xrange(key, '-', '+')));
      }
    } finally {
      redis.disconnect();
    }
    const tables = ['Program', 'Member', 'Client', 'Contact', 'FollowUp', 'Nudge', 'DigestRun', 'AuditEvent'];
    const dbText: string[] = [];
    for (const t of tables) {
      const rows = await deps.db.sql.query<{ j: Record<string, unknown> }>(`SELECT row_to_json(x) AS j FROM "${t}" x`);
      // The CAD number is a column of its own, stored as typed: everything else is checked for it too.
      for (const r of rows)
        dbText.push(
          JSON.stringify({
            ...r.j,
            notesCiphertext: undefined,
            incidentRef: r.j.incidentRef === REF ? undefined : r.j.incidentRef,
          }),
        );
    }

    const sinks: Record<string, string[]> = {
      'log lines': h.logs,
      'Slack calls': h.slack.calls.map((c) => `${c.method} ${c.raw}`),
      'Slack uploads': h.slack.uploads.map((u) => u.bytes?.toString('latin1') ?? ''),
      'Bot Connector calls': teams.calls.map((c) => `${c.kind} ${c.raw}`),
      'HTTP answers': answers,
      'import errors': importErrors,
      digests,
      'export without notes': [exported],
      redis: redisText,
      'database (not the ciphertext)': dbText,
    };
    const scan = (strings: string[], extra?: RegExp) =>
      strings.filter((s) => CANARY.test(s) || (extra?.test(s) ?? false));
    const found: Record<string, string[]> = {};
    for (const [name, strings] of Object.entries(sinks)) {
      // The CAD number is allowed only where it is stored as typed: the export and its column.
      const hits = scan(
        strings,
        name === 'export without notes' || name.startsWith('database') ? undefined : new RegExp(REF),
      );
      if (hits.length)
        found[name] = hits.map((s) => s.slice(Math.max(0, s.search(CANARY) - 80), s.search(CANARY) + 120));
    }
    const leaks = Object.values(found).reduce((n, l) => n + l.length, 0);
    reportFigure({
      case: 'canary PHI everywhere',
      figure: leaks,
      unit: 'appearances of the canary',
      goal: '0',
      ok: leaks === 0,
      of: {
        count: Object.values(sinks).reduce((n, s) => n + s.length, 0),
        unit: 'log lines, calls, answers, messages, rows and keys',
      },
      durationMs: elapsed(),
      details: Object.fromEntries(
        Object.entries(sinks).map(([k, v]) => [k, `${v.length} scanned, ${found[k]?.length ?? 0} with the canary`]),
      ),
    });

    expect(found).toEqual({});
    // The scans saw the real thing: the canary went in and was kept where it belongs.
    expect(h.logs.filter((l) => l.includes('"msg":"contact logged"'))).toHaveLength(4);
    expect(h.logs.filter((l) => l.includes('"msg":"digest posted"'))).toHaveLength(4);
    expect(teams.calls.filter((c) => c.conversationId?.startsWith('19:phidigest')).length).toBeGreaterThanOrEqual(2);
    expect(nudgeDms(h).length).toBeGreaterThanOrEqual(4);
    expect(h.slack.callsTo('chat.update').length).toBeGreaterThanOrEqual(2);
    expect(importErrors.length).toBeGreaterThanOrEqual(brokenFiles.length);
    expect(h.slack.uploads.some((u) => u.completed)).toBe(true);
    const notes = await prisma.contact.findMany({
      where: { notesCiphertext: { not: null } },
      select: { id: true, notesCiphertext: true },
    });
    expect(
      notes
        .map((n) => openNotes(deps.keyring, { programId: 'wilmington', contactId: n.id }, n.notesCiphertext!))
        .filter((n) => CANARY.test(n)),
    ).toHaveLength(6);
    expect(withNotes).toContain(NOTE);
    expect(exported).toContain(REF);
  });
});
