// Teams cards as carelog sends them, drawn the way a phone shows them: sample cards built by
// carelog's own renderers (src/platforms/teams/) from made-up data that names nobody, and a page
// that draws a card with Microsoft's Adaptive Cards renderer (the `adaptivecards` package) in a
// Teams-like theme. `npm run docs:pictures` screenshots them for docs/images; the phone-width test
// (test/integration/teams-cards-phone.test.ts) checks that nothing overflows or is cut off.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IAdaptiveCard } from '@microsoft/teams.cards';
import { parseProgramFile } from '../../src/config/program.js';
import type { DigestFigures } from '../../src/domain/digest.js';
import { NEW_CLIENT, type ContactDraft } from '../../src/domain/contact-draft.js';
import { renderContactCard } from '../../src/platforms/teams/contact-card.js';
import { confirmationCard, teamsContactForm } from '../../src/platforms/teams/contact-form.js';
import { renderDigestCard } from '../../src/platforms/teams/digest-card.js';
import { renderNudgeCard } from '../../src/platforms/teams/nudge-card.js';
import { renderReferralCard } from '../../src/platforms/teams/referral-card.js';
import { TEAMS_CHART_SIZE } from '../../src/services/digest-posting.js';
import { newClientsChart } from '../../src/views/chart-model.js';
import { renderChartPng } from '../../src/views/chart.js';
import { contactConfirmationText } from '../../src/views/confirmation.js';
import { buildDigestView } from '../../src/views/digest.js';
import { buildNudgeMessage } from '../../src/views/nudge.js';
import { buildReferralCheckMessage } from '../../src/views/referral-check.js';

/** A narrow phone's width, in CSS pixels. */
export const PHONE_WIDTH = 360;

// A sample program, made up: its name, ids and people are no one's.
const [program] = parseProgramFile(
  `programs:
  - id: example
    name: Example Co-Responder Program
    timezone: America/New_York
    startDate: 2025-03-01
    clientCodePrefix: PIC
    roster:
      - { slack: U0CLIN1, roles: [clinician] }
      - { teams: 00000000-0000-4000-8000-0000000000c1, name: Case Manager A, roles: [case_manager] }
      - { teams: 00000000-0000-4000-8000-0000000000c2, name: Case Manager B, roles: [case_manager] }
`,
  'sample.yml',
);
if (!program) throw new Error('the sample program did not parse');
const zeros = (list: { key: string }[]) => Object.fromEntries(list.map((c) => [c.key, 0]));

/** The form a clinician sees after choosing New client, half filled in. */
export function contactFormCard() {
  const draft: ContactDraft = {
    client: NEW_CLIENT,
    sex: 'not_reported',
    ageBand: '25-59',
    date: '2026-11-20',
    time: '09:40',
    source: 'call_for_service',
    services: ['crisis_services', 'de_escalation'],
    disposition: 'resolved_on_scene',
    followUpDate: '2026-11-24',
  };
  // As Teams draws it (src/platforms/teams/contact-form.ts), the source remembered from the
  // clinician's last contact; "More details" not pressed.
  const form = teamsContactForm(program!, draft, { sourceRemembered: true });
  return renderContactCard(form, { formId: '00000000-0000-4000-8000-0000000000f1', programId: program!.id });
}

export function nudgeCard() {
  const message = buildNudgeMessage({
    followUpId: '00000000-0000-4000-8000-0000000000a1',
    version: 1,
    clientCode: 'PIC-0042',
    dueDate: '2026-11-24',
    lastContactDate: '2026-11-20',
    contactCount: 3,
    overdue: false,
    status: 'pending',
    attempts: 0,
    maxAttempts: 3,
  });
  return renderNudgeCard(message, '00000000-0000-4000-8000-0000000000b1');
}

