import { randomUUID } from 'node:crypto';
import {
  ExpressionRuntimeError, requireInt, requireString, toDotNetString, type Value,
} from './values.js';
import type { Env, TypeTable } from './member-types.js';

const argOutOfRange = (m: string) => new ExpressionRuntimeError('ArgumentOutOfRangeException', `Specified argument was out of the range of valid values. (${m})`);

/** StringComparison.* values are strings naming the comparison. */
function ignoreCase(arg: Value | undefined): boolean {
  return typeof arg === 'string' && arg.endsWith('IgnoreCase');
}

function cmp(a: string, b: string, ic: boolean): [string, string] {
  return ic ? [a.toLowerCase(), b.toLowerCase()] : [a, b];
}

function splitString(s: string, args: Value[]): string[] {
  const seps: string[] = [];
  let options = 'None';
  for (const a of args) {
    if (Array.isArray(a)) seps.push(...a.map((x) => requireString(x, 'separator')));
    else if (typeof a === 'string' && a.startsWith('StringSplitOptions.')) options = a;
    else if (typeof a === 'string') seps.push(a);
  }
  let parts: string[];
  if (seps.length === 0) parts = s.split(/\s/);
  else {
    parts = [s];
    for (const sep of seps) parts = parts.flatMap((p) => p.split(sep));
  }
  if (options.endsWith('TrimEntries')) parts = parts.map((p) => p.trim());
  if (options.includes('RemoveEmptyEntries')) parts = parts.filter((p) => p !== '');
  return parts;
}

