import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expressionInputs, policyInputs } from './arbitraries.js';
import { checkExpression, checkPolicy, type Outcome } from './targets.js';

/**
 * Bounded fuzzing inside `npm test` (a few seconds per parser, a new seed each run; a failure prints the seed and the
 * shrunk input). The long run (≥ 1M inputs per parser, hang and death detection in child processes) is
 * `npm run fuzz`, results in bench/RESULTS.md.
 */
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 4);
const SLOW_MS = 3000;

function fuzz(name: string, inputs: fc.Arbitrary<string>, check: (s: string) => Outcome) {
  it(`${name}: no uncoded error, no internal error, no hang`, () => {
    const counts: Record<string, number> = {};
    let runs = 0;
    fc.assert(
      fc.property(inputs, (src) => {
        const t0 = performance.now();
        const o = check(src);
        const ms = performance.now() - t0;
        runs++;
        counts[o.kind] = (counts[o.kind] ?? 0) + 1;
        if (o.kind === 'bug') throw new Error(o.error);
        if (ms > SLOW_MS) throw new Error(`took ${Math.round(ms)} ms`);
      }),
      { numRuns: 1_000_000, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false },
    );
    expect(runs).toBeGreaterThan(100);
  }, SECONDS * 1000 + 30_000);
}

describe('fuzzing (bounded run)', () => {
  fuzz('C# policy expressions', expressionInputs, checkExpression);
  fuzz('policy XML loader', policyInputs, checkPolicy);
});
