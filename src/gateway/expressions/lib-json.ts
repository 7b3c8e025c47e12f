/**
 * Newtonsoft.Json.Linq (JToken, JObject, JArray, JProperty, JValue) and JsonConvert, with Newtonsoft's visible
 * behaviour: `ToString()` is indented (2 spaces, Environment.NewLine), `Formatting.None` is compact, doubles keep `.0`,
 * ISO date strings parse to Date tokens, a reader depth limit of 64, `jobj["missing"]` is null, `(string)token` unwraps.
 */
import { DateTimeOffsetV, DateTimeV, formatDate, TimeSpanV } from './lib-datetime.js';
import { AnonV, DictV, enumerate, ENUMERATORS, KeyValueV, ListV } from './lib-collections.js';
import { GuidV, roundHalfEven } from './lib-number.js';
import { NEWLINE } from './lib-string.js';
import { limitExceeded } from './meter.js';
import { OutRef, type Env, type StaticTable, type TypeTable } from './member-types.js';
import { TOKEN_CONVERSIONS } from './types.js';
import {
  argOutOfRange, EnumValue, formatDouble, invalidCast, isHost, netError, requireInt, requireString, toDotNetString, type HostValue, type Value,
} from './values.js';

const TOKEN_TYPES = {
  None: 0, Object: 1, Array: 2, Constructor: 3, Property: 4, Comment: 5, Integer: 6, Float: 7, String: 8, Boolean: 9, Null: 10, Undefined: 11,
  Date: 12, Raw: 13, Bytes: 14, Guid: 15, Uri: 16, TimeSpan: 17,
};
type TokenKind = keyof typeof TOKEN_TYPES;
const tokenType = (k: TokenKind) => new EnumValue('JTokenType', TOKEN_TYPES[k], TOKEN_TYPES);
const FORMATTING = { None: 0, Indented: 1 };
/** Newtonsoft's reader MaxDepth default. */
const MAX_JSON_DEPTH = 64;
/** Nesting the twin serializes (tokens built in code can nest deeper than parsed ones). */
const MAX_WRITE_DEPTH = 1000;

export abstract class JTokenV implements HostValue {
  abstract readonly $type: string;
  parent: JContainerV | null = null;
  abstract kind(): TokenKind;
  abstract clone(): JTokenV;
  netString(): string { return writeJson(this, true); }
}

export abstract class JContainerV extends JTokenV {
  abstract children(): JTokenV[];
}

export class JValueV extends JTokenV {
  readonly $type = 'JValue';
  constructor(public value: Value, public vkind: TokenKind) { super(); }
  kind(): TokenKind { return this.vkind; }
  clone(): JValueV { return new JValueV(this.value, this.vkind); }
  override netString(): string {
    // JValue.ToString(): the value's own text (current culture), not JSON
    if (this.value === null) return '';
    if (this.vkind === 'Float' && typeof this.value === 'number') return formatDouble(this.value);
    return toDotNetString(this.value);
  }
}

export class JPropertyV extends JContainerV {
  readonly $type = 'JProperty';
  value: JTokenV;
  constructor(readonly name: string, value: JTokenV) { super(); this.value = adopt(this, value); }
  kind(): TokenKind { return 'Property'; }
  clone(): JPropertyV { return new JPropertyV(this.name, this.value.clone()); }
  children(): JTokenV[] { return [this.value]; }
  override netString(): string { return writeJson(this, true); }
}

export class JObjectV extends JContainerV {
  readonly $type = 'JObject';
  readonly props = new Map<string, JPropertyV>();
  kind(): TokenKind { return 'Object'; }
  clone(): JObjectV { const o = new JObjectV(); for (const p of this.props.values()) o.put(p.clone()); return o; }
  children(): JTokenV[] { return [...this.props.values()]; }
  put(p: JPropertyV): void {
    const existing = this.props.get(p.name);
    if (existing) existing.parent = null;
    const prop = adopt(this, p) as JPropertyV;
    this.props.set(p.name, prop);
  }
  add(p: JPropertyV): void {
    if (this.props.has(p.name)) throw netError('ArgumentException', `Can not add property ${p.name} to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object.`);
    this.put(p);
  }
  get(name: string): JTokenV | null { return this.props.get(name)?.value ?? null; }
}

export class JArrayV extends JContainerV {
  readonly $type = 'JArray';
  items: JTokenV[] = [];
  kind(): TokenKind { return 'Array'; }
  clone(): JArrayV { const a = new JArrayV(); for (const x of this.items) a.items.push(adopt(a, x.clone())); return a; }
  children(): JTokenV[] { return this.items; }
}

/** A token that already has a parent is cloned when added elsewhere (Newtonsoft's behaviour). */
function adopt(parent: JContainerV, t: JTokenV): JTokenV {
  const token = t.parent && t.parent !== parent ? t.clone() : t;
  token.parent = parent;
  return token;
}

function detach(t: JTokenV): void {
  const p = t.parent;
  if (!p) return;
  if (p instanceof JObjectV && t instanceof JPropertyV) p.props.delete(t.name);
  else if (p instanceof JArrayV) p.items = p.items.filter((x) => x !== t);
  else if (p instanceof JPropertyV) throw invalidOperation('Cannot add or remove items from Newtonsoft.Json.Linq.JProperty.');
  t.parent = null;
}
const invalidOperation = (m: string) => netError('InvalidOperationException', m);

// ---- conversion from .NET values -------------------------------------------------------------------------------------

