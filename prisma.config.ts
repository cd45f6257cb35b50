// Prisma CLI configuration. The CLI is used only for `generate` and `validate` here; migrations
// are applied by src/db/migrate.ts so no schema engine download is ever needed.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
