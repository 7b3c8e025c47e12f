import { TwinError } from '../../core/index.js';
import { bufferBody, drain } from '../pipeline/body.js';
import { PolicyError } from '../pipeline/errors.js';
import type { RequestRun } from '../pipeline/request-run.js';
import { compileLiquid, renderLiquid } from './liquid.js';
import type { PolicyDefinition } from './types.js';
import { literalBool, str } from './util.js';

/**
 * set-body (docs/behaviour/apim.md §2): text or an expression's result (its ToString()) replaces the request or
 * response body; `template="liquid"` renders the element's content (markup included) as a Liquid template over
 * the current body (liquid.ts), parsed when the policy loads.
 */
export const setBody: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['template', 'xsi-nil', 'parse-date'],
  compile(node, cc, base) {
    const onResponse = cc.target === 'response';
    const template = node.attrs.template;
    const xsiNil = node.attrs['xsi-nil'] ?? 'blank';
    if (xsiNil !== 'blank' && xsiNil !== 'null') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `xsi-nil must be blank or null, not '${xsiNil}'`);
    const parseDate = literalBool(cc, node, 'parse-date', true);
    // `none` is the plain mode spelled out: Learn names only `liquid`, but APIM exports `template="none"` (an APIOps
    // extract of a live service holds one; docs/behaviour/apim.md §2), so it saves and runs it as a plain body.
    if (template !== undefined && template !== 'none') {
      if (template !== 'liquid') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `template must be 'liquid' or 'none', not '${template}'`);
      let tpl;
      try {
        tpl = compileLiquid(node.innerXml);
      } catch (e) {
        throw cc.error(e instanceof TwinError ? e.code : 'ERR_APIM_LIQUID_SYNTAX', node, (e as Error).message);
      }
      return {
        ...base,
        async run(rc: RequestRun) {
          const current = onResponse ? rc.responseBody : rc.requestBody;
          const buffered = await bufferBody(current, onResponse ? 'response' : 'request');
          const headers = onResponse ? rc.response.headers : rc.request.headers;
          let text: string;
          try {
            text = renderLiquid(tpl, {
              body: buffered.kind === 'text' ? buffered.text : '',
              contentType: headers.get('content-type')?.values[0] ?? '',
              parseDate, xsiNil: xsiNil as 'blank' | 'null', nowMs: rc.clock.now(),
              request: rc.request, response: rc.forwarded || onResponse ? rc.response : null,
            });
          } catch (e) {
            throw new PolicyError({ source: 'set-body', reason: 'LiquidTemplateRenderFailure', message: `The Liquid template failed to render: ${(e as Error).message}` });
          }
          if (onResponse) rc.responseBody = { kind: 'text', text };
          else rc.requestBody = { kind: 'text', text };
          rc.note(`liquid: ${text.length} characters`);
        },
      };
    }
    if (node.children.length > 0) cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, 'set-body holds markup: only template="liquid" bodies may');
    const value = cc.value(node, node.text, 'body') ?? { isExpression: false, literal: '', get: () => '' };
    return {
      ...base,
      run(rc: RequestRun) {
        const text = str(value.get(rc));
        if (onResponse) { drain(rc.responseBody); rc.responseBody = { kind: 'text', text }; } else { drain(rc.requestBody); rc.requestBody = { kind: 'text', text }; }
      },
    };
  },
};
