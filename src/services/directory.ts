// Programs and their rosters. The roster lives in Postgres (`Member`, with a `RosterVersion` per
// program bumped by every change); carelog.yml seeds it at start (syncPrograms), and admins change
// it in chat (src/services/roster.ts). Each process keeps the roster in memory for the per-request
// questions (which program is this workspace, who is this person) and polls the versions
// (watchRoster), so a change made on any replica is in force on every other within
// CARELOG_ROSTER_POLL_MS; a replica that cannot confirm its copy for ROSTER_MAX_STALE_MS lets nobody in.
import { usesSlack, type ProgramConfig } from '../config.js';
import type { TRole } from '../domain/categories.js';
import { rolesEqual, ROSTER_MAX_STALE_MS, ROSTER_POLL_MAX_MS, sortRoles } from '../domain/roster.js';
import type { Database } from '../db/client.js';
import type { SqlRunner } from '../db/migrate.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Logger } from '../logger.js';
import { audit, AUDIT } from './audit.js';

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

export { ROSTER_MAX_STALE_MS, ROSTER_POLL_MAX_MS };

export interface Directory {
  programs: ProgramConfig[];
  program(programId: string): ProgramConfig | undefined;
  /** The program a Slack workspace belongs to; a lone program need not name its team. */
  programForSlackTeam(teamId: string | undefined): ProgramConfig | undefined;
  /** The program whose roster has this Teams user (an Entra object id is on one roster at most). */
  programForTeamsUser(aadObjectId: string): ProgramConfig | undefined;
  /** An active roster member, or undefined (also while the roster cannot be confirmed: see watchRoster). */
  member(programId: string, platform: TPlatform, platformUserId: string): MemberRef | undefined;
  memberById(memberId: string): MemberRef | undefined;
  withRole(programId: string, role: TRole): MemberRef[];
  /** Active members of a program, in roster order (for the admins' list and the CLI). */
  membersOf(programId: string): MemberRef[];
  /** The roster version this process holds for a program (0: none yet). */
  rosterVersion(programId: string): number;
  /**
   * Reads the versions and, when one moved (or `force`), the whole roster again. Without a
   * database (a directory built from a list) it does nothing.
   */
  refresh(opts?: { force?: boolean }): Promise<void>;
  /**
   * Called by watchRoster after each check: `at` is when the roster was last confirmed; a lookup
   * more than `maxStaleMs` after it refuses everyone. Never called: never stale.
   */
  confirmedAt(at: number, maxStaleMs: number): void;
  /**
   * While lookups refuse everyone because the roster could not be confirmed within its bound: when
   * it was last confirmed (performance.now() time); otherwise undefined.
   */
  unconfirmedSince(): number | undefined;
}

interface Snapshot {
  members: MemberRef[];
  versions: Map<string, number>;
}

// The roster is read in plain SQL, not through the ORM: the first read is part of every start,
// where each query shape the ORM compiles (its query compiler, WebAssembly) is CPU time a start
// waits for, and the polls after it need no more than two indexed reads.
async function readVersions(sql: SqlRunner, programIds: string[]): Promise<Map<string, number>> {
  const rows = await sql.query<{ programId: string; version: number }>(
    `SELECT "programId", version FROM "RosterVersion" WHERE "programId" = ANY($1::text[])`,
    [programIds],
  );
  return new Map(rows.map((r) => [r.programId, r.version]));
}

interface MemberRow {
  id: string;
  programId: string;
  platform: TPlatform;
  platformUserId: string;
  roles: TRole[];
  active: boolean;
  source: 'config' | 'chat';
}

/**
 * Members of `programIds` (active or not), and with `teamsElsewhere` also every active Teams member
 * of other programs, in roster order (created first, as the ORM's reads ordered them).
 */
async function readMembers(sql: SqlRunner, programIds: string[], teamsElsewhere = false): Promise<MemberRow[]> {
  return sql.query<MemberRow>(
    `SELECT m.id::text AS id, m."programId", m.platform::text AS platform, m."platformUserId",
            m.roles::text[] AS roles, m.active, m.source::text AS source
     FROM "Member" m
     WHERE (m."programId" = ANY($1::text[]) AND ($2::boolean OR m.active))
        OR ($2::boolean AND m.platform = 'teams' AND m.active)
     ORDER BY m."createdAt", m.id`,
    [programIds, teamsElsewhere],
  );
}

const toRef = (r: MemberRow): MemberRef => ({
  memberId: r.id,
  programId: r.programId,
  platform: r.platform,
  platformUserId: r.platformUserId,
  roles: sortRoles(r.roles),
});

