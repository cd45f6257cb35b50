// The roster changed in chat by a program's admins (`/carelog roster` on Slack, "roster" on Teams):
// add a person with roles, change a member's roles, deactivate a member. Each change is one
// transaction under the roster lock: checked against the version the admin's list showed, audited
// with actor, person and roles before and after, and the program's roster version bumped, which
// every replica polls (src/services/directory.ts). A departing member's pending follow-ups and
// open referral checks go to the case manager with the fewest; a person added is welcomed once.
import { randomUUID } from 'node:crypto';
import type { CarelogDeps } from '../deps.js';
import type { TRole } from '../domain/categories.js';
import { leavesNoAdmin, parseRoles, pickSuccessor, rolesEqual, sortRoles } from '../domain/roster.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  NOT_AN_ADMIN,
  reassignNoticeText,
  rolesText,
  STALE_ROSTER,
  welcomeText,
  type RosterView,
  type TRosterAction,
} from '../views/roster.js';
import { audit, AUDIT } from './audit.js';
import { bumpRosterVersion, lockRoster, rosterAudit, type MemberRef, type TPlatform } from './directory.js';
import { scheduleReminder, unscheduleReminders } from './followups.js';
import { mentionOn, type Person } from './messenger.js';
import { supervisorsOf } from './send-once.js';
import { scheduleReferralChecks, unscheduleReferralCheck } from './referral-checks.js';

export function mayManageRoster(member: MemberRef | undefined): member is MemberRef {
  return !!member && member.roles.includes('admin');
}

export interface RosterRow {
  memberId: string;
  platform: TPlatform;
  userId: string;
  roles: TRole[];
  active: boolean;
  source: 'config' | 'chat';
  updatedAt: string;
}

