import { PolicyError } from '../pipeline/errors.js';
import type { PolicyDefinition } from './types.js';
import { boolOf, onlyChildren, required, str, valueChildren } from './util.js';

/** check-header: presence and (any of) allowed values; failure answers the configured status + message. */
export const checkHeader: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['name', 'failed-check-httpcode', 'failed-check-error-message', 'ignore-case'],
  compile(node, cc, base) {
    onlyChildren(cc, node, ['value']);
    const name = required(cc, node, 'name');
    const code = required(cc, node, 'failed-check-httpcode');
    const message = required(cc, node, 'failed-check-error-message');
    const ignoreCase = required(cc, node, 'ignore-case');
    const values = valueChildren(cc, node);
    return {
      ...base,
      run(rc) {
        const n = str(name.get(rc));
        const fail = (reason: string) => {
          const status = Number(str(code.get(rc)));
          const msg = str(message.get(rc));
          return new PolicyError({ source: 'check-header', reason, message: msg, statusCode: status, responseMessage: msg });
        };
        const h = rc.request.headers.get(n.toLowerCase());
        if (!h) throw fail('HeaderNotFound');
        if (values.length === 0) return;
        const ic = boolOf(ignoreCase, rc, false);
        const allowed = values.map((v) => (ic ? str(v.get(rc)).toLowerCase() : str(v.get(rc))));
        const actual = h.values.join(',');
        if (!allowed.includes(ic ? actual.toLowerCase() : actual)) throw fail('HeaderValueNotAllowed');
      },
    };
  },
};
