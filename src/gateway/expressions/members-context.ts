/**
 * The `context` object model (docs/behaviour/apim.md §4.3) and the APIM extension methods (AsJwt, AsBasic, Body.As<T>,
 * AsFormUrlEncodedContent). Every reachable member is listed here; the data comes from HostContext.
 */
import { DateTimeV, TimeSpanV } from './lib-datetime.js';
import { DictV, ENUMERATORS, KeyValueV, ListV } from './lib-collections.js';
import { CertificateV as CertificateValue, openBundle, type CertificateV } from './lib-crypto.js';
import { notOfType, parseJson } from './lib-json.js';
import { parseXml } from './lib-xml.js';
import { GuidV } from './lib-number.js';
import { escapeDataString } from './lib-text.js';
import { castTo, normalizeType } from './types.js';
import {
  urlToString, wrap, type HeaderMap, type HostContext, type MessageBodyInfo, type MutableUrl, type ResponseInfo, type ResponseValue, type Wrapped,
} from './host.js';
import { OutRef, type Env, type StaticTable, type TypeTable } from './member-types.js';
import { defaultOf, EnumValue, invalidOperation, netError, requireString, toDotNetString, type HostValue, type Value } from './values.js';

const keyNotFound = (k: string) => netError('KeyNotFoundException', `The given key '${k}' was not present in the dictionary.`);
const ctxOf = (t: Value) => t as HostContext;
const inner = <T>(t: Value) => (t as unknown as Wrapped<T>).v;
const str = (v: Value | undefined, what: string) => requireString(v ?? null, what);
const date = (iso: string | undefined): Value => (iso ? new DateTimeV(Date.parse(iso), 'Utc') : null);

/** `GetValueOrDefault<T>(key[, default])`: a present value is cast to T (InvalidCastException if it is not one). */
const typedGetter = (lookup: (t: Value, key: string) => Value | undefined) => ({
  type: (ta: string[]) => (ta[0] ? normalizeType(ta[0]) : 'Object'),
  call: (t: Value, [k, d]: Value[], typeArgs: string[]) => {
    const v = lookup(t, str(k, 'key'));
    if (v === undefined) return d === undefined ? defaultOf(typeArgs[0]) : d;
    return typeArgs[0] ? castTo(typeArgs[0], v) : v;
  },
});

function headerValue(h: HeaderMap, name: string): string | undefined {
  const e = h.get(name.toLowerCase());
  return e ? e.values.join(',') : undefined;
}

function queryValues(u: MutableUrl, name: string): string[] {
  return u.query.filter(([k]) => k === name).map(([, v]) => v);
}

/** A read-only string dictionary table (headers, query, matched parameters, claims). */
function readOnlyDictionary(
  valueType: string, get: (t: Value, key: string) => Value | undefined, keys: (t: Value) => string[], joined?: (t: Value, key: string) => string | undefined,
): TypeTable {
  return {
    props: {
      Count: { type: 'Int32', get: (t) => keys(t).length },
      Keys: { type: 'IEnumerable<String>', get: (t) => keys(t) },
      Values: { type: `IEnumerable<${valueType}>`, get: (t) => keys(t).map((k) => get(t, k) ?? null) },
    },
    methods: {
      GetValueOrDefault: {
        type: 'String',
        call: (t, [k, d]) => {
          const key = str(k, 'key');
          const v = joined ? joined(t, key) : get(t, key);
          return v === undefined ? (d === undefined ? null : d) : v;
        },
      },
      ContainsKey: { type: 'Boolean', call: (t, [k]) => get(t, str(k, 'key')) !== undefined },
      TryGetValue: {
        type: 'Boolean',
        call: (t, [k, out]) => {
          const v = get(t, str(k, 'key'));
          if (out instanceof OutRef) out.set(v ?? null);
          return v !== undefined;
        },
      },
    },
    index: { type: valueType, get: (t, [k]) => { const key = str(k, 'key'); const v = get(t, key); if (v === undefined) throw keyNotFound(key); return v; } },
  };
}

