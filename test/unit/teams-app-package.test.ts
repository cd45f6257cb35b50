// appPackage/: the Teams manifest, its icons, and the zip an admin uploads.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import AjvFormats from 'ajv-formats';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';
import { PUBLIC_PAGES, registerPublicPages } from '../../src/http/public-pages.js';
import { createLogger } from '../../src/logger.js';
import { APP_PACKAGE_FILES, buildAppPackage, fillManifest } from '../../src/platforms/teams/app-package.js';
import { CONTACT_MESSAGE } from '../../handlers/teams/contact.js';
import { DIGEST_MESSAGE } from '../../handlers/teams/digest.js';
import { REPORT_MESSAGE } from '../../handlers/teams/report.js';
import { FOLLOWUPS_MESSAGE } from '../../handlers/teams/followups.js';
import { REFERRALS_MESSAGE } from '../../handlers/teams/referrals.js';
import { decodePng, readChunks } from '../support/png.js';

const read = (file: string) => readFileSync(path.join('appPackage', file));
const TEMPLATE = read('manifest.json').toString('utf8');
const VALUES = {
  TEAMS_APP_ID: '8d1f2c3a-4b5e-4f60-9a7b-0c1d2e3f4a5b',
  BOT_ID: '8d1f2c3a-4b5e-4f60-9a7b-0c1d2e3f4a5b',
  CARELOG_HOST: 'carelog.example.org',
};

type Manifest = {
  $schema: string;
  manifestVersion: string;
  id: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full: string };
  description: { short: string; full: string };
  icons: { color: string; outline: string };
  bots: {
    botId: string;
    scopes: string[];
    supportsFiles: boolean;
    commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[];
  }[];
  validDomains: string[];
};

/** Reads a zip's central directory and inflates each entry: an independent check of the writer. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : raw);
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

const require = createRequire(import.meta.url);
// CommonJS packages whose default export NodeNext types see as `.default` (both also set it at run time).
const Ajv = AjvDraft04.default;
const addFormats = AjvFormats.default;

/** Microsoft's own schema for a manifest version, as `@microsoft/app-manifest` ships it. */
function officialSchema(manifestVersion: string): object {
  const pkg = path.dirname(require.resolve('@microsoft/app-manifest/package.json'));
  const file = path.join(pkg, 'build', 'json-schemas', 'teams', `v${manifestVersion}`, 'MicrosoftTeams.schema.json');
  return JSON.parse(readFileSync(file, 'utf8')) as object;
}