/** Implicit conversion of a value to a JToken (`jobj["a"] = "x"`, `new JProperty("a", 5)`, `jarray.Add(1.5)`). */
export function toToken(v: Value, env?: Env, depth = 0): JTokenV {
  if (depth > MAX_WRITE_DEPTH) throw limitExceeded('The value is nested too deeply to convert to JSON');
  if (v instanceof JTokenV) return v;
  if (v === null) return new JValueV(null, 'Null');
  switch (typeof v) {
    case 'string': return new JValueV(v, 'String');
    case 'number': return new JValueV(v, Number.isInteger(v) ? 'Integer' : 'Float');
    case 'boolean': return new JValueV(v, 'Boolean');
  }
  if (v instanceof DateTimeV || v instanceof DateTimeOffsetV) return new JValueV(v, 'Date');
  if (v instanceof GuidV) return new JValueV(v, 'Guid');
  if (v instanceof TimeSpanV) return new JValueV(v, 'TimeSpan');
  if (v instanceof Uint8Array) return new JValueV(v, 'Bytes');
  if (v instanceof EnumValue) return new JValueV(v.value, 'Integer');
  return fromObject(v, env, depth);
}

/** JObject.FromObject / JToken.FromObject: anonymous objects and dictionaries become objects, sequences arrays. */
export function fromObject(v: Value, env?: Env, depth = 0): JTokenV {
  if (depth > MAX_WRITE_DEPTH) throw limitExceeded('The value is nested too deeply to convert to JSON');
  if (v instanceof JTokenV) return v.clone();
  if (v instanceof AnonV) {
    const o = new JObjectV();
    for (const [k, x] of v.fields) o.put(new JPropertyV(k, toToken(x, env, depth + 1)));
    return o;
  }
  if (v instanceof DictV) {
    const o = new JObjectV();
    for (const [k, x] of v.map.values()) o.put(new JPropertyV(toDotNetString(k), toToken(x, env, depth + 1)));
    return o;
  }
  if (v instanceof KeyValueV) {
    const o = new JObjectV();
    o.put(new JPropertyV('Key', toToken(v.key, env, depth + 1)));
    o.put(new JPropertyV('Value', toToken(v.value, env, depth + 1)));
    return o;
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && (Array.isArray(v) || isEnumerableHost(v))) {
    const a = new JArrayV();
    const items = enumerate(v);
    env?.meter.collection(items.length);
    for (const x of items) a.items.push(adopt(a, toToken(x, env, depth + 1)));
    return a;
  }
  if (v === null || typeof v !== 'object') return toToken(v, env, depth);
  if (v instanceof Uint8Array) return new JValueV(v, 'Bytes');
  throw netError('JsonSerializationException', `The twin cannot serialize an object of type '${(v as HostValue).$type}'.`);
}

function isEnumerableHost(v: Value): boolean {
  return v instanceof ListV || (isHost(v) && ['HashSet', 'Queue', 'Stack', 'Grouping'].includes(v.$type));
}

// ---- writing ----------------------------------------------------------------------------------------------------------

