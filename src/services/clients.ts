// Finding clients by their pseudonymous code. Codes are all a chat platform ever sees.
import type { PrismaClient } from '../generated/prisma/client.js';
import { audit, AUDIT } from './audit.js';
import type { MemberRef } from './directory.js';

export interface ClientSummary {
  id: string;
  code: string;
}

/** Typeahead: codes in the program containing the typed digits or text, newest first. */
export async function searchClients(prisma: PrismaClient, programId: string, query: string, limit = 20): Promise<ClientSummary[]> {
  const q = query.trim().toUpperCase().replace(/[^A-Z0-9-]/g, '');
  const digits = q.replace(/^[A-Z]+-?/, '').replace(/^0+(?=\d)/, '');
  return prisma.client.findMany({
    where: {
      programId,
      ...(q ? { OR: [{ code: { contains: q } }, ...(digits && /^\d+$/.test(digits) ? [{ code: { endsWith: digits } }] : [])] } : {}),
    },
    orderBy: { number: 'desc' },
    take: limit,
    select: { id: true, code: true },
  });
}

/** Looks a client up by exact code; the read is audited. */
export async function findClientByCode(prisma: PrismaClient, actor: MemberRef, code: string): Promise<ClientSummary | null> {
  const client = await prisma.client.findUnique({
    where: { programId_code: { programId: actor.programId, code } },
    select: { id: true, code: true },
  });
  if (client) {
    await audit(prisma, { programId: actor.programId, actorId: actor.memberId, action: AUDIT.clientRead, entityType: 'client', entityId: client.id });
  }
  return client;
}

export async function findClientById(prisma: PrismaClient, programId: string, id: string): Promise<ClientSummary | null> {
  return prisma.client.findFirst({ where: { id, programId }, select: { id: true, code: true } });
}
