import type { ArmFunction } from '../context.js';
import { deepEquals, expectBool, expectInt64, fnError, int64, isInt, typeName } from '../values.js';

// Built on first use: a collator loads ICU's collation data (≈ 5 ms), and this module loads at every `trustline up`.
let collator: Intl.Collator | undefined;
/** en-US string order, as ARM compares strings (also `object.ts`). */
export const compareStrings = (a: string, b: string): number => (collator ??= new Intl.Collator('en-US')).compare(a, b);

function compare(fn: string, a: unknown, b: unknown): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  throw fnError(fn, `the parameters must be both integers or both strings, not '${typeName(a)}' and '${typeName(b)}'.`);
}

/** `min`/`max` of integers given as arguments or as one array. */
function extreme(fn: string, args: unknown[], better: (a: number | bigint, b: number | bigint) => boolean): number | bigint {
  const xs = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  if (xs.length === 0) throw fnError(fn, 'the array must not be empty.');
  let best: number | bigint | undefined;
  xs.forEach((x, i) => {
    if (!isInt(x)) throw fnError(fn, `parameter ${i + 1} must be an integer, not '${typeName(x)}'.`);
    if (best === undefined || better(x, best)) best = x;
  });
  return best!;
}

/** Logical, comparison and numeric functions. */
export const logicFunctions: ArmFunction[] = [
  { name: 'if', min: 3, max: 3, lazy: true, impl: ([c, t, f]) => (expectBool(c!(), 'if', 1) ? t!() : f!()) },
  { name: 'and', min: 2, lazy: true, impl: (args) => args.every((a, i) => expectBool(a(), 'and', i + 1)) },
  { name: 'or', min: 2, lazy: true, impl: (args) => args.some((a, i) => expectBool(a(), 'or', i + 1)) },
  {
    name: 'coalesce',
    min: 1,
    lazy: true,
    impl: (args) => {
      for (const a of args) {
        const v = a();
        if (v !== null && v !== undefined) return v;
      }
      return null;
    },
  },
  { name: 'not', min: 1, max: 1, impl: ([v]) => !expectBool(v, 'not', 1) },
  { name: 'true', min: 0, max: 0, impl: () => true },
  { name: 'false', min: 0, max: 0, impl: () => false },
  {
    name: 'bool',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
      throw fnError('bool', `the value '${String(v)}' cannot be converted to a boolean.`);
    },
  },
  { name: 'equals', min: 2, max: 2, impl: ([a, b]) => deepEquals(a, b) },
  { name: 'less', min: 2, max: 2, impl: ([a, b]) => compare('less', a, b) < 0 },
  { name: 'lessOrEquals', min: 2, max: 2, impl: ([a, b]) => compare('lessOrEquals', a, b) <= 0 },
  { name: 'greater', min: 2, max: 2, impl: ([a, b]) => compare('greater', a, b) > 0 },
  { name: 'greaterOrEquals', min: 2, max: 2, impl: ([a, b]) => compare('greaterOrEquals', a, b) >= 0 },
  {
    name: 'int',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (isInt(v)) return v;
      if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return int64(BigInt(v.trim().replace(/^\+/, '')), 'int');
      throw fnError('int', `the value '${String(v)}' cannot be converted to an integer.`);
    },
  },
  {
    name: 'float',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
      if (typeof v === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return Number(v);
      throw fnError('float', `the value '${String(v)}' cannot be converted to a floating point number.`);
    },
  },
  { name: 'add', min: 2, max: 2, impl: ([a, b]) => int64(expectInt64(a, 'add', 1) + expectInt64(b, 'add', 2), 'add') },
  { name: 'sub', min: 2, max: 2, impl: ([a, b]) => int64(expectInt64(a, 'sub', 1) - expectInt64(b, 'sub', 2), 'sub') },
  { name: 'mul', min: 2, max: 2, impl: ([a, b]) => int64(expectInt64(a, 'mul', 1) * expectInt64(b, 'mul', 2), 'mul') },
  {
    name: 'div',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const d = expectInt64(b, 'div', 2);
      if (d === 0n) throw fnError('div', 'the divisor must not be zero.');
      return int64(expectInt64(a, 'div', 1) / d, 'div');
    },
  },
  {
    name: 'mod',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const d = expectInt64(b, 'mod', 2);
      if (d === 0n) throw fnError('mod', 'the divisor must not be zero.');
      return int64(expectInt64(a, 'mod', 1) % d, 'mod');
    },
  },
  { name: 'min', min: 1, impl: (args) => extreme('min', args, (a, b) => a < b) },
  { name: 'max', min: 1, impl: (args) => extreme('max', args, (a, b) => a > b) },
];
