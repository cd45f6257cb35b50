// `/digest …`: a private preview for leadership and admins, or posting a missed period.
import type { CarelogDeps } from '../../src/deps.js';
import type { SlackRoutes } from '../../src/platforms/slack/routes.js';
import { slackActor } from '../../src/platforms/slack/actor.js';
import { renderDigestBlocks } from '../../src/platforms/slack/digest-blocks.js';
import {
  answerDigestRequest,
  DIGEST_USAGE,
  mayReadDigests,
  parseDigestRequest,
} from '../../src/services/digest-requests.js';
import { refusalText } from '../../src/services/access.js';

export const DIGEST_COMMAND = '/digest';
export const DIGEST_FAILED_TEXT =
  'carelog could not finish that digest just now. Try again in a moment: a digest is never posted twice.';

export function register(routes: SlackRoutes, deps: CarelogDeps): void {
  routes.command(DIGEST_COMMAND, async ({ ack, body, respond }) => {
    const { program, member } = slackActor(deps, body);
    if (!program || !mayReadDigests(member)) {
      await ack({
        response_type: 'ephemeral',
        text: refusalText(deps, 'Digests are for your program’s leadership and admins.'),
      });
      return;
    }
    const req = parseDigestRequest(body.text ?? '');
    if (!req) {
      await ack({ response_type: 'ephemeral', text: DIGEST_USAGE });
      return;
    }
    // Computing a quarter can take a moment: acknowledge first, answer through the response URL.
    await ack();
    let answer;
    try {
      answer = await answerDigestRequest(deps, program, member, req);
    } catch (err) {
      // Tell the person, then let the global handler log it (codes and names only).
      await respond({ response_type: 'ephemeral', text: DIGEST_FAILED_TEXT });
      throw err;
    }
    if (answer.kind === 'error') {
      await respond({ response_type: 'ephemeral', text: answer.message });
    } else if (answer.kind === 'preview') {
      await respond({
        response_type: 'ephemeral',
        text: `Preview: ${answer.view.title}`,
        blocks: renderDigestBlocks(answer.view),
      });
    } else {
      const r = answer.result;
      const text =
        r.status === 'posted' || r.status === 'recovered'
          ? `Posted the digest for ${answer.period.name} to <#${r.channel}>.`
          : r.status === 'already-posted'
            ? `The digest for ${answer.period.name} was already posted${r.channel ? ` to <#${r.channel}>` : ''}; it is not posted twice.`
            : r.status === 'in-flight'
              ? `The digest for ${answer.period.name} is being posted right now.`
              : 'This program has no digest channel (slack.digestChannel in carelog.yml).';
      await respond({ response_type: 'ephemeral', text });
    }
  });
}
