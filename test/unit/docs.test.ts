// carelog's documentation against carelog itself: docs/configuration.md names every environment
// variable and every carelog.yml key the schemas accept and nothing else; every relative link
// between the README, CONTRIBUTING.md, BENCHMARKS.md and docs/ reaches a file and, with a #anchor,
// a heading there; every `npm run X` they quote is a script of package.json. The markdown is read
// with marked's lexer and headings are slugged with github-slugger, as GitHub renders them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { lexer, walkTokens, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENV_VARIABLES } from '../../src/config/env.js';
import { ZProgramFile } from '../../src/config/program.js';

const ROOT = process.cwd();
const DOCS = [
  'README.md',
  'CONTRIBUTING.md',
  'BENCHMARKS.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const tokensOf = new Map(DOCS.map((f) => [f, lexer(readFileSync(path.join(ROOT, f), 'utf8'))]));

function each<T extends Token>(tokens: Token[], type: string): T[] {
  const found: T[] = [];
  // The callback is synchronous; walkTokens returns its (unused) results.
  void walkTokens(tokens, (t) => {
    if (t.type === type) found.push(t as T);
  });
  return found;
}

/** A heading's text as GitHub slugs it: the rendered text, without the markdown around it. */
function plain(tokens: Token[] | undefined): string {
  return (tokens ?? [])
    .map((t) => ('tokens' in t && t.tokens ? plain(t.tokens) : 'text' in t ? String(t.text) : ''))
    .join('');
}

/** The anchors GitHub gives a file's headings (a repeated heading gets -1, -2, …). */
function anchors(file: string): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(each<Tokens.Heading>(tokensOf.get(file)!, 'heading').map((h) => slugger.slug(plain(h.tokens))));
}

/** The code spans in a table's first column, row by row. */
function firstColumn(table: Tokens.Table): string[][] {
  return table.rows.map((row) =>
    row[0]!.tokens.filter((t): t is Tokens.Codespan => t.type === 'codespan').map((t) => t.text),
  );
}

describe('docs/configuration.md', () => {
  const tables = each<Tokens.Table>(tokensOf.get('docs/configuration.md')!, 'table');
  const byHeader = (name: string) => tables.find((t) => plain(t.header[0]!.tokens) === name);

  it('names every environment variable carelog reads, and no other', () => {
    const table = byHeader('variable');
    expect(table, 'a table whose first column is "variable"').toBeDefined();
    const documented = firstColumn(table!).flat();
    expect([...ENV_VARIABLES].sort()).toEqual([...new Set(documented)].sort());
  });

  it('names every carelog.yml key path the schema accepts, and no other', () => {
    // Every key path of the program file, from the schema as JSON Schema: `programs[].roster[].roles`.
    const schema = z.toJSONSchema(ZProgramFile, { io: 'input', unrepresentable: 'any' });
    const keys = new Set<string>();
    const walk = (s: unknown, at: string) => {
      if (!s || typeof s !== 'object') return;
      const node = s as {
        anyOf?: unknown[];
        oneOf?: unknown[];
        allOf?: unknown[];
        properties?: object;
        items?: unknown;
      };
      for (const alt of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) walk(alt, at);
      for (const [key, sub] of Object.entries(node.properties ?? {})) {
        keys.add(at ? `${at}.${key}` : key);
        walk(sub, at ? `${at}.${key}` : key);
      }
      if (node.items) walk(node.items, `${at}[]`);
    };
    walk(schema, '');
    expect(keys.size).toBeGreaterThan(40);

    const table = byHeader('key');
    expect(table, 'a table whose first column is "key"').toBeDefined();
    const documented = firstColumn(table!).flat();
    // `*` in a documented key stands for any one key: programs[].categories.*[].label.
    const pattern = (doc: string) =>
      new RegExp(`^${doc.replace(/[.[\]]/g, (c) => `\\${c}`).replace(/\*/g, '[A-Za-z0-9_]+')}$`);
    const covered = (key: string) => documented.some((doc) => pattern(doc).test(key));
    expect(
      [...keys].filter((k) => !covered(k)),
      'keys missing from docs/configuration.md',
    ).toEqual([]);
    expect(
      documented.filter((doc) => ![...keys].some((k) => pattern(doc).test(k))),
      'keys docs/configuration.md names that carelog.yml does not have',
    ).toEqual([]);
  });
});

describe('links between the README, CONTRIBUTING.md, BENCHMARKS.md and docs/', () => {
  const links = DOCS.flatMap((file) =>
    [...each<Tokens.Link>(tokensOf.get(file)!, 'link'), ...each<Tokens.Image>(tokensOf.get(file)!, 'image')].map(
      (l) => ({ file, href: l.href }),
    ),
  );
  const relative = links.filter((l) => !/^[a-z]+:/i.test(l.href));

  it('finds the links (the lexer reads these files)', () => {
    expect(relative.length).toBeGreaterThan(50);
  });

  it('resolve to files that exist and to headings those files have', () => {
    const broken = relative.filter(({ file, href }) => {
      const [target, anchor] = href.split('#') as [string, string | undefined];
      const resolved = target ? path.normalize(path.join(path.dirname(file), decodeURIComponent(target))) : file;
      if (!existsSync(path.join(ROOT, resolved))) return true;
      if (anchor === undefined || !resolved.endsWith('.md')) return false;
      return !tokensOf.has(resolved) || !anchors(resolved).has(anchor);
    });
    expect(broken).toEqual([]);
  });
});

describe('commands quoted in the README, CONTRIBUTING.md, BENCHMARKS.md and docs/', () => {
  const scripts = Object.keys(
    (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
  );
  const quoted = DOCS.flatMap((file) =>
    [
      ...each<Tokens.Codespan>(tokensOf.get(file)!, 'codespan'),
      ...each<Tokens.Code>(tokensOf.get(file)!, 'code'),
    ].flatMap((t) =>
      [...t.text.matchAll(/\bnpm run ([\w:.-]+)|\bnpm (test|start)\b/g)].map((m) => ({
        file,
        script: m[1] ?? m[2]!,
      })),
    ),
  );

  it('quote npm test as the test command, and npm start', () => {
    expect(scripts).toEqual(expect.arrayContaining(['test', 'start']));
    expect(quoted.filter((q) => q.file === 'README.md').map((q) => q.script)).toContain('test');
  });

  it('name only scripts package.json has', () => {
    expect(quoted.length).toBeGreaterThan(30);
    expect(quoted.filter((q) => !scripts.includes(q.script))).toEqual([]);
  });
});
