/**
 * Arrays, byte[], List<T>, Dictionary<K,V>, HashSet<T>, Queue<T>, Stack<T>, KeyValuePair, Tuple and LINQ (Enumerable).
 * LINQ is evaluated eagerly (every operator materializes an array); each lambda call is one evaluation step and every
 * produced collection is checked against the size limits.
 */
import { hostCompare } from './operators.js';
import { Lambda, OutRef, type Env, type MethodEntry, type StaticTable, type TypeTable } from './member-types.js';
import { compareStrings, StringComparerV } from './lib-string.js';
import { castTo, elementType, isInstance } from './types.js';
import {
  argOutOfRange, argumentNull, dotNetTypeName, invalidCast, invalidOperation, isNetValue, netError, qualifiedName, requireBool, requireInt, requireNumber,
  toDotNetString, valueEquals, type HostValue, type NetValue, type Value,
} from './values.js';

// ---- runtime classes --------------------------------------------------------------------------------------------------

export class ListV implements HostValue {
  readonly $type = 'List';
  constructor(public items: Value[] = [], readonly elem = 'Object') {}
  netString(): string { return `System.Collections.Generic.List\`1[${qualifiedName(this.elem)}]`; }
}

/** Hash key of a value: primitives as they are, value types by their text, reference types by identity. */
export function keyOf(v: Value, comparer?: StringComparerV): unknown {
  if (typeof v === 'string') return comparer ? comparer.key(v) : v;
  if (isNetValue(v)) return `\u0000${v.$type}:${v.netString()}`;
  return v;
}

export class DictV implements HostValue {
  readonly $type = 'Dictionary';
  readonly map = new Map<unknown, [Value, Value]>();
  constructor(readonly comparer?: StringComparerV, readonly keyType = 'Object', readonly valueType = 'Object') {}
  get(k: Value): [Value, Value] | undefined { return this.map.get(keyOf(k, this.comparer)); }
  set(k: Value, v: Value): void { if (k === null) throw argumentNull('key'); this.map.set(keyOf(k, this.comparer), [k, v]); }
  has(k: Value): boolean { if (k === null) throw argumentNull('key'); return this.map.has(keyOf(k, this.comparer)); }
  delete(k: Value): boolean { return this.map.delete(keyOf(k, this.comparer)); }
  netString(): string { return 'System.Collections.Generic.Dictionary`2'; }
}

export class SetV implements HostValue {
  readonly $type = 'HashSet';
  readonly map = new Map<unknown, Value>();
  constructor(readonly comparer?: StringComparerV) {}
  add(v: Value): boolean { const k = keyOf(v, this.comparer); if (this.map.has(k)) return false; this.map.set(k, v); return true; }
  has(v: Value): boolean { return this.map.has(keyOf(v, this.comparer)); }
  netString(): string { return 'System.Collections.Generic.HashSet`1'; }
}

export class SeqV implements HostValue {
  constructor(readonly $type: 'Queue' | 'Stack', public items: Value[] = []) {}
  netString(): string { return `System.Collections.Generic.${this.$type}\`1`; }
}

export class KeyValueV implements NetValue {
  readonly $type = 'KeyValuePair';
  constructor(readonly key: Value, readonly value: Value) {}
  netEquals(o: Value): boolean { return o instanceof KeyValueV && valueEquals(o.key, this.key) && valueEquals(o.value, this.value); }
  netString(): string { return `[${toDotNetString(this.key)}, ${toDotNetString(this.value)}]`; }
}

export class TupleV implements NetValue {
  readonly $type = 'Tuple';
  constructor(readonly items: Value[]) {}
  netEquals(o: Value): boolean { return o instanceof TupleV && o.items.length === this.items.length && o.items.every((x, i) => valueEquals(x, this.items[i]!)); }
  netString(): string { return `(${this.items.map((x) => toDotNetString(x)).join(', ')})`; }
}

export class GroupingV implements HostValue {
  readonly $type = 'Grouping';
  constructor(readonly key: Value, readonly items: Value[]) {}
}

/** Anonymous objects: `new { a = 1 }` (read-only properties, value equality, `{ a = 1 }` text). */
export class AnonV implements NetValue {
  readonly $type = 'Anonymous';
  constructor(readonly fields: Map<string, Value>) {}
  netEquals(o: Value): boolean {
    return o instanceof AnonV && o.fields.size === this.fields.size && [...this.fields].every(([k, v]) => o.fields.has(k) && valueEquals(o.fields.get(k)!, v));
  }
  netString(): string { return `{ ${[...this.fields].map(([k, v]) => `${k} = ${toDotNetString(v)}`).join(', ')} }`; }
}

// ---- enumeration ------------------------------------------------------------------------------------------------------

/** Other libraries register how their enumerable host types enumerate (JArray, headers, regex matches…). */
export const ENUMERATORS: Array<(v: Value) => Value[] | undefined> = [];

/** The elements of an enumerable value (a snapshot); InvalidCastException when it is not enumerable. */
export function enumerate(v: Value, what = 'source'): Value[] {
  if (Array.isArray(v)) return v;
  if (v === null) throw argumentNull(what);
  if (typeof v === 'string') return [...v];
  if (v instanceof Uint8Array) return Array.from(v);
  if (v instanceof ListV) return v.items;
  if (v instanceof DictV) return [...v.map.values()].map(([k, x]) => new KeyValueV(k, x));
  if (v instanceof SetV) return [...v.map.values()];
  if (v instanceof SeqV) return v.$type === 'Stack' ? [...v.items].reverse() : v.items;
  if (v instanceof GroupingV) return v.items;
  for (const e of ENUMERATORS) {
    const r = e(v);
    if (r) return r;
  }
  throw invalidCast(dotNetTypeName(v), 'System.Collections.IEnumerable');
}