export function weeklyDigestCard() {
  const figures: DigestFigures = {
    period: {
      kind: 'week',
      label: '2026-W47',
      name: 'week of Nov 16, 2026',
      start: '2026-11-16',
      end: '2026-11-23',
      partial: false,
    },
    clientsServed: 31,
    newClients: 19,
    continuingClients: 12,
    servedSinceInception: 412,
    newClientsByQuarter: [],
    previousNewClients: 16,
    newClientsChangePct: 19,
    newClientsBySex: { male: 8, female: 11, another: 0, not_reported: 0 },
    newClientsByAgeBand: { '0-12': 0, '13-17': 2, '18-24': 3, '25-59': 11, '60+': 3, not_reported: 0 },
    contacts: 44,
    contactsBySource: { ...zeros(program!.categories.sources), call_for_service: 29, proactive_outreach: 15 },
    servicesProvided: { ...zeros(program!.categories.services), crisis_services: 40, de_escalation: 22 },
    referralsMade: { ...zeros(program!.categories.referrals), mental_health_treatment: 12, addiction_treatment: 3 },
    dispositions: { ...zeros(program!.categories.dispositions), resolved_on_scene: 33, voluntary_transport: 11 },
    repeatContactClients: 4,
    followUpsCompleted: 14,
    followUpsOverdue: 2,
    referralLinkage: {
      mental_health_treatment: { made: 12, connected: 5, declined: 1, unreachable: 0, unknown: 0, pending: 6 },
      addiction_treatment: { made: 3, connected: 1, declined: 0, unreachable: 0, unknown: 0, pending: 2 },
      social_services: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 },
      victim_services_unit: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 },
      youth_response_unit: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 },
      other: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 },
      total: { made: 15, connected: 6, declined: 1, unreachable: 0, unknown: 0, pending: 8 },
    },
    referralsConnectedInPeriod: 13,
    medianDaysToConnection: 6,
    onScene: { police_backup_requested: 4, use_of_force: 0, injury: 1, arrest_avoided: 6, ed_avoided: 9 },
    transportDestinations: {
      ...zeros(program!.categories.transportDestinations),
      emergency_department: 6,
      crisis_center: 5,
    },
    minutesOnScene: { contactsWithTime: 40, median: 42, p90: 95.5 },
    followUpTimeliness: { requested: 17, metWithin48h: 9, metWithin7d: 14, attempts: 5, unreachable: 1 },
  };
  // As posted to the channel: the case managers on Teams mentioned by their roster names.
  const attention = program!.roster
    .filter((m) => m.teams && m.roles.includes('case_manager'))
    .map((m, i) => ({
      name: m.name!,
      person: { platform: 'teams' as const, platformUserId: m.teams!, displayName: m.name! },
      dueThisWeek: [6, 4][i]!,
      overdue: [1, 0][i]!,
    }));
  return renderDigestCard(buildDigestView(program!, figures, 11, attention), null, { mention: true });
}

/** The quarterly digest as posted: the chart inline, then the figures. */
export function quarterlyDigestCard() {
  const { view } = quarterly();
  return renderDigestCard(view, renderChartPng(newClientsChart(view.chart!), TEAMS_CHART_SIZE), {
    mention: true,
  });
}

/** The quarterly digest's chart, as the digest draws it (src/services/digest-posting.ts). */
export function quarterlyChart(): Buffer {
  const { view } = quarterly();
  return renderChartPng(newClientsChart(view.chart!));
}

