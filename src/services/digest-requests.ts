// `/digest week|quarter [2024-Q3 | 2024-W40 | YYYY-MM-DD] [post]`: leadership and admins preview a
// digest privately, or post a missed period to the team channel (never twice).
import { z } from 'zod';
import type { ProgramConfig } from '../config.js';
import type { CarelogDeps } from '../deps.js';
import { lastCompletePeriod, parsePeriod, type Period } from '../domain/periods.js';
import type { DigestView } from '../views/digest.js';
import { buildDigest, DigestInFlightError, postDigestOnce, type TPostResult } from './digest-posting.js';
import type { MemberRef } from './directory.js';

export const DIGEST_USAGE = 'Usage: `/digest week|quarter [2024-Q3 | 2024-W40 | 2024-09-30] [post]`';

export function mayReadDigests(member: MemberRef | undefined): member is MemberRef {
  return !!member && member.roles.some((r) => r === 'leadership' || r === 'admin');
}

const ZDigestRequest = z.object({
  kind: z.enum(['week', 'quarter']),
  period: z.string().max(20).optional(),
  post: z.boolean(),
});
export type TDigestRequest = z.infer<typeof ZDigestRequest>;

/** Reads the command text; null when it does not parse. */
export function parseDigestRequest(text: string): TDigestRequest | null {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const kind = words[0] === 'weekly' ? 'week' : words[0] === 'quarterly' ? 'quarter' : words[0];
  const post = words.includes('post');
  const rest = words.slice(1).filter((w) => w !== 'post');
  if (rest.length > 1) return null;
  const parsed = ZDigestRequest.safeParse({ kind, post, ...(rest[0] ? { period: rest[0] } : {}) });
  return parsed.success ? parsed.data : null;
}

export type TDigestAnswer =
  | { kind: 'preview'; period: Period; view: DigestView }
  | { kind: 'posted'; period: Period; result: TPostResult }
  | { kind: 'error'; message: string };

export async function answerDigestRequest(
  deps: CarelogDeps,
  program: ProgramConfig,
  member: MemberRef,
  req: TDigestRequest,
): Promise<TDigestAnswer> {
  const period = req.period
    ? parsePeriod(req.period, req.kind, program.timezone, program.startDate)
    : lastCompletePeriod(req.kind, deps.now(), program.timezone, program.startDate);
  if (!period) {
    // Quoted back only when it looks like a period (a mistyped 2024-W40): never a word someone typed.
    const shown = /^\d[\dqw-]*$/.test(req.period ?? '') ? `“${req.period}”` : 'That';
    return { kind: 'error', message: `${shown} is not a ${req.kind}. ${DIGEST_USAGE}` };
  }
  if (period.endDate <= program.startDate)
    return { kind: 'error', message: `${period.name} ended before the program started (${program.startDate}).` };
  if (!req.post) {
    const { view } = await buildDigest(deps, program, period);
    return { kind: 'preview', period, view };
  }
  if (period.end > deps.now())
    return { kind: 'error', message: `${period.name} has not ended yet; only finished periods can be posted.` };
  try {
    // A missed period is posted to the channel on the platform it was asked for from.
    const result = await postDigestOnce(deps, program, period, {
      platform: member.platform,
      requestedBy: member.memberId,
    });
    return { kind: 'posted', period, result };
  } catch (err) {
    if (err instanceof DigestInFlightError) return { kind: 'posted', period, result: { status: 'in-flight' } };
    throw err;
  }
}