function trimChars(s: string, chars: Value[], start: boolean, end: boolean): string {
  const set = chars.length ? new Set(chars.flatMap((c) => (Array.isArray(c) ? c : [c])).map((c) => requireString(c, 'trim char'))) : null;
  const isTrim = (c: string) => (set ? set.has(c) : /\s/.test(c));
  let a = 0;
  let b = s.length;
  if (start) while (a < b && isTrim(s[a]!)) a++;
  if (end) while (b > a && isTrim(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function pad(s: string, n: Value | undefined, c: Value | undefined, env: Env, left: boolean): string {
  const width = requireInt(n ?? null, 'totalWidth');
  if (width < 0) throw argOutOfRange('totalWidth');
  env.meter.string(width);
  const ch = typeof c === 'string' ? c : ' ';
  return left ? s.padStart(width, ch) : s.padEnd(width, ch);
}

/** Join texts after checking the size of the result. */
function joinSized(env: Env, texts: string[], sep: string): string {
  env.meter.collection(texts.length);
  env.meter.string(texts.reduce((n, t) => n + t.length, 0) + Math.max(0, texts.length - 1) * sep.length);
  return texts.join(sep);
}

export const STRING_TABLE: TypeTable = {
  props: { Length: { type: 'Int32', get: (s) => (s as string).length } },
  methods: {
    Contains: { type: 'Boolean', call: (s, [a, c]) => { const [x, y] = cmp(s as string, requireString(a ?? null, 'value'), ignoreCase(c)); return x.includes(y); } },
    StartsWith: { type: 'Boolean', call: (s, [a, c]) => { const [x, y] = cmp(s as string, requireString(a ?? null, 'value'), ignoreCase(c)); return x.startsWith(y); } },
    EndsWith: { type: 'Boolean', call: (s, [a, c]) => { const [x, y] = cmp(s as string, requireString(a ?? null, 'value'), ignoreCase(c)); return x.endsWith(y); } },
    Substring: {
      type: 'String',
      call: (s, [a, b]) => {
        const str = s as string;
        const start = requireInt(a ?? null, 'startIndex');
        const len = b === undefined ? str.length - start : requireInt(b, 'length');
        if (start < 0 || start > str.length || len < 0 || start + len > str.length) throw argOutOfRange('Substring');
        return str.substring(start, start + len);
      },
    },
    ToLower: { type: 'String', call: (s) => (s as string).toLowerCase() },
    ToUpper: { type: 'String', call: (s) => (s as string).toUpperCase() },
    ToLowerInvariant: { type: 'String', call: (s) => (s as string).toLowerCase() },
    ToUpperInvariant: { type: 'String', call: (s) => (s as string).toUpperCase() },
    Trim: { type: 'String', call: (s, args) => trimChars(s as string, args, true, true) },
    TrimStart: { type: 'String', call: (s, args) => trimChars(s as string, args, true, false) },
    TrimEnd: { type: 'String', call: (s, args) => trimChars(s as string, args, false, true) },
    Split: { type: 'String[]', call: (s, args) => splitString(s as string, args) },
    Replace: {
      type: 'String',
      call: (s, [a, b], _ta, env) => {
        const from = requireString(a ?? null, 'oldValue');
        if (from === '') throw new ExpressionRuntimeError('ArgumentException', 'String cannot be of zero length.');
        const to = b === null || b === undefined ? '' : requireString(b, 'newValue');
        const str = s as string;
        const parts = str.split(from);
        if (to.length > from.length) env.meter.string(str.length + (parts.length - 1) * (to.length - from.length));
        return parts.join(to);
      },
    },
    IndexOf: {
      type: 'Int32',
      call: (s, [a, b, c]) => {
        const ic = ignoreCase(b) || ignoreCase(c);
        const from = typeof b === 'number' ? b : 0;
        const [x, y] = cmp(s as string, requireString(a ?? null, 'value'), ic);
        return x.indexOf(y, from);
      },
    },
    LastIndexOf: { type: 'Int32', call: (s, [a, c]) => { const [x, y] = cmp(s as string, requireString(a ?? null, 'value'), ignoreCase(c)); return x.lastIndexOf(y); } },
    Equals: { type: 'Boolean', call: (s, [a, c]) => { if (typeof a !== 'string') return false; const [x, y] = cmp(s as string, a, ignoreCase(c)); return x === y; } },
    ToString: { type: 'String', call: (s) => s as string },
    PadLeft: { type: 'String', call: (s, [n, c], _ta, env) => pad(s as string, n, c, env, true) },
    PadRight: { type: 'String', call: (s, [n, c], _ta, env) => pad(s as string, n, c, env, false) },
  },
  index: { type: 'String', get: (s, [i]) => { const n = requireInt(i ?? null, 'index'); const str = s as string; if (n < 0 || n >= str.length) throw new ExpressionRuntimeError('IndexOutOfRangeException', 'Index was outside the bounds of the array.'); return str[n]!; } },
};

export const INT_TABLE: TypeTable = {
  props: {},
  methods: {
    ToString: { type: 'String', call: (n) => toDotNetString(n) },
    Equals: { type: 'Boolean', call: (n, [a]) => n === a },
  },
};
export const BOOL_TABLE: TypeTable = {
  props: {},
  methods: { ToString: { type: 'String', call: (b) => toDotNetString(b) }, Equals: { type: 'Boolean', call: (b, [a]) => b === a } },
};

const outOfRange = () => new ExpressionRuntimeError('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
export const ARRAY_TABLE: TypeTable = {
  props: { Length: { type: 'Int32', get: (a) => (a as Value[]).length } },
  methods: {
    Contains: { type: 'Boolean', call: (a, [x]) => (a as Value[]).includes(x ?? null) },
    FirstOrDefault: { type: 'String', call: (a) => (a as Value[])[0] ?? null },
    First: { type: 'String', call: (a) => { const v = (a as Value[])[0]; if (v === undefined) throw new ExpressionRuntimeError('InvalidOperationException', 'Sequence contains no elements'); return v; } },
    LastOrDefault: { type: 'String', call: (a) => (a as Value[]).at(-1) ?? null },
    Last: { type: 'String', call: (a) => { const v = (a as Value[]).at(-1); if (v === undefined) throw new ExpressionRuntimeError('InvalidOperationException', 'Sequence contains no elements'); return v; } },
    Count: { type: 'Int32', call: (a) => (a as Value[]).length },
    Any: { type: 'Boolean', call: (a) => (a as Value[]).length > 0 },
    ToString: { type: 'String', call: () => 'System.String[]' },
  },
  index: { type: 'String', get: (a, [i]) => { const arr = a as Value[]; const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr.length) throw outOfRange(); return arr[n]!; } },
};

const isNullOrWhiteSpace = (v: Value | undefined) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** Static members, keyed by the (C# keyword or BCL) type name written in the expression. */
export const STATIC_TABLES: Record<string, TypeTable> = {
  string: {
    props: { Empty: { type: 'String', get: () => '' } },
    methods: {
      IsNullOrEmpty: { type: 'Boolean', call: (_t, [v]) => v === null || v === undefined || v === '' },
      IsNullOrWhiteSpace: { type: 'Boolean', call: (_t, [v]) => isNullOrWhiteSpace(v) },
      Join: {
        type: 'String',
        call: (_t, [sep, ...rest], _ta, env) => {
          const items = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : rest;
          return joinSized(env, items.map((x) => toDotNetString(x)), toDotNetString(sep ?? null));
        },
      },
      Concat: { type: 'String', call: (_t, args, _ta, env) => joinSized(env, args.map((x) => toDotNetString(x)), '') },
      Equals: { type: 'Boolean', call: (_t, [a, b, c]) => { if (a === null || b === null) return a === b; const [x, y] = cmp(requireString(a ?? null, 'a'), requireString(b ?? null, 'b'), ignoreCase(c)); return x === y; } },
    },
  },
  int: {
    props: { MaxValue: { type: 'Int32', get: () => 2147483647 }, MinValue: { type: 'Int32', get: () => -2147483648 } },
    methods: {
      Parse: {
        type: 'Int32',
        call: (_t, [s]) => {
          const str = requireString(s ?? null, 's').trim();
          if (!/^[+-]?[0-9]+$/.test(str)) throw new ExpressionRuntimeError('FormatException', 'Input string was not in a correct format.');
          const n = Number(str);
          if (n > 2147483647 || n < -2147483648) throw new ExpressionRuntimeError('OverflowException', 'Value was either too large or too small for an Int32.');
          return n;
        },
      },
    },
  },
  bool: {
    props: {},
    methods: {
      Parse: {
        type: 'Boolean',
        call: (_t, [s]) => {
          const str = requireString(s ?? null, 'value').trim().toLowerCase();
          if (str === 'true') return true;
          if (str === 'false') return false;
          throw new ExpressionRuntimeError('FormatException', `String '${String(s)}' was not recognized as a valid Boolean.`);
        },
      },
    },
  },
  StringComparison: {
    props: Object.fromEntries(['Ordinal', 'OrdinalIgnoreCase', 'InvariantCulture', 'InvariantCultureIgnoreCase', 'CurrentCulture', 'CurrentCultureIgnoreCase']
      .map((n) => [n, { type: 'StringComparison', get: () => `StringComparison.${n}` }])),
    methods: {},
  },
  StringSplitOptions: {
    props: Object.fromEntries(['None', 'RemoveEmptyEntries', 'TrimEntries'].map((n) => [n, { type: 'StringSplitOptions', get: () => `StringSplitOptions.${n}` }])),
    methods: {},
  },
  Guid: { props: {}, methods: { NewGuid: { type: 'Guid', call: () => ({ $type: 'Guid', toDotNetString: ((g: string) => () => g)(randomUUID()) }) as unknown as Value } } },
  Math: {
    props: {},
    methods: {
      Max: { type: 'Int32', call: (_t, [a, b]) => Math.max(requireInt(a ?? null, 'a'), requireInt(b ?? null, 'b')) },
      Min: { type: 'Int32', call: (_t, [a, b]) => Math.min(requireInt(a ?? null, 'a'), requireInt(b ?? null, 'b')) },
      Abs: { type: 'Int32', call: (_t, [a]) => Math.abs(requireInt(a ?? null, 'a')) },
    },
  },
};
STATIC_TABLES.String = STATIC_TABLES.string!;
STATIC_TABLES.Int32 = STATIC_TABLES.int!;
STATIC_TABLES.Boolean = STATIC_TABLES.bool!;

export const GUID_TABLE: TypeTable = { props: {}, methods: { ToString: { type: 'String', call: (g) => toDotNetString(g) } } };

