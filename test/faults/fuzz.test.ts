// 10,000 generated requests (fast-check, fixed seed) to every endpoint: slash commands, block
// actions, view submissions, typeahead and Events API payloads to POST /slack/events, correctly
// signed (random, and valid payloads mutated) and not; Teams activities to POST /api/messages
// (messages, card actions, searches, installs) with a valid Bot Framework token and with forged,
// expired and missing ones; random bodies; GET /livez and /healthz and paths and methods nobody
// serves. No answer is a 5xx, none carries a stack trace or an internal
// error, no listener fails on what it was given, and nothing is written: every payload that could
// act on data is invalid by construction (see `breakers` and the users and periods used).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionBody, signSlackRequest, slashCommandBody } from '../support/slack-requests.js';
import { importContacts } from '../../src/services/csv-import.js';
import { SIGNING_SECRET, startHarness, TEAM, type Harness } from '../support/harness.js';
import { FOLLOWUP_YAML, responseUrl, settableClock } from '../support/followups.js';
import { countRows, mapPool, openContactFormTemplate, reportFigure, stopwatch } from '../support/faults.js';
import {
  clientChosenAction,
  clientSuggestion,
  viewSubmission,
  type ModalValues,
  type OpenedView,
} from '../support/slack-payloads.js';
import { FakeTeams, type TeamsUser } from '../support/fake-teams.js';
import { T, TEAMS_APP_ID, TEAMS_SECRET, TEAMS_TENANT } from '../support/teams-harness.js';
import { TEAMS_MESSAGES_PATH } from '../../src/platforms/teams/http-adapter.js';

const TOTAL = 10_000;
/** One program on Slack and on Teams at once: the server serves both endpoints. */
const YAML = FOLLOWUP_YAML()
  .replace(
    '    slack: { teamId: T0TEST, digestChannel: C0DIGEST }',
    `    slack: { teamId: T0TEST, digestChannel: C0DIGEST }
    teams: { tenantId: ${TEAMS_TENANT}, digestChannel: "19:fuzzdigest@thread.tacv2" }`,
  )
  .replace(
    '      - { slack: U0ADMN1, roles: [admin] }',
    [
      '      - { slack: U0ADMN1, roles: [admin] }',
      ...(['clinician', 'case_manager', 'supervisor', 'leadership', 'admin'] as const).map(
        (role) =>
          `      - { teams: ${T[({ clinician: 'clinician', case_manager: 'caseManager', supervisor: 'supervisor', leadership: 'leader', admin: 'admin' } as const)[role]].aadObjectId}, roles: [${role}] }`,
      ),
    ].join('\n'),
  );
const SEED = 20261201;
// Mon 23 Nov 2026, 10:00 New York.
const clock = settableClock(new Date('2026-11-23T15:00:00Z'));

const GOOD: ModalValues = {
  client: { value: 'new', text: '➕ New client' },
  sex: 'female',
  age_band: '25-59',
  contact_date: '2026-11-23',
  contact_time: '09:40',
  source: 'call_for_service',
  services: ['crisis_services'],
  referrals: ['mental_health_treatment'],
  disposition: 'resolved_on_scene',
  incident_ref: 'CAD-1',
  minutes_on_scene: '30',
  follow_up_date: '2026-11-30',
  follow_up_assignee: 'U0CASE1',
  notes: 'fuzz note',
};

// Who sends. U0CASE2 holds the one pending follow-up and never sends (its list would be an audited
// read); the others may, each within what the roster lets them do.
const ROSTER_USERS = ['U0CLIN1', 'U0CASE1', 'U0SUPV1', 'U0LEAD1', 'U0ADMN1'];
const DIGEST_READERS = new Set(['U0LEAD1', 'U0ADMN1']);
/** Who may work follow-ups (clinicians, case managers, supervisors, admins). */
const WORKERS = new Set(['U0CLIN1', 'U0CASE1', 'U0SUPV1', 'U0ADMN1']);
const arbUser = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ROSTER_USERS) },
  { weight: 2, arbitrary: fc.constantFrom('U0STRANGER', 'W0OTHER', 'USLACKBOT', '', 'U0CLIN1 ', 'u0clin1') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((s) => s !== 'U0CASE2') },
);
const arbTeam = fc.oneof(
  { weight: 8, arbitrary: fc.constant(TEAM) },
  { weight: 1, arbitrary: fc.constantFrom('T0OTHER', 'T0NOBODY', '', 'E0ENTERPRISE') },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);
