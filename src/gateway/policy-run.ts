import { readCertificate } from './client-certificates.js';
import type { GatewayCompatFlags } from './compat-flags.js';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { ManualClock, memoryLogger, sequentialIds, headerRecord, TwinError, type Clock, type HttpClient, type HttpRequestOptions } from '../core/index.js';
import { compileService, loadScopePolicy, prepareService } from './compile-service.js';
import { toDotNetString, type Value } from './expressions/values.js';
import { createGateway } from './gateway.js';
import type { GatewayEvent } from './pipeline/sink.js';
import type { LoadedPolicy } from './policy/document.js';
import { parsePolicyXml, type PolicyNode } from './policy/xml.js';
import { operationExamples, type RepresentationWithExamples } from './operation-examples.js';
import type { ApiSchema, ManagedIdentityTokenProvider, OperationContract, ServiceConfig } from './types.js';

/**
 * `trustline policy compile | run` (ARCHITECTURE.md contracts): a policy document or fragment outside
 * any deployment, through the same loader, compiler and gateway pipeline a deployed service uses.
 */

/** A policy fragment given by file (`--fragment ID=FILE`): what `<include-fragment fragment-id="ID"/>` includes. */
export interface PolicyFragmentFile { id: string; value: string; source?: string }

export interface PolicyCompileResult {
  kind: 'policies' | 'fragment';
  warnings: string[];
  /** The compiled tree: each section's policies (element, path, id, line:column). */
  sections: Record<string, Array<{ policy: string; path: string; id?: string; line: number; column: number }>>;
}

/** Load and compile a document (`<policies>` or `<fragment>`); throws the coded error with line:column. */
export function compilePolicy(xml: string, options: { file?: string; namedValues?: Record<string, string>; loose?: boolean; fragments?: PolicyFragmentFile[]; flags?: Partial<GatewayCompatFlags> } = {}): PolicyCompileResult {
  // The loader a deployed service's documents go through (compile-service.ts), with the same compat flags.
  const loaded: LoadedPolicy = loadScopePolicy(xml, {
    file: options.file, namedValues: options.namedValues ?? {}, loose: options.loose ?? false, scope: 'operation',
    ...(options.fragments?.length ? { fragments: options.fragments } : {}),
    flags: options.flags,
  });
  const sections: PolicyCompileResult['sections'] = {};
  for (const [name, entries] of Object.entries(loaded.sections)) {
    if (loaded.kind === 'fragment' && name !== 'inbound') continue;
    sections[loaded.kind === 'fragment' ? 'fragment' : name] = entries.flatMap((e) => (typeof e === 'symbol'
      ? [{ policy: 'base', path: 'base', line: 0, column: 0 }]
      : [{ policy: e.name, path: e.path, ...(e.id ? { id: e.id } : {}), line: e.location.line ?? 0, column: e.location.column ?? 0 }]));
  }
  return { kind: loaded.kind, warnings: [...loaded.warnings], sections };
}

/** REQUEST.json of `policy run` (every field optional). */
export interface PolicyRunRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  /**
   * `schemas`: the API's schemas (`apis/schemas`: `{id, document}`), which the operation's contract names; `type`
   * `soap`: a SOAP pass-through API (its `/?soapAction=…` operation matches the request's SOAP action).
   */
  api?: { path?: string; serviceUrl?: string; schemas?: ApiSchema[]; type?: string; name?: string; displayName?: string };
  /**
   * `templateParameters`, `request`, `responses`: the operation's contract as ARM writes it (validate-* policies).
   * `responses[].representations[]` may carry `examples` (`{name: {value}}`) or `sample`: mock-response answers them
   * as it answers a deployed operation's (`operationExamples`).
   * `name` / `displayName` (also the API's): `context.Operation.Id` / `context.Operation.Name` (default `operation`,
   * and the name), `context.Api.Id` / `context.Api.Name` (default `api`).
   */
  operation?: { method?: string; urlTemplate?: string; name?: string; displayName?: string } & Omit<OperationContract, 'responses'> & {
    responses?: Array<Omit<NonNullable<OperationContract['responses']>[number], 'representations'> & { representations?: RepresentationWithExamples[] }>;
  };
  /**
   * What the stub backend answers (default 200 `{}`). `urls` answers the calls to those URLs (exact, query included)
   * otherwise, e.g. where forward-request `follow-redirects="true"` goes after a redirect or what send-request calls;
   * any other call gets the default answer.
   */
  backend?: PolicyRunBackendAnswer & { urls?: Record<string, PolicyRunBackendAnswer> };
  /** The certificate the client presents (PEM or base64 DER): `context.Request.Certificate`, validate-client-certificate. */
  certificate?: string;
  /** The service's own schemas (`schemas` resources, what validate-content `schema-id` names): `{id, contentType?, document}` (an XSD as text). */
  schemas?: ApiSchema[];
  /** The service's certificate entities (`certificates` resources): `{id, data (base64 PKCS#12 or DER), password?}`. */
  certificates?: Array<{ id: string; data: string; password?: string }>;
  /** The service's CA certificates, as ARM's `certificates` property: `{encodedCertificate, storeName: Root | CertificateAuthority}`. */
  caCertificates?: Array<{ encodedCertificate: string; storeName?: string }>;
  /**
   * The caller's subscription (`context.Subscription`, `context.Product`, `context.User`; rate-limit, quota): the API
   * then requires a subscription, and the request carries the key in `Ocp-Apim-Subscription-Key` unless it names one
   * itself (a header or the `subscription-key` query parameter). `product` scopes it to a product holding the API
   * (else to the API); `user` owns it. Default key: 32 hex digits.
   */
  subscription?: PolicyRunSubscription;
  /**
   * JSON documents the run's network serves by URL (validate-jwt / validate-azure-ad-token `openid-config` metadata and
   * its `jwks_uri`); `policy run` has no other network. Added to `PolicyRunOptions.documents`.
   */
  documents?: Record<string, unknown>;
}

