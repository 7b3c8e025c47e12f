import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactDeep, redactingLogger } from './secret-redaction.js';
import { isoTime, randomIds } from '../core/index.js';
import { copyUrl, urlToString, type MutableUrl } from './expressions/host.js';
import type { CompiledApi, CompiledOperation, CompiledService } from './compile-service.js';
import type { EffectivePipeline } from './policy/compose.js';
import { newDecision, traceDocument, type GatewayDecision } from './pipeline/decision.js';
import { PolicyError } from './pipeline/errors.js';
import { executePipeline, runCompletions, sendResponse } from './pipeline/execute.js';
import { headerMapFromRaw } from './pipeline/headers.js';
import { rebuildUrl, RequestRun, type RunServices } from './pipeline/request-run.js';
import type { ProductData, SubscriptionData, UserData } from './pipeline/runtime-data.js';
import { TokenCache } from './pipeline/token-cache.js';
import { newStores } from './pipeline/stores.js';
import { explainDecision } from './pipeline/explain.js';
import { clientIp, requestScheme, underApiPath } from './routing.js';
import { matchQueryLiterals, matchUrlTemplate } from './url-template.js';
import { checkRequestLimits } from './request-limits.js';
import { resolveGatewayCompatFlags, type GatewayCompatFlags } from './compat-flags.js';
import { DebugCredentials } from './debug-trace.js';
import { findKey, INVALID_KEY_MESSAGE, MISSING_KEY_MESSAGE, openProduct, resolveSubscription, wwwAuthenticate } from './subscriptions.js';
import type { CompiledServiceHandle, Gateway, GatewayOptions } from './types.js';

const EMPTY_API = { id: '', name: '', path: '', serviceUrl: null, protocols: [] };
const EMPTY_OP = { id: '', name: '', method: '', urlTemplate: '' };
const NOT_FOUND = () => new PolicyError({
  source: 'configuration', reason: 'OperationNotFound', message: 'Unable to match incoming request to an operation.',
  statusCode: 404, responseMessage: 'Resource not found',
});
/** Where the twin serves APIM request traces (`Ocp-Apim-Trace-Location`). */
export const TRACE_PATH = '/.trustline/apim-trace/';
const TRACES_KEPT = 100;

interface Route {
  api: CompiledApi | undefined; op: CompiledOperation | undefined; relativePath: string; params: Map<string, string>;
  /** A versioned API matched by path whose version header/query is missing: 404 with an empty body. */
  versionMissing?: boolean;
}

/** The parts of the request URL the gateway reads (a `URL` when it has a query). */
type IncomingUrl = Pick<URL, 'hostname' | 'port' | 'pathname' | 'search'>;
/**
 * A request path the WHATWG URL parser keeps as it is: `/` then RFC 3986 pchar and `/` only (no `?`, `#`, `\`,
 * spaces or other characters it percent-encodes), not `//` (a scheme-relative URL) and no dot segment.
 */
const SAFE_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e)(?:\.|%2e)?(?:\/|$)/i;

/** `;rev=N` in a request path (APIM's revision addressing). */
const REVISION = /;rev=([^/?]*)/i;

/** The version value a request carries for an API of a version set, or undefined. */
function versionOf(api: CompiledApi, headers: IncomingMessage['headers'], query: ReadonlyArray<[string, string]>, rel: string): { value: string | undefined; rel: string } {
  const v = api.config.version!;
  if (v.scheme === 'Segment') {
    const seg = rel.split('/')[1] ?? '';
    return { value: seg, rel: rel.slice(seg.length + 1) };
  }
  if (v.scheme === 'Header') {
    const h = headers[(v.name ?? 'Api-Version').toLowerCase()];
    return { value: Array.isArray(h) ? h[0] : h, rel };
  }
  const name = (v.name ?? 'api-version').toLowerCase();
  return { value: query.find(([k]) => k.toLowerCase() === name)?.[1], rel };
}

/**
 * Where `;rev=N` may stand: right after the API path (`/orders;rev=2/…`), or, for a path-segment versioned API, right
 * after its version segment too (`/orders/v2;rev=3/…`; docs/behaviour/apim.md §1.4).
 */
function revisionAt(api: CompiledApi, fullPath: string, at: number): boolean {
  if (at === api.path.length + 1) return true;
  const v = api.config.version;
  if (v?.scheme !== 'Segment' || !v.value) return false;
  const segStart = api.path.length + (api.path === '' ? 1 : 2);
  return at === segStart + v.value.length && fullPath.slice(segStart, at).toLowerCase() === v.value.toLowerCase();
}