function escapeJson(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c === 0x85 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

function isoDate(v: DateTimeV | DateTimeOffsetV): string {
  if (v instanceof DateTimeOffsetV) return formatDate(v.local, "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFFzzz", '', v.offset, false);
  const suffix = v.kind === 'Utc' ? 'Z' : v.kind === 'Local' ? '+00:00' : '';
  return formatDate(v.ms, "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF", '', 0, false) + suffix;
}

function valueJson(t: JValueV): string {
  const v = t.value;
  if (v === null) return 'null';
  switch (t.vkind) {
    case 'Integer': return String(v);
    case 'Float': {
      const n = v as number;
      if (Number.isNaN(n)) return '"NaN"';
      if (!Number.isFinite(n)) return n > 0 ? '"Infinity"' : '"-Infinity"';
      const s = formatDouble(n);
      return /[.E]/.test(s) ? s : s + '.0';
    }
    case 'Boolean': return v ? 'true' : 'false';
    case 'Date': return escapeJson(isoDate(v as DateTimeV));
    case 'Bytes': return escapeJson(Buffer.from(v as Uint8Array).toString('base64'));
    case 'Raw': return String(v);
    default: return escapeJson(toDotNetString(v));
  }
}

/** JSON text of a token: indented like Newtonsoft (2 spaces, Environment.NewLine) or compact. */
export function writeJson(t: JTokenV, indented: boolean, env?: Env): string {
  const chunks: string[] = [];
  let length = 0;
  const max = env?.meter.limits.maxStringLength ?? Infinity;
  const put = (s: string) => {
    length += s.length;
    if (length > max) env!.meter.string(length);
    chunks.push(s);
  };
  const nl = (depth: number) => { if (indented) put(NEWLINE + '  '.repeat(depth)); };
  const walk = (x: JTokenV, depth: number): void => {
    if (depth > MAX_WRITE_DEPTH) throw limitExceeded('The JSON is nested too deeply to write');
    if (x instanceof JValueV) { put(valueJson(x)); return; }
    if (x instanceof JPropertyV) { put(escapeJson(x.name) + (indented ? ': ' : ':')); walk(x.value, depth); return; }
    const kids = x instanceof JObjectV ? [...x.props.values()] : (x as JArrayV).items;
    const [open, close] = x instanceof JObjectV ? ['{', '}'] : ['[', ']'];
    if (!kids.length) { put(open + close); return; }
    put(open);
    kids.forEach((k, i) => {
      if (i) put(',');
      nl(depth + 1);
      walk(k, depth + 1);
    });
    nl(depth);
    put(close);
  };
  walk(t, 0);
  if (env) env.meter.string(length);
  return chunks.join('');
}

// ---- reading ----------------------------------------------------------------------------------------------------------

const readerError = (msg: string, pos: number) => netError('JsonReaderException', `${msg} Path '', position ${pos}.`);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$/;

/** A JSON reader with Newtonsoft's leniencies: comments, single quotes, unquoted names; dates detected in strings. */
export function parseJson(text: string, env?: Env): JTokenV {
  let i = 0;
  const s = text;
  const ws = () => {
    for (;;) {
      while (i < s.length && /\s/.test(s[i]!)) i++;
      if (s.startsWith('//', i)) { while (i < s.length && s[i] !== '\n') i++; continue; }
      if (s.startsWith('/*', i)) { const e = s.indexOf('*/', i + 2); if (e < 0) throw readerError('Unexpected end while parsing comment.', s.length); i = e + 2; continue; }
      return;
    }
  };
  const str = (q: string): string => {
    i++;
    let out = '';
    for (;;) {
      if (i >= s.length) throw readerError('Unterminated string. Expected delimiter: ' + q + '.', i);
      const c = s[i]!;
      if (c === q) { i++; return out; }
      if (c === '\\') {
        const e = s[i + 1];
        const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };
        if (e === 'u') {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw readerError('Invalid Unicode escape sequence.', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        if (e === undefined || map[e] === undefined) throw readerError(`Bad JSON escape sequence: \\${e ?? ''}.`, i);
        out += map[e];
        i += 2;
        continue;
      }
      out += c;
      i++;
    }
  };
  let count = 0;
  const value = (depth: number): JTokenV => {
    if (depth > MAX_JSON_DEPTH) throw readerError(`The reader's MaxDepth of ${MAX_JSON_DEPTH} has been exceeded.`, i);
    ws();
    const c = s[i];
    if (++count > (env?.meter.limits.maxCollectionLength ?? Infinity)) env!.meter.collection(count);
    if (c === '{') {
      i++;
      const o = new JObjectV();
      ws();
      if (s[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        let name: string;
        if (s[i] === '"' || s[i] === "'") name = str(s[i]!);
        else {
          const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(s.slice(i, i + 256));
          if (!m) throw readerError(`Invalid property identifier character: ${s[i] ?? 'end of input'}.`, i);
          name = m[0];
          i += name.length;
        }
        ws();
        if (s[i] !== ':') throw readerError(`Invalid character after parsing property name. Expected ':' but got: ${s[i] ?? 'end of input'}.`, i);
        i++;
        o.put(new JPropertyV(name, value(depth + 1)));
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === '}') { i++; return o; }
        throw readerError(`After parsing a value an unexpected character was encountered: ${s[i] ?? 'end of input'}.`, i);
      }
    }
    if (c === '[') {
      i++;
      const a = new JArrayV();
      ws();
      if (s[i] === ']') { i++; return a; }
      for (;;) {
        a.items.push(adopt(a, value(depth + 1)));
        ws();
        if (s[i] === ',') { i++; ws(); if (s[i] === ']') { i++; return a; } continue; }
        if (s[i] === ']') { i++; return a; }
        throw readerError(`After parsing a value an unexpected character was encountered: ${s[i] ?? 'end of input'}.`, i);
      }
    }
    if (c === '"' || c === "'") {
      const text = str(c);
      if (ISO_DATE.test(text)) {
        const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
        if (!Number.isNaN(ms)) {
          const frac = /\.(\d{4,7})/.exec(text);
          const extra = frac ? (Number(frac[1]!.padEnd(7, '0')) % 10000) / 10000 : 0;
          const kind = text.endsWith('Z') ? 'Utc' : /[+-]\d{2}:\d{2}$/.test(text) ? 'Local' : 'Unspecified';
          const local = kind === 'Unspecified' ? Date.parse(text.replace(/(\.\d{3})\d+/, '$1') + 'Z') : ms;
          return new JValueV(new DateTimeV(local + extra, kind), 'Date');
        }
      }
      return new JValueV(text, 'String');
    }
    const m = /^(-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|true|false|null|NaN|Infinity|-Infinity|undefined)/.exec(s.slice(i, i + 400));
    if (!m) throw readerError(`Unexpected character encountered while parsing value: ${c ?? 'end of input'}.`, i);
    i += m[0].length;
    const t = m[0];
    if (t === 'true' || t === 'false') return new JValueV(t === 'true', 'Boolean');
    if (t === 'null' || t === 'undefined') return new JValueV(null, t === 'null' ? 'Null' : 'Undefined');
    if (t === 'NaN' || t.endsWith('Infinity')) return new JValueV(Number(t), 'Float');
    const n = Number(t);
    return new JValueV(n, m[2] || m[3] ? 'Float' : 'Integer');
  };
  const root = value(1);
  ws();
  if (i < s.length) throw readerError(`Additional text encountered after finished reading JSON content: ${s[i]}.`, i);
  return root;
}

// ---- JSONPath (SelectToken) ---------------------------------------------------------------------------------------------

function selectTokens(root: JTokenV, path: string): JTokenV[] {
  let cur: JTokenV[] = [root];
  let i = 0;
  const p = path.trim();
  if (p.startsWith('$')) i = 1;
  const children = (t: JTokenV): JTokenV[] => (t instanceof JObjectV ? [...t.props.values()].map((x) => x.value) : t instanceof JArrayV ? t.items : []);
  const descend = (t: JTokenV): JTokenV[] => [t, ...children(t).flatMap(descend)];
  while (i < p.length) {
    if (p.startsWith('..', i)) {
      i += 2;
      const m = /^[^.[\]]+/.exec(p.slice(i));
      const all = cur.flatMap(descend);
      if (m) { i += m[0].length; cur = all.flatMap((t) => (t instanceof JObjectV && t.props.has(m[0]) ? [t.get(m[0])!] : [])); } else cur = all;
      continue;
    }
    if (p[i] === '.') { i++; continue; }
    if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) throw netError('JsonException', `Path ended with open indexer.`);
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') { cur = cur.flatMap(children); continue; }
      if (inner.startsWith('?')) throw netError('NotSupportedException', 'JSONPath filter expressions are not supported by the twin.');
      const q = /^'(.*)'$|^"(.*)"$/.exec(inner);
      if (q) { const name = q[1] ?? q[2]!; cur = cur.flatMap((t) => (t instanceof JObjectV && t.props.has(name) ? [t.get(name)!] : [])); continue; }
      if (/^-?\d+$/.test(inner)) {
        const n = Number(inner);
        cur = cur.flatMap((t) => { if (!(t instanceof JArrayV)) return []; const x = t.items[n < 0 ? t.items.length + n : n]; return x ? [x] : []; });
        continue;
      }
      throw netError('JsonException', `Unexpected character while parsing path indexer: ${inner[0]}`);
    }
    const m = /^[^.[\]]+/.exec(p.slice(i))!;
    i += m[0].length;
    if (m[0] === '*') { cur = cur.flatMap(children); continue; }
    cur = cur.flatMap((t) => (t instanceof JObjectV && t.props.has(m[0]) ? [t.get(m[0])!] : []));
  }
  return cur;
}

