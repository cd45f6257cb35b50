// Where carelog can reach a person proactively. Slack opens a DM from a user id alone; Teams needs a
// conversation reference, which it only hands over when the person talks to the bot or installs it.
// Identifiers only: the roster id, the platform's address for the person, the tenant, the conversation.
import type { Database } from '../db/client.js';
import type { TPlatform } from './directory.js';

export interface ConversationAddress {
  platform: TPlatform;
  /** The roster's id for the person (Teams: the Entra object id). */
  userId: string;
  /** The platform's own address for the person (Teams: 29:…). */
  address: string;
  tenantId: string | null;
  /** The 1:1 conversation, once known. */
  conversationId: string | null;
}

/**
 * Records how to reach someone. A newer conversation id replaces the old one; a sighting without
 * one (a member added to a team) keeps the 1:1 conversation already known. Writes only on change,
 * since every message passes through here.
 */
export async function rememberConversation(db: Pick<Database, 'prisma'>, ref: ConversationAddress): Promise<void> {
  const { prisma } = db;
  const where = { platform_userId: { platform: ref.platform, userId: ref.userId } };
  const known = await prisma.conversationRef.findUnique({ where });
  const next = {
    address: ref.address,
    tenantId: ref.tenantId ?? known?.tenantId ?? null,
    conversationId: ref.conversationId ?? known?.conversationId ?? null,
  };
  if (
    known &&
    known.address === next.address &&
    known.tenantId === next.tenantId &&
    known.conversationId === next.conversationId
  )
    return;
  await prisma.conversationRef.upsert({
    where,
    create: { platform: ref.platform, userId: ref.userId, ...next },
    update: next,
  });
}

export async function findConversation(
  db: Pick<Database, 'prisma'>,
  platform: TPlatform,
  userId: string,
): Promise<ConversationAddress | null> {
  const row = await db.prisma.conversationRef.findUnique({
    where: { platform_userId: { platform, userId } },
    select: { platform: true, userId: true, address: true, tenantId: true, conversationId: true },
  });
  return row;
}

/** Stores the 1:1 conversation opened for someone known only by address. */
export async function saveConversationId(
  db: Pick<Database, 'prisma'>,
  platform: TPlatform,
  userId: string,
  conversationId: string,
): Promise<void> {
  await db.prisma.conversationRef.updateMany({ where: { platform, userId }, data: { conversationId } });
}

/** The person removed the app: their conversation is gone, and nudges go to supervisors until they return. */
export async function forgetConversation(
  db: Pick<Database, 'prisma'>,
  platform: TPlatform,
  userId: string,
): Promise<void> {
  await db.prisma.conversationRef.deleteMany({ where: { platform, userId } });
}
