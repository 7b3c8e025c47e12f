/** System.Text.Encoding, System.Uri, System.Net.WebUtility and System.Text.RegularExpressions.Regex. */
import { ENUMERATORS } from './lib-collections.js';
import { Lambda, OutRef, type Env, type StaticTable, type TypeTable } from './member-types.js';
import {
  argOutOfRange, argumentNull, EnumValue, netError, requireBytes, requireInt, requireString, toDotNetString, type HostValue, type NetValue, type Value,
} from './values.js';

// ---- Encoding ---------------------------------------------------------------------------------------------------------

export class EncodingV implements HostValue {
  readonly $type = 'Encoding';
  constructor(readonly name: 'utf-8' | 'us-ascii' | 'utf-16' | 'utf-16BE' | 'utf-32' | 'iso-8859-1') {}
  encode(s: string): Uint8Array {
    switch (this.name) {
      case 'utf-8': return new Uint8Array(Buffer.from(s, 'utf8'));
      case 'us-ascii': return new Uint8Array([...s].flatMap((c) => { const n = c.codePointAt(0)!; return n < 128 ? [n] : n > 0xffff ? [63] : [63]; }));
      case 'iso-8859-1': return new Uint8Array([...s].map((c) => { const n = c.charCodeAt(0); return n < 256 ? n : 63; }));
      case 'utf-16': return new Uint8Array(Buffer.from(s, 'utf16le'));
      case 'utf-16BE': { const b = Buffer.from(s, 'utf16le'); b.swap16(); return new Uint8Array(b); }
      case 'utf-32': { const cps = [...s].map((c) => c.codePointAt(0)!); const b = Buffer.alloc(cps.length * 4); cps.forEach((c, i) => b.writeUInt32LE(c, i * 4)); return new Uint8Array(b); }
    }
  }
  decode(b: Uint8Array): string {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    switch (this.name) {
      case 'utf-8': return buf.toString('utf8');
      case 'us-ascii': return [...b].map((x) => (x < 128 ? String.fromCharCode(x) : '?')).join('');
      case 'iso-8859-1': return buf.toString('latin1');
      case 'utf-16': return buf.toString('utf16le');
      case 'utf-16BE': { const c = Buffer.from(buf); c.swap16(); return c.toString('utf16le'); }
      case 'utf-32': { let out = ''; for (let i = 0; i + 3 < b.length; i += 4) { const cp = buf.readUInt32LE(i); out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd'; } return out; }
    }
  }
  netString(): string { return `System.Text.${{ 'utf-8': 'UTF8Encoding', 'us-ascii': 'ASCIIEncoding', 'utf-16': 'UnicodeEncoding', 'utf-16BE': 'UnicodeEncoding', 'utf-32': 'UTF32Encoding', 'iso-8859-1': 'Latin1Encoding' }[this.name]}`; }
}

const enc = (v: Value) => v as EncodingV;

export const ENCODING_TABLE: TypeTable = {
  props: {
    WebName: { type: 'String', get: (e) => (enc(e).name === 'utf-16BE' ? 'utf-16BE' : enc(e).name) },
    EncodingName: { type: 'String', get: (e) => enc(e).name },
    CodePage: { type: 'Int32', get: (e) => ({ 'utf-8': 65001, 'us-ascii': 20127, 'utf-16': 1200, 'utf-16BE': 1201, 'utf-32': 12000, 'iso-8859-1': 28591 })[enc(e).name] },
  },
  methods: {
    GetBytes: {
      type: 'Byte[]',
      call: (e, [s, i, n], _ta, env) => {
        const text = Array.isArray(s) ? s.map((c) => requireString(c, 'chars')).join('') : requireString(s ?? null, 's');
        const part = typeof i === 'number' && typeof n === 'number' ? (i < 0 || n < 0 || i + n > text.length ? (() => { throw argOutOfRange('index'); })() : text.slice(i, i + n)) : text;
        const bytes = enc(e).encode(part);
        env.meter.collection(bytes.length);
        return bytes;
      },
    },
    GetString: {
      type: 'String',
      call: (e, [b, i, n], _ta, env) => {
        const bytes = requireBytes(b, 'bytes');
        const part = typeof i === 'number' && typeof n === 'number' ? (i < 0 || n < 0 || i + n > bytes.length ? (() => { throw argOutOfRange('index'); })() : bytes.subarray(i, i + n)) : bytes;
        env.meter.string(part.length);
        return enc(e).decode(part);
      },
    },
    GetByteCount: { type: 'Int32', call: (e, [s]) => enc(e).encode(requireString(s ?? null, 's')).length },
    GetCharCount: { type: 'Int32', call: (e, [b]) => enc(e).decode(requireBytes(b, 'bytes')).length },
    GetPreamble: { type: 'Byte[]', call: () => new Uint8Array(0) },
  },
};

const ENCODINGS: Record<string, EncodingV['name']> = {
  'utf-8': 'utf-8', utf8: 'utf-8', 'us-ascii': 'us-ascii', ascii: 'us-ascii', 'utf-16': 'utf-16', unicode: 'utf-16', 'utf-16le': 'utf-16', 'utf-16be': 'utf-16BE',
  'utf-32': 'utf-32', 'iso-8859-1': 'iso-8859-1', latin1: 'iso-8859-1',
};

export const ENCODING_STATICS: StaticTable = {
  props: {
    UTF8: { type: 'Encoding', get: () => new EncodingV('utf-8') },
    ASCII: { type: 'Encoding', get: () => new EncodingV('us-ascii') },
    Unicode: { type: 'Encoding', get: () => new EncodingV('utf-16') },
    BigEndianUnicode: { type: 'Encoding', get: () => new EncodingV('utf-16BE') },
    UTF32: { type: 'Encoding', get: () => new EncodingV('utf-32') },
    Latin1: { type: 'Encoding', get: () => new EncodingV('iso-8859-1') },
    Default: { type: 'Encoding', get: () => new EncodingV('utf-8') },
  },
  methods: {
    GetEncoding: {
      type: 'Encoding',
      call: (_t, [n]) => {
        const name = typeof n === 'number' ? ({ 65001: 'utf-8', 20127: 'us-ascii', 1200: 'utf-16', 1201: 'utf-16be', 12000: 'utf-32', 28591: 'iso-8859-1' } as Record<number, string>)[n] : requireString(n ?? null, 'name').toLowerCase();
        const e = name === undefined ? undefined : ENCODINGS[name];
        if (!e) throw netError('ArgumentException', `'${toDotNetString(n ?? null)}' is not a supported encoding name.`);
        return new EncodingV(e);
      },
    },
  },
};

// ---- URLs -------------------------------------------------------------------------------------------------------------

const HEX = (b: number) => '%' + b.toString(16).toUpperCase().padStart(2, '0');

/** Uri.EscapeDataString: everything but RFC 3986 unreserved characters is percent-encoded (UTF-8). */
export function escapeDataString(s: string, env?: Env): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) && b < 128 ? String.fromCharCode(b) : HEX(b);
  env?.meter.string(out.length);
  return out;
}

