// Programs and their rosters, mirrored from carelog.yml into the database at start, and kept in
// memory for the per-request questions: which program is this workspace, who is this person.
import { usesSlack, type ProgramConfig } from '../config.js';
import type { TRole } from '../domain/categories.js';
import type { SqlRunner } from '../db/migrate.js';

export type TPlatform = 'slack' | 'teams';

/** Now, as the UTC `timestamp(3)` columns keep it (contact-rules.ts's NOW_UTC; that module imports this one). */
const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

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

/**
 * Writes programs and rosters to the database (idempotent) and returns the in-memory directory.
 * Plain SQL, three statements a program (the program, its roster, those taken off it), not the ORM: this runs
 * in every start before carelog is ready, and the ORM compiles each query shape it has not seen
 * with its query compiler (WebAssembly; ~0.1 s of CPU a shape on a busy machine,
 * `npm run bench -- cold-start`) for shapes no request uses.
 */
export async function syncPrograms(sql: SqlRunner, programs: ProgramConfig[]): Promise<Directory> {
  const members: MemberRef[] = [];
  for (const p of programs) {
    await sql.query(
      `INSERT INTO "Program" (id, name, timezone, "startDate", "clientCodePrefix", "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4::date, $5, ${NOW_UTC}, ${NOW_UTC})
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone,
         "startDate" = EXCLUDED."startDate", "clientCodePrefix" = EXCLUDED."clientCodePrefix",
         "updatedAt" = EXCLUDED."updatedAt"`,
      [p.id, p.name, p.timezone, p.startDate, p.clientCodePrefix],
    );
    // One row per person and platform; a person listed twice keeps the roles of the later entry.
    const roster = new Map<
      string,
      { platform: TPlatform; platformUserId: string; roles: TRole[]; displayName?: string }
    >();
    for (const entry of p.roster) {
      for (const platform of ['slack', 'teams'] as const) {
        const platformUserId = entry[platform];
        if (platformUserId)
          roster.set(`${platform}|${platformUserId}`, {
            platform,
            platformUserId,
            roles: entry.roles,
            ...(entry.name ? { displayName: entry.name } : {}),
          });
      }
    }
    const wanted = [...roster.values()];
    const rows = wanted.length
      ? await sql.query<{ id: string; platform: TPlatform; platformUserId: string }>(
          `INSERT INTO "Member" (id, "programId", platform, "platformUserId", roles, active, "createdAt", "updatedAt")
           SELECT gen_random_uuid(), $1, r.platform::"Platform", r.uid, string_to_array(r.roles, ',')::"Role"[], true,
                  ${NOW_UTC}, ${NOW_UTC}
           FROM unnest($2::text[], $3::text[], $4::text[]) AS r(platform, uid, roles)
           ON CONFLICT ("programId", platform, "platformUserId")
             DO UPDATE SET roles = EXCLUDED.roles, active = true, "updatedAt" = EXCLUDED."updatedAt"
           RETURNING id, platform::text AS platform, "platformUserId"`,
          [
            p.id,
            wanted.map((m) => m.platform),
            wanted.map((m) => m.platformUserId),
            wanted.map((m) => m.roles.join(',')),
          ],
        )
      : [];
    const ids = new Map(rows.map((r) => [`${r.platform}|${r.platformUserId}`, r.id]));
    for (const [key, m] of roster) members.push({ memberId: ids.get(key)!, programId: p.id, ...m });
    // People taken off the roster keep their history but can no longer act.
    await sql.query(
      `UPDATE "Member" SET active = false, roles = '{}', "updatedAt" = ${NOW_UTC}
       WHERE "programId" = $1 AND NOT (id = ANY($2::uuid[]))`,
      [p.id, rows.map((r) => r.id)],
    );
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
