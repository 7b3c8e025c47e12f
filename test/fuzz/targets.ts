import { isTwinError } from '../../src/core/index.js';
import { compileExpression, loadPolicyDocument } from '../../src/gateway/index.js';
import { ExpressionRuntimeError } from '../../src/gateway/expressions/values.js';
import { fakeContext } from '../gateway/expression-context.js';

/**
 * What one fuzz input did. `bug` is a finding: an error that escaped without a code, or the INTERNAL code (a twin
 * defect caught at the boundary). `rejected`/`threw` are the expected outcomes for bad input.
 */
export type Outcome =
  | { kind: 'ok' }
  | { kind: 'rejected'; code: string }
  | { kind: 'threw'; code: string }
  | { kind: 'bug'; error: string };

function classify(e: unknown, kind: 'rejected' | 'threw'): Outcome {
  if (isTwinError(e) && e.code !== 'ERR_APIM_EXPRESSION_INTERNAL') return { kind, code: e.code };
  const err = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  return { kind: 'bug', error: isTwinError(e) ? `${e.code}: ${err}` : err };
}

const context = fakeContext({
  variables: { s: 'text', n: 5, b: true, list: ['a', 'b'] },
  headers: [['Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'], ['Accept', 'application/json']],
  subscription: true,
});

/** Compile one expression source and, when it compiles, evaluate it against a realistic context. */
export function checkExpression(source: string): Outcome {
  let compiled;
  try {
    compiled = compileExpression(source);
  } catch (e) {
    return classify(e, 'rejected');
  }
  try {
    compiled.evaluate(context);
    return { kind: 'ok' };
  } catch (e) {
    if (!(e instanceof ExpressionRuntimeError)) return { kind: 'bug', error: `evaluation threw a non-runtime error: ${String(e)}` };
    return classify(e, 'threw');
  }
}

/** Load one policy document in strict and in loose mode. */
export function checkPolicy(xml: string): Outcome {
  let last: Outcome = { kind: 'ok' };
  for (const loose of [false, true]) {
    try {
      loadPolicyDocument(xml, { loose, file: 'fuzz.xml', namedValues: { nv: 'value', expr: '@(1 + 1)' } });
    } catch (e) {
      const o = classify(e, 'rejected');
      if (o.kind === 'bug') return o;
      last = o;
    }
  }
  return last;
}
