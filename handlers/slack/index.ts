// Every Slack interaction carelog answers. Adding one: write handlers/slack/<name>.ts exporting
// register(routes, deps), and list it here (CONTRIBUTING.md has the checklist). src/carelog.ts hands
// registerSlackHandlers to the Slack app; the app never imports handlers.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import * as appHome from './app-home.js';
import * as carelogCommand from './carelog-command.js';
import * as clientOptions from './client-options.js';
import * as contactClientChosen from './contact-client-chosen.js';
import * as contactCommand from './contact-command.js';
import * as contactMoreDetails from './contact-more-details.js';
import * as contactOutcomeChosen from './contact-outcome-chosen.js';
import * as contactSubmit from './contact-submit.js';
import * as digestCommand from './digest-command.js';
import * as nudgeActions from './nudge-actions.js';
import * as referralActions from './referral-actions.js';
import * as roster from './roster.js';

const HANDLERS = [
  contactCommand,
  contactClientChosen,
  contactOutcomeChosen,
  contactMoreDetails,
  clientOptions,
  contactSubmit,
  nudgeActions,
  referralActions,
  carelogCommand,
  appHome,
  digestCommand,
  roster,
];

export function registerSlackHandlers(routes: SlackRoutes, deps: CarelogDeps): void {
  for (const h of HANDLERS) h.register(routes, deps);
}