// ---- explicit conversions ((string)token, (int)token…) ------------------------------------------------------------------

const cannotConvert = (t: JTokenV, to: string) => netError('ArgumentException', `Can not convert ${t.kind()} to ${to}.`);

export function convertToken(type: string, t: HostValue): Value | undefined {
  if (!(t instanceof JTokenV)) return undefined;
  const base = type.replace(/\?$/, '');
  const nullable = type.endsWith('?');
  if (!(t instanceof JValueV)) {
    if (['String', 'Int32', 'Int64', 'Double', 'Boolean', 'Decimal', 'DateTime', 'Guid', 'Single', 'Int16', 'Byte'].includes(base)) throw cannotConvert(t, base);
    return undefined;
  }
  const v = t.value;
  if (v === null) {
    if (base === 'String' || nullable) return null;
    if (['Int32', 'Int64', 'Double', 'Boolean', 'Decimal', 'DateTime', 'Guid', 'Single', 'Int16', 'Byte'].includes(base)) throw cannotConvert(t, base);
    return undefined;
  }
  switch (base) {
    case 'String':
      if (v instanceof DateTimeV) return v.netString("MM'/'dd'/'yyyy HH':'mm':'ss");
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      if (t.vkind === 'Float' && typeof v === 'number') return formatDouble(v);
      return toDotNetString(v);
    case 'Int32': case 'Int64': case 'Int16': case 'Byte': {
      if (typeof v === 'number') return Number.isInteger(v) ? v : roundHalfEven(v);
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string') {
        const n = Number(v.trim());
        if (v.trim() === '' || !Number.isFinite(n) || !Number.isInteger(n)) throw netError('FormatException', 'Input string was not in a correct format.');
        return n;
      }
      throw cannotConvert(t, base);
    }
    case 'Double': case 'Decimal': case 'Single': {
      if (typeof v === 'number') return v;
      if (typeof v === 'string') { const n = Number(v.trim()); if (v.trim() === '' || Number.isNaN(n)) throw netError('FormatException', 'Input string was not in a correct format.'); return n; }
      if (typeof v === 'boolean') return v ? 1 : 0;
      throw cannotConvert(t, base);
    }
    case 'Boolean': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'string') { const x = v.trim().toLowerCase(); if (x === 'true' || x === 'false') return x === 'true'; throw netError('FormatException', `String '${v}' was not recognized as a valid Boolean.`); }
      throw cannotConvert(t, base);
    }
    case 'DateTime':
      if (v instanceof DateTimeV) return v;
      if (v instanceof DateTimeOffsetV) return new DateTimeV(v.ms, 'Utc');
      throw cannotConvert(t, base);
    case 'Guid':
      if (v instanceof GuidV) return v;
      if (typeof v === 'string') return new GuidV(v.toLowerCase());
      throw cannotConvert(t, base);
    case 'Byte[]':
      if (v instanceof Uint8Array) return v;
      if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
      throw cannotConvert(t, base);
    default: return undefined;
  }
}
TOKEN_CONVERSIONS.convert = convertToken;

ENUMERATORS.push((v) => {
  if (v instanceof JArrayV) return v.items;
  if (v instanceof JObjectV) return [...v.props.values()].map((p) => new KeyValueV(p.name, p.value));
  if (v instanceof JPropertyV) return [v.value];
  if (v instanceof JValueV) throw netError('InvalidOperationException', `Cannot access child value on Newtonsoft.Json.Linq.JValue.`);
  return undefined;
});

// ---- member tables ------------------------------------------------------------------------------------------------------

const tok = (v: Value) => v as JTokenV;
const obj = (v: Value) => v as JObjectV;
const arr = (v: Value) => v as JArrayV;

function indexGet(t: Value, key: Value | undefined): Value {
  const token = tok(t);
  if (token instanceof JObjectV) {
    if (typeof key !== 'string') throw netError('ArgumentException', `Accessed JObject values with invalid key value: ${toDotNetString(key ?? null)}. Object property name expected.`);
    return token.get(key);
  }
  if (token instanceof JArrayV) {
    if (typeof key !== 'number') throw netError('ArgumentException', `Accessed JArray values with invalid key value: "${toDotNetString(key ?? null)}". Int32 array index expected.`);
    if (key < 0 || key >= token.items.length) throw argOutOfRange('index');
    return token.items[key]!;
  }
  if (token instanceof JPropertyV) throw invalidOperation(`Cannot access child value on Newtonsoft.Json.Linq.JProperty.`);
  throw invalidOperation(`Cannot access child value on Newtonsoft.Json.Linq.JValue.`);
}

