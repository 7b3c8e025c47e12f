/** Type names of the expression subset: normalization, hierarchy, casts, `is`/`as`. */
import {
  dotNetTypeName, EnumValue, invalidCast, isHost, nullRef, typeOf, type HostValue, type Value,
} from './values.js';

const KEYWORD_TYPES: Record<string, string> = {
  string: 'String', int: 'Int32', long: 'Int64', short: 'Int16', byte: 'Byte', sbyte: 'SByte', uint: 'UInt32', ulong: 'UInt64', ushort: 'UInt16',
  double: 'Double', float: 'Single', decimal: 'Decimal', bool: 'Boolean', char: 'Char', object: 'Object', dynamic: 'Object', void: 'Void',
};

const NAMESPACE_PREFIX = /^(?:global::)?(?:System\.Collections\.Generic\.|System\.Text\.RegularExpressions\.|System\.Security\.Cryptography\.X509Certificates\.|System\.Security\.Cryptography\.|System\.Xml\.Linq\.|System\.Xml\.|System\.Text\.|System\.Linq\.|System\.Net\.|System\.IO\.|Newtonsoft\.Json\.Linq\.|Newtonsoft\.Json\.|System\.)/;

/** `int` → `Int32`, `System.Collections.Generic.List<string>` → `List<String>`, `byte[]` → `Byte[]`, `int?` → `Int32?`. */
export function normalizeType(t: string): string {
  let s = t.replace(/\s+/g, '');
  let suffix = '';
  for (;;) {
    const m = /(\[,*\]|\?)$/.exec(s);
    if (!m) break;
    suffix = m[1] + suffix;
    s = s.slice(0, -m[1]!.length);
  }
  const lt = s.indexOf('<');
  let head = lt < 0 ? s : s.slice(0, lt);
  let args = '';
  if (lt >= 0 && s.endsWith('>')) args = '<' + splitTypeArgs(s.slice(lt + 1, -1)).map(normalizeType).join(', ') + '>';
  head = head.replace(NAMESPACE_PREFIX, '');
  head = KEYWORD_TYPES[head] ?? head;
  if (head === 'Nullable' && args) return args.slice(1, -1) + '?' + suffix;
  return head + args + suffix;
}

export function splitTypeArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<') depth++;
    else if (c === '>') depth--;
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out;
}

/** The element type of `T[]` or of a generic collection's first argument, else Object. */
export function elementType(t: string): string {
  if (t.endsWith('[]')) return t.slice(0, -2);
  const lt = t.indexOf('<');
  if (lt > 0 && t.endsWith('>')) {
    const args = splitTypeArgs(t.slice(lt + 1, -1));
    if (/^(?:I?Dictionary|IReadOnlyDictionary)$/.test(t.slice(0, lt))) return `KeyValuePair<${args.join(', ')}>`;
    return args[0]!;
  }
  if (t === 'String') return 'Char';
  if (t === 'JArray' || t === 'JToken' || t === 'JContainer') return 'JToken';
  if (t === 'JObject') return 'JToken';
  return 'Object';
}

/** The member table a static type uses: `List<String>` → `List`, `String[]` → `Array`, `Int32?` → `Int32`. */
export function tableKey(t: string): string {
  let s = t.endsWith('?') ? t.slice(0, -1) : t;
  if (s === 'Byte[]') return 'Byte[]';
  if (s.endsWith(']')) return 'Array';
  const lt = s.indexOf('<');
  if (lt > 0) s = s.slice(0, lt);
  return INTERFACE_TABLES[s] ?? s;
}

/** Interfaces seen in declarations resolve to the concrete table the twin uses for them. */
const INTERFACE_TABLES: Record<string, string> = {
  IList: 'List', ICollection: 'Object', IEnumerable: 'Object', IReadOnlyList: 'Object', IReadOnlyCollection: 'Object',
  IDictionary: 'Object', IReadOnlyDictionary: 'Object', ISet: 'HashSet', Int16: 'Int32', Byte: 'Int32', SByte: 'Int32', UInt16: 'Int32',
  UInt32: 'Int64', UInt64: 'Int64', Single: 'Double',
};