export function unescapeDataString(s: string): string {
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, (m) => {
    const bytes = Buffer.from(m.split('%').slice(1).map((h) => parseInt(h, 16)));
    const text = bytes.toString('utf8');
    return text.includes('\ufffd') ? m : text;
  });
}

/** WebUtility.UrlEncode: space → '+', unreserved `A-Za-z0-9-_.!*()` kept, the rest %XX (upper case). */
function urlEncode(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b === 32 ? '+' : b < 128 && /[A-Za-z0-9\-_.!*()]/.test(c) ? c : HEX(b);
  }
  return out;
}

function urlDecode(s: string): string {
  return unescapeDataString(s.replace(/\+/g, ' '));
}

const HTML_ENCODE: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' };
function htmlEncode(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    out += HTML_ENCODE[ch] ?? (code >= 160 && code < 256 ? `&#${code};` : ch);
  }
  return out;
}
function htmlDecode(s: string): string {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: '\u00a0' };
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) { const n = Number(e.slice(1)); return n <= 0x10ffff ? String.fromCodePoint(n) : m; }
    return named[e] ?? m;
  });
}

export class UriV implements NetValue {
  readonly $type = 'Uri';
  constructor(readonly original: string, readonly url: URL | null) {}
  netEquals(o: Value): boolean { return o instanceof UriV && (this.url && o.url ? this.url.href === o.url.href : this.original === o.original); }
  /** Uri.ToString(): the canonical, unescaped form. */
  netString(): string { return this.url ? unescapeDataString(this.url.href) : this.original; }
}

const uriFormat = (m = 'Invalid URI: The format of the URI could not be determined.') => netError('UriFormatException', m);

