// Where a Slack listener finds carelog's Web API client. Its own module, so that handlers/slack/
// can reach it without importing the Bolt app (app.ts), which is handed the handlers by
// src/carelog.ts: dependencies point one way, from the handlers to the platform.
import type { Context } from '@slack/bolt';
import type { CarelogWebClient } from './web-api.js';

/** The key of the client in each event's context. */
const SLACK_API = 'carelogSlackApi';

/**
 * The Web API client carelog's listeners call Slack with: one CarelogWebClient per process (lean
 * JSON calls on the hot paths), put in every event's context by createSlackApp. Bolt's own
 * per-event `client` would be a plain WebClient.
 */
export function slackApi(context: Context): CarelogWebClient {
  return context[SLACK_API] as CarelogWebClient;
}

/** Puts the client in an event's context (createSlackApp, before the listener runs). */
export function provideSlackApi(context: Context, api: CarelogWebClient): void {
  context[SLACK_API] = api;
}
