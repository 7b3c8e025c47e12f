import type { PolicyDefinition } from './types.js';

/**
 * `<base/>`: replaced at composition time by the same section of the parent scope (docs/behaviour/apim.md §1.3);
 * the loader handles it before any step is compiled, so this definition only declares where it may stand.
 */
export const basePolicy: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: [],
  compile(_node, _cc, base) {
    return { ...base, run() { /* substituted at composition */ } };
  },
};
