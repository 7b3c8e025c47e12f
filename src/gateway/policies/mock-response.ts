import { STATUS_REASONS } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { PolicyDefinition } from './types.js';
import { optional } from './util.js';
import { drain } from '../pipeline/body.js';

/** mock-response: answers status-code (default 200) with the operation's example for it (or an empty body) and stops. */
export const mockResponse: PolicyDefinition = {
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['status-code', 'content-type'],
  compile(node, cc, base) {
    const codeText = optional(cc, node, 'status-code', false)?.literal ?? '200';
    const code = Number(codeText);
    if (!Number.isInteger(code) || code < 100 || code > 999) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `status-code '${codeText}' is not a status code`);
    const contentType = optional(cc, node, 'content-type', false)?.literal;
    return {
      ...base,
      run(rc) {
        rc.response.statusCode = code;
        rc.response.statusReason = STATUS_REASONS[code] ?? '';
        rc.response.headers.clear();
        drain(rc.responseBody);
        // The operation's example for this status (and content type), else an empty body (docs/behaviour/apim.md §1.4 step 6).
        const ex = rc.examples.find((e) => e.status === code && (!contentType || e.contentType.toLowerCase() === contentType.toLowerCase()));
        const type = contentType ?? ex?.contentType;
        if (type) setHeader(rc.response.headers, 'Content-Type', [type]);
        rc.responseBody = ex ? { kind: 'text', text: ex.body } : { kind: 'none' };
        rc.note(ex ? `example ${code} ${ex.contentType}` : `${code} with an empty body (no example)`);
        rc.terminated = true;
      },
    };
  },
};
