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
import type { ProgramConfig } from '../config.js';
import type { DigestFigures } from '../domain/digest.js';
import { followUpRules, overdueCutoff } from '../domain/followups.js';
import { changePercent, previousPeriod, quartersSince, type Period } from '../domain/periods.js';
import type { PrismaClient } from '../generated/prisma/client.js';

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v ?? 0);

/** Every key of a category list, zero where nothing was counted, in the program's order. */
function tally(keys: string[], rows: Row[], keyCol = 'key', countCol = 'count'): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  for (const r of rows) out[String(r[keyCol])] = (out[String(r[keyCol])] ?? 0) + n(r[countCol]);
  return out;
}

export async function computeDigest(
  prisma: PrismaClient,
  program: ProgramConfig,
  period: Period,
): Promise<DigestFigures> {
  const pid = program.id;
  const { start, end } = period;
  const prev = previousPeriod(period, program.timezone, program.startDate);
  const quarters = period.kind === 'quarter' ? quartersSince(program.startDate, period, program.timezone) : [];
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

  const [contactTotals, buckets, newBySexAndAge, categories, completed, overdue] = await Promise.all([
    // Contacts, clients served and repeat-contact clients in one pass over each client's contacts
    // in time order, from 30 days before the period: a contact in the period is its client's
    // first there when the one before it is not; it is a third within 30 days when the one two
    // before it is at most 30 days older (with the period's earlier contacts counted, later ones
    // not).
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
    // Contacts by source and by disposition, and on which each service and referral was given,
    // in one pass: the period's few distinct service and referral lists are counted, then each
    // list's distinct keys add its count (a key twice on one contact still counts it once).
    prisma.$queryRaw<Row[]>`SELECT g.dim AS dim, k AS key, sum(g.count) AS count
        FROM (SELECT GROUPING("source", "disposition", "services", "referrals") AS dim,
                     CASE GROUPING("source", "disposition", "services", "referrals")
                       WHEN 7 THEN ARRAY["source"] WHEN 11 THEN ARRAY["disposition"] WHEN 13 THEN "services" ELSE "referrals" END AS list,
                     count(*) AS count
              FROM "Contact"
              WHERE "programId" = ${pid} AND "occurredAt" >= ${start} AND "occurredAt" < ${end}
              GROUP BY GROUPING SETS (("source"), ("disposition"), ("services"), ("referrals"))) g,
             LATERAL (SELECT DISTINCT k FROM unnest(g.list) AS k) u
        GROUP BY g.dim, k`,
    prisma.$queryRaw<Row[]>`SELECT count(*) AS count FROM "FollowUp"
        WHERE "programId" = ${pid} AND "status" = 'done' AND "completedAt" >= ${start} AND "completedAt" < ${end}`,
    // Pending at the period's end: asked for on a contact before it, not completed before it.
    prisma.$queryRaw<Row[]>`SELECT count(*) AS count FROM "FollowUp" f JOIN "Contact" c ON c."id" = f."originContactId"
        WHERE f."programId" = ${pid} AND f."dueAt" < ${overdueCutoff(end, followUpRules(program))} AND c."occurredAt" < ${end}
          AND (f."status" = 'pending' OR (f."status" IN ('done', 'unreachable') AND f."completedAt" >= ${end}))`,
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
  // GROUPING() of the category query: 7 source, 11 disposition, 13 services, 14 referrals.
  const category = (dim: number) => categories.filter((r) => n(r.dim) === dim);
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
      partial: q.partial,
      count: firstSeen(q.start, q.end),
    })),
    previousNewClients: prevNew,
    newClientsChangePct: changePercent(newClients, prevNew),
    newClientsBySex: tally(keys(program.categories.sex), newBySexAndAge, 'sex'),
    newClientsByAgeBand: tally(keys(program.categories.ageBands), newBySexAndAge, 'ageBand'),
    contacts: n(contactTotals[0]?.contacts),
    contactsBySource: tally(keys(program.categories.sources), category(7)),
    servicesProvided: tally(keys(program.categories.services), category(13)),
    referralsMade: tally(keys(program.categories.referrals), category(14)),
    dispositions: tally(keys(program.categories.dispositions), category(11)),
    repeatContactClients: n(contactTotals[0]?.repeat),
    followUpsCompleted: n(completed[0]?.count),
    followUpsOverdue: n(overdue[0]?.count),
  };
}
