import { urlToString, parseUrl, responseValue, type HeaderMap, type MessageBodyInfo, type ResponseInfo, type ResponseValue as HostResponseValue } from '../expressions/host.js';
import { ExpressionRuntimeError, type Value } from '../expressions/values.js';
import { readStream } from '../pipeline/body.js';
import { PolicyError, STATUS_REASONS } from '../pipeline/errors.js';
import { addHeader, headerMapFromNode, NOT_FORWARDED, setHeader as put, toOutgoing } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import { GATEWAY_LIMITS } from '../request-limits.js';
import { acquireToken } from './authentication-managed-identity.js';
import { compileCertificateSource } from './authentication-certificate.js';
import type { ClientCertificate } from '../pfx.js';
import { failureCause } from './forward-request.js';
import { compileProxy, type ProxySettings } from './proxy.js';
import type { PolicyDefinition, ValueSource } from './types.js';
import { literalBool, optional, required, str, valueChildren } from './util.js';

/**
 * The `IResponse` a send-request stores in its variable: the expression engine's response value
 * (`(IResponse)context.Variables["r"]` with `.StatusCode`, `.Headers`, `.Body.As<T>()`), plus the body
 * text, which return-response `response-variable-name` copies whatever expressions read.
 */
export interface StoredResponse extends ResponseInfo { readonly text: string }

export function storedResponse(statusCode: number, headers: HeaderMap, text: string): HostResponseValue {
  let consumed = false;
  const body: MessageBodyInfo = {
    get consumed() { return consumed; },
    read(preserve: boolean) {
      if (consumed) throw new ExpressionRuntimeError('InvalidOperationException', 'The message body has already been read and cannot be read again. Use preserveContent: true to read it more than once.');
      if (!preserve) consumed = true;
      return text;
    },
  };
  const data: StoredResponse = { statusCode, statusReason: STATUS_REASONS[statusCode] ?? '', headers, body: () => (consumed ? null : body), text };
  return responseValue(data);
}

/** The stored response of a variable, or undefined when it holds something else. */
export function asStoredResponse(v: Value | undefined): StoredResponse | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || (v as { $type?: string }).$type !== 'Response') return undefined;
  const data = (v as HostResponseValue).data as Partial<StoredResponse>;
  return typeof data.text === 'string' ? (data as StoredResponse) : undefined;
}

interface HeaderOp { name: ValueSource; action: string; values: ValueSource[] }

/**
 * send-request / send-one-way-request (docs/behaviour/apim.md §2): a side request built from set-url, set-method,
 * set-header, set-body (and authentication-managed-identity / -basic / -certificate and `proxy` inside it), `mode="copy"` starting
 * from the current request. The answer goes to `response-variable-name` as an IResponse; a failure
 * goes to on-error unless `ignore-error="true"` (the variable is then null). Timeout default 60 s.
 */