function makeUri(s: Value | undefined, kind?: Value): UriV {
  const text = requireString(s ?? null, 'uriString');
  const k = kind instanceof EnumValue ? kind.name : 'Absolute';
  if (k === 'Relative') {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text)) throw uriFormat('Invalid URI: A Relative URI cannot be created because the \'uriString\' parameter represents an absolute URI.');
    return new UriV(text, null);
  }
  try {
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(text.trim())) {
      if (k === 'RelativeOrAbsolute') return new UriV(text, null);
      throw uriFormat();
    }
    return new UriV(text, new URL(text.trim()));
  } catch (e) {
    if (e instanceof Error && 'exceptionType' in e) throw e;
    if (k === 'RelativeOrAbsolute') return new UriV(text, null);
    throw uriFormat('Invalid URI: The hostname could not be parsed.');
  }
}

const uri = (v: Value) => v as UriV;
const abs = (v: Value): URL => { const u = uri(v).url; if (!u) throw netError('InvalidOperationException', 'This operation is not supported for a relative URI.'); return u; };
const defaultPort = (u: URL) => ({ 'http:': 80, 'https:': 443, 'ftp:': 21, 'ws:': 80, 'wss:': 443 } as Record<string, number>)[u.protocol] ?? -1;

export const URI_TABLE: TypeTable = {
  props: {
    AbsoluteUri: { type: 'String', get: (u) => abs(u).href },
    AbsolutePath: { type: 'String', get: (u) => abs(u).pathname },
    PathAndQuery: { type: 'String', get: (u) => abs(u).pathname + abs(u).search },
    Query: { type: 'String', get: (u) => abs(u).search },
    Fragment: { type: 'String', get: (u) => abs(u).hash },
    Host: { type: 'String', get: (u) => abs(u).hostname.replace(/^\[|\]$/g, '') },
    DnsSafeHost: { type: 'String', get: (u) => abs(u).hostname },
    Authority: { type: 'String', get: (u) => abs(u).host },
    Port: { type: 'Int32', get: (u) => (abs(u).port ? Number(abs(u).port) : defaultPort(abs(u))) },
    IsDefaultPort: { type: 'Boolean', get: (u) => !abs(u).port },
    Scheme: { type: 'String', get: (u) => abs(u).protocol.slice(0, -1) },
    UserInfo: { type: 'String', get: (u) => (abs(u).username ? abs(u).username + (abs(u).password ? ':' + abs(u).password : '') : '') },
    Segments: { type: 'String[]', get: (u) => { const p = abs(u).pathname; const parts = p.split('/'); return parts.map((x, i) => (i < parts.length - 1 ? x + '/' : x)).filter((x) => x !== ''); } },
    OriginalString: { type: 'String', get: (u) => uri(u).original },
    IsAbsoluteUri: { type: 'Boolean', get: (u) => uri(u).url !== null },
    IsLoopback: { type: 'Boolean', get: (u) => ['localhost', '127.0.0.1', '[::1]'].includes(abs(u).hostname) },
  },
  methods: {
    ToString: { type: 'String', call: (u) => uri(u).netString() },
    Equals: { type: 'Boolean', call: (u, [o]) => uri(u).netEquals(o ?? null) },
    GetLeftPart: {
      type: 'String',
      call: (u, [p]) => {
        const url = abs(u);
        const part = p instanceof EnumValue ? p.name : 'Path';
        if (part === 'Scheme') return url.protocol + '//';
        if (part === 'Authority') return url.origin;
        if (part === 'Path') return url.origin + url.pathname;
        return url.origin + url.pathname + url.search;
      },
    },
  },
};