export function isEnumerable(v: Value): boolean {
  try { enumerate(v); return true; } catch { return false; }
}

function fn(v: Value | undefined, what: string): Lambda {
  if (v instanceof Lambda) return v;
  if (v === null || v === undefined) throw argumentNull(what);
  throw invalidCast(dotNetTypeName(v), 'System.Func');
}

const sized = (env: Env, xs: Value[]): Value[] => { env.meter.collection(xs.length); return xs; };

/** Default ordering (Comparer<T>.Default): numbers, culture-like strings, dates; null first. */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') {
    const c = a.localeCompare(b, 'en-US');
    return c !== 0 ? Math.sign(c) : compareStrings(a, b, false);
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const h = hostCompare(a, b);
  if (h !== undefined) return h;
  throw netError('InvalidOperationException', 'Failed to compare two elements in the array.', `${dotNetTypeName(a)} does not implement IComparable`);
}

/** Sort keys kept beside an ordered sequence so ThenBy can refine it. */
const ORDER = new WeakMap<Value[], { keys: Array<(x: Value) => Value>; desc: boolean[] }>();

function orderBy(items: Value[], key: Lambda, desc: boolean, env: Env, base?: { keys: Array<(x: Value) => Value>; desc: boolean[] }): Value[] {
  const keys = [...(base?.keys ?? []), (x: Value) => { env.meter.step(); return key.invoke([x]); }];
  const descs = [...(base?.desc ?? []), desc];
  const withKeys = items.map((x, i) => ({ x, i, k: keys.map((f) => f(x)) }));
  withKeys.sort((p, q) => {
    for (let j = 0; j < keys.length; j++) {
      const c = compareValues(p.k[j]!, q.k[j]!);
      if (c !== 0) return descs[j] ? -c : c;
    }
    return p.i - q.i;
  });
  const out = withKeys.map((w) => w.x);
  ORDER.set(out, { keys, desc: descs });
  return out;
}

function numberOf(v: Value, what: string): number {
  if (v === null) return NaN;
  return requireNumber(v, what);
}

function aggregateNumbers(items: Value[], sel: Value | undefined, env: Env): number[] {
  const f = sel === undefined ? undefined : fn(sel, 'selector');
  return items.map((x) => { env.meter.step(); return f ? f.invoke([x]) : x; }).filter((x) => x !== null).map((x) => numberOf(x, 'value'));
}

const noElements = () => invalidOperation('Sequence contains no elements');

function pred(items: Value[], p: Value | undefined, env: Env): Value[] {
  if (p === undefined) return items;
  const f = fn(p, 'predicate');
  return items.filter((x, i) => { env.meter.step(); return requireBool(f.arity === 2 ? f.invoke([x, i]) : f.invoke([x]), 'predicate'); });
}

/** Elements of an enumerable target (methods below receive the raw target). */
const E = (t: Value) => enumerate(t);

function distinct(items: Value[], comparer?: StringComparerV): Value[] {
  const seen = new Map<unknown, Value>();
  for (const x of items) { const k = keyOf(x, comparer); if (!seen.has(k)) seen.set(k, x); }
  return [...seen.values()];
}

const elem = (_ta: string[], _a: string[], t: string) => elementType(t);
const seqOfElem = (_ta: string[], _a: string[], t: string) => `IEnumerable<${elementType(t)}>`;
const lambdaResult = (_ta: string[], _a: string[]) => 'IEnumerable<Object>';