/**
 * The query a SOAP pass-through API matches its operations (`/?soapAction={action}`) against: the request's, plus the
 * action the request names when its query has none — the `SOAPAction` header (SOAP 1.1, quotes dropped), else the
 * `action` parameter of a `application/soap+xml` Content-Type (SOAP 1.2; compat flag `soapAction`).
 */
function withSoapAction(query: ReadonlyArray<[string, string]>, headers: IncomingMessage['headers'], source: GatewayCompatFlags['soapAction']): ReadonlyArray<[string, string]> {
  if (query.some(([k]) => k.toLowerCase() === 'soapaction')) return query;
  const header = headers.soapaction;
  let action = (Array.isArray(header) ? header[0] : header)?.trim().replace(/^"(.*)"$/s, '$1');
  if (action === undefined && source === 'header-or-content-type') {
    const ct = headers['content-type'] ?? '';
    if (/^\s*application\/soap\+xml\s*(;|$)/i.test(ct)) action = /;\s*action\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(ct)?.slice(1).find((x) => x !== undefined);
  }
  return action === undefined ? query : [...query, ['soapAction', action]];
}

/**
 * Route a request to an API and operation. `/{api-path};rev=N/…` addresses revision N of the API (any revision,
 * current or not); without `;rev=` only current revisions answer (docs/behaviour/apim.md §1.4).
 */
function route(
  svc: CompiledService, scheme: string, method: string, fullPath: string, headers: IncomingMessage['headers'], query: ReadonlyArray<[string, string]>,
  soapAction: GatewayCompatFlags['soapAction'],
): Route {
  let versionMissing = false;
  const rev = REVISION.exec(fullPath);
  const path = rev ? fullPath.slice(0, rev.index) + fullPath.slice(rev.index + rev[0].length) : fullPath;
  for (const api of svc.apis) {
    if (rev ? rev[1] !== api.revision || !revisionAt(api, fullPath, rev.index) : !api.isCurrent) continue;
    let rel = underApiPath(api.path, path);
    if (rel === undefined) continue;
    if (api.config.version) {
      const v = versionOf(api, headers, query, rel);
      if (v.value === undefined || v.value === '') {
        if (!api.config.version.isDefault) { versionMissing = true; continue; }
      } else if (v.value.toLowerCase() !== api.config.version.value.toLowerCase()) continue;
      rel = v.value ? v.rel : rel;
    }
    if (!api.protocols.has(scheme)) continue;
    const q = api.config.type === 'soap' ? withSoapAction(query, headers, soapAction) : query;
    for (const op of api.operations) {
      if (op.method !== method && op.method !== '*') continue;
      if (op.matcher.queryLiterals.length && !matchQueryLiterals(op.matcher, q)) continue;
      const params = matchUrlTemplate(op.matcher, rel);
      if (params) return { api, op, relativePath: rel, params };
    }
    return { api, op: undefined, relativePath: rel, params: new Map() };
  }
  return { api: undefined, op: undefined, relativePath: path, params: new Map(), versionMissing };
}