function compileSendRequest(oneWay: boolean): PolicyDefinition {
  return {
    sections: ['inbound', 'backend', 'outbound', 'on-error'],
    attributes: oneWay ? ['mode', 'timeout'] : ['mode', 'response-variable-name', 'timeout', 'ignore-error'],
    compile(node, cc, base) {
      const mode = optional(cc, node, 'mode');
      if (mode && !mode.isExpression && !['new', 'copy'].includes(mode.literal)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `mode must be new or copy, not '${mode.literal}'`);
      const variable = oneWay ? undefined : required(cc, node, 'response-variable-name', false).literal;
      const timeout = optional(cc, node, 'timeout');
      const ignoreError = oneWay ? true : literalBool(cc, node, 'ignore-error', false);
      let url: ValueSource | undefined;
      let method: ValueSource | undefined;
      let body: ValueSource | undefined;
      const headers: HeaderOp[] = [];
      let certificate: ((rc: RequestRun) => ClientCertificate) | undefined;
      let proxy: ((rc: RequestRun) => ProxySettings) | undefined;
      const auth: Array<{ kind: 'mi'; resource: ValueSource; clientId: ValueSource | undefined; ignore: boolean } | { kind: 'basic'; user: ValueSource; password: ValueSource }> = [];
      for (const c of node.children) {
        switch (c.name) {
          case 'set-url': url = cc.value(c, c.text.trim(), '<set-url>'); break;
          case 'set-method': method = cc.value(c, c.text.trim(), '<set-method>'); break;
          case 'set-body': body = cc.value(c, c.text, '<set-body>'); break;
          case 'set-header': headers.push({ name: required(cc, c, 'name'), action: c.attrs['exists-action'] ?? 'override', values: valueChildren(cc, c) }); break;
          case 'authentication-managed-identity':
            auth.push({ kind: 'mi', resource: required(cc, c, 'resource'), clientId: optional(cc, c, 'client-id'), ignore: literalBool(cc, c, 'ignore-error', false) });
            break;
          case 'authentication-basic': auth.push({ kind: 'basic', user: required(cc, c, 'username'), password: required(cc, c, 'password') }); break;
          case 'authentication-certificate': certificate = compileCertificateSource(c, cc); break;
          case 'proxy': proxy = compileProxy(cc, c); break;
          default: cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <${node.name}>`);
        }
      }
      const copyLiteral = mode && !mode.isExpression && mode.literal === 'copy';
      if (!copyLiteral && !mode?.isExpression && !url) throw cc.error('ERR_APIM_POLICY_STRUCTURE', node, `<${node.name}> mode="new" needs <set-url>`);
      const send = async (rc: RequestRun): Promise<HostResponseValue> => {
        const copy = mode ? str(mode.get(rc)).toLowerCase() === 'copy' : false;
        const h: HeaderMap = new Map();
        let m = 'GET';
        let target = '';
        let text = '';
        if (copy) {
          for (const [k, e] of rc.request.headers) h.set(k, { name: e.name, values: [...e.values] });
          m = rc.request.method;
          target = urlToString(rc.request.url);
          if (rc.section !== 'outbound') {
            await rc.bufferBodies(true, false);
            if (rc.requestBody.kind === 'text') text = rc.requestBody.text;
          }
        }
        if (url) target = str(url.get(rc)).trim();
        if (method) m = str(method.get(rc)).trim().toUpperCase();
        for (const op of headers) {
          const n = str(op.name.get(rc));
          const vals = op.values.map((v) => str(v.get(rc)));
          const ex = h.get(n.toLowerCase());
          if (op.action === 'delete') h.delete(n.toLowerCase());
          else if (op.action === 'skip') { if (!ex) put(h, n, vals); }
          else if (op.action === 'append' && ex) for (const v of vals) addHeader(h, n, v);
          else put(h, n, vals);
        }
        if (body) text = str(body.get(rc));
        for (const a of auth) {
          if (a.kind === 'basic') put(h, 'Authorization', ['Basic ' + Buffer.from(`${str(a.user.get(rc))}:${str(a.password.get(rc))}`).toString('base64')]);
          else await acquireToken(rc, str(a.resource.get(rc)), a.clientId ? str(a.clientId.get(rc)) : undefined, a.ignore, (t) => put(h, 'Authorization', ['Bearer ' + t]), () => undefined);
        }
        try { parseUrl(target); } catch { throw new PolicyError({ source: node.name, reason: 'InvalidUrl', message: `'${target}' is not a valid URL.` }); }
        const cert = certificate?.(rc);
        const via = proxy?.(rc);
        const out = toOutgoing(h, NOT_FORWARDED);
        delete out.host;
        if (text !== '') out['content-length'] = String(Buffer.byteLength(text));
        else delete out['content-length'];
        const seconds = timeout ? Number(str(timeout.get(rc))) : 60;
        const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
        rc.decision.backend.push({ method: m, url: target, by: node.name });
        const record = rc.decision.backend.at(-1)!;
        let res;
        try {
          res = await rc.services.httpClient.request(target, {
            method: m, headers: out, body: text === '' ? null : text, headersTimeoutMs: ms, bodyTimeoutMs: ms, ...(cert ? { clientCertificate: cert } : {}), ...(via ? { proxy: via } : {}),
          });
        } catch (e) {
          const cause = failureCause(e);
          record.error = cause;
          const timedOut = cause.startsWith('UND_ERR_HEADERS_TIMEOUT') || cause.startsWith('UND_ERR_BODY_TIMEOUT');
          throw new PolicyError({ source: node.name, reason: timedOut ? 'Timeout' : 'BackendConnectionFailure', message: `${node.name} to ${target} failed: ${cause}` });
        }
        record.status = res.statusCode;
        const responseText = await readStream(res.body, GATEWAY_LIMITS.maxBufferedBodyBytes, `${node.name} response`);
        return storedResponse(res.statusCode, headerMapFromNode(res.headers), responseText);
      };
      return {
        ...base,
        async run(rc) {
          if (oneWay) {
            // Fire and forget: the pipeline goes on; a failure is only logged.
            send(rc).catch((e: unknown) => rc.services.logger.warn(`send-one-way-request failed: ${(e as Error).message}`, { requestId: rc.requestId }));
            return;
          }
          try {
            const r = await send(rc);
            rc.variables.set(variable!, r);
            rc.note(`${r.data.statusCode} → variable '${variable}'`);
          } catch (e) {
            if (!ignoreError) throw e;
            rc.variables.set(variable!, null);
            rc.note(`failed (ignore-error): ${(e as Error).message}`);
          }
        },
      };
    },
  };
}

export const sendRequest = compileSendRequest(false);
export const sendOneWayRequest = compileSendRequest(true);
