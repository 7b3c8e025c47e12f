import type { PolicyDefinition, ValueSource } from './types.js';
import { checkParameters, overrides } from './validate-parameters.js';
import { actionOf, compileAction, errorsVariable, ValidationRun } from './validation.js';

/**
 * validate-headers (outbound, on-error; docs/behaviour/apim.md §2, validation policies): the response's headers
 * against the headers the operation declares for the response's status code. `specified-header-action` /
 * `unspecified-header-action` (expressions allowed), `<header name action>` per name; a status the operation does
 * not declare has no specified headers. Errors answer 502 with Learn's internal-error message.
 */
export const validateHeaders: PolicyDefinition = {
  sections: ['outbound', 'on-error'],
  attributes: ['specified-header-action', 'unspecified-header-action', 'errors-variable-name'],
  compile(node, cc, base) {
    const specified = compileAction(cc, node, 'specified-header-action', true, true)!;
    const unspecified = compileAction(cc, node, 'unspecified-header-action', true, true)!;
    const errorsVar = errorsVariable(cc, node);
    const headers: Array<{ name: string; action: ValueSource }> = node.children.map((h) => {
      if (h.name !== 'header') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', h, `<${h.name}> is not allowed inside <validate-headers>`);
      if (!h.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', h, "<header> requires the attribute 'name'");
      return { name: h.attrs.name, action: compileAction(cc, h, 'action', true, true)! };
    });
    return {
      ...base,
      run(rc) {
        const v = new ValidationRun(rc, 'validate-headers', errorsVar, false);
        const sp = actionOf(specified, rc, 'ignore');
        const un = actionOf(unspecified, rc, 'ignore');
        const declared = rc.contract?.operation.responses?.find((r) => r.statusCode === rc.response.statusCode)?.headers ?? [];
        checkParameters(v, {
          kind: 'header', type: 'ResponseHeader', declared,
          actual: [...rc.response.headers.values()].map((h) => [h.name, h.values]),
          specified: (n) => overrides(rc, headers, n, true) ?? sp,
          unspecified: (n) => overrides(rc, headers, n, true) ?? un,
        });
        v.finish();
      },
    };
  },
};
