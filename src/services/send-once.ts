// Sending a direct message exactly once, many at a time: the one protocol behind follow-up nudges
// (src/services/nudges.ts, `Nudge` rows) and linkage checks (src/services/referral-checks.ts,
// `ReferralCheck` rows). Each kind describes itself in a `SendOnceKind` (its table, what recording
// a send also writes, its audit actions, how it sends and finds a message); what it says, whom it
// asks and what follows stays in its own file.
//
// Each message is first *claimed* as a row (unique per row-it-is-about, version, kind and
// recipient), then sent with the claim's id attached to the message, then recorded (channel, ts).
// The crash window is between send and record: a worker killed there leaves a claimed row with no
// ts. Whoever picks the job up next does not send blindly: it asks the platform for a message
// carrying that id (Slack: message metadata in the DM's history) and records it if found, sending
// only if not. A claim younger than CLAIM_LEASE_MS belongs to a worker that may still be sending,
// so the job backs off and retries instead of racing it. A send that fails keeps its claim with the
// lease ended, since Slack may have taken a message whose answer was lost: the retry looks first
// too. The result: no lost and no doubled message, at the cost of one history lookup after a crash
// or a failed send. The record of a send also writes its AuditEvent (a message shows a client's
// code to a person), and whatever else the kind counts, in the same statement, so each message sent
// is audited (and counted) exactly once however often its job runs.
//
// A worker holds many jobs at once (src/queue/batch.ts): their claims are written with one
// INSERT … ON CONFLICT DO NOTHING, their messages sent side by side, and their sends recorded with
// one UPDATE. Only what a fresh claim cannot settle (a retry finding an earlier claim) goes one by
// one.
import type { CarelogDeps } from '../deps.js';
import type { MemberRef, TPlatform } from './directory.js';
import { RecipientUnreachableError, type Messenger, type SentMessage } from './messenger.js';

/** How long a claimed-but-unsent message is left to the worker that claimed it. */
export const CLAIM_LEASE_MS = 30_000;

export class SendInFlightError extends Error {
  constructor(noun: string) {
    super(`another worker is sending this ${noun}`);
    this.name = 'NudgeInFlightError';
  }
}

/** What became of one message. */
export type TDelivery = 'sent' | 'already-sent' | 'recovered' | 'unreachable';

/** What a job that sends messages did: nothing (its row moved on), or these deliveries. */
export interface SendResult {
  /** The row moved on (a newer version, settled): nothing to send. */
  stale: boolean;
  deliveries: TDelivery[];
}

/**
 * What a message says: the kind's own message (a nudge, a linkage check, drawn by each platform
 * with its buttons), or a plain text (an escalation, a supervisor's notice). A plain text carries
 * its claim's id as every plain DM does, and is found again the same way (findNudge).
 */
export type TContent<TMessage> = { message: TMessage } | { text: string };

/**
 * One kind of message sent exactly once. The SQL names are carelog's own constants, never input:
 * they are written into the statements, the values always passed as parameters.
 */
export interface SendOnceKind<TKind extends string, TMessage> {
  /** What one message is called, in errors and log lines ("nudge", "linkage check"). */
  noun: string;
  /** The claim table ("Nudge"). */
  table: string;
  /** The claim's column naming the row the message is about ("followUpId"). */
  parentColumn: string;
  /** That row's table, whose `programId` and `clientId` the audit row names ("FollowUp"). */
  parentTable: string;
  /** The enum type of the claim's `kind` column ("NudgeKind"). */
  kindType: string;
  /** The audit action of a message of each kind. */
  audit: Record<TKind, string>;
  /**
   * More that the statement recording a send writes, as a further common table expression over
   * `sent` (parent, version, kind, m: the rows just recorded, once each), e.g. counting a check.
   */
  alsoOnRecord?: string;
  /** Sends the kind's own message by DM, `claimId` attached. */
  send(messenger: Messenger, recipient: string, message: TMessage, claimId: string): Promise<SentMessage>;
  /** Finds the kind's own message sent for the claim (the crash window between send and record). */
  find(messenger: Messenger, recipient: string, claimId: string): Promise<SentMessage | null>;
  /** Told what became of each batch of messages (metrics). */
  delivered?(deps: CarelogDeps, results: readonly (TDelivery | Error)[]): void;
}