function indexSet(t: Value, key: Value | undefined, value: Value, env: Env): void {
  const token = tok(t);
  if (token instanceof JObjectV) {
    if (typeof key !== 'string') throw netError('ArgumentException', 'Set JObject values with invalid key value. Object property name expected.');
    env.meter.collection(token.props.size + 1);
    const existing = token.props.get(key);
    if (existing) { existing.value.parent = null; existing.value = adopt(existing, toToken(value, env)); } else token.put(new JPropertyV(key, toToken(value, env)));
    return;
  }
  if (token instanceof JArrayV) {
    const n = requireInt(key ?? null, 'index');
    if (n < 0 || n >= token.items.length) throw argOutOfRange('index');
    token.items[n]!.parent = null;
    token.items[n] = adopt(token, toToken(value, env));
    return;
  }
  throw invalidOperation(`Cannot set child value on ${token.$type}.`);
}

/** Value<T>(key): the child's value converted to T (null when missing). */
function valueOf(token: Value, type: string | undefined): Value {
  if (token === null) return null;
  if (!type || type === 'Object' || type === 'JToken') return token instanceof JValueV ? token.value : token;
  const r = convertToken(type.replace(/^System\./, '').replace(/^string$/, 'String').replace(/^int$/, 'Int32').replace(/^long$/, 'Int64').replace(/^bool$/, 'Boolean').replace(/^double$/, 'Double'), token as HostValue);
  return r === undefined ? token : r;
}

function toObject(t: JTokenV, type: string, env: Env): Value {
  const ty = type.replace(/\s/g, '');
  if (/^(I?Dictionary|IReadOnlyDictionary)</.test(ty)) {
    if (!(t instanceof JObjectV)) throw netError('JsonSerializationException', `Cannot deserialize the current JSON ${t.kind().toLowerCase()} into type '${type}'.`);
    const d = new DictV();
    for (const p of t.props.values()) d.set(p.name, p.value instanceof JValueV ? p.value.value : p.value);
    return d;
  }
  if (/^(List|IList|IEnumerable)</.test(ty) || ty.endsWith('[]')) {
    if (!(t instanceof JArrayV)) throw netError('JsonSerializationException', `Cannot deserialize the current JSON ${t.kind().toLowerCase()} into type '${type}'.`);
    const items = t.items.map((x) => (x instanceof JValueV ? x.value : x));
    env.meter.collection(items.length);
    return ty.endsWith('[]') ? items : new ListV(items);
  }
  if (['JObject', 'JArray', 'JToken', 'JValue'].includes(ty)) {
    if (ty !== 'JToken' && t.$type !== ty) throw invalidCast(t.$type, ty);
    return t;
  }
  return valueOf(t, normalizeSimple(ty));
}

const normalizeSimple = (t: string) => ({ string: 'String', int: 'Int32', long: 'Int64', bool: 'Boolean', double: 'Double', decimal: 'Decimal', object: 'Object' } as Record<string, string>)[t] ?? t;

const COMMON_TOKEN: TypeTable = {
  props: {
    Type: { type: 'JTokenType', get: (t) => tokenType(tok(t).kind()) },
    Parent: { type: 'JContainer', get: (t) => tok(t).parent },
    Root: { type: 'JToken', get: (t) => { let x = tok(t); while (x.parent) x = x.parent; return x; } },
    HasValues: { type: 'Boolean', get: (t) => (t instanceof JContainerV ? t.children().length > 0 : false) },
    First: { type: 'JToken', get: (t) => (t instanceof JContainerV ? t.children()[0] ?? null : (() => { throw invalidOperation('Cannot access child value on Newtonsoft.Json.Linq.JValue.'); })()) },
    Last: { type: 'JToken', get: (t) => (t instanceof JContainerV ? t.children().at(-1) ?? null : (() => { throw invalidOperation('Cannot access child value on Newtonsoft.Json.Linq.JValue.'); })()) },
    Next: { type: 'JToken', get: (t) => sibling(tok(t), 1) },
    Previous: { type: 'JToken', get: (t) => sibling(tok(t), -1) },
    Path: { type: 'String', get: (t) => pathOf(tok(t)) },
  },
  methods: {
    ToString: {
      type: 'String',
      call: (t, [f], _ta, env) => {
        const token = tok(t);
        if (token instanceof JValueV && f === undefined) return token.netString();
        const indented = !(f instanceof EnumValue && f.value === 0);
        return writeJson(token, indented, env);
      },
    },
    SelectToken: {
      type: 'JToken',
      call: (t, [p, err]) => {
        const r = selectTokens(tok(t), requireString(p ?? null, 'path'));
        if (r.length > 1) throw netError('JsonException', 'Path returned multiple tokens.');
        if (!r.length && err === true) throw netError('JsonException', `Property '${String(p)}' does not exist.`);
        return r[0] ?? null;
      },
    },
    SelectTokens: { type: 'IEnumerable<JToken>', call: (t, [p]) => selectTokens(tok(t), requireString(p ?? null, 'path')) },
    Children: { type: 'IEnumerable<JToken>', call: (t) => (t instanceof JContainerV ? [...t.children()] : []) },
    Values: { type: (ta) => `IEnumerable<${ta[0] ?? 'JToken'}>`, call: (t, _a, ta) => (t instanceof JContainerV ? t.children().flatMap((c) => (c instanceof JPropertyV ? [c.value] : [c])).map((c) => valueOf(c, ta[0])) : []) },
    Value: { type: (ta) => ta[0] ?? 'Object', call: (t, [k], ta) => valueOf(k === undefined ? t : (indexGet(t, k) as JTokenV | null), ta[0]) },
    ToObject: { type: (ta) => ta[0] ?? 'Object', call: (t, _a, ta, env) => toObject(tok(t), ta[0] ?? 'Object', env) },
    DeepClone: { type: (_ta, _a, t) => t, call: (t) => tok(t).clone() },
    Remove: {
      type: 'Void',
      call: (t, [name]) => {
        if (name !== undefined && t instanceof JObjectV) { const p = t.props.get(requireString(name, 'propertyName')); if (p) { detach(p); return true; } return false; }
        if (!tok(t).parent) throw invalidOperation('The parent is missing.');
        detach(tok(t));
        return null;
      },
    },
    Replace: {
      type: 'Void',
      call: (t, [v], _ta, env) => {
        const token = tok(t);
        const p = token.parent;
        if (!p) throw invalidOperation('The parent is missing.');
        const n = toToken(v ?? null, env);
        if (p instanceof JPropertyV) { p.value = adopt(p, n); } else if (p instanceof JArrayV) { const i = p.items.indexOf(token); p.items[i] = adopt(p, n); } else if (p instanceof JObjectV && n instanceof JPropertyV) { p.props.delete((token as JPropertyV).name); p.put(n); }
        token.parent = null;
        return null;
      },
    },
    AddAfterSelf: { type: 'Void', call: (t, [v], _ta, env) => { insertSibling(tok(t), v ?? null, 1, env); return null; } },
    AddBeforeSelf: { type: 'Void', call: (t, [v], _ta, env) => { insertSibling(tok(t), v ?? null, 0, env); return null; } },
    Equals: { type: 'Boolean', call: (t, [o]) => t === o },
  },
  index: { type: 'JToken', get: (t, [k]) => indexGet(t, k), set: (t, [k], v, env) => indexSet(t, k, v, env) },
};

