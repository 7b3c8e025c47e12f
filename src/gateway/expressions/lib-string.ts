/** System.String (ordinal semantics), System.Char statics and System.Text.StringBuilder. */
import { enumerate, isEnumerable } from './lib-collections.js';
import { compositeFormat } from './lib-format.js';
import { OutRef, type Env, type StaticTable, type TypeTable } from './member-types.js';
import {
  argOutOfRange, argumentNull, EnumValue, formatError, netError, requireInt, requireString, toDotNetString, type HostValue, type Value,
} from './values.js';

/** Environment.NewLine of the gateway (Windows managed gateways: CRLF; docs/differences.md). */
export const NEWLINE = '\r\n';

const str = (v: Value) => v as string;

/** A comparison argument: StringComparison.*IgnoreCase, or a `bool ignoreCase`. */
function ignoreCase(arg: Value | undefined): boolean {
  if (arg instanceof EnumValue) return arg.name.endsWith('IgnoreCase');
  return arg === true;
}

const fold = (s: string, ic: boolean) => (ic ? s.toUpperCase() : s);

/** A char or string argument as a string. */
function text(v: Value | undefined, what: string): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) throw argumentNull(what);
  throw netError('ArgumentException', `Argument '${what}' must be a string or a char.`);
}

function charSet(args: Value[]): Set<string> | null {
  const chars: string[] = [];
  for (const a of args) {
    if (Array.isArray(a)) for (const c of a) chars.push(requireString(c, 'trimChars'));
    else if (typeof a === 'string') chars.push(a);
  }
  return chars.length ? new Set(chars) : null;
}