/** One message to send: about which row (and version), of which kind, to whom, saying what. */
export interface Delivery<TKind extends string, TMessage> {
  parentId: string;
  version: number;
  kind: TKind;
  to: MemberRef;
  content: TContent<TMessage>;
}

interface SentRecord extends SentMessage {
  /** The claim. */
  id: string;
  /** Who was told, for the audit trail. */
  memberId: string;
}

const claimKey = (r: { parentId: string; version: number; kind: string; recipient: string }) =>
  `${r.parentId}|${r.version}|${r.kind}|${r.recipient}`;

/** Supervisors of a program, or its admins when it names none: whoever is told when nobody else can be. */
export function supervisorsOf(deps: CarelogDeps, programId: string): MemberRef[] {
  const sups = deps.directory.withRole(programId, 'supervisor');
  return sups.length ? sups : deps.directory.withRole(programId, 'admin');
}

/**
 * Runs a batch of jobs once each: the same job twice (a stalled job taken over while its first run
 * waits in the batch) is run once, and both are answered with its result.
 */
export async function oncePerJob<TJob, R>(
  given: TJob[],
  jobId: (job: TJob) => string,
  run: (jobs: TJob[]) => Promise<(R | Error)[]>,
): Promise<(R | Error)[]> {
  const ids = given.map(jobId);
  const firstOf = new Map<string, number>();
  const jobs: TJob[] = [];
  ids.forEach((id, i) => {
    if (firstOf.has(id)) return;
    firstOf.set(id, jobs.length);
    jobs.push(given[i]!);
  });
  const results = await run(jobs);
  return ids.map((id) => results[firstOf.get(id)!]!);
}