/** A stub backend's answer: `status` (default 200), `headers`, `body` (default `{}` when neither is given, else empty). */
export interface PolicyRunBackendAnswer { status?: number; headers?: Record<string, string | string[]>; body?: string }

export interface PolicyRunSubscription {
  name?: string;
  displayName?: string;
  key?: string;
  allowTracing?: boolean;
  product?: string | { name: string; displayName?: string; groups?: string[] };
  user?: { name: string; email?: string; firstName?: string; lastName?: string; groups?: string[] };
}

const DEFAULT_SUBSCRIPTION_KEY = '0123456789abcdef0123456789abcdef';

/** The products, subscription and user a REQUEST.json `subscription` describes, and the key the request sends. */
function subscriptionConfig(s: PolicyRunSubscription, apiName: string): Pick<ServiceConfig, 'products' | 'subscriptions' | 'users'> & { key: string } {
  const product = typeof s.product === 'string' ? { name: s.product } : s.product;
  const key = s.key ?? DEFAULT_SUBSCRIPTION_KEY;
  return {
    key,
    products: product ? [{ name: product.name, ...(product.displayName ? { displayName: product.displayName } : {}), apis: [apiName], ...(product.groups ? { groups: product.groups } : {}) }] : [],
    subscriptions: [{
      name: s.name ?? 'policy-run-subscription', scope: product ? `/products/${product.name}` : `/apis/${apiName}`, primaryKey: key, secondaryKey: key.split('').reverse().join(''), state: 'active',
      ...(s.displayName ? { displayName: s.displayName } : {}), ...(s.user ? { ownerId: `/users/${s.user.name}` } : {}), ...(s.allowTracing !== undefined ? { allowTracing: s.allowTracing } : {}),
    }],
    users: s.user ? [{ ...s.user }] : [],
  };
}

export interface PolicyRunResult {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  backendRequest: { method: string; url: string; headers: Record<string, string | string[]>; body: string } | null;
  /** The calls send-request / send-one-way-request made (the stub answered them as it answers the backend), in order. */
  sentRequests: Array<{ method: string; url: string; headers: Record<string, string | string[]>; body: string }>;
  variables: Record<string, unknown>;
  trace: unknown;
  /** log-to-eventhub / emit-metric events (the local sink). */
  events: GatewayEvent[];
}

export interface PolicyRunOptions {
  policy: string;
  file?: string;
  /**
   * The enclosing (API) scope's document: the policy's `<base/>` resolves to it, and its own `<base/>` to APIM's
   * default global policy. Without it, the policy's `<base/>` resolves to that default global policy directly
   * (`DEFAULT_GLOBAL_POLICY`: `<forward-request/>` in the backend section, nothing in the others).
   */
  parent?: string;
  parentFile?: string;
  namedValues?: Record<string, string>;
  /** The service's policy fragments (`policyFragments`), for `include-fragment`. */
  fragments?: PolicyFragmentFile[];
  request: PolicyRunRequest;
  loose?: boolean;
  clock?: Clock;
  /**
   * JSON documents the run's network serves by URL (OpenID metadata and JWKS for validate-jwt /
   * validate-azure-ad-token); any other fetch fails, as there is no network.
   */
  documents?: Record<string, unknown>;
  /** Compat flags (docs/differences.md); default the gateway's. */
  flags?: Partial<GatewayCompatFlags>;
  /** Managed identity tokens; default: an unsigned placeholder JWT for the resource (no identity is involved). */
  tokens?: ManagedIdentityTokenProvider;
}

const DEFAULT_HOST = 'https://trustline-apim.azure-api.net';

