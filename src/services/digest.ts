// The digest figures, computed by SQL aggregates in the database (never by loading contacts into
// JavaScript). Definitions, from the program's progress report:
//  - served in a period: distinct clients with at least one contact in it;
//  - new: served, and first-ever contact in the period (Client.firstContactAt);
//  - continuing: served, first contact before the period;
//  - served since inception: distinct clients with a contact from the start through the period's end;
//  - demographic tables count the period's new clients;
//  - contacts by source count contacts; services and referrals count the contacts on which each
//    was given; dispositions count contacts;
//  - repeat-contact clients: clients whose third contact within 30 days fell in the period;
//  - change in new clients: this period over the previous one, minus one, as a whole percent;
//  - follow-ups completed in the period (done: met by a contact or marked done; neither cancelled
//    nor closed as unreachable after "Tried, no answer"), and overdue at its end (still pending
//    then, whether done or closed unreachable later, and past the overdue point of their due date).
// And the linkage and outcome figures (docs/reporting.md defines each):
//  - referral linkage: referrals made in the period, each by its status as recorded by the period's
//    end: connected when its connection is dated before the end, declined / unreachable / unknown
//    when it was closed so before the end, else pending (a status with no date counts as it is);
//  - connections dated in the period, whenever the referral was made, and the median of their days
//    from the referral's local date to the connection's (percentile_cont: halves are possible);
//  - on-scene items and transport destinations count contacts; minutes on scene over the contacts
//    that recorded them (percentile_cont, rounded to one decimal);
//  - follow-up timeliness: follow-ups asked for on the period's contacts, met by a logged contact at
//    most 48 hours / 7 days after the asking contact, their attempts, those closed unreachable;
//  - race and ethnicity (several per person) and veteran status of the period's new clients, only
//    when the program asks them.
import type { ProgramConfig } from '../config.js';
import { LINKAGE_TOTAL, percentileOfCounts, type DigestFigures, type ReferralLinkage } from '../domain/digest.js';
import { RACE_ETHNICITY, VETERAN_STATUS } from '../domain/categories.js';
import { followUpRules, overdueCutoff } from '../domain/followups.js';
import { changePercent, formatDay, previousPeriod, quartersSince, type FigurePeriod } from '../domain/periods.js';
import { addDays } from '../domain/time.js';
import type { PrismaClient } from '../generated/prisma/client.js';

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v ?? 0);
/** A percentile from the database, to one decimal; null when there was nothing to take it of. */
const decimal = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

/** Every key of a category list, zero where nothing was counted, in the program's order. */
function tally(keys: string[], rows: Row[], keyCol = 'key', countCol = 'count'): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const r of rows) out[String(r[keyCol])] = (out[String(r[keyCol])] ?? 0) + n(r[countCol]);
  return out;
}

