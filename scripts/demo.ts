// `npm run demo`: carelog end to end with no Slack account. A simulated workspace (the same fake
// Slack Web API the tests use) logs a realistic quarter of contacts through the real signed-request
// path, follow-ups fire on an accelerated clock, and the weekly and quarterly digests are rendered
// to the terminal, with the chart PNG and the Block Kit JSON written to ./demo-out/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseEnv, parseProgramFile, type Config } from '../src/config.js';
import { startCarelog } from '../src/carelog.js';
import { addDays, fromLocal } from '../src/domain/time.js';
import { lastCompletePeriod, quarter } from '../src/domain/periods.js';
import { createLogger } from '../src/logger.js';
import { FakeSlackApi } from '../src/platforms/slack/simulator.js';
import { interactionBody, sendSignedRequest, slashCommandBody } from '../test/support/slack-requests.js';
import { renderDigestBlocks } from '../src/platforms/slack/digest-blocks.js';
import { buildDigest, postDigestOnce } from '../src/services/digest-posting.js';
import { renderDigestViewText } from '../src/views/digest.js';
import { viewSubmission, type ModalValues } from '../test/support/slack-payloads.js';

const OUT = path.resolve('demo-out');
const SECRET = 'carelog-demo-secret';
const TEAM = 'T0TEST';
const TZ = 'America/New_York';
const YAML = `
programs:
  - id: wilmington
    name: Wilmington Partners in Care
    timezone: ${TZ}
    startDate: 2026-07-01
    clientCodePrefix: PIC
    slack: { teamId: ${TEAM}, digestChannel: C0DIGEST }
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { slack: U0CLIN2, roles: [clinician] }
      - { slack: U0CASE1, roles: [case_manager] }
      - { slack: U0LEAD1, roles: [leadership] }
      - { slack: U0ADMN1, roles: [admin, supervisor] }
`;

const out = (line = '') => process.stdout.write(`${line}\n`);

// A seeded generator, so every run tells the same story.
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

