// The V8 settings a start runs under (src/v8-start.ts): V8 ignores a flag it does not know without a
// word, and its defaults change between Node lines, so both are checked against the V8 of the Node
// that runs the tests (.ci/run runs them on each supported line).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WASM_TIERING_BUDGET, START_WASM_TIERING_BUDGET, tuneV8ForStart, v8Line } from '../../src/v8-start.js';

const v8Options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;

/** The default a flag has in this Node's V8, as `node --v8-options` prints it. */
function v8Default(flag: string): string | undefined {
  const at = v8Options.indexOf(`  --${flag} (`);
  if (at < 0) return undefined;
  return new RegExp(`default: --(?:no-)?${flag}(?:=(\\S+))?`).exec(v8Options.slice(at))?.[1];
}

function recorded(opts: Parameters<typeof tuneV8ForStart>[0]) {
  const flags: string[] = [];
  const restore = tuneV8ForStart(opts, (f) => flags.push(f));
  return { flags, restore };
}

describe("this Node's V8", () => {
  it('has every flag carelog sets', () => {
    for (const flag of ['wasm-num-compilation-tasks', 'wasm-lazy-validation', 'wasm-tiering-budget']) {
      expect(v8Options, flag).toContain(`  --${flag} (`);
    }
  });

  it("has the tiering budget carelog puts back once ready (add this V8 line's default to DEFAULT_WASM_TIERING_BUDGET)", () => {
    const line = v8Line(process.versions.v8);
    expect({ line, budget: DEFAULT_WASM_TIERING_BUDGET[line] }).toEqual({
      line,
      budget: Number(v8Default('wasm-tiering-budget')),
    });
  });

  it("takes the start's budget in its 32-bit counter", () => {
    expect(START_WASM_TIERING_BUDGET).toBeLessThan(2 ** 31);
    expect(START_WASM_TIERING_BUDGET).toBeGreaterThan(100 * Math.max(...Object.values(DEFAULT_WASM_TIERING_BUDGET)));
  });
});

describe('tuneV8ForStart', () => {
  it("raises the tiering budget for the start and puts the line's default back once, when ready", () => {
    const { flags, restore } = recorded({ v8Version: '11.3.244.8-node.38', cores: 2, execArgv: [] });
    expect(flags).toEqual([
      '--wasm-num-compilation-tasks=1',
      '--wasm-lazy-validation',
      `--wasm-tiering-budget=${START_WASM_TIERING_BUDGET}`,
    ]);
    restore();
    restore();
    expect(flags.slice(3)).toEqual(['--wasm-tiering-budget=1800000']);
    const node24 = recorded({ v8Version: '13.6.233.17-node.63', cores: 2, execArgv: [] });
    node24.restore();
    expect(node24.flags.at(-1)).toBe('--wasm-tiering-budget=13000000');
  });

  it('leaves the tiering budget alone on a V8 line whose default it does not know', () => {
    const { flags, restore } = recorded({ v8Version: '99.1.0', cores: 2, execArgv: [] });
    restore();
    expect(flags).toEqual(['--wasm-num-compilation-tasks=1', '--wasm-lazy-validation']);
  });

  it('leaves a budget set on the command line alone', () => {
    const { flags, restore } = recorded({
      v8Version: '11.3.244.8-node.38',
      cores: 2,
      execArgv: ['--wasm-tiering-budget=500000'],
    });
    restore();
    expect(flags.some((f) => f.includes('tiering-budget'))).toBe(false);
    // V8 takes its flags with underscores too.
    const underscored = recorded({ v8Version: '11.3.244.8-node.38', cores: 2, execArgv: ['--wasm_tiering_budget=1'] });
    underscored.restore();
    expect(underscored.flags.some((f) => f.includes('tiering-budget'))).toBe(false);
  });

  it('keeps the compiler tasks as they are with more than two cores', () => {
    const { flags } = recorded({ v8Version: '11.3.244.8-node.38', cores: 8, execArgv: [] });
    expect(flags.some((f) => f.includes('compilation-tasks'))).toBe(false);
  });
});
