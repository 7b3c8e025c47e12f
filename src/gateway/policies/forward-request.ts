import { HOP_BY_HOP } from '../../core/index.js';
import { urlToString } from '../expressions/host.js';
import { PolicyError, STATUS_REASONS } from '../pipeline/errors.js';
import { addHeader, NOT_FORWARDED, setListed, toOutgoingList } from '../pipeline/headers.js';
import { detachedBody, type RequestRun } from '../pipeline/request-run.js';
import type { DecisionBackend } from '../pipeline/decision.js';
import { readTokenUsage } from './token-metric.js';
import type { PolicyDefinition } from './types.js';
import { literalBool, optional } from './util.js';

function hostHeader(rc: RequestRun): string {
  const u = rc.request.url;
  const def = u.scheme === 'https' ? 443 : 80;
  return u.port === def ? u.host : `${u.host}:${u.port}`;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Redirects followed at most (follow-redirects="true"). */
const MAX_REDIRECTS = 10;

/** The error code and message of a failed backend call (undici wraps the socket error in `cause`). */
export function failureCause(e: unknown): string {
  const err = e as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code;
  const msg = err.cause?.message && err.cause.message !== err.message ? `${err.message ?? ''} (${err.cause.message})` : err.message ?? String(e);
  return code ? `${code}: ${msg}` : msg;
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
    const followRedirects = literalBool(cc, node, 'follow-redirects', false);
    const bufferBody = literalBool(cc, node, 'buffer-request-body', false);
    return {
      ...base,
      async run(rc) {
        if (!rc.backendBase) {
          throw new PolicyError({ source: 'forward-request', reason: 'BackendConnectionFailure', message: 'The API has no backend service URL.' });
        }
        if (bufferBody || followRedirects) await rc.bufferBodies(true, false);
        // A flat list (undici and the in-process dispatch take it as it is), in the order of context.Request.Headers.
        const headers = toOutgoingList(rc.request.headers, NOT_FORWARDED);
        setListed(headers, 'host', hostHeader(rc));
        const xff = rc.request.headers.get('x-forwarded-for');
        setListed(headers, 'x-forwarded-for', xff ? `${xff.values.join(',')}, ${rc.request.ipAddress}` : rc.request.ipAddress);
        const b = rc.requestBody;
        let body: string | NonNullable<Parameters<RequestRun['services']['httpClient']['request']>[1]>['body'] = null;
        if (b.kind === 'text') {
          body = b.text;
          setListed(headers, 'content-length', String(Buffer.byteLength(b.text)));
        } else if (b.kind === 'stream') body = b.stream === rc.req ? detachedBody(rc.req) : b.stream;
        const target = urlToString(rc.request.url);
        // Each call its own record (a followed redirect adds one): the status it answered and how long it took.
        let record: DecisionBackend = { method: rc.request.method, url: target };
        rc.decision.backend.push(record);
        let sentAt = rc.elapsed();
        let res;
        try {
          res = await rc.services.httpClient.request(target, {
            method: rc.request.method, headers, body, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs,
            ...(rc.clientCertificate ? { clientCertificate: rc.clientCertificate } : {}), ...(rc.proxy ? { proxy: rc.proxy } : {}),
          });
        } catch (e) {
          const cause = failureCause(e);
          record.error = cause;
          record.ms = rc.elapsed() - sentAt;
          rc.services.logger.warn(`backend ${rc.request.method} ${target} failed: ${cause}`, { requestId: rc.requestId });
          if (cause.startsWith('UND_ERR_HEADERS_TIMEOUT') || cause.startsWith('UND_ERR_BODY_TIMEOUT')) {
            throw new PolicyError({ source: 'forward-request', reason: 'Timeout', message: `Request to the backend service timed out after ${timeoutMs} ms.` });
          }
          throw new PolicyError({
            source: 'forward-request', reason: 'BackendConnectionFailure',
            message: `The backend service could not be reached: ${cause}`,
          });
        }
        for (let hop = 0; followRedirects && REDIRECTS.has(res.statusCode) && hop < MAX_REDIRECTS; hop++) {
          const location = res.headers.location;
          if (typeof location !== 'string') break;
          // A relative Location is relative to the URL that answered it (the last hop's).
          const next = new URL(location, record.url).toString();
          res.body.resume();
          const method = res.statusCode === 303 ? 'GET' : rc.request.method;
          const nextBody = method === 'GET' && res.statusCode === 303 ? null : body;
          const nextHeaders: string[] = [];
          for (let i = 0; i < headers.length; i += 2) if (nextBody !== null || headers[i] !== 'content-length') nextHeaders.push(headers[i]!, headers[i + 1]!);
          setListed(nextHeaders, 'host', new URL(next).host);
          record.status = res.statusCode;
          record.ms = rc.elapsed() - sentAt;
          record = { method, url: next };
          rc.decision.backend.push(record);
          sentAt = rc.elapsed();
          try {
            res = await rc.services.httpClient.request(next, {
              method, headers: nextHeaders, body: nextBody, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs,
              ...(rc.clientCertificate ? { clientCertificate: rc.clientCertificate } : {}), ...(rc.proxy ? { proxy: rc.proxy } : {}),
            });
          } catch (e) {
            record.error = failureCause(e);
            record.ms = rc.elapsed() - sentAt;
            throw new PolicyError({ source: 'forward-request', reason: 'BackendConnectionFailure', message: `The backend service could not be reached: ${record.error}` });
          }
        }
        record.status = res.statusCode;
        record.ms = rc.elapsed() - sentAt;
        rc.note(`${rc.request.method} ${target} → ${res.statusCode}`);
        if (res.statusCode >= 500) {
          rc.services.logger.warn(`backend ${rc.request.method} ${target} answered ${res.statusCode}`, { requestId: rc.requestId });
        }
        rc.response.statusCode = res.statusCode;
        rc.response.statusReason = STATUS_REASONS[res.statusCode] ?? '';
        // The answer's headers (node's lower-case names) straight into context.Response, hop-by-hop ones left out.
        const out = rc.response.headers;
        out.clear();
        const given = res.headers;
        for (const k in given) {
          const v = given[k];
          if (v === undefined || HOP_BY_HOP.has(k)) continue;
          if (typeof v === 'string') addHeader(out, k, v);
          else for (const x of v) addHeader(out, k, x);
        }
        rc.responseBody = { kind: 'stream', stream: res.body };
        rc.forwarded = true;
        if (rc.wantsTokenUsage) await readTokenUsage(rc);
        if (failOnError && res.statusCode >= 400) {
          throw new PolicyError({ source: 'forward-request', reason: 'BackendErrorStatusCode', message: `The backend answered ${res.statusCode}.`, statusCode: res.statusCode });
        }
      },
    };
  },
};