export async function computeDigest(
  prisma: PrismaClient,
  program: ProgramConfig,
  period: FigurePeriod,
): Promise<DigestFigures> {
  const pid = program.id;
  const { start, end } = period;
  const prev = period.kind === 'span' ? period.previous : previousPeriod(period, program.timezone, program.startDate);
  // New clients by quarter since the program began (not for a week); a span's last quarter stops
  // where the span does.
  const quarters =
    period.kind === 'week'
      ? []
      : quartersSince(program.startDate, period, program.timezone).map((q) =>
          q.end > end
            ? {
                ...q,
                end,
                endDate: period.endDate,
                partial: true,
                name: `${q.name} (to ${formatDay(addDays(period.endDate, -1))})`,
              }
            : q,
        );
  const keys = (list: { key: string }[]) => list.map((c) => c.key);

  // New clients per range of first contacts, from one count per bucket between consecutive
  // boundaries (each an index-only range count): since inception (everything before the period's
  // end), this period, the previous one, and each quarter so far.
  const bounds = [
    ...new Set([
      ...quarters.map((q) => q.start.getTime()),
      prev.start.getTime(),
      prev.end.getTime(),
      start.getTime(),
      end.getTime(),
    ]),
  ]
    .sort((a, b) => a - b)
    .map((t) => new Date(t));

  const { demographics } = program;
  const [
    contactTotals,
    buckets,
    newBySexAndAge,
    categories,
    followUps,
    linkage,
    connections,
    timeliness,
    newByRace,
    newByVeteran,
  ] = await Promise.all([
    // Contacts, clients served and repeat-contact clients in one pass over each client's contacts
    // in time order, from 30 days before the period: a contact in the period is its client's
    // first there when the one before it is not; it is a third within 30 days when the one two
    // before it is at most 30 days older (with the period's earlier contacts counted, later ones
    // not). Every column it reads is in the contacts' (programId, occurredAt, clientId, ...)
    // index, so it reads that index alone. This is the digest's longest statement (a sort and a
    // window over every contact it reads), so it computes nothing else: the minutes on scene are
    // counted in the category pass below.
    prisma.$queryRaw<Row[]>`SELECT count(*) FILTER (WHERE "occurredAt" >= ${start}) AS contacts,
               count(*) FILTER (WHERE "occurredAt" >= ${start} AND (prev1 IS NULL OR prev1 < ${start})) AS served,
               count(DISTINCT "clientId") FILTER (WHERE "occurredAt" >= ${start} AND prev2 >= "occurredAt" - '30 days'::interval) AS repeat
        FROM (SELECT "clientId", "occurredAt",
                     lag("occurredAt", 1) OVER w AS prev1, lag("occurredAt", 2) OVER w AS prev2
              FROM "Contact"
              WHERE "programId" = ${pid} AND "occurredAt" >= ${start}::timestamp - '30 days'::interval AND "occurredAt" < ${end}
              WINDOW w AS (PARTITION BY "clientId" ORDER BY "occurredAt")) c`,
    // Bucket i counts [bounds[i-2], bounds[i-1]), bucket 1 everything before bounds[0].
    prisma.$queryRaw<Row[]>`SELECT b.i AS i,
               (SELECT count(*) FROM "Client" c
                WHERE c."programId" = ${pid} AND c."firstContactAt" >= b.s AND c."firstContactAt" < b.e) AS count
        FROM unnest(array_prepend('-infinity'::timestamp, ${bounds.slice(0, -1)}::timestamp[]), ${bounds}::timestamp[])
             WITH ORDINALITY AS b(s, e, i)`,
    prisma.$queryRaw<Row[]>`SELECT "sex", "ageBand", count(*) AS count FROM "Client"
        WHERE "programId" = ${pid} AND "firstContactAt" >= ${start} AND "firstContactAt" < ${end} GROUP BY "sex", "ageBand"`,
    // Contacts by source, disposition and transport destination, on which each service, referral
    // and on-scene item was given, and how many recorded each number of minutes on scene, in one
    // hashed pass over the period's contacts: the few combinations of source, disposition and
    // destination (one hash table for the three: cheaper than one each), the few distinct lists of
    // services, referrals and on-scene items, and the few hundred distinct minutes. Folded into the
    // figures below: each list's distinct keys add its count (a key twice on one contact still
    // counts it once), the minutes' percentiles come from their counts.
    prisma.$queryRaw<
      Row[]
    >`SELECT GROUPING("source", "disposition", "transportDestination", "services", "referrals", "onScene", "minutesOnScene") AS grp,
               "source", "disposition", "transportDestination" AS destination, "services", "referrals", "onScene",
               "minutesOnScene" AS minutes, count(*) AS count
        FROM "Contact"
        WHERE "programId" = ${pid} AND "occurredAt" >= ${start} AND "occurredAt" < ${end}
        GROUP BY GROUPING SETS (("source", "disposition", "transportDestination"), ("services"), ("referrals"), ("onScene"), ("minutesOnScene"))`,
    // Follow-ups completed in the period and those overdue at its end, in one pass over the
    // program's follow-ups. Overdue: pending at the period's end (asked for on a contact before it,
    // not completed before it) and past the overdue point of their due date. originOccurredAt is
    // the asking contact's time, kept on the follow-up (so no join to the contacts).
    prisma.$queryRaw<
      Row[]
    >`SELECT count(*) FILTER (WHERE "status" = 'done' AND "completedAt" >= ${start} AND "completedAt" < ${end}) AS completed,
               count(*) FILTER (WHERE "dueAt" < ${overdueCutoff(end, followUpRules(program))} AND "originOccurredAt" < ${end}
                                  AND ("status" = 'pending' OR ("status" IN ('done', 'unreachable') AND "completedAt" >= ${end}))) AS overdue
        FROM "FollowUp" WHERE "programId" = ${pid}`,
    // Referrals made in the period, by category, each by its status at the period's end.
    prisma.$queryRaw<Row[]>`SELECT "category" AS key, count(*) AS made,
               count(*) FILTER (WHERE "status" = 'connected'
                                  AND coalesce("connectedOn" < ${period.endDate}::date, "closedAt" < ${end}, true)) AS connected,
               count(*) FILTER (WHERE "status" = 'declined' AND coalesce("closedAt" < ${end}, true)) AS declined,
               count(*) FILTER (WHERE "status" = 'unreachable' AND coalesce("closedAt" < ${end}, true)) AS unreachable,
               count(*) FILTER (WHERE "status" = 'unknown' AND coalesce("closedAt" < ${end}, true)) AS unknown
        FROM "Referral"
        WHERE "programId" = ${pid} AND "madeAt" >= ${start} AND "madeAt" < ${end}
        GROUP BY "category"`,
    // The connections dated in the period, whenever the referral was made, with the median of
    // their days from the referral's local date.
    prisma.$queryRaw<Row[]>`SELECT count(*) AS "connectedInPeriod",
               percentile_cont(0.5) WITHIN GROUP (ORDER BY "connectedOn" - (("madeAt" AT TIME ZONE 'UTC') AT TIME ZONE ${program.timezone})::date) AS "medianDays"
        FROM "Referral"
        WHERE "programId" = ${pid} AND "status" = 'connected'
          AND "connectedOn" >= ${period.startDate}::date AND "connectedOn" < ${period.endDate}::date`,
    // Follow-ups asked for on the period's contacts (by the asking contact's time, kept on the
    // follow-up); met when the contact that met them came at most 48 hours / 7 days after the one
    // that asked (completedAt is that contact's time when a contact met it:
    // src/services/contact-rules.ts).
    prisma.$queryRaw<Row[]>`SELECT count(*) AS requested,
               count(*) FILTER (WHERE "metByContactId" IS NOT NULL AND "completedAt" <= "originOccurredAt" + '48 hours'::interval) AS "metWithin48h",
               count(*) FILTER (WHERE "metByContactId" IS NOT NULL AND "completedAt" <= "originOccurredAt" + '7 days'::interval) AS "metWithin7d",
               coalesce(sum("attempts"), 0) AS attempts,
               count(*) FILTER (WHERE "status" = 'unreachable') AS unreachable
        FROM "FollowUp"
        WHERE "programId" = ${pid} AND "originOccurredAt" >= ${start} AND "originOccurredAt" < ${end}`,
    demographics.raceEthnicity
      ? prisma.$queryRaw<Row[]>`SELECT k AS key, count(*) AS count
          FROM "Client" c, LATERAL (SELECT DISTINCT k FROM unnest(c."raceEthnicity") AS k) u
          WHERE c."programId" = ${pid} AND c."firstContactAt" >= ${start} AND c."firstContactAt" < ${end}
          GROUP BY k`
      : null,
    demographics.veteran
      ? prisma.$queryRaw<Row[]>`SELECT "veteran" AS key, count(*) AS count FROM "Client"
          WHERE "programId" = ${pid} AND "firstContactAt" >= ${start} AND "firstContactAt" < ${end} AND "veteran" IS NOT NULL
          GROUP BY "veteran"`
      : null,
  ]);

  const bucketCounts = new Map(buckets.map((r) => [n(r.i), n(r.count)]));
  /** Clients first seen in [from, to), both among the bounds; from null: from the beginning. */
  const firstSeen = (from: Date | null, to: Date) => {
    const lo = from ? bounds.findIndex((b) => b.getTime() === from.getTime()) + 2 : 1;
    const hi = bounds.findIndex((b) => b.getTime() === to.getTime()) + 1;
    let total = 0;
    for (let i = lo; i <= hi; i++) total += bucketCounts.get(i) ?? 0;
    return total;
  };
  const counted = countCategories(categories);
  const clientsServed = n(contactTotals[0]?.served);
  const newClients = firstSeen(start, end);
  const prevNew = firstSeen(prev.start, prev.end);
  return {
    period: {
      kind: period.kind,
      label: period.label,
      name: period.name,
      start: period.startDate,
      end: period.endDate,
      partial: period.partial,
    },
    clientsServed,
    newClients,
    continuingClients: clientsServed - newClients,
    servedSinceInception: firstSeen(null, end),
    newClientsByQuarter: quarters.map((q) => ({
      label: q.label,
      name: q.name,
      start: q.startDate,
      end: q.endDate,
      partial: q.partial,
      count: firstSeen(q.start, q.end),
    })),
    previousNewClients: prevNew,
    newClientsChangePct: changePercent(newClients, prevNew),
    newClientsBySex: tally(keys(program.categories.sex), newBySexAndAge, 'sex'),
    newClientsByAgeBand: tally(keys(program.categories.ageBands), newBySexAndAge, 'ageBand'),
    contacts: n(contactTotals[0]?.contacts),
    contactsBySource: tallyCounts(keys(program.categories.sources), counted.source),
    servicesProvided: tallyCounts(keys(program.categories.services), counted.services),
    referralsMade: tallyCounts(keys(program.categories.referrals), counted.referrals),
    dispositions: tallyCounts(keys(program.categories.dispositions), counted.disposition),
    repeatContactClients: n(contactTotals[0]?.repeat),
    followUpsCompleted: n(followUps[0]?.completed),
    followUpsOverdue: n(followUps[0]?.overdue),
    referralLinkage: linkageOf(keys(program.categories.referrals), linkage),
    referralsConnectedInPeriod: n(connections[0]?.connectedInPeriod),
    medianDaysToConnection: decimal(connections[0]?.medianDays),
    onScene: tallyCounts(keys(program.categories.onScene), counted.onScene),
    transportDestinations: tallyCounts(keys(program.categories.transportDestinations), counted.destination),
    minutesOnScene: {
      contactsWithTime: [...counted.minutes.values()].reduce((a, c) => a + c, 0),
      median: decimal(percentileOfCounts(counted.minutes, 0.5)),
      p90: decimal(percentileOfCounts(counted.minutes, 0.9)),
    },
    followUpTimeliness: {
      requested: n(timeliness[0]?.requested),
      metWithin48h: n(timeliness[0]?.metWithin48h),
      metWithin7d: n(timeliness[0]?.metWithin7d),
      attempts: n(timeliness[0]?.attempts),
      unreachable: n(timeliness[0]?.unreachable),
    },
    ...(newByRace ? { newClientsByRaceEthnicity: tally(keys([...RACE_ETHNICITY]), newByRace) } : {}),
    ...(newByVeteran ? { newClientsByVeteranStatus: tally(keys([...VETERAN_STATUS]), newByVeteran) } : {}),
  };
}

