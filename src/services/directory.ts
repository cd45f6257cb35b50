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

/** A Member row as seeding plans on it (plain SQL at start, the ORM under the roster lock). */
export interface MemberRow {
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

/** One change carelog.yml asks of a program's roster (see syncPrograms for the rules). */
export type RosterChange =
  /** Not on the roster yet: added with the file's roles. */
  | { kind: 'add'; platform: TPlatform; platformUserId: string; roles: TRole[] }
  /** Still decided by the file but inactive, or with other roles: active again, with the file's roles. */
  | { kind: 'change'; member: MemberRow; roles: TRole[] }
  /** Still decided by the file, active, and taken out of it: kept, but unable to act. */
  | { kind: 'deactivate'; member: MemberRow };

/** A Teams person carelog.yml lists for `programId` who is on another program's roster: not added. */
export interface TeamsElsewhere {
  programId: string;
  otherProgramId: string;
}

export interface RosterPlan {
  /** In the order seeding writes them: the file's entries in order, then the deactivations. */
  changes: RosterChange[];
  warnings: TeamsElsewhere[];
}

/**
 * What carelog.yml asks of the roster of `p`, given the members stored: the program's own rows
 * (active or not) and, among other programs' rows, the active Teams ones, which keep a Teams person
 * of the file off this roster. For each entry, Slack before Teams; then the rows taken out of the
 * file, in the order given. Rows changed in chat are left as they are. Pure: the start's check (on
 * its plain SQL read) and the write under the roster lock (on what it reads there) both plan with it.
 */
export function planRoster(p: Pick<ProgramConfig, 'id' | 'roster'>, members: readonly MemberRow[]): RosterPlan {
  const key = (platform: TPlatform, platformUserId: string) => `${platform}|${platformUserId}`;
  const rows = members.filter((r) => r.programId === p.id);
  const byKey = new Map(rows.map((r) => [key(r.platform, r.platformUserId), r]));
  const wanted = new Set<string>();
  const plan: RosterPlan = { changes: [], warnings: [] };
  for (const entry of p.roster) {
    const roles = sortRoles(entry.roles);
    for (const platform of ['slack', 'teams'] as const) {
      const platformUserId = entry[platform];
      if (!platformUserId) continue;
      wanted.add(key(platform, platformUserId));
      const row = byKey.get(key(platform, platformUserId));
      if (!row) {
        const elsewhere =
          platform === 'teams' &&
          members.find(
            (r) => r.platform === 'teams' && r.platformUserId === platformUserId && r.active && r.programId !== p.id,
          );
        if (elsewhere) plan.warnings.push({ programId: p.id, otherProgramId: elsewhere.programId });
        else plan.changes.push({ kind: 'add', platform, platformUserId, roles });
      } else if (row.source === 'config' && (!row.active || !rolesEqual(row.roles, roles))) {
        plan.changes.push({ kind: 'change', member: row, roles });
      }
    }
  }
  // People taken out of the file keep their history but can no longer act, unless an admin has
  // decided their entry in chat since.
  for (const row of rows)
    if (row.source === 'config' && row.active && !wanted.has(key(row.platform, row.platformUserId)))
      plan.changes.push({ kind: 'deactivate', member: row });
  return plan;
}

export interface SeedingPlan extends RosterPlan {
  /** The program's row to write: there is none yet, or carelog.yml changed one of its fields. */
  program: boolean;
  /** The program has no roster version yet. */
  rosterVersion: boolean;
}

/**
 * Everything carelog.yml asks of the database for `p`, from the program's stored row (with its
 * roster version; undefined: none) and the members stored (as planRoster takes them).
 */
export function planSeeding(
  p: ProgramConfig,
  stored: Omit<StoredProgram, 'id'> | undefined,
  members: readonly MemberRow[],
): SeedingPlan {
  const program =
    !stored ||
    stored.name !== p.name ||
    stored.timezone !== p.timezone ||
    stored.startDate !== p.startDate ||
    stored.clientCodePrefix !== p.clientCodePrefix;
  return { program, rosterVersion: !stored || stored.version === null, ...planRoster(p, members) };
}

/** Whether a plan asks for no write at all. */
export const planIsEmpty = (plan: SeedingPlan): boolean => !plan.program && !plan.rosterVersion && !plan.changes.length;

/**
 * Writes the programs and seeds their rosters from carelog.yml (idempotent), then returns the
 * directory read from the database. For each roster entry and platform:
 * - not known yet: added, audited as `roster.add` by configuration;
 * - known and still decided by the file (`source` config): its roles follow the file, and an entry
 *   taken out of the file is deactivated, each audited as `roster.change` by configuration;
 * - changed in chat (`source` chat): left as the admin left it. The database wins.
 *
 * The usual start (the file unchanged since the last one) writes nothing: two plain SQL reads give
 * an empty plan (planSeeding) and the directory its first copy, so a start compiles no ORM query.
 * Only when the plan is not empty are the programs and rosters written, through the ORM, in a
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
  const plans = programs.map((p) => planSeeding(p, byId.get(p.id), members));
  if (plans.every(planIsEmpty)) {
    // Nothing to write: the warnings seeding would have given, and the directory from these reads.
    for (const w of plans.flatMap((plan) => plan.warnings)) logger?.warn(w, TEAMS_ELSEWHERE);
    const versions = new Map(stored.map((r) => [r.id, r.version ?? 0]));
    const active = members.filter((r) => r.active && versions.has(r.programId)).map(toRef);
    return createDirectory(programs, active, db.sql, versions);
  }
  await seedPrograms(db.prisma, programs, logger);
  const directory = createDirectory(programs, [], db.sql);
  await directory.refresh({ force: true });
  return directory;
}

/**
 * The programs' rows and their rosters written as carelog.yml has them (see syncPrograms). Each
 * roster is planned again on what is stored once the roster lock is held: another replica seeding
 * or an admin changing the roster in chat since the start's read is seen, and not undone.
 */
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
      const teamsIds = p.roster.flatMap((e) => (e.teams ? [e.teams] : []));
      // In roster order, as the start's plain SQL read has them.
      const members = await tx.member.findMany({
        where: {
          OR: [
            { programId: p.id },
            { platform: 'teams', platformUserId: { in: teamsIds }, active: true, programId: { not: p.id } },
          ],
        },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      const { changes, warnings } = planRoster(p, members);
      for (const w of warnings) logger?.warn(w, TEAMS_ELSEWHERE);
      for (const change of changes) await applyRosterChange(tx, p.id, change);
      if (changes.length) await bumpRosterVersion(tx, p.id);
    });
  }
}

/** One planned change written, with its audit row by configuration. */
async function applyRosterChange(tx: Prisma.TransactionClient, programId: string, change: RosterChange) {
  if (change.kind === 'add') {
    const { platform, platformUserId, roles } = change;
    const created = await tx.member.create({ data: { programId, platform, platformUserId, roles } });
    const person = { platform, userId: platformUserId };
    await audit(tx, rosterAudit(programId, null, AUDIT.rosterAdd, created.id, person, [], roles));
    return;
  }
  const row = change.member;
  const person = { platform: row.platform, userId: row.platformUserId };
  if (change.kind === 'change') {
    await tx.member.update({ where: { id: row.id }, data: { roles: change.roles, active: true } });
    const before = row.active ? row.roles : [];
    await audit(tx, rosterAudit(programId, null, AUDIT.rosterChange, row.id, person, before, change.roles));
  } else {
    await tx.member.update({ where: { id: row.id }, data: { active: false, roles: [] } });
    await audit(tx, rosterAudit(programId, null, AUDIT.rosterDeactivate, row.id, person, row.roles, []));
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