/** The roster as stored (what every process reads): for the CLI and the admins' list. */
export async function readRoster(
  prisma: Pick<PrismaClient, 'member' | 'rosterVersion'>,
  programId: string,
  opts: { includeInactive?: boolean } = {},
): Promise<{ version: number; members: RosterRow[] }> {
  const version = (await prisma.rosterVersion.findUnique({ where: { programId } }))?.version ?? 1;
  const rows = await prisma.member.findMany({
    where: { programId, ...(opts.includeInactive ? {} : { active: true }) },
    orderBy: [{ active: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
  });
  return {
    version,
    members: rows.map((r) => ({
      memberId: r.id,
      platform: r.platform,
      userId: r.platformUserId,
      roles: sortRoles(r.roles),
      active: r.active,
      source: r.source,
      updatedAt: r.updatedAt.toISOString(),
    })),
  };
}

/** The admin's list, read from the database (not this process's copy): its version is the truth. */
export async function rosterView(deps: CarelogDeps, programId: string, outcome?: string): Promise<RosterView> {
  const program = deps.directory.program(programId)!;
  const roster = await readRoster(deps.db.prisma, programId);
  return {
    programId,
    programName: program.name,
    version: roster.version,
    members: roster.members.map((m) => ({
      memberId: m.memberId,
      platform: m.platform,
      platformUserId: m.userId,
      roles: m.roles,
    })),
    ...(outcome ? { outcome } : {}),
  };
}

export interface RosterRequest {
  /** The roster version the admin's list showed. */
  version: number;
  action: TRosterAction;
  /** The person chosen, on the admin's platform (Slack user id; Teams Entra object id). */
  userId: string | undefined;
  /** Role keys as sent (checked here). */
  roles: string[];
}

export type TRosterResult =
  { ok: true; view: RosterView } | { ok: false; field: 'person' | 'roles' | 'list'; error: string };

class Refusal extends Error {
  constructor(
    readonly field: 'person' | 'roles' | 'list',
    message: string,
  ) {
    super(message);
  }
}

interface Handover {
  from: MemberRef;
  to: string;
  followUps: { id: string; version: number; code: string }[];
  referrals: { id: string; version: number; code: string }[];
}

/**
 * Applies one admin's change to their program's roster, or refuses it with a message naming the
 * field, changing nothing. `adminName`: how the admin is named to a person they add where the
 * platform cannot mention them (Teams: their display name, as the activity gave it).
 */
export async function changeRoster(
  deps: CarelogDeps,
  actor: MemberRef,
  req: RosterRequest,
  opts: { adminName?: string } = {},
): Promise<TRosterResult> {
  if (!mayManageRoster(actor)) return { ok: false, field: 'list', error: NOT_AN_ADMIN };
  const platform = actor.platform;
  const userId = req.userId ? (platform === 'teams' ? req.userId.toLowerCase() : req.userId) : undefined;
  if (!userId) return { ok: false, field: 'person', error: 'Choose a person.' };
  let roles: TRole[] = [];
  if (req.action !== 'deactivate') {
    const parsed = parseRoles(req.roles);
    if (!parsed.ok) return { ok: false, field: 'roles', error: parsed.error };
    roles = parsed.roles;
  }
  const programId = actor.programId;
  let outcome: string;
  let welcome: string | null;
  let handover: Handover | null;
  try {
    const done = await deps.db.prisma.$transaction(async (tx) => {
      await lockRoster(tx);
      const version = (await tx.rosterVersion.findUnique({ where: { programId } }))?.version ?? 1;
      if (version !== req.version) throw new Refusal('list', STALE_ROSTER);
      const me = await tx.member.findUnique({ where: { id: actor.memberId } });
      if (!me?.active || !me.roles.includes('admin')) throw new Refusal('list', NOT_AN_ADMIN);
      const row = await tx.member.findUnique({
        where: { programId_platform_platformUserId: { programId, platform, platformUserId: userId } },
      });
      const person = { platform, userId };
      const active = await tx.member.findMany({
        where: { programId, active: true },
        select: { id: true, roles: true },
      });
      const asMembers = active.map((m) => ({ memberId: m.id, roles: m.roles }));
      if (req.action === 'add') {
        if (row?.active)
          throw new Refusal(
            'person',
            `That person is already on the roster (${rolesText(sortRoles(row.roles))}): choose “Change this member’s roles”.`,
          );
        if (platform === 'teams') {
          const elsewhere = await tx.member.findFirst({
            where: { platform, platformUserId: userId, active: true, programId: { not: programId } },
          });
          if (elsewhere)
            throw new Refusal(
              'person',
              'That person is on another program’s roster, and a Teams person belongs to one program: ask that program’s admin to deactivate them first.',
            );
        }
        const saved = row
          ? await tx.member.update({
              where: { id: row.id },
              data: { roles, active: true, source: 'chat', welcomeOwed: row.welcomedAt === null },
            })
          : await tx.member.create({
              data: { programId, platform, platformUserId: userId, roles, source: 'chat', welcomeOwed: true },
            });
        const entry = rosterAudit(programId, actor.memberId, AUDIT.rosterAdd, saved.id, person, [], roles);
        // Teams cannot mention the admin in the welcome: their display name, as Teams gave it, is kept
        // with the event for a welcome that goes later (a staff member's name, never a client's).
        await audit(tx, {
          ...entry,
          details: { ...entry.details, ...(opts.adminName ? { actorName: opts.adminName.slice(0, 100) } : {}) },
        });
        await bumpRosterVersion(tx, programId);
        return { outcome: `Added with ${rolesText(roles)}.`, welcome: saved.welcomeOwed ? saved.id : null };
      }
      if (!row?.active) throw new Refusal('person', 'That person is not on the roster: choose “Add this person”.');
      const before = sortRoles(row.roles);
      if (req.action === 'roles') {
        if (rolesEqual(before, roles))
          throw new Refusal('roles', `They already have exactly these roles (${rolesText(roles)}).`);
        if (leavesNoAdmin(asMembers, row.id, roles))
          throw new Refusal('roles', 'They are the program’s last admin: make someone else an admin first.');
        await tx.member.update({ where: { id: row.id }, data: { roles, source: 'chat' } });
        await audit(tx, rosterAudit(programId, actor.memberId, AUDIT.rosterChange, row.id, person, before, roles));
        await bumpRosterVersion(tx, programId);
        return { outcome: `Roles changed from ${rolesText(before)} to ${rolesText(roles)}.`, welcome: null };
      }
      if (leavesNoAdmin(asMembers, row.id, []))
        throw new Refusal(
          'person',
          'They are the program’s last admin, who cannot be deactivated: make someone else an admin first.',
        );
      await tx.member.update({ where: { id: row.id }, data: { active: false, roles: [], source: 'chat' } });
      await audit(tx, rosterAudit(programId, actor.memberId, AUDIT.rosterDeactivate, row.id, person, before, []));
      const leaving = { memberId: row.id, programId, platform, platformUserId: userId, roles: before };
      const h = await handOver(tx, actor, leaving);
      await bumpRosterVersion(tx, programId);
      const moved = h ? h.followUps.length + h.referrals.length : 0;
      return {
        outcome: `Deactivated.${h ? ` ${moved} pending follow-up${moved === 1 ? '' : 's'} and referral check${moved === 1 ? '' : 's'} went to the case manager with the fewest; the supervisors were told.` : ''}`,
        welcome: null,
        handover: h,
      };
    });
    outcome = done.outcome;
    welcome = done.welcome;
    handover = 'handover' in done ? (done.handover ?? null) : null;
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, field: err.field, error: err.message };
    throw err;
  }
  // In force here at once; every other process sees the new version within its poll interval.
  await deps.directory.refresh({ force: true });
  deps.logger.info({ programId, actorId: actor.memberId, action: req.action }, 'roster changed');
  if (handover) await afterHandover(deps, handover);
  if (welcome) await deliverWelcome(deps, welcome, opts.adminName);
  return { ok: true, view: await rosterView(deps, programId, outcome) };
}

/**
 * Hands a departing member's pending follow-ups and open referral checks to the active case
 * manager with the fewest of both (versions bumped, so their old reminders and buttons go stale).
 * Their clients take the successor as case manager. Null when they had no pending work, or there
 * is no other case manager (their work then escalates to the
 * supervisors as an unreachable assignee's does).
 */
async function handOver(tx: Prisma.TransactionClient, actor: MemberRef, leaving: MemberRef): Promise<Handover | null> {
  const where = { programId: leaving.programId, assigneeId: leaving.memberId };
  const followUps = await tx.followUp.findMany({
    where: { ...where, status: 'pending' },
    select: { id: true, version: true, clientId: true, client: { select: { code: true } } },
    orderBy: { dueAt: 'asc' },
  });
  const referrals = await tx.referral.findMany({
    where: { ...where, status: 'made' },
    select: { id: true, version: true, clientId: true, client: { select: { code: true } } },
    orderBy: { madeAt: 'asc' },
  });
  const clients = await tx.client.count({ where: { programId: leaving.programId, caseManagerId: leaving.memberId } });
  if (!followUps.length && !referrals.length && !clients) return null;
  const candidates = await tx.member.findMany({
    where: {
      programId: leaving.programId,
      active: true,
      roles: { has: 'case_manager' },
      id: { not: leaving.memberId },
    },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true },
  });
  if (!candidates.length) return null;
  const ids = candidates.map((c) => c.id);
  const [fuCounts, refCounts] = await Promise.all([
    tx.followUp.groupBy({ by: ['assigneeId'], where: { status: 'pending', assigneeId: { in: ids } }, _count: true }),
    tx.referral.groupBy({ by: ['assigneeId'], where: { status: 'made', assigneeId: { in: ids } }, _count: true }),
  ]);
  const pending = new Map<string, number>();
  for (const c of [...fuCounts, ...refCounts]) pending.set(c.assigneeId!, (pending.get(c.assigneeId!) ?? 0) + c._count);
  const to = pickSuccessor(
    ids.map((id) => ({ memberId: id, pending: pending.get(id) ?? 0 })),
    leaving.memberId,
  )!;
  const data = { assigneeId: to, version: { increment: 1 }, lastActorId: actor.memberId };
  await tx.followUp.updateMany({ where: { id: { in: followUps.map((f) => f.id) } }, data });
  await tx.referral.updateMany({ where: { id: { in: referrals.map((r) => r.id) } }, data });
  // Their clients' next follow-ups go to the successor too (a client's case manager is the default assignee).
  await tx.client.updateMany({
    where: { programId: leaving.programId, caseManagerId: leaving.memberId },
    data: { caseManagerId: to },
  });
  if (!followUps.length && !referrals.length) return null;
  const programId = leaving.programId;
  await audit(tx, [
    ...followUps.map((f) => ({
      programId,
      actorId: actor.memberId,
      action: AUDIT.followUpReassign,
      entityType: 'followup' as const,
      entityId: f.id,
    })),
    ...referrals.map((r) => ({
      programId,
      actorId: actor.memberId,
      action: AUDIT.referralReassign,
      entityType: 'referral' as const,
      entityId: r.id,
    })),
    {
      programId,
      actorId: actor.memberId,
      action: AUDIT.rosterReassign,
      entityType: 'member' as const,
      entityId: leaving.memberId,
      count: followUps.length + referrals.length,
      // The supervisors' notice shows these clients' codes.
      clientIds: [...new Set([...followUps, ...referrals].map((x) => x.clientId))],
      details: { to, followUps: followUps.length, referrals: referrals.length },
    },
  ]);
  return {
    from: leaving,
    to,
    followUps: followUps.map((f) => ({ id: f.id, version: f.version, code: f.client.code })),
    referrals: referrals.map((r) => ({ id: r.id, version: r.version, code: r.client.code })),
  };
}

