// The program file, carelog.yml: programs, their rosters, categories, follow-up, digest and
// retention settings, with zod schemas whose messages name the key path and what to fix.
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CarelogError } from '../errors.js';
import { DEFAULT_CATEGORIES, ROLES, WEEKDAYS, type TCategories, type TCategory } from '../domain/categories.js';
import { isIsoDate } from '../domain/time.js';
import { formatPath } from './env.js';
import { usesSlack } from './platforms.js';

const ZTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a 24-hour time such as "09:00"' });

const ZDate = z.preprocess(
  (v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v),
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date such as 2024-03-01' })
    // Date.parse rolls 2024-02-30 over to 1 March instead of refusing it.
    .refine(isIsoDate, { error: 'is not a real date' }),
);

const ZTimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone such as America/New_York' },
);

// A key given alone is also its label, and Slack refuses a menu option longer than 75 characters.
const ZCategoryKey = z
  .string()
  .regex(/^[a-z0-9_+-]+$/, { error: 'a category key uses a-z, 0-9 and _' })
  .max(75, { error: 'a category key is at most 75 characters' });

/** Keys carelog knows as substance-use treatment (42 CFR Part 2), in any list that names them. */
const PART2_KEYS = new Set(
  Object.values(DEFAULT_CATEGORIES).flatMap((list: TCategory[]) => list.filter((c) => c.part2).map((c) => c.key)),
);

/** Outcome keys carelog knows as a transport (the form asks where to). */
const TRANSPORT_KEYS = new Set(DEFAULT_CATEGORIES.dispositions.filter((c) => c.transport).map((c) => c.key));

const ZCategory = z.union([
  ZCategoryKey,
  z
    .object({
      key: ZCategoryKey,
      label: z.string().min(1).max(75),
      /**
       * Substance-use treatment under 42 CFR Part 2: only ever shown as counts, never below 11 in a
       * digest. Unset: as carelog knows the key (addiction_treatment is Part 2).
       */
      part2: z.boolean().optional(),
      /**
       * An outcome that takes the person somewhere (dispositions): the form then asks where to.
       * Unset: as carelog knows the key (voluntary_transport and involuntary_commitment are).
       */
      transport: z.boolean().optional(),
    })
    .refine((c) => !(c.part2 === false && PART2_KEYS.has(c.key)), {
      error:
        'this key is substance-use treatment (42 CFR Part 2) and cannot have part2: false; use another key for a category that is not',
      path: ['part2'],
    }),
]);

const ZCategoryList = z.array(ZCategory).min(1).max(100, { error: 'at most 100 choices fit in one menu' });

/** A Teams user as the roster names them: their Entra object id (lower-cased, as Teams sends it). */
const ZEntraObjectId = z
  .guid({ error: 'must be the person’s Entra object id (a GUID, from Entra ID → Users → Object ID)' })
  .transform((v) => v.toLowerCase());

const ZRosterEntry = z
  .object({
    slack: z
      .string()
      .regex(/^[UW][A-Z0-9]+$/, { error: 'must be a Slack user id such as U0123ABC' })
      .optional(),
    teams: ZEntraObjectId.optional(),
    // A staff member's name as colleagues know it; a Teams digest mentions case managers by it.
    name: z
      .string()
      .trim()
      .min(1)
      .max(64, { error: 'must be at most 64 characters' })
      .regex(/^[^<>]+$/, { error: 'must not contain < or >' })
      .optional(),
    roles: z.array(z.enum(ROLES)).min(1, { error: 'needs at least one role' }),
  })
  .refine((m) => m.slack !== undefined || m.teams !== undefined, {
    error: 'needs a slack or teams user id',
  });