async function main(): Promise<void> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const slack = new FakeSlackApi();
  slack.teamId = TEAM;
  const apiUrl = await slack.start();
  const env = parseEnv({
    NODE_ENV: 'development',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: 'xoxb-demo',
    SLACK_API_URL: apiUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    CARELOG_DATA_DIR: path.join(OUT, 'data'),
    CARELOG_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
  });
  const config: Config = {
    env,
    production: false,
    embeddedDatabase: true,
    dataDir: path.join(OUT, 'data'),
    configFile: 'demo',
    slackSimulated: false,
    programs: parseProgramFile(YAML, 'demo'),
  };
  // The accelerated clock: the demo moves it a day at a time through 2026-Q3.
  let now = fromLocal('2026-07-01', '08:00', TZ);
  out('Starting carelog on the embedded database (first start migrates it; this takes a few seconds)…');
  const carelog = await startCarelog({
    config,
    logger: createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })),
    now: () => now,
  });
  const url = `http://127.0.0.1:${carelog.port}/slack/events`;
  const program = config.programs[0]!;
  const clients: { id: string; code: string }[] = [];
  let contacts = 0;
  let nudges = 0;

  const logContact = async (
    user: string,
    existing: { id: string; code: string } | null,
    date: string,
    time: string,
  ) => {
    const before = slack.calls.length;
    await sendSignedRequest({
      url,
      signingSecret: SECRET,
      body: slashCommandBody({ command: '/contact', teamId: TEAM, userId: user }),
    });
    const open = await slack.waitFor('views.open', before);
    const opened = {
      id: `V${randomBytes(5).toString('hex')}`,
      hash: 'h1',
      view: open.args.view as Record<string, unknown>,
    };
    const followUp = rand() < 0.35 ? addDays(date, 1 + Math.floor(rand() * 10)) : undefined;
    const values: ModalValues = {
      client: existing ? { value: existing.id, text: existing.code } : { value: 'new', text: 'New client' },
      ...(existing
        ? {}
        : {
            sex: pick(['male', 'female', 'female', 'male', 'another', 'not_reported']),
            age_band: pick(['13-17', '18-24', '25-59', '25-59', '25-59', '60+']),
          }),
      contact_date: date,
      contact_time: time,
      source: pick([
        'call_for_service',
        'call_for_service',
        'call_for_service',
        'proactive_outreach',
        'community_contact',
        'officer_contact',
        'victim_services_unit',
        'youth_response_unit',
      ]),
      services: [pick(['crisis_services', 'de_escalation']), ...(rand() < 0.3 ? ['shelter_info'] : [])],
      referrals: rand() < 0.5 ? [pick(['mental_health_treatment', 'addiction_treatment', 'social_services'])] : [],
      disposition: pick([
        'resolved_on_scene',
        'resolved_on_scene',
        'voluntary_transport',
        'referral_only',
        'involuntary_commitment',
      ]),
      ...(followUp ? { follow_up_date: followUp } : {}),
      notes: 'Demo note: this text is encrypted and never leaves the database.',
    };
    const res = await sendSignedRequest({
      url,
      signingSecret: SECRET,
      body: interactionBody(viewSubmission(user, opened, values, TEAM)),
    });
    if ((res.json as { response_action?: string })?.response_action !== 'clear')
      throw new Error(`the demo's form was refused: ${res.text}`);
    contacts++;
    if (!existing) {
      const row = await carelog.deps.db.prisma.client.findFirstOrThrow({
        orderBy: { number: 'desc' },
        select: { id: true, code: true },
      });
      clients.push(row);
    }
  };

  /** Lets every reminder whose time has come on the demo clock fire now. */
  const fireDueReminders = async () => {
    const dms = () => slack.callsTo('chat.postMessage').filter((c) => String(c.args.channel).startsWith('D')).length;
    const before = dms();
    const rows = await carelog.deps.db.prisma.followUp.findMany({
      where: { status: 'pending', dueAt: { lte: now } },
      select: { id: true, version: true },
    });
    for (const r of rows) {
      for (const stage of ['due', 'overdue'] as const) {
        const job = await carelog.queue.getJob(`followup.${r.id}.${r.version}.${stage}`);
        if (job && (await job.isDelayed())) await job.promote();
      }
    }
    // Wait (bounded) for the workers to send what was promoted.
    for (let i = 0; i < 50; i++) {
      const counts = await carelog.queue.getJobCounts('wait', 'active');
      if ((counts.wait ?? 0) + (counts.active ?? 0) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    nudges += dms() - before;
  };

  const q3 = quarter(2026, 3, TZ, program.startDate);
  out(`Logging a quarter of contacts (${q3.name}) through signed Slack requests…`);
  for (let date = q3.startDate; date < q3.endDate; date = addDays(date, 1)) {
    now = fromLocal(date, '08:00', TZ);
    await fireDueReminders();
    const perDay = Math.floor(rand() * 4);
    for (let i = 0; i < perDay; i++) {
      const returning = clients.length > 5 && rand() < 0.25 ? pick(clients) : null;
      const time = `${String(9 + i * 3).padStart(2, '0')}:${pick(['05', '20', '40'])}`;
      now = fromLocal(date, time, TZ);
      await logContact(pick(['U0CLIN1', 'U0CLIN2']), returning, date, time);
    }
    // Mondays: last week's digest, as the schedule would post it.
    if (new Date(`${date}T12:00:00Z`).getUTCDay() === 1 && date > q3.startDate) {
      now = fromLocal(date, '08:00', TZ);
      await postDigestOnce(carelog.deps, program, lastCompletePeriod('week', now, TZ, program.startDate));
    }
  }
  now = fromLocal(q3.endDate, '08:00', TZ);
  await fireDueReminders();
  const lastWeek = lastCompletePeriod('week', now, TZ, program.startDate);
  const weekly = await buildDigest(carelog.deps, program, lastWeek);
  const quarterly = await buildDigest(carelog.deps, program, q3);
  await postDigestOnce(carelog.deps, program, q3);

  out(
    `\n${contacts} contacts logged for ${clients.length} clients; ${nudges} follow-up nudges sent; ${slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0DIGEST').length} digests posted to the team channel.\n`,
  );
  out('── Weekly digest ───────────────────────────────────────────');
  out(renderDigestViewText(weekly.view));
  out('\n── Quarterly digest ────────────────────────────────────────');
  out(renderDigestViewText(quarterly.view));
  writeFileSync(path.join(OUT, 'weekly-digest.blocks.json'), JSON.stringify(renderDigestBlocks(weekly.view), null, 2));
  writeFileSync(
    path.join(OUT, 'quarterly-digest.blocks.json'),
    JSON.stringify(renderDigestBlocks(quarterly.view), null, 2),
  );
  writeFileSync(path.join(OUT, 'quarterly-digest.json'), JSON.stringify(quarterly.figures, null, 2));
  if (quarterly.chart) writeFileSync(path.join(OUT, 'new-clients-by-quarter.png'), quarterly.chart);
  const leaked = slack.calls.some((c) => c.raw.includes('Demo note'));
  out(`\nWrote ${OUT}/: quarterly and weekly Block Kit JSON, the quarterly figures, and the chart PNG.`);
  out(`Notes seen in any Slack call: ${leaked ? 'YES (a privacy bug!)' : 'none'}.`);
  await carelog.stop();
  await slack.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error)?.message}\n`);
    process.exit(1);
  },
);
