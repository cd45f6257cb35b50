// "digest week|quarter [2024-Q3 | 2024-W40 | 2024-09-30] [post]": a private preview for leadership
// and admins, or posting a missed period to the program's Teams channel (never twice).
import type { App } from '@microsoft/teams.apps';
import type { CarelogDeps } from '../../src/deps.js';
import { answerDigestRequest, mayReadDigests, parseDigestRequest } from '../../src/services/digest-requests.js';
import { commandArgument, commandPattern, teamsActor } from '../../src/platforms/teams/actor.js';
import { cardMessage, textMessage } from '../../src/platforms/teams/cards.js';
import { renderDigestCard } from '../../src/platforms/teams/digest-card.js';
import { PRIVATE_CHAT_ONLY } from './contact.js';
import { refusalText } from '../../src/services/access.js';

export const DIGEST_MESSAGE = commandPattern('digest');
export const TEAMS_DIGEST_USAGE = 'Usage: `digest week|quarter [2024-Q3 | 2024-W40 | 2024-09-30] [post]`';

export function register(app: App, deps: CarelogDeps): void {
  app.message(DIGEST_MESSAGE, async (ctx) => {
    const { program, member, personal } = teamsActor(deps, ctx.activity);
    if (!program || !mayReadDigests(member)) {
      await ctx.send(textMessage(refusalText(deps, 'Digests are for your program’s leadership and admins.')));
      return;
    }
    if (!personal) {
      await ctx.send(textMessage(PRIVATE_CHAT_ONLY));
      return;
    }
    const req = parseDigestRequest(commandArgument(ctx.activity.text, DIGEST_MESSAGE));
    if (!req) {
      await ctx.send(textMessage(TEAMS_DIGEST_USAGE));
      return;
    }
    const answer = await answerDigestRequest(deps, program, member, req);
    if (answer.kind === 'error') {
      await ctx.send(textMessage(answer.message.replace(/Usage: .*$/, TEAMS_DIGEST_USAGE)));
    } else if (answer.kind === 'preview') {
      await ctx.send(cardMessage(renderDigestCard(answer.view, null), `Preview: ${answer.view.title}`));
    } else {
      const r = answer.result;
      const name = answer.period.name;
      await ctx.send(
        textMessage(
          r.status === 'posted' || r.status === 'recovered'
            ? `Posted the digest for ${name} to the team channel.`
            : r.status === 'already-posted'
              ? `The digest for ${name} was already posted to the team channel; it is not posted twice.`
              : r.status === 'in-flight'
                ? `The digest for ${name} is being posted right now.`
                : 'This program has no Teams digest channel (teams.digestChannel in carelog.yml).',
        ),
      );
    }
  });
}
