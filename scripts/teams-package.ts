// npm run teams:package -- --bot-id <TEAMS_CLIENT_ID> --host <carelog host> [--app-id <guid>] [--out file]
// Writes the Teams app package (a zip of appPackage/manifest.json, color.png and outline.png) to
// upload in the Teams admin center or Teams → Apps → Manage your apps → Upload an app.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isCarelogError } from '../src/errors.js';
import { buildAppPackage } from '../src/platforms/teams/app-package.js';

const { values } = parseArgs({
  options: {
    'bot-id': { type: 'string' },
    host: { type: 'string' },
    'app-id': { type: 'string' },
    out: { type: 'string', default: 'appPackage/build/carelog-teams.zip' },
  },
});
if (!values['bot-id'] || !values.host) {
  process.stderr.write(
    'usage: npm run teams:package -- --bot-id <TEAMS_CLIENT_ID> --host <carelog.example.org> [--app-id <guid>] [--out file]\n',
  );
  process.exit(2);
}
try {
  const zip = buildAppPackage((file) => readFileSync(path.join('appPackage', file)), {
    BOT_ID: values['bot-id'],
    // One id for the app and its bot is what Microsoft's own templates do.
    TEAMS_APP_ID: values['app-id'] ?? values['bot-id'],
    CARELOG_HOST: values.host,
  });
  mkdirSync(path.dirname(values.out), { recursive: true });
  writeFileSync(values.out, zip);
  process.stdout.write(
    `wrote ${values.out} (${zip.length} bytes): upload it in Teams (Apps → Manage your apps → Upload an app)\n`,
  );
} catch (err) {
  process.stderr.write(`${isCarelogError(err) ? err.message : (err as Error).message}\n`);
  process.exit(1);
}
