import { replaceQueryValues } from '../pipeline/query-string.js';
import type { PolicyDefinition } from './types.js';
import { onlyChildren, optional, required, str, valueChildren } from './util.js';

/**
 * set-query-parameter: same four actions as set-header on `context.Request.Url.Query`, a dictionary (name → values):
 * `override` sets the name's values where the name stands, `append`/`skip` add to them (docs/behaviour/apim.md §1.7).
 */
export const setQueryParameter: PolicyDefinition = {
  sections: ['inbound', 'backend'],
  attributes: ['name', 'exists-action'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['value']);
    const name = required(cc, node, 'name');
    const action = optional(cc, node, 'exists-action');
    const values = valueChildren(cc, node);
    return {
      ...base,
      run(rc) {
        const n = str(name.get(rc));
        const act = action ? str(action.get(rc)).toLowerCase() : 'override';
        const vals = values.map((v) => str(v.get(rc)));
        const q = rc.request.url.query;
        const exists = q.some(([k]) => k === n);
        const without = () => q.filter(([k]) => k !== n);
        switch (act) {
          case 'override': rc.request.url.query = replaceQueryValues(q, n, vals); break;
          case 'skip': if (!exists) q.push(...vals.map((v) => [n, v] as [string, string])); break;
          case 'append': q.push(...vals.map((v) => [n, v] as [string, string])); break;
          case 'delete': rc.request.url.query = without(); break;
          default: throw new Error(`exists-action '${act}' is not valid`);
        }
      },
    };
  },
};
