import type { PolicyDefinition } from './types.js';
import { str } from './util.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** set-method: the request's HTTP method (text or expression), e.g. before a send-request or in on-error. */
export const setMethod: PolicyDefinition = {
  sections: ['inbound', 'on-error'],
  attributes: [],
  compile(node, cc, base) {
    const v = cc.value(node, node.text.trim() === '' ? undefined : node.text, 'the method');
    if (!v) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, '<set-method> needs the method as its text');
    if (!v.isExpression && !TOKEN.test(v.literal.trim())) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `'${v.literal.trim()}' is not an HTTP method`);
    return {
      ...base,
      run(rc) {
        const m = str(v.get(rc)).trim().toUpperCase();
        if (!TOKEN.test(m)) throw new Error(`'${m}' is not an HTTP method`);
        rc.request.method = m;
        rc.note(`method ${m}`);
      },
    };
  },
};