/** Enumerable extension methods, merged into every enumerable type's table (a type's own members win). */
export const LINQ: Record<string, MethodEntry> = {
  Where: { type: seqOfElem, call: (t, [p], _ta, env) => sized(env, pred(E(t), p, env)) },
  Select: {
    type: lambdaResult,
    call: (t, [s], _ta, env) => {
      const f = fn(s, 'selector');
      return sized(env, E(t).map((x, i) => { env.meter.step(); return f.arity === 2 ? f.invoke([x, i]) : f.invoke([x]); }));
    },
  },
  SelectMany: {
    type: lambdaResult,
    call: (t, [s], _ta, env) => {
      const f = fn(s, 'selector');
      const out: Value[] = [];
      for (const x of E(t)) { env.meter.step(); for (const y of enumerate(f.invoke([x]))) out.push(y); env.meter.collection(out.length); }
      return out;
    },
  },
  First: { type: elem, call: (t, [p], _ta, env) => { const r = pred(E(t), p, env); if (!r.length) throw (p === undefined ? noElements() : invalidOperation('Sequence contains no matching element')); return r[0]!; } },
  FirstOrDefault: { type: elem, call: (t, [p, d], _ta, env) => { const r = p instanceof Lambda || p === undefined ? pred(E(t), p, env) : E(t); return r.length ? r[0]! : (p instanceof Lambda ? d : p) ?? null; } },
  Last: { type: elem, call: (t, [p], _ta, env) => { const r = pred(E(t), p, env); if (!r.length) throw (p === undefined ? noElements() : invalidOperation('Sequence contains no matching element')); return r.at(-1)!; } },
  LastOrDefault: { type: elem, call: (t, [p], _ta, env) => pred(E(t), p, env).at(-1) ?? null },
  Single: {
    type: elem,
    call: (t, [p], _ta, env) => {
      const r = pred(E(t), p, env);
      if (r.length !== 1) throw invalidOperation(r.length ? 'Sequence contains more than one element' : 'Sequence contains no elements');
      return r[0]!;
    },
  },
  SingleOrDefault: {
    type: elem,
    call: (t, [p], _ta, env) => {
      const r = pred(E(t), p, env);
      if (r.length > 1) throw invalidOperation('Sequence contains more than one element');
      return r[0] ?? null;
    },
  },
  Any: { type: 'Boolean', call: (t, [p], _ta, env) => (p === undefined ? E(t).length > 0 : E(t).some((x) => { env.meter.step(); return requireBool(fn(p, 'predicate').invoke([x]), 'predicate'); })) },
  All: { type: 'Boolean', call: (t, [p], _ta, env) => E(t).every((x) => { env.meter.step(); return requireBool(fn(p, 'predicate').invoke([x]), 'predicate'); }) },
  Count: { type: 'Int32', call: (t, [p], _ta, env) => pred(E(t), p, env).length },
  LongCount: { type: 'Int64', call: (t, [p], _ta, env) => pred(E(t), p, env).length },
  Contains: {
    type: 'Boolean',
    call: (t, [x, c]) => {
      const cmp = c instanceof StringComparerV ? c : undefined;
      return E(t).some((y) => (cmp ? keyOf(y, cmp) === keyOf(x ?? null, cmp) : valueEquals(y, x ?? null)));
    },
  },
  ElementAt: { type: elem, call: (t, [i]) => { const xs = E(t); const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= xs.length) throw argOutOfRange('index'); return xs[n]!; } },
  ElementAtOrDefault: { type: elem, call: (t, [i]) => E(t)[requireInt(i ?? null, 'index')] ?? null },
  Skip: { type: seqOfElem, call: (t, [n]) => E(t).slice(Math.max(0, requireInt(n ?? null, 'count'))) },
  Take: { type: seqOfElem, call: (t, [n]) => E(t).slice(0, Math.max(0, requireInt(n ?? null, 'count'))) },
  SkipLast: { type: seqOfElem, call: (t, [n]) => { const xs = E(t); return xs.slice(0, Math.max(0, xs.length - requireInt(n ?? null, 'count'))); } },
  TakeLast: { type: seqOfElem, call: (t, [n]) => { const xs = E(t); const k = requireInt(n ?? null, 'count'); return k <= 0 ? [] : xs.slice(-k); } },
  SkipWhile: { type: seqOfElem, call: (t, [p], _ta, env) => { const xs = E(t); const f = fn(p, 'predicate'); let i = 0; while (i < xs.length && (env.meter.step(), requireBool(f.invoke([xs[i]!]), 'predicate'))) i++; return xs.slice(i); } },
  TakeWhile: { type: seqOfElem, call: (t, [p], _ta, env) => { const xs = E(t); const f = fn(p, 'predicate'); let i = 0; while (i < xs.length && (env.meter.step(), requireBool(f.invoke([xs[i]!]), 'predicate'))) i++; return xs.slice(0, i); } },
  OrderBy: { type: seqOfElem, call: (t, [k], _ta, env) => orderBy([...E(t)], fn(k, 'keySelector'), false, env) },
  OrderByDescending: { type: seqOfElem, call: (t, [k], _ta, env) => orderBy([...E(t)], fn(k, 'keySelector'), true, env) },
  ThenBy: { type: seqOfElem, call: (t, [k], _ta, env) => orderBy([...E(t)], fn(k, 'keySelector'), false, env, ORDER.get(t as Value[])) },
  ThenByDescending: { type: seqOfElem, call: (t, [k], _ta, env) => orderBy([...E(t)], fn(k, 'keySelector'), true, env, ORDER.get(t as Value[])) },
  Reverse: { type: seqOfElem, call: (t) => [...E(t)].reverse() },
  Distinct: { type: seqOfElem, call: (t, [c]) => distinct(E(t), c instanceof StringComparerV ? c : undefined) },
  Union: { type: seqOfElem, call: (t, [o, c], _ta, env) => sized(env, distinct([...E(t), ...enumerate(o ?? null, 'second')], c instanceof StringComparerV ? c : undefined)) },
  Intersect: { type: seqOfElem, call: (t, [o]) => { const other = new Set(enumerate(o ?? null, 'second').map((x) => keyOf(x))); return distinct(E(t)).filter((x) => other.has(keyOf(x))); } },
  Except: { type: seqOfElem, call: (t, [o]) => { const other = new Set(enumerate(o ?? null, 'second').map((x) => keyOf(x))); return distinct(E(t)).filter((x) => !other.has(keyOf(x))); } },
  Concat: { type: seqOfElem, call: (t, [o], _ta, env) => sized(env, [...E(t), ...enumerate(o ?? null, 'second')]) },
  Append: { type: seqOfElem, call: (t, [x], _ta, env) => sized(env, [...E(t), x ?? null]) },
  Prepend: { type: seqOfElem, call: (t, [x], _ta, env) => sized(env, [x ?? null, ...E(t)]) },
  Zip: {
    type: lambdaResult,
    call: (t, [o, s], _ta, env) => {
      const a = E(t);
      const b = enumerate(o ?? null, 'second');
      const f = s === undefined ? undefined : fn(s, 'resultSelector');
      const n = Math.min(a.length, b.length);
      const out: Value[] = [];
      for (let i = 0; i < n; i++) { env.meter.step(); out.push(f ? f.invoke([a[i]!, b[i]!]) : new TupleV([a[i]!, b[i]!])); }
      return out;
    },
  },
  GroupBy: {
    type: 'IEnumerable<Grouping>',
    call: (t, [k, s], _ta, env) => {
      const key = fn(k, 'keySelector');
      const sel = s === undefined ? undefined : fn(s, 'elementSelector');
      const groups = new Map<unknown, GroupingV>();
      for (const x of E(t)) {
        env.meter.step();
        const kv = key.invoke([x]);
        const id = keyOf(kv);
        let g = groups.get(id);
        if (!g) { g = new GroupingV(kv, []); groups.set(id, g); }
        g.items.push(sel ? sel.invoke([x]) : x);
      }
      return [...groups.values()];
    },
  },
  ToArray: { type: (_ta, _a, t) => `${elementType(t)}[]`, call: (t, _a, _ta, env) => sized(env, [...E(t)]) },
  ToList: { type: (_ta, _a, t) => `List<${elementType(t)}>`, call: (t, _a, _ta, env) => new ListV(sized(env, [...E(t)])) },
  ToHashSet: { type: 'HashSet<Object>', call: (t, [c]) => { const s = new SetV(c instanceof StringComparerV ? c : undefined); for (const x of E(t)) s.add(x); return s; } },
  ToDictionary: {
    type: 'Dictionary<Object, Object>',
    call: (t, [k, v, c], _ta, env) => {
      const key = fn(k, 'keySelector');
      const val = v instanceof Lambda ? v : undefined;
      const cmp = [v, c].find((x): x is StringComparerV => x instanceof StringComparerV);
      const d = new DictV(cmp);
      for (const x of E(t)) {
        env.meter.step();
        const kv = key.invoke([x]);
        if (d.has(kv)) throw netError('ArgumentException', `An item with the same key has already been added. Key: ${toDotNetString(kv)}`);
        d.set(kv, val ? val.invoke([x]) : x);
      }
      return d;
    },
  },
  Sum: { type: (_ta, a, t) => (a.length ? 'Object' : elementType(t)), call: (t, [s], _ta, env) => aggregateNumbers(E(t), s, env).reduce((p, q) => p + q, 0) },
  Average: {
    type: 'Double',
    call: (t, [s], _ta, env) => { const xs = aggregateNumbers(E(t), s, env); if (!xs.length) throw noElements(); return xs.reduce((p, q) => p + q, 0) / xs.length; },
  },
  Min: { type: elem, call: (t, [s], _ta, env) => extreme(E(t), s, env, -1) },
  Max: { type: elem, call: (t, [s], _ta, env) => extreme(E(t), s, env, 1) },
  Aggregate: {
    type: 'Object',
    call: (t, args, _ta, env) => {
      const xs = E(t);
      const lambdas = args.filter((a): a is Lambda => a instanceof Lambda);
      const hasSeed = args.length >= 2;
      const f = lambdas[0] ?? fn(undefined, 'func');
      let acc: Value;
      let i = 0;
      if (hasSeed) acc = args[0]!;
      else { if (!xs.length) throw noElements(); acc = xs[0]!; i = 1; }
      for (; i < xs.length; i++) { env.meter.step(); acc = f.invoke([acc, xs[i]!]); }
      return lambdas[1] ? lambdas[1].invoke([acc]) : acc;
    },
  },
  DefaultIfEmpty: { type: seqOfElem, call: (t, [d]) => { const xs = E(t); return xs.length ? xs : [d ?? null]; } },
  Cast: { type: (ta) => `IEnumerable<${ta[0] ?? 'Object'}>`, call: (t, _a, ta) => E(t).map((x) => castTo(ta[0] ?? 'Object', x)) },
  OfType: { type: (ta) => `IEnumerable<${ta[0] ?? 'Object'}>`, call: (t, _a, ta) => E(t).filter((x) => isInstance(x, ta[0] ?? 'Object')) },
  SequenceEqual: { type: 'Boolean', call: (t, [o]) => { const a = E(t); const b = enumerate(o ?? null, 'second'); return a.length === b.length && a.every((x, i) => valueEquals(x, b[i]!)); } },
  AsEnumerable: { type: (_ta, _a, t) => t, call: (t) => t },
};

