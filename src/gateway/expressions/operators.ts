import type { Value } from './values.js';

/**
 * Operator overloads of host value types (DateTime − DateTime, DateTime + TimeSpan, comparisons), registered by the
 * libraries that define those types. `undefined` = this hook does not apply.
 */
export const HOST_ARITHMETIC: Array<(op: string, a: Value, b: Value) => Value | undefined> = [];
export const HOST_COMPARE: Array<(a: Value, b: Value) => number | undefined> = [];

export function hostArithmetic(op: string, a: Value, b: Value): Value | undefined {
  for (const h of HOST_ARITHMETIC) {
    const r = h(op, a, b);
    if (r !== undefined) return r;
  }
  return undefined;
}

export function hostCompare(a: Value, b: Value): number | undefined {
  for (const h of HOST_COMPARE) {
    const r = h(a, b);
    if (r !== undefined) return r;
  }
  return undefined;
}
