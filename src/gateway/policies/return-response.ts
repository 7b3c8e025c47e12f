import { HOP_BY_HOP } from '../../core/index.js';
import { PolicyError } from '../pipeline/errors.js';
import { asStoredResponse } from './send-request.js';
import type { PolicyDefinition } from './types.js';
import { onlyChildren } from './util.js';
import { runSteps } from './run-steps.js';
import { drain } from '../pipeline/body.js';

/** return-response: a fresh 200 response shaped by child set-status/set-header/set-body; ends the pipeline. */
export const returnResponse: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['response-variable-name'],
  compile(node, cc, base) {
    const variable = node.attrs['response-variable-name'];
    if (variable !== undefined && /^\s*@[({]/.test(variable)) throw cc.error('ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED', node, "Expressions are not allowed in attribute 'response-variable-name' of <return-response>");
    onlyChildren(cc, node, ['set-status', 'set-header', 'set-body']);
    const steps = cc.children(node.children, base.path, 'response');
    return {
      ...base,
      async run(rc) {
        drain(rc.responseBody);
        rc.response.headers.clear();
        const stored = variable !== undefined ? rc.variables.get(variable) : undefined;
        const from = asStoredResponse(stored);
        if (variable !== undefined && !from) {
          throw new PolicyError({ source: 'return-response', reason: 'ExpressionValueEvaluationFailure', message: `Variable '${variable}' does not hold a response (IResponse).` });
        }
        if (from) {
          // Start from the stored response (usually a send-request's), then apply the children.
          rc.response.statusCode = from.statusCode;
          rc.response.statusReason = from.statusReason;
          for (const [k, e] of from.headers) if (!HOP_BY_HOP.has(k)) rc.response.headers.set(k, { name: e.name, values: [...e.values] });
          rc.responseBody = from.text === '' ? { kind: 'none' } : { kind: 'text', text: from.text };
        } else {
          rc.response.statusCode = 200;
          rc.response.statusReason = 'OK';
          rc.responseBody = { kind: 'none' };
        }
        await runSteps(steps, rc);
        rc.terminated = true;
      },
    };
  },
};
