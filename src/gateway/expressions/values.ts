/** Runtime values of policy expressions and the .NET conversions the interpreter needs. */
import { TwinError } from '../../core/index.js';

/**
 * A host object reachable from expressions: only members listed in the member tables (by `$type`) are visible;
 * nothing is ever looked up on the JavaScript object itself.
 */
export interface HostValue {
  readonly $type: string;
}

/** Value types (Guid, DateTime, TimeSpan, enums…) compare by value and print themselves. */
export interface NetValue extends HostValue {
  netEquals(other: Value): boolean;
  netString(format?: string): string;
}

/**
 * string (also char, as a 1-character string), number (all numeric types; the static type decides integer semantics),
 * boolean, null, byte[] (Uint8Array), arrays (T[]), host objects.
 */
export type Value = string | number | boolean | null | Uint8Array | Value[] | HostValue;

/**
 * A .NET exception raised while evaluating an expression (→ ExpressionValueEvaluationFailure at request time).
 * Codes: ERR_APIM_EXPRESSION_RUNTIME (an exception .NET would throw), ERR_APIM_EXPRESSION_LIMIT (a twin limit of
 * docs/limits.md), ERR_APIM_EXPRESSION_INTERNAL (a twin defect caught at the evaluator's boundary).
 */
export class ExpressionRuntimeError extends TwinError {
  readonly exceptionType: string;
  /**
   * The twin's pointer to what failed (`ToUpper on a null value`: the member or operation that met null), for the
   * decision record and the log only: the message is .NET's, word for word, as APIM shows it (LastError.Message, trace).
   */
  readonly hint: string | undefined;
  /** The source text of the expression that threw, set where the expression is evaluated (the trace's `expression`). */
  expression: string | undefined;
  constructor(exceptionType: string, message: string, options: { code?: string; cause?: unknown; hint?: string | undefined } = {}) {
    const { code = 'ERR_APIM_EXPRESSION_RUNTIME', cause, hint } = options;
    super(code, message, cause === undefined ? { details: { exceptionType } } : { details: { exceptionType }, cause });
    this.exceptionType = exceptionType;
    this.hint = hint;
    this.expression = undefined;
  }
}

export const netError = (type: string, message: string, hint?: string): ExpressionRuntimeError => new ExpressionRuntimeError(type, message, { hint });

/** .NET's NullReferenceException: its message names nothing; `what` (the member or operation) is the twin's hint. */
export const nullRef = (what: string): ExpressionRuntimeError =>
  netError('NullReferenceException', 'Object reference not set to an instance of an object.', `${what} on a null value`);

export const invalidCast = (from: string, to: string): ExpressionRuntimeError =>
  netError('InvalidCastException', `Unable to cast object of type '${from}' to type '${to}'.`);

export const argumentNull = (param: string): ExpressionRuntimeError =>
  netError('ArgumentNullException', `Value cannot be null. (Parameter '${param}')`);

export const argOutOfRange = (param: string): ExpressionRuntimeError =>
  netError('ArgumentOutOfRangeException', `Specified argument was out of the range of valid values. (Parameter '${param}')`);

export const formatError = (message = 'Input string was not in a correct format.'): ExpressionRuntimeError => netError('FormatException', message);

export const invalidOperation = (message: string): ExpressionRuntimeError => netError('InvalidOperationException', message);

export function isHost(v: Value | undefined): v is HostValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function isNetValue(v: Value | undefined): v is NetValue {
  return isHost(v) && typeof (v as Partial<NetValue>).netEquals === 'function';
}

/** The runtime type name of a value, used for member dispatch and messages (BCL names without `System.`). */
export function typeOf(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return 'String';
    case 'number': return Number.isInteger(v) ? 'Int32' : 'Double';
    case 'boolean': return 'Boolean';
    default:
      if (Array.isArray(v)) return 'Array';
      if (v instanceof Uint8Array) return 'Byte[]';
      return (v as HostValue).$type;
  }
}

/** The .NET full name shown in messages (`System.String`, `Newtonsoft.Json.Linq.JObject`). */
export function dotNetTypeName(v: Value): string {
  return qualifiedName(typeOf(v));
}

const NAMESPACES: Record<string, string> = {
  JObject: 'Newtonsoft.Json.Linq', JArray: 'Newtonsoft.Json.Linq', JValue: 'Newtonsoft.Json.Linq', JProperty: 'Newtonsoft.Json.Linq',
  JToken: 'Newtonsoft.Json.Linq', Array: 'System', 'Byte[]': 'System', List: 'System.Collections.Generic', Dictionary: 'System.Collections.Generic',
  XElement: 'System.Xml.Linq', XDocument: 'System.Xml.Linq', XAttribute: 'System.Xml.Linq', StringBuilder: 'System.Text',
};

