import { armError } from '../errors.js';
import type { ExprNode } from './ast.js';
import type { EvalContext } from './context.js';

export type JsonObject = Record<string, unknown>;

/**
 * A `lambda(...)` value: only functions that take lambdas (filter, map, reduce, sort, toObject, groupBy,
 * mapValues) accept it; it is never a JSON value.
 */
export class ArmLambda {
  readonly params: readonly string[];
  readonly body: ExprNode;
  readonly ctx: EvalContext;
  constructor(params: readonly string[], body: ExprNode, ctx: EvalContext) {
    this.params = params;
    this.body = body;
    this.ctx = ctx;
  }
}

export function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof ArmLambda);
}

/**
 * Integers are 64-bit: a JS number while it is a safe integer, a bigint beyond (normalised, so that
 * one value has one representation).
 */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export function isInt(v: unknown): v is number | bigint {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
}

export function normInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A 64-bit result, or an overflow error naming the function. */
export function int64(v: bigint, fn: string): number | bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw fnError(fn, 'the result is outside the range of a 64-bit integer.');
  return normInt(v);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'Null';
  if (Array.isArray(v)) return 'Array';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'boolean') return 'Boolean';
  if (typeof v === 'bigint') return 'Integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'Integer' : 'Float';
  if (v instanceof ArmLambda) return 'Lambda';
  return 'Object';
}

/** Set an own property, also for keys such as `__proto__` (no prototype changes from template data). */
export function setProp(obj: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The key of `obj` matching `name` case-insensitively (exact match first). */
export function findKey(obj: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

export function getProperty(obj: unknown, name: string): unknown {
  if (!isObject(obj)) {
    throw armError('ERR_ARM_PROPERTY_NOT_FOUND', `The language expression property '${name}' can't be evaluated: the value is of type '${typeName(obj)}', not an object.`);
  }
  const key = findKey(obj, name);
  if (key === undefined) {
    throw armError(
      'ERR_ARM_PROPERTY_NOT_FOUND',
      `The language expression property '${name}' doesn't exist, available properties are '${Object.keys(obj).join(', ')}'.`,
    );
  }
  return obj[key];
}

export function getIndex(value: unknown, index: unknown): unknown {
  if (Array.isArray(value)) {
    if (typeof index === 'bigint') throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression property array index '${index}' is out of bounds.`);
    if (typeof index !== 'number' || !Number.isInteger(index)) {
      throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression array index must be an integer, not '${typeName(index)}'.`);
    }
    if (index < 0 || index >= value.length) {
      throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression property array index '${index}' is out of bounds.`);
    }
    return value[index];
  }
  if (isObject(value)) {
    if (typeof index !== 'string') {
      throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression property name must be a string, not '${typeName(index)}'.`);
    }
    return getProperty(value, index);
  }
  throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression property '${String(index)}' can't be evaluated on a value of type '${typeName(value)}'.`);
}

/** Deep equality (strings ordinal, case-sensitive; int and string never equal). */
export function deepEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return (a ?? null) === (b ?? null);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEquals(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEquals(a[k], b[k]));
  }
  return false;
}

/**
 * A key such that `canonicalKey(a) === canonicalKey(b)` exactly when `deepEquals(a, b)`: for
 * de-duplication in linear time (union, intersection, distinct).
 */
export function canonicalKey(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (typeof v === 'string') return 's' + JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint') return 'i' + String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (Array.isArray(v)) return '[' + v.map(canonicalKey).join(',') + ']';
  const o = v as JsonObject;
  return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + canonicalKey(o[k])).join(',') + '}';
}

/** A set of values under deep equality, in linear time (primitives kept apart, composites by canonical key). */
export class DeepSet {
  readonly #numbers = new Set<number | bigint>();
  readonly #strings = new Set<string>();
  readonly #others = new Set<string>();
  /** Adds `v`; false when an equal value was already there. */
  add(v: unknown): boolean {
    const set = typeof v === 'number' || typeof v === 'bigint' ? this.#numbers : typeof v === 'string' ? this.#strings : this.#others;
    const key = typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' ? v : canonicalKey(v);
    if ((set as Set<unknown>).has(key)) return false;
    (set as Set<unknown>).add(key);
    return true;
  }
  has(v: unknown): boolean {
    if (typeof v === 'number' || typeof v === 'bigint') return this.#numbers.has(v);
    if (typeof v === 'string') return this.#strings.has(v);
    return this.#others.has(canonicalKey(v));
  }
}

/** `string(x)`: strings as-is, bool True/False, objects/arrays as compact JSON. */
export function toArmString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return stringifyJson(v);
}

/** Compact JSON text of a template value (bigints as exact integers). */
export function stringifyJson(v: unknown, indent?: number): string {
  const marks: string[] = [];
  const text = JSON.stringify(
    v,
    (_k, x: unknown) => {
      if (typeof x !== 'bigint') return x;
      marks.push(x.toString());
      return `\u0000int${marks.length - 1}\u0000`;
    },
    indent,
  );
  if (marks.length === 0) return text;
  return text.replace(/"\\u0000int(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}

/** .NET-style rendering used by `format()`: single-quoted strings inside objects/arrays. */
export function toFormatString(v: unknown, nested = false): string {
  if (v === null || v === undefined) return nested ? 'null' : '';
  if (typeof v === 'string') return nested ? `'${v}'` : v;
  if (typeof v === 'boolean') return nested ? String(v) : v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => toFormatString(x, true)).join(',')}]`;
  return `{${Object.entries(v as JsonObject)
    .map(([k, x]) => `'${k}':${toFormatString(x, true)}`)
    .join(',')}}`;
}

export function expectString(v: unknown, fn: string, position: number): string {
  if (typeof v !== 'string') {
    throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function '${fn}' expects its parameter ${position} to be of type 'String'. The provided value is of type '${typeName(v)}'.`);
  }
  return v;
}

/** An integer argument used as a count or index (within ±2^53; larger values are out of range). */
export function expectInt(v: unknown, fn: string, position: number): number {
  if (typeof v === 'bigint') throw fnError(fn, `the value '${v}' of parameter ${position} is out of range.`);
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function '${fn}' expects its parameter ${position} to be of type 'Integer'. The provided value is of type '${typeName(v)}'.`);
  }
  return v;
}

/** A 64-bit integer argument as a bigint (arithmetic). */
export function expectInt64(v: unknown, fn: string, position: number): bigint {
  if (typeof v === 'bigint') return v;
  return BigInt(expectInt(v, fn, position));
}

export function expectBool(v: unknown, fn: string, position: number): boolean {
  if (typeof v !== 'boolean') {
    throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function '${fn}' expects its parameter ${position} to be of type 'Boolean'. The provided value is of type '${typeName(v)}'.`);
  }
  return v;
}

export function fnError(fn: string, message: string): Error {
  return armError('ERR_ARM_FUNCTION_ARGUMENTS', `Unable to evaluate template language function '${fn}': ${message}`);
}
