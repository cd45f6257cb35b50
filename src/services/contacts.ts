// Logging a contact: one transaction writes the client (if new), the contact, the follow-up and the
// audit trail, or nothing at all. An idempotency key backed by a unique constraint makes retries
// and double submits return the first result instead of writing a second contact.
import type { ProgramConfig } from '../config.js';
import { formatClientCode, type ContactInput } from '../domain/contact.js';
import { fromLocal } from '../domain/time.js';
import { CarelogError } from '../errors.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { audit, AUDIT, type AuditEntry } from './audit.js';
import type { Keyring } from './crypto.js';
import type { Directory, MemberRef } from './directory.js';

export interface ContactServiceDeps {
  prisma: PrismaClient;
  keyring: Keyring;
  directory: Directory;
  /** The clock (tests and the demo move it); defaults to the real one. */
  now?: () => Date;
}

export interface LogContactRequest {
  program: ProgramConfig;
  author: MemberRef;
  idempotencyKey: string;
  input: ContactInput;
}

export interface LoggedContact {
  /** False when this request repeated one already stored (a retry or a double submit). */
  created: boolean;
  contactId: string;
  contactNumber: number;
  clientCode: string;
  newClient: boolean;
  followUp: { id: string; date: string; dueAt: Date; assigneeMemberId: string | null } | null;
  /** Follow-ups this contact met (and so completed), with the version their reminders carry. */
  followUpsMet: { id: string; version: number }[];
}

/** Associated data for the notes cipher: notes cannot be moved to another program's row. */
export function notesContext(programId: string): string {
  return `carelog:notes:${programId}`;
}

