// docs/architecture.md walks a `/contact`, a nudge and a quarterly figure through the files, naming
// each file and function. This holds the walk to the code: every path it names exists, and every
// function, type or constant it names is declared in carelog's sources, so a rename or a move that
// leaves the doc behind fails here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const DOC = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8');
const spans = [...new Set([...DOC.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!))];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'generated' || name === 'node_modules') return [];
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const CODE = ['src', 'handlers', 'jobs']
  .flatMap((d) => sources(path.join(ROOT, d)))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
/** The data model, where the doc names a table (`FollowUp`) or a column (`Client.firstContactAt`). */
const SCHEMA = readFileSync(path.join(ROOT, 'prisma/schema.prisma'), 'utf8');

/** `src/x.ts`, `handlers/slack/`, `.dependency-cruiser.cjs`: a path of the repository. */
const PATH = /^\.?[\w.-]+(\/[\w.-]+)*\/?$/;
const isPath = (s: string) => PATH.test(s) && (s.includes('/') || /\.(ts|cjs|mjs|json|yml|md)$/.test(s));
/** `logContact`, `SlackRoutes.middleware`, `CONTACT_COMMAND`: a name declared in the code. */
const NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;
const isCodeName = (s: string) => NAME.test(s) && /[a-z][A-Z]|^[A-Z][a-z]+[A-Z]|^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(s);

describe('docs/architecture.md', () => {
  it('names only paths that exist', () => {
    const paths = spans.filter(isPath).map((s) => s.replace(/\/$/, ''));
    expect(paths.length).toBeGreaterThan(20);
    expect(
      paths.filter(
        (p) =>
          !existsSync(path.join(ROOT, p)) &&
          !existsSync(path.join(ROOT, 'src', p)) &&
          !existsSync(path.join(ROOT, 'src/platforms/teams', p)),
      ),
    ).toEqual([]);
  });

  it('names only functions, types and constants that carelog declares', () => {
    const names = spans.filter(isCodeName);
    expect(names.length).toBeGreaterThan(40);
    const declared = (name: string) => {
      const last = name.split('.').at(-1)!;
      return (
        new RegExp(
          `(function\\*?|const|let|class|interface|type|enum|async)\\s+${last}\\b|\\b${last}\\s*[(:=]|\\b${last}\\s*<`,
        ).test(CODE) || new RegExp(`^model ${last} \\{|^\\s+${last}\\s+[A-Z]`, 'm').test(SCHEMA)
      );
    };
    expect(names.filter((n) => !declared(n))).toEqual([]);
  });
});
