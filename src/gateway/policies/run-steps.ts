import { ExpressionRuntimeError } from '../expressions/values.js';
import type { DecisionStep } from '../pipeline/decision.js';
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

/** Run steps in order until one ends the pipeline; failures become StepFailure. Each step is recorded. */
export async function runSteps(steps: readonly Step[], rc: RequestRun): Promise<void> {
  for (const s of steps) {
    if (rc.terminated) return;
    if (rc.cacheLookup?.resumeAfterStore && rc.section === 'outbound') {
      // A cache hit: outbound goes on after cache-store (docs/behaviour/apim.md §2, cache-lookup); what stands before it is skipped.
      if (s.name === 'cache-store') { rc.cacheLookup.resumeAfterStore = false; continue; }
      if (!s.storesCache) continue;
    }
    const entry: DecisionStep = { section: rc.section, scope: s.scope, policy: s.name, path: s.path, outcome: 'ok', at: rc.elapsed() };
    if (s.id) entry.id = s.id;
    rc.decision.steps.push(entry);
    const outer = rc.currentStep;
    rc.currentStep = entry;
    try {
      if (s.before) await s.before(rc);
      const r = s.run(rc);
      if (r) await r;
    } catch (e) {
      if (e instanceof StepFailure) {
        entry.outcome = 'error';
        entry.detail ??= `in ${e.step.path}`;
        throw e;
      }
      const err = toPolicyError(s, e);
      entry.outcome = 'error';
      entry.detail = `${err.reason}: ${err.message}${err.hint ? ` (twin: ${err.hint})` : ''}`;
      if (err.traceMessages) entry.messages = err.traceMessages;
      if (err.hint) entry.hint = err.hint;
      throw new StepFailure(s, err);
    } finally {
      rc.currentStep = outer;
    }
    if (rc.terminated && entry.outcome === 'ok') {
      entry.outcome = 'ended';
      rc.answeredBy ??= `${s.name} (${rc.section} ${s.scope} ${s.path})`;
    }
  }
}

export function toPolicyError(s: Step, e: unknown): PolicyError {
  if (e instanceof PolicyError) return e;
  if (e instanceof ExpressionRuntimeError) {
    // As APIM reports it: LastError.Message "Expression evaluation failed. " and the .NET exception's message (Microsoft
    // Tech Community, "Troubleshooting 4xx and 5xx errors with Azure APIM services", part II: "ExpressionValueEvaluation
    // Failure: Expression evaluation failed. Object reference not set to an instance of an object."); the trace entry of
    // the policy holds {message, expression, details} and then that text (a published trace: connected-pawns.com,
    // 2020-04-29). .NET's stack trace, which APIM appends to `details`, the twin does not have.
    const message = `Expression evaluation failed. ${e.message}`;
    return new PolicyError({
      source: s.name, reason: 'ExpressionValueEvaluationFailure', message, hint: e.hint,
      traceMessages: [{ message: 'Expression evaluation failed.', expression: e.expression ?? '', details: e.message }, message],
    });
  }
  return new PolicyError({ source: s.name, reason: 'PolicyExecutionFailure', message: e instanceof Error ? e.message : String(e) });
}
