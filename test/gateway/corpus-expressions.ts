import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/core/index.js';
import { decodeXmlEntities, findExpressionSpans } from '../../src/gateway/policy/rawxml.js';
import { substituteNamedValues } from '../../src/gateway/policy/named-values.js';
import { responseValue, textBody, type HeaderMap, type HostContext, type MutableUrl } from '../../src/gateway/expressions/host.js';
import { compileExpression, isExpressionText } from '../../src/gateway/expressions/compile.js';
import { JArrayV, JTokenV, parseJson, writeJson } from '../../src/gateway/expressions/lib-json.js';
import { JwtV, parseJwt } from '../../src/gateway/expressions/members-context.js';
import { parsePolicyXml, type PolicyNode } from '../../src/gateway/policy/xml.js';
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
  /** The named values a service set up for the snippets defines (documented prerequisites; realistic values). */
  namedValues: Record<string, string>;
  /** Why a named value has the value it has, where the snippet's documentation does not say it plainly. */
  namedValueNotes?: Record<string, string>;
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
export function buildContext(spec: FixtureContext = {}, values?: ReadonlyMap<string, Value>): HostContext {
  const url = toUrl(spec.url ?? 'https://contoso.azure-api.net/echo/resource?param1=value1');
  const backend = { ...url, host: 'backend.contoso.com', path: url.path.replace(/^\/echo/, '') };
  const clock = new ManualClock(Date.parse('2026-02-25T10:00:00Z'));
  const variables = new Map<string, Value>(Object.entries(spec.variables ?? {}).map(([k, v]) => [k, fixtureValue(v)]));
  for (const [k, v] of values ?? []) variables.set(k, v);
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

/** A token endpoint's answer: what most `send-request` calls of the snippets ask for. */
const SAMPLE_JWT = ['{"alg":"RS256","typ":"JWT","kid":"k1"}', '{"aud":"api://backend","iss":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","sub":"user1","oid":"00000000-0000-0000-0000-0000000000a1","name":"Admin User","preferred_username":"admin@contoso.com","roles":["Reader"],"scp":"user_impersonation","iat":1772013600,"nbf":1772013600,"exp":1772017200}']
  .map((p) => Buffer.from(p).toString('base64url')).join('.') + '.c2ln';
/** The answer of each response value deriveContext made (recorded with it in the fixture). */
const RESPONSE_BODIES = new WeakMap<object, { status: number; headers: Record<string, string>; body: string }>();
/** A sample string a derived context gives what the file reads: valid base64 too, so it serves as text and as bytes. */
const SAMPLE = 'c2FtcGxl';
const TOKEN_RESPONSE = JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: SAMPLE_JWT, id_token: SAMPLE_JWT, refresh_token: 'r1', scope: 'openid' });

function fixtureOf(v: Value): FixtureValue | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof JTokenV) return v instanceof JArrayV ? { $jarray: JSON.parse(writeJson(v, false)) } : { $jobject: JSON.parse(writeJson(v, false)) };
  if (v instanceof JwtV) {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    return { $jwt: `${enc(v.header)}.${enc(v.payload)}.c2ln` };
  }
  if ((v as { $type?: string }).$type === 'Response') return { $response: RESPONSE_BODIES.get(v as object) ?? { status: 200, headers: { 'Content-Type': 'application/json' }, body: TOKEN_RESPONSE } };
  return undefined;
}

/**
 * The variables the policies of a file set before its expressions run, for a file without a recorded context (a new
 * corpus file, recorded by `UPDATE_EXPECTATIONS=1 npm run conformance`): its `set-variable` values evaluated in
 * document order, a token endpoint's JSON answer (plus the properties the file reads from a JSON answer) for each
 * `send-request` response variable, the token for each `output-token-variable-name`, a cache miss (`default-value`)
 * for `cache-lookup-value`; a JSON or form body, the request headers, route parameters and response headers the file
 * reads without a default, a response and a LastError when the file reads them. Included fragments run in place
 * (`corpus.fragments`); a fragment runs after the documents that include it (`corpus.includers`). Two passes, so that
 * a value set in one branch is there when another branch reads it (a cache hit); a string value that still fails on
 * the second pass is a sample string, other values that fail stay unset.
 */
