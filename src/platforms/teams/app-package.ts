// The Teams app package an admin uploads (Teams admin center, or Apps → Upload a custom app): the
// manifest from appPackage/manifest.json with its ${{PLACEHOLDERS}} filled, and the two icons, as
// a zip with the three files at its root. npm run teams:package writes it (scripts/teams-package.ts).
import { crc32, deflateRawSync } from 'node:zlib';
import { CarelogError } from '../../errors.js';

export const APP_PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png'] as const;

export interface AppPackageValues {
  /** The Teams app id (a GUID; may be the bot's own). */
  TEAMS_APP_ID: string;
  /** The bot's Microsoft app (client) id: TEAMS_CLIENT_ID. */
  BOT_ID: string;
  /** Where carelog is reachable over HTTPS (POST https://<host>/api/messages). */
  CARELOG_HOST: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Fills the manifest template; refuses values that would make an invalid manifest. */
export function fillManifest(template: string, values: AppPackageValues): string {
  const problems: string[] = [];
  if (!GUID.test(values.TEAMS_APP_ID)) problems.push('--app-id must be a GUID');
  if (!GUID.test(values.BOT_ID)) problems.push('--bot-id must be the bot’s Microsoft app (client) id, a GUID');
  if (!HOST.test(values.CARELOG_HOST))
    problems.push('--host must be a host name such as carelog.example.org (no https://, no path)');
  if (problems.length) throw new CarelogError('config_invalid', problems.join('; '));
  const filled = template.replace(/\$\{\{([A-Z_]+)\}\}/g, (whole, name: string) =>
    name in values ? values[name as keyof AppPackageValues] : whole,
  );
  const left = filled.match(/\$\{\{[A-Z_]+\}\}/g);
  if (left)
    throw new CarelogError(
      'config_invalid',
      `appPackage/manifest.json has placeholders nobody fills: ${[...new Set(left)].join(', ')}`,
    );
  JSON.parse(filled);
  return filled;
}

/** A zip (deflate, fixed timestamps so the same inputs give the same bytes) of the given files. */
export function zipFiles(files: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0;
  const DOS_DATE = (1 << 5) | 1; // 1980-01-01
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const deflated = deflateRawSync(f.data, { level: 9 });
    const crc = crc32(f.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(f.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, deflated);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(f.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export function buildAppPackage(
  read: (file: (typeof APP_PACKAGE_FILES)[number]) => Buffer,
  values: AppPackageValues,
): Buffer {
  const manifest = fillManifest(read('manifest.json').toString('utf8'), values);
  return zipFiles([
    { name: 'manifest.json', data: Buffer.from(manifest, 'utf8') },
    { name: 'color.png', data: read('color.png') },
    { name: 'outline.png', data: read('outline.png') },
  ]);
}