const arbText = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '',
    ' ',
    '\n',
    '\u0000',
    '%00',
    '<script>alert(1)</script>',
    '\'; DROP TABLE "Contact"; --',
    '${7*7}',
    '{{7*7}}',
    '../../etc/passwd',
    'a'.repeat(5_000),
    '🙂'.repeat(500),
    '\u202e\u0000\uffff',
    'null',
    'undefined',
    '[object Object]',
    'NaN',
  ),
);
/** Client codes that parse but name no client (the seeded one is PIC-987654321). */
const arbCodeText = fc.oneof(
  fc.constantFrom('PIC-0001', 'pic-2', '42', 'PIC-', 'PIC-0', '0', '-1', 'PIC-9999999999', 'DOV-0001', 'PIC-00000001'),
  fc.integer({ min: 1, max: 99_999 }).map(String),
  arbText,
);
/** Digest periods that can never be posted: malformed, before the program began, or not over yet. */
const NOT_POSTABLE = [
  '2024-Q9',
  '2024-Q0',
  '2024-W54',
  '2024-W00',
  '2023-Q4',
  '2023-W52',
  '2023-06-15',
  '2026-Q4',
  '2026-W48',
  '2027-Q1',
  '9999-W01',
  '0000-Q1',
  '2024-13-45',
  '2024-02-30',
  'q3',
  'w40',
  'last',
  '-1',
  'ÿ',
];
const arbDigestText = (user: string) =>
  fc
    .record({
      kind: fc.constantFrom('week', 'quarter', 'weekly', 'quarterly', 'WEEK', 'month', 'post', '', 'quarter  '),
      period: fc.oneof(
        fc.constant(''),
        fc.constantFrom(...NOT_POSTABLE),
        fc.constantFrom('2025-Q2', '2025-W10', '2024-09-30', '2026-Q3'),
        arbText,
      ),
      post: fc.boolean(),
      extra: fc.oneof({ weight: 5, arbitrary: fc.constant('') }, { weight: 1, arbitrary: arbText }),
    })
    .map((d) => {
      // Leadership and admins may post: for them, "post" only ever comes with a period that cannot be.
      const period =
        DIGEST_READERS.has(user) && d.post && !NOT_POSTABLE.includes(d.period)
          ? NOT_POSTABLE[d.period.length % NOT_POSTABLE.length]!
          : d.period;
      const extra = DIGEST_READERS.has(user) && /\bpost\b/i.test(d.extra) ? '' : d.extra;
      const text = `${d.kind} ${period} ${d.post ? 'post' : ''} ${extra}`;
      return DIGEST_READERS.has(user) && !d.post && /\bpost\b/i.test(text) ? text.replace(/\bpost\b/gi, '') : text;
    });

type TTeamsAuth = 'good' | 'none' | 'forged' | 'expired' | 'audience' | 'serviceurl' | 'garbage';
type Body = {
  body: string | Buffer;
  contentType: string | null;
  sign: 'good' | 'bad' | 'none';
  method?: string;
  path?: string;
  teamsAuth?: TTeamsAuth;
};

/** Paths into a JSON value, for mutations. */
function pathsOf(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}
function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown, remove = false): void {
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1);
  if (last === undefined) return;
  if (remove) delete node[last];
  // A copy: generated values (fc.constant({}) above all) are shared between samples.
  else node[last] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
}
const arbMutations = fc.array(
  fc.record({
    pick: fc.nat(),
    remove: fc.boolean(),
    value: fc.oneof(
      fc.anything({ maxDepth: 2 }),
      arbText,
      fc.constant(null),
      fc.integer(),
      fc.constant([]),
      fc.constant({}),
    ),
  }),
  { maxLength: 4 },
);
/** A deep copy of `template` with random parts replaced or removed; `keep` paths are never touched. */
function mutated<T>(
  template: T,
  mutations: { pick: number; remove: boolean; value: unknown }[],
  keep: string[] = [],
): T {
  const copy = structuredClone(template) as Record<string, unknown>;
  for (const m of mutations) {
    const paths = pathsOf(copy).filter((p) => p.length > 0 && !keep.some((k) => p.join('.').startsWith(k)));
    if (!paths.length) break;
    setAt(copy, paths[m.pick % paths.length]!, m.value, m.remove);
  }
  return copy as T;
}

