import { PROTECTED_HEADERS, setHeader as put } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { onlyChildren, optional, required, str, valueChildren } from './util.js';

const ACTIONS = ['override', 'skip', 'append', 'delete'];

/** set-header: override | skip | append | delete on the request (inbound/backend) or response. */
export const setHeader: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'exists-action'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['value']);
    const name = required(cc, node, 'name');
    const action = optional(cc, node, 'exists-action');
    if (action && !action.isExpression && !ACTIONS.includes(action.literal)) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `exists-action must be one of ${ACTIONS.join(', ')}, not '${action.literal}'`);
    }
    const values = valueChildren(cc, node);
    const onResponse = cc.target === 'response';
    return {
      ...base,
      run(rc: RequestRun) {
        const headers = onResponse ? rc.response.headers : rc.request.headers;
        const n = str(name.get(rc));
        const key = n.toLowerCase();
        if (PROTECTED_HEADERS.has(key)) return;
        const act = action ? str(action.get(rc)).toLowerCase() : 'override';
        const vals = values.map((v) => str(v.get(rc)));
        const existing = headers.get(key);
        switch (act) {
          case 'override': put(headers, n, vals.length ? vals : ['']); break;
          case 'skip': if (!existing) put(headers, n, vals.length ? vals : ['']); break;
          case 'append': if (existing) existing.values.push(...vals); else put(headers, n, vals); break;
          case 'delete': headers.delete(key); break;
          default: throw new Error(`exists-action '${act}' is not valid`);
        }
      },
    };
  },
};
