// What services need from a chat platform: sending nudges and digests, and naming a person in a
// message. Slack and Teams each implement this; a service never knows which one it talks to, and
// never writes a platform's syntax itself.
import type { DigestView } from '../views/digest.js';
import type { NudgeMessage } from '../views/nudge.js';
import type { ReferralCheckMessage } from '../views/referral-check.js';
import type { MemberRef, TPlatform } from './directory.js';

/** A person as their chat platform knows them: whom a message names. */
export type Person = Pick<MemberRef, 'platform' | 'platformUserId'>;

export interface SentMessage {
  channel: string;
  ts: string;
  /** The digest was posted but its chart could not be attached. */
  chartFailed?: boolean;
}

export interface Messenger {
  /**
   * How a message this platform sends names `person`, so that they are notified (Slack: <@U…>),
   * or null where it has no way to: a person on another platform, or anyone on Teams in a text (a
   * Teams mention needs an entity beside the text, which carelog's texts do not carry; a digest
   * card carries them, drawn from the view's `DigestPerson`). The message then names their part in
   * plain words ("the assignee").
   */
  mention(person: Person): string | null;
  /** Sends a direct message; `nudgeId` is attached so the message can be found again. */
  sendNudge(recipient: string, message: NudgeMessage, nudgeId: string): Promise<SentMessage>;
  /** Finds a message sent for `nudgeId` (the crash window between send and record). */
  findNudge(recipient: string, nudgeId: string): Promise<SentMessage | null>;
  /** Replaces a sent nudge in place (after an action, or when a contact met the follow-up). */
  updateNudge(sent: SentMessage, message: NudgeMessage): Promise<void>;
  /** Sends a linkage check by direct message; `checkId` (the ReferralCheck row) is attached to find it again. */
  sendReferralCheck(recipient: string, message: ReferralCheckMessage, checkId: string): Promise<SentMessage>;
  /** Finds a linkage check sent for `checkId` (the crash window between send and record). */
  findReferralCheck(recipient: string, checkId: string): Promise<SentMessage | null>;
  /** Replaces a sent linkage check in place (after an answer). */
  updateReferralCheck(sent: SentMessage, message: ReferralCheckMessage, checkId: string): Promise<void>;
  /** A plain direct message (escalations to supervisors). */
  sendText(recipient: string, text: string, nudgeId: string): Promise<SentMessage>;
  /** Posts a digest to a team channel, with its chart; `runId` is attached to find it again. */
  postDigest(channel: string, view: DigestView, chartPng: Buffer | null, runId: string): Promise<SentMessage>;
  /** Finds a digest already posted for `runId` (the crash window between post and record). */
  findDigest(channel: string, runId: string): Promise<SentMessage | null>;
  /**
   * Puts a file in a posted digest's thread, with a message saying what it is; resolves with the
   * platform's id of the file. Only where a bot can put a file in a channel (Slack; Teams cannot
   * without SharePoint, so its messenger has none).
   */
  attachToDigest?(digest: SentMessage, file: DigestAttachment): Promise<{ fileId: string }>;
  /** Finds a file named `filename` already in a digest's thread (the crash window between upload and record). */
  findDigestAttachment?(digest: SentMessage, filename: string): Promise<{ fileId: string } | null>;
}

/** A file for a digest's thread. */
export interface DigestAttachment {
  bytes: Buffer;
  filename: string;
  /** The file's title, as the platform shows it. */
  title: string;
  /** The message that comes with it, saying what it is. */
  comment: string;
}

/**
 * `person` as a message sent on `platform` names them, or `otherwise` (plain words, such as "a
 * colleague") where that platform cannot, or carelog is not connected to it.
 */
export function mentionOn(
  messengers: Partial<Record<TPlatform, Messenger>>,
  platform: TPlatform,
  person: Person,
  otherwise: string,
): string {
  return messengers[platform]?.mention(person) ?? otherwise;
}

/** The recipient can never be reached (left the workspace, closed DMs): reroute, do not retry. */
export class RecipientUnreachableError extends Error {
  constructor(readonly platformCode: string) {
    super(`recipient unreachable (${platformCode})`);
    this.name = 'RecipientUnreachableError';
  }
}