function placeholderTokens(clock: Clock): ManagedIdentityTokenProvider {
  return {
    async getToken({ resource, clientId }) {
      const now = Math.floor(clock.now() / 1000);
      const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const payload = { aud: resource, iss: 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/', iat: now, nbf: now, exp: now + 3600, appid: clientId ?? 'policy-run-system-assigned', idtyp: 'app' };
      return { accessToken: `${b64({ typ: 'JWT', alg: 'none' })}.${b64(payload)}.`, expiresOnSeconds: now + 3600 };
    },
  };
}

/** A backend that records what it was sent and answers as REQUEST.json's `backend` says (200 `{}` by default). */
function stubBackend(backend: PolicyRunRequest['backend'], seen: { requests: Array<NonNullable<PolicyRunResult['backendRequest']>> }, documents: Record<string, unknown>): HttpClient {
  const request = async (url: string | URL, opts: HttpRequestOptions = {}) => {
    let body = '';
    if (typeof opts.body === 'string') body = opts.body;
    else if (Buffer.isBuffer(opts.body)) body = opts.body.toString('utf8');
    else if (opts.body) for await (const c of opts.body) body += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
    const headers = headerRecord(opts.headers);
    seen.requests.push({ method: opts.method ?? 'GET', url: String(url), headers, body });
    const spec = backend?.urls?.[String(url)] ?? backend;
    const status = spec?.status ?? 200;
    const responseBody = spec?.body ?? (spec?.status === undefined && spec?.body === undefined ? '{}' : '');
    const responseHeaders: Record<string, string | string[]> = { 'content-type': 'application/json', ...lowerKeys(spec?.headers ?? {}) };
    const stream = Readable.from([Buffer.from(responseBody)]) as unknown as Awaited<ReturnType<HttpClient['request']>>['body'];
    return { statusCode: status, headers: responseHeaders, body: stream };
  };
  return {
    request,
    async getJson(url: string | URL) {
      const doc = documents[String(url)];
      if (doc === undefined) throw new TwinError('ERR_HTTP_FETCH', `policy run has no network: only the stub backend answers (no document for ${String(url)})`);
      return doc;
    },
    async close() { /* nothing */ },
  };
}

/**
 * The request the API's backend got (the last call forward-request made) and the side calls (send-request,
 * send-one-way-request). The stub sees every outgoing call in the order the decision record lists them
 * (`trace.backend`), where the side calls carry `by`.
 */
function outgoingCalls(requests: Array<NonNullable<PolicyRunResult['backendRequest']>>, trace: unknown): { backend: PolicyRunResult['backendRequest']; sent: PolicyRunResult['sentRequests'] } {
  const calls = (trace as { backend?: Array<{ by?: string }> } | null)?.backend;
  if (!calls || calls.length !== requests.length) return { backend: requests.at(-1) ?? null, sent: [] };
  let backend: PolicyRunResult['backendRequest'] = null;
  calls.forEach((c, i) => { if (!c.by) backend = requests[i]!; });
  return { backend, sent: requests.filter((_r, i) => calls[i]!.by) };
}

function lowerKeys(h: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

function jsonValue(v: Value): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(jsonValue);
  return toDotNetString(v);
}

/** A fragment file runs as the inbound section of an operation policy that includes it. */
function asOperationPolicy(xml: string, file: string | undefined): { policy: string; fragments: ServiceConfig['fragments'] } {
  let root: PolicyNode;
  try {
    root = parsePolicyXml(xml, file);
  } catch {
    return { policy: xml, fragments: [] };
  }
  if (root.name !== 'fragment') return { policy: xml, fragments: [] };
  return { policy: '<policies><inbound><include-fragment fragment-id="policy-run-file"/></inbound><backend/><outbound/><on-error/></policies>', fragments: [{ id: 'policy-run-file', value: xml }] };
}

/**
 * Run a policy against one described request with a stub backend, through a real gateway listener
 * on 127.0.0.1 (the deployed pipeline, routing and response writing included). The file is the operation's
 * policy; its `<base/>` resolves to `parent` (the API scope) when given, and below that to the global policy of a
 * service that has none of its own, as APIM's default is (`DEFAULT_GLOBAL_POLICY`: `<forward-request/>` in the
 * backend section). So a policy of `<base/>`s calls the stub backend, as it would call the API's backend in APIM.
 */
export async function runPolicy(o: PolicyRunOptions): Promise<PolicyRunResult> {
  const clock = o.clock ?? new ManualClock(Date.now());
  const rq = o.request;
  const method = (rq.method ?? 'GET').toUpperCase();
  const apiPath = (rq.api?.path ?? '').replace(/^\/+|\/+$/g, '');
  const url = new URL(rq.url ?? `${DEFAULT_HOST}/${apiPath}`);
  const namedValues = Object.entries(o.namedValues ?? {}).map(([name, value]) => ({ name, value }));
  const { policy, fragments } = asOperationPolicy(o.policy, o.file);
  const apiName = rq.api?.name ?? 'api';
  const sub = rq.subscription ? subscriptionConfig(rq.subscription, apiName) : undefined;
  const examples = operationExamples(rq.operation?.responses);
  const config: ServiceConfig = {
    name: url.hostname.split('.')[0] || 'policy-run',
    hostName: url.hostname,
    resourceId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/policy-run/providers/Microsoft.ApiManagement/service/policy-run',
    apis: [{
      id: apiName, name: apiName, ...(rq.api?.displayName !== undefined ? { displayName: rq.api.displayName } : {}), path: apiPath, serviceUrl: rq.api?.serviceUrl ?? 'https://backend.example.net', protocols: ['http', 'https'],
      subscriptionRequired: sub !== undefined,
      ...(rq.api?.schemas ? { schemas: rq.api.schemas } : {}),
      ...(rq.api?.type ? { type: rq.api.type } : {}),
      ...(o.parent !== undefined ? { policy: { value: o.parent, source: o.parentFile ?? '(parent)' } } : {}),
      operations: [{
        id: o.file ?? 'operation', name: rq.operation?.name ?? 'operation', ...(rq.operation?.displayName !== undefined ? { displayName: rq.operation.displayName } : {}), method: (rq.operation?.method ?? method).toUpperCase(), urlTemplate: rq.operation?.urlTemplate ?? '/{*path}',
        policy: { value: policy, source: o.file ?? '(policy)' },
        ...(examples ? { examples } : {}),
        ...(rq.operation && (rq.operation.templateParameters || rq.operation.request || rq.operation.responses)
          ? { contract: { templateParameters: rq.operation.templateParameters, request: rq.operation.request, responses: rq.operation.responses } as OperationContract }
          : {}),
      }],
    }],
    backends: [], namedValues, fragments: [...(fragments ?? []), ...(o.fragments ?? []).map((f) => ({ id: f.id, value: f.value, ...(f.source ? { source: f.source } : {}) }))],
    ...(sub ? { products: sub.products, subscriptions: sub.subscriptions, users: sub.users } : {}),
    ...(rq.certificates?.length ? { certificates: rq.certificates } : {}),
    ...(rq.schemas?.length ? { schemas: rq.schemas } : {}),
    ...(rq.caCertificates?.length ? { caCertificates: rq.caCertificates.map((c) => ({ data: c.encodedCertificate, storeName: c.storeName ?? 'Root' })) } : {}),
  };
  const presented = rq.certificate !== undefined ? readCertificate(rq.certificate, 'REQUEST.json certificate') : null;
  const logger = memoryLogger();
  await prepareService(config);
  const compiled = compileService(config, { loose: o.loose, logger, ...(o.flags ? { flags: o.flags } : {}) });
  const seen: { requests: Array<NonNullable<PolicyRunResult['backendRequest']>> } = { requests: [] };
  const events: GatewayEvent[] = [];
  let trace: unknown = null;
  let variables: Record<string, unknown> = {};
  const gateway = createGateway({
    httpClient: stubBackend(rq.backend, seen, { ...(rq.documents ?? {}), ...(o.documents ?? {}) }), tokens: o.tokens ?? placeholderTokens(clock), clock, logger, ids: sequentialIds(),
    schemeOf: () => (url.protocol === 'https:' ? 'https' : 'http'),
    peerCertificate: () => presented,
    ...(o.flags ? { flags: o.flags } : {}),
    onEvent: (e) => events.push(e),
    inspect: (v) => { variables = Object.fromEntries([...v.variables].map(([k, x]) => [k, jsonValue(x)])); trace = v.trace; },
  });
  gateway.setService(compiled);
  const server = createServer(gateway.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(rq.headers ?? {})) if (k.toLowerCase() !== 'host') headers[k] = Array.isArray(v) ? v.join(', ') : v;
    // The Host header as HTTP clients write it (context.Request.Headers keeps the names as sent).
    headers.Host = url.host;
    if (sub && !Object.keys(headers).some((h) => h.toLowerCase() === 'ocp-apim-subscription-key') && !url.searchParams.has('subscription-key')) headers['Ocp-Apim-Subscription-Key'] = sub.key;
    const res = await send(port, method, `${url.pathname}${url.search}`, headers, rq.body);
    const body = res.body;
    const outHeaders: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined && k !== 'date' && k !== 'connection' && k !== 'keep-alive') outHeaders[k] = v;
    }
    const calls = outgoingCalls(seen.requests, trace);
    return { status: res.status, headers: outHeaders, body, backendRequest: calls.backend, sentRequests: calls.sent, variables, trace, events };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

function send(port: number, method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body !== undefined && body !== '' ? body : undefined);
  });
}
