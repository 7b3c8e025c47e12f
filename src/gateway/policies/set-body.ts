import { drain } from '../pipeline/body.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { str } from './util.js';

/** set-body: text or expression result (its ToString()) replaces the request or response body. */
export const setBody: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['template', 'xsi-nil', 'parse-date'],
  compile(node, cc, base) {
    if (node.attrs.template !== undefined) {
      cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, `set-body template="${node.attrs.template}" is not supported`);
    }
    if (node.children.length > 0) cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, 'set-body with markup content is only supported for liquid templates');
    const value = cc.value(node, node.text, 'body') ?? { isExpression: false, literal: '', get: () => '' };
    const onResponse = cc.target === 'response';
    return {
      ...base,
      run(rc: RequestRun) {
        const text = str(value.get(rc));
        if (onResponse) { drain(rc.responseBody); rc.responseBody = { kind: 'text', text }; } else { drain(rc.requestBody); rc.requestBody = { kind: 'text', text }; }
      },
    };
  },
};