export function qualifiedName(t: string): string {
  if (t === 'Array') return 'System.Object[]';
  const ns = NAMESPACES[t] ?? (/^[A-Z][A-Za-z0-9]*$/.test(t) && ['String', 'Int32', 'Int64', 'Double', 'Boolean', 'Char', 'Guid', 'DateTime', 'TimeSpan', 'DateTimeOffset', 'Uri', 'Decimal'].includes(t) ? 'System' : '');
  return ns ? `${ns}.${t}` : t;
}

/** Shortest round-trip text of a double as .NET Core prints it (`1E+15`, `1E-05`, `0.0001`, `3`). */
export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp >= 15 || exp < -5) {
    const e = Math.abs(exp);
    return `${mant.toUpperCase()}E${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  return String(n);
}

/** `Object.ToString()` as .NET renders it (bool → True/False, null → ""). */
export function toDotNetString(v: Value): string {
  if (v === null) return '';
  switch (typeof v) {
    case 'string': return v;
    case 'boolean': return v ? 'True' : 'False';
    case 'number': return Number.isInteger(v) ? String(v) : formatDouble(v);
  }
  if (Array.isArray(v)) return 'System.Object[]';
  if (v instanceof Uint8Array) return 'System.Byte[]';
  const s = (v as Partial<NetValue>).netString;
  return typeof s === 'function' ? s.call(v) : qualifiedName(v.$type);
}

/** Equality as C# `==`/`Equals` behaves for the subset: ordinal strings, numeric values, value types by value, else reference. */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (a === b) return true;
  if (isNetValue(a)) return a.netEquals(b);
  return false;
}

export function requireBool(v: Value | undefined, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null || v === undefined) throw nullRef(what);
  throw invalidCast(dotNetTypeName(v), 'System.Boolean');
}

export function requireInt(v: Value | undefined, what: string): number {
  if (typeof v === 'number') {
    // a fractional value is a double or decimal: C# has no implicit conversion to int (CS1503 on save in APIM)
    if (!Number.isInteger(v)) throw invalidCast('System.Double', 'System.Int32');
    return v;
  }
  if (typeof v === 'string' && v.length === 1) return v.charCodeAt(0);
  if (v === null || v === undefined) throw argumentNull(what);
  throw invalidCast(dotNetTypeName(v), 'System.Int32');
}

export function requireNumber(v: Value | undefined, what: string): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) throw argumentNull(what);
  throw invalidCast(dotNetTypeName(v), 'System.Double');
}

export function requireString(v: Value | undefined, what: string): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) throw argumentNull(what);
  throw invalidCast(dotNetTypeName(v), 'System.String');
}

/** A string argument that may be null (returns null). */
export function optString(v: Value | undefined, what: string): string | null {
  if (v === null || v === undefined) return null;
  return requireString(v, what);
}

export function requireBytes(v: Value | undefined, what: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v === null || v === undefined) throw argumentNull(what);
  throw invalidCast(dotNetTypeName(v), 'System.Byte[]');
}

export function requireHost<T extends HostValue>(v: Value | undefined, type: string | readonly string[], what: string): T {
  if (v === null || v === undefined) throw argumentNull(what);
  const types = typeof type === 'string' ? [type] : type;
  if (isHost(v) && types.includes(v.$type)) return v as T;
  throw invalidCast(dotNetTypeName(v), types[0]!);
}

/** A C# enum value (StringComparison.Ordinal, RegexOptions.IgnoreCase | RegexOptions.Multiline…). */
export class EnumValue implements NetValue {
  readonly $type = 'Enum';
  constructor(readonly enumType: string, readonly value: number, readonly names: Readonly<Record<string, number>>) {}
  get name(): string {
    for (const [k, v] of Object.entries(this.names)) if (v === this.value) return k;
    const parts = Object.entries(this.names).filter(([, v]) => v !== 0 && (this.value & v) === v).map(([k]) => k);
    return parts.length ? parts.join(', ') : String(this.value);
  }
  has(flag: number): boolean { return (this.value & flag) === flag; }
  netEquals(o: Value): boolean { return o instanceof EnumValue && o.enumType === this.enumType && o.value === this.value; }
  netString(): string { return this.name; }
}

/** `default(T)` for the generic argument of GetValueOrDefault<T>. */
export function defaultOf(type: string | undefined): Value {
  switch ((type ?? 'object').replace(/^System\./, '')) {
    case 'int': case 'Int32': case 'long': case 'Int64': case 'double': case 'Double': case 'decimal': case 'Decimal': case 'float': case 'Single':
    case 'short': case 'Int16': case 'byte': case 'Byte': case 'uint': case 'UInt32': case 'ulong': case 'UInt64': case 'sbyte': case 'ushort':
      return 0;
    case 'bool': case 'Boolean': return false;
    case 'char': case 'Char': return '\0';
    default: return null;
  }
}