const ZProgram = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be lower-case letters, digits, - or _' }),
  name: z.string().min(1),
  timezone: ZTimeZone,
  startDate: ZDate,
  clientCodePrefix: z
    .string()
    .regex(/^[A-Z][A-Z0-9]{0,9}$/, { error: 'must be 1-10 upper-case letters or digits, such as PIC' }),
  slack: z
    .object({
      teamId: z
        .string()
        .regex(/^[TE][A-Z0-9]+$/, { error: 'must be a Slack team id such as T0123ABC' })
        .optional(),
      digestChannel: z
        .string()
        .regex(/^[CGD][A-Z0-9]+$/, { error: 'must be a Slack channel id such as C0456DEF' })
        .optional(),
    })
    .optional(),
  teams: z
    .object({
      /** Activities from any other tenant are refused (defaults to TEAMS_TENANT_ID). */
      tenantId: z
        .guid({ error: 'must be an Entra tenant id, a GUID' })
        .transform((v) => v.toLowerCase())
        .optional(),
      /** The channel (or group chat) conversation id digests are posted to: 19:…@thread.tacv2. */
      digestChannel: z
        .string()
        .regex(/^19:[^\s@]+@thread\.[a-z0-9]+$/, { error: 'must be a Teams channel id such as 19:abc123@thread.tacv2' })
        .optional(),
    })
    .strict()
    .optional(),
  roster: z.array(ZRosterEntry).default([]),
  categories: z
    .object({
      sources: ZCategoryList.optional(),
      services: ZCategoryList.optional(),
      referrals: ZCategoryList.optional(),
      dispositions: ZCategoryList.optional(),
      sex: ZCategoryList.optional(),
      ageBands: ZCategoryList.optional(),
      onScene: ZCategoryList.optional(),
      transportDestinations: ZCategoryList.optional(),
    })
    .strict()
    .default({}),
  /** Linkage checks: whether a person referred reached the treatment (src/services/referrals.ts). */
  referrals: z
    .object({
      /** Days after the referral of the first check, at followUps.nudgeAt within hours; 0: the same day. */
      checkAfterDays: z
        .number({ error: 'must be a number of days, such as 7' })
        .int({ error: 'must be a whole number of days' })
        .min(0)
        .max(365)
        .default(7),
      /** Days after a "Not yet" of the next check. */
      recheckAfterDays: z
        .number({ error: 'must be a number of days, such as 7' })
        .int({ error: 'must be a whole number of days' })
        .min(1)
        .max(365)
        .default(7),
      /** Checks in all; after the last "Not yet" the referral's outcome is recorded as unknown. */
      maxChecks: z
        .number({ error: 'must be a number of checks, such as 3' })
        .int({ error: 'must be a whole number of checks' })
        .min(1)
        .max(20)
        .default(3),
    })
    .strict()
    .default({ checkAfterDays: 7, recheckAfterDays: 7, maxChecks: 3 }),
  /** Optional questions asked of new clients; both off, so the form and the report stay as they are. */
  demographics: z
    .object({
      /** Race and ethnicity (OMB SPD 15, 2024 minimum categories, several allowed, or Not reported). */
      raceEthnicity: z.boolean().default(false),
      /** Veteran status: yes, no or not reported. */
      veteran: z.boolean().default(false),
    })
    .strict()
    .default({ raceEthnicity: false, veteran: false }),
  followUps: z
    .object({
      nudgeAt: ZTime.default('09:00'),
      hours: z
        .object({
          days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
          from: ZTime.default('08:00'),
          to: ZTime.default('18:00'),
        })
        .default({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }),
      overdueAfterWorkingDays: z.number().int().min(0).max(60).default(2),
      /** "Tried, no answer" this many times closes the follow-up as unreachable. */
      maxAttempts: z
        .number({ error: 'must be a number of attempts, such as 3' })
        .int({ error: 'must be a whole number of attempts' })
        .min(1)
        .max(20)
        .default(3),
    })
    .default({
      nudgeAt: '09:00',
      hours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' },
      overdueAfterWorkingDays: 2,
      maxAttempts: 3,
    }),
  digest: z
    .object({
      /**
       * Small-cell suppression: counts 1..n-1 show as "<n" (e.g. 11, the CMS rule). At least 3: "<2"
       * would say the count is 1. Part 2 categories use at least 11 whatever this says.
       */
      suppressBelow: z
        .number()
        .int()
        .min(3, { error: 'must be at least 3 (“<2” would show a count of 1 as exactly 1)' })
        .max(100)
        .optional(),
      /** Local time of the weekly digest (Mondays) and the quarterly one (first weekday after the quarter). */
      weeklyAt: ZTime.default('08:00'),
      quarterlyAt: ZTime.default('08:00'),
      weekly: z.boolean().default(true),
      quarterly: z.boolean().default(true),
    })
    .default({ weeklyAt: '08:00', quarterlyAt: '08:00', weekly: true, quarterly: true }),
  /** Notes of contacts older than `notesDays` are cleared each day (the contact's other fields stay). */
  retention: z
    .object({
      notesDays: z
        .number({ error: 'must be a number of days, such as 365' })
        .int({ error: 'must be a whole number of days' })
        .min(1, { error: 'must be at least 1 day' })
        .max(36_500, { error: 'must be at most 36500 days (100 years)' }),
    })
    .strict()
    .optional(),
});