const WS = /^[\s\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;
const isWhite = (c: string) => WS.test(c);

function trimChars(s: string, args: Value[], start: boolean, end: boolean): string {
  const set = charSet(args);
  const isTrim = (c: string) => (set ? set.has(c) : isWhite(c));
  let a = 0;
  let b = s.length;
  if (start) while (a < b && isTrim(s[a]!)) a++;
  if (end) while (b > a && isTrim(s[b - 1]!)) b--;
  return s.slice(a, b);
}

/** `Split(…)`: separators (chars, strings, arrays of either), an optional count, and StringSplitOptions. */
function splitString(s: string, args: Value[], env: Env): string[] {
  const seps: string[] = [];
  let options = 0;
  let count = Infinity;
  for (const a of args) {
    if (Array.isArray(a)) { for (const x of a) if (x !== null) seps.push(requireString(x, 'separator')); } else if (a instanceof EnumValue) options = a.value;
    else if (typeof a === 'number') count = a;
    else if (typeof a === 'string') seps.push(a);
  }
  if (count < 0) throw argOutOfRange('count');
  const removeEmpty = (options & 1) !== 0;
  const trim = (options & 2) !== 0;
  const useWhite = seps.length === 0 || seps.every((x) => x === '');
  let parts: string[] = [];
  if (count === 0) return [];
  let start = 0;
  let i = 0;
  while (i <= s.length) {
    if (parts.length === count - 1) break;
    let len = 0;
    if (i < s.length) {
      if (useWhite) { if (isWhite(s[i]!)) len = 1; } else {
        for (const sep of seps) if (sep !== '' && s.startsWith(sep, i)) { len = sep.length; break; }
      }
    }
    if (len > 0) {
      const piece = trim ? s.slice(start, i).trim() : s.slice(start, i);
      if (!(removeEmpty && piece === '')) parts.push(piece);
      i += len;
      start = i;
      if (parts.length > env.meter.limits.maxCollectionLength) env.meter.collection(parts.length);
      continue;
    }
    i++;
  }
  const last = trim ? s.slice(start).trim() : s.slice(start);
  if (!(removeEmpty && last === '')) parts.push(last);
  if (removeEmpty && parts.length === 0) parts = [];
  env.meter.collection(parts.length);
  return parts;
}

function indexOf(s: string, args: Value[], last: boolean): number {
  const [a, b, c, d] = args;
  const value = text(a, 'value');
  const cmp = [b, c, d].find((x) => x instanceof EnumValue);
  const ic = ignoreCase(cmp);
  const nums = [b, c].filter((x): x is number => typeof x === 'number');
  const hay = fold(s, ic);
  const needle = fold(value, ic);
  if (!last) {
    const from = nums[0] ?? 0;
    if (from < 0 || from > s.length) throw argOutOfRange('startIndex');
    const count = nums[1] ?? s.length - from;
    if (count < 0 || from + count > s.length) throw argOutOfRange('count');
    const i = hay.slice(0, from + count).indexOf(needle, from);
    return i;
  }
  const from = nums[0] ?? s.length - 1;
  if (s.length === 0) return value === '' ? 0 : -1;
  if (from < 0 || from >= s.length) throw argOutOfRange('startIndex');
  return hay.lastIndexOf(needle, from - needle.length + 1);
}

function pad(s: string, n: Value | undefined, c: Value | undefined, env: Env, left: boolean): string {
  const width = requireInt(n ?? null, 'totalWidth');
  if (width < 0) throw argOutOfRange('totalWidth');
  env.meter.string(width);
  const ch = typeof c === 'string' ? c : ' ';
  return left ? s.padStart(width, ch) : s.padEnd(width, ch);
}

/** Join texts after checking the size of the result. */
export function joinSized(env: Env, texts: string[], sep: string): string {
  env.meter.collection(texts.length);
  env.meter.string(texts.reduce((n, t) => n + t.length, 0) + Math.max(0, texts.length - 1) * sep.length);
  return texts.join(sep);
}

function substring(s: string, a: Value | undefined, b: Value | undefined): string {
  const start = requireInt(a ?? null, 'startIndex');
  const len = b === undefined ? s.length - start : requireInt(b, 'length');
  if (start < 0 || start > s.length) throw argOutOfRange('startIndex');
  if (len < 0 || start + len > s.length) throw argOutOfRange('length');
  return s.substring(start, start + len);
}

function replace(s: string, a: Value | undefined, b: Value | undefined, env: Env): string {
  const from = text(a, 'oldValue');
  if (from === '') throw netError('ArgumentException', "String cannot be of zero length. (Parameter 'oldValue')");
  const to = b === null || b === undefined ? '' : text(b, 'newValue');
  const parts = s.split(from);
  if (to.length > from.length) env.meter.string(s.length + (parts.length - 1) * (to.length - from.length));
  return parts.join(to);
}

export const STRING_TABLE: TypeTable = {
  props: {
    Length: { type: 'Int32', get: (s) => str(s).length },
  },
  methods: {
    Contains: { type: 'Boolean', call: (s, [a, c]) => fold(str(s), ignoreCase(c)).includes(fold(text(a, 'value'), ignoreCase(c))) },
    StartsWith: { type: 'Boolean', call: (s, [a, c]) => fold(str(s), ignoreCase(c)).startsWith(fold(text(a, 'value'), ignoreCase(c))) },
    EndsWith: { type: 'Boolean', call: (s, [a, c]) => fold(str(s), ignoreCase(c)).endsWith(fold(text(a, 'value'), ignoreCase(c))) },
    Substring: { type: 'String', call: (s, [a, b]) => substring(str(s), a, b) },
    Remove: {
      type: 'String',
      call: (s, [a, b]) => {
        const x = str(s);
        const start = requireInt(a ?? null, 'startIndex');
        const count = b === undefined ? x.length - start : requireInt(b, 'count');
        if (start < 0 || start > x.length || count < 0 || start + count > x.length) throw argOutOfRange('startIndex');
        return x.slice(0, start) + x.slice(start + count);
      },
    },
    Insert: {
      type: 'String',
      call: (s, [a, b], _t, env) => {
        const x = str(s);
        const i = requireInt(a ?? null, 'startIndex');
        if (i < 0 || i > x.length) throw argOutOfRange('startIndex');
        const v = requireString(b ?? null, 'value');
        env.meter.string(x.length + v.length);
        return x.slice(0, i) + v + x.slice(i);
      },
    },
    ToLower: { type: 'String', call: (s) => str(s).toLowerCase() },
    ToUpper: { type: 'String', call: (s) => str(s).toUpperCase() },
    ToLowerInvariant: { type: 'String', call: (s) => str(s).toLowerCase() },
    ToUpperInvariant: { type: 'String', call: (s) => str(s).toUpperCase() },
    Trim: { type: 'String', call: (s, args) => trimChars(str(s), args, true, true) },
    TrimStart: { type: 'String', call: (s, args) => trimChars(str(s), args, true, false) },
    TrimEnd: { type: 'String', call: (s, args) => trimChars(str(s), args, false, true) },
    Split: { type: 'String[]', call: (s, args, _t, env) => splitString(str(s), args, env) },
    Replace: { type: 'String', call: (s, [a, b], _t, env) => replace(str(s), a, b, env) },
    IndexOf: { type: 'Int32', call: (s, args) => indexOf(str(s), args, false) },
    LastIndexOf: { type: 'Int32', call: (s, args) => indexOf(str(s), args, true) },
    IndexOfAny: {
      type: 'Int32',
      call: (s, [a, b]) => {
        const set = charSet([a ?? null]) ?? new Set();
        const x = str(s);
        for (let i = typeof b === 'number' ? b : 0; i < x.length; i++) if (set.has(x[i]!)) return i;
        return -1;
      },
    },
    LastIndexOfAny: {
      type: 'Int32',
      call: (s, [a]) => {
        const set = charSet([a ?? null]) ?? new Set();
        const x = str(s);
        for (let i = x.length - 1; i >= 0; i--) if (set.has(x[i]!)) return i;
        return -1;
      },
    },
    Equals: { type: 'Boolean', call: (s, [a, c]) => typeof a === 'string' && fold(str(s), ignoreCase(c)) === fold(a, ignoreCase(c)) },
    CompareTo: { type: 'Int32', call: (s, [a]) => (a === null ? 1 : compareStrings(str(s), requireString(a, 'strB'), false)) },
    ToString: { type: 'String', call: (s) => s },
    ToCharArray: { type: 'Char[]', call: (s, _a, _t, env) => { env.meter.collection(str(s).length); return [...str(s)]; } },
    PadLeft: { type: 'String', call: (s, [n, c], _t, env) => pad(str(s), n, c, env, true) },
    PadRight: { type: 'String', call: (s, [n, c], _t, env) => pad(str(s), n, c, env, false) },
    GetHashCode: { type: 'Int32', call: (s) => { let h = 0; for (const c of str(s)) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0; return h; } },
    Normalize: { type: 'String', call: (s) => str(s).normalize('NFC') },
    GetTypeCode: { type: 'Object', call: () => 'String' },
  },
  index: {
    type: 'Char',
    get: (s, [i]) => {
      const n = requireInt(i ?? null, 'index');
      const x = str(s);
      if (n < 0 || n >= x.length) throw netError('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
      return x[n]!;
    },
  },
};

/** Ordinal comparison (culture-aware comparison of ASCII text gives the same order for letters of one case). */
export function compareStrings(a: string, b: string, ic: boolean): number {
  const x = fold(a, ic);
  const y = fold(b, ic);
  return x < y ? -1 : x > y ? 1 : 0;
}

const isNullOrWhiteSpace = (v: Value | undefined) => v === null || v === undefined || (typeof v === 'string' && [...v].every(isWhite));

/** `params object[]` or one array/enumerable argument. */
function spread(rest: Value[]): Value[] {
  return rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
}

/** `string.Join(sep, values)` / `string.Concat(values)`: one argument that is a collection (List, byte[], LINQ…) binds to the IEnumerable<T> overload; a string stays one value. */
function joinItems(rest: Value[]): Value[] {
  const [only] = rest;
  if (rest.length === 1 && only !== null && typeof only === 'object' && !Array.isArray(only) && isEnumerable(only)) return enumerate(only);
  return spread(rest);
}

export const STRING_STATICS: StaticTable = {
  props: { Empty: { type: 'String', get: () => '' } },
  methods: {
    IsNullOrEmpty: { type: 'Boolean', call: (_t, [v]) => v === null || v === undefined || v === '' },
    IsNullOrWhiteSpace: { type: 'Boolean', call: (_t, [v]) => isNullOrWhiteSpace(v) },
    Join: {
      type: 'String',
      call: (_t, [sep, ...rest], _ta, env) => joinSized(env, joinItems(rest).map((x) => toDotNetString(x)), toDotNetString(sep ?? null)),
    },
    Concat: { type: 'String', call: (_t, args, _ta, env) => joinSized(env, joinItems(args).map((x) => toDotNetString(x)), '') },
    Format: {
      type: 'String',
      call: (_t, [f, ...rest], _ta, env) => {
        const fmt = f instanceof EnumValue || (f !== null && typeof f === 'object' && !Array.isArray(f) && (f as HostValue).$type === 'CultureInfo') ? rest.shift() : f;
        return compositeFormat(requireString(fmt ?? null, 'format'), spread(rest), env.meter);
      },
    },
    Equals: {
      type: 'Boolean',
      call: (_t, [a, b, c]) => {
        if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
        return typeof a === 'string' && typeof b === 'string' && fold(a, ignoreCase(c)) === fold(b, ignoreCase(c));
      },
    },
    Compare: {
      type: 'Int32',
      call: (_t, [a, b, c]) => {
        if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
        if (b === null || b === undefined) return 1;
        return compareStrings(requireString(a, 'strA'), requireString(b, 'strB'), ignoreCase(c));
      },
    },
    CompareOrdinal: { type: 'Int32', call: (_t, [a, b]) => compareStrings(requireString(a ?? null, 'strA'), requireString(b ?? null, 'strB'), false) },
    Copy: { type: 'String', call: (_t, [a]) => requireString(a ?? null, 'str') },
  },
  ctor: (args, _ta, env) => {
    const [a, b] = args;
    if (Array.isArray(a)) { env.meter.string(a.length); return a.map((c) => requireString(c, 'value')).join(''); }
    const n = requireInt(b ?? null, 'count');
    if (n < 0) throw argOutOfRange('count');
    env.meter.string(n);
    return requireString(a ?? null, 'c').repeat(n);
  },
};

const charTest = (re: RegExp) => ({
  type: 'Boolean',
  call: (_t: Value, args: Value[]) => {
    const [s, i] = args;
    const c = typeof i === 'number' ? requireString(s ?? null, 's')[i] : requireString(s ?? null, 'c');
    if (c === undefined) throw argOutOfRange('index');
    return re.test(c);
  },
});

export const CHAR_STATICS: StaticTable = {
  props: { MaxValue: { type: 'Char', get: () => '\uffff' }, MinValue: { type: 'Char', get: () => '\0' } },
  methods: {
    IsDigit: charTest(/^\p{Nd}$/u),
    IsNumber: charTest(/^\p{N}$/u),
    IsLetter: charTest(/^\p{L}$/u),
    IsLetterOrDigit: charTest(/^[\p{L}\p{Nd}]$/u),
    IsWhiteSpace: charTest(WS),
    IsUpper: charTest(/^\p{Lu}$/u),
    IsLower: charTest(/^\p{Ll}$/u),
    IsPunctuation: charTest(/^\p{P}$/u),
    IsSymbol: charTest(/^\p{S}$/u),
    IsControl: charTest(/^\p{Cc}$/u),
    IsSurrogate: charTest(/^[\ud800-\udfff]$/),
    ToUpper: { type: 'Char', call: (_t, [c]) => requireString(c ?? null, 'c').toUpperCase() },
    ToLower: { type: 'Char', call: (_t, [c]) => requireString(c ?? null, 'c').toLowerCase() },
    ToUpperInvariant: { type: 'Char', call: (_t, [c]) => requireString(c ?? null, 'c').toUpperCase() },
    ToLowerInvariant: { type: 'Char', call: (_t, [c]) => requireString(c ?? null, 'c').toLowerCase() },
    ToString: { type: 'String', call: (_t, [c]) => requireString(c ?? null, 'c') },
    Parse: { type: 'Char', call: (_t, [s]) => { const x = requireString(s ?? null, 's'); if (x.length !== 1) throw formatError('String must be exactly one character long.'); return x; } },
    TryParse: {
      type: 'Boolean',
      call: (_t, [s, out]) => {
        const ok = typeof s === 'string' && s.length === 1;
        if (out instanceof OutRef) out.set(ok ? (s as string) : '\0');
        return ok;
      },
    },
    GetNumericValue: { type: 'Double', call: (_t, [c]) => { const x = requireString(c ?? null, 'c'); return /^[0-9]$/.test(x) ? Number(x) : -1; } },
  },
};

/** System.Text.StringBuilder. */
export class StringBuilderV implements HostValue {
  readonly $type = 'StringBuilder';
  text = '';
  netString(): string { return this.text; }
}

const sb = (v: Value) => v as StringBuilderV;
function append(v: Value, s: string, env: Env): StringBuilderV {
  const b = sb(v);
  env.meter.string(b.text.length + s.length);
  b.text += s;
  return b;
}

export const STRINGBUILDER_TABLE: TypeTable = {
  props: {
    Length: {
      type: 'Int32',
      get: (v) => sb(v).text.length,
      set: (v, n, env) => {
        const len = requireInt(n, 'value');
        if (len < 0) throw argOutOfRange('value');
        env.meter.string(len);
        sb(v).text = sb(v).text.slice(0, len).padEnd(len, '\0');
      },
    },
  },
  methods: {
    Append: {
      type: 'StringBuilder',
      call: (v, [x, a, b], _t, env) => {
        if (typeof a === 'number' && typeof b === 'number') return append(v, substring(requireString(x ?? null, 'value'), a, b), env);
        if (typeof x === 'string' && typeof a === 'number') { env.meter.string(a); return append(v, x.repeat(Math.max(0, a)), env); }
        return append(v, toDotNetString(x ?? null), env);
      },
    },
    AppendLine: { type: 'StringBuilder', call: (v, [x], _t, env) => append(v, (x === undefined ? '' : toDotNetString(x)) + NEWLINE, env) },
    AppendFormat: { type: 'StringBuilder', call: (v, [f, ...rest], _t, env) => append(v, compositeFormat(requireString(f ?? null, 'format'), spread(rest), env.meter), env) },
    Insert: {
      type: 'StringBuilder',
      call: (v, [i, x], _t, env) => {
        const b = sb(v);
        const at = requireInt(i ?? null, 'index');
        if (at < 0 || at > b.text.length) throw argOutOfRange('index');
        const s = toDotNetString(x ?? null);
        env.meter.string(b.text.length + s.length);
        b.text = b.text.slice(0, at) + s + b.text.slice(at);
        return b;
      },
    },
    Remove: {
      type: 'StringBuilder',
      call: (v, [i, n]) => {
        const b = sb(v);
        const at = requireInt(i ?? null, 'startIndex');
        const len = requireInt(n ?? null, 'length');
        if (at < 0 || len < 0 || at + len > b.text.length) throw argOutOfRange('startIndex');
        b.text = b.text.slice(0, at) + b.text.slice(at + len);
        return b;
      },
    },
    Replace: { type: 'StringBuilder', call: (v, [a, b], _t, env) => { sb(v).text = replace(sb(v).text, a, b, env); return v; } },
    Clear: { type: 'StringBuilder', call: (v) => { sb(v).text = ''; return v; } },
    ToString: { type: 'String', call: (v, [a, b]) => (a === undefined ? sb(v).text : substring(sb(v).text, a, b)) },
  },
  index: {
    type: 'Char',
    get: (v, [i]) => {
      const n = requireInt(i ?? null, 'index');
      const t = sb(v).text;
      if (n < 0 || n >= t.length) throw argOutOfRange('index');
      return t[n]!;
    },
  },
};

export const STRINGBUILDER_STATICS: StaticTable = {
  props: {},
  methods: {},
  ctor: (args, _ta, env) => {
    const b = new StringBuilderV();
    if (typeof args[0] === 'string') { env.meter.string(args[0].length); b.text = args[0]; }
    return b;
  },
};

const COMPARISONS = { CurrentCulture: 0, CurrentCultureIgnoreCase: 1, InvariantCulture: 2, InvariantCultureIgnoreCase: 3, Ordinal: 4, OrdinalIgnoreCase: 5 };
const SPLIT_OPTIONS = { None: 0, RemoveEmptyEntries: 1, TrimEntries: 2 };

export function enumStatics(enumType: string, names: Record<string, number>): StaticTable {
  return {
    props: Object.fromEntries(Object.entries(names).map(([k, v]) => [k, { type: enumType, get: () => new EnumValue(enumType, v, names) }])),
    methods: {},
  };
}

/** `StringComparer.OrdinalIgnoreCase` etc. (passed to Contains, ToDictionary, new Dictionary…). */
export class StringComparerV implements HostValue {
  readonly $type = 'StringComparer';
  constructor(readonly ignoreCase: boolean) {}
  key(s: Value): Value { return typeof s === 'string' && this.ignoreCase ? s.toUpperCase() : s; }
}

export const STRING_LIB_STATICS: Record<string, StaticTable> = {
  String: STRING_STATICS,
  Char: CHAR_STATICS,
  StringBuilder: STRINGBUILDER_STATICS,
  StringComparison: enumStatics('StringComparison', COMPARISONS),
  StringSplitOptions: enumStatics('StringSplitOptions', SPLIT_OPTIONS),
  StringComparer: {
    props: Object.fromEntries(Object.keys(COMPARISONS).map((k) => [k, { type: 'StringComparer', get: () => new StringComparerV(k.endsWith('IgnoreCase')) }])),
    methods: {},
  },
};

export const STRING_LIB_TABLES: Record<string, TypeTable> = {
  String: STRING_TABLE,
  StringBuilder: STRINGBUILDER_TABLE,
  StringComparer: {
    props: {},
    methods: {
      Equals: { type: 'Boolean', call: (c, [a, b]) => (c as StringComparerV).key(a ?? null) === (c as StringComparerV).key(b ?? null) },
      Compare: { type: 'Int32', call: (c, [a, b]) => compareStrings(requireString(a ?? null, 'x'), requireString(b ?? null, 'y'), (c as StringComparerV).ignoreCase) },
    },
  },
};