export const URI_STATICS: StaticTable = {
  props: {
    UriSchemeHttp: { type: 'String', get: () => 'http' },
    UriSchemeHttps: { type: 'String', get: () => 'https' },
    SchemeDelimiter: { type: 'String', get: () => '://' },
  },
  methods: {
    EscapeDataString: { type: 'String', call: (_t, [s], _ta, env) => escapeDataString(requireString(s ?? null, 'stringToEscape'), env) },
    UnescapeDataString: { type: 'String', call: (_t, [s]) => unescapeDataString(requireString(s ?? null, 'stringToUnescape')) },
    EscapeUriString: { type: 'String', call: (_t, [s]) => encodeURI(requireString(s ?? null, 'stringToEscape')) },
    IsWellFormedUriString: { type: 'Boolean', call: (_t, [s, k]) => { try { const u = makeUri(s, k); return u.url ? !/\s/.test(u.original) : true; } catch { return false; } } },
    TryCreate: {
      type: 'Boolean',
      call: (_t, [s, k, out]) => {
        try {
          const u = s instanceof UriV ? new UriV(requireString(k ?? null, 'relativeUri'), new URL(requireString(k ?? null, 'relativeUri'), abs(s))) : makeUri(s, k);
          if (out instanceof OutRef) out.set(u);
          return true;
        } catch (e) {
          if (!(e instanceof Error) || !('exceptionType' in e)) throw e;
          if (out instanceof OutRef) out.set(null);
          return false;
        }
      },
    },
    IsHexDigit: { type: 'Boolean', call: (_t, [c]) => /^[0-9a-fA-F]$/.test(requireString(c ?? null, 'character')) },
  },
  ctor: (args) => {
    const [a, b] = args;
    if (a instanceof UriV) {
      const rel = b instanceof UriV ? b.original : requireString(b ?? null, 'relativeUri');
      return new UriV(rel, new URL(rel, abs(a)));
    }
    return makeUri(a, b);
  },
};

export const WEBUTILITY_STATICS: StaticTable = {
  props: {},
  methods: {
    UrlEncode: { type: 'String', call: (_t, [s]) => (s === null || s === undefined ? null : urlEncode(requireString(s, 'value'))) },
    UrlDecode: { type: 'String', call: (_t, [s]) => (s === null || s === undefined ? null : urlDecode(requireString(s, 'encodedValue'))) },
    HtmlEncode: { type: 'String', call: (_t, [s]) => (s === null || s === undefined ? null : htmlEncode(requireString(s, 'value'))) },
    HtmlDecode: { type: 'String', call: (_t, [s]) => (s === null || s === undefined ? null : htmlDecode(requireString(s, 'value'))) },
  },
};

// ---- Regex ------------------------------------------------------------------------------------------------------------

const REGEX_OPTIONS = { None: 0, IgnoreCase: 1, Multiline: 2, ExplicitCapture: 4, Compiled: 8, Singleline: 16, IgnorePatternWhitespace: 32, RightToLeft: 64, ECMAScript: 256, CultureInvariant: 512, NonBacktracking: 1024 };

/** Longest input a pattern with nested quantifiers may scan (catastrophic backtracking guard). */
const RISKY_INPUT_LIMIT = 4096;

/**
 * Translate a .NET pattern to a JavaScript RegExp. Refused (NotSupportedException, docs/differences.md): inline
 * option groups other than a leading `(?i)`/`(?m)`/`(?s)`/`(?x)`, character-class subtraction, RightToLeft.
 */
