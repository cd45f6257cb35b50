// Programs and their rosters, mirrored from carelog.yml into the database at start, and kept in
// memory for the per-request questions: which program is this workspace, who is this person.
import { usesSlack, type ProgramConfig } from '../config.js';
import type { TRole } from '../domain/categories.js';
import type { PrismaClient } from '../generated/prisma/client.js';

export type TPlatform = 'slack' | 'teams';

export interface MemberRef {
  memberId: string;
  programId: string;
  platform: TPlatform;
  platformUserId: string;
  roles: TRole[];
  /** The roster's name for them (carelog.yml `name`): how a Teams digest mentions them. */
  displayName?: string;
}

export interface Directory {
  programs: ProgramConfig[];
  program(programId: string): ProgramConfig | undefined;
  /** The program a Slack workspace belongs to; a lone program need not name its team. */
  programForSlackTeam(teamId: string | undefined): ProgramConfig | undefined;
  /** The program whose roster has this Teams user (an Entra object id is on one roster at most). */
  programForTeamsUser(aadObjectId: string): ProgramConfig | undefined;
  member(programId: string, platform: TPlatform, platformUserId: string): MemberRef | undefined;
  memberById(memberId: string): MemberRef | undefined;
  withRole(programId: string, role: TRole): MemberRef[];
}

/** Writes programs and rosters to the database (idempotent) and returns the in-memory directory. */
export async function syncPrograms(prisma: PrismaClient, programs: ProgramConfig[]): Promise<Directory> {
  const members: MemberRef[] = [];
  for (const p of programs) {
    const fields = {
      name: p.name,
      timezone: p.timezone,
      startDate: new Date(`${p.startDate}T00:00:00Z`),
      clientCodePrefix: p.clientCodePrefix,
    };
    await prisma.program.upsert({ where: { id: p.id }, create: { id: p.id, ...fields }, update: fields });
    const seen: string[] = [];
    for (const entry of p.roster) {
      for (const platform of ['slack', 'teams'] as const) {
        const platformUserId = entry[platform];
        if (!platformUserId) continue;
        const row = await prisma.member.upsert({
          where: { programId_platform_platformUserId: { programId: p.id, platform, platformUserId } },
          create: { programId: p.id, platform, platformUserId, roles: entry.roles, active: true },
          update: { roles: entry.roles, active: true },
        });
        seen.push(row.id);
        members.push({
          memberId: row.id,
          programId: p.id,
          platform,
          platformUserId,
          roles: entry.roles,
          ...(entry.name ? { displayName: entry.name } : {}),
        });
      }
    }
    // People taken off the roster keep their history but can no longer act.
    await prisma.member.updateMany({
      where: { programId: p.id, id: { notIn: seen } },
      data: { active: false, roles: [] },
    });
  }
  return createDirectory(programs, members);
}

export function createDirectory(programs: ProgramConfig[], members: MemberRef[]): Directory {
  const byKey = new Map(members.map((m) => [`${m.programId}|${m.platform}|${m.platformUserId}`, m]));
  const byId = new Map(members.map((m) => [m.memberId, m]));
  return {
    programs,
    program: (id) => programs.find((p) => p.id === id),
    programForSlackTeam(teamId) {
      const exact = teamId ? programs.find((p) => p.slack.teamId === teamId) : undefined;
      if (exact) return exact;
      // Programs on Teams alone do not count: a lone Slack program need not name its workspace.
      const onSlack = programs.filter(usesSlack);
      const candidates = onSlack.length ? onSlack : programs;
      return candidates.length === 1 && !candidates[0]!.slack.teamId ? candidates[0] : undefined;
    },
    programForTeamsUser(aadObjectId) {
      const m = members.find((x) => x.platform === 'teams' && x.platformUserId === aadObjectId.toLowerCase());
      return m ? programs.find((p) => p.id === m.programId) : undefined;
    },
    member: (programId, platform, userId) => byKey.get(`${programId}|${platform}|${userId}`),
    memberById: (id) => byId.get(id),
    withRole: (programId, role) => members.filter((m) => m.programId === programId && m.roles.includes(role)),
  };
}
