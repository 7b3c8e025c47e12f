import { bufferBody } from '../pipeline/body.js';
import type { PolicyDefinition } from './types.js';
import { required, str } from './util.js';

/** find-and-replace: every occurrence of `from` in the request (inbound, backend) or response body becomes `to`. */
export const findAndReplace: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['from', 'to'],
  compile(node, cc, base) {
    const from = required(cc, node, 'from');
    const to = required(cc, node, 'to');
    const onResponse = cc.target === 'response';
    return {
      ...base,
      async run(rc) {
        const f = str(from.get(rc));
        const t = str(to.get(rc));
        const b = await bufferBody(onResponse ? rc.responseBody : rc.requestBody, onResponse ? 'response' : 'request');
        if (b.kind !== 'text' || f === '') { if (onResponse) rc.responseBody = b; else rc.requestBody = b; return; }
        const replaced = { kind: 'text' as const, text: b.text.split(f).join(t) };
        if (onResponse) rc.responseBody = replaced; else rc.requestBody = replaced;
      },
    };
  },
};
