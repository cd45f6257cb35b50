// The layer rules `npm run lint` enforces (.dependency-cruiser.cjs), run on small trees under
// test/fixtures/layers/: one that keeps every rule, and one per rule that breaks it once. Each must
// fail with that rule's name, so a rule that stopped matching (a path renamed, an option dropped)
// is caught here and not by a reader of the code. One case runs the command line exactly as
// scripts/lint.mjs does; the others use dependency-cruiser's API with the same config (one load).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const FIXTURES = path.resolve('test/fixtures/layers');
const CONFIG = path.resolve('.dependency-cruiser.cjs');
const TS_CONFIG = path.join(FIXTURES, 'tsconfig.json');
const DEPCRUISE = path.resolve('node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

const rootsOf = (tree: string) => ['src', 'handlers', 'jobs'].filter((r) => existsSync(path.join(FIXTURES, tree, r)));

async function check(tree: string): Promise<{ exitCode: number; output: string }> {
  const options = await extractDepcruiseOptions(CONFIG);
  const result = await cruise(
    rootsOf(tree),
    { ...options, baseDir: path.join(FIXTURES, tree), tsConfig: { fileName: TS_CONFIG }, outputType: 'err' },
    undefined,
    {
      tsConfig: extractTSConfig(TS_CONFIG),
    },
  );
  return {
    exitCode: result.exitCode,
    output: typeof result.output === 'string' ? result.output : JSON.stringify(result.output),
  };
}

describe('the layer rules', () => {
  it('pass a tree whose imports point one way (handlers → platforms, services → domain, views → domain)', async () => {
    const { exitCode, output } = await check('clean');
    expect(output).toContain('no dependency violations found');
    expect(exitCode).toBe(0);
  });

  it('make the command line npm run lint runs exit non-zero on an import cycle', () => {
    const tree = 'circular';
    const run = spawnSync(
      process.execPath,
      [DEPCRUISE, ...rootsOf(tree), '--config', CONFIG, '--ts-config', TS_CONFIG, '--output-type', 'err'],
      {
        cwd: path.join(FIXTURES, tree),
        encoding: 'utf8',
      },
    );
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('error no-circular: src/services/a.ts');
  });

  it.each([
    ['circular', 'no-circular', 'src/services/a.ts'],
    ['domain-imports-view', 'domain-is-pure', 'src/domain/contact.ts → src/views/form.ts'],
    // A type-only import counts: the view depends on what the service means.
    ['view-imports-service', 'views-use-only-the-domain', 'src/views/digest.ts → src/services/digest.ts'],
    [
      'service-imports-platform',
      'services-below-entry-points-and-platforms',
      'src/services/nudges.ts → src/platforms/slack/mention.ts',
    ],
    [
      'platform-imports-handler',
      'platforms-below-entry-points',
      'src/platforms/slack/app.ts → handlers/slack/index.ts',
    ],
    [
      'handler-imports-db',
      'entry-points-call-services-not-the-database',
      'handlers/slack/contact.ts → src/db/client.ts',
    ],
    [
      'worker-imports-handler',
      'only-the-composition-root-loads-entry-points',
      'src/queue/workers.ts → handlers/slack/contact.ts',
    ],
  ])('fail on %s, naming the rule %s and the import', async (tree, rule, where) => {
    const { exitCode, output } = await check(tree);
    expect(exitCode).not.toBe(0);
    expect(output).toContain(`error ${rule}:`);
    expect(output).toContain(where);
  });
});