/** A made-up quarter, seven quarters into a program. */
function quarterly() {
  const quarters = [
    { label: '2025-Q1', name: 'Mar 2025 (partial quarter)', partial: true, count: 14 },
    { label: '2025-Q2', name: 'Apr–Jun 2025', partial: false, count: 61 },
    { label: '2025-Q3', name: 'Jul–Sep 2025', partial: false, count: 88 },
    { label: '2025-Q4', name: 'Oct–Dec 2025', partial: false, count: 97 },
    { label: '2026-Q1', name: 'Jan–Mar 2026', partial: false, count: 92 },
    { label: '2026-Q2', name: 'Apr–Jun 2026', partial: false, count: 104 },
    { label: '2026-Q3', name: 'Jul–Sep 2026', partial: false, count: 121 },
  ];
  const figures: DigestFigures = {
    period: {
      kind: 'quarter',
      label: '2026-Q3',
      name: 'Jul–Sep 2026',
      start: '2026-07-01',
      end: '2026-10-01',
      partial: false,
    },
    clientsServed: 140,
    newClients: 121,
    continuingClients: 19,
    servedSinceInception: 577,
    newClientsByQuarter: quarters,
    previousNewClients: 104,
    newClientsChangePct: 16,
    newClientsBySex: { male: 58, female: 61, another: 1, not_reported: 1 },
    newClientsByAgeBand: { '0-12': 3, '13-17': 11, '18-24': 17, '25-59': 69, '60+': 16, not_reported: 5 },
    contacts: 163,
    contactsBySource: { ...zeros(program!.categories.sources), call_for_service: 120, proactive_outreach: 43 },
    servicesProvided: { ...zeros(program!.categories.services), crisis_services: 150, de_escalation: 80 },
    referralsMade: { ...zeros(program!.categories.referrals), mental_health_treatment: 41, addiction_treatment: 17 },
    dispositions: { ...zeros(program!.categories.dispositions), resolved_on_scene: 125, voluntary_transport: 38 },
    repeatContactClients: 12,
    followUpsCompleted: 51,
    followUpsOverdue: 3,
    referralLinkage: { total: { made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 } },
    referralsConnectedInPeriod: 0,
    medianDaysToConnection: null,
    onScene: {},
    transportDestinations: {},
    minutesOnScene: { contactsWithTime: 0, median: null, p90: null },
    followUpTimeliness: { requested: 0, metWithin48h: 0, metWithin7d: 0, attempts: 0, unreachable: 0 },
  };
  const view = buildDigestView(program!, figures, 11);
  if (!view.chart) throw new Error('a quarterly digest has a chart');
  return { view };
}

// Teams' light theme, roughly: its typeface where installed, its text colour and its accent.
export const HOST_CONFIG = {
  fontFamily: "'Segoe UI', 'Liberation Sans', 'DejaVu Sans', sans-serif",
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#5B5FC7' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
      },
    },
  },
  actions: { actionsOrientation: 'horizontal', buttonSpacing: 8, maxActions: 6, spacing: 'default' },
};

export const PAGE_CSS = `
  body { margin: 0; padding: 12px; background: #F5F5F5; width: ${PHONE_WIDTH - 24}px; }
  #card { border: 1px solid #E0E0E0; border-radius: 8px; overflow: hidden; background: #FFF; }
  .ac-pushButton { border: 1px solid #D1D1D1; border-radius: 4px; background: #FFF; color: #242424;
    padding: 5px 8px; font: 600 14px 'Liberation Sans', sans-serif; }
  .ac-pushButton.style-positive, .ac-pushButton.primary { background: #5B5FC7; color: #FFF; border-color: #5B5FC7; }
  /* Teams shows a button's whole title; the renderer would cut it to fit one row at phone width. */
  .ac-pushButton { flex: 0 1 auto !important; overflow: visible !important; }
  .ac-pushButton > div { overflow: visible !important; text-overflow: clip !important; }
  /* The renderer's chevron is a glyph of Microsoft's icon font, which is not installed: draw ▾. */
  .ac-pushButton.expandable:after { font-family: 'DejaVu Sans', sans-serif; content: ' ▾'; }
  .ac-actionSet { flex-wrap: wrap !important; row-gap: 8px; }
  .ac-input { font: 14px 'Liberation Sans', sans-serif; }
  .mention { color: #5B5FC7; font-weight: 600; }
  .ac-input input, .ac-input select, .ac-input textarea, input.ac-input, select.ac-input, textarea.ac-input {
    border: 1px solid #D1D1D1; border-radius: 4px; padding: 4px 6px; }
`;

/** A known client's form as it opens ("contact PIC-0042"): the client's case manager pre-filled, every detail shown. */
export function knownClientFormCard(): IAdaptiveCard {
  const draft: ContactDraft = {
    client: '00000000-0000-4000-8000-0000000000d1',
    date: '2026-11-20',
    time: '09:40',
    source: 'call_for_service',
    followUpAssignee: '00000000-0000-4000-8000-0000000000c1',
  };
  const form = teamsContactForm(program!, draft, {
    sourceRemembered: true,
    assigneeDefault: 'prefilled',
  });
  return renderContactCard(
    { ...form, detailsShown: true },
    {
      formId: '00000000-0000-4000-8000-0000000000f2',
      programId: program!.id,
      clientLabel: 'PIC-0042',
      assigneeLabel: 'The client’s case manager',
    },
  );
}