const headersTable = readOnlyDictionary(
  'String[]',
  (t, k) => { const e = inner<HeaderMap>(t).get(k.toLowerCase()); return e ? [...e.values] : undefined; },
  (t) => [...inner<HeaderMap>(t).values()].map((e) => e.name),
  (t, k) => headerValue(inner<HeaderMap>(t), k),
);

const queryTable = readOnlyDictionary(
  'String[]',
  (t, k) => { const v = queryValues(inner<MutableUrl>(t), k); return v.length ? v : undefined; },
  (t) => [...new Set(inner<MutableUrl>(t).query.map(([k]) => k))],
  (t, k) => { const v = queryValues(inner<MutableUrl>(t), k); return v.length ? v.join(',') : undefined; },
);

const stringMapTable = readOnlyDictionary('String', (t, k) => inner<Map<string, string>>(t).get(k), (t) => [...inner<Map<string, string>>(t).keys()]);

// ---- JWT and Basic credentials ----------------------------------------------------------------------------------------

export class JwtV implements HostValue {
  readonly $type = 'Jwt';
  constructor(readonly header: Record<string, unknown>, readonly payload: Record<string, unknown>) {}
  claim(name: string): unknown { return Object.hasOwn(this.payload, name) ? this.payload[name] : undefined; }
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');

/** `string.AsJwt()`: parses without validating; a `Bearer ` prefix is accepted; anything else gives null. */
export function parseJwt(text: string): JwtV | null {
  const t = text.trim().replace(/^bearer\s+/i, '');
  const parts = t.split('.');
  if (parts.length !== 3 && parts.length !== 5) return null;
  if (!parts.slice(0, 2).every((p) => /^[A-Za-z0-9_-]+$/.test(p))) return null;
  try {
    const header = JSON.parse(b64url(parts[0]!)) as unknown;
    const payload = JSON.parse(b64url(parts[1]!)) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header) || !payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    return new JwtV(header as Record<string, unknown>, payload as Record<string, unknown>);
  } catch {
    return null;
  }
}

function claimValues(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean') return [v ? 'true' : 'false'];
  return [typeof v === 'object' ? JSON.stringify(v) : String(v)];
}

const jwt = (t: Value) => t as JwtV;
const numericDate = (v: unknown): Value => (typeof v === 'number' && Number.isFinite(v) ? new DateTimeV(v * 1000, 'Utc') : null);
const claimString = (t: Value, name: string): Value => { const v = jwt(t).claim(name); return v === undefined ? null : claimValues(v).join(','); };

const claimsTable = readOnlyDictionary(
  'String[]',
  (t, k) => { const v = inner<JwtV>(t).claim(k); return v === undefined ? undefined : claimValues(v); },
  (t) => Object.keys(inner<JwtV>(t).payload),
  (t, k) => { const v = inner<JwtV>(t).claim(k); return v === undefined ? undefined : claimValues(v).join(','); },
);

export class BasicV implements HostValue {
  readonly $type = 'BasicAuthCredentials';
  constructor(readonly userId: string, readonly password: string) {}
}

