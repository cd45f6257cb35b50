// Finding clients by their pseudonymous code. Codes are all a chat platform ever sees.
import type { SqlRunner } from '../db/migrate.js';
import { clientSearchRanges } from '../domain/contact.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { audit, AUDIT } from './audit.js';
import type { MemberRef } from './directory.js';

export interface ClientSummary {
  id: string;
  code: string;
}

/**
 * Typeahead: the program's clients matching what was typed (`clientSearchRanges`: the number typed
 * first, then the numbers it begins; nothing typed: the newest). Each range is one bounded scan of
 * the unique index on (programId, number), so a keystroke that matches nothing reads nothing,
 * where `code LIKE '%42%'` read every client of the program (`npm run bench -- typeahead`). Not
 * audited: it lists codes only, and a row per keystroke would drown the audit trail.
 */
export async function searchClients(
  sql: SqlRunner,
  program: { id: string; clientCodePrefix: string },
  query: string,
  limit = 20,
): Promise<ClientSummary[]> {
  const ranges = clientSearchRanges(query, program.clientCodePrefix);
  if (ranges === 'newest') {
    return sql.query<ClientSummary>(
      `SELECT id::text AS id, code FROM "Client" WHERE "programId" = $1 ORDER BY number DESC LIMIT $2`,
      [program.id, limit],
    );
  }
  if (!ranges.length) return [];
  return sql.query<ClientSummary>(CLIENT_RANGES_SQL, [
    program.id,
    ranges.map((r) => r[0]),
    ranges.map((r) => r[1]),
    limit,
  ]);
}

/** The first `limit` clients of each number range, then the first `limit` of all, ascending. */
export const CLIENT_RANGES_SQL = `
SELECT c.id::text AS id, c.code
  FROM unnest($2::int[], $3::int[]) AS r(lo, hi)
  CROSS JOIN LATERAL (
    SELECT id, code, number FROM "Client"
     WHERE "programId" = $1 AND number BETWEEN r.lo AND r.hi
     ORDER BY number LIMIT $4
  ) c
 ORDER BY c.number
 LIMIT $4`;

/** Looks a client up by exact code, with their case manager's member id; the read is audited. */
export async function findClientByCode(
  prisma: PrismaClient,
  actor: MemberRef,
  code: string,
): Promise<(ClientSummary & { caseManagerId: string | null }) | null> {
  const client = await prisma.client.findUnique({
    where: { programId_code: { programId: actor.programId, code } },
    select: { id: true, code: true, caseManagerId: true },
  });
  if (client) await auditClientRead(prisma, actor, client.id);
  return client;
}

/**
 * The case manager of a client chosen in a form (by id, as the typeahead gives it), to pre-fill
 * "Follow-up by": a read of that client, audited like findClientByCode. Null for an id that is not
 * one of the program's clients.
 */
export async function findClientCaseManager(
  prisma: PrismaClient,
  actor: MemberRef,
  id: string,
): Promise<{ caseManagerId: string | null } | null> {
  const client = await prisma.client.findFirst({
    where: { id, programId: actor.programId },
    select: { id: true, caseManagerId: true },
  });
  if (client) await auditClientRead(prisma, actor, client.id);
  return client && { caseManagerId: client.caseManagerId };
}

export async function findClientById(
  prisma: PrismaClient,
  programId: string,
  id: string,
): Promise<ClientSummary | null> {
  return prisma.client.findFirst({ where: { id, programId }, select: { id: true, code: true } });
}

/** Every read of one client record is audited, with the person who read it. */
async function auditClientRead(prisma: PrismaClient, actor: MemberRef, clientId: string): Promise<void> {
  await audit(prisma, {
    programId: actor.programId,
    actorId: actor.memberId,
    action: AUDIT.clientRead,
    entityType: 'client',
    entityId: clientId,
  });
}