function extreme(items: Value[], sel: Value | undefined, env: Env, sign: 1 | -1): Value {
  const f = sel === undefined ? undefined : fn(sel, 'selector');
  const xs = items.map((x) => { env.meter.step(); return f ? f.invoke([x]) : x; }).filter((x) => x !== null);
  if (!xs.length) { if (items.length && xs.length === 0) return null; throw noElements(); }
  return xs.reduce((a, b) => (compareValues(b, a) * sign > 0 ? b : a));
}

// ---- concrete collection tables ----------------------------------------------------------------------------------------

const outOfRange = () => netError('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
const list = (v: Value) => v as ListV;
const dict = (v: Value) => v as DictV;

export const ARRAY_TABLE: TypeTable = {
  props: {
    Length: { type: 'Int32', get: (a) => (a as Value[]).length },
    LongLength: { type: 'Int64', get: (a) => (a as Value[]).length },
    Rank: { type: 'Int32', get: () => 1 },
  },
  methods: {
    ToString: { type: 'String', call: (a) => toDotNetString(a) },
    Clone: { type: (_ta, _a, t) => t, call: (a) => [...(a as Value[])] },
    GetLength: { type: 'Int32', call: (a, [d]) => { if (d !== 0) throw argOutOfRange('dimension'); return (a as Value[]).length; } },
    GetValue: { type: 'Object', call: (a, [i]) => ARRAY_TABLE.index!.get(a, [i ?? null], null as unknown as Env) },
    SetValue: { type: 'Void', call: (a, [v, i], _ta, env) => { ARRAY_TABLE.index!.set!(a, [i ?? null], v ?? null, env); return null; } },
  },
  index: {
    type: (_ta, _a, t) => elementType(t),
    get: (a, [i]) => { const arr = a as Value[]; const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr.length) throw outOfRange(); return arr[n]!; },
    set: (a, [i], v) => { const arr = a as Value[]; const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr.length) throw outOfRange(); arr[n] = v; },
  },
};

