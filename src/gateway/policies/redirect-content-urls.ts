import { urlToString } from '../expressions/host.js';
import { bufferBody } from '../pipeline/body.js';
import type { PolicyDefinition } from './types.js';

/**
 * redirect-content-urls (inbound, outbound; docs/behaviour/apim.md §2): in outbound, links to the API's backend
 * (its service URL) in the response body become the same links through the gateway (`scheme://host/api-path`, as the
 * client called it); in inbound the opposite, in the request body [doc]. Ordinal text replacement of the base URL,
 * without a trailing slash. No attributes.
 */
export const redirectContentUrls: PolicyDefinition = {
  sections: ['inbound', 'outbound'],
  attributes: [],
  compile(node, cc, base) {
    for (const c of node.children) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, '<redirect-content-urls> has no child elements');
    const outbound = cc.section === 'outbound';
    return {
      ...base,
      async run(rc) {
        const service = rc.api.serviceUrl;
        if (!service) { rc.note('the API has no service URL: nothing to rewrite'); return; }
        const backend = urlToString({ ...service, query: [] }).replace(/\/+$/, '');
        const o = rc.request.originalUrl;
        const gateway = urlToString({ scheme: o.scheme, host: o.host, port: o.port, path: rc.api.path ? `/${rc.api.path.replace(/^\/+|\/+$/g, '')}` : '', query: [] }).replace(/\/+$/, '');
        const [from, to] = outbound ? [backend, gateway] : [gateway, backend];
        const b = await bufferBody(outbound ? rc.responseBody : rc.requestBody, outbound ? 'response' : 'request');
        if (b.kind !== 'text' || from === to) { if (outbound) rc.responseBody = b; else rc.requestBody = b; return; }
        const text = b.text.split(from).join(to);
        if (outbound) rc.responseBody = { kind: 'text', text }; else rc.requestBody = { kind: 'text', text };
        rc.note(`${from} → ${to}`);
      },
    };
  },
};
