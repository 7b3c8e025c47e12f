import type { PolicyDefinition } from './types.js';
import { actionOf, compileAction, errorsVariable, INTERNAL_PUBLIC, ValidationRun, type Action } from './validation.js';

/**
 * validate-status-code (outbound, on-error; docs/behaviour/apim.md §2, validation policies): a response status the
 * operation does not declare (`responses[].statusCode`) is an error ("Response status code {code} is not
 * allowed.", 502 with Learn's internal-error message under `prevent`). `<status-code code action>` overrides the
 * action for one undeclared code; for a declared code it has no effect. [doc]
 */
export const validateStatusCode: PolicyDefinition = {
  sections: ['outbound', 'on-error'],
  attributes: ['unspecified-status-code-action', 'errors-variable-name'],
  compile(node, cc, base) {
    const unspecified = compileAction(cc, node, 'unspecified-status-code-action', true, true)!;
    const errorsVar = errorsVariable(cc, node);
    const codes = node.children.map((c) => {
      if (c.name !== 'status-code') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <validate-status-code>`);
      const code = Number(c.attrs.code);
      if (!Number.isInteger(code) || code < 100 || code > 599) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `<status-code> needs an HTTP status in 'code', not '${c.attrs.code ?? ''}'`);
      return { code, action: compileAction(cc, c, 'action', true, true)! };
    });
    return {
      ...base,
      run(rc) {
        const v = new ValidationRun(rc, 'validate-status-code', errorsVar, false);
        const status = rc.response.statusCode;
        const declared = (rc.contract?.operation.responses ?? []).some((r) => r.statusCode === status);
        if (!declared) {
          const o = codes.find((c) => c.code === status);
          const action: Action = o ? actionOf(o.action, rc, 'ignore') : actionOf(unspecified, rc, 'ignore');
          v.add({ name: String(status), type: 'StatusCode', rule: 'Unspecified', details: `Response status code ${status} is not allowed.`, publicMessage: INTERNAL_PUBLIC }, action);
        }
        v.finish();
      },
    };
  },
};
