import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/index.js';
import { decodeXmlEntities, findExpressionSpans } from '../../src/gateway/policy/rawxml.js';
import { substituteNamedValues } from '../../src/gateway/policy/named-values.js';
import { responseValue, textBody, type HeaderMap, type HostContext, type MutableUrl } from '../../src/gateway/expressions/host.js';
import { parseJson } from '../../src/gateway/expressions/lib-json.js';
import { parseJwt } from '../../src/gateway/expressions/members-context.js';
import type { Value } from '../../src/gateway/expressions/values.js';

/**
 * The policy expressions of Microsoft's snippet corpus, extracted into a repository fixture (npm test never reads the
 * corpus; `npm run conformance` checks that the fixture still matches it), with a realistic request context per file:
 * the variables earlier policies of the same file set, the headers and bodies the snippet expects, named values.
 */
export interface CorpusExpression {
  file: string;
  line: number;
  source: string;
  /** Variables or request data that differ from the file's context at this point of the policy. */
  context?: FixtureContext;
  /** Absent: must evaluate to a value. Otherwise the exact code it must fail with, and why. */
  expect?: { code: string; reason: string };
}

/** A typed value in the fixture: plain JSON, or `{ "$jobject": … }`, `{ "$long": n }`, `{ "$double": n }`, `{ "$response": … }`, `{ "$jwt": "…" }`. */
export type FixtureValue = string | number | boolean | null | { [k: string]: unknown };

export interface FixtureContext {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  response?: { status?: number; headers?: Record<string, string | string[]>; body?: string };
  matchedParameters?: Record<string, string>;
  variables?: Record<string, FixtureValue>;
  lastError?: { source: string; reason: string; message: string };
  subscription?: boolean;
  product?: boolean;
  user?: boolean;
}

export interface CorpusFixture {
  namedValues: Record<string, string>;
  contexts: Record<string, FixtureContext>;
  expressions: CorpusExpression[];
}

export const FIXTURE_PATH = fileURLToPath(new URL('./fixtures/corpus-expressions.json', import.meta.url));

export function loadFixture(): CorpusFixture {
  return JSON.parse(readFileSync(FIXTURE_PATH, 'utf8')) as CorpusFixture;
}

/** Every `@(…)`/`@{…}` span of one policy file, in order, with its line (as the loader finds them, entities decoded). */
export function extractExpressions(text: string, file: string): CorpusExpression[] {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return findExpressionSpans(t).map((s) => ({ file, line: t.slice(0, s.start).split('\n').length, source: decodeXmlEntities(s.text) }));
}

/** The expression as the gateway compiles it: named values substituted first (docs/behaviour/apim.md §1.2). */
export function withNamedValues(source: string, namedValues: Record<string, string>): string {
  return substituteNamedValues(source, new Map(Object.entries(namedValues).map(([k, v]) => [k.toLowerCase(), v]))).text;
}

function headerMap(h: Record<string, string | string[]> | undefined): HeaderMap {
  const m: HeaderMap = new Map();
  for (const [k, v] of Object.entries(h ?? {})) m.set(k.toLowerCase(), { name: k, values: Array.isArray(v) ? v : [v] });
  return m;
}

function fixtureValue(v: FixtureValue): Value {
  if (v === null || typeof v !== 'object') return v;
  if ('$jobject' in v || '$jarray' in v) return parseJson(JSON.stringify(v.$jobject ?? v.$jarray));
  if ('$long' in v) return v.$long as number;
  if ('$double' in v) return v.$double as number;
  if ('$jwt' in v) return parseJwt(v.$jwt as string);
  if ('$response' in v) {
    const r = v.$response as { status?: number; headers?: Record<string, string>; body?: string };
    const body = r.body ?? '';
    return responseValue({ statusCode: r.status ?? 200, statusReason: 'OK', headers: headerMap(r.headers), body: () => textBody(body) });
  }
  return parseJson(JSON.stringify(v));
}

function toUrl(s: string): MutableUrl {
  const u = new URL(s);
  return { scheme: u.protocol.slice(0, -1), host: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80, path: u.pathname, query: [...u.searchParams] };
}

/** A realistic HostContext for one corpus file; bodies are fresh per call (a read without preserveContent consumes them). */
export function buildContext(spec: FixtureContext = {}): HostContext {
  const url = toUrl(spec.url ?? 'https://contoso.azure-api.net/echo/resource?param1=value1');
  const backend = { ...url, host: 'backend.contoso.com', path: url.path.replace(/^\/echo/, '') };
  const clock = new ManualClock(Date.parse('2026-02-25T10:00:00Z'));
  const variables = new Map<string, Value>(Object.entries(spec.variables ?? {}).map(([k, v]) => [k, fixtureValue(v)]));
  const reqBody = spec.body;
  const resp = spec.response;
  return {
    $type: 'Context',
    variables,
    request: {
      method: spec.method ?? 'GET', url: backend, originalUrl: url, headers: headerMap(spec.headers), ipAddress: '203.0.113.7',
      matchedParameters: new Map(Object.entries(spec.matchedParameters ?? {})),
    },
    response: { statusCode: resp?.status ?? 200, statusReason: 'OK', headers: headerMap(resp?.headers) },
    api: { id: 'echo-api', name: 'Echo API', path: 'echo', serviceUrl: toUrl('https://backend.contoso.com:443/api'), protocols: ['https'] },
    operation: { id: 'retrieve-resource', name: 'Retrieve resource', method: spec.method ?? 'GET', urlTemplate: '/resource' },
    subscription: spec.subscription ? { id: 'sub-1', name: 'starter', key: 'k1', primaryKey: 'k1', secondaryKey: 'k2' } : null,
    lastError: spec.lastError ? { ...spec.lastError, scope: 'api', section: 'inbound', path: 'choose[1]/when[1]', policyId: '' } : null,
    requestId: '7d0c0a5e-7b3c-4a39-9f4e-2f3a1c9b8e11',
    clock,
    startedAt: clock.now() - 12,
    trace() {},
    product: spec.product ? { id: 'starter', name: 'Starter', state: 'Published', subscriptionRequired: true, approvalRequired: false, subscriptionsLimit: 1, groups: ['developers'] } : null,
    user: spec.user ? { id: '1', email: 'admin@contoso.com', firstName: 'Admin', lastName: 'User', note: '', registrationDate: '2024-01-01T00:00:00Z', groups: [], identities: [] } : null,
    deployment: { region: 'West US', serviceName: 'contoso', serviceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/contoso', gatewayId: 'managed' },
    requestBodyData: () => (reqBody === undefined ? null : textBody(reqBody)),
    responseBodyData: () => (resp?.body === undefined ? null : textBody(resp.body)),
  };
}
