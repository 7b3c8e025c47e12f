import type { PolicyDefinition } from './types.js';
import { required } from './util.js';

/** set-variable: a literal is stored as a string, an expression as its value. */
export const setVariable: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'value'],
  compile(node, cc, base) {
    const name = required(cc, node, 'name', false).literal;
    const value = required(cc, node, 'value');
    return { ...base, run(rc) { rc.variables.set(name, value.get(rc)); } };
  },
};
