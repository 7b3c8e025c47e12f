import type { ArmFunction } from '../context.js';
import { deepEquals, expectBool, expectInt, fnError, typeName } from '../values.js';

const collator = new Intl.Collator('en-US');

function compare(fn: string, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return collator.compare(a, b);
  throw fnError(fn, `the parameters must be both integers or both strings, not '${typeName(a)}' and '${typeName(b)}'.`);
}

function checkedInt(fn: string, v: number): number {
  if (!Number.isSafeInteger(v)) throw fnError(fn, 'the result is out of the 64-bit integer range supported by the twin.');
  return v;
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
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return checkedInt('int', Number(v));
      throw fnError('int', `the value '${String(v)}' cannot be converted to an integer.`);
    },
  },
  { name: 'add', min: 2, max: 2, impl: ([a, b]) => checkedInt('add', expectInt(a, 'add', 1) + expectInt(b, 'add', 2)) },
  { name: 'sub', min: 2, max: 2, impl: ([a, b]) => checkedInt('sub', expectInt(a, 'sub', 1) - expectInt(b, 'sub', 2)) },
  { name: 'mul', min: 2, max: 2, impl: ([a, b]) => checkedInt('mul', expectInt(a, 'mul', 1) * expectInt(b, 'mul', 2)) },
  {
    name: 'div',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const d = expectInt(b, 'div', 2);
      if (d === 0) throw fnError('div', 'the divisor must not be zero.');
      return Math.trunc(expectInt(a, 'div', 1) / d);
    },
  },
  {
    name: 'mod',
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const d = expectInt(b, 'mod', 2);
      if (d === 0) throw fnError('mod', 'the divisor must not be zero.');
      return expectInt(a, 'mod', 1) % d;
    },
  },
  {
    name: 'min',
    min: 1,
    impl: (args) => {
      const xs = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
      return Math.min(...xs.map((x, i) => expectInt(x, 'min', i + 1)));
    },
  },
  {
    name: 'max',
    min: 1,
    impl: (args) => {
      const xs = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
      return Math.max(...xs.map((x, i) => expectInt(x, 'max', i + 1)));
    },
  },
];
