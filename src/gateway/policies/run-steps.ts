import { ExpressionRuntimeError } from '../expressions/values.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { Step } from './types.js';

/** A failure tagged with the step it happened in (for LastError). */
export class StepFailure extends Error {
  constructor(readonly step: Step, readonly error: PolicyError) {
    super(error.message);
    this.name = 'StepFailure';
  }
}

/** Run steps in order until one ends the pipeline; failures become StepFailure. */
export async function runSteps(steps: readonly Step[], rc: RequestRun): Promise<void> {
  for (const s of steps) {
    if (rc.terminated) return;
    try {
      const r = s.run(rc);
      if (r) await r;
    } catch (e) {
      if (e instanceof StepFailure) throw e;
      throw new StepFailure(s, toPolicyError(s, e));
    }
  }
}

export function toPolicyError(s: Step, e: unknown): PolicyError {
  if (e instanceof PolicyError) return e;
  if (e instanceof ExpressionRuntimeError) {
    return new PolicyError({ source: s.name, reason: 'ExpressionValueEvaluationFailure', message: `Expression evaluation failed. ${e.message}` });
  }
  return new PolicyError({ source: s.name, reason: 'PolicyExecutionFailure', message: e instanceof Error ? e.message : String(e) });
}
