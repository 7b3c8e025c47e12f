import type { ArmFunction } from '../context.js';
import { DeepSet, deepEquals, setProp, expectInt, expectString, findKey, fnError, isObject, typeName } from '../values.js';
import { checkCollectionLength } from '../limits.js';
import { parseJsonText } from '../json-text.js';
import type { JsonObject } from '../values.js';

function unionObjects(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = findKey(out, k);
    if (existing !== undefined && isObject(out[existing]) && isObject(v)) out[existing] = unionObjects(out[existing] as JsonObject, v);
    else {
      if (existing !== undefined && existing !== k) delete out[existing];
      setProp(out, k, v);
    }
  }
  return out;
}

function sliceable(v: unknown, fn: string): string | unknown[] {
  if (typeof v === 'string' || Array.isArray(v)) return v;
  throw fnError(fn, `the first parameter must be a string or an array, not '${typeName(v)}'.`);
}

/** Array and object functions. */
export const collectionFunctions: ArmFunction[] = [
  { name: 'createArray', min: 0, impl: (args) => [...args] },
  { name: 'array', min: 1, max: 1, impl: ([v]) => (Array.isArray(v) ? v : [v]) },
  {
    name: 'createObject',
    min: 0,
    impl: (args) => {
      // [doc] Learn, template-functions-object "createObject": "The function only accepts an even number of parameters.
      // Each key must have a matching value." So one argument is refused. The one-argument call of the quickstart
      // microsoft.devcenter/environment-sandbox (`"roles": "[createObject('8e3af…')]"`) is a hand translation that lost
      // the value: its main.bicep (modules/deployment1.bicep) builds `toObject(roles, role => role.id, role =>
      // role.properties)` = `{'8e3af…': {}}`, and an earlier azuredeploy.json of the same sample wrote exactly that
      // (`"roles": {"8e3af…": "[createObject()]"}`); Azure/PSRule.Rules.Azure (Data/Template/Functions.cs CreateObject),
      // which expands templates as ARM does, refuses an odd count too. ARM's own wording was not found in Learn, GitHub
      // issues or published sources [I]: the message below is the twin's.
      if (args.length % 2 !== 0) throw fnError('createObject', `the function only accepts an even number of parameters (key, value pairs), but ${args.length} were provided.`);
      const out: JsonObject = {};
      for (let i = 0; i < args.length; i += 2) setProp(out, expectString(args[i], 'createObject', i + 1), args[i + 1]);
      return out;
    },
  },
  {
    name: 'contains',
    min: 2,
    max: 2,
    impl: ([c, item]) => {
      if (typeof c === 'string') return c.includes(typeof item === 'string' ? item : String(item));
      if (Array.isArray(c)) return c.some((x) => deepEquals(x, item));
      if (isObject(c)) return findKey(c, expectString(item, 'contains', 2)) !== undefined;
      throw fnError('contains', `the first parameter must be a string, an array or an object, not '${typeName(c)}'.`);
    },
  },
  {
    name: 'empty',
    min: 1,
    max: 1,
    impl: ([v]) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0),
  },
  {
    name: 'length',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isObject(v)) return Object.keys(v).length;
      throw fnError('length', `the parameter must be a string, an array or an object, not '${typeName(v)}'.`);
    },
  },
  { name: 'first', min: 1, max: 1, impl: ([v]) => { const s = sliceable(v, 'first'); return s.length === 0 ? (typeof s === 'string' ? '' : null) : s[0]; } },
  { name: 'last', min: 1, max: 1, impl: ([v]) => { const s = sliceable(v, 'last'); return s.length === 0 ? (typeof s === 'string' ? '' : null) : s[s.length - 1]; } },
  { name: 'skip', min: 2, max: 2, impl: ([v, n]) => sliceable(v, 'skip').slice(Math.max(0, expectInt(n, 'skip', 2))) },
  { name: 'take', min: 2, max: 2, impl: ([v, n]) => sliceable(v, 'take').slice(0, Math.max(0, expectInt(n, 'take', 2))) },
  {
    name: 'union',
    min: 2,
    impl: (args) => {
      if (args.every((a) => Array.isArray(a))) {
        checkCollectionLength((args as unknown[][]).reduce((n, a) => n + a.length, 0), 'union');
        const out: unknown[] = [];
        const seen = new DeepSet();
        for (const a of args as unknown[][]) for (const x of a) if (seen.add(x)) out.push(x);
        return out;
      }
      if (args.every((a) => isObject(a))) return (args as JsonObject[]).reduce((acc, o) => unionObjects(acc, o), {});
      throw fnError('union', 'the parameters must be all arrays or all objects.');
    },
  },
  {
    name: 'intersection',
    min: 2,
    impl: (args) => {
      if (args.every((a) => Array.isArray(a))) {
        const [head, ...rest] = args as unknown[][];
        const restSets = rest.map((r) => {
          const set = new DeepSet();
          for (const x of r) set.add(x);
          return set;
        });
        const seen = new DeepSet();
        return head!.filter((x) => seen.add(x) && restSets.every((r) => r.has(x)));
      }
      if (args.every((a) => isObject(a))) {
        const [head, ...rest] = args as JsonObject[];
        return Object.fromEntries(Object.entries(head!).filter(([k, v]) => rest.every((r) => deepEquals(r[k], v))));
      }
      throw fnError('intersection', 'the parameters must be all arrays or all objects.');
    },
  },
  {
    name: 'range',
    min: 2,
    max: 2,
    impl: ([s, c]) => {
      const start = expectInt(s, 'range', 1);
      const count = expectInt(c, 'range', 2);
      if (count < 0 || count > 10000) throw fnError('range', `the count '${count}' must be between 0 and 10000.`);
      if (start + count > 2147483647) throw fnError('range', `the sum of the start index '${start}' and the count '${count}' must not exceed 2147483647.`);
      return Array.from({ length: count }, (_, i) => start + i);
    },
  },
  {
    name: 'flatten',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (!Array.isArray(v)) throw fnError('flatten', `the parameter must be an array, not '${typeName(v)}'.`);
      checkCollectionLength(v.reduce((n: number, x) => n + (Array.isArray(x) ? x.length : 1), 0), 'flatten');
      return v.flatMap((x) => (Array.isArray(x) ? x : [x]));
    },
  },
  { name: 'json', min: 1, max: 1, impl: ([v]) => parseJsonText(expectString(v, 'json', 1), 'json') },
  { name: 'null', min: 0, max: 0, impl: () => null },
  {
    name: 'tryGet',
    min: 2,
    impl: ([v, ...keys]) => {
      let cur: unknown = v;
      for (const k of keys) {
        if (Array.isArray(cur) && typeof k === 'number') cur = k >= 0 && k < cur.length ? cur[k] : null;
        else if (isObject(cur) && typeof k === 'string') {
          const key = findKey(cur, k);
          cur = key === undefined ? null : cur[key];
        } else return null;
      }
      return cur ?? null;
    },
  },
  {
    name: 'objectKeys',
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (!isObject(v)) throw fnError('objectKeys', `the parameter must be an object, not '${typeName(v)}'.`);
      return Object.keys(v);
    },
  },
];