/** `string.AsBasic()`: `Basic base64(user:password)` (the prefix is optional); anything else gives null. */
export function parseBasic(text: string): BasicV | null {
  const t = text.trim().replace(/^basic\s+/i, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(t) || t.length % 4 !== 0) return null;
  const decoded = Buffer.from(t, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  return new BasicV(decoded.slice(0, i), decoded.slice(i + 1));
}

export const STRING_EXTENSIONS: TypeTable['methods'] = {
  AsJwt: { type: 'Jwt', call: (s) => parseJwt(s as string) },
  TryParseJwt: { type: 'Boolean', call: (s, [out]) => { const j = parseJwt(s as string); if (out instanceof OutRef) out.set(j); return j !== null; } },
  AsBasic: { type: 'BasicAuthCredentials', call: (s) => parseBasic(s as string) },
  TryParseBasic: { type: 'Boolean', call: (s, [out]) => { const b = parseBasic(s as string); if (out instanceof OutRef) out.set(b); return b !== null; } },
};

// ---- bodies -----------------------------------------------------------------------------------------------------------

class BodyV implements HostValue {
  readonly $type = 'MessageBody';
  constructor(readonly data: MessageBodyInfo) {}
}

function readBody(b: BodyV, preserve: Value | undefined): string {
  if (b.data.consumed) throw invalidOperation('The message body has already been read; use As<T>(preserveContent: true) to read it more than once.');
  try {
    return b.data.read(preserve === true);
  } catch (e) {
    if (e instanceof Error && 'exceptionType' in e) throw e;
    throw invalidOperation('The message body has already been read.');
  }
}

/** `Body.As<T>(preserveContent)` for T in string, byte[], JObject, JToken, JArray. */
function bodyAs(b: BodyV, type: string | undefined, preserve: Value | undefined, env: Env): Value {
  const t = normalizeType(type ?? 'String');
  const text = readBody(b, preserve);
  env.meter.string(text.length);
  switch (t) {
    case 'String': return text;
    case 'Byte[]': return new Uint8Array(Buffer.from(text, 'utf8'));
    case 'JObject': case 'JArray': case 'JToken': {
      const token = parseJson(text, env);
      if (t !== 'JToken' && token.$type !== t) throw notOfType(t, token);
      return token;
    }
    case 'XDocument': return parseXml(text, env);
    case 'XNode': case 'XElement': {
      const d = parseXml(text, env);
      const root = d.root!;
      root.parent = null;
      return root;
    }
    default:
      throw netError('NotSupportedException', `Body.As<${t}>() is not supported (string, byte[], JObject, JToken, JArray, XNode, XElement, XDocument).`);
  }
}

function formContent(b: BodyV, preserve: Value | undefined): DictV {
  const text = readBody(b, preserve);
  const d = new DictV();
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const i = pair.indexOf('=');
    const dec = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
    const k = dec(i < 0 ? pair : pair.slice(0, i));
    const v = i < 0 ? '' : dec(pair.slice(i + 1));
    const cur = d.get(k);
    if (cur) (cur[1] as ListV).items.push(v); else d.set(k, new ListV([v], 'String'));
  }
  return d;
}

/** Extension methods of `IDictionary<string, IList<string>>` (the form content). */
export const FORM_EXTENSIONS: TypeTable['methods'] = {
  ToQueryString: {
    type: 'String',
    call: (d) => [...(d as DictV).map.values()].flatMap(([k, v]) => (v instanceof ListV ? v.items : [v]).map((x) => `${escapeDataString(toDotNetString(k))}=${escapeDataString(toDotNetString(x))}`)).join('&'),
  },
  ToFormUrlEncodedContent: {
    type: 'String',
    call: (d) => [...(d as DictV).map.values()].flatMap(([k, v]) => (v instanceof ListV ? v.items : [v]).map((x) => `${encodeURIComponent(toDotNetString(k)).replace(/%20/g, '+')}=${encodeURIComponent(toDotNetString(x)).replace(/%20/g, '+')}`)).join('&'),
  },
};

// ---- responses --------------------------------------------------------------------------------------------------------

class ContextResponse implements ResponseInfo {
  constructor(readonly ctx: HostContext) {}
  get statusCode() { return this.ctx.response.statusCode; }
  get statusReason() { return this.ctx.response.statusReason; }
  get headers() { return this.ctx.response.headers; }
  body() { return this.ctx.responseBodyData?.() ?? null; }
}
const resp = (t: Value) => (t as ResponseValue).data;

const PRODUCT_STATE = { NotPublished: 0, Published: 1 };

/** `context.Request.Certificate`: one X509Certificate2 value per presented certificate (no private key). */
const PEER_VALUES = new WeakMap<object, CertificateV>();
function requestCertificate(ctx: HostContext): CertificateV | null {
  const x = ctx.requestCertificate?.() ?? null;
  if (!x) return null;
  let v = PEER_VALUES.get(x);
  if (!v) {
    v = new CertificateValue(x);
    PEER_VALUES.set(x, v);
  }
  return v;
}

/** Opened bundles, per certificates array of a service (the gateway hands the same array to every request). */
const OPENED = new WeakMap<object, Array<[string, CertificateV | Error]>>();

