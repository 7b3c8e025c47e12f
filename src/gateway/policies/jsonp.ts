import { bufferBody } from '../pipeline/body.js';
import { PolicyError } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { PolicyDefinition } from './types.js';
import { required, str } from './util.js';

/** A callback a browser can call: dotted JavaScript identifiers (nothing that could inject script). */
const CALLBACK = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*$/;

/**
 * jsonp (outbound; docs/behaviour/apim.md §2): when the client's query carries `callback-parameter-name` (compared
 * without case), the response body becomes `callback(body);` with Content-Type `application/javascript`
 * [doc example; tk]; without it the response is unchanged. A callback value that is not a dotted JavaScript
 * identifier is refused: LastError Reason `CallbackParameterInvalid` [doc], 400
 * `{statusCode, message}` (the status and message are the twin's [?]).
 */
export const jsonp: PolicyDefinition = {
  sections: ['outbound'],
  attributes: ['callback-parameter-name'],
  compile(node, cc, base) {
    const param = required(cc, node, 'callback-parameter-name');
    if (node.children.length) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', node.children[0]!, '<jsonp> has no child elements');
    return {
      ...base,
      async run(rc) {
        const name = str(param.get(rc)).toLowerCase();
        const found = rc.request.originalUrl.query.find(([k]) => k.toLowerCase() === name);
        if (!found) { rc.note(`no '${name}' query parameter: plain response`); return; }
        const callback = found[1].trim();
        if (!CALLBACK.test(callback)) {
          const message = `The '${found[0]}' callback parameter value is invalid.`;
          throw new PolicyError({ source: 'jsonp', reason: 'CallbackParameterInvalid', message, statusCode: 400, responseMessage: message });
        }
        const b = await bufferBody(rc.responseBody, 'response');
        const text = b.kind === 'text' ? b.text : '';
        rc.responseBody = { kind: 'text', text: `${callback}(${text});` };
        setHeader(rc.response.headers, 'Content-Type', ['application/javascript']);
        rc.note(`wrapped in ${callback}(…)`);
      },
    };
  },
};
