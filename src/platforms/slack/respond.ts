// Answering through a response URL after the interaction that gave it is over: a list drawn again
// once a form opened from it is saved (a view_submission carries no response URL of its own, so the
// form keeps the list's). Bolt's respond() is only handed to the listener of the action itself.
import type { WebClient } from '@slack/web-api';
import type { CarelogDeps } from '../../deps.js';

/** Where Slack's response URLs point; the Web API's own base too (the local simulator, tests). */
const SLACK_HOOKS = 'https://hooks.slack.com/';

/**
 * POSTs `body` to `url`, a response URL carelog was given by Slack and kept in a form's private
 * metadata. Only Slack's hooks (or the Web API base carelog talks to) are written to, whatever the
 * metadata says. Trouble is logged, never thrown: what the person did is recorded already.
 */
export async function respondLater(
  deps: Pick<CarelogDeps, 'logger'>,
  client: Pick<WebClient, 'slackApiUrl'>,
  url: string,
  body: Record<string, unknown>,
): Promise<void> {
  if (!url.startsWith(SLACK_HOOKS) && !url.startsWith(client.slackApiUrl)) {
    deps.logger.warn('a response URL that is not Slack’s was not answered');
    return;
  }
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
    });
    if (!res.ok) deps.logger.warn({ status: res.status }, 'Slack refused an answer through a response URL');
  } catch (err) {
    deps.logger.warn({ err }, 'could not answer through a response URL');
  }
}