describe('appPackage/manifest.json', () => {
  const manifest = JSON.parse(fillManifest(TEMPLATE, VALUES)) as Manifest;

  it('is valid against Microsoft’s schema for its manifestVersion', () => {
    // The schemas are JSON Schema draft-04 (ajv-draft-04) with "uri" formats (ajv-formats).
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(officialSchema(manifest.manifestVersion));
    const ok = validate(manifest);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
    // The check is real: what the schema forbids fails it.
    expect(
      validate({ ...manifest, developer: { ...manifest.developer, privacyUrl: 'carelog.example.org/privacy' } }),
    ).toBe(false);
    expect(validate({ ...manifest, unknownKey: 1 })).toBe(false);
  });

  it('uses a current manifest schema and names only the placeholders the package script fills', () => {
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    expect(Number(manifest.manifestVersion)).toBeGreaterThanOrEqual(1.25);
    expect(new Set(TEMPLATE.match(/\$\{\{[A-Z_]+\}\}/g))).toEqual(
      new Set(['${{TEAMS_APP_ID}}', '${{BOT_ID}}', '${{CARELOG_HOST}}']),
    );
  });

  it('keeps within the schema’s limits', () => {
    expect(manifest.name.short.length).toBeLessThanOrEqual(30);
    expect(manifest.name.full.length).toBeLessThanOrEqual(100);
    expect(manifest.developer.name.length).toBeLessThanOrEqual(32);
    expect(manifest.description.short.length).toBeLessThanOrEqual(80);
    expect(manifest.description.full.length).toBeLessThanOrEqual(4000);
    for (const url of [manifest.developer.websiteUrl, manifest.developer.privacyUrl, manifest.developer.termsOfUseUrl])
      expect(url).toMatch(/^https:\/\/carelog\.example\.org\//);
    expect(manifest.validDomains).toEqual(['carelog.example.org']);
  });

  it('links to website, privacy and terms pages carelog serves itself', async () => {
    const http = createHttpServer(createLogger('silent'));
    registerPublicPages(http);
    const port = await http.listen(0, '127.0.0.1');
    try {
      const urls = [manifest.developer.websiteUrl, manifest.developer.privacyUrl, manifest.developer.termsOfUseUrl];
      const paths = urls.map((u) => new URL(u).pathname);
      expect(paths).toEqual(['/', '/privacy', '/terms']);
      for (const p of paths) {
        const res = await fetch(`http://127.0.0.1:${port}${p}`);
        expect(res.status, p).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        const html = await res.text();
        expect(html).toContain(`<h1>${PUBLIC_PAGES[p as keyof typeof PUBLIC_PAGES].title}</h1>`);
        expect(html).not.toMatch(/<script|src=/);
      }
      const privacy = await (await fetch(`http://127.0.0.1:${port}/privacy`)).text();
      expect(privacy).toMatch(/no client names/);
      expect(privacy).toMatch(/encrypted at rest/);
      expect((await fetch(`http://127.0.0.1:${port}/privacy/`)).status).toBe(404);
    } finally {
      await http.close();
    }
  });

  it('declares one bot: personal (forms, nudges) and team (the digest channel), with the commands carelog answers', () => {
    expect(manifest.bots).toHaveLength(1);
    const bot = manifest.bots[0]!;
    expect(bot.botId).toBe(VALUES.BOT_ID);
    expect(bot.scopes).toEqual(expect.arrayContaining(['personal', 'team']));
    const commands = bot.commandLists.flatMap((l) => l.commands.map((c) => c.title));
    expect(commands).toEqual(['contact', 'followups', 'referrals', 'digest', 'report', 'help']);
    expect(CONTACT_MESSAGE.test('contact')).toBe(true);
    expect(FOLLOWUPS_MESSAGE.test('followups')).toBe(true);
    expect(REFERRALS_MESSAGE.test('referrals')).toBe(true);
    expect(DIGEST_MESSAGE.test('digest')).toBe(true);
    expect(REPORT_MESSAGE.test('report')).toBe(true);
    // Files in a 1:1 chat (the progress report through a file consent card) need supportsFiles.
    expect(bot.supportsFiles).toBe(true);
  });

  it('refuses values that would make an invalid package', () => {
    expect(() => fillManifest(TEMPLATE, { ...VALUES, BOT_ID: 'carelog' })).toThrow(/--bot-id must be/);
    expect(() => fillManifest(TEMPLATE, { ...VALUES, CARELOG_HOST: 'https://carelog.example.org/api' })).toThrow(
      /--host must be a host name/,
    );
  });
});

describe('the icons', () => {
  it('color.png is a 192×192 full-colour icon', () => {
    const png = decodePng(read('color.png'));
    expect([png.width, png.height]).toEqual([192, 192]);
    expect(png.rgb(2, 2)).toEqual([31, 95, 168]);
  });

  it('outline.png is a 32×32 white outline on a transparent background', () => {
    const png = decodePng(read('outline.png'));
    expect([png.width, png.height]).toEqual([32, 32]);
    const chunks = readChunks(read('outline.png'));
    const plte = chunks.find((c) => c.type === 'PLTE')!.data;
    const trns = chunks.find((c) => c.type === 'tRNS')!.data;
    // Every opaque palette entry is white.
    for (let i = 0; i < plte.length / 3; i++)
      if ((trns[i] ?? 255) > 0) expect([...plte.subarray(i * 3, i * 3 + 3)]).toEqual([255, 255, 255]);
    expect(trns[0]).toBe(0);
  });
});

describe('npm run teams:package', () => {
  it('zips the filled manifest and both icons at the root, the same bytes for the same inputs', () => {
    const zip = buildAppPackage((f) => read(f), VALUES);
    const files = unzip(zip);
    expect([...files.keys()]).toEqual([...APP_PACKAGE_FILES]);
    expect(
      (JSON.parse(files.get('manifest.json')!.toString('utf8')) as { bots: { botId: string }[] }).bots[0]!.botId,
    ).toBe(VALUES.BOT_ID);
    expect(files.get('color.png')!.equals(read('color.png'))).toBe(true);
    expect(files.get('outline.png')!.equals(read('outline.png'))).toBe(true);
    expect(buildAppPackage((f) => read(f), VALUES).equals(zip)).toBe(true);
  });
});
