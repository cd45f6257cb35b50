// Requests to carelog as Slack sends them: signed (v0 HMAC-SHA256 of timestamp and body), with slash
// command and interaction bodies form-encoded as Slack encodes them. Tests, benches and the demo
// send these to a carelog running against the local Slack simulator (src/platforms/slack/simulator.ts).
import { createHmac } from 'node:crypto';
import { readJsonResponse, type JsonResponse } from './json-response.js';

/** Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>"). */
export function signSlackRequest(signingSecret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedRequestOptions {
  url: string;
  signingSecret: string;
  body: string;
  contentType?: string;
  timestamp?: number;
  headers?: Record<string, string>;
}

/** Sends a request to carelog the way Slack does. */
export async function sendSignedRequest(opts: SignedRequestOptions): Promise<JsonResponse> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(opts.url, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signSlackRequest(opts.signingSecret, opts.body, ts),
      ...(opts.headers ?? {}),
    },
    body: opts.body,
  });
  return readJsonResponse(res);
}

export interface SlashCommandFields {
  command: string;
  text?: string;
  teamId: string;
  userId: string;
  channelId?: string;
  triggerId?: string;
  /** Where carelog's respond() goes; tests point it at the fake. */
  responseUrl?: string;
}

/** A slash command body, form-encoded as Slack sends it over HTTP. */
export function slashCommandBody(fields: SlashCommandFields): string {
  return new URLSearchParams(slashCommandPayload(fields)).toString();
}

/** A slash command's fields, as a Socket Mode `slash_commands` envelope carries them. */
export function slashCommandPayload(fields: SlashCommandFields): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: fields.teamId,
    team_domain: 'carelog-sim',
    channel_id: fields.channelId ?? 'C0SIMCHAN',
    channel_name: 'co-responders',
    user_id: fields.userId,
    user_name: 'clinician',
    command: fields.command,
    text: fields.text ?? '',
    api_app_id: 'A0CARELOG',
    is_enterprise_install: 'false',
    response_url: fields.responseUrl ?? 'https://hooks.slack.com/commands/T0SIM/1/abc',
    trigger_id: fields.triggerId ?? `${Date.now()}.1.trigger`,
  };
}

/** An interactive payload (block_actions, block_suggestion, view_submission), form-encoded. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
