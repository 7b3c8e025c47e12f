import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expressionInputs, policyInputs } from './arbitraries.js';
import { checkExpression, checkPolicy, type Outcome } from './targets.js';

/**
 * Bounded fuzzing inside `npm test`: a fixed seed and a fixed number of inputs per parser, so that a run is the same
 * on a loaded machine as on an idle one (`FUZZ_SEED=random` or a number, and `FUZZ_RUNS`, explore further; a failure
 * prints the seed and the shrunk input). Hangs are bounded deterministically by the evaluation step and size limits
 * (test/gateway/expression-limits.test.ts); wall time is only a generous guard here. The long run (≥ 1M inputs per
 * parser, hang and death detection in child processes, CPU-timed) is `npm run fuzz`, results in bench/RESULTS.md.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
const SEED = process.env.FUZZ_SEED === 'random' ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED ?? 20261129);
const GUARD_MS = 20_000;

function fuzz(name: string, inputs: fc.Arbitrary<string>, check: (s: string) => Outcome) {
  it(`${name}: no uncoded error, no internal error, no hang`, () => {
    const counts: Record<string, number> = {};
    fc.assert(
      fc.property(inputs, (src) => {
        const t0 = performance.now();
        const o = check(src);
        const ms = performance.now() - t0;
        counts[o.kind] = (counts[o.kind] ?? 0) + 1;
        if (o.kind === 'bug') throw new Error(o.error);
        if (ms > GUARD_MS) throw new Error(`took ${Math.round(ms)} ms`);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(RUNS);
  }, 240_000);
}

describe('fuzzing (bounded run)', () => {
  fuzz('C# policy expressions', expressionInputs, checkExpression);
  fuzz('policy XML loader', policyInputs, checkPolicy);
});