function sibling(t: JTokenV, d: number): JTokenV | null {
  const p = t.parent;
  if (!p || p instanceof JPropertyV) return null;
  const kids = p.children();
  return kids[kids.indexOf(t) + d] ?? null;
}

function pathOf(t: JTokenV): string {
  const parts: string[] = [];
  let x: JTokenV = t;
  while (x.parent) {
    const p: JContainerV = x.parent;
    if (p instanceof JPropertyV) { parts.unshift(/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name) ? p.name : `['${p.name}']`); x = p.parent ? p : p; if (!p.parent) break; x = p; continue; }
    if (p instanceof JArrayV) parts.unshift(`[${p.items.indexOf(x)}]`);
    x = p;
  }
  return parts.reduce((acc, s) => (s.startsWith('[') ? acc + s : acc ? `${acc}.${s}` : s), '');
}

function insertSibling(t: JTokenV, v: Value, after: number, env: Env): void {
  const p = t.parent;
  if (!p) throw invalidOperation('The parent is missing.');
  if (p instanceof JArrayV) { const i = p.items.indexOf(t) + after; p.items.splice(i, 0, adopt(p, toToken(v, env))); return; }
  if (p instanceof JObjectV && v instanceof JPropertyV) { const entries = [...p.props.values()]; const i = entries.indexOf(t as JPropertyV) + after; entries.splice(i, 0, v); p.props.clear(); for (const e of entries) p.put(e); return; }
  throw netError('ArgumentException', `Can not add ${toToken(v).$type} to ${p.$type}.`);
}

/** `content` arguments of `new JObject(...)`, `new JArray(...)`, `Add(...)`: tokens, or enumerables of tokens. */
function flattenContent(args: Value[]): Value[] {
  const out: Value[] = [];
  for (const a of args) {
    if (Array.isArray(a) || a instanceof ListV) out.push(...enumerate(a));
    else out.push(a);
  }
  return out;
}

function objectAdd(o: JObjectV, content: Value, env: Env): void {
  if (content instanceof JPropertyV) { env.meter.collection(o.props.size + 1); o.add(content); return; }
  if (content instanceof JObjectV) { for (const p of [...content.props.values()]) objectAdd(o, p, env); return; }
  if (content === null) return;
  throw netError('ArgumentException', `Can not add ${toToken(content).$type} to Newtonsoft.Json.Linq.JObject.`);
}

export const JTOKEN_TABLE: TypeTable = COMMON_TOKEN;