/** Delivers each message at most once, answering each with what happened or the Error it failed with. */
export async function deliverMany<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  list: Delivery<TKind, TMessage>[],
): Promise<(TDelivery | Error)[]> {
  if (!list.length) return [];
  // Claim them all at once; the rows that come back are ours to send.
  const fresh = new Map<string, string>();
  const claimed = await deps.db.sql.query<{
    id: string;
    parentId: string;
    version: number;
    kind: string;
    recipient: string;
  }>(
    `INSERT INTO "${kind.table}" (id, "${kind.parentColumn}", version, kind, platform, recipient, "claimedAt")
     SELECT gen_random_uuid(), u.r, u.v, u.k::"${kind.kindType}", u.p::"Platform", u.t, (now() AT TIME ZONE 'UTC')
     FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(r, v, k, p, t)
     ON CONFLICT ("${kind.parentColumn}", version, kind, recipient) DO NOTHING
     RETURNING id, "${kind.parentColumn}" AS "parentId", version, kind::text AS kind, recipient`,
    [
      list.map((d) => d.parentId),
      list.map((d) => d.version),
      list.map((d) => d.kind),
      list.map((d) => d.to.platform),
      list.map((d) => d.to.platformUserId),
    ],
  );
  for (const c of claimed) fresh.set(claimKey(c), c.id);

  const sent: SentRecord[] = [];
  const unreachable: { id: string; code: string }[] = [];
  const released: string[] = [];
  const results = await Promise.all(
    list.map(async (d): Promise<TDelivery | Error> => {
      const k = claimKey({ ...d, recipient: d.to.platformUserId });
      // The same message twice in one batch: the first takes the claim, the second finds it.
      const id = fresh.get(k);
      fresh.delete(k);
      try {
        if (!id) return await deliverClaimed(deps, kind, d);
        const message = await send(deps, kind, d, id);
        sent.push({ id, ...message, memberId: d.to.memberId });
        return 'sent';
      } catch (err) {
        if (id && err instanceof RecipientUnreachableError) {
          unreachable.push({ id, code: err.platformCode });
          return 'unreachable';
        }
        // Maybe not sent (Slack may have taken a message whose answer was lost): end the claim's
        // lease, so the retry looks in the history before it sends, without waiting.
        if (id) released.push(id);
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
  kind.delivered?.(deps, results);
  await recordSent(deps, kind, sent);
  if (unreachable.length) await recordUnreachable(deps, kind, unreachable);
  if (released.length) await endLeases(deps, kind, released).catch(() => undefined);
  return results;
}

/**
 * Delivers the messages of a batch of jobs (`job` is the index of the result each belongs to) and
 * adds what became of each to its job's result. A message that failed fails its job (the job is
 * retried, and its retry repeats none of the messages that went); a job failed already stays so.
 * Answers each message as deliverMany does.
 */
export async function deliverForJobs<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  list: { job: number; d: Delivery<TKind, TMessage> }[],
  results: (SendResult | Error)[],
): Promise<(TDelivery | Error)[]> {
  const delivered = await deliverMany(
    deps,
    kind,
    list.map((x) => x.d),
  );
  list.forEach((x, k) => {
    const d = delivered[k]!;
    const r = results[x.job]!;
    if (r instanceof Error) return;
    if (d instanceof Error) results[x.job] = d;
    else r.deliveries.push(d);
  });
  return delivered;
}

function messengerFor(deps: CarelogDeps, platform: TPlatform): Messenger {
  const messenger = deps.messengers[platform];
  if (!messenger) throw new Error(`no messenger for ${platform}`);
  return messenger;
}

async function send<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  d: Delivery<TKind, TMessage>,
  claimId: string,
): Promise<SentMessage> {
  const messenger = messengerFor(deps, d.to.platform);
  return 'message' in d.content
    ? kind.send(messenger, d.to.platformUserId, d.content.message, claimId)
    : messenger.sendText(d.to.platformUserId, d.content.text, claimId);
}

/**
 * Records messages as sent and audits each as the disclosure it is (the client's code, shown to a
 * person), with whatever else the kind writes, in one statement: a message recorded is a message
 * audited, and only the first record of a message counts, so a retry, a recovery after a crash or
 * a worker that outlived its claim never writes a second audit row.
 */
async function recordSent<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  sent: SentRecord[],
): Promise<void> {
  if (!sent.length) return;
  const actions = Object.entries<string>(kind.audit);
  await deps.db.sql.query(
    `WITH sent AS (
       UPDATE "${kind.table}" k SET "sentAt" = (now() AT TIME ZONE 'UTC'), channel = u.c, "messageTs" = u.t
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS u(id, c, t, m)
        WHERE k.id = u.id AND k."sentAt" IS NULL
       RETURNING k."${kind.parentColumn}" AS parent, k.version, k.kind::text AS kind, u.m
     )${kind.alsoOnRecord ? `, ${kind.alsoOnRecord}` : ''}
     INSERT INTO "AuditEvent" ("programId", "actorId", action, "entityType", "entityId", "clientIds", at)
     SELECT p."programId", NULL, a.action, 'member', sent.m::text, ARRAY[p."clientId"], (now() AT TIME ZONE 'UTC')
       FROM sent JOIN "${kind.parentTable}" p ON p.id = sent.parent
       JOIN unnest($5::text[], $6::text[]) AS a(kind, action) ON a.kind = sent.kind`,
    [
      sent.map((s) => s.id),
      sent.map((s) => s.channel),
      sent.map((s) => s.ts),
      sent.map((s) => s.memberId),
      actions.map(([k]) => k),
      actions.map(([, action]) => action),
    ],
  );
}

/** The person cannot get messages from carelog (left the workspace, blocked the bot): recorded so. */
async function recordUnreachable<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  rows: { id: string; code: string }[],
): Promise<void> {
  await deps.db.sql.query(
    `UPDATE "${kind.table}" k SET error = u.code FROM unnest($1::uuid[], $2::text[]) AS u(id, code) WHERE k.id = u.id`,
    [rows.map((u) => u.id), rows.map((u) => u.code)],
  );
}

/** Claims whose send failed: free for the next try at once, which looks in the history first. */
async function endLeases<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  ids: string[],
): Promise<void> {
  await deps.db.sql.query(
    `UPDATE "${kind.table}" SET "claimedAt" = 'epoch' WHERE id = ANY($1::uuid[]) AND "sentAt" IS NULL`,
    [ids],
  );
}

