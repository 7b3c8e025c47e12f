import { PolicyError } from '../pipeline/errors.js';
import type { PolicyDefinition } from './types.js';
import { required, str } from './util.js';
import { runSteps } from './run-steps.js';

/**
 * limit-concurrency (docs/behaviour/apim.md §2 "rest"): at most `max-count` requests with the same `key` run the child
 * policies at once; one more is refused with 429 (APIM queues none: "the policy returns 429").
 */
export const limitConcurrency: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'max-count'],
  compile(node, cc, base) {
    const key = required(cc, node, 'key');
    const maxText = required(cc, node, 'max-count', false).literal;
    const max = Number(maxText);
    if (!Number.isInteger(max) || max < 1) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `max-count must be a whole number from 1, not '${maxText}'`);
    const steps = cc.children(node.children, base.path);
    return {
      ...base,
      async run(rc) {
        const k = `${base.scope}|${base.path}|${str(key.get(rc))}`;
        const slots = rc.services.stores.concurrency;
        const n = slots.get(k) ?? 0;
        if (n >= max) {
          throw new PolicyError({ source: 'limit-concurrency', reason: 'ConcurrencyLimitExceeded', message: `More than ${max} concurrent requests for this key.`, statusCode: 429, responseMessage: 'Too many requests' });
        }
        slots.set(k, n + 1);
        try {
          await runSteps(steps, rc);
        } finally {
          const left = (slots.get(k) ?? 1) - 1;
          if (left <= 0) slots.delete(k); else slots.set(k, left);
        }
      },
    };
  },
};