/** Reminders and checks queued again for their new versions, and the supervisors told. */
async function afterHandover(deps: CarelogDeps, h: Handover): Promise<void> {
  for (const f of h.followUps) {
    await unscheduleReminders(deps, f.id, f.version);
    await scheduleReminder(deps, f.id);
  }
  for (const r of h.referrals) await unscheduleReferralCheck(deps, r.id, r.version);
  await scheduleReferralChecks(
    deps,
    h.referrals.map((r) => r.id),
  );
  const program = deps.directory.program(h.from.programId)!;
  const successor = deps.directory.memberById(h.to);
  for (const s of supervisorsOf(deps, h.from.programId)) {
    const messenger = deps.messengers[s.platform];
    if (!messenger) continue;
    const text = reassignNoticeText({
      programName: program.name,
      from: mentionOn(deps.messengers, s.platform, h.from, 'a case manager'),
      to: successor
        ? mentionOn(deps.messengers, s.platform, successor, 'another case manager')
        : 'another case manager',
      followUpCodes: h.followUps.map((f) => f.code),
      referralCodes: h.referrals.map((r) => r.code),
    });
    await messenger
      .sendText(s.platformUserId, text, randomUUID())
      .catch((err: unknown) =>
        deps.logger.warn(
          { err, programId: program.id, supervisorId: s.memberId },
          'could not tell a supervisor of a handover',
        ),
      );
  }
}

