// Every Teams activity carelog answers. Adding one: write handlers/teams/<name>.ts exporting
// register(app, deps), and list it below; src/carelog.ts hands registerTeamsHandlers to the Teams
// app, which never imports handlers. Order matters: the conversation middleware first (it sees
// every activity), help last (it answers the messages nobody else took).
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import * as contact from './contact.js';
import * as conversations from './conversations.js';
import * as digest from './digest.js';
import * as followups from './followups.js';
import * as help from './help.js';
import * as nudgeActions from './nudge-actions.js';
import * as referralActions from './referral-actions.js';
import * as referrals from './referrals.js';
import * as report from './report.js';
import * as roster from './roster.js';

const HANDLERS = [
  conversations,
  contact,
  nudgeActions,
  referralActions,
  followups,
  referrals,
  roster,
  digest,
  report,
  help,
];

export function registerTeamsHandlers(app: App, deps: CarelogDeps): void {
  for (const h of HANDLERS) h.register(app, deps);
}
