// Sending a nudge is the one thing the follow-up service needs from a chat platform. Slack and
// Teams each implement this; the service never knows which one it talks to.
import type { DigestView } from '../views/digest.js';
import type { NudgeMessage } from '../views/nudge.js';

export interface SentMessage {
  channel: string;
  ts: string;
  /** The digest was posted but its chart could not be attached. */
  chartFailed?: boolean;
}

export interface Messenger {
  /** Sends a direct message; `nudgeId` is attached so the message can be found again. */
  sendNudge(recipient: string, message: NudgeMessage, nudgeId: string): Promise<SentMessage>;
  /** Finds a message sent for `nudgeId` (the crash window between send and record). */
  findNudge(recipient: string, nudgeId: string): Promise<SentMessage | null>;
  /** Replaces a sent nudge in place (after an action, or when a contact met the follow-up). */
  updateNudge(sent: SentMessage, message: NudgeMessage): Promise<void>;
  /** A plain direct message (escalations to supervisors). */
  sendText(recipient: string, text: string, nudgeId: string): Promise<SentMessage>;
  /** Posts a digest to a team channel, with its chart; `runId` is attached to find it again. */
  postDigest(channel: string, view: DigestView, chartPng: Buffer | null, runId: string): Promise<SentMessage>;
  /** Finds a digest already posted for `runId` (the crash window between post and record). */
  findDigest(channel: string, runId: string): Promise<SentMessage | null>;
}

/** The recipient can never be reached (left the workspace, closed DMs): reroute, do not retry. */
export class RecipientUnreachableError extends Error {
  constructor(readonly platformCode: string) {
    super(`recipient unreachable (${platformCode})`);
    this.name = 'RecipientUnreachableError';
  }
}