let h: Harness;
let teams: FakeTeams;
let form: { opened: OpenedView; asForm(id: string): OpenedView };
let pending: { id: string; version: number };
beforeAll(async () => {
  teams = new FakeTeams(TEAMS_APP_ID, TEAMS_TENANT, TEAMS_SECRET);
  await teams.start();
  h = await startHarness({
    now: clock.now,
    yaml: YAML,
    env: {
      TEAMS_SERVICE_URL: teams.serviceUrl,
      TEAMS_CLIENT_ID: TEAMS_APP_ID,
      TEAMS_CLIENT_SECRET: TEAMS_SECRET,
      TEAMS_TENANT_ID: TEAMS_TENANT,
    },
    teamsCloud: teams.cloud,
  });
  const deps = h.carelog.deps;
  // One client with one pending follow-up (for U0CASE2), out of reach of the codes fuzzed.
  const csv = [
    'client_code,contact_date,source,services,referrals,disposition,sex,age_band,follow_up_date',
    'PIC-987654321,2026-11-20,call_for_service,crisis_services,,resolved_on_scene,male,25-59,2026-12-01',
  ].join('\n');
  expect(
    await importContacts(
      { db: deps.db, keyring: deps.keyring, directory: deps.directory },
      { program: deps.directory.program('wilmington')!, csv, now: clock.now() },
    ),
  ).toMatchObject({ ok: true });
  const f = await deps.db.prisma.followUp.findFirstOrThrow();
  const case2 = deps.directory.member('wilmington', 'slack', 'U0CASE2')!;
  await deps.db.prisma.followUp.update({ where: { id: f.id }, data: { assigneeId: case2.memberId } });
  pending = { id: f.id, version: f.version };
  form = await openContactFormTemplate(h, 'U0CLIN1');
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await teams?.stop();
});

