// Part of `npm install` (postinstall): builds the embedded database template so that a first
// `npm run dev` or `npm run demo` on a fresh data directory skips PGlite's initdb. Never fails
// the install: without a template, carelog simply runs initdb at its first start.
import { buildTemplate, findTemplate } from '../src/db/embedded-template.js';

try {
  if (findTemplate()) process.exit(0);
  const t0 = performance.now();
  const file = await buildTemplate();
  process.stderr.write(
    `carelog: embedded database template built in ${Math.round(performance.now() - t0)} ms (${file})\n`,
  );
} catch (err) {
  process.stderr.write(
    `carelog: no embedded database template (${(err as Error)?.name}); the first embedded start will run initdb\n`,
  );
}
process.exit(0);