const INTEGRAL = new Set(['Int32', 'Int64', 'Int16', 'Byte', 'SByte', 'UInt16', 'UInt32', 'UInt64']);
const FLOATING = new Set(['Double', 'Single', 'Decimal']);
export const isIntegral = (t: string): boolean => INTEGRAL.has(t.replace(/\?$/, ''));
export const isFloating = (t: string): boolean => FLOATING.has(t.replace(/\?$/, ''));
export const isNumericType = (t: string): boolean => isIntegral(t) || isFloating(t) || t === 'Char';

const CS_KEYWORDS: Record<string, string> = { String: 'string', Double: 'double', Single: 'float', Decimal: 'decimal', Int32: 'int', Int64: 'long', Boolean: 'bool', Char: 'char' };
const csName = (t: string): string => CS_KEYWORDS[t] ?? t;

/**
 * Whether C# has no implicit conversion from a value of static type `from` to a parameter of type `to`, for the
 * pairs the twin knows statically (string vs numbers and bool, floating point to integers, decimal to double);
 * unknown types (Object) always pass. Returns the CS1503 wording, or undefined.
 */
export function noImplicitConversion(from: string, to: string): string | undefined {
  if (from === 'Object' || from === 'Null' || to === 'Object' || from === to || from.endsWith('?')) return undefined;
  const bad =
    (from === 'String' && (isNumericType(to) || to === 'Boolean')) ||
    ((isNumericType(from) || from === 'Boolean') && to === 'String') ||
    (from === 'Boolean' && isNumericType(to)) ||
    (isNumericType(from) && to === 'Boolean') ||
    (isFloating(from) && isIntegral(to)) ||
    (from === 'Decimal' && (to === 'Double' || to === 'Single'));
  return bad ? `cannot convert from '${csName(from)}' to '${csName(to)}'` : undefined;
}

/** Result type of arithmetic on two static types (C# binary numeric promotion; Object when unknown). */
export function promote(a: string, b: string): string {
  const x = a.replace(/\?$/, '');
  const y = b.replace(/\?$/, '');
  if (!isNumericType(x) || !isNumericType(y)) return 'Object';
  if (x === 'Decimal' || y === 'Decimal') return 'Decimal';
  if (x === 'Double' || y === 'Double' || x === 'Single' || y === 'Single') return 'Double';
  if (x === 'Int64' || y === 'Int64' || x === 'UInt64' || y === 'UInt64' || x === 'UInt32' || y === 'UInt32') return 'Int64';
  return 'Int32';
}

/**
 * Base types and interfaces of each runtime type: `is`, `as`, casts and `catch (T)` walk this table; member tables of
 * a type include its bases' members.
 */
export const BASES: Record<string, readonly string[]> = {
  JObject: ['JContainer', 'JToken', 'IEnumerable'],
  JArray: ['JContainer', 'JToken', 'IEnumerable', 'IList'],
  JProperty: ['JContainer', 'JToken'],
  JValue: ['JToken'],
  XDocument: ['XContainer', 'XNode', 'XObject'],
  XElement: ['XContainer', 'XNode', 'XObject'],
  XAttribute: ['XObject'],
  XText: ['XNode', 'XObject'],
  XCData: ['XText', 'XNode', 'XObject'],
  XComment: ['XNode', 'XObject'],
  Array: ['IEnumerable', 'IList', 'ICollection', 'IReadOnlyList', 'IReadOnlyCollection', 'Array'],
  'Byte[]': ['IEnumerable', 'IList', 'ICollection', 'Array'],
  String: ['IEnumerable', 'IComparable'],
  List: ['IEnumerable', 'IList', 'ICollection', 'IReadOnlyList', 'IReadOnlyCollection'],
  Dictionary: ['IEnumerable', 'IDictionary', 'IReadOnlyDictionary', 'ICollection', 'IReadOnlyCollection'],
  HashSet: ['IEnumerable', 'ISet', 'ICollection', 'IReadOnlyCollection'],
  Queue: ['IEnumerable', 'ICollection', 'IReadOnlyCollection'],
  Stack: ['IEnumerable', 'ICollection', 'IReadOnlyCollection'],
  Int32: ['ValueType', 'IComparable'], Double: ['ValueType', 'IComparable'], Boolean: ['ValueType'], Guid: ['ValueType'], DateTime: ['ValueType', 'IComparable'],
  DateTimeOffset: ['ValueType', 'IComparable'], TimeSpan: ['ValueType', 'IComparable'], Enum: ['ValueType'], KeyValuePair: ['ValueType'],
  Response: ['IResponse'], Request: ['IRequest'], Url: ['IUrl'], MessageBody: ['IMessageBody'], Headers: ['IReadOnlyDictionary', 'IEnumerable'],
  Variables: ['IReadOnlyDictionary', 'IEnumerable'], StringDictionary: ['IReadOnlyDictionary', 'IEnumerable'], Query: ['IReadOnlyDictionary', 'IEnumerable'],
  Claims: ['IReadOnlyDictionary', 'IEnumerable'], Jwt: [], BasicAuthCredentials: [], Lambda: ['Func', 'Delegate'],
  HMAC: ['KeyedHashAlgorithm', 'HashAlgorithm'], HashAlgorithm: [], Aes: ['SymmetricAlgorithm'], RSA: ['AsymmetricAlgorithm'], RSACng: ['RSA', 'AsymmetricAlgorithm'], X509Certificate2: ['X509Certificate'],
  MatchCollection: ['IEnumerable'], GroupCollection: ['IEnumerable'], CaptureCollection: ['IEnumerable'], Group: ['Capture'], Match: ['Group', 'Capture'],
};

