// A dataset that reproduces the program's published progress report (shared/reference/
// progress-report.md), built contact by contact so the digest must derive every figure itself:
//   new clients by quarter: Mar 2024 (partial) 5 · Apr–Jun 87 · Jul–Sep 115 · Oct–Dec 108
//   Jul–Sep served 128 = 115 new + 13 continuing; Oct–Dec served 117 = 108 new + 9 continuing
//   Jul–Sep new by sex: male 55, female 60; by age: 0-12 2, 13-17 9, 18-24 14, 25-59 68, 60+ 18, not reported 4
// Contacts sit on the quarter edges in New York time (23:30 on the last day, 00:15 on the first),
// where a UTC-based count would go wrong.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import { fromLocal } from '../../src/domain/time.js';
import { formatClientCode } from '../../src/domain/contact.js';

const TZ = 'America/New_York';

interface ClientSpec {
  first: Date;
  sex: string;
  ageBand: string;
  later: Date[];
}

function repeat<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Local date-time in New York, spread over a quarter's days by index. */
function inQuarter(startDate: string, days: number, i: number, time = '10:00'): Date {
  const d = new Date(`${startDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + (i % days));
  return fromLocal(d.toISOString().slice(0, 10), time, TZ);
}

export function progressReportClients(): ClientSpec[] {
  const clients: ClientSpec[] = [];
  // Mar 2024 (program starts 2024-03-01): 5 new.
  clients.push(
    ...repeat(5, (i) => ({
      first: inQuarter('2024-03-01', 31, i * 6),
      sex: i % 2 ? 'male' : 'female',
      ageBand: '25-59',
      later: [] as Date[],
    })),
  );
  // Apr–Jun: 87 new; the first 13 of them come back in Jul–Sep (the continuing clients), the
  // first 2 of those also in Oct–Dec.
  clients.push(
    ...repeat(87, (i) => ({
      first: inQuarter('2024-04-01', 91, i),
      sex: i % 3 ? 'male' : 'female',
      ageBand: '18-24',
      later: [] as Date[],
    })),
  );
  // The last Apr–Jun client is first seen at 23:30 on June 30, local: still Q2.
  clients[5 + 86]!.first = fromLocal('2024-06-30', '23:30', TZ);
  // Jul–Sep: 115 new; 55 male, 60 female; ages 2, 9, 14, 68, 18, 4.
  const ages = [
    ...repeat(2, () => '0-12'),
    ...repeat(9, () => '13-17'),
    ...repeat(14, () => '18-24'),
    ...repeat(68, () => '25-59'),
    ...repeat(18, () => '60+'),
    ...repeat(4, () => 'not_reported'),
  ];
  clients.push(
    ...repeat(115, (i) => ({
      first: inQuarter('2024-07-01', 92, i),
      sex: i < 55 ? 'male' : 'female',
      ageBand: ages[i]!,
      later: [] as Date[],
    })),
  );
  const q3 = 5 + 87;
  clients[q3]!.first = fromLocal('2024-07-01', '00:15', TZ); // first minutes of Q3
  clients[q3 + 114]!.first = fromLocal('2024-09-30', '23:30', TZ); // last minutes of Q3 (UTC: Oct 1)
  // Oct–Dec: 108 new.
  clients.push(
    ...repeat(108, (i) => ({
      first: inQuarter('2024-10-01', 92, i),
      sex: 'another',
      ageBand: '25-59',
      later: [] as Date[],
    })),
  );
  // Continuing: 13 Apr–Jun clients seen again in Jul–Sep; 9 clients seen again in Oct–Dec
  // (2 of the 13, and 7 Jul–Sep clients).
  for (let i = 0; i < 13; i++) clients[5 + i]!.later.push(inQuarter('2024-07-01', 92, i * 7, '14:00'));
  for (let i = 0; i < 2; i++) clients[5 + i]!.later.push(inQuarter('2024-10-01', 92, i * 5, '14:00'));
  for (let i = 0; i < 7; i++) clients[q3 + i]!.later.push(inQuarter('2024-10-01', 92, 30 + i, '14:00'));
  // Q3 new clients also get repeat contacts within their quarter: served counts stay the same.
  for (let i = 20; i < 30; i++) clients[q3 + i]!.later.push(new Date(clients[q3 + i]!.first.getTime() + 86_400_000));
  return clients;
}

/** Writes the dataset for `programId` (prefix PIC) with `authorId` as the author of every contact. */
export async function seedProgressReport(
  prisma: PrismaClient,
  programId: string,
  authorId: string,
): Promise<{ clients: number; contacts: number }> {
  const specs = progressReportClients();
  const clientRows = specs.map((s, i) => ({
    id: randomUUID(),
    programId,
    number: i + 1,
    code: formatClientCode('PIC', i + 1),
    sex: s.sex,
    ageBand: s.ageBand,
    firstContactAt: s.first,
  }));
  await prisma.client.createMany({ data: clientRows });
  let number = 0;
  const contactRows = specs.flatMap((s, i) =>
    [s.first, ...s.later].map((at) => ({
      programId,
      number: ++number,
      clientId: clientRows[i]!.id,
      occurredAt: at,
      authorId,
      source: number % 5 === 0 ? 'proactive_outreach' : 'call_for_service',
      services: number % 2 ? ['crisis_services'] : ['crisis_services', 'de_escalation'],
      referrals: number % 7 === 0 ? ['addiction_treatment'] : [],
      disposition: 'resolved_on_scene',
      idempotencyKey: `seed:${number}`,
    })),
  );
  await prisma.contact.createMany({ data: contactRows });
  await prisma.program.update({
    where: { id: programId },
    data: { nextClientNumber: specs.length + 1, nextContactNumber: number + 1 },
  });
  return { clients: specs.length, contacts: number };
}