async function readSnapshot(sql: SqlRunner, programIds: string[]): Promise<Snapshot> {
  // Versions first: the members read after are at least that new, so a version held is never
  // newer than the roster held with it (at worst the next poll reads the roster once more).
  const versions = await readVersions(sql, programIds);
  const members = (await readMembers(sql, programIds)).map(toRef);
  return { members, versions };
}

/** The program's roster version row, created at 1 when missing; bumped in the caller's transaction. */
export async function bumpRosterVersion(tx: Prisma.TransactionClient, programId: string): Promise<number> {
  const row = await tx.rosterVersion.upsert({
    where: { programId },
    create: { programId, version: 2 },
    update: { version: { increment: 1 } },
  });
  return row.version;
}

/** Serializes roster writers (starting replicas seeding, admins changing it) across processes. */
export async function lockRoster(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtext('carelog.roster'))`);
}

/** What seeding needs of the database: the ORM for the writes, plain SQL for the reads. */
export type RosterDatabase = Pick<Database, 'prisma' | 'sql'>;

interface StoredProgram {
  id: string;
  name: string;
  timezone: string;
  startDate: string;
  clientCodePrefix: string;
  version: number | null;
}

const TEAMS_ELSEWHERE =
  'a Teams person in carelog.yml is already on another program’s roster (added in chat): not added here';

/**
 * Whether carelog.yml asks anything of the database for `p`: the program's row written or changed,
 * its roster version created, an entry added, put back, given other roles or deactivated. The same
 * rules as seeding (below), decided on what is stored; `warnings` gets, as seeding warns of them,
 * the Teams people carelog.yml lists who are on another program's roster.
 */
function seedingNeeded(
  p: ProgramConfig,
  stored: StoredProgram | undefined,
  members: MemberRow[],
  warnings: { programId: string; otherProgramId: string }[],
): boolean {
  if (
    !stored ||
    stored.version === null ||
    stored.name !== p.name ||
    stored.timezone !== p.timezone ||
    stored.startDate !== p.startDate ||
    stored.clientCodePrefix !== p.clientCodePrefix
  )
    return true;
  const rows = members.filter((r) => r.programId === p.id);
  const byKey = new Map(rows.map((r) => [`${r.platform}|${r.platformUserId}`, r]));
  const wanted = new Set<string>();
  let needed = false;
  for (const entry of p.roster) {
    for (const platform of ['slack', 'teams'] as const) {
      const platformUserId = entry[platform];
      if (!platformUserId) continue;
      const key = `${platform}|${platformUserId}`;
      wanted.add(key);
      const row = byKey.get(key);
      if (!row) {
        const elsewhere =
          platform === 'teams' &&
          members.find(
            (r) => r.platform === 'teams' && r.platformUserId === platformUserId && r.active && r.programId !== p.id,
          );
        if (!elsewhere) return true;
        warnings.push({ programId: p.id, otherProgramId: elsewhere.programId });
      } else if (row.source === 'config' && (!row.active || !rolesEqual(row.roles, sortRoles(entry.roles)))) {
        needed = true;
      }
    }
  }
  return (
    needed || rows.some((r) => r.source === 'config' && r.active && !wanted.has(`${r.platform}|${r.platformUserId}`))
  );
}

/**
 * Writes the programs and seeds their rosters from carelog.yml (idempotent), then returns the
 * directory read from the database. For each roster entry and platform:
 * - not known yet: added, audited as `roster.add` by configuration;
 * - known and still decided by the file (`source` config): its roles follow the file, and an entry
 *   taken out of the file is deactivated, each audited as `roster.change` by configuration;
 * - changed in chat (`source` chat): left as the admin left it. The database wins.
 *
 * The usual start (the file unchanged since the last one) writes nothing: two plain SQL reads show
 * nothing to do and give the directory its first copy, so a start compiles no ORM query. Only when
 * the file asks for a change are the programs and rosters written, through the ORM, in a
 * transaction holding the roster lock, with their audit rows.
 */
export async function syncPrograms(
  db: RosterDatabase,
  programs: ProgramConfig[],
  logger?: Pick<Logger, 'warn'>,
): Promise<Directory> {
  const ids = programs.map((p) => p.id);
  // Versions (with the programs) before the members, as readSnapshot reads them.
  const stored = await db.sql.query<StoredProgram>(
    `SELECT p.id, p.name, p.timezone, to_char(p."startDate", 'YYYY-MM-DD') AS "startDate", p."clientCodePrefix",
            v.version
     FROM "Program" p LEFT JOIN "RosterVersion" v ON v."programId" = p.id
     WHERE p.id = ANY($1::text[])`,
    [ids],
  );
  const members = await readMembers(db.sql, ids, true);
  const byId = new Map(stored.map((r) => [r.id, r]));
  const warnings: { programId: string; otherProgramId: string }[] = [];
  if (!programs.some((p) => seedingNeeded(p, byId.get(p.id), members, warnings))) {
    // Nothing to write: the warnings seeding would have given, and the directory from these reads.
    for (const w of warnings) logger?.warn(w, TEAMS_ELSEWHERE);
    const versions = new Map(stored.map((r) => [r.id, r.version ?? 0]));
    const active = members.filter((r) => r.active && versions.has(r.programId)).map(toRef);
    return createDirectory(programs, active, db.sql, versions);
  }
  await seedPrograms(db.prisma, programs, logger);
  const directory = createDirectory(programs, [], db.sql);
  await directory.refresh({ force: true });
  return directory;
}

/** The programs' rows and their rosters written as carelog.yml has them (see syncPrograms). */
async function seedPrograms(
  prisma: RosterDatabase['prisma'],
  programs: ProgramConfig[],
  logger: Pick<Logger, 'warn'> | undefined,
): Promise<void> {
  for (const p of programs) {
    const fields = {
      name: p.name,
      timezone: p.timezone,
      startDate: new Date(`${p.startDate}T00:00:00Z`),
      clientCodePrefix: p.clientCodePrefix,
    };
    await prisma.program.upsert({ where: { id: p.id }, create: { id: p.id, ...fields }, update: fields });
    await prisma.$transaction(async (tx) => {
      await lockRoster(tx);
      await tx.rosterVersion.createMany({ data: [{ programId: p.id }], skipDuplicates: true });
      const rows = await tx.member.findMany({ where: { programId: p.id } });
      const byKey = new Map(rows.map((r) => [`${r.platform}|${r.platformUserId}`, r]));
      const wanted = new Set<string>();
      let changed = false;
      for (const entry of p.roster) {
        for (const platform of ['slack', 'teams'] as const) {
          const platformUserId = entry[platform];
          if (!platformUserId) continue;
          const key = `${platform}|${platformUserId}`;
          wanted.add(key);
          const roles = sortRoles(entry.roles);
          const row = byKey.get(key);
          const person = { platform, userId: platformUserId };
          if (!row) {
            if (platform === 'teams') {
              const elsewhere = await tx.member.findFirst({
                where: { platform, platformUserId, active: true, programId: { not: p.id } },
              });
              if (elsewhere) {
                logger?.warn({ programId: p.id, otherProgramId: elsewhere.programId }, TEAMS_ELSEWHERE);
                continue;
              }
            }
            const created = await tx.member.create({ data: { programId: p.id, platform, platformUserId, roles } });
            await audit(tx, rosterAudit(p.id, null, AUDIT.rosterAdd, created.id, person, [], roles));
            changed = true;
          } else if (row.source === 'config' && (!row.active || !rolesEqual(row.roles, roles))) {
            await tx.member.update({ where: { id: row.id }, data: { roles, active: true } });
            await audit(
              tx,
              rosterAudit(p.id, null, AUDIT.rosterChange, row.id, person, row.active ? row.roles : [], roles),
            );
            changed = true;
          }
        }
      }
      // People taken out of the file keep their history but can no longer act, unless an admin
      // has decided their entry in chat since.
      for (const row of rows) {
        if (row.source !== 'config' || !row.active || wanted.has(`${row.platform}|${row.platformUserId}`)) continue;
        await tx.member.update({ where: { id: row.id }, data: { active: false, roles: [] } });
        const person = { platform: row.platform, userId: row.platformUserId };
        await audit(tx, rosterAudit(p.id, null, AUDIT.rosterDeactivate, row.id, person, row.roles, []));
        changed = true;
      }
      if (changed) await bumpRosterVersion(tx, p.id);
    });
  }
}

/** One roster change's audit row: who, whom, and the roles before and after (no client data). */
export function rosterAudit(
  programId: string,
  actorId: string | null,
  action: (typeof AUDIT)['rosterAdd' | 'rosterChange' | 'rosterDeactivate'],
  memberId: string,
  person: { platform: TPlatform; userId: string },
  rolesBefore: TRole[],
  rolesAfter: TRole[],
) {
  return {
    programId,
    actorId,
    action,
    entityType: 'member' as const,
    entityId: memberId,
    details: {
      by: actorId ? 'chat' : 'configuration',
      platform: person.platform,
      userId: person.userId,
      rolesBefore: sortRoles(rolesBefore),
      rolesAfter: sortRoles(rolesAfter),
    },
  };
}

/**
 * A directory over a list of members; given the database, `refresh` replaces the list with the
 * roster stored there.
 */
export function createDirectory(
  programs: ProgramConfig[],
  members: MemberRef[],
  sql?: SqlRunner,
  versions: Map<string, number> = new Map(),
): Directory {
  let byKey = new Map<string, MemberRef>();
  let byId = new Map<string, MemberRef>();
  let current: Snapshot = { members: [], versions: new Map() };
  // Names are not kept in the database: carelog.yml's `name` of a person, where it gives one, is
  // how a Teams digest mentions them.
  const names = new Map(
    programs.flatMap((p) =>
      p.roster.flatMap((e) =>
        e.name
          ? (['slack', 'teams'] as const).flatMap((pl) => (e[pl] ? [[`${p.id}|${pl}|${e[pl]}`, e.name] as const] : []))
          : [],
      ),
    ),
  );
  const install = (s: Snapshot) => {
    s.members = s.members.map((m) => {
      const displayName = names.get(`${m.programId}|${m.platform}|${m.platformUserId}`);
      return displayName && !m.displayName ? { ...m, displayName } : m;
    });
    current = s;
    byKey = new Map(s.members.map((m) => [`${m.programId}|${m.platform}|${m.platformUserId}`, m]));
    byId = new Map(s.members.map((m) => [m.memberId, m]));
  };
  install({ members, versions });
  let confirmed: { at: number; maxStaleMs: number } | null = null;
  /** Past its bound, the copy in memory is not trusted to let anyone in. */
  const trusted = () => !confirmed || performance.now() - confirmed.at <= confirmed.maxStaleMs;
  let inFlight: Promise<void> | null = null;
  const ids = programs.map((p) => p.id);

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
      if (!trusted()) return undefined;
      const id = aadObjectId.toLowerCase();
      const m = current.members.find((x) => x.platform === 'teams' && x.platformUserId === id);
      return m ? programs.find((p) => p.id === m.programId) : undefined;
    },
    member: (programId, platform, userId) => (trusted() ? byKey.get(`${programId}|${platform}|${userId}`) : undefined),
    memberById: (id) => byId.get(id),
    withRole: (programId, role) => current.members.filter((m) => m.programId === programId && m.roles.includes(role)),
    membersOf: (programId) => current.members.filter((m) => m.programId === programId),
    rosterVersion: (programId) => current.versions.get(programId) ?? 0,
    async refresh(opts = {}) {
      if (!sql) return;
      if (opts.force) {
        // After a change made here: a check already under way may have read the versions before it.
        await inFlight?.catch(() => undefined);
        install(await readSnapshot(sql, ids));
        return;
      }
      // Concurrent polls share one round trip.
      inFlight ??= (async () => {
        try {
          const versions = await readVersions(sql, ids);
          const moved = ids.some((id) => (versions.get(id) ?? 0) !== (current.versions.get(id) ?? 0));
          if (moved) install(await readSnapshot(sql, ids));
        } finally {
          inFlight = null;
        }
      })();
      await inFlight;
    },
    confirmedAt(at, maxStaleMs) {
      confirmed = { at, maxStaleMs };
    },
    unconfirmedSince: () => (confirmed && !trusted() ? confirmed.at : undefined),
  };
}

export interface RosterWatch {
  stop(): void;
}

/**
 * Polls the roster versions every `pollMs` (a cheap indexed read of a few rows) and reloads the
 * roster when one moved; a change made on another replica is in force here within `pollMs` plus
 * one query. Each successful check confirms the copy; when checks keep failing (the database is
 * down), lookups refuse everyone once ROSTER_MAX_STALE_MS has passed since the last confirmation.
 */
export function watchRoster(directory: Directory, opts: { pollMs: number; logger: Logger }): RosterWatch {
  directory.confirmedAt(performance.now(), ROSTER_MAX_STALE_MS);
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const started = performance.now();
    try {
      await directory.refresh();
      directory.confirmedAt(started, ROSTER_MAX_STALE_MS);
      if (failing) opts.logger.info('the roster can be checked again');
      failing = false;
    } catch (err) {
      if (!failing)
        opts.logger.warn(
          { err },
          `the roster cannot be checked against the database: nobody is let in after ${ROSTER_MAX_STALE_MS} ms`,
        );
      failing = true;
    }
    if (!stopped) timer = setTimeout(() => void tick(), opts.pollMs).unref();
  };
  timer = setTimeout(() => void tick(), opts.pollMs).unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