export const JOBJECT_TABLE: TypeTable = {
  props: {
    ...COMMON_TOKEN.props,
    Count: { type: 'Int32', get: (t) => obj(t).props.size },
  },
  methods: {
    ...COMMON_TOKEN.methods,
    Properties: { type: 'IEnumerable<JProperty>', call: (t) => [...obj(t).props.values()] },
    Property: {
      type: 'JProperty',
      call: (t, [n, c]) => {
        const name = requireString(n ?? null, 'name');
        if (c instanceof EnumValue && c.name.endsWith('IgnoreCase')) return [...obj(t).props.values()].find((p) => p.name.toLowerCase() === name.toLowerCase()) ?? null;
        return obj(t).props.get(name) ?? null;
      },
    },
    GetValue: {
      type: 'JToken',
      call: (t, [n, c]) => {
        const name = requireString(n ?? null, 'propertyName');
        if (c instanceof EnumValue && c.name.endsWith('IgnoreCase')) {
          const exact = obj(t).props.get(name);
          return exact?.value ?? [...obj(t).props.values()].find((p) => p.name.toLowerCase() === name.toLowerCase())?.value ?? null;
        }
        return obj(t).get(name);
      },
    },
    ContainsKey: { type: 'Boolean', call: (t, [n]) => obj(t).props.has(requireString(n ?? null, 'propertyName')) },
    TryGetValue: {
      type: 'Boolean',
      call: (t, [n, out]) => {
        const v = obj(t).get(requireString(n ?? null, 'propertyName'));
        if (out instanceof OutRef) out.set(v);
        return v !== null;
      },
    },
    Add: {
      type: 'Void',
      call: (t, args, _ta, env) => {
        if (args.length === 2 && typeof args[0] === 'string') { objectAdd(obj(t), new JPropertyV(args[0], toToken(args[1] ?? null, env)), env); return null; }
        for (const c of flattenContent(args)) objectAdd(obj(t), c, env);
        return null;
      },
    },
    Merge: {
      type: 'Void',
      call: (t, [o]) => {
        const other = o instanceof JObjectV ? o : (() => { throw netError('ArgumentException', 'Merge content must be a JObject.'); })();
        const merge = (a: JObjectV, b: JObjectV) => {
          for (const p of b.props.values()) {
            const cur = a.props.get(p.name);
            if (cur && cur.value instanceof JObjectV && p.value instanceof JObjectV) merge(cur.value, p.value);
            else if (cur && cur.value instanceof JArrayV && p.value instanceof JArrayV) for (const x of p.value.items) cur.value.items.push(adopt(cur.value, x.clone()));
            else if (!(p.value instanceof JValueV && p.value.value === null && cur)) a.put(new JPropertyV(p.name, p.value.clone()));
          }
        };
        merge(obj(t), other);
        return null;
      },
    },
    RemoveAll: { type: 'Void', call: (t) => { for (const p of [...obj(t).props.values()]) detach(p); return null; } },
  },
  index: COMMON_TOKEN.index!,
};

export const JARRAY_TABLE: TypeTable = {
  props: { ...COMMON_TOKEN.props, Count: { type: 'Int32', get: (t) => arr(t).items.length } },
  methods: {
    ...COMMON_TOKEN.methods,
    Add: { type: 'Void', call: (t, [v], _ta, env) => { env.meter.collection(arr(t).items.length + 1); arr(t).items.push(adopt(arr(t), toToken(v ?? null, env))); return null; } },
    Insert: {
      type: 'Void',
      call: (t, [i, v], _ta, env) => {
        const n = requireInt(i ?? null, 'index');
        if (n < 0 || n > arr(t).items.length) throw argOutOfRange('index');
        arr(t).items.splice(n, 0, adopt(arr(t), toToken(v ?? null, env)));
        return null;
      },
    },
    RemoveAt: { type: 'Void', call: (t, [i]) => { const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr(t).items.length) throw argOutOfRange('index'); const [x] = arr(t).items.splice(n, 1); x!.parent = null; return null; } },
    Remove: {
      type: 'Boolean',
      call: (t, [v]) => {
        if (v === undefined) { detach(tok(t)); return null; }
        const i = arr(t).items.indexOf(v as JTokenV);
        if (i < 0) return false;
        arr(t).items.splice(i, 1)[0]!.parent = null;
        return true;
      },
    },
    Clear: { type: 'Void', call: (t) => { for (const x of arr(t).items) x.parent = null; arr(t).items = []; return null; } },
    Contains: { type: 'Boolean', call: (t, [v]) => arr(t).items.includes(v as JTokenV) },
    IndexOf: { type: 'Int32', call: (t, [v]) => arr(t).items.indexOf(v as JTokenV) },
  },
  index: COMMON_TOKEN.index!,
};

export const JPROPERTY_TABLE: TypeTable = {
  props: {
    ...COMMON_TOKEN.props,
    Name: { type: 'String', get: (t) => (t as JPropertyV).name },
    Value: {
      type: 'JToken',
      get: (t) => (t as JPropertyV).value,
      set: (t, v, env) => { const p = t as JPropertyV; p.value.parent = null; p.value = adopt(p, toToken(v, env)); },
    },
  },
  methods: { ...COMMON_TOKEN.methods },
  index: COMMON_TOKEN.index!,
};

export const JVALUE_TABLE: TypeTable = {
  props: {
    ...COMMON_TOKEN.props,
    Value: {
      type: 'Object',
      get: (t) => (t as JValueV).value,
      set: (t, v) => { const x = toToken(v); if (!(x instanceof JValueV)) throw netError('ArgumentException', 'Can not set a JValue to a container.'); (t as JValueV).value = x.value; (t as JValueV).vkind = x.vkind; },
    },
  },
  methods: {
    ...COMMON_TOKEN.methods,
    CompareTo: { type: 'Int32', call: (t, [o]) => { const a = (t as JValueV).value; const b = o instanceof JValueV ? o.value : o ?? null; return a === b ? 0 : (a as number) < (b as number) ? -1 : 1; } },
  },
  index: COMMON_TOKEN.index!,
};

function parseTyped(s: Value | undefined, want: string, env: Env): JTokenV {
  const t = parseJson(requireString(s ?? null, 'json'), env);
  if (want !== 'JToken' && t.$type !== want) throw notOfType(want, t);
  return t;
}

/**
 * `JObject.Load`/`JArray.Load` (JObject.Parse, Body.As<JObject>()) of JSON whose first token is another kind:
 * Newtonsoft names the reader's token (JsonToken: StartObject, StartArray, Integer…), as
 * "Error reading JArray from JsonReader. Current JsonReader item is not an array: StartObject. Path '', line 1, position 1."
 */