export function translateRegex(pattern: string, options: number): { re: RegExp; risky: boolean } {
  let p = pattern;
  let flags = 'g';
  let opts = options;
  const lead = /^\(\?([imsx]+)\)/.exec(p);
  if (lead) {
    for (const c of lead[1]!) opts |= c === 'i' ? 1 : c === 'm' ? 2 : c === 's' ? 16 : 32;
    p = p.slice(lead[0].length);
  }
  if (opts & 64) throw netError('NotSupportedException', 'RegexOptions.RightToLeft is not supported by the twin.');
  if (opts & 1) flags += 'i';
  if (opts & 2) flags += 'm';
  if (opts & 16) flags += 's';
  if (opts & 32) p = p.replace(/\\#/g, '\u0000').replace(/#[^\n]*/g, '').replace(/\s+/g, '').replace(/\u0000/g, '\\#');
  if (/\(\?[imsxn-]+[:)]/.test(p)) throw netError('NotSupportedException', 'Inline regex options are not supported by the twin.');
  if (/\[[^\]]*-\[/.test(p)) throw netError('NotSupportedException', 'Character class subtraction is not supported by the twin.');
  p = p.replace(/\(\?'([A-Za-z_][A-Za-z0-9_]*)'/g, '(?<$1>')
    .replace(/\\A/g, '(?<![\\s\\S])')
    .replace(/\\Z/g, '(?=\\n?(?![\\s\\S]))')
    .replace(/\\z/g, '(?![\\s\\S])');
  if (/\\p\{/.test(p)) flags += 'u';
  let re: RegExp;
  try {
    re = new RegExp(p, flags);
  } catch (e) {
    throw netError('ArgumentException', `Invalid pattern '${pattern}': ${(e as Error).message}`);
  }
  // a quantified group that itself contains a quantifier can backtrack exponentially
  const risky = /\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]/.test(p) || /\\[1-9]/.test(p);
  return { re, risky };
}

const REGEX_CACHE = new Map<string, { re: RegExp; risky: boolean }>();
function compiled(pattern: string, options: number) {
  const key = `${options}/${pattern}`;
  let r = REGEX_CACHE.get(key);
  if (!r) {
    r = translateRegex(pattern, options);
    if (REGEX_CACHE.size > 256) REGEX_CACHE.delete(REGEX_CACHE.keys().next().value!);
    REGEX_CACHE.set(key, r);
  }
  return r;
}

export class RegexV implements HostValue {
  readonly $type = 'Regex';
  constructor(readonly pattern: string, readonly options: number) {
    compiled(pattern, options);
  }
  exec(input: string, start = 0): RegExpExecArray | null {
    const { re, risky } = compiled(this.pattern, this.options);
    if (risky && input.length > RISKY_INPUT_LIMIT) {
      throw netError('RegexMatchTimeoutException', `The pattern '${this.pattern}' may backtrack catastrophically; the twin refuses it on input longer than ${RISKY_INPUT_LIMIT} characters.`);
    }
    re.lastIndex = start;
    return re.exec(input);
  }
  all(input: string, env: Env): RegExpExecArray[] {
    const out: RegExpExecArray[] = [];
    let at = 0;
    for (;;) {
      env.meter.step();
      const m = at <= input.length ? this.exec(input, at) : null;
      if (!m) return out;
      out.push(m);
      env.meter.collection(out.length);
      at = m.index + (m[0].length || 1);
    }
  }
  netString(): string { return this.pattern; }
}

export class GroupV implements HostValue {
  constructor(readonly $type: 'Match' | 'Group', readonly input: string, readonly m: RegExpExecArray | null, readonly group: number | string, readonly regex: RegexV | null) {}
  get value(): string | undefined { if (!this.m) return undefined; return typeof this.group === 'number' ? this.m[this.group] : this.m.groups?.[this.group]; }
  get index(): number {
    if (!this.m || this.value === undefined) return 0;
    if (this.group === 0) return this.m.index;
    const rel = this.m[0].indexOf(this.value);
    return this.m.index + Math.max(0, rel);
  }
  netString(): string { return this.value ?? ''; }
}

class MatchesV implements HostValue {
  readonly $type = 'MatchCollection';
  constructor(readonly items: GroupV[]) {}
}
class GroupsV implements HostValue {
  readonly $type = 'GroupCollection';
  constructor(readonly match: GroupV) {}
  get(k: Value): GroupV {
    const m = this.match.m;
    if (typeof k === 'number') return new GroupV('Group', this.match.input, m && k < m.length ? m : null, k, null);
    const name = requireString(k, 'groupname');
    if (/^\d+$/.test(name)) return this.get(Number(name));
    return new GroupV('Group', this.match.input, m && m.groups && name in m.groups ? m : null, name, null);
  }
  count(): number { return this.match.m ? this.match.m.length : 1; }
}

ENUMERATORS.push((v) => {
  if (v instanceof MatchesV) return v.items;
  if (v instanceof GroupsV) return Array.from({ length: v.count() }, (_x, i) => v.get(i));
  return undefined;
});

const regex = (v: Value) => v as RegexV;
const grp = (v: Value) => v as GroupV;

/** .NET replacement patterns: $1, ${name}, $$, $&, $`, $', $+, $_. */
function substitute(rep: string, m: RegExpExecArray, input: string): string {
  return rep.replace(/\$(\$|&|`|'|\+|_|\d+|\{([^}]+)\})/g, (all, tok: string, name?: string) => {
    if (tok === '$') return '$';
    if (tok === '&') return m[0];
    if (tok === '`') return input.slice(0, m.index);
    if (tok === "'") return input.slice(m.index + m[0].length);
    if (tok === '_') return input;
    if (tok === '+') return m[m.length - 1] ?? '';
    const key = name ?? tok;
    if (/^\d+$/.test(key)) { const n = Number(key); return n < m.length ? m[n] ?? '' : all; }
    return m.groups && key in m.groups ? m.groups[key] ?? '' : all;
  });
}

/**
 * .NET `Regex.Replace(input, pattern, replacement)` (at most `count` matches, all when negative) outside an
 * expression: the Liquid `Replace`/`ReplaceFirst` filters of DotLiquid 2.0 (policies/liquid.ts).
 */
export function regexReplace(pattern: string, input: string, replacement: string, count = -1): string {
  const r = new RegexV(pattern, 0);
  let out = '';
  let last = 0;
  let n = 0;
  for (let at = 0; at <= input.length && (count < 0 || n < count); n++) {
    const m = r.exec(input, at);
    if (!m) break;
    out += input.slice(last, m.index) + substitute(replacement, m, input);
    last = m.index + m[0].length;
    at = m.index + (m[0].length || 1);
  }
  return out + input.slice(last);
}

function replaceAll(r: RegexV, input: string, rep: Value | undefined, count: number, env: Env): string {
  const matches = r.all(input, env).slice(0, count < 0 ? undefined : count);
  let out = '';
  let last = 0;
  for (const m of matches) {
    out += input.slice(last, m.index);
    if (rep instanceof Lambda) { env.meter.step(); out += toDotNetString(rep.invoke([new GroupV('Match', input, m, 0, r)])); } else out += substitute(requireString(rep ?? null, 'replacement'), m, input);
    env.meter.string(out.length);
    last = m.index + m[0].length;
  }
  return out + input.slice(last);
}

function split(r: RegexV, input: string, env: Env): string[] {
  const out: string[] = [];
  let last = 0;
  for (const m of r.all(input, env)) {
    if (m[0].length === 0 && (m.index === 0 || m.index === input.length)) continue;
    out.push(input.slice(last, m.index), ...m.slice(1).filter((x): x is string => x !== undefined));
    last = m.index + m[0].length;
  }
  out.push(input.slice(last));
  return out;
}

function options(v: Value | undefined): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof EnumValue) return v.value;
  if (typeof v === 'number') return v;
  return 0;
}

const regexFrom = (p: Value | undefined, o: Value | undefined) => new RegexV(requireString(p ?? null, 'pattern'), options(o));

const REGEX_METHODS: TypeTable['methods'] = {
  IsMatch: { type: 'Boolean', call: (r, [s]) => regex(r).exec(requireString(s ?? null, 'input')) !== null },
  Match: {
    type: 'Match',
    call: (r, [s, start]) => {
      const input = requireString(s ?? null, 'input');
      const at = typeof start === 'number' ? start : 0;
      if (at < 0 || at > input.length) throw argOutOfRange('startat');
      return new GroupV('Match', input, regex(r).exec(input, at), 0, regex(r));
    },
  },
  Matches: { type: 'MatchCollection', call: (r, [s], _ta, env) => { const input = requireString(s ?? null, 'input'); return new MatchesV(regex(r).all(input, env).map((m) => new GroupV('Match', input, m, 0, regex(r)))); } },
  Replace: { type: 'String', call: (r, [s, rep, n], _ta, env) => replaceAll(regex(r), requireString(s ?? null, 'input'), rep, typeof n === 'number' ? n : -1, env) },
  Split: { type: 'String[]', call: (r, [s], _ta, env) => split(regex(r), requireString(s ?? null, 'input'), env) },
  GetGroupNames: { type: 'String[]', call: (r) => { const names = [...regex(r).pattern.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1]!); return ['0', ...names]; } },
  ToString: { type: 'String', call: (r) => regex(r).pattern },
};