export const BYTES_TABLE: TypeTable = {
  props: { Length: { type: 'Int32', get: (a) => (a as Uint8Array).length }, LongLength: { type: 'Int64', get: (a) => (a as Uint8Array).length } },
  methods: { ToString: { type: 'String', call: () => 'System.Byte[]' }, Clone: { type: 'Byte[]', call: (a) => new Uint8Array(a as Uint8Array) } },
  index: {
    type: 'Byte',
    get: (a, [i]) => { const arr = a as Uint8Array; const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr.length) throw outOfRange(); return arr[n]!; },
    set: (a, [i], v) => { const arr = a as Uint8Array; const n = requireInt(i ?? null, 'index'); if (n < 0 || n >= arr.length) throw outOfRange(); arr[n] = requireInt(v, 'value') & 0xff; },
  },
};

function listIndex(l: ListV, i: Value | undefined, allowEnd = false): number {
  const n = requireInt(i ?? null, 'index');
  if (n < 0 || n > l.items.length || (!allowEnd && n === l.items.length)) throw argOutOfRange('index');
  return n;
}

export const LIST_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (l) => list(l).items.length }, Capacity: { type: 'Int32', get: (l) => list(l).items.length } },
  methods: {
    Add: { type: 'Void', call: (l, [x], _ta, env) => { env.meter.collection(list(l).items.length + 1); list(l).items.push(x ?? null); return null; } },
    AddRange: { type: 'Void', call: (l, [xs], _ta, env) => { const add = enumerate(xs ?? null, 'collection'); env.meter.collection(list(l).items.length + add.length); list(l).items.push(...add); return null; } },
    Insert: { type: 'Void', call: (l, [i, x], _ta, env) => { env.meter.collection(list(l).items.length + 1); list(l).items.splice(listIndex(list(l), i, true), 0, x ?? null); return null; } },
    Remove: { type: 'Boolean', call: (l, [x]) => { const i = list(l).items.findIndex((y) => valueEquals(y, x ?? null)); if (i < 0) return false; list(l).items.splice(i, 1); return true; } },
    RemoveAt: { type: 'Void', call: (l, [i]) => { list(l).items.splice(listIndex(list(l), i), 1); return null; } },
    RemoveAll: { type: 'Int32', call: (l, [p], _ta, env) => { const keep = list(l).items.filter((x) => { env.meter.step(); return !requireBool(fn(p, 'match').invoke([x]), 'match'); }); const n = list(l).items.length - keep.length; list(l).items = keep; return n; } },
    RemoveRange: { type: 'Void', call: (l, [i, n]) => { const a = requireInt(i ?? null, 'index'); const c = requireInt(n ?? null, 'count'); if (a < 0 || c < 0 || a + c > list(l).items.length) throw argOutOfRange('index'); list(l).items.splice(a, c); return null; } },
    Clear: { type: 'Void', call: (l) => { list(l).items = []; return null; } },
    Contains: { type: 'Boolean', call: (l, [x]) => list(l).items.some((y) => valueEquals(y, x ?? null)) },
    IndexOf: { type: 'Int32', call: (l, [x]) => list(l).items.findIndex((y) => valueEquals(y, x ?? null)) },
    LastIndexOf: { type: 'Int32', call: (l, [x]) => { const xs = list(l).items; for (let i = xs.length - 1; i >= 0; i--) if (valueEquals(xs[i]!, x ?? null)) return i; return -1; } },
    Find: { type: (_ta, _a, t) => elementType(t), call: (l, [p], _ta, env) => pred(list(l).items, p, env)[0] ?? null },
    FindLast: { type: (_ta, _a, t) => elementType(t), call: (l, [p], _ta, env) => pred(list(l).items, p, env).at(-1) ?? null },
    FindAll: { type: (_ta, _a, t) => t, call: (l, [p], _ta, env) => new ListV(pred(list(l).items, p, env), list(l).elem) },
    FindIndex: { type: 'Int32', call: (l, [p], _ta, env) => list(l).items.findIndex((x) => { env.meter.step(); return requireBool(fn(p, 'match').invoke([x]), 'match'); }) },
    Exists: { type: 'Boolean', call: (l, [p], _ta, env) => pred(list(l).items, p, env).length > 0 },
    TrueForAll: { type: 'Boolean', call: (l, [p], _ta, env) => list(l).items.every((x) => { env.meter.step(); return requireBool(fn(p, 'match').invoke([x]), 'match'); }) },
    ForEach: { type: 'Void', call: (l, [a], _ta, env) => { for (const x of [...list(l).items]) { env.meter.step(); fn(a, 'action').invoke([x]); } return null; } },
    Sort: {
      type: 'Void',
      call: (l, [c], _ta, env) => {
        const f = c instanceof Lambda ? c : undefined;
        list(l).items.sort((a, b) => { env.meter.step(); return f ? requireInt(f.invoke([a, b]), 'comparison') : compareValues(a, b); });
        return null;
      },
    },
    Reverse: { type: 'Void', call: (l) => { list(l).items.reverse(); return null; } },
    ToArray: { type: (_ta, _a, t) => `${elementType(t)}[]`, call: (l) => [...list(l).items] },
    GetRange: { type: (_ta, _a, t) => t, call: (l, [i, n]) => { const a = requireInt(i ?? null, 'index'); const c = requireInt(n ?? null, 'count'); if (a < 0 || c < 0 || a + c > list(l).items.length) throw argOutOfRange('index'); return new ListV(list(l).items.slice(a, a + c), list(l).elem); } },
    ConvertAll: { type: 'List<Object>', call: (l, [f], _ta, env) => new ListV(list(l).items.map((x) => { env.meter.step(); return fn(f, 'converter').invoke([x]); })) },
    ToString: { type: 'String', call: (l) => list(l).netString() },
  },
  index: {
    type: (_ta, _a, t) => elementType(t),
    get: (l, [i]) => list(l).items[listIndex(list(l), i)]!,
    set: (l, [i], v) => { list(l).items[listIndex(list(l), i)] = v; },
  },
};