/** The category pass's rows: one bit of `grp` (GROUPING()) per column, set for those not grouped. */
const GROUPED = {
  sourceDispositionDestination: 0b0001111,
  services: 0b1110111,
  referrals: 0b1111011,
  onScene: 0b1111101,
  minutes: 0b1111110,
};

function countCategories(rows: Row[]) {
  const counted = {
    source: new Map<string, number>(),
    disposition: new Map<string, number>(),
    destination: new Map<string, number>(),
    services: new Map<string, number>(),
    referrals: new Map<string, number>(),
    onScene: new Map<string, number>(),
    /** Contacts by minutes on scene, of those that recorded them. */
    minutes: new Map<number, number>(),
  };
  const add = <K>(into: Map<K, number>, key: K | null | undefined, count: number) => {
    if (key !== null && key !== undefined) into.set(key, (into.get(key) ?? 0) + count);
  };
  const addList = (into: Map<string, number>, list: unknown, count: number) => {
    for (const key of new Set(list as (string | null)[])) add(into, key, count);
  };
  for (const r of rows) {
    const count = n(r.count);
    switch (n(r.grp)) {
      case GROUPED.sourceDispositionDestination:
        add(counted.source, r.source as string, count);
        add(counted.disposition, r.disposition as string, count);
        add(counted.destination, r.destination as string | null, count);
        break;
      case GROUPED.services:
        addList(counted.services, r.services, count);
        break;
      case GROUPED.referrals:
        addList(counted.referrals, r.referrals, count);
        break;
      case GROUPED.onScene:
        addList(counted.onScene, r.onScene, count);
        break;
      case GROUPED.minutes:
        add(counted.minutes, r.minutes === null ? null : Number(r.minutes), count);
        break;
    }
  }
  return counted;
}

/** Every key of a category list, zero where nothing was counted, in the program's order. */
function tallyCounts(keys: string[], counts: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const [k, c] of counts) out[k] = (out[k] ?? 0) + c;
  return out;
}

/** Each referral category (and the total) by status at the period's end: pending is what is left of made. */
function linkageOf(categories: string[], rows: Row[]): Record<string, ReferralLinkage> {
  const zero = (): ReferralLinkage => ({ made: 0, connected: 0, declined: 0, unreachable: 0, unknown: 0, pending: 0 });
  const out: Record<string, ReferralLinkage> = Object.fromEntries(categories.map((k) => [k, zero()]));
  const total = zero();
  for (const r of rows) {
    const row = (out[String(r.key)] ??= zero());
    for (const s of ['made', 'connected', 'declined', 'unreachable', 'unknown'] as const) {
      row[s] += n(r[s]);
      total[s] += n(r[s]);
    }
    row.pending = row.made - row.connected - row.declined - row.unreachable - row.unknown;
  }
  total.pending = total.made - total.connected - total.declined - total.unreachable - total.unknown;
  out[LINKAGE_TOTAL] = total;
  return out;
}