/** .NET exception hierarchy for `catch (T)`. */
export const EXCEPTION_BASES: Record<string, readonly string[]> = {
  ArgumentNullException: ['ArgumentException', 'SystemException'],
  ArgumentOutOfRangeException: ['ArgumentException', 'SystemException'],
  ArgumentException: ['SystemException'],
  FormatException: ['SystemException'],
  UriFormatException: ['FormatException', 'SystemException'],
  JsonReaderException: ['JsonException'],
  JsonSerializationException: ['JsonException'],
  XmlException: ['SystemException'],
  OverflowException: ['ArithmeticException', 'SystemException'],
  DivideByZeroException: ['ArithmeticException', 'SystemException'],
  KeyNotFoundException: ['SystemException'],
  IndexOutOfRangeException: ['SystemException'],
  InvalidCastException: ['SystemException'],
  InvalidOperationException: ['SystemException'],
  NullReferenceException: ['SystemException'],
  NotSupportedException: ['SystemException'],
  MissingMemberException: ['SystemException'],
  MissingMethodException: ['MissingMemberException', 'SystemException'],
  CryptographicException: ['SystemException'],
  RegexMatchTimeoutException: ['TimeoutException', 'SystemException'],
  TimeZoneNotFoundException: ['SystemException'],
};

export function exceptionIs(actual: string, wanted: string): boolean {
  const w = normalizeType(wanted);
  return w === 'Exception' || w === 'Object' || actual === w || (EXCEPTION_BASES[actual]?.includes(w) ?? false);
}

/** The runtime type of `v` is `t` or derives from / implements it. */
export function isInstance(v: Value, t: string): boolean {
  if (v === null) return false;
  const want = normalizeType(t).replace(/\?$/, '');
  const have = typeOf(v);
  if (want === 'Object') return true;
  const wantKey = tableKey(want);
  if (have === want || have === wantKey) return true;
  if (typeof v === 'number') {
    if (isIntegral(want)) return Number.isInteger(v);
    return isFloating(want);
  }
  if (typeof v === 'string') return want === 'String' || (want === 'Char' && v.length === 1) || want === 'IEnumerable<Char>' || wantKey === 'IEnumerable';
  if (Array.isArray(v) && want.endsWith('[]')) return true;
  if (v instanceof EnumValue) return want === 'Enum' || want === v.enumType;
  const bases = BASES[have] ?? [];
  return bases.includes(want) || bases.includes(wantKey);
}

/** Hooks lib-json registers: explicit conversions of a JToken to a primitive (`(string)jtoken`, `(int)jtoken`). */
export const TOKEN_CONVERSIONS: { convert?: (type: string, v: HostValue) => Value | undefined } = {};

/** Other user-defined conversions (DateTime → DateTimeOffset…), registered by the libraries. */
export const HOST_CONVERSIONS: Array<(type: string, v: Value) => Value | undefined> = [];