const keyNotFound = (k: Value) => netError('KeyNotFoundException', `The given key '${toDotNetString(k)}' was not present in the dictionary.`);

export const DICT_TABLE: TypeTable = {
  props: {
    Count: { type: 'Int32', get: (d) => dict(d).map.size },
    Keys: { type: 'IEnumerable<Object>', get: (d) => [...dict(d).map.values()].map(([k]) => k) },
    Values: { type: 'IEnumerable<Object>', get: (d) => [...dict(d).map.values()].map(([, v]) => v) },
    Comparer: { type: 'StringComparer', get: (d) => dict(d).comparer ?? new StringComparerV(false) },
  },
  methods: {
    Add: {
      type: 'Void',
      call: (d, [k, v], _ta, env) => {
        if (dict(d).has(k ?? null)) throw netError('ArgumentException', `An item with the same key has already been added. Key: ${toDotNetString(k ?? null)}`);
        env.meter.collection(dict(d).map.size + 1);
        dict(d).set(k ?? null, v ?? null);
        return null;
      },
    },
    TryAdd: { type: 'Boolean', call: (d, [k, v], _ta, env) => { if (dict(d).has(k ?? null)) return false; env.meter.collection(dict(d).map.size + 1); dict(d).set(k ?? null, v ?? null); return true; } },
    Remove: { type: 'Boolean', call: (d, [k]) => dict(d).delete(k ?? null) },
    ContainsKey: { type: 'Boolean', call: (d, [k]) => dict(d).has(k ?? null) },
    ContainsValue: { type: 'Boolean', call: (d, [v]) => [...dict(d).map.values()].some(([, x]) => valueEquals(x, v ?? null)) },
    TryGetValue: {
      type: 'Boolean',
      call: (d, [k, out]) => {
        const e = dict(d).get(k ?? null);
        if (out instanceof OutRef) out.set(e ? e[1] : null);
        return e !== undefined;
      },
    },
    GetValueOrDefault: { type: (_ta, _a, t) => elementType(t.replace(/^Dictionary</, 'List<').replace(/^List<[^,]+, /, 'List<')), call: (d, [k, dflt]) => dict(d).get(k ?? null)?.[1] ?? dflt ?? null },
    Clear: { type: 'Void', call: (d) => { dict(d).map.clear(); return null; } },
    ToString: { type: 'String', call: (d) => dict(d).netString() },
  },
  index: {
    type: 'Object',
    get: (d, [k]) => { const e = dict(d).get(k ?? null); if (!e) throw keyNotFound(k ?? null); return e[1]; },
    set: (d, [k], v, env) => { env.meter.collection(dict(d).map.size + 1); dict(d).set(k ?? null, v); },
  },
};