/**
 * Sends a person added in chat their welcome, once: the row is claimed first, and released again
 * if the send fails (a Teams person carelog cannot reach yet is welcomed when they first write to
 * it: handlers/teams/conversations.ts).
 */
export async function deliverWelcome(deps: CarelogDeps, memberId: string, adminName?: string): Promise<boolean> {
  const prisma = deps.db.prisma;
  const claimed = await prisma.member.updateMany({
    where: { id: memberId, active: true, welcomeOwed: true, welcomedAt: null },
    data: { welcomeOwed: false, welcomedAt: new Date() },
  });
  if (claimed.count !== 1) return false;
  const member = await prisma.member.findUniqueOrThrow({ where: { id: memberId } });
  const release = () =>
    prisma.member
      .update({ where: { id: memberId }, data: { welcomeOwed: true, welcomedAt: null } })
      .catch(() => undefined);
  const messenger = deps.messengers[member.platform];
  if (!messenger) {
    await release();
    return false;
  }
  const program = deps.directory.program(member.programId)!;
  const added = await prisma.auditEvent.findFirst({
    where: { programId: member.programId, action: AUDIT.rosterAdd, entityType: 'member', entityId: memberId },
    orderBy: { at: 'desc' },
  });
  const admin = added?.actorId ? await prisma.member.findUnique({ where: { id: added.actorId } }) : null;
  const adminPerson: Person | null = admin ? { platform: admin.platform, platformUserId: admin.platformUserId } : null;
  const actorName = (added?.details as { actorName?: unknown } | null)?.actorName;
  const adminLabel =
    (adminPerson && messenger.mention(adminPerson)) ??
    adminName ??
    (typeof actorName === 'string' ? actorName : `an admin of ${program.name}`);
  try {
    await messenger.sendText(member.platformUserId, welcomeText(program.name, adminLabel), randomUUID());
    return true;
  } catch (err) {
    deps.logger.warn({ err, memberId }, 'could not send a welcome yet; it goes when the person can be reached');
    await release();
    return false;
  }
}