/** Raised when a field-level problem is found inside the transaction (e.g. an unknown client). */
export class ContactFieldError extends CarelogError {
  constructor(
    readonly field: 'client' | 'follow_up_assignee',
    message: string,
  ) {
    super('invalid_input', message);
  }
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

export async function logContact(deps: ContactServiceDeps, req: LogContactRequest): Promise<LoggedContact> {
  const { prisma, keyring, directory } = deps;
  const { program, author, input } = req;
  const existing = await findByIdempotencyKey(prisma, program.id, req.idempotencyKey);
  if (existing) return existing;

  const assigneeChoice = input.followUpAssignee
    ? directory.member(program.id, author.platform, input.followUpAssignee)
    : undefined;
  if (input.followUpAssignee && !assigneeChoice) {
    throw new ContactFieldError('follow_up_assignee', 'That person is not on this program’s carelog roster.');
  }
  const sealed = input.notes ? keyring.encrypt(input.notes, notesContext(program.id)) : null;

  try {
    return await prisma.$transaction(async (tx) => {
      const isNew = input.client.kind === 'new';
      const counters = await tx.program.update({
        where: { id: program.id },
        data: { nextContactNumber: { increment: 1 }, nextClientNumber: { increment: isNew ? 1 : 0 } },
        select: { nextContactNumber: true, nextClientNumber: true },
      });
      const contactNumber = counters.nextContactNumber - 1;
      const auditEntries: AuditEntry[] = [];

      let client: { id: string; code: string; caseManagerId: string | null };
      if (input.client.kind === 'new') {
        const number = counters.nextClientNumber - 1;
        client = await tx.client.create({
          data: {
            programId: program.id,
            number,
            code: formatClientCode(program.clientCodePrefix, number),
            sex: input.client.sex,
            ageBand: input.client.ageBand,
            firstContactAt: input.occurredAt,
          },
          select: { id: true, code: true, caseManagerId: true },
        });
        auditEntries.push({ programId: program.id, actorId: author.memberId, action: AUDIT.clientCreate, entityType: 'client', entityId: client.id });
      } else {
        const found = await tx.client.findFirst({
          where: { id: input.client.clientId, programId: program.id },
          select: { id: true, code: true, caseManagerId: true, firstContactAt: true },
        });
        if (!found) throw new ContactFieldError('client', 'That client is not in this program. Choose again.');
        // A contact logged late can be earlier than the first one on record.
        if (input.occurredAt < found.firstContactAt) {
          await tx.client.update({ where: { id: found.id }, data: { firstContactAt: input.occurredAt } });
        }
        client = found;
      }

      const assigneeMemberId = input.followUpDate
        ? (assigneeChoice?.memberId ?? client.caseManagerId ?? (await pickCaseManager(tx, directory, program.id)))
        : null;

      const contact = await tx.contact.create({
        data: {
          programId: program.id,
          number: contactNumber,
          clientId: client.id,
          occurredAt: input.occurredAt,
          authorId: author.memberId,
          source: input.source,
          services: input.services,
          referrals: input.referrals,
          disposition: input.disposition,
          incidentRef: input.incidentRef,
          minutesOnScene: input.minutesOnScene,
          followUpWanted: input.followUpDate !== null,
          followUpDate: input.followUpDate ? new Date(`${input.followUpDate}T00:00:00Z`) : null,
          followUpAssigneeId: assigneeMemberId,
          notesCiphertext: sealed?.envelope ?? null,
          notesKeyId: sealed?.keyId ?? null,
          idempotencyKey: req.idempotencyKey,
        },
        select: { id: true },
      });
      auditEntries.push({ programId: program.id, actorId: author.memberId, action: AUDIT.contactCreate, entityType: 'contact', entityId: contact.id });

      // Any contact with the client meets the follow-ups that were waiting for one.
      const pending = await tx.followUp.findMany({
        where: { clientId: client.id, status: 'pending' },
        select: { id: true, version: true },
      });
      if (pending.length) {
        await tx.followUp.updateMany({
          where: { id: { in: pending.map((f) => f.id) } },
          data: { status: 'done', completedAt: deps.now?.() ?? new Date(), metByContactId: contact.id, version: { increment: 1 } },
        });
        for (const f of pending) {
          auditEntries.push({ programId: program.id, actorId: author.memberId, action: AUDIT.followUpComplete, entityType: 'followup', entityId: f.id });
        }
      }

      let followUp: LoggedContact['followUp'] = null;
      if (input.followUpDate) {
        const dueAt = fromLocal(input.followUpDate, program.followUps.nudgeAt, program.timezone);
        const row = await tx.followUp.create({
          data: { programId: program.id, clientId: client.id, originContactId: contact.id, dueAt, assigneeId: assigneeMemberId },
          select: { id: true },
        });
        if (assigneeMemberId && !client.caseManagerId && directory.memberById(assigneeMemberId)?.roles.includes('case_manager')) {
          await tx.client.update({ where: { id: client.id }, data: { caseManagerId: assigneeMemberId } });
        }
        followUp = { id: row.id, date: input.followUpDate, dueAt, assigneeMemberId };
        auditEntries.push({ programId: program.id, actorId: author.memberId, action: AUDIT.followUpCreate, entityType: 'followup', entityId: row.id });
      }

      await audit(tx, auditEntries);
      return {
        created: true,
        contactId: contact.id,
        contactNumber,
        clientCode: client.code,
        newClient: isNew,
        followUp,
        followUpsMet: pending,
      };
    });
  } catch (err) {
    // Two copies of one submission raced: the other one committed first. Report it as a repeat.
    if (isUniqueViolation(err)) {
      const winner = await findByIdempotencyKey(prisma, program.id, req.idempotencyKey);
      if (winner) return winner;
    }
    throw err;
  }
}

async function findByIdempotencyKey(prisma: PrismaClient, programId: string, key: string): Promise<LoggedContact | null> {
  const row = await prisma.contact.findUnique({
    where: { programId_idempotencyKey: { programId, idempotencyKey: key } },
    select: {
      id: true,
      number: true,
      client: { select: { code: true } },
      followUps: { select: { id: true, dueAt: true, assigneeId: true }, take: 1 },
      followUpDate: true,
    },
  });
  if (!row) return null;
  const f = row.followUps[0];
  return {
    created: false,
    contactId: row.id,
    contactNumber: row.number,
    clientCode: row.client.code,
    newClient: false,
    followUp: f && row.followUpDate ? { id: f.id, date: row.followUpDate.toISOString().slice(0, 10), dueAt: f.dueAt, assigneeMemberId: f.assigneeId } : null,
    followUpsMet: [],
  };
}

/** The program's case manager with the fewest pending follow-ups (roster order breaks ties). */
async function pickCaseManager(tx: Prisma.TransactionClient, directory: Directory, programId: string): Promise<string | null> {
  const managers = directory.withRole(programId, 'case_manager');
  if (managers.length === 0) return null;
  if (managers.length === 1) return managers[0]!.memberId;
  const load = await tx.followUp.groupBy({
    by: ['assigneeId'],
    where: { programId, status: 'pending', assigneeId: { in: managers.map((m) => m.memberId) } },
    _count: { _all: true },
  });
  const count = new Map(load.map((l) => [l.assigneeId, l._count._all]));
  return [...managers].sort((a, b) => (count.get(a.memberId) ?? 0) - (count.get(b.memberId) ?? 0))[0]!.memberId;
}