const set = (v: Value) => v as SetV;
export const SET_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (s) => set(s).map.size } },
  methods: {
    Add: { type: 'Boolean', call: (s, [x], _ta, env) => { env.meter.collection(set(s).map.size + 1); return set(s).add(x ?? null); } },
    Remove: { type: 'Boolean', call: (s, [x]) => set(s).map.delete(keyOf(x ?? null, set(s).comparer)) },
    Contains: { type: 'Boolean', call: (s, [x]) => set(s).has(x ?? null) },
    UnionWith: { type: 'Void', call: (s, [o], _ta, env) => { for (const x of enumerate(o ?? null, 'other')) set(s).add(x); env.meter.collection(set(s).map.size); return null; } },
    IntersectWith: { type: 'Void', call: (s, [o]) => { const keep = new Set(enumerate(o ?? null, 'other').map((x) => keyOf(x, set(s).comparer))); for (const k of [...set(s).map.keys()]) if (!keep.has(k)) set(s).map.delete(k); return null; } },
    ExceptWith: { type: 'Void', call: (s, [o]) => { for (const x of enumerate(o ?? null, 'other')) set(s).map.delete(keyOf(x, set(s).comparer)); return null; } },
    Clear: { type: 'Void', call: (s) => { set(s).map.clear(); return null; } },
  },
};

const seq = (v: Value) => v as SeqV;
const empty = (what: string) => invalidOperation(`${what} empty.`);
export const QUEUE_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (q) => seq(q).items.length } },
  methods: {
    Enqueue: { type: 'Void', call: (q, [x], _ta, env) => { env.meter.collection(seq(q).items.length + 1); seq(q).items.push(x ?? null); return null; } },
    Dequeue: { type: 'Object', call: (q) => { if (!seq(q).items.length) throw empty('Queue'); return seq(q).items.shift()!; } },
    Peek: { type: 'Object', call: (q) => { if (!seq(q).items.length) throw empty('Queue'); return seq(q).items[0]!; } },
    TryDequeue: { type: 'Boolean', call: (q, [out]) => { const ok = seq(q).items.length > 0; if (out instanceof OutRef) out.set(ok ? seq(q).items.shift()! : null); return ok; } },
    Contains: { type: 'Boolean', call: (q, [x]) => seq(q).items.some((y) => valueEquals(y, x ?? null)) },
    Clear: { type: 'Void', call: (q) => { seq(q).items = []; return null; } },
  },
};
export const STACK_TABLE: TypeTable = {
  props: { Count: { type: 'Int32', get: (q) => seq(q).items.length } },
  methods: {
    Push: { type: 'Void', call: (q, [x], _ta, env) => { env.meter.collection(seq(q).items.length + 1); seq(q).items.push(x ?? null); return null; } },
    Pop: { type: 'Object', call: (q) => { if (!seq(q).items.length) throw empty('Stack'); return seq(q).items.pop()!; } },
    Peek: { type: 'Object', call: (q) => { if (!seq(q).items.length) throw empty('Stack'); return seq(q).items.at(-1)!; } },
    TryPop: { type: 'Boolean', call: (q, [out]) => { const ok = seq(q).items.length > 0; if (out instanceof OutRef) out.set(ok ? seq(q).items.pop()! : null); return ok; } },
    Contains: { type: 'Boolean', call: (q, [x]) => seq(q).items.some((y) => valueEquals(y, x ?? null)) },
    Clear: { type: 'Void', call: (q) => { seq(q).items = []; return null; } },
  },
};

export const KEYVALUE_TABLE: TypeTable = {
  props: { Key: { type: 'Object', get: (p) => (p as KeyValueV).key }, Value: { type: 'Object', get: (p) => (p as KeyValueV).value } },
  methods: { ToString: { type: 'String', call: (p) => (p as KeyValueV).netString() } },
};

export const TUPLE_TABLE: TypeTable = {
  props: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((i) => [`Item${i}`, { type: 'Object', get: (t: Value) => { const v = (t as TupleV).items[i - 1]; if (v === undefined) throw netError('MissingMemberException', `Tuple has no Item${i}`); return v; } }])),
  methods: { ToString: { type: 'String', call: (t) => (t as TupleV).netString() } },
};

export const GROUPING_TABLE: TypeTable = { props: { Key: { type: 'Object', get: (g) => (g as GroupingV).key } }, methods: {} };

export const ANON_TABLE_GETTER = (t: Value, name: string): Value => {
  const a = t as AnonV;
  if (!a.fields.has(name)) throw netError('MissingMemberException', `The anonymous type has no property '${name}'.`);
  return a.fields.get(name)!;
};

function collectionCtor(kind: string, elem: string) {
  return (args: Value[], typeArgs: string[], env: Env): Value => {
    const [a, b] = args;
    const comparer = [a, b].find((x): x is StringComparerV => x instanceof StringComparerV);
    const source = a !== undefined && !(a instanceof StringComparerV) && typeof a !== 'number' ? a : undefined;
    switch (kind) {
      case 'List': return new ListV(source === undefined ? [] : sized(env, [...enumerate(source, 'collection')]), typeArgs[0] ?? elem);
      case 'Dictionary': {
        const d = new DictV(comparer, typeArgs[0], typeArgs[1]);
        if (source !== undefined) {
          for (const kv of enumerate(source, 'dictionary')) {
            if (!(kv instanceof KeyValueV)) throw invalidCast(dotNetTypeName(kv), 'System.Collections.Generic.KeyValuePair`2');
            d.set(kv.key, kv.value);
          }
        }
        return d;
      }
      case 'HashSet': { const s = new SetV(comparer); if (source !== undefined) for (const x of enumerate(source, 'collection')) s.add(x); return s; }
      case 'Queue': case 'Stack': return new SeqV(kind, source === undefined ? [] : [...enumerate(source, 'collection')]);
      case 'KeyValuePair': return new KeyValueV(a ?? null, b ?? null);
      default: throw netError('NotSupportedException', kind);
    }
  };
}

