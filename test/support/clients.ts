// Many clients at once, numbered 1..count in one program, coded as carelog codes them.
import type { SqlRunner } from '../../src/db/migrate.js';

export async function seedClients(
  sql: SqlRunner,
  program: { id: string; clientCodePrefix: string },
  count: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO "Client" (id, "programId", number, code, sex, "ageBand", "firstContactAt", "createdAt", "updatedAt")
     SELECT gen_random_uuid(), $1, n, $2 || '-' || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END,
            'not_reported', 'not_reported', '2025-01-01', now(), now()
       FROM generate_series(1, $3::int) AS n`,
    [program.id, program.clientCodePrefix, count],
  );
  await sql.query(`UPDATE "Program" SET "nextClientNumber" = $2 + 1 WHERE id = $1`, [program.id, count]);
  await sql.query('ANALYZE "Client"');
}