describe('10,000 generated requests to every endpoint', () => {
  it('no 5xx, no stack trace or internal error in any answer, no listener failure, no row written', async () => {
    const elapsed = stopwatch();
    const prisma = h.carelog.deps.db.prisma;
    const rowsBefore = await countRows(prisma);
    const followUpBefore = await prisma.followUp.findUniqueOrThrow({ where: { id: pending.id } });
    const replyUrl = responseUrl(h);
    let views = 0;
    const viewId = () => `VFUZZ${String(++views).padStart(6, '0')}`;

    // Slash commands: the three carelog answers and others, any text, anyone.
    const arbCommand = fc
      .record({
        command: fc.constantFrom('/contact', '/contact', '/carelog', '/digest', '/digest', '/unknown', '', '/CONTACT'),
        user: arbUser,
        team: arbTeam,
        text: fc.oneof(arbCodeText, arbText, fc.constantFrom('followups', 'follow-ups', 'help', 'FOLLOWUPS  x')),
        extra: arbMutations,
      })
      .chain((c) => (c.command === '/digest' ? arbDigestText(c.user).map((text) => ({ ...c, text })) : fc.constant(c)))
      .map((c): Body => {
        const fields: Record<string, string> = Object.fromEntries(
          new URLSearchParams(
            slashCommandBody({
              command: c.command,
              text: c.text,
              teamId: c.team,
              userId: c.user,
              responseUrl: replyUrl,
              triggerId: `${Date.now()}.9.fuzz`,
            }),
          ),
        );
        const m = mutated(fields, c.extra, ['response_url', 'user_id', 'team_id', 'command', 'text']);
        const form = new URLSearchParams();
        for (const [k, v] of Object.entries(m)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
        return { body: form.toString(), contentType: 'application/x-www-form-urlencoded', sign: 'good' };
      });

    // Contact forms: a valid one, randomly mutated, then broken in one way that alone stops a save.
    const breakers: ((p: ReturnType<typeof viewSubmission>, r: string) => void)[] = [
      (p) => setAt(p, ['user', 'id'], 'U0STRANGER'),
      (p) => setAt(p, ['user', 'id'], 'U0LEAD1'),
      (p) => setAt(p, ['user', 'id'], 'U0SUPV1'),
      (p) => setAt(p, ['team', 'id'], 'T0OTHER'),
      (p, r) => setAt(p, ['view', 'private_metadata'], r),
      (p) => setAt(p, ['view', 'private_metadata'], JSON.stringify({ programId: 'dover' })),
      (p, r) => setAt(p, ['view', 'state', 'values'], r),
      (p, r) =>
        setAt(p, ['view', 'state', 'values', 'source', 'source', 'selected_option'], {
          value: `x${r}`,
          text: { text: r },
        }),
      (p, r) =>
        setAt(p, ['view', 'state', 'values', 'disposition', 'disposition', 'selected_option'], {
          value: `x${r}`,
        }),
      (p, r) =>
        setAt(p, ['view', 'state', 'values', 'client', 'client', 'selected_option'], {
          value: `not-a-client${r}`,
          text: { text: r },
        }),
      (p) =>
        setAt(p, ['view', 'state', 'values', 'client', 'client', 'selected_option'], {
          value: crypto.randomUUID(),
          text: { text: 'PIC-0001' },
        }),
      (p) => setAt(p, ['view', 'state', 'values', 'contact_date', 'contact_date', 'selected_date'], '2031-01-01'),
      (p) => setAt(p, ['view', 'state', 'values', 'contact_date', 'contact_date', 'selected_date'], '2020-01-01'),
      (p, r) => setAt(p, ['view', 'state', 'values', 'contact_date', 'contact_date', 'selected_date'], `9${r}`),
      (p, r) => setAt(p, ['view', 'state', 'values', 'contact_time', 'contact_time', 'selected_time'], `25:${r}`),
      (p) => setAt(p, ['view', 'state', 'values', 'minutes_on_scene', 'minutes_on_scene', 'value'], '-5'),
      (p) => setAt(p, ['view', 'state', 'values', 'minutes_on_scene', 'minutes_on_scene', 'value'], '1441'),
      (p, r) => setAt(p, ['view', 'state', 'values', 'minutes_on_scene', 'minutes_on_scene', 'value'], `x${r}`),
      (p, r) => setAt(p, ['view', 'state', 'values', 'incident_ref', 'incident_ref', 'value'], `!${r}`),
      (p) => setAt(p, ['view', 'state', 'values', 'notes', 'notes', 'value'], 'n'.repeat(3_001)),
    ];
    const arbSubmission = fc
      .record({ user: arbUser, mutations: arbMutations, breaker: fc.nat({ max: breakers.length - 1 }), r: arbText })
      .map((s): Body => {
        const p = mutated(
          viewSubmission(ROSTER_USERS.includes(s.user) ? s.user : 'U0CLIN1', form.asForm(viewId()), GOOD),
          s.mutations,
          ['view.id', 'response_urls'],
        );
        breakers[s.breaker]!(p, s.r);
        return { body: interactionBody(p), contentType: 'application/x-www-form-urlencoded', sign: 'good' };
      });

    // Buttons and menus: the client menu of the form, the nudge buttons (on follow-ups that do not
    // exist, or on an old version of the real one), the Home tab's button.
    const nudgeRefs = fc.oneof(
      fc.uuid().map((id) => `${id}:1`),
      fc.integer({ min: 2, max: 9 }).map((v) => `${pending.id}:${pending.version + v}`),
      arbText,
      fc.constant(`${pending.id}:0`),
    );
    const arbAction = fc
      .record({
        user: arbUser,
        team: arbTeam,
        kind: fc.constantFrom(
          'client',
          'nudge_done',
          'nudge_attempt',
          'nudge_snooze',
          'nudge_reassign',
          'nudge_log',
          'home_log_contact',
          'unknown_action',
        ),
        ref: nudgeRefs,
        value: arbText,
        mutations: arbMutations,
      })
      .map((a): Body => {
        let payload: Record<string, unknown>;
        if (a.kind === 'client') {
          payload = clientChosenAction(a.user, form.asForm(viewId()), { client: { value: a.value, text: a.value } });
        } else {
          // The real follow-up only for those who may not work it: for anyone who may, a button on
          // it is a read of its record (Log follow-up opens the form for its client; an outdated
          // version draws the record again), audited as it should be, which is not what this counts.
          const ref =
            a.ref.startsWith(pending.id) && (a.kind === 'nudge_log' || WORKERS.has(a.user))
              ? `${crypto.randomUUID()}:1`
              : a.ref;
          const action =
            a.kind === 'nudge_snooze'
              ? {
                  type: 'static_select',
                  action_id: 'nudge_snooze',
                  block_id: 'nudge_actions',
                  selected_option: { value: `${ref}|${a.value.length % 2 ? '1d' : a.value}` },
                }
              : a.kind === 'nudge_reassign'
                ? {
                    type: 'users_select',
                    action_id: `nudge_reassign|${ref}`,
                    block_id: 'nudge_actions',
                    selected_user: a.value.length % 2 ? 'U0CASE1' : a.value,
                  }
                : { type: 'button', action_id: a.kind, block_id: 'nudge_actions', value: ref };
          payload = {
            type: 'block_actions',
            user: { id: a.user, username: 'x', name: 'x', team_id: a.team },
            team: { id: a.team, domain: 'carelog-test' },
            api_app_id: 'A0CARELOG',
            token: 'deprecated',
            container: {
              type: 'message',
              message_ts: '1790000000.000001',
              channel_id: 'DU0CASE1',
              is_ephemeral: a.value.length % 3 === 0,
            },
            trigger_id: `${Date.now()}.7.fuzz`,
            channel: { id: 'DU0CASE1', name: 'directmessage' },
            message: { type: 'message', ts: '1790000000.000001', text: 'nudge', blocks: [] },
            state: { values: {} },
            response_url: replyUrl,
            actions: [{ ...action, action_ts: `${Date.now() / 1000}` }],
          };
        }
        return {
          body: interactionBody(mutated(payload, a.mutations, ['response_url', 'view.id'])),
          contentType: 'application/x-www-form-urlencoded',
          sign: 'good',
        };
      });

    const arbSuggestion = fc
      .record({ user: arbUser, team: arbTeam, query: fc.oneof(arbCodeText, arbText), mutations: arbMutations })
      .map((s): Body => ({
        body: interactionBody(mutated(clientSuggestion(s.user, form.asForm(viewId()), s.query, s.team), s.mutations)),
        contentType: 'application/x-www-form-urlencoded',
        sign: 'good',
      }));

    // Events API (JSON): URL verification, the Home tab opening, events nobody handles, any JSON.
    const arbEvent = fc
      .oneof(
        fc.record({
          type: fc.constant('url_verification'),
          challenge: fc.oneof(arbText, fc.anything()),
          token: fc.string(),
        }),
        fc.record({
          type: fc.constant('event_callback'),
          team_id: arbTeam,
          api_app_id: fc.constant('A0CARELOG'),
          event: fc.record({
            type: fc.constantFrom('app_home_opened', 'message', 'app_mention', 'member_joined_channel', 'x'),
            user: arbUser,
            tab: fc.constantFrom('home', 'messages', 'about', ''),
            channel: fc.string(),
          }),
          event_id: fc.string(),
          event_time: fc.integer(),
        }),
        fc.jsonValue(),
        fc.anything({ maxDepth: 3 }),
      )
      .map((v): Body => ({ body: JSON.stringify(v) ?? 'null', contentType: 'application/json', sign: 'good' }));

    // Bodies that are not what they say: random form fields, `payload` that is not JSON, broken JSON.
    const arbGarbage = fc
      .oneof(
        fc
          .dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 40 }))
          .map((d) => ({ body: new URLSearchParams(d).toString(), contentType: 'application/x-www-form-urlencoded' })),
        fc
          .oneof(
            fc.string(),
            fc.jsonValue().map((j) => JSON.stringify(j)),
            fc.constantFrom('{', '[1,2', '{"type":', 'null', '[]', '"x"', '{"payload":{}}'),
          )
          .map((p) => ({ body: `payload=${encodeURIComponent(p)}`, contentType: 'application/x-www-form-urlencoded' })),
        fc
          .oneof(
            fc.string(),
            fc.constantFrom(
              '{',
              '[',
              '{"a":',
              '\u0000',
              '1e999',
              '{"__proto__":{"x":1}}',
              '{"constructor":{"prototype":{"y":1}}}',
            ),
          )
          .map((b) => ({ body: b, contentType: 'application/json' })),
        fc
          .uint8Array({ maxLength: 300 })
          .map((b) => ({ body: Buffer.from(b), contentType: 'application/x-www-form-urlencoded; charset=utf-8' })),
      )
      .map((g): Body => ({ ...g, sign: 'good' }));

    // Not from Slack at all: any of the above, unsigned or wrongly signed, or with another type.
    const arbUnsigned = fc
      .record({
        inner: fc.oneof(arbCommand, arbEvent, arbGarbage),
        sign: fc.constantFrom<'bad' | 'none'>('bad', 'none'),
        type: fc.oneof(
          fc.constant(null),
          fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', ''),
          fc.string({ maxLength: 30 }),
        ),
      })
      .map((u): Body => ({ ...u.inner, sign: u.sign, contentType: u.type ?? u.inner.contentType }));

    // The other endpoints, and paths and methods nobody serves.
    const arbOther = fc
      .record({
        method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        path: fc.oneof(
          fc.constantFrom(
            '/livez',
            '/healthz',
            '/slack/events',
            '/',
            '/api/messages',
            '/livez/',
            '/LIVEZ',
            '/healthz?x=1',
            '/slack/events?ssl_check=1',
            '//livez',
            '/%2e%2e/',
            '/%00',
            '/livez#x',
          ),
          fc.webPath().map((p) => p || '/'),
          fc.string({ maxLength: 200 }).map((s) => `/${encodeURIComponent(s)}`),
        ),
        body: fc.oneof(fc.constant(''), fc.string({ maxLength: 100 })),
      })
      .map((o): Body => ({ body: o.body, contentType: 'text/plain', sign: 'none', method: o.method, path: o.path }));

    // Teams: activities as Teams sends them, from anyone, mutated; tokens good, forged or missing.
    const teamsWorkers = new Set([T.clinician, T.caseManager, T.supervisor, T.admin].map((u) => u.aadObjectId));
    const teamsReaders = new Set([T.leader, T.admin].map((u) => u.aadObjectId));
    const arbTeamsUser: fc.Arbitrary<TeamsUser> = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(T.clinician, T.caseManager, T.supervisor, T.leader, T.admin) },
      { weight: 2, arbitrary: fc.constant(T.outsider) },
      {
        weight: 1,
        arbitrary: fc.record({
          aadObjectId: fc.oneof(fc.uuid(), arbText),
          id: fc.string({ maxLength: 30 }),
          name: arbText,
        }),
      },
    );
    const TEAMS_GOOD: Record<string, string> = {
      client: 'new',
      sex: 'female',
      age_band: '25-59',
      contact_date: '2026-11-23',
      contact_time: '09:40',
      source: 'call_for_service',
      services: 'crisis_services',
      referrals: '',
      disposition: 'resolved_on_scene',
      incident_ref: 'CAD-1',
      minutes_on_scene: '30',
      follow_up_date: '2026-11-30',
      notes: 'fuzz note',
    };
    // As on Slack: a valid form, mutated, then broken in one way that alone stops a save.
    const teamsBreakers: ((d: Record<string, unknown>, r: string) => void)[] = [
      (d, r) => (d.source = `x${r}`),
      (d, r) => (d.disposition = `x${r}`),
      (d, r) => (d.client = `not-a-client${r}`),
      (d) => (d.client = randomUUID()),
      (d) => (d.contact_date = '2031-01-01'),
      (d) => (d.contact_date = '2020-01-01'),
      (d) => (d.minutes_on_scene = '-5'),
      (d, r) => (d.incident_ref = `!${r}`),
      (d) => (d.notes = 'n'.repeat(3_001)),
      (d) => (d.program = 'dover'),
      (d, r) => (d.form = r),
    ];
    const arbTeamsActivity = fc
      .record({
        user: arbTeamsUser,
        kind: fc.constantFrom(
          'message',
          'message',
          'save',
          'newClient',
          'cancel',
          'nudge',
          'search',
          'install',
          'installationUpdate',
          'memberAdded',
          'other',
        ),
        text: fc.oneof(
          fc.constantFrom('contact', 'followups', 'help', 'hi', ''),
          arbCodeText.map((c) => `contact ${c}`),
          arbText,
        ),
        digest: fc.boolean(),
        verb: fc.constantFrom('nudge_done', 'nudge_snooze', 'nudge_reassign', 'nudge_log', 'unknown_verb'),
        ref: nudgeRefs,
        dataset: fc.constantFrom(
          'carelog.clients',
          'graph.microsoft.com/users',
          'carelog.category.source',
          'carelog.category.x',
          '',
        ),
        value: arbText,
        breaker: fc.nat({ max: teamsBreakers.length - 1 }),
        mutations: arbMutations,
        channel: fc.boolean(),
      })
      .chain((a) =>
        a.kind === 'message' && a.digest
          ? arbDigestText(teamsReaders.has(a.user.aadObjectId) ? 'U0LEAD1' : 'U0CLIN1').map((t) => ({
              ...a,
              text: `digest ${t}`,
            }))
          : fc.constant(a),
      )
      .map((a) => {
        let activity: Record<string, unknown>;
        if (a.kind === 'message')
          activity = teams.message(a.user, a.text, a.channel ? { channel: '19:general@thread.tacv2' } : {});
        else if (a.kind === 'save' || a.kind === 'newClient' || a.kind === 'cancel') {
          const verb =
            a.kind === 'save' ? 'contact_save' : a.kind === 'newClient' ? 'contact_new_client' : 'contact_cancel';
          const data = mutated({ ...TEAMS_GOOD, action: verb, form: randomUUID(), program: 'wilmington' }, a.mutations);
          if (a.kind === 'save') teamsBreakers[a.breaker]!(data, a.value);
          activity = teams.cardAction(a.user, { verb, data });
        } else if (a.kind === 'nudge') {
          // As on Slack: the real follow-up only for those who may not work it.
          const ref =
            a.ref.startsWith(pending.id) && (a.verb === 'nudge_log' || teamsWorkers.has(a.user.aadObjectId))
              ? `${randomUUID()}:1`
              : a.ref;
          activity = teams.cardAction(a.user, {
            verb: a.verb,
            data: mutated(
              {
                action: a.verb,
                ref,
                nudge: randomUUID(),
                input: 'choice',
                choice: a.value.length % 2 ? '1d' : a.value,
              },
              a.mutations,
            ),
          });
        } else if (a.kind === 'search') activity = teams.search(a.user, a.value, a.dataset);
        else if (a.kind === 'install') activity = teams.personalInstall(a.user);
        else if (a.kind === 'installationUpdate')
          activity = teams.installationUpdate(a.user, a.value.length % 2 ? 'add' : 'remove');
        else if (a.kind === 'memberAdded') activity = teams.teamMemberAdded(a.user, T.caseManager2);
        else activity = { ...teams.message(a.user, a.text), type: a.value.slice(0, 30) || 'event', name: a.value };
        // Everything but where the answer goes (the service URL, which the token is bound to) may change.
        return mutated(activity, a.kind === 'save' || a.kind === 'nudge' ? [] : a.mutations, ['serviceUrl']);
      });
    const arbTeams = fc
      .record({
        activity: arbTeamsActivity,
        auth: fc.oneof(
          { weight: 7, arbitrary: fc.constant('good' as const) },
          {
            weight: 3,
            arbitrary: fc.constantFrom<TTeamsAuth>('none', 'forged', 'expired', 'audience', 'serviceurl', 'garbage'),
          },
        ),
        type: fc.oneof(
          { weight: 9, arbitrary: fc.constant('application/json; charset=utf-8') },
          { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '') },
        ),
        raw: fc.oneof(
          { weight: 19, arbitrary: fc.constant(null) },
          {
            weight: 1,
            arbitrary: fc.oneof(fc.string(), fc.constantFrom('{', '[]', 'null', '{"type":1}', '{"type":"message"}')),
          },
        ),
      })
      .map((t): Body => ({
        body: t.raw ?? JSON.stringify(t.activity),
        contentType: t.type || null,
        sign: 'none',
        path: TEAMS_MESSAGES_PATH,
        teamsAuth: t.auth,
      }));

    const arbRequest = fc.oneof(
      { weight: 17, arbitrary: arbCommand },
      { weight: 21, arbitrary: arbSubmission },
      { weight: 15, arbitrary: arbAction },
      { weight: 6, arbitrary: arbSuggestion },
      { weight: 7, arbitrary: arbEvent },
      { weight: 7, arbitrary: arbGarbage },
      { weight: 7, arbitrary: arbUnsigned },
      { weight: 5, arbitrary: arbOther },
      { weight: 15, arbitrary: arbTeams },
    );
    const requests = fc.sample(arbRequest, { numRuns: TOTAL, seed: SEED });

    // Bot Framework tokens: Teams', and the forgeries (another key, expired, for another bot, for
    // another service URL, not a JWT at all).
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const teamsToken = (auth: TTeamsAuth) => {
      const now = Math.floor(Date.now() / 1000);
      if (auth === 'garbage') return `Bearer ${randomUUID()}`;
      const overrides =
        auth === 'expired'
          ? { exp: now - 600, nbf: now - 7_200, iat: now - 7_200 }
          : auth === 'audience'
            ? { aud: randomUUID() }
            : auth === 'serviceurl'
              ? { serviceurl: 'http://127.0.0.1:9/elsewhere' }
              : {};
      return `Bearer ${teams.inboundToken(teams.serviceUrl, overrides, auth === 'forged' ? otherKey : undefined)}`;
    };
    const base = `http://127.0.0.1:${h.carelog.port}`;
    const logsBefore = h.logs.length;
    const slackBefore = h.slack.calls.length;
    const teamsBefore = teams.calls.length;
    const answers = await mapPool(requests, 12, async (r) => {
      const ts = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {};
      if (r.contentType !== null) headers['content-type'] = r.contentType;
      if (r.teamsAuth && r.teamsAuth !== 'none') headers.authorization = teamsToken(r.teamsAuth);
      if (r.sign !== 'none') {
        headers['x-slack-request-timestamp'] = String(ts);
        headers['x-slack-signature'] = signSlackRequest(
          r.sign === 'good' ? SIGNING_SECRET : 'an-attacker-secret',
          r.body.toString(),
          ts,
        );
      }
      const method = r.method ?? 'POST';
      try {
        const res = await fetch(`${base}${r.path ?? '/slack/events'}`, {
          method,
          headers,
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: r.body }),
        });
        return { r, status: res.status, text: await res.text() };
      } catch (err) {
        return { r, status: -1, text: String((err as Error).message) };
      }
    });
    // Listeners acknowledge first and may still be working: let them finish.
    await new Promise((res) => setTimeout(res, 1_500));

    const STACK =
      /\n\s+at |\bat [\w.<>]+ \(|node:internal|node_modules|\/src\/|\/work\/|\.ts:\d+|Error:|TypeError|ReferenceError|SyntaxError|Prisma|ZodError|invocation|ECONN|stack/;
    const serverErrors = answers.filter((a) => a.status >= 500 || a.status < 0);
    const leaks = answers.filter((a) => STACK.test(a.text));
    const newLogs = h.logs
      .slice(logsBefore)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { name?: string; code?: string } });
    // carelog's own failure lines: a listener or handler that threw on what it was given, a route
    // that answered 500. (The Teams SDK logs every token it refuses at error level; those requests
    // were answered 401, as they should be. A call out to the fake Slack or Bot Connector that
    // failed is theirs, counted apart.)
    const FAILED = new Set(['a Slack listener failed', 'a Teams handler failed', 'request failed']);
    const upstream = (l: (typeof newLogs)[number]) =>
      l.err?.name === 'AxiosError' || (l.err?.code ?? '').startsWith('slack_webapi');
    const failures = newLogs.filter((l) => l.level >= 50 && FAILED.has(l.msg) && !upstream(l));
    const upstreamFailures = newLogs.filter((l) => l.level >= 50 && FAILED.has(l.msg) && upstream(l)).length;
    const rowsAfter = await countRows(prisma);
    const followUpAfter = await prisma.followUp.findUniqueOrThrow({ where: { id: pending.id } });
    const rowsWritten =
      Object.keys(rowsAfter).reduce((n, k) => n + Math.abs(rowsAfter[k]! - rowsBefore[k]!), 0) +
      (followUpAfter.version !== followUpBefore.version || followUpAfter.status !== followUpBefore.status ? 1 : 0);
    const statuses: Record<string, number> = {};
    for (const a of answers) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
    const figure = serverErrors.length + leaks.length + failures.length + rowsWritten;
    reportFigure({
      case: 'fuzzed requests to every endpoint',
      figure,
      unit: '5xx, leaking answers, listener failures or rows written',
      goal: '0',
      ok: figure === 0,
      of: { count: answers.length, unit: 'generated requests' },
      durationMs: elapsed(),
      details: {
        ...Object.fromEntries(Object.entries(statuses).map(([k, v]) => [`status ${k}`, v])),
        teamsRequests: answers.filter((a) => a.r.teamsAuth).length,
        slackCallsMade: h.slack.calls.length - slackBefore,
        teamsCallsMade: teams.calls.length - teamsBefore,
        upstreamFailures,
        tokensRefusedByTheTeamsSdk: newLogs.filter((l) => l.msg === 'the Teams SDK reported an error').length,
        rowsWritten,
      },
    });

    const show = (list: typeof answers) =>
      list
        .slice(0, 5)
        .map(
          (a) =>
            `${a.status} ${a.text.slice(0, 200)} <- ${a.r.method ?? 'POST'} ${a.r.path ?? ''} ${a.r.contentType} ${a.r.body.toString().slice(0, 600)}`,
        );
    expect(answers).toHaveLength(TOTAL);
    expect(show(serverErrors)).toEqual([]);
    expect(show(leaks)).toEqual([]);
    expect(failures.slice(0, 5)).toEqual([]);
    expect(rowsAfter).toEqual(rowsBefore);
    expect(rowsWritten).toBe(0);
    // The fuzz reached carelog's listeners, not only its front door.
    expect(statuses['200']).toBeGreaterThan(TOTAL / 2);
    expect(h.slack.callsTo('views.open').length).toBeGreaterThan(50);
    expect(teams.calls.length - teamsBefore).toBeGreaterThan(30);
    expect(answers.filter((a) => a.r.teamsAuth === 'good' && a.status === 200).length).toBeGreaterThan(300);
  });
});
