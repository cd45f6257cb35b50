// Anything else said to carelog: what it does and what to write, in plain words. Registered last,
// so it answers only what no other handler took.
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { TEAMS_HELP_TEXT } from '../../src/views/help.js';
import { textMessage } from '../../src/platforms/teams/cards.js';

export function register(app: App, _deps: CarelogDeps): void {
  app.on('message', async (ctx) => {
    await ctx.send(textMessage(TEAMS_HELP_TEXT));
  });
}