export function deriveContext(text: string, namedValues: Record<string, string>, corpus: DeriveCorpus = {}): FixtureContext {
  const parse = (t: string): PolicyNode | undefined => {
    try {
      // loose: a file whose comment breaks XML's rules (loose mode reads on) still gets its context
      return parsePolicyXml(withNamedValues(t.charCodeAt(0) === 0xfeff ? t.slice(1) : t, namedValues), undefined, { loose: true });
    } catch {
      return undefined;
    }
  };
  const root = parse(text);
  if (!root) return {};
  // what the file reads is judged over the file and the documents and fragments it runs with
  const fragmentText = new Map(Object.entries(corpus.fragments ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const includes = (t: string) => [...t.matchAll(/<include-fragment\s+fragment-id="([^"]+)"/g)].map((m) => fragmentText.get(m[1]!.toLowerCase()) ?? '');
  const includers = corpus.includers ?? [];
  text = [text, ...includes(text), ...includers, ...includers.flatMap(includes)].join('\n');
  const out: FixtureContext = {};
  // what the file reads from the request decides the request it is written for
  if (/AsFormUrlEncodedContent/.test(text)) {
    out.method = 'POST';
    out.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    out.body = 'code=abc&state=xyz&grant_type=authorization_code';
  } else if (/Request\.Body/.test(text)) {
    out.method = 'POST';
    out.headers = { 'Content-Type': 'application/json' };
    out.body = JSON.stringify({ id: '42', name: 'item', data: { value: 1 } });
  }
  if (/Response\.Body/.test(text)) out.response = { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: '42', name: 'item', data: { value: 1 } }) };
  // expressions of on-error sections read the error that led there
  if (/LastError/.test(text)) out.lastError = { source: 'forward-request', reason: 'BackendConnectionFailure', message: 'Error occured while calling backend service.' };
  // the request headers, matched parameters and backend response headers the file reads without a default
  const headers = readKeys(text, /context\.Request\.Headers(?:\[|\.GetValueOrDefault\(|\.TryGetValue\()\s*"([^"]+)"\s*[\])]/g);
  if (headers.length) out.headers = { ...Object.fromEntries(headers.map((h) => [h, sampleHeader(h)])), ...out.headers };
  const params = readKeys(text, /MatchedParameters(?:\[|\.GetValueOrDefault\(|\.TryGetValue\()\s*"([^"]+)"\s*[\])]/g);
  if (params.length) out.matchedParameters = Object.fromEntries(params.map((p) => [p, p.toLowerCase() === 'id' ? '42' : `sample-${p}`]));
  const responseHeaders = readKeys(text, /context\.Response\.Headers(?:\[|\.GetValueOrDefault\()\s*"([^"]+)"\s*[\])]/g);
  if (responseHeaders.length) {
    out.response = { status: 200, ...out.response, headers: { ...Object.fromEntries(responseHeaders.map((h) => [h, sampleHeader(h)])), ...out.response?.headers } };
  }
  if (/context\.Subscription/.test(text)) out.subscription = true;
  if (/context\.Product/.test(text)) out.product = true;
  if (/context\.User/.test(text)) out.user = true;
  const vars = new Map<string, Value>();
  const evaluate = (src: string): Value | undefined => {
    if (!isExpressionText(src)) return src;
    try { return compileExpression(src.trim()).evaluate(buildContext(out, vars)); } catch { return undefined; }
  };
  // a token endpoint's answer, with the other properties the file reads from a JSON answer
  const read = readKeys(text, /Body\.As<JObject>\([^)]*\)\s*\[\s*"([^"]+)"\s*\]/g);
  const jsonBody = JSON.stringify({ ...Object.fromEntries(read.map((k) => [k, SAMPLE])), ...(JSON.parse(TOKEN_RESPONSE) as object) });
  // an answer the file reads as XML holds the elements it looks for
  const elements = readKeys(text, /(?:LocalName\s*==\s*|Descendants\(\s*|Elements?\(\s*)"([A-Za-z_][\w.-]*)"/g);
  const xmlBody = `<response>${elements.map((e) => `<${e}>${SAMPLE}</${e}>`).join('')}</response>`;
  const readsXml = (v: string) => new RegExp(`(XDocument|XElement)\\.Parse\\(\\s*\\(\\(IResponse\\)context\\.Variables\\["${v.replace(/[^\w-]/g, '.')}"\\]\\)\\.Body\\.As<string>|Variables\\["${v.replace(/[^\w-]/g, '.')}"\\]\\)\\.Body\\.As<X(Document|Element)>`).test(text);
  // and the headers the file reads from an answer
  const answerHeaders = Object.fromEntries(readKeys(text, /\(\(IResponse\)context\.Variables\["[^"]+"\]\)\.Headers(?:\[|\.GetValueOrDefault\()\s*"([^"]+)"\s*[\])]/g).map((h) => [h, sampleHeader(h)]));
  // a validated token carries the claims the file reads
  const claims = readKeys(text, /Claims(?:\[|\.GetValueOrDefault\(|\.TryGetValue\()\s*"([^"]+)"/g);
  const payload = JSON.parse(Buffer.from(SAMPLE_JWT.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  for (const c of claims) payload[c] ??= [SAMPLE];
  const jwt = [SAMPLE_JWT.split('.')[0], Buffer.from(JSON.stringify(payload)).toString('base64url'), 'c2ln'].join('.');
  const fragmentRoots = new Map<string, PolicyNode | undefined>();
  const visit = (n: PolicyNode) => {
    const a = n.attrs;
    // an included fragment's policies run in place
    if (n.name === 'include-fragment' && a['fragment-id'] !== undefined) {
      const id = a['fragment-id'].toLowerCase();
      if (!fragmentRoots.has(id)) fragmentRoots.set(id, fragmentText.has(id) ? parse(fragmentText.get(id)!) : undefined);
      const f = fragmentRoots.get(id);
      if (f) for (const c of f.children) visit(c);
    }
    if (n.name === 'set-variable' && a.name && a.value !== undefined) {
      const v = evaluate(a.value);
      if (v !== undefined) vars.set(a.name, v);
      // on the second pass, a value that still fails (it needs data no request of this context has: a cookie the
      // sign-in step set…) is a sample string, as in a run where it succeeded
      else if (pass === 1 && !vars.has(a.name) && stringValued(a.value)) vars.set(a.name, SAMPLE);
    }
    if ((n.name === 'send-request' || n.name === 'send-one-way-request') && a['response-variable-name']) {
      const xml = readsXml(a['response-variable-name']);
      const answer = { status: 200, headers: { 'Content-Type': xml ? 'application/xml' : 'application/json', ...answerHeaders }, body: xml ? xmlBody : jsonBody };
      const r = responseValue({ statusCode: 200, statusReason: 'OK', headers: headerMap(answer.headers), body: () => textBody(answer.body) });
      RESPONSE_BODIES.set(r as object, answer);
      vars.set(a['response-variable-name'], r);
    }
    // a cache miss: the default value when there is one (the variable stays unset otherwise)
    if (n.name === 'cache-lookup-value' && a['variable-name'] && a['default-value'] !== undefined && !vars.has(a['variable-name'])) {
      const v = evaluate(a['default-value']);
      if (v !== undefined) vars.set(a['variable-name'], v);
    }
    // validate-jwt stores the parsed token; authentication-managed-identity stores the token text
    if (a['output-token-variable-name']) vars.set(a['output-token-variable-name'], n.name.startsWith('validate-') ? parseJwt(jwt) : SAMPLE_JWT);
    for (const c of n.children) visit(c);
  };
  // a fragment runs inside the documents that include it: their policies set what it reads
  const roots = [...includers.map(parse).filter((r): r is PolicyNode => r !== undefined), root];
  let pass = 0;
  for (; pass < 2; pass++) for (const r of roots) visit(r);
  const variables: Record<string, FixtureValue> = {};
  for (const [k, v] of vars) { const f = fixtureOf(v); if (f !== undefined) variables[k] = f; }
  if (Object.keys(variables).length) out.variables = variables;
  return out;
}

/** The corpus a file runs with: fragments by id (for include-fragment), and for a fragment the documents that include it. */
export interface DeriveCorpus {
  fragments?: Record<string, string>;
  includers?: string[];
}

/**
 * The corpus of a set of policy files for deriveContext: its `<fragment>` files by id (file name, as the conformance
 * runner registers them) and, for a fragment, the documents that include it.
 */
export function corpusOf(files: string[]): (file: string) => DeriveCorpus {
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const isFragment = (t: string) => /^(\uFEFF)?(\s|<!--[\s\S]*?-->)*<fragment[\s>]/.test(t);
  const fragments = Object.fromEntries([...texts].filter(([, t]) => isFragment(t)).map(([f, t]) => [basename(f, '.xml'), t]));
  return (file) => {
    const id = basename(file, '.xml');
    if (!(id in fragments)) return { fragments };
    const includers = [...texts].filter(([f, t]) => f !== file && new RegExp(`fragment-id="${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`, 'i').test(t)).map(([, t]) => t);
    return { fragments, includers };
  };
}

/** An expression whose value is a string: an interpolated string, a concatenation, a (string) cast, ToString(). */
function stringValued(src: string): boolean {
  const s = src.trim();
  return /^@\(\s*(\$"|\(string\)|"[^"]*"\s*\+)/.test(s) || /\.(ToString|Trim|Substring|Replace|ToLower|ToUpper)\([^()]*\)\s*\)$/.test(s) || /\)\s*\[\s*1\s*\]\s*\)$/.test(s);
}

function readKeys(text: string, re: RegExp): string[] {
  return [...new Set([...text.matchAll(re)].map((m) => m[1]!))];
}

/** A plausible value for a header a policy reads (a number where it is a length, a URL where it is a location…). */
function sampleHeader(name: string): string {
  const n = name.toLowerCase();
  if (n === 'content-length') return '1024';
  if (n === 'content-type') return 'application/json';
  if (n === 'authorization') return `Bearer ${SAMPLE_JWT}`;
  if (n === 'location' || n === 'referer' || n === 'origin') return 'https://backend.contoso.com/operations/42';
  if (n.startsWith('x-forwarded-for')) return '203.0.113.7';
  if (n === 'retry-after') return '1';
  return `sample-${name}`;
}

/**
 * Named values the text uses that the list lacks (a new corpus file): defined as `1` (valid C# where an expression
 * uses one in code, a number where a policy parses one). APIM refuses to save a policy naming a named value the
 * service lacks, so a service set up for the file defines every one, in expressions and in plain text alike.
 */
export function undocumentedNamedValues(text: string, namedValues: Record<string, string>): Record<string, string> {
  const known = new Set(Object.keys(namedValues).map((k) => k.toLowerCase()));
  const out: Record<string, string> = {};
  const outside = text.replace(/<!--[\s\S]*?-->/g, '');
  for (const m of outside.matchAll(/\{\{([A-Za-z0-9._-]+)\}\}/g)) if (!known.has(m[1]!.toLowerCase())) out[m[1]!] = '1';
  return out;
}