export function notOfType(want: string, t: JTokenV): Error {
  const what = want === 'JObject' ? 'JObject' : 'JArray';
  const k = t.kind();
  const token = k === 'Object' ? 'StartObject' : k === 'Array' ? 'StartArray' : k;
  return netError('JsonReaderException', `Error reading ${what} from JsonReader. Current JsonReader item is not an ${want === 'JObject' ? 'object' : 'array'}: ${token}. Path '', line 1, position 1.`);
}

/** JsonConvert.DeserializeObject without a type: objects and arrays as tokens, primitives unwrapped. */
function deserialize(s: Value | undefined, type: string | undefined, env: Env): Value {
  const t = parseJson(requireString(s ?? null, 'value'), env);
  if (type && type !== 'Object' && type !== 'object' && type !== 'dynamic') return toObject(t, type, env);
  return t instanceof JValueV ? t.value : t;
}

/** JsonConvert.SerializeObject: compact unless Formatting.Indented. */
function serialize(v: Value, formatting: Value | undefined, env: Env): string {
  const indented = formatting instanceof EnumValue && formatting.enumType === 'Formatting' && formatting.value === 1;
  return writeJson(fromObjectOrValue(v, env), indented, env);
}
function fromObjectOrValue(v: Value, env: Env): JTokenV {
  return v instanceof JTokenV ? v : toToken(v, env);
}

export const JSON_STATICS: Record<string, StaticTable> = {
  JObject: {
    props: {},
    methods: {
      Parse: { type: 'JObject', call: (_t, [s], _ta, env) => parseTyped(s, 'JObject', env) },
      FromObject: { type: 'JObject', call: (_t, [v], _ta, env) => { const r = fromObject(v ?? null, env); if (!(r instanceof JObjectV)) throw netError('ArgumentException', `Object serialized to ${r.kind()}. JObject instance expected.`); return r; } },
    },
    ctor: (args, _ta, env) => { const o = new JObjectV(); for (const c of flattenContent(args)) objectAdd(o, c, env); return o; },
  },
  JArray: {
    props: {},
    methods: {
      Parse: { type: 'JArray', call: (_t, [s], _ta, env) => parseTyped(s, 'JArray', env) },
      FromObject: { type: 'JArray', call: (_t, [v], _ta, env) => { const r = fromObject(v ?? null, env); if (!(r instanceof JArrayV)) throw netError('ArgumentException', `Object serialized to ${r.kind()}. JArray instance expected.`); return r; } },
    },
    ctor: (args, _ta, env) => {
      const a = new JArrayV();
      const content = flattenContent(args);
      env.meter.collection(content.length);
      for (const c of content) a.items.push(adopt(a, toToken(c, env)));
      return a;
    },
  },
  JToken: {
    props: {},
    methods: {
      Parse: { type: 'JToken', call: (_t, [s], _ta, env) => parseTyped(s, 'JToken', env) },
      FromObject: { type: 'JToken', call: (_t, [v], _ta, env) => fromObject(v ?? null, env) },
      DeepEquals: { type: 'Boolean', call: (_t, [a, b]) => (a === null || b === null ? a === b : writeJson(toToken(a ?? null), false) === writeJson(toToken(b ?? null), false)) },
    },
  },
  JProperty: {
    props: {},
    methods: {},
    ctor: (args, _ta, env) => {
      const [n, ...content] = args;
      const name = requireString(n ?? null, 'name');
      if (content.length > 1) { const a = new JArrayV(); for (const c of content) a.items.push(adopt(a, toToken(c, env))); return new JPropertyV(name, a); }
      const c = content[0] ?? null;
      return new JPropertyV(name, Array.isArray(c) || c instanceof ListV ? fromObject(c, env) : toToken(c, env));
    },
  },
  JValue: {
    props: {},
    methods: { CreateNull: { type: 'JValue', call: () => new JValueV(null, 'Null') }, CreateString: { type: 'JValue', call: (_t, [s]) => new JValueV(s ?? null, 'String') } },
    ctor: (args) => { const t = toToken(args[0] ?? null); if (!(t instanceof JValueV)) throw netError('ArgumentException', 'Could not determine JSON object type.'); return t; },
  },
  JsonConvert: {
    props: { True: { type: 'String', get: () => 'true' }, False: { type: 'String', get: () => 'false' }, Null: { type: 'String', get: () => 'null' } },
    methods: {
      SerializeObject: { type: 'String', call: (_t, [v, f], _ta, env) => serialize(v ?? null, f, env) },
      DeserializeObject: { type: (ta) => ta[0] ?? 'Object', call: (_t, [s], ta, env) => deserialize(s, ta[0], env) },
      ToString: { type: 'String', call: (_t, [v], _ta, env) => writeJson(toToken(v ?? null, env), false, env) },
    },
  },
  Formatting: { props: { None: { type: 'Formatting', get: () => new EnumValue('Formatting', 0, FORMATTING) }, Indented: { type: 'Formatting', get: () => new EnumValue('Formatting', 1, FORMATTING) } }, methods: {} },
  JTokenType: { props: Object.fromEntries(Object.keys(TOKEN_TYPES).map((k) => [k, { type: 'JTokenType', get: () => tokenType(k as TokenKind) }])), methods: {} },
};

export const JSON_TABLES: Record<string, TypeTable> = {
  JToken: JTOKEN_TABLE, JContainer: JTOKEN_TABLE, JObject: JOBJECT_TABLE, JArray: JARRAY_TABLE, JProperty: JPROPERTY_TABLE, JValue: JVALUE_TABLE,
};
