/** Runtime values of policy expressions and the .NET conversions the interpreter needs. */
import { TwinError } from '../../core/index.js';

/** A host object reachable from expressions: only members listed in the member tables are visible. */
export interface HostValue {
  readonly $type: string;
}

export type Value = string | number | boolean | null | HostValue | Value[];

/**
 * A .NET exception raised while evaluating an expression (→ ExpressionValueEvaluationFailure at request time).
 * Codes: ERR_APIM_EXPRESSION_RUNTIME (an exception .NET would throw), ERR_APIM_EXPRESSION_LIMIT (a twin limit of
 * docs/limits.md), ERR_APIM_EXPRESSION_INTERNAL (a twin defect caught at the evaluator's boundary).
 */
export class ExpressionRuntimeError extends TwinError {
  readonly exceptionType: string;
  constructor(exceptionType: string, message: string, code = 'ERR_APIM_EXPRESSION_RUNTIME', cause?: unknown) {
    super(code, message, cause === undefined ? { details: { exceptionType } } : { details: { exceptionType }, cause });
    this.exceptionType = exceptionType;
  }
}

export const nullRef = (what: string): ExpressionRuntimeError =>
  new ExpressionRuntimeError('NullReferenceException', `Object reference not set to an instance of an object (${what}).`);

export const invalidCast = (from: string, to: string): ExpressionRuntimeError =>
  new ExpressionRuntimeError('InvalidCastException', `Unable to cast object of type '${from}' to type '${to}'.`);

export function isHost(v: Value): v is HostValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The .NET type name of a value, used for member dispatch and messages. */
export function typeOf(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string': return 'String';
    case 'number': return Number.isInteger(v) ? 'Int32' : 'Double';
    case 'boolean': return 'Boolean';
    default: return Array.isArray(v) ? 'Array' : (v as HostValue).$type;
  }
}

/** `Object.ToString()` as .NET renders it (bool → True/False, null → ""). */
export function toDotNetString(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v)) return 'System.String[]';
  const s = (v as HostValue & { toDotNetString?: () => string }).toDotNetString;
  return s ? s.call(v) : v.$type;
}

export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '-∞';
  return String(n);
}

/** Explicit C# cast of a boxed value. */
export function castTo(type: string, v: Value): Value {
  const t = type.replace(/^System\./, '');
  const nullable = t.endsWith('?');
  const base = nullable ? t.slice(0, -1) : t;
  switch (base) {
    case 'string': case 'String':
      if (v === null || typeof v === 'string') return v;
      throw invalidCast(dotNetTypeName(v), 'System.String');
    case 'int': case 'Int32': case 'long': case 'Int64':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (v === null && nullable) return null;
      if (v === null) throw nullRef(`cast to ${base}`);
      throw invalidCast(dotNetTypeName(v), 'System.Int32');
    case 'double': case 'Double':
      if (typeof v === 'number') return v;
      if (v === null && nullable) return null;
      if (v === null) throw nullRef(`cast to ${base}`);
      throw invalidCast(dotNetTypeName(v), 'System.Double');
    case 'bool': case 'Boolean':
      if (typeof v === 'boolean') return v;
      if (v === null && nullable) return null;
      if (v === null) throw nullRef(`cast to ${base}`);
      throw invalidCast(dotNetTypeName(v), 'System.Boolean');
    case 'object': case 'Object':
      return v;
    case 'string[]': case 'String[]':
      if (v === null || Array.isArray(v)) return v;
      throw invalidCast(dotNetTypeName(v), 'System.String[]');
    default:
      if (v === null) return null;
      if (typeOf(v) === base || typeOf(v) === 'I' + base || 'I' + typeOf(v) === base) return v;
      if (isHost(v) && base.replace(/^I/, '') === v.$type.replace(/^I/, '')) return v;
      throw invalidCast(dotNetTypeName(v), base);
  }
}

export function dotNetTypeName(v: Value): string {
  const t = typeOf(v);
  return ['String', 'Int32', 'Double', 'Boolean'].includes(t) ? `System.${t}` : t === 'Array' ? 'System.String[]' : t;
}

/** Equality as `==` behaves for the value types the subset knows (ordinal strings). */
export function valueEquals(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  return a === b;
}

export function requireBool(v: Value, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) throw nullRef(what);
  throw invalidCast(dotNetTypeName(v), 'System.Boolean');
}

export function requireInt(v: Value, what: string): number {
  if (typeof v === 'number') return v;
  if (v === null) throw nullRef(what);
  throw invalidCast(dotNetTypeName(v), 'System.Int32');
}

export function requireString(v: Value, what: string): string {
  if (typeof v === 'string') return v;
  if (v === null) throw nullRef(what);
  throw invalidCast(dotNetTypeName(v), 'System.String');
}

/** `default(T)` for the generic argument of GetValueOrDefault<T>. */
export function defaultOf(type: string | undefined): Value {
  switch ((type ?? 'object').replace(/^System\./, '')) {
    case 'int': case 'Int32': case 'long': case 'Int64': case 'double': case 'Double': return 0;
    case 'bool': case 'Boolean': return false;
    default: return null;
  }
}