/** `context.Deployment.Certificates`: thumbprint → X509Certificate2 (a bundle that does not open is left out). */
function deploymentCertificates(list: ReadonlyArray<{ thumbprint: string; pfx: Buffer; passphrase?: string }> | undefined): DictV {
  const d = new DictV(undefined, 'String', 'X509Certificate2');
  if (!list) return d;
  let opened = OPENED.get(list);
  if (!opened) {
    opened = list.map((c) => {
      try { return [c.thumbprint.toUpperCase(), openBundle(c.pfx, c.passphrase)]; } catch (e) { return [c.thumbprint, e as Error]; }
    });
    OPENED.set(list, opened);
  }
  for (const [k, v] of opened) if (!(v instanceof Error)) d.set(k, v);
  return d;
}

export const CONTEXT_TABLES: Record<string, TypeTable> = {
  Context: {
    props: {
      Variables: { type: 'Variables', get: (t) => wrap('Variables', ctxOf(t).variables) },
      Request: { type: 'Request', get: (t) => wrap('Request', ctxOf(t)) },
      Response: { type: 'Response', get: (t) => ({ $type: 'Response', data: new ContextResponse(ctxOf(t)) }) as ResponseValue },
      Api: { type: 'Api', get: (t) => wrap('Api', ctxOf(t).api) },
      Operation: { type: 'Operation', get: (t) => wrap('Operation', ctxOf(t).operation) },
      Subscription: { type: 'Subscription', get: (t) => { const s = ctxOf(t).subscription; return s ? wrap('Subscription', s) : null; } },
      LastError: { type: 'LastError', get: (t) => { const e = ctxOf(t).lastError; return e ? wrap('LastError', e) : null; } },
      RequestId: { type: 'Guid', get: (t) => new GuidV(ctxOf(t).requestId.toLowerCase()) },
      User: { type: 'User', get: (t) => { const u = ctxOf(t).user; return u ? wrap('User', u) : null; } },
      Product: { type: 'Product', get: (t) => { const p = ctxOf(t).product; return p ? wrap('Product', p) : null; } },
      Deployment: { type: 'Deployment', get: (t) => wrap('Deployment', ctxOf(t)) },
      Elapsed: { type: 'TimeSpan', get: (t) => new TimeSpanV(Math.max(0, ctxOf(t).clock.now() - (ctxOf(t).startedAt ?? ctxOf(t).clock.now()))) },
      Timestamp: { type: 'DateTime', get: (t) => new DateTimeV(ctxOf(t).startedAt ?? ctxOf(t).clock.now(), 'Utc') },
      Tracing: { type: 'Boolean', get: (t) => ctxOf(t).tracing ?? false },
    },
    methods: {
      Trace: { type: 'Void', call: (t, [m]) => { ctxOf(t).trace('expression', toDotNetString(m ?? null)); return null; } },
    },
  },
  Variables: {
    props: {
      Count: { type: 'Int32', get: (t) => inner<Map<string, Value>>(t).size },
      Keys: { type: 'IEnumerable<String>', get: (t) => [...inner<Map<string, Value>>(t).keys()] },
    },
    methods: {
      GetValueOrDefault: typedGetter((t, k) => inner<Map<string, Value>>(t).get(k)),
      ContainsKey: { type: 'Boolean', call: (t, [k]) => inner<Map<string, Value>>(t).has(str(k, 'key')) },
      TryGetValue: {
        type: 'Boolean',
        call: (t, [k, out]) => {
          const v = inner<Map<string, Value>>(t).get(str(k, 'key'));
          if (out instanceof OutRef) out.set(v ?? null);
          return v !== undefined;
        },
      },
    },
    index: { type: 'Object', get: (t, [k]) => { const key = str(k, 'key'); const v = inner<Map<string, Value>>(t).get(key); if (v === undefined) throw keyNotFound(key); return v; } },
  },
  Request: {
    props: {
      Method: { type: 'String', get: (t) => inner<HostContext>(t).request.method },
      Url: { type: 'Url', get: (t) => wrap('Url', inner<HostContext>(t).request.url) },
      OriginalUrl: { type: 'Url', get: (t) => wrap('Url', inner<HostContext>(t).request.originalUrl) },
      Headers: { type: 'Headers', get: (t) => wrap('Headers', inner<HostContext>(t).request.headers) },
      IpAddress: { type: 'String', get: (t) => inner<HostContext>(t).request.ipAddress },
      MatchedParameters: { type: 'StringDictionary', get: (t) => wrap('StringDictionary', inner<HostContext>(t).request.matchedParameters) },
      Body: { type: 'MessageBody', get: (t) => { const b = inner<HostContext>(t).requestBodyData?.(); return b ? new BodyV(b) : null; } },
      Certificate: { type: 'X509Certificate2', get: (t) => requestCertificate(inner<HostContext>(t)) },
    },
    methods: {},
  },
  Response: {
    props: {
      StatusCode: { type: 'Int32', get: (t) => resp(t).statusCode },
      StatusReason: { type: 'String', get: (t) => resp(t).statusReason },
      Headers: { type: 'Headers', get: (t) => wrap('Headers', resp(t).headers) },
      Body: { type: 'MessageBody', get: (t) => { const b = resp(t).body(); return b ? new BodyV(b) : null; } },
    },
    methods: {},
  },
  MessageBody: {
    props: {},
    methods: {
      As: { type: (ta) => (ta[0] ? normalizeType(ta[0]) : 'String'), names: ['preserveContent'], call: (b, [p], ta, env) => bodyAs(b as BodyV, ta[0], p, env) },
      AsFormUrlEncodedContent: { type: 'Dictionary<String, List<String>>', names: ['preserveContent'], call: (b, [p]) => formContent(b as BodyV, p) },
    },
  },
  Url: {
    props: {
      Scheme: { type: 'String', get: (t) => inner<MutableUrl>(t).scheme },
      Host: { type: 'String', get: (t) => inner<MutableUrl>(t).host },
      Port: { type: 'Int32', get: (t) => inner<MutableUrl>(t).port },
      Path: { type: 'String', get: (t) => inner<MutableUrl>(t).path },
      Query: { type: 'Query', get: (t) => wrap('Query', inner<MutableUrl>(t)) },
      QueryString: { type: 'String', get: (t) => { const s = urlToString(inner<MutableUrl>(t)); const i = s.indexOf('?'); return i < 0 ? '' : s.slice(i); } },
    },
    methods: { ToString: { type: 'String', call: (t) => urlToString(inner<MutableUrl>(t)) } },
  },
  Headers: headersTable,
  Query: queryTable,
  StringDictionary: stringMapTable,
  Api: {
    props: {
      Id: { type: 'String', get: (t) => inner<HostContext['api']>(t).id },
      Name: { type: 'String', get: (t) => inner<HostContext['api']>(t).name },
      Path: { type: 'String', get: (t) => inner<HostContext['api']>(t).path },
      Protocols: { type: 'IEnumerable<String>', get: (t) => [...inner<HostContext['api']>(t).protocols] },
      ServiceUrl: { type: 'Url', get: (t) => { const u = inner<HostContext['api']>(t).serviceUrl; return u ? wrap('Url', u) : null; } },
      Version: { type: 'String', get: (t) => inner<HostContext['api']>(t).version ?? null },
      Revision: { type: 'String', get: (t) => inner<HostContext['api']>(t).revision ?? '1' },
      IsCurrentRevision: { type: 'Boolean', get: (t) => inner<HostContext['api']>(t).isCurrentRevision ?? true },
      SubscriptionKeyParameterNames: {
        type: 'SubscriptionKeyParameterNames',
        get: (t) => wrap('SubscriptionKeyParameterNames', inner<HostContext['api']>(t).subscriptionKeyParameterNames ?? { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' }),
      },
    },
    methods: {},
  },
  SubscriptionKeyParameterNames: {
    props: {
      Header: { type: 'String', get: (t) => inner<{ header: string }>(t).header },
      Query: { type: 'String', get: (t) => inner<{ query: string }>(t).query },
    },
    methods: {},
  },
  Operation: {
    props: {
      Id: { type: 'String', get: (t) => inner<HostContext['operation']>(t).id },
      Name: { type: 'String', get: (t) => inner<HostContext['operation']>(t).name },
      Method: { type: 'String', get: (t) => inner<HostContext['operation']>(t).method },
      UrlTemplate: { type: 'String', get: (t) => inner<HostContext['operation']>(t).urlTemplate },
    },
    methods: {},
  },
  Subscription: {
    props: {
      ...Object.fromEntries((['Id', 'Name', 'Key', 'PrimaryKey', 'SecondaryKey'] as const).map((p) => [
        p, { type: 'String', get: (t: Value) => inner<NonNullable<HostContext['subscription']>>(t)[(p[0]!.toLowerCase() + p.slice(1)) as 'id'] },
      ])),
      CreatedDate: { type: 'DateTime', get: (t) => date(inner<NonNullable<HostContext['subscription']>>(t).createdDate) ?? new DateTimeV(0, 'Utc') },
      StartDate: { type: 'DateTime?', get: (t) => date(inner<NonNullable<HostContext['subscription']>>(t).startDate) },
      EndDate: { type: 'DateTime?', get: (t) => date(inner<NonNullable<HostContext['subscription']>>(t).endDate) },
    },
    methods: {},
  },
  LastError: {
    props: Object.fromEntries((['Source', 'Reason', 'Message', 'Scope', 'Section', 'Path', 'PolicyId'] as const).map((p) => [
      p, { type: 'String', get: (t: Value) => inner<NonNullable<HostContext['lastError']>>(t)[(p[0]!.toLowerCase() + p.slice(1)) as 'source'] },
    ])),
    methods: {},
  },
  User: {
    props: {
      Id: { type: 'String', get: (t) => inner<NonNullable<HostContext['user']>>(t).id },
      Email: { type: 'String', get: (t) => inner<NonNullable<HostContext['user']>>(t).email },
      FirstName: { type: 'String', get: (t) => inner<NonNullable<HostContext['user']>>(t).firstName },
      LastName: { type: 'String', get: (t) => inner<NonNullable<HostContext['user']>>(t).lastName },
      Note: { type: 'String', get: (t) => inner<NonNullable<HostContext['user']>>(t).note },
      RegistrationDate: { type: 'DateTime', get: (t) => date(inner<NonNullable<HostContext['user']>>(t).registrationDate) ?? new DateTimeV(0, 'Utc') },
      Groups: { type: 'IEnumerable<Group>', get: (t) => inner<NonNullable<HostContext['user']>>(t).groups.map((g) => wrap('UserGroup', g)) },
      Identities: { type: 'IEnumerable<UserIdentity>', get: (t) => inner<NonNullable<HostContext['user']>>(t).identities.map((g) => wrap('UserIdentity', g)) },
    },
    methods: {},
  },
  UserGroup: {
    props: { Id: { type: 'String', get: (t) => inner<{ id: string }>(t).id }, Name: { type: 'String', get: (t) => inner<{ name: string }>(t).name } },
    methods: {},
  },
  UserIdentity: {
    props: { Id: { type: 'String', get: (t) => inner<{ id: string }>(t).id }, Provider: { type: 'String', get: (t) => inner<{ provider: string }>(t).provider } },
    methods: {},
  },
  Product: {
    props: {
      Id: { type: 'String', get: (t) => inner<NonNullable<HostContext['product']>>(t).id },
      Name: { type: 'String', get: (t) => inner<NonNullable<HostContext['product']>>(t).name },
      State: { type: 'ProductState', get: (t) => new EnumValue('ProductState', inner<NonNullable<HostContext['product']>>(t).state === 'Published' ? 1 : 0, PRODUCT_STATE) },
      SubscriptionRequired: { type: 'Boolean', get: (t) => inner<NonNullable<HostContext['product']>>(t).subscriptionRequired },
      ApprovalRequired: { type: 'Boolean', get: (t) => inner<NonNullable<HostContext['product']>>(t).approvalRequired },
      SubscriptionsLimit: { type: 'Int32?', get: (t) => inner<NonNullable<HostContext['product']>>(t).subscriptionsLimit },
      Groups: { type: 'IEnumerable<UserGroup>', get: (t) => inner<NonNullable<HostContext['product']>>(t).groups.map((g) => wrap('UserGroup', { id: g, name: g })) },
      // IProduct.Apis of the policy toolkit's expression context (Azure/azure-api-management-policy-toolkit, IProduct.cs).
      Apis: { type: 'IEnumerable<Api>', get: (t) => (inner<NonNullable<HostContext['product']>>(t).apiInfos ?? []).map((a) => wrap('Api', a)) },
    },
    methods: {},
  },
  Deployment: {
    props: {
      Region: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.region ?? 'West US' },
      ServiceName: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.serviceName ?? '' },
      ServiceId: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.serviceId ?? '' },
      GatewayId: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.gatewayId ?? 'managed' },
      // docs/behaviour/apim.md §4.3: Gateway{Id, InstanceId, IsManaged}; the twin is a managed gateway ('managed' for both ids)
      Gateway: { type: 'Gateway', get: (t) => wrap('Gateway', inner<HostContext>(t)) },
      Certificates: { type: 'Dictionary<String, X509Certificate2>', get: (t) => deploymentCertificates(inner<HostContext>(t).deployment?.certificates) },
    },
    methods: {},
  },
  Gateway: {
    props: {
      Id: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.gatewayId ?? 'managed' },
      InstanceId: { type: 'String', get: (t) => inner<HostContext>(t).deployment?.gatewayId ?? 'managed' },
      IsManaged: { type: 'Boolean', get: (t) => (inner<HostContext>(t).deployment?.gatewayId ?? 'managed') === 'managed' },
    },
    methods: {},
  },
  Jwt: {
    props: {
      Algorithm: { type: 'String', get: (t) => (typeof jwt(t).header.alg === 'string' ? jwt(t).header.alg as string : null) },
      Type: { type: 'String', get: (t) => (typeof jwt(t).header.typ === 'string' ? jwt(t).header.typ as string : null) },
      Audiences: { type: 'String[]', get: (t) => claimValues(jwt(t).claim('aud')) },
      Claims: { type: 'Claims', get: (t) => wrap('Claims', jwt(t)) },
      ExpirationTime: { type: 'DateTime?', get: (t) => numericDate(jwt(t).claim('exp')) },
      NotBefore: { type: 'DateTime?', get: (t) => numericDate(jwt(t).claim('nbf')) },
      IssuedAt: { type: 'DateTime?', get: (t) => numericDate(jwt(t).claim('iat')) },
      Id: { type: 'String', get: (t) => claimString(t, 'jti') },
      Issuer: { type: 'String', get: (t) => claimString(t, 'iss') },
      Subject: { type: 'String', get: (t) => claimString(t, 'sub') },
    },
    methods: {},
  },
  Claims: claimsTable,
  BasicAuthCredentials: {
    props: {
      UserId: { type: 'String', get: (t) => (t as BasicV).userId },
      Password: { type: 'String', get: (t) => (t as BasicV).password },
    },
    methods: {},
  },
};

