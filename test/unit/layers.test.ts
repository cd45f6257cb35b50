// The layer rules `npm run lint` enforces (.dependency-cruiser.cjs), run on small trees under
// test/fixtures/layers/: one that keeps every rule, and one per rule that breaks it once. Each must
// fail with that rule's name, so a rule that stopped matching (a path renamed, an option dropped)
// is caught here and not by a reader of the code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const FIXTURES = path.resolve('test/fixtures/layers');
const CONFIG = path.resolve('.dependency-cruiser.cjs');
const DEPCRUISE = path.resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

function cruise(tree: string, roots: string[] = ['src', 'handlers', 'jobs']): { status: number | null; output: string } {
  const cwd = path.join(FIXTURES, tree);
  const present = roots.filter((r) => existsSync(path.join(cwd, r)));
  const run = spawnSync(process.execPath, [DEPCRUISE, ...present, '--config', CONFIG, '--ts-config', path.join(FIXTURES, 'tsconfig.json'), '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the layer rules', () => {
  it('pass a tree whose imports point one way (handlers → platforms, services → domain, views → domain)', () => {
    const { status, output } = cruise('clean');
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it.each([
    ['circular', 'no-circular', 'src/services/a.ts'],
    ['domain-imports-view', 'domain-is-pure', 'src/domain/contact.ts → src/views/form.ts'],
    // A type-only import counts: the view depends on what the service means.
    ['view-imports-service', 'views-use-only-the-domain', 'src/views/digest.ts → src/services/digest.ts'],
    ['service-imports-platform', 'services-below-entry-points-and-platforms', 'src/services/nudges.ts → src/platforms/slack/mention.ts'],
    ['platform-imports-handler', 'platforms-below-entry-points', 'src/platforms/slack/app.ts → handlers/slack/index.ts'],
    ['handler-imports-db', 'entry-points-call-services-not-the-database', 'handlers/slack/contact.ts → src/db/client.ts'],
    ['worker-imports-handler', 'only-the-composition-root-loads-entry-points', 'src/queue/workers.ts → handlers/slack/contact.ts'],
  ])('fail on %s, naming the rule %s and the import', (tree, rule, where) => {
    const { status, output } = cruise(tree);
    expect(status).not.toBe(0);
    expect(output).toContain(`error ${rule}:`);
    expect(output).toContain(where);
  });
});
