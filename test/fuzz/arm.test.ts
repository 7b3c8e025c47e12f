/**
 * Bounded run of the ARM fuzzing harness (test/fuzz/arm-fuzz.ts): a few seconds inside `npm test`.
 * `npm run fuzz:arm` runs the same harness long (TRUSTLINE_FUZZ_RUNS, default there 1,000,000 per target)
 * and writes its report to TRUSTLINE_FUZZ_REPORT.
 */
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fuzzExpressions, fuzzTemplates } from './arm-fuzz.js';
import type { FuzzReport } from './arm-fuzz.js';

const RUNS = Number(process.env['TRUSTLINE_FUZZ_RUNS'] ?? 600);
// A fixed seed in `npm test` (reproducible); the long run takes TRUSTLINE_FUZZ_SEED. Wall-time hangs fail only the
// long run (TRUSTLINE_FUZZ_RUNS given): in the bounded run a busy machine must not fail the suite, and the
// evaluation-step budget (docs/limits.md) bounds every input deterministically.
const SEED = Number(process.env['TRUSTLINE_FUZZ_SEED'] ?? 20261129);
const LONG = process.env['TRUSTLINE_FUZZ_RUNS'] !== undefined;
const TEMPLATE_RUNS = Number(process.env['TRUSTLINE_FUZZ_TEMPLATE_RUNS'] ?? Math.ceil(RUNS / 3));
const reports: FuzzReport[] = [];

function record(r: FuzzReport): FuzzReport {
  reports.push(r);
  const out = process.env['TRUSTLINE_FUZZ_REPORT'];
  if (out) writeFileSync(out, JSON.stringify({ seed: SEED, reports }, null, 2) + '\n');
  return r;
}

describe(`ARM fuzzing (seed ${SEED}, ${RUNS} inputs per target)`, () => {
  it('expressions: no uncoded error, no internal error (long run: no input above 1 s)', () => {
    const r = record(fuzzExpressions(RUNS, SEED));
    expect(r.inputs).toBe(RUNS);
    expect(r.failures).toEqual([]);
    if (LONG) expect(r.slow).toEqual([]);
  }, Math.max(60_000, RUNS * 50));

  it('template loader and deployment: no uncoded error, no internal error (long run: no input above 1 s)', () => {
    const r = record(fuzzTemplates(TEMPLATE_RUNS, SEED));
    expect(r.failures).toEqual([]);
    if (LONG) expect(r.slow).toEqual([]);
  }, Math.max(60_000, TEMPLATE_RUNS * 500));
});