ENUMERATORS.push((v) => {
  const w = v as Wrapped<unknown>;
  switch ((v as HostValue).$type) {
    case 'Headers': return [...inner<HeaderMap>(v).values()].map((e) => new KeyValueV(e.name, [...e.values]));
    case 'Variables': return [...inner<Map<string, Value>>(v)].map(([k, x]) => new KeyValueV(k, x));
    case 'StringDictionary': return [...inner<Map<string, string>>(v)].map(([k, x]) => new KeyValueV(k, x));
    case 'Query': { const u = inner<MutableUrl>(v); return [...new Set(u.query.map(([k]) => k))].map((k) => new KeyValueV(k, queryValues(u, k))); }
    case 'Claims': return Object.keys(inner<JwtV>(v).payload).map((k) => new KeyValueV(k, claimValues(inner<JwtV>(v).claim(k))));
    default: return w && undefined;
  }
});

export const CONTEXT_STATICS: Record<string, StaticTable> = {
  ProductState: { props: Object.fromEntries(Object.entries(PRODUCT_STATE).map(([k, v]) => [k, { type: 'ProductState', get: () => new EnumValue('ProductState', v, PRODUCT_STATE) }])), methods: {} },
};

/** Types whose values enumerate (for LINQ). */
export const CONTEXT_ENUMERABLE_TYPES = ['Headers', 'Variables', 'StringDictionary', 'Query', 'Claims'];