export const REGEX_TABLE: TypeTable = {
  props: { Options: { type: 'RegexOptions', get: (r) => new EnumValue('RegexOptions', regex(r).options, REGEX_OPTIONS) } },
  methods: REGEX_METHODS,
};

export const REGEX_STATICS: StaticTable = {
  props: {},
  methods: {
    IsMatch: { type: 'Boolean', call: (_t, [s, p, o], ta, env) => REGEX_METHODS.IsMatch!.call(regexFrom(p, o), [s ?? null], ta, env) },
    Match: { type: 'Match', call: (_t, [s, p, o], ta, env) => REGEX_METHODS.Match!.call(regexFrom(p, o), [s ?? null], ta, env) },
    Matches: { type: 'MatchCollection', call: (_t, [s, p, o], ta, env) => REGEX_METHODS.Matches!.call(regexFrom(p, o), [s ?? null], ta, env) },
    Replace: { type: 'String', call: (_t, [s, p, rep, o], ta, env) => REGEX_METHODS.Replace!.call(regexFrom(p, o), [s ?? null, rep ?? null], ta, env) },
    Split: { type: 'String[]', call: (_t, [s, p, o], ta, env) => REGEX_METHODS.Split!.call(regexFrom(p, o), [s ?? null], ta, env) },
    Escape: { type: 'String', call: (_t, [s]) => requireString(s ?? null, 'str').replace(/[\\*+?|{[()^$.#\s]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : c === ' ' ? '\\ ' : '\\' + c)) },
    Unescape: { type: 'String', call: (_t, [s]) => requireString(s ?? null, 'str').replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[c] ?? c) },
  },
  ctor: (args) => regexFrom(args[0], args[1]),
};

const GROUP_PROPS: TypeTable['props'] = {
  Success: { type: 'Boolean', get: (g) => grp(g).value !== undefined },
  Value: { type: 'String', get: (g) => grp(g).value ?? '' },
  Index: { type: 'Int32', get: (g) => grp(g).index },
  Length: { type: 'Int32', get: (g) => (grp(g).value ?? '').length },
  Name: { type: 'String', get: (g) => String(grp(g).group) },
  Captures: { type: 'IEnumerable<Group>', get: (g) => (grp(g).value === undefined ? [] : [g]) },
};

export const MATCH_TABLE: TypeTable = {
  props: { ...GROUP_PROPS, Groups: { type: 'GroupCollection', get: (g) => new GroupsV(grp(g)) } },
  methods: {
    NextMatch: {
      type: 'Match',
      call: (g) => {
        const x = grp(g);
        if (!x.m || !x.regex) return new GroupV('Match', x.input, null, 0, x.regex);
        return new GroupV('Match', x.input, x.regex.exec(x.input, x.m.index + (x.m[0].length || 1)), 0, x.regex);
      },
    },
    Result: { type: 'String', call: (g, [r]) => { const x = grp(g); if (!x.m) throw netError('NotSupportedException', 'Result cannot be called on a failed Match.'); return substitute(requireString(r ?? null, 'replacement'), x.m, x.input); } },
    ToString: { type: 'String', call: (g) => grp(g).value ?? '' },
  },
};

export const GROUP_TABLE: TypeTable = { props: GROUP_PROPS, methods: { ToString: { type: 'String', call: (g) => grp(g).value ?? '' } } };

export const MATCHES_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (m) => (m as MatchesV).items.length } },
  methods: {},
  index: { type: 'Match', get: (m, [i]) => { const n = requireInt(i ?? null, 'i'); const items = (m as MatchesV).items; if (n < 0 || n >= items.length) throw argOutOfRange('i'); return items[n]!; } },
};

export const GROUPS_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (g) => (g as GroupsV).count() } },
  methods: {
    ContainsKey: { type: 'Boolean', call: (g, [k]) => { const m = (g as GroupsV).match.m; return Boolean(m?.groups && requireString(k ?? null, 'key') in m.groups); } },
  },
  index: { type: 'Group', get: (g, [k]) => { if (k === null || k === undefined) throw argumentNull('groupname'); return (g as GroupsV).get(k); } },
};