/** A message someone claimed before (a retry, or a worker that died): settle it one by one. */
async function deliverClaimed<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  d: Delivery<TKind, TMessage>,
): Promise<TDelivery> {
  const sql = deps.db.sql;
  const [row] = await sql.query<{ id: string; sentAt: Date | null; error: string | null }>(
    `SELECT id, "sentAt", error FROM "${kind.table}"
     WHERE "${kind.parentColumn}" = $1 AND version = $2 AND kind = $3::"${kind.kindType}" AND recipient = $4`,
    [d.parentId, d.version, d.kind, d.to.platformUserId],
  );
  if (!row) throw new Error(`a ${kind.noun} claim vanished while it was being read; the job will retry`);
  if (row.sentAt) return 'already-sent';
  if (row.error) return 'unreachable';
  // Take over the claim only once its lease ran out, and only one taker wins.
  const taken = await sql.query(
    `UPDATE "${kind.table}" SET "claimedAt" = (now() AT TIME ZONE 'UTC')
     WHERE id = $1 AND "sentAt" IS NULL AND "claimedAt" < (now() AT TIME ZONE 'UTC') - make_interval(secs => $2::float8 / 1000)
     RETURNING id`,
    [row.id, deps.nudgeClaimLeaseMs ?? CLAIM_LEASE_MS],
  );
  if (taken.length !== 1) throw new SendInFlightError(kind.noun);
  const messenger = messengerFor(deps, d.to.platform);
  const markUnreachable = (err: RecipientUnreachableError) =>
    recordUnreachable(deps, kind, [{ id: row.id, code: err.platformCode }]).then(() => 'unreachable' as const);
  let found: SentMessage | null;
  try {
    found =
      'message' in d.content
        ? await kind.find(messenger, d.to.platformUserId, row.id)
        : await messenger.findNudge(d.to.platformUserId, row.id);
  } catch (err) {
    // Gone since the claim (left the workspace): reroute now instead of failing this job for ever.
    if (err instanceof RecipientUnreachableError) return markUnreachable(err);
    throw err;
  }
  if (found) {
    await recordSent(deps, kind, [{ id: row.id, channel: found.channel, ts: found.ts, memberId: d.to.memberId }]);
    return 'recovered';
  }
  try {
    const message = await send(deps, kind, d, row.id);
    await recordSent(deps, kind, [{ id: row.id, ...message, memberId: d.to.memberId }]);
    return 'sent';
  } catch (err) {
    if (err instanceof RecipientUnreachableError) return markUnreachable(err);
    await endLeases(deps, kind, [row.id]).catch(() => undefined);
    throw err;
  }
}

/**
 * Settles a message that will never be sent (nobody to send it to) as a claim with `error` set,
 * so the reconciler counts it as behind its row. Does nothing when it is claimed already.
 */
export async function settleUnsent<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  d: Omit<Delivery<TKind, TMessage>, 'to' | 'content'> & { platform: TPlatform; recipient: string; error: string },
): Promise<void> {
  await deps.db.sql.query(
    `INSERT INTO "${kind.table}" (id, "${kind.parentColumn}", version, kind, platform, recipient, "claimedAt", error)
     VALUES (gen_random_uuid(), $1, $2, $3::"${kind.kindType}", $4::"Platform", $5, (now() AT TIME ZONE 'UTC'), $6)
     ON CONFLICT ("${kind.parentColumn}", version, kind, recipient) DO NOTHING`,
    [d.parentId, d.version, d.kind, d.platform, d.recipient, d.error],
  );
}

/** A message as sent and recorded: where to update it in place. */
export interface SentCopy extends SentMessage {
  /** The claim (attached to the message when it was sent). */
  id: string;
  platform: TPlatform;
}

/**
 * Updates in place every message of `kinds` sent about a row (all its versions), once someone
 * acted on it: `redraw` is handed the recorded copies and draws each again. Trouble is logged,
 * never thrown: what the person did is recorded whatever the chat platform says.
 */
export async function updateSentInPlace<TKind extends string, TMessage>(
  deps: CarelogDeps,
  kind: SendOnceKind<TKind, TMessage>,
  parentId: string,
  kinds: readonly TKind[],
  redraw: (sent: SentCopy[]) => Promise<void>,
): Promise<void> {
  try {
    const sent = await deps.db.sql.query<SentCopy>(
      `SELECT id, platform::text AS platform, channel, "messageTs" AS ts FROM "${kind.table}"
       WHERE "${kind.parentColumn}" = $1 AND kind::text = ANY($2::text[]) AND channel IS NOT NULL AND "messageTs" IS NOT NULL`,
      [parentId, kinds],
    );
    if (sent.length) await redraw(sent);
  } catch (err) {
    deps.logger.warn({ [kind.parentColumn]: parentId, err }, `could not update a ${kind.noun} message`);
  }
}
