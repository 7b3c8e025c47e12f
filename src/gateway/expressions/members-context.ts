import { castTo, defaultOf, ExpressionRuntimeError, requireString, toDotNetString, type Value } from './values.js';
import { urlToString, wrap, type HeaderMap, type HostContext, type MutableUrl, type Wrapped } from './host.js';
import type { TypeTable } from './member-types.js';

const keyNotFound = (k: string) => new ExpressionRuntimeError('KeyNotFoundException', `The given key '${k}' was not present in the dictionary.`);
const ctxOf = (t: Value) => t as HostContext;
const inner = <T>(t: Value) => (t as unknown as Wrapped<T>).v;

/** `GetValueOrDefault<T>(key[, default])`: a present value is cast to T (InvalidCastException if it is not one). */
const typedGetter = (lookup: (t: Value, key: string) => Value | undefined) => ({
  type: (ta: string[]) => ta[0] ?? 'Object',
  call: (t: Value, [k, d]: Value[], typeArgs: string[]) => {
    const v = lookup(t, requireString(k ?? null, 'key'));
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

export const CONTEXT_TABLES: Record<string, TypeTable> = {
  Context: {
    props: {
      Variables: { type: 'Variables', get: (t) => wrap('Variables', ctxOf(t).variables) },
      Request: { type: 'Request', get: (t) => wrap('Request', ctxOf(t)) },
      Response: { type: 'Response', get: (t) => wrap('Response', ctxOf(t)) },
      Api: { type: 'Api', get: (t) => wrap('Api', ctxOf(t).api) },
      Operation: { type: 'Operation', get: (t) => wrap('Operation', ctxOf(t).operation) },
      Subscription: { type: 'Subscription', get: (t) => { const s = ctxOf(t).subscription; return s ? wrap('Subscription', s) : null; } },
      LastError: { type: 'LastError', get: (t) => { const e = ctxOf(t).lastError; return e ? wrap('LastError', e) : null; } },
      RequestId: { type: 'Guid', get: (t) => ({ $type: 'Guid', toDotNetString: ((id: string) => () => id)(ctxOf(t).requestId) }) as unknown as Value },
      User: { type: 'Object', get: () => null },
      Product: { type: 'Object', get: () => null },
    },
    methods: {
      Trace: { type: 'Void', call: (t, [m]) => { ctxOf(t).trace('expression', toDotNetString(m ?? null)); return null; } },
    },
  },
  Variables: {
    props: { Count: { type: 'Int32', get: (t) => inner<Map<string, Value>>(t).size } },
    methods: {
      GetValueOrDefault: typedGetter((t, k) => inner<Map<string, Value>>(t).get(k)),
      ContainsKey: { type: 'Boolean', call: (t, [k]) => inner<Map<string, Value>>(t).has(requireString(k ?? null, 'key')) },
    },
    index: {
      type: 'Object',
      get: (t, [k]) => {
        const key = requireString(k ?? null, 'key');
        const v = inner<Map<string, Value>>(t).get(key);
        if (v === undefined) throw keyNotFound(key);
        return v;
      },
    },
  },
  Request: {
    props: {
      Method: { type: 'String', get: (t) => inner<HostContext>(t).request.method },
      Url: { type: 'Url', get: (t) => wrap('Url', inner<HostContext>(t).request.url) },
      OriginalUrl: { type: 'Url', get: (t) => wrap('Url', inner<HostContext>(t).request.originalUrl) },
      Headers: { type: 'Headers', get: (t) => wrap('Headers', inner<HostContext>(t).request.headers) },
      IpAddress: { type: 'String', get: (t) => inner<HostContext>(t).request.ipAddress },
      MatchedParameters: { type: 'StringDictionary', get: (t) => wrap('StringDictionary', inner<HostContext>(t).request.matchedParameters) },
      Certificate: { type: 'Object', get: () => null },
    },
    methods: {},
  },
  Response: {
    props: {
      StatusCode: { type: 'Int32', get: (t) => inner<HostContext>(t).response.statusCode },
      StatusReason: { type: 'String', get: (t) => inner<HostContext>(t).response.statusReason },
      Headers: { type: 'Headers', get: (t) => wrap('Headers', inner<HostContext>(t).response.headers) },
    },
    methods: {},
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
  Headers: {
    props: { Count: { type: 'Int32', get: (t) => inner<HeaderMap>(t).size } },
    methods: {
      GetValueOrDefault: { type: 'String', call: (t, [k, d]) => headerValue(inner<HeaderMap>(t), requireString(k ?? null, 'key')) ?? (d === undefined ? null : d) },
      ContainsKey: { type: 'Boolean', call: (t, [k]) => inner<HeaderMap>(t).has(requireString(k ?? null, 'key').toLowerCase()) },
    },
    index: {
      type: 'String[]',
      get: (t, [k]) => {
        const key = requireString(k ?? null, 'key');
        const e = inner<HeaderMap>(t).get(key.toLowerCase());
        if (!e) throw keyNotFound(key);
        return [...e.values];
      },
    },
  },
  Query: {
    props: { Count: { type: 'Int32', get: (t) => new Set(inner<MutableUrl>(t).query.map(([k]) => k)).size } },
    methods: {
      GetValueOrDefault: { type: 'String', call: (t, [k, d]) => { const v = queryValues(inner<MutableUrl>(t), requireString(k ?? null, 'key')); return v.length ? v.join(',') : d === undefined ? null : d; } },
      ContainsKey: { type: 'Boolean', call: (t, [k]) => queryValues(inner<MutableUrl>(t), requireString(k ?? null, 'key')).length > 0 },
    },
    index: {
      type: 'String[]',
      get: (t, [k]) => { const key = requireString(k ?? null, 'key'); const v = queryValues(inner<MutableUrl>(t), key); if (!v.length) throw keyNotFound(key); return v; },
    },
  },
  StringDictionary: {
    props: { Count: { type: 'Int32', get: (t) => inner<Map<string, string>>(t).size } },
    methods: {
      GetValueOrDefault: { type: 'String', call: (t, [k, d]) => inner<Map<string, string>>(t).get(requireString(k ?? null, 'key')) ?? (d === undefined ? null : d) },
      ContainsKey: { type: 'Boolean', call: (t, [k]) => inner<Map<string, string>>(t).has(requireString(k ?? null, 'key')) },
    },
    index: {
      type: 'String',
      get: (t, [k]) => { const key = requireString(k ?? null, 'key'); const v = inner<Map<string, string>>(t).get(key); if (v === undefined) throw keyNotFound(key); return v; },
    },
  },
  Api: {
    props: {
      Id: { type: 'String', get: (t) => inner<HostContext['api']>(t).id },
      Name: { type: 'String', get: (t) => inner<HostContext['api']>(t).name },
      Path: { type: 'String', get: (t) => inner<HostContext['api']>(t).path },
      ServiceUrl: { type: 'Url', get: (t) => { const u = inner<HostContext['api']>(t).serviceUrl; return u ? wrap('Url', u) : null; } },
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
    props: Object.fromEntries((['Id', 'Name', 'Key', 'PrimaryKey', 'SecondaryKey'] as const).map((p) => [
      p, { type: 'String', get: (t: Value) => inner<NonNullable<HostContext['subscription']>>(t)[(p[0]!.toLowerCase() + p.slice(1)) as 'id'] },
    ])),
    methods: {},
  },
  LastError: {
    props: Object.fromEntries((['Source', 'Reason', 'Message', 'Scope', 'Section', 'Path', 'PolicyId'] as const).map((p) => [
      p, { type: 'String', get: (t: Value) => inner<NonNullable<HostContext['lastError']>>(t)[(p[0]!.toLowerCase() + p.slice(1)) as 'source'] },
    ])),
    methods: {},
  },
};
