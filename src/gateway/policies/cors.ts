import type { PolicyNode } from '../policy/xml.js';
import { setHeader } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { CompileContext, PolicyDefinition } from './types.js';
import { literalBool } from './util.js';

function list(cc: CompileContext, node: PolicyNode, parent: string, child: string): string[] | undefined {
  const p = node.children.find((c) => c.name === parent);
  if (!p) return undefined;
  return p.children.map((c) => {
    if (c.name !== child) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <${parent}>`);
    const t = c.text.trim();
    if (/^@[({]/.test(t)) throw cc.error('ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED', c, `Expressions are not allowed in <${child}>`);
    return t;
  });
}

/**
 * An origin as the policy page writes it: `*` or scheme://host[:port], with or without a trailing slash — Learn's
 * own cors example lists `http://localhost:8080/` and `http://example.com/`, and APIOps extracts of live services
 * hold such origins (docs/behaviour/apim.md §2). The slash is not part of the origin a browser sends.
 */
const ORIGIN = /^(\*|https?:\/\/[^/\s]+)\/?$/i;

/**
 * cors (docs/behaviour/apim.md §2): a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
 * 200 by the gateway with the Access-Control-* headers and nothing else runs; an actual request with
 * an allowed Origin gets Access-Control-Allow-Origin (+ credentials, exposed headers) on its answer.
 * An unmatched preflight ends with an empty 200 when terminate-unmatched-request is true (default).
 */
export const cors: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['allow-credentials', 'terminate-unmatched-request'],
  compile(node, cc, base) {
    for (const c of node.children) {
      if (!['allowed-origins', 'allowed-methods', 'allowed-headers', 'expose-headers'].includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <cors>`);
    }
    const credentials = literalBool(cc, node, 'allow-credentials', false);
    const terminate = literalBool(cc, node, 'terminate-unmatched-request', true);
    const origins = list(cc, node, 'allowed-origins', 'origin')?.map((o) => (o.length > 1 && o.endsWith('/') && !o.endsWith('//') ? o.slice(0, -1) : o));
    if (!origins || origins.length === 0) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, '<cors> needs <allowed-origins> with at least one <origin>');
    for (const o of origins) if (!ORIGIN.test(o)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `'${o}' is not an origin (* or scheme://host[:port], optionally with a trailing slash)`);
    if (credentials && origins.includes('*')) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "allow-credentials=\"true\" cannot be used with the origin '*'");
    const methods = list(cc, node, 'allowed-methods', 'method') ?? ['GET', 'POST'];
    const maxAge = node.children.find((c) => c.name === 'allowed-methods')?.attrs['preflight-result-max-age'];
    const headers = list(cc, node, 'allowed-headers', 'header') ?? [];
    const expose = list(cc, node, 'expose-headers', 'header') ?? [];
    const originAllowed = (o: string) => origins.includes('*') || origins.some((x) => x.toLowerCase() === o.toLowerCase());
    const allowOrigin = (o: string) => (origins.includes('*') && !credentials ? '*' : o);
    return {
      ...base,
      run(rc: RequestRun) {
        const origin = rc.request.headers.get('origin')?.values[0];
        if (!origin) return;
        const requestedMethod = rc.request.headers.get('access-control-request-method')?.values[0];
        const preflight = rc.request.method === 'OPTIONS' && requestedMethod !== undefined;
        if (!preflight) {
          if (!originAllowed(origin)) { rc.note(`origin ${origin} not allowed`); return; }
          rc.pendingResponseHeaders.push(['Access-Control-Allow-Origin', allowOrigin(origin)]);
          if (credentials) rc.pendingResponseHeaders.push(['Access-Control-Allow-Credentials', 'true']);
          if (expose.length) rc.pendingResponseHeaders.push(['Access-Control-Expose-Headers', expose.join(',')]);
          if (!origins.includes('*') || credentials) rc.pendingResponseHeaders.push(['Vary', 'Origin']);
          rc.note(`origin ${origin} allowed`);
          return;
        }
        const requested = (rc.request.headers.get('access-control-request-headers')?.values.join(',') ?? '')
          .split(',').map((h) => h.trim()).filter(Boolean);
        const methodOk = methods.includes('*') || methods.some((m) => m.toUpperCase() === requestedMethod.toUpperCase());
        const headersOk = headers.includes('*') || requested.every((h) => headers.some((x) => x.toLowerCase() === h.toLowerCase()));
        const ok = originAllowed(origin) && methodOk && headersOk;
        if (!ok && !terminate) { rc.note('preflight not matched: the pipeline goes on'); return; }
        rc.response.statusCode = 200;
        rc.response.statusReason = 'OK';
        rc.response.headers.clear();
        rc.responseBody = { kind: 'none' };
        if (ok) {
          const h = rc.response.headers;
          setHeader(h, 'Access-Control-Allow-Origin', [allowOrigin(origin)]);
          if (credentials) setHeader(h, 'Access-Control-Allow-Credentials', ['true']);
          setHeader(h, 'Access-Control-Allow-Methods', [methods.includes('*') ? requestedMethod : methods.join(',')]);
          if (requested.length) setHeader(h, 'Access-Control-Allow-Headers', [headers.includes('*') ? requested.join(',') : requested.join(',')]);
          if (maxAge !== undefined) setHeader(h, 'Access-Control-Max-Age', [maxAge]);
        }
        rc.note(ok ? `preflight from ${origin} answered` : `preflight from ${origin} not matched: empty 200`);
        rc.terminated = true;
      },
    };
  },
};