export const COLLECTION_STATICS: Record<string, StaticTable> = {
  List: { props: {}, methods: {}, ctor: collectionCtor('List', 'Object') },
  Dictionary: { props: {}, methods: {}, ctor: collectionCtor('Dictionary', 'Object') },
  HashSet: { props: {}, methods: {}, ctor: collectionCtor('HashSet', 'Object') },
  Queue: { props: {}, methods: {}, ctor: collectionCtor('Queue', 'Object') },
  Stack: { props: {}, methods: {}, ctor: collectionCtor('Stack', 'Object') },
  KeyValuePair: {
    props: {},
    methods: { Create: { type: 'KeyValuePair', call: (_t, [k, v]) => new KeyValueV(k ?? null, v ?? null) } },
    ctor: collectionCtor('KeyValuePair', 'Object'),
  },
  Tuple: { props: {}, methods: { Create: { type: 'Tuple', call: (_t, args) => new TupleV(args) } }, ctor: (args) => new TupleV(args) },
  Enumerable: {
    props: {},
    methods: {
      Range: {
        type: 'IEnumerable<Int32>',
        call: (_t, [s, n], _ta, env) => {
          const start = requireInt(s ?? null, 'start');
          const count = requireInt(n ?? null, 'count');
          if (count < 0 || start + count - 1 > 2147483647) throw argOutOfRange('count');
          env.meter.collection(count);
          return Array.from({ length: count }, (_x, i) => start + i);
        },
      },
      Repeat: {
        type: (_ta, a) => `IEnumerable<${a[0] ?? 'Object'}>`,
        call: (_t, [x, n], _ta, env) => {
          const count = requireInt(n ?? null, 'count');
          if (count < 0) throw argOutOfRange('count');
          env.meter.collection(count);
          return new Array<Value>(count).fill(x ?? null);
        },
      },
      Empty: { type: (ta) => `IEnumerable<${ta[0] ?? 'Object'}>`, call: () => [] },
      ...Object.fromEntries(Object.entries(LINQ).map(([k, m]) => [k, { type: 'Object', call: (_t: Value, [src, ...rest]: Value[], ta: string[], env: Env) => m.call(src ?? null, rest, ta, env) }])),
    },
  },
  Array: {
    props: {},
    methods: {
      Empty: { type: (ta) => `${ta[0] ?? 'Object'}[]`, call: () => [] },
      IndexOf: { type: 'Int32', call: (_t, [a, x]) => enumerate(a ?? null, 'array').findIndex((y) => valueEquals(y, x ?? null)) },
      Reverse: { type: 'Void', call: (_t, [a]) => { if (Array.isArray(a)) a.reverse(); else if (a instanceof Uint8Array) a.reverse(); else throw argumentNull('array'); return null; } },
      Sort: { type: 'Void', call: (_t, [a]) => { if (!Array.isArray(a)) throw argumentNull('array'); a.sort(compareValues); return null; } },
      Exists: { type: 'Boolean', call: (_t, [a, p], _ta, env) => pred(enumerate(a ?? null, 'array'), p, env).length > 0 },
      Find: { type: 'Object', call: (_t, [a, p], _ta, env) => pred(enumerate(a ?? null, 'array'), p, env)[0] ?? null },
      FindAll: { type: 'Object[]', call: (_t, [a, p], _ta, env) => pred(enumerate(a ?? null, 'array'), p, env) },
      ConvertAll: { type: 'Object[]', call: (_t, [a, f], _ta, env) => enumerate(a ?? null, 'array').map((x) => { env.meter.step(); return fn(f, 'converter').invoke([x]); }) },
      Copy: {
        type: 'Void',
        call: (_t, args) => {
          // Copy(source, destination, length) or Copy(source, sourceIndex, destination, destinationIndex, length)
          const five = args.length === 5;
          const src = args[0] ?? null;
          const dst = (five ? args[2] : args[1]) ?? null;
          const n = requireInt(args.at(-1) ?? null, 'length');
          const a = src instanceof Uint8Array || Array.isArray(src) ? src : (() => { throw argumentNull('sourceArray'); })();
          const b = dst instanceof Uint8Array || Array.isArray(dst) ? dst : (() => { throw argumentNull('destinationArray'); })();
          const [si, di] = five ? [requireInt(args[1] ?? null, 'sourceIndex'), requireInt(args[3] ?? null, 'destinationIndex')] : [0, 0];
          if (n < 0 || si + n > a.length || di + n > b.length) throw argOutOfRange('length');
          for (let i = 0; i < n; i++) (b as Value[])[di + i] = (a as Value[])[si + i]!;
          return null;
        },
      },
    },
  },
};

export const COLLECTION_TABLES: Record<string, TypeTable> = {
  Array: ARRAY_TABLE, 'Byte[]': BYTES_TABLE, List: LIST_TABLE, Dictionary: DICT_TABLE, HashSet: SET_TABLE, Queue: QUEUE_TABLE, Stack: STACK_TABLE,
  KeyValuePair: KEYVALUE_TABLE, Tuple: TUPLE_TABLE, Grouping: GROUPING_TABLE,
};

/** Runtime types that get the LINQ methods (their own members take precedence). */
export const ENUMERABLE_TYPES = ['Array', 'Byte[]', 'String', 'List', 'Dictionary', 'HashSet', 'Queue', 'Stack', 'Grouping'];

