import { HOP_BY_HOP } from '../../core/index.js';
import { urlToString } from '../expressions/host.js';
import { PolicyError, STATUS_REASONS } from '../pipeline/errors.js';
import { headerMapFromNode, toOutgoing } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyDefinition } from './types.js';
import { literalBool, optional } from './util.js';

function hostHeader(rc: RequestRun): string {
  const u = rc.request.url;
  const def = u.scheme === 'https' ? 443 : 80;
  return u.port === def ? u.host : `${u.host}:${u.port}`;
}

/** forward-request: sends context.Request through the HttpClient; the answer (streamed) fills context.Response. */
export const forwardRequest: PolicyDefinition = {
  sections: ['backend'],
  attributes: ['timeout', 'timeout-ms', 'continue-timeout', 'http-version', 'follow-redirects', 'buffer-request-body', 'buffer-response', 'fail-on-error-status-code'],
  compile(node, cc, base) {
    const t = optional(cc, node, 'timeout', false)?.literal;
    const tms = optional(cc, node, 'timeout-ms', false)?.literal;
    if (t !== undefined && tms !== undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, 'Use either timeout or timeout-ms, not both');
    const timeoutMs = tms !== undefined ? Number(tms) : t !== undefined ? Number(t) * 1000 : 300_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `Invalid timeout '${t ?? tms}'`);
    const failOnError = literalBool(cc, node, 'fail-on-error-status-code', false);
    if (literalBool(cc, node, 'follow-redirects', false)) cc.problem('ERR_APIM_POLICY_UNSUPPORTED', node, 'follow-redirects="true" is not supported');
    return {
      ...base,
      async run(rc) {
        if (!rc.backendBase) {
          throw new PolicyError({ source: 'forward-request', reason: 'BackendConnectionFailure', message: 'The API has no backend service URL.' });
        }
        const headers = toOutgoing(rc.request.headers);
        headers.host = hostHeader(rc);
        const xff = rc.request.headers.get('x-forwarded-for');
        headers['x-forwarded-for'] = xff ? `${xff.values.join(',')}, ${rc.request.ipAddress}` : rc.request.ipAddress;
        const b = rc.requestBody;
        let body: string | NonNullable<Parameters<RequestRun['services']['httpClient']['request']>[1]>['body'] = null;
        if (b.kind === 'text') {
          body = b.text;
          headers['content-length'] = String(Buffer.byteLength(b.text));
        } else if (b.kind === 'stream') body = b.stream;
        let res;
        try {
          res = await rc.services.httpClient.request(urlToString(rc.request.url), {
            method: rc.request.method, headers, body, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs,
          });
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
            throw new PolicyError({ source: 'forward-request', reason: 'Timeout', message: `Request to the backend service timed out after ${timeoutMs} ms.` });
          }
          throw new PolicyError({
            source: 'forward-request', reason: 'BackendConnectionFailure',
            message: `The backend service could not be reached: ${(e as Error).message}`,
          });
        }
        const h = headerMapFromNode(res.headers);
        for (const k of HOP_BY_HOP) h.delete(k);
        rc.response.statusCode = res.statusCode;
        rc.response.statusReason = STATUS_REASONS[res.statusCode] ?? '';
        rc.response.headers.clear();
        for (const [k, v] of h) rc.response.headers.set(k, v);
        rc.responseBody = { kind: 'stream', stream: res.body };
        rc.forwarded = true;
        if (failOnError && res.statusCode >= 400) {
          throw new PolicyError({ source: 'forward-request', reason: 'BackendErrorStatusCode', message: `The backend answered ${res.statusCode}.`, statusCode: res.statusCode });
        }
      },
    };
  },
};