/**
 * A new client's form come back from Save: every question the program can ask (race and
 * ethnicity, veteran, "Taken to"), errors by their fields, the notice, the kept notes.
 */
export function newClientFormWithErrorsCard(): IAdaptiveCard {
  const [asking] = parseProgramFile(
    `programs:
  - id: asking
    name: Example Program Asking Everything
    timezone: America/New_York
    startDate: 2025-03-01
    clientCodePrefix: PIC
    demographics: { raceEthnicity: true, veteran: true }
    roster: [{ teams: 00000000-0000-4000-8000-0000000000c1, roles: [clinician] }]
`,
    'asking.yml',
  );
  const form = teamsContactForm(
    asking!,
    { client: NEW_CLIENT, date: '2026-11-20', time: '09:40', disposition: 'voluntary_transport' },
    { notice: 'Answer Sex, Age, Race and ethnicity, Veteran and Taken to below, then Save. Nothing is saved yet.' },
  );
  return renderContactCard(
    { ...form, detailsShown: true },
    {
      formId: '00000000-0000-4000-8000-0000000000f3',
      programId: asking!.id,
      errors: {
        source: 'Choose how this contact came about.',
        minutes_on_scene: 'Enter whole minutes from 0 to 1440.',
        follow_up_date: 'The follow-up date must be after the contact, within a year.',
      },
      keptNotes: { sealed: 'sealed', length: 412 },
    },
  );
}

/** What replaces a saved form. */
export function confirmationSampleCard(): IAdaptiveCard {
  return confirmationCard(
    contactConfirmationText({
      logged: {
        contactNumber: 1287,
        clientCode: 'PIC-0042',
        newClient: true,
        followUp: { date: '2026-11-24' },
        followUpsMet: [{}],
      },
      assigneeMention: 'the person chosen in “Follow-up by”',
    }),
  );
}

/** A linkage check, as the case manager gets it. */
export function referralCheckCard(): IAdaptiveCard {
  return renderReferralCard(
    buildReferralCheckMessage({
      referralId: '00000000-0000-4000-8000-0000000000e1',
      version: 1,
      clientCode: 'PIC-0042',
      categoryLabel: 'Mental health treatment',
      part2: false,
      madeDate: '2026-11-13',
      checks: 1,
      maxChecks: 3,
      status: 'made',
      connectedOn: null,
    }),
    '00000000-0000-4000-8000-0000000000e2',
  );
}

/** Where the `adaptivecards` package keeps its script and stylesheet. */
function rendererFiles(): { script: string; css: string } {
  const require = createRequire(import.meta.url);
  const dir = path.join(path.dirname(require.resolve('adaptivecards/package.json')), 'dist');
  return {
    script: readFileSync(path.join(dir, 'adaptivecards.min.js'), 'utf8'),
    css: readFileSync(path.join(dir, 'adaptivecards.css'), 'utf8'),
  };
}

/** A page that draws `card` into #card with the official renderer, as Teams on a phone would. */
export function cardPage(card: object): string {
  const { script, css } = rendererFiles();
  return (
    `<!doctype html><html><head><meta charset="utf-8"><style>${css}${PAGE_CSS}</style></head>` +
    `<body><div id="card"></div><script>${script}</script><script>{
      const card = new AdaptiveCards.AdaptiveCard();
      card.hostConfig = new AdaptiveCards.HostConfig(${JSON.stringify(HOST_CONFIG)});
      card.parse(${JSON.stringify(card)});
      document.getElementById('card').appendChild(card.render());
      // Teams draws <at>name</at> with its mention entity as the name, highlighted.
      for (const el of document.querySelectorAll('#card *'))
        if (el.children.length === 0 && /<at>.*<[/]at>/.test(el.textContent))
          el.innerHTML = el.textContent
            .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
            .replace(/&lt;at&gt;(.*?)&lt;[/]at&gt;/g, '<span class="mention">$1</span>');
    }</script></body></html>`
  );
}