/** The range of each integral type (Int64/UInt64 as doubles: their upper bounds round to 2^63 and 2^64). */
export const NUMERIC_RANGES: Record<string, [number, number]> = {
  Int32: [-2147483648, 2147483647], Int16: [-32768, 32767], Byte: [0, 255], SByte: [-128, 127], UInt16: [0, 65535], UInt32: [0, 4294967295],
  Int64: [-9223372036854775808, 9223372036854775807], UInt64: [0, 18446744073709551615],
};

/** Wrap an integral value into its type's range (C# casts are unchecked). */
export function wrapIntegral(type: string, n: number): number {
  switch (type) {
    case 'Int32': return n | 0;
    case 'UInt32': return n >>> 0;
    case 'Int16': return (n << 16) >> 16;
    case 'UInt16': return n & 0xffff;
    case 'Byte': return n & 0xff;
    case 'SByte': return (n << 24) >> 24;
    default: return n;
  }
}

/**
 * An explicit C# cast `(type)v`. `fromType` is the operand's static type: a numeric conversion (`(int)3.7`) truncates,
 * an unboxing (`(int)obj`) requires a number. JTokens convert through their explicit operators.
 */
export function castTo(type: string, v: Value, fromType = 'Object'): Value {
  const t = normalizeType(type);
  const nullable = t.endsWith('?');
  const base = nullable ? t.slice(0, -1) : t;
  if (v === null) {
    if (nullable || !(isNumericType(base) || base === 'Boolean' || base === 'Char' || ['Guid', 'DateTime', 'DateTimeOffset', 'TimeSpan'].includes(base))) return null;
    throw nullRef(`cast to ${base}`);
  }
  if (base === 'Object') return v;
  if (isHost(v) && TOKEN_CONVERSIONS.convert && ['JValue', 'JObject', 'JArray', 'JProperty'].includes(v.$type) && !['JToken', 'JValue', 'JObject', 'JArray', 'JProperty', 'JContainer'].includes(base)) {
    const r = TOKEN_CONVERSIONS.convert(base, v);
    if (r !== undefined) return r;
  }
  if ((isHost(v) && !(v instanceof EnumValue)) || (typeof v === 'string' && (base === 'XName' || base === 'XNamespace'))) {
    for (const c of HOST_CONVERSIONS) {
      const r = c(base, v);
      if (r !== undefined) return r;
    }
  }
  if (isIntegral(base)) {
    let n: number;
    if (typeof v === 'number') {
      if (!Number.isInteger(v) && !isFloating(fromType) && fromType !== 'Object') throw invalidCast(dotNetTypeName(v), `System.${base}`);
      if (!Number.isInteger(v) && fromType === 'Object') throw invalidCast('System.Double', `System.${base}`);
      n = Number.isFinite(v) ? Math.trunc(v) : 0;
    } else if (typeof v === 'string' && v.length === 1 && (fromType === 'Char' || fromType === 'Object')) {
      if (fromType === 'Object') throw invalidCast('System.String', `System.${base}`);
      n = v.charCodeAt(0);
    } else if (v instanceof EnumValue) {
      n = v.value;
    } else {
      throw invalidCast(dotNetTypeName(v), `System.${base}`);
    }
    const range = NUMERIC_RANGES[base];
    return range && (n < range[0] || n > range[1]) ? wrapIntegral(base, n) : n;
  }
  if (isFloating(base)) {
    if (typeof v === 'number') return base === 'Single' ? Math.fround(v) : v;
    if (typeof v === 'string' && v.length === 1 && fromType === 'Char') return v.charCodeAt(0);
    throw invalidCast(dotNetTypeName(v), `System.${base}`);
  }
  switch (base) {
    case 'String':
      if (typeof v === 'string') return v;
      throw invalidCast(dotNetTypeName(v), 'System.String');
    case 'Boolean':
      if (typeof v === 'boolean') return v;
      throw invalidCast(dotNetTypeName(v), 'System.Boolean');
    case 'Char':
      if (typeof v === 'string' && v.length === 1) return v;
      if (typeof v === 'number' && fromType !== 'Object') return String.fromCharCode(v & 0xffff);
      throw invalidCast(dotNetTypeName(v), 'System.Char');
    default:
      if (isInstance(v, base)) return v;
      throw invalidCast(dotNetTypeName(v), base);
  }
}