/** The whole of carelog.yml (test/unit/docs.test.ts holds docs/configuration.md to its keys). */
export const ZProgramFile = z
  .object({ programs: z.array(ZProgram).min(1, { error: 'needs at least one program' }) })
  .superRefine((file, ctx) => {
    const ids = new Set<string>();
    const teams = new Set<string>();
    const slackPrograms = file.programs.filter(usesSlack);
    // A Teams request names no program: the person's Entra object id does, so it may be on one roster only.
    const teamsUsers = new Map<string, string>();
    file.programs.forEach((p, i) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['programs', i, 'id'], message: `"${p.id}" is used by two programs` });
      ids.add(p.id);
      const team = p.slack?.teamId;
      if (team) {
        if (teams.has(team))
          ctx.addIssue({
            code: 'custom',
            path: ['programs', i, 'slack', 'teamId'],
            message: `"${team}" is used by two programs`,
          });
        teams.add(team);
      } else if (slackPrograms.length > 1 && slackPrograms.includes(p)) {
        ctx.addIssue({
          code: 'custom',
          path: ['programs', i, 'slack', 'teamId'],
          message: 'is required when several programs share one deployment',
        });
      }
      p.roster.forEach((m, j) => {
        if (!m.teams) return;
        const other = teamsUsers.get(m.teams);
        if (other !== undefined && other !== p.id) {
          ctx.addIssue({
            code: 'custom',
            path: ['programs', i, 'roster', j, 'teams'],
            message: `is already on the roster of program "${other}" (a Teams user can belong to one program)`,
          });
        }
        teamsUsers.set(m.teams, p.id);
      });
    });
  });

export interface ProgramConfig {
  id: string;
  name: string;
  timezone: string;
  startDate: string;
  clientCodePrefix: string;
  slack: { teamId?: string; digestChannel?: string };
  teams: { tenantId?: string; digestChannel?: string };
  roster: { slack?: string; teams?: string; name?: string; roles: (typeof ROLES)[number][] }[];
  categories: TCategories;
  followUps: z.infer<typeof ZProgram>['followUps'];
  referrals: z.infer<typeof ZProgram>['referrals'];
  demographics: z.infer<typeof ZProgram>['demographics'];
  digest: z.infer<typeof ZProgram>['digest'];
  /** Unset: notes are kept as long as their contacts. */
  retention?: { notesDays: number };
}

function normalizeCategories(list: z.infer<typeof ZCategoryList> | undefined, fallback: TCategory[]): TCategory[] {
  if (!list) return fallback;
  // A key carelog knows as Part 2 stays Part 2 in any list and with any label.
  return list.map((c) => {
    if (typeof c !== 'string') {
      const transport = c.transport ?? TRANSPORT_KEYS.has(c.key);
      return {
        key: c.key,
        label: c.label,
        part2: c.part2 ?? PART2_KEYS.has(c.key),
        ...(transport ? { transport } : {}),
      };
    }
    const known = fallback.find((d) => d.key === c);
    if (known) return { ...known, part2: known.part2 || PART2_KEYS.has(c) };
    const label = c.replace(/_/g, ' ').replace(/^\w/, (m) => m.toUpperCase());
    return { key: c, label, part2: PART2_KEYS.has(c), ...(TRANSPORT_KEYS.has(c) ? { transport: true } : {}) };
  });
}

/** Parses the text of carelog.yml; `file` is only used in messages. */
export function parseProgramFile(text: string, file: string): ProgramConfig[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new CarelogError(
      'config_invalid',
      `${file}${where}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const result = ZProgramFile.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${formatPath(i.path) || '(top level)'}: ${i.message}`);
    throw new CarelogError('config_invalid', `${file} is not valid:\n${lines.join('\n')}`);
  }
  return result.data.programs.map((p) => ({
    ...p,
    slack: p.slack ?? {},
    teams: p.teams ?? {},
    categories: {
      sources: normalizeCategories(p.categories.sources, DEFAULT_CATEGORIES.sources),
      services: normalizeCategories(p.categories.services, DEFAULT_CATEGORIES.services),
      referrals: normalizeCategories(p.categories.referrals, DEFAULT_CATEGORIES.referrals),
      dispositions: normalizeCategories(p.categories.dispositions, DEFAULT_CATEGORIES.dispositions),
      sex: normalizeCategories(p.categories.sex, DEFAULT_CATEGORIES.sex),
      ageBands: normalizeCategories(p.categories.ageBands, DEFAULT_CATEGORIES.ageBands),
      onScene: normalizeCategories(p.categories.onScene, DEFAULT_CATEGORIES.onScene),
      transportDestinations: normalizeCategories(
        p.categories.transportDestinations,
        DEFAULT_CATEGORIES.transportDestinations,
      ),
    },
  }));
}