/** The APIM gateway: routes, checks subscription keys and runs the compiled pipeline. Never throws. */
export function createGateway(options: GatewayOptions): Gateway {
  const ids = options.ids ?? randomIds;
  const flags = resolveGatewayCompatFlags(options.flags);
  const tokens = new TokenCache(options.tokens, options.clock, options.logger, options.tokenRefreshMarginSeconds);
  const traces = new Map<string, unknown>();
  const debug = new DebugCredentials();
  const stores = newStores();
  let current: CompiledService | undefined;
  let servicesOf: { svc: CompiledService; services: RunServices } | undefined;
  /** The host part of the request URL per (scheme, Host header) seen: parsed once (bounded). */
  const hosts = new Map<string, { hostname: string; port: string } | null>();
  /**
   * The request URL as `new URL(path, scheme://host)` reads it (an unparsable Host falls back to the service's host
   * name and path `/`). A plain path (nothing the URL parser would rewrite) with no query reuses the parsed host.
   */
  const incomingUrl = (scheme: string, hostHeader: string, path: string, fallbackHost: string): IncomingUrl => {
    if (SAFE_PATH.test(path) && !DOT_SEGMENT.test(path)) {
      const key = `${scheme}://${hostHeader}`;
      let h = hosts.get(key);
      if (h === undefined) {
        try {
          const u = new URL('/', key);
          h = { hostname: u.hostname, port: u.port };
        } catch {
          h = null;
        }
        if (hosts.size >= 256) hosts.clear();
        hosts.set(key, h);
      }
      if (h) return { hostname: h.hostname, port: h.port, pathname: path, search: '' };
    }
    try {
      return new URL(path, `${scheme}://${hostHeader}`);
    } catch {
      return new URL(`${scheme}://${fallbackHost}/`);
    }
  };

  // The request id header goes first in every answer's writeHead (never `setHeader`: that sends node down
  // writeHead's slow path, where every header is set and validated one by one).
  const idHeader = options.requestIdHeader;
  const withId = (requestId: string, headers: Record<string, string>): Record<string, string> =>
    idHeader ? { [idHeader]: requestId, ...headers } : headers;
  const reply = (res: ServerResponse, requestId: string, status: number, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, withId(requestId, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra }));
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const svc = current;
    const startedAt = options.clock.now();
    if (!svc) {
      options.logger.info(`503 ${req.method ?? ''} ${(req.url ?? '').slice(0, 200)}: the service has no compiled configuration (its policies were rejected)`, { requestId });
      reply(res, requestId, 503, `{ "statusCode": 503, "message": "Service unavailable" }`);
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith(TRACE_PATH)) {
      const t = traces.get(req.url.slice(TRACE_PATH.length));
      if (t) reply(res, requestId, 200, JSON.stringify(t, null, 2));
      else {
        options.logger.info(`404 GET ${req.url.slice(0, 200)}: no request trace with this id (traces are kept for the last ${TRACES_KEPT} traced requests)`, { requestId });
        reply(res, requestId, 404, '{ "statusCode": 404, "message": "Resource not found" }');
      }
      return;
    }
    const refusal = checkRequestLimits(req);
    if (refusal) {
      options.logger.info(`${refusal.status} ${req.method ?? ''} ${(req.url ?? '').slice(0, 200)}: ${refusal.reason}`, { requestId });
      reply(res, requestId, refusal.status, `{ "statusCode": ${refusal.status}, "message": ${JSON.stringify(refusal.message)} }`, { connection: 'close' });
      return;
    }
    const scheme = options.schemeOf?.(req) ?? requestScheme(req);
    const hostHeader = req.headers.host ?? svc.config.hostName;
    const incoming = incomingUrl(scheme, hostHeader, req.url ?? '/', svc.config.hostName);
    const method = (req.method ?? 'GET').toUpperCase();
    const query: Array<[string, string]> = incoming.search === '' ? [] : [...(incoming as URL).searchParams];
    const originalUrl: MutableUrl = {
      scheme, host: incoming.hostname, port: incoming.port ? Number(incoming.port) : scheme === 'https' ? 443 : 80, path: incoming.pathname, query,
    };
    const decision = newDecision({ requestId, service: svc.name, time: isoTime(startedAt), method, url: urlToString(originalUrl) });
    let r = route(svc, scheme, method, incoming.pathname, req.headers, query, flags.soapAction);
    const preflightFor = req.headers['access-control-request-method'];
    if (!r.op && method === 'OPTIONS' && typeof preflightFor === 'string' && req.headers.origin !== undefined) {
      // A CORS preflight is matched to the operation it asks about; the cors policy answers it.
      const alt = route(svc, scheme, preflightFor.toUpperCase(), incoming.pathname, req.headers, query, flags.soapAction);
      if (alt.op) r = alt;
    }
    decision.route = {
      api: r.api?.config.name ?? null, operation: r.op?.config.name ?? null, urlTemplate: r.op?.config.urlTemplate ?? null,
      parameters: r.params.size === 0 ? {} : Object.fromEntries(r.params),
    };
    // What the gateway lends to every request depends only on the service: one object per compiled service.
    if (servicesOf?.svc !== svc) {
      servicesOf = {
        svc,
        services: {
          httpClient: options.httpClient, tokens, logger: svc.redact ? redactingLogger(options.logger, svc.redact) : options.logger, clock: options.clock, backends: svc.backends, flags,
          ...(options.onEvent ? { onEvent: options.onEvent } : {}), loggers: svc.loggers, stores, certificates: svc.certificates, trust: svc.trust,
          ...(options.peerCertificate ? { peerCertificate: options.peerCertificate } : {}),
          ...(svc.config.identity ? { identity: svc.config.identity } : {}),
        },
      };
    }
    const services = servicesOf.services;
    const headers = headerMapFromRaw(req.rawHeaders);

    if (r.versionMissing && !r.api) {
      // A header- or query-versioned API called without its version: 404 with an empty body [obs, docs/behaviour/apim.md §1.4].
      finish(decision, 404, 'no API version in the request (version set header/query missing)', startedAt);
      res.writeHead(404, withId(requestId, { 'content-length': '0' }));
      res.end();
      return;
    }

    let initialError: PolicyError | undefined;
    let subscription: SubscriptionData | null = null;
    let product: ProductData | null = null;
    let user: UserData | null = null;
    let pipeline: EffectivePipeline = r.op?.pipeline ?? r.api?.apiPipeline ?? svc.globalPipeline;
    if (!r.op) initialError = NOT_FOUND();
    else {
      const api = r.api!;
      const key = findKey(headers, query, api.keyNames);
      const match = key !== undefined ? resolveSubscription(svc.subscriptions, svc.products, key, api.config.name, options.clock.now()) : undefined;
      if (match) {
        subscription = match.subscription as SubscriptionData;
        if (match.product) product = svc.productData.get(match.product.name.toLowerCase()) ?? null;
        const owner = subscription.ownerId?.split('/').pop()?.toLowerCase();
        if (owner) user = svc.userData.get(owner) ?? null;
      }
      const open = match ? undefined : openProduct(svc.products, api.config.name);
      if (open && key === undefined) product = svc.productData.get(open.name.toLowerCase()) ?? null;
      const required = api.subscriptionRequired && !open;
      if (!match && (key === undefined ? required : required || flags.invalidKeyWhenNotRequired === 'reject')) {
        const missing = key === undefined;
        initialError = new PolicyError({
          source: 'authorization',
          reason: missing ? 'SubscriptionKeyNotFound' : 'SubscriptionKeyInvalid',
          message: missing ? MISSING_KEY_MESSAGE : INVALID_KEY_MESSAGE,
          statusCode: 401,
          responseMessage: missing ? MISSING_KEY_MESSAGE : INVALID_KEY_MESSAGE,
          headers: { 'WWW-Authenticate': wwwAuthenticate(svc.config.hostName, api.config.path.replace(/^\/+/, ''), api.keyNames.header) },
        });
      }
      if (product) pipeline = r.op.productPipelines.get(product.id.toLowerCase()) ?? pipeline;
      if (subscription) decision.subscription = { name: subscription.id, scope: subscription.scope, product: product?.id ?? null };
    }
    if (!r.api) pipeline = svc.globalPipeline;
    const tracing = traceMode(headers, r.api?.config.name, subscription?.allowTracing === true || !r.api?.subscriptionRequired);
    const rc = new RequestRun({
      services, req,
      request: { method, url: copyUrl(originalUrl), originalUrl, headers, ipAddress: clientIp(req), matchedParameters: r.params },
      api: r.api?.info ?? EMPTY_API, operation: r.op?.info ?? EMPTY_OP, subscription, product, user, requestId,
      backend: { base: r.api?.serviceUrl ?? null, relativePath: r.relativePath },
      decision, startedAt, examples: r.op?.config.examples,
      contract: r.op ? { operation: r.op.config.contract ?? {}, schemas: r.api?.config.schemas ?? [], serviceSchemas: svc.config.schemas ?? [] } : undefined,
      deployment: svc.deployment, tracing: tracing.traced !== false,
    });
    // Routed to an operation, context.Request.Url is the backend's; with no operation matched it stays the URL the client
    // called (Microsoft's snippet "Return HTTP 405 if the HTTP Method of the request is not defined" compares its Path
    // with the gateway path `/echo/resource-cached` in on-error), docs/behaviour/apim.md §1.4.
    if (r.op) rebuildUrl(rc);
    await executePipeline(rc, pipeline, initialError);
    if (rc.requestBody.kind === 'stream' && !req.readableEnded && !rc.forwarded) req.resume();
    const traceId = requestId.replace(/-/g, '');
    if (tracing.header) rc.response.headers.set(tracing.header[0].toLowerCase(), { name: tracing.header[0], values: [tracing.header[1]] });
    if (tracing.traced === 'debug') rc.response.headers.set('apim-trace-id', { name: 'Apim-Trace-Id', values: [traceId] });
    if (tracing.traced === 'legacy') {
      rc.response.headers.set('ocp-apim-trace-location', { name: 'Ocp-Apim-Trace-Location', values: [`${scheme}://${hostHeader}${TRACE_PATH}${traceId}`] });
    }
    const wantsTrace = tracing.traced !== false;
    const responseBytes = await sendResponse(rc, res, idHeader ? [idHeader, requestId] : undefined);
    runCompletions(rc, responseBytes);
    // A backend may answer before it has read the whole request body (a GET body, an early 4xx):
    // whatever is left on the wire is read and dropped, or the next request on this keep-alive
    // connection would wait behind it (issue 8).
    if (!req.complete) req.resume();
    finish(decision, rc.response.statusCode, explainDecision(rc), startedAt);
    if (options.inspect) options.inspect({ variables: rc.variables, trace: traceDocument(decision, rc.traces) });
    if (wantsTrace) {
      const trace = traceDocument(decision, rc.traces);
      traces.set(traceId, svc.redact ? redactDeep(trace, svc.redact) : trace);
      if (traces.size > TRACES_KEPT) traces.delete(traces.keys().next().value!);
    }
  };

  /**
   * Whether this request is traced (debug-trace.ts): `Apim-Debug-Authorization` with valid debug credentials for its
   * API (`debug`), or `Ocp-Apim-Trace: true` under compat flag `legacyTraceHeader: honour` where the key allows it
   * (`legacy`); `header`: what the response says about refused credentials.
   */
  const traceMode = (headers: ReturnType<typeof headerMapFromRaw>, apiName: string | undefined, legacyAllowed: boolean):
    { traced: 'debug' | 'legacy' | false; header?: [string, string] } => {
    const token = headers.get('apim-debug-authorization')?.values[0];
    if (token !== undefined) {
      const check = debug.check(token, apiName, options.clock.now());
      if (check.kind === 'valid') return { traced: 'debug' };
      if (check.kind === 'expired') return { traced: false, header: ['Apim-Debug-Authorization-Expired', check.header] };
      if (check.kind === 'wrong-api') return { traced: false, header: ['Apim-Debug-Authorization-WrongAPI', check.header] };
    }
    if (flags.legacyTraceHeader === 'honour' && legacyAllowed && headers.get('ocp-apim-trace')?.values[0]?.toLowerCase() === 'true') return { traced: 'legacy' };
    return { traced: false };
  };

  const finish = (record: GatewayDecision, status: number, explanation: string | undefined, startedAt: number) => {
    record.status = status;
    record.durationMs = options.clock.now() - startedAt;
    if ((status < 200 || status >= 300) && explanation) record.explanation = explanation;
    // What leaves the request (log line, decision record) holds no secret named value.
    const redact = current?.redact;
    const d = redact ? redactDeep(record, redact) : record;
    if ((status < 200 || status >= 300) && explanation) {
      options.logger.info(`${status} ${d.method} ${d.url}: ${d.explanation ?? ''}`, { requestId: d.requestId });
    }
    if (options.onDecision) {
      try {
        options.onDecision(d);
      } catch (e) {
        options.logger.warn('onDecision failed', { error: (e as Error)?.message ?? String(e) });
      }
    }
  };

  return {
    handler(req, res) {
      const requestId = ids.uuid();
      handle(req, res, requestId).catch((e: unknown) => {
        // Explained like every other non-2xx answer (a twin defect, never an expected path).
        options.logger.error(`500 ${req.method ?? ''} ${(req.url ?? '').slice(0, 200)}: the gateway failed: ${(e as Error)?.message ?? String(e)}`);
        try {
          if (!res.headersSent) {
            res.writeHead(500, withId(requestId, { 'content-type': 'application/json' }));
            res.end(`{ "statusCode": 500, "message": "Internal server error", "activityId": ${JSON.stringify(ids.uuid())} }`);
          } else res.destroy();
        } catch {
          res.destroy();
        }
      });
    },
    setService(svc: CompiledServiceHandle | undefined) {
      current = svc as CompiledService | undefined;
    },
    debugCredentials(body) {
      return debug.issue(body, options.clock.now(), (name) => (current?.apis ?? []).some((a) => a.config.name.replace(/;rev=.*$/i, '').toLowerCase() === name.toLowerCase()));
    },
    trace(traceId) {
      return traces.get(traceId.replace(/-/g, '').toLowerCase());
    },
  };
}
