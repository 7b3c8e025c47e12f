import type { ArmFunction } from '../context.js';
import { checkCollectionLength } from '../limits.js';
import { DeepSet, expectInt, findKey, fnError, isObject, setProp, typeName } from '../values.js';
import type { JsonObject } from '../values.js';
import { compareStrings } from './logic.js';

function expectArray(v: unknown, fn: string): unknown[] {
  if (!Array.isArray(v)) throw fnError(fn, `the parameter must be an array, not '${typeName(v)}'.`);
  return v;
}

function fromEnd(fn: string, arr: unknown, index: unknown, strict: boolean): unknown {
  const items = expectArray(arr, fn);
  const i = expectInt(index, fn, 2);
  if (i < 1 || i > items.length) {
    if (!strict) return null;
    throw fnError(fn, `the index '${i}' is out of range: it must be between 1 and the length of the array (${items.length}).`);
  }
  return items[items.length - i];
}

/** Object and newer array functions (template-functions-object, -array). */
export const objectFunctions: ArmFunction[] = [
  {
    name: 'items',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (!isObject(v)) throw fnError('items', `the parameter must be an object, not '${typeName(v)}'.`);
      return Object.keys(v)
        .sort(compareStrings)
        .map((key) => ({ key, value: v[key] }));
    },
  },
  {
    name: 'shallowMerge',
    min: 1,
    max: 1,
    impl: ([v]) => {
      const out: JsonObject = {};
      for (const o of expectArray(v, 'shallowMerge')) {
        if (o === null) continue;
        if (!isObject(o)) throw fnError('shallowMerge', `every element must be an object, not '${typeName(o)}'.`);
        for (const [k, x] of Object.entries(o)) {
          const existing = findKey(out, k);
          if (existing !== undefined && existing !== k) delete out[existing];
          setProp(out, k, x);
        }
      }
      checkCollectionLength(Object.keys(out).length, 'shallowMerge');
      return out;
    },
  },
  {
    name: 'distinct',
    min: 1,
    max: 1,
    impl: ([v]) => {
      const seen = new DeepSet();
      return expectArray(v, 'distinct').filter((x) => seen.add(x));
    },
  },
  { name: 'indexFromEnd', min: 2, max: 2, impl: ([a, i]) => fromEnd('indexFromEnd', a, i, true) },
  { name: 'tryIndexFromEnd', min: 2, max: 2, impl: ([a, i]) => fromEnd('tryIndexFromEnd', a, i, false) },
];