export const TEXT_STATICS: Record<string, StaticTable> = {
  Encoding: ENCODING_STATICS,
  Uri: URI_STATICS,
  WebUtility: WEBUTILITY_STATICS,
  Regex: REGEX_STATICS,
  RegexOptions: { props: Object.fromEntries(Object.entries(REGEX_OPTIONS).map(([k, v]) => [k, { type: 'RegexOptions', get: () => new EnumValue('RegexOptions', v, REGEX_OPTIONS) }])), methods: {} },
  UriKind: { props: Object.fromEntries(['RelativeOrAbsolute', 'Absolute', 'Relative'].map((k, i) => [k, { type: 'UriKind', get: () => new EnumValue('UriKind', i, { RelativeOrAbsolute: 0, Absolute: 1, Relative: 2 }) }])), methods: {} },
  UriPartial: { props: Object.fromEntries(['Scheme', 'Authority', 'Path', 'Query'].map((k, i) => [k, { type: 'UriPartial', get: () => new EnumValue('UriPartial', i, { Scheme: 0, Authority: 1, Path: 2, Query: 3 }) }])), methods: {} },
};

export const TEXT_TABLES: Record<string, TypeTable> = {
  Encoding: ENCODING_TABLE, Uri: URI_TABLE, Regex: REGEX_TABLE, Match: MATCH_TABLE, Group: GROUP_TABLE, MatchCollection: MATCHES_TABLE, GroupCollection: GROUPS_TABLE,
};
