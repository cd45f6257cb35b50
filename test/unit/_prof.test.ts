import fc from 'fast-check';
import { beforeAll, it } from 'vitest';
import { buildDigestView } from '../../src/views/digest.js';
import { arbDigest, auditDigest, defaultProgram, figuresOf, loadAuditor, part2Everywhere } from '../support/digest-auditor.js';
beforeAll(loadAuditor);
it('prof', () => {
  let tv = 0, ta = 0, worst = 0;
  for (const r of fc.sample(arbDigest, { numRuns: 60, seed: 42 })) {
    const program = r.part2Everywhere ? part2Everywhere : defaultProgram;
    const d = figuresOf(r, program);
    const t0 = performance.now();
    const v = buildDigestView(program, d, r.below);
    const t1 = performance.now();
    auditDigest(v, d, program, r.below);
    const t2 = performance.now();
    tv += t1 - t0; ta += t2 - t1; worst = Math.max(worst, t1 - t0);
  }
  console.log({ tv, ta, worst });
}, 600_000);
