import { STATUS_REASONS } from '../pipeline/errors.js';
import type { PolicyDefinition } from './types.js';
import { optional, required, str } from './util.js';

/** set-status: sets context.Response status code and reason; does not end processing. */
export const setStatus: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['code', 'reason'],
  compile(node, cc, base) {
    const code = required(cc, node, 'code');
    const reason = optional(cc, node, 'reason');
    return {
      ...base,
      run(rc) {
        const c = Number(str(code.get(rc)));
        if (!Number.isInteger(c) || c < 100 || c > 999) throw new Error(`'${str(code.get(rc))}' is not a valid status code`);
        rc.response.statusCode = c;
        rc.response.statusReason = reason ? str(reason.get(rc)) : STATUS_REASONS[c] ?? '';
      },
    };
  },
};
