import type { PolicyDefinition } from './types.js';
import { runSteps } from './run-steps.js';

const ALLOWED = ['send-request', 'cache-lookup-value', 'choose'];

/**
 * wait (docs/behaviour/apim.md §2): its send-request, cache-lookup-value and choose children run in parallel; `for="all"`
 * (default) waits for every one, `for="any"` for the first (the others are not cancelled: they finish
 * in the background and their results are kept).
 */
export const wait: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound'],
  attributes: ['for'],
  compile(node, cc, base) {
    const mode = node.attrs.for ?? 'all';
    if (mode !== 'all' && mode !== 'any') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `for must be all or any, not '${mode}'`);
    for (const c of node.children) if (!ALLOWED.includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <wait> (only ${ALLOWED.join(', ')})`);
    const steps = cc.children(node.children, base.path);
    return {
      ...base,
      async run(rc) {
        const runs = steps.map((s) => runSteps([s], rc));
        if (mode === 'all') await Promise.all(runs);
        else {
          for (const p of runs) p.catch(() => undefined);
          await Promise.any(runs);
        }
      },
    };
  },
};
