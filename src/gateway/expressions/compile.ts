import { TwinError } from '../../core/index.js';
import type { Arg, Expr, Initializer, Program, Stmt } from './ast.js';
import { checkProgram, endReachable } from './check.js';
import type { HostContext } from './host.js';
import { AnonV, enumerate } from './lib-collections.js';
import { align, formatValue } from './lib-format.js';
import { EXPRESSION_LIMITS, type ExpressionLimits } from './limits.js';
import {
  Lambda, OutRef, own, resultType, type Env, type MethodEntry, type PropertyEntry, type StaticTable, type TypeTable,
} from './member-types.js';
import { Meter, type Stopwatch } from './meter.js';
import { hostArithmetic, hostCompare } from './operators.js';
import { parseProgram } from './parser.js';
import { anonymousMember, ANY_MEMBER, DERIVED, DISALLOWED_TYPES, disallowedReason, STATIC_TABLES, TypeV, TYPE_TABLES } from './registry.js';
import { newArray, newObject, ExceptionV } from './construct.js';
import {
  castTo, elementType, exceptionIs, isInstance, isIntegral, isNumericType, noImplicitConversion, normalizeType, NUMERIC_RANGES, promote, tableKey, wrapIntegral,
} from './types.js';
import {
  defaultOf, dotNetTypeName, EnumValue, ExpressionRuntimeError, invalidOperation, netError, nullRef, requireBool, toDotNetString, typeOf,
  valueEquals, type Value,
} from './values.js';
import { netTypeNames } from './net-type-names.js';
/** Value types a JavaScript number, string or boolean stands for. */
const NUMERIC_VALUE_TYPES = new Set(['SByte', 'Byte', 'Int16', 'UInt16', 'Int32', 'UInt32', 'Int64', 'UInt64', 'Single', 'Double', 'Decimal', 'Char', 'Boolean']);

/**
 * Compiles the AST once into closures (load time). Member access goes through the member tables only; the static
 * types computed here drive C#'s numeric semantics (integer division, char arithmetic) and the load-time checks
 * (an unknown member is ERR_APIM_EXPRESSION_UNSUPPORTED, invalid C# is ERR_APIM_EXPRESSION_INVALID). Evaluation per
 * request never parses.
 */

type Fn = (env: Env) => Value;
interface C { fn: Fn; type: string }

/** A compiled `@(…)`/`@{…}`: evaluation never parses. */
export interface CompiledExpression {
  readonly source: string;
  readonly resultType: string;
  evaluate(ctx: HostContext): Value;
}

const unsupported = (msg: string, pos: number): TwinError => new TwinError('ERR_APIM_EXPRESSION_UNSUPPORTED', msg, { details: { offset: pos } });
const invalid = (msg: string, pos: number): TwinError => new TwinError('ERR_APIM_EXPRESSION_INVALID', msg, { details: { offset: pos } });

/** CS1503: an argument C# cannot convert to the parameter type every overload of the method declares. */
function checkArgs(m: MethodEntry | undefined, types: string[], name: string, pos: number): void {
  if (!m?.params) return;
  for (let i = 0; i < Math.min(types.length, m.params.length); i++) {
    const why = noImplicitConversion(types[i]!, m.params[i]!);
    if (why) throw invalid(`Argument ${i + 1} of '${name}': ${why}`, pos);
  }
}

/** Null-conditional short-circuit marker: `a?.b.c` is null when `a` is, without evaluating `.b.c`. */
const SHORT = Symbol('short') as unknown as Value;
const NO_RETURN = Symbol('no-return') as unknown as Value;
const BREAK = Symbol('break') as unknown as Value;
const CONTINUE = Symbol('continue') as unknown as Value;
/** `return;` in a void local function. */
const VOID_RETURN = Symbol('void-return') as unknown as Value;
type SFn = (env: Env) => Value;

/** Types that exist only as interfaces or bases of the twin's runtime types (valid in casts, `is`, declarations). */
const INTERFACE_TYPES = new Set(['Object', 'IResponse', 'IRequest', 'IUrl', 'IMessageBody', 'IEnumerable', 'IList', 'ICollection', 'IDictionary',
  'IReadOnlyDictionary', 'IReadOnlyList', 'IReadOnlyCollection', 'ISet', 'Func', 'Action', 'JContainer', 'JToken', 'HashAlgorithm', 'KeyedHashAlgorithm',
  'SymmetricAlgorithm', 'AsymmetricAlgorithm', 'HMAC', 'Jwt', 'BasicAuthCredentials', 'Exception', 'ValueType', 'IComparable', 'Enum', 'Void', 'Array',
  'Match', 'Group', 'MatchCollection', 'GroupCollection', 'Capture', 'RSA', 'Encoding', 'StringComparer', 'Grouping', 'IGrouping', 'IOrderedEnumerable',
  'IEnumerator', 'Nullable']);

/** Whether a (normalized) type name is one the twin knows; throws UNSUPPORTED for disallowed or unknown types. */
function checkType(type: string, pos: number): string {
  const t = normalizeType(type);
  const core = t.replace(/(\[,*\]|\?)+$/, '');
  const head = core.replace(/<.*$/, '');
  if (core.includes('<')) for (const a of core.slice(core.indexOf('<') + 1, -1).split(/,\s*/)) if (!/[<>]/.test(a)) checkType(a, pos);
  if (isNumericType(head) || ['String', 'Boolean', 'Char', 'Object', 'Var', 'var'].includes(head)) return t;
  if (head in STATIC_TABLES || head in TYPE_TABLES || INTERFACE_TYPES.has(head) || head.endsWith('Exception') || tableKey(head) in TYPE_TABLES) return t;
  if (DISALLOWED_TYPES.has(head)) throw unsupported(`The type '${head}' ${disallowedReason(head)}`, pos);
  throw unsupported(`The type '${head}' is not supported in policy expressions (not in APIM's allowed types, or not implemented by the twin)`, pos);
}

/** The member table for a static type, or undefined when the type is unknown (Object): then any table may match. */
function tablesFor(type: string): TypeTable[] | undefined {
  const key = tableKey(type);
  if (key === 'Object' || key.startsWith('IEnumerable') || key === 'Void') return undefined;
  const own1 = TYPE_TABLES[key];
  const derived = (DERIVED[key] ?? []).map((d) => TYPE_TABLES[d]).filter((t): t is TypeTable => t !== undefined);
  if (!own1 && !derived.length) return undefined;
  return own1 ? [own1, ...derived] : derived;
}

function checkMember(type: string, name: string, kind: 'props' | 'methods', pos: number): void {
  const tables = tablesFor(type);
  if (tables) {
    if (tables.some((t) => own(t[kind] as Record<string, unknown>, name) !== undefined)) return;
    if (kind === 'methods' && tables.some((t) => own(t.props, name) !== undefined)) throw invalid(`Non-invocable member '${name}' cannot be used like a method`, pos);
    throw unsupported(`'${type}' has no supported ${kind === 'props' ? 'property' : 'method'} '${name}'`, pos);
  }
  if (type === 'Anonymous' && kind === 'props') return;
  if (!ANY_MEMBER[kind].has(name)) throw unsupported(`Unsupported ${kind === 'props' ? 'property' : 'method'} '${name}'`, pos);
}

/** The statically known entry (for result types), when the static type pins one table. */
function knownEntry<K extends 'props' | 'methods'>(type: string, name: string, kind: K): (K extends 'props' ? PropertyEntry : MethodEntry) | undefined {
  const t = TYPE_TABLES[tableKey(type)];
  return t ? (own(t[kind] as Record<string, unknown>, name) as never) : undefined;
}

/** Dispatch by runtime type, with a one-entry cache per call site. */
function dispatcher<T>(pick: (t: TypeTable) => T | undefined): (v: Value) => T | undefined {
  let lastType: string | undefined;
  let last: T | undefined;
  return (v) => {
    const t = typeOf(v);
    if (t === lastType) return last;
    const table = TYPE_TABLES[t];
    lastType = t;
    last = table ? pick(table) : undefined;
    return last;
  };
}

/**
 * A local function (C# 7). Its parameters and locals own the slots [start, end); a recursive call saves and restores
 * them, so each activation has its own values while the enclosing locals stay shared (captured).
 */
interface LocalFn { name: string; type: string; params: string[]; run?: (env: Env, args: Value[]) => Value }
interface Local { slot: number; type: string; isConst: boolean; func?: LocalFn }

class Compiler {
  readonly scopes: Array<Map<string, Local>> = [new Map()];
  slots = 0;
  loopDepth = 0;
  /** The return type of the local function being compiled (`void` included); undefined at the top level and in lambdas. */
  fnReturn: string | undefined;
  catchSlots: number[] = [];
  /** The overflow-checking context (C#: unchecked unless `checked(…)`/`checked { … }` says otherwise); lexical. */
  checkedCtx = false;
  #depth = 0;
  constructor(readonly maxDepth: number) {}

  local(name: string): Local | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) { const l = this.scopes[i]!.get(name); if (l) return l; }
    return undefined;
  }
  declare(name: string, type: string, pos: number, isConst = false): Local {
    if (this.local(name)) throw invalid(`A local variable named '${name}' is already defined in this scope`, pos);
    if (name === 'context') throw invalid("A local variable named 'context' cannot be declared: 'context' is the policy context", pos);
    const l = { slot: this.slots++, type, isConst };
    this.scopes.at(-1)!.set(name, l);
    return l;
  }
  /** Compile `f` in the checking context `on` (a `checked`/`unchecked` expression or block). */
  inContext<T>(on: boolean, f: () => T): T {
    const saved = this.checkedCtx;
    this.checkedCtx = on;
    try { return f(); } finally { this.checkedCtx = saved; }
  }
  scoped<T>(f: () => T): T {
    this.scopes.push(new Map());
    try { return f(); } finally { this.scopes.pop(); }
  }

  /** `A.B.C` naming a type (not a local or `context`), normalized, or undefined. */
  typeRef(e: Expr): string | undefined {
    let text: string;
    if (e.k === 'name') {
      if (this.local(e.name) || e.name === 'context') return undefined;
      text = e.name;
    } else if (e.k === 'member' && !e.nullCond) {
      const parts: string[] = [e.name];
      let x: Expr = e.target;
      while (x.k === 'member' && !x.nullCond) { parts.unshift(x.name); x = x.target; }
      if (x.k !== 'name' || this.local(x.name) || x.name === 'context') return undefined;
      parts.unshift(x.name);
      text = parts.join('.');
    } else {
      return undefined;
    }
    const t = normalizeType(text);
    const head = t.replace(/<.*$/, '');
    if (head in STATIC_TABLES) return t;
    if (DISALLOWED_TYPES.has(head)) throw unsupported(`The type '${head}' ${disallowedReason(head)}`, e.pos);
    return undefined;
  }

  expr(e: Expr, inChain = false): C {
    if (++this.#depth > this.maxDepth) throw new TwinError('ERR_APIM_EXPRESSION_LIMIT', `The expression is nested deeper than ${this.maxDepth} levels`, { details: { offset: e.pos } });
    try {
      const c = this.expr0(e);
      if (inChain || !(e.k === 'member' || e.k === 'call' || e.k === 'index' || e.k === 'invoke')) return c;
      const f = c.fn;
      return { type: c.type, fn: (env) => { const v = f(env); return v === SHORT ? null : v; } };
    } finally {
      this.#depth--;
    }
  }

  expr0(e: Expr): C {
    switch (e.k) {
      case 'lit': return this.literal(e);
      case 'name': return this.name(e);
      case 'this': throw invalid("Keyword 'this' is not available in a policy expression", e.pos);
      case 'member': return this.member(e);
      case 'call': return this.call(e);
      case 'invoke': {
        const t = this.expr(e.target, true);
        const args = this.args(e.args, undefined, 'Object');
        const target = t.fn;
        return {
          type: 'Object',
          fn: (env) => {
            const v = target(env);
            if (v === SHORT) return SHORT;
            if (!(v instanceof Lambda)) throw v === null ? nullRef('delegate') : netError('InvalidOperationException', `'${typeOf(v)}' is not invocable`);
            env.meter.step();
            return v.invoke(args.values(env));
          },
        };
      }
      case 'index': return this.index(e);
      case 'unary': return this.unary(e);
      case 'binary': return this.binary(e);
      case 'cond': {
        const test = this.expr(e.test).fn;
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        return { fn: (env) => (requireBool(test(env), '?:') ? a.fn(env) : b.fn(env)), type: a.type === b.type ? a.type : a.type === 'Object' || a.type === 'Null' ? b.type : a.type };
      }
      case 'cast': {
        const type = checkType(e.type, e.pos);
        const o = this.expr(e.operand);
        const from = o.type;
        const f = o.fn;
        if (this.checkedCtx && isIntegral(type.replace(/\?$/, ''))) return { fn: (env) => castTo(type, checkedConversion(type, f(env)), from), type };
        return { fn: (env) => castTo(type, f(env), from), type };
      }
      case 'is': {
        const o = this.expr(e.operand).fn;
        if (e.type === null) {
          const c = this.expr(e.constant!).fn;
          return { type: 'Boolean', fn: (env) => valueEquals(o(env), c(env)) };
        }
        const type = checkType(e.type, e.pos);
        if (e.bind) {
          const l = this.declare(e.bind, type, e.pos);
          return { type: 'Boolean', fn: (env) => { const v = o(env); const ok = isInstance(v, type); if (ok) env.slots[l.slot] = v; return ok; } };
        }
        return { type: 'Boolean', fn: (env) => isInstance(o(env), type) };
      }
      case 'as': {
        const type = checkType(e.type, e.pos);
        const o = this.expr(e.operand).fn;
        return { type, fn: (env) => { const v = o(env); return isInstance(v, type) ? v : null; } };
      }
      case 'interp': return this.interpolation(e);
      case 'assign': return this.assign(e);
      case 'update': return this.update(e);
      case 'lambda': return this.lambda(e, []);
      case 'new': return this.creation(e);
      case 'newArray': {
        const elem = e.elem === null ? null : checkType(e.elem, e.pos);
        const items = e.items?.map((x) => this.expr(x));
        const size = e.size ? this.expr(e.size).fn : undefined;
        const elemType = elem ?? (items?.length ? items.every((i) => i.type === items[0]!.type) ? items[0]!.type : 'Object' : 'Object');
        const fns = items?.map((i) => i.fn);
        return { type: `${elemType}[]`, fn: (env) => newArray(elemType, size ? size(env) : undefined, fns?.map((f) => f(env)), env) };
      }
      case 'anon': {
        const fields = e.fields.map((f) => ({ name: f.name, fn: this.expr(f.value).fn }));
        return { type: 'Anonymous', fn: (env) => new AnonV(new Map(fields.map((f) => [f.name, f.fn(env)]))) };
      }
      case 'typeof': {
        const type = checkType(e.type, e.pos);
        const { name, fullName } = netTypeNames(type);
        return { type: 'Type', fn: () => new TypeV(name, fullName) as unknown as Value };
      }
      case 'default': {
        const type = e.type === null ? 'Object' : checkType(e.type, e.pos);
        const v = defaultOf(type);
        return { type, fn: () => v };
      }
      case 'nameof': { const n = e.name; return { type: 'String', fn: () => n }; }
      case 'checked': return this.inContext(e.on, () => this.expr(e.expr));
      case 'throw': {
        const v = this.expr(e.value).fn;
        return { type: 'Object', fn: (env) => { throw toThrowable(v(env)); } };
      }
    }
  }

  literal(e: Extract<Expr, { k: 'lit' }>): C {
    const v = e.value;
    const type = ({ string: 'String', char: 'Char', int: 'Int32', long: 'Int64', uint: 'Int64', ulong: 'Int64', double: 'Double', float: 'Double', decimal: 'Decimal', bool: 'Boolean', null: 'Null' } as const)[e.type];
    return { fn: () => v, type };
  }

  name(e: Extract<Expr, { k: 'name' }>): C {
    const l = this.local(e.name);
    if (l?.func) throw unsupported(`The local function '${e.name}' used as a value (a delegate)`, e.pos);
    if (l) { const slot = l.slot; return { type: l.type, fn: (env) => env.slots[slot] ?? null }; }
    if (e.name === 'context') return { type: 'Context', fn: (env) => env.ctx };
    if (this.typeRef(e)) throw invalid(`'${e.name}' is a type, which is not valid in the given context`, e.pos);
    throw invalid(`The name '${e.name}' does not exist in the current context`, e.pos);
  }

  member(e: Extract<Expr, { k: 'member' }>): C {
    const staticType = this.typeRef(e.target);
    if (staticType !== undefined) {
      const table = STATIC_TABLES[staticType.replace(/<.*$/, '')]!;
      const entry = own(table.props, e.name);
      if (!entry) {
        if (this.typeRef(e)) throw invalid(`'${e.name}' is a type, which is not valid in the given context`, e.pos);
        throw unsupported(`'${staticType}' has no supported static member '${e.name}'`, e.pos);
      }
      return { fn: (env) => entry.get(null, env), type: resultType(entry.type, [], [], staticType) };
    }
    const t = this.expr(e.target, true);
    if (t.type === 'Null') throw invalid(`Cannot access member '${e.name}' of null`, e.pos);
    const name = e.name;
    const nullable = t.type.endsWith('?');
    if (nullable && (name === 'HasValue' || name === 'Value')) {
      const target = t.fn;
      const base = t.type.slice(0, -1);
      return name === 'HasValue'
        ? { type: 'Boolean', fn: (env) => { const v = target(env); return v === SHORT ? SHORT : v !== null; } }
        : { type: base, fn: (env) => { const v = target(env); if (v === SHORT) return SHORT; if (v === null) throw invalidOperation('Nullable object must have a value.'); return v; } };
    }
    checkMember(t.type, name, 'props', e.pos);
    const known = knownEntry(t.type, name, 'props');
    const nullCond = e.nullCond;
    const target = t.fn;
    const find = dispatcher((tb) => own(tb.props, name));
    return {
      type: known ? resultType(known.type, [], [], t.type) : 'Object',
      fn: (env) => {
        const v = target(env);
        if (v === SHORT) return SHORT;
        if (v === null) { if (nullCond) return SHORT; throw nullRef(name); }
        const entry = find(v);
        if (!entry) {
          if (v instanceof AnonV) return anonymousMember(v, name);
          throw netError('MissingMemberException', `'${dotNetTypeName(v)}' does not contain a definition for '${name}'`);
        }
        return entry.get(v, env);
      },
    };
  }

  /** Compile call arguments: `out var x` declares x; lambdas get their parameter types from the target's elements. */
  args(args: Arg[], names: readonly string[] | undefined, targetType: string) {
    const elem = elementType(targetType);
    const compiled = args.map((a) => {
      if (a.mode) {
        if (a.expr.k !== 'name') throw invalid(`An ${a.mode} argument must be a variable`, a.expr.pos);
        const l = a.declare !== undefined
          ? (a.expr.name === '_' ? { slot: this.slots++, type: 'Object', isConst: false } : this.declare(a.expr.name, a.declare === 'var' ? 'Object' : checkType(a.declare, a.expr.pos), a.expr.pos))
          : this.local(a.expr.name);
        if (!l) throw invalid(`The name '${a.expr.name}' does not exist in the current context`, a.expr.pos);
        const slot = l.slot;
        return { name: a.name, type: l.type, fn: (env: Env) => new OutRef(() => env.slots[slot] ?? null, (v) => { env.slots[slot] = v; }) as unknown as Value };
      }
      if (a.expr.k === 'lambda') {
        const c = this.lambda(a.expr, a.expr.params.length === 2 ? ['Object', elem] : [elem]);
        return { name: a.name, type: c.type, fn: c.fn };
      }
      const c = this.expr(a.expr);
      return { name: a.name, type: c.type, fn: c.fn };
    });
    const named = compiled.some((a) => a.name !== undefined);
    let order: number[] | undefined;
    if (named && names) {
      order = [];
      let pos = 0;
      for (let i = 0; i < compiled.length; i++) {
        const n = compiled[i]!.name;
        const idx = n === undefined ? pos++ : names.indexOf(n);
        if (idx < 0) throw invalid(`The best overload does not have a parameter named '${n}'`, args[i]!.expr.pos);
        order[idx] = i;
      }
    }
    const fns = compiled.map((a) => a.fn);
    return {
      types: compiled.map((a) => a.type),
      named,
      values: (env: Env): Value[] => {
        const vals = fns.map((f) => f(env));
        if (!order) return vals;
        const out: Value[] = [];
        order.forEach((src, dst) => { out[dst] = vals[src]!; });
        return out;
      },
    };
  }

  call(e: Extract<Expr, { k: 'call' }>): C {
    const typeArgs = e.typeArgs.map((t) => checkType(t, e.pos));
    if (e.target === null) {
      const l = this.local(e.name);
      if (l?.func) return this.localCall(l.func, e);
      if (l) return this.expr0({ k: 'invoke', target: { k: 'name', name: e.name, pos: e.pos }, args: e.args, pos: e.pos });
      throw invalid(`The name '${e.name}' does not exist in the current context`, e.pos);
    }
    const staticType = this.typeRef(e.target);
    if (staticType !== undefined) {
      const table: StaticTable = STATIC_TABLES[staticType.replace(/<.*$/, '')]!;
      const m = own(table.methods, e.name);
      if (!m) throw unsupported(`'${staticType}' has no supported static method '${e.name}'`, e.pos);
      const args = this.args(e.args, m.names, e.name === 'Range' ? 'Object' : e.args[0] ? 'Object' : 'Object');
      if (args.named && !m.names) throw unsupported(`Named arguments of '${staticType}.${e.name}' are not supported`, e.pos);
      if (!args.named) checkArgs(m, args.types, `${staticType}.${e.name}`, e.pos);
      const type = resultType(m.type, typeArgs, args.types, staticType);
      return { type, fn: (env) => { env.meter.step(); return sized(env, m.call(null, args.values(env), typeArgs, env)); } };
    }
    const t = this.expr(e.target, true);
    if (t.type === 'Null') throw invalid(`Cannot call '${e.name}' on null`, e.pos);
    if (t.type.endsWith('?') && e.name === 'GetValueOrDefault' && !isHostNullable(t.type)) {
      const target = t.fn;
      const base = t.type.slice(0, -1);
      const d = defaultOf(base);
      const args = this.args(e.args, undefined, t.type);
      return { type: base, fn: (env) => { const v = target(env); if (v === SHORT) return SHORT; const a = args.values(env); return v ?? a[0] ?? d; } };
    }
    // a number or char carries no .NET type at run time: a value type's GetType() is its static type (sealed)
    const valueType = t.type.replace(/\?$/, '');
    if (e.name === 'GetType' && e.args.length === 0 && NUMERIC_VALUE_TYPES.has(valueType)) {
      const target = t.fn;
      const { name, fullName } = netTypeNames(valueType);
      const nullCond = e.nullCond;
      return { type: 'Type', fn: (env) => { const v = target(env); if (v === SHORT) return SHORT; if (v === null) { if (nullCond) return SHORT; throw nullRef('GetType'); } return new TypeV(name, fullName) as unknown as Value; } };
    }
    checkMember(t.type, e.name, 'methods', e.pos);
    const known = knownEntry(t.type, e.name, 'methods');
    const args = this.args(e.args, known?.names, t.type);
    if (!args.named) checkArgs(known, args.types, `${t.type}.${e.name}`, e.pos);
    const name = e.name;
    const nullCond = e.nullCond;
    const target = t.fn;
    const find = dispatcher((tb) => own(tb.methods, name));
    const named = args.named;
    const type = known ? resultType(known.type, typeArgs, args.types, t.type) : 'Object';
    // FirstOrDefault/LastOrDefault/GetValueOrDefault… of a value type give default(T) (0, false), never null
    const empty = name.endsWith('OrDefault') ? defaultOf(type) : null;
    return {
      type,
      fn: (env) => {
        const v = target(env);
        if (v === SHORT) return SHORT;
        if (v === null) { if (nullCond) return SHORT; throw nullRef(name); }
        env.meter.step();
        const m = find(v);
        if (!m) throw netError('MissingMethodException', `'${dotNetTypeName(v)}' does not contain a definition for '${name}'`);
        if (named && !m.names && !known) throw netError('NotSupportedException', `Named arguments of '${name}' are not supported by the twin`);
        const r = sized(env, m.call(v, args.values(env), typeArgs, env));
        return r === null && empty !== null ? empty : r;
      },
    };
  }

  index(e: Extract<Expr, { k: 'index' }>): C {
    const t = this.expr(e.target, true);
    const tables = tablesFor(t.type);
    if (tables && !tables.some((tb) => tb.index)) throw unsupported(`'${t.type}' cannot be indexed`, e.pos);
    const args = e.args.map((a) => this.expr(a).fn);
    const target = t.fn;
    const nullCond = e.nullCond;
    const known = TYPE_TABLES[tableKey(t.type)]?.index;
    const find = dispatcher((tb) => tb.index);
    return {
      type: known ? resultType(known.type, [], [], t.type) : 'Object',
      fn: (env) => {
        const v = target(env);
        if (v === SHORT) return SHORT;
        if (v === null) { if (nullCond) return SHORT; throw nullRef('indexer'); }
        const ix = find(v);
        if (!ix) throw netError('MissingMemberException', `Cannot apply indexing with [] to an expression of type '${dotNetTypeName(v)}'`);
        return ix.get(v, args.map((a) => a(env)), env);
      },
    };
  }

  unary(e: Extract<Expr, { k: 'unary' }>): C {
    const c = this.expr(e.operand);
    const o = c.fn;
    switch (e.op) {
      case '!': return { fn: (env) => !requireBool(o(env), '!'), type: 'Boolean' };
      case '-': {
        const type = c.type === 'Char' ? 'Int32' : c.type;
        const chk = this.checkedCtx;
        return {
          type,
          fn: (env) => {
            const v = o(env);
            if (v === null) return null;
            if (typeof v === 'number') return isIntegral(type) ? arith('-', 0, v, type, chk) : -v;
            if (typeof v === 'string' && v.length === 1) return -v.charCodeAt(0);
            const h = hostArithmetic('neg', v, null);
            if (h !== undefined) return h;
            throw netError('InvalidOperationException', `Operator '-' cannot be applied to operand of type '${dotNetTypeName(v)}'`);
          },
        };
      }
      case '+': return { fn: (env) => num(o(env), c.type), type: c.type === 'Char' ? 'Int32' : c.type };
      default: return { fn: (env) => { const v = o(env); if (v === null) return null; return wrapIntegral(c.type === 'Int64' ? 'Int64' : 'Int32', ~num(v, c.type)); }, type: c.type };
    }
  }

  binary(e: Extract<Expr, { k: 'binary' }>): C {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    const a = l.fn;
    const b = r.fn;
    const lt = l.type;
    const rt = r.type;
    switch (e.op) {
      case '&&': return { fn: (env) => requireBool(a(env), '&&') && requireBool(b(env), '&&'), type: 'Boolean' };
      case '||': return { fn: (env) => requireBool(a(env), '||') || requireBool(b(env), '||'), type: 'Boolean' };
      case '==': case '!=': {
        const neg = e.op === '!=';
        const charNum = (lt === 'Char' && isNumericType(rt)) || (rt === 'Char' && isNumericType(lt));
        return {
          type: 'Boolean',
          fn: (env) => {
            let x = a(env);
            let y = b(env);
            if (charNum) { x = x === null ? null : num(x, lt); y = y === null ? null : num(y, rt); }
            return valueEquals(x, y) !== neg;
          },
        };
      }
      case '??': return { fn: (env) => { const x = a(env); return x === null ? b(env) : x; }, type: lt === 'Object' || lt === 'Null' ? rt : lt.replace(/\?$/, '') };
      case '+': return this.plus(l, r);
      case '-': case '*': case '/': case '%': return this.arithmetic(e.op, l, r);
      case '<': case '>': case '<=': case '>=': {
        if (lt === 'String' && rt === 'String') throw invalid(`Operator '${e.op}' cannot be applied to operands of type 'string' and 'string'`, e.pos);
        const op = e.op;
        return {
          type: 'Boolean',
          fn: (env) => {
            const x = a(env);
            const y = b(env);
            if (x === null || y === null) return false;
            const c = typeof x === 'number' || typeof y === 'number' || lt === 'Char' || rt === 'Char' ? Math.sign(num(x, lt) - num(y, rt)) : hostCompare(x, y);
            if (c === undefined || Number.isNaN(c)) {
              if (typeof x === 'number' && typeof y === 'number') return false;
              throw netError('InvalidOperationException', `Operator '${op}' cannot be applied to operands of type '${dotNetTypeName(x)}' and '${dotNetTypeName(y)}'`);
            }
            return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
          },
        };
      }
      case '&': case '|': case '^': {
        const op = e.op;
        return {
          type: lt === 'Boolean' ? 'Boolean' : lt,
          fn: (env) => {
            const x = a(env);
            const y = b(env);
            if (typeof x === 'boolean' && typeof y === 'boolean') return op === '&' ? x && y : op === '|' ? x || y : x !== y;
            if (x instanceof EnumValue && y instanceof EnumValue) {
              const v = op === '&' ? x.value & y.value : op === '|' ? x.value | y.value : x.value ^ y.value;
              return new EnumValue(x.enumType, v, x.names);
            }
            if (x === null || y === null) return null;
            const p = num(x, lt);
            const q = num(y, rt);
            const big = promote(lt, rt) === 'Int64' && (Math.abs(p) > 2147483647 || Math.abs(q) > 2147483647);
            if (big) { const bp = BigInt(Math.trunc(p)); const bq = BigInt(Math.trunc(q)); return Number(op === '&' ? bp & bq : op === '|' ? bp | bq : bp ^ bq); }
            return op === '&' ? p & q : op === '|' ? p | q : p ^ q;
          },
        };
      }
      case '<<': case '>>': {
        const left = e.op === '<<';
        return {
          type: lt === 'Int64' ? 'Int64' : 'Int32',
          fn: (env) => {
            const x = a(env);
            const y = b(env);
            if (x === null || y === null) return null;
            const p = num(x, lt);
            const q = num(y, rt);
            if (lt === 'Int64') { const r64 = left ? BigInt.asIntN(64, BigInt(Math.trunc(p)) << BigInt(q & 63)) : BigInt(Math.trunc(p)) >> BigInt(q & 63); return Number(r64); }
            return left ? p << (q & 31) : p >> (q & 31);
          },
        };
      }
      default: throw unsupported(`Operator '${e.op}' is not supported`, e.pos);
    }
  }

  plus(l: C, r: C): C {
    const a = l.fn;
    const b = r.fn;
    const stringy = l.type === 'String' || r.type === 'String';
    const numeric = isNumericType(l.type) && isNumericType(r.type);
    const type = stringy ? 'String' : numeric ? promote(l.type, r.type) : 'Object';
    const chk = this.checkedCtx;
    return {
      type,
      fn: (env) => {
        const x = a(env);
        const y = b(env);
        if (x !== null && typeof x === 'object' && typeof y === 'string') {
          // user-defined operators first (XNamespace + "name" is an XName)
          const h = hostArithmetic('+', x, y);
          if (h !== undefined) return h;
        }
        if (!numeric && (stringy || typeof x === 'string' || typeof y === 'string') && !(l.type === 'Char' && r.type === 'Char')) {
          const sx = toDotNetString(x);
          const sy = toDotNetString(y);
          env.meter.string(sx.length + sy.length);
          return sx + sy;
        }
        if (x === null || y === null) return null;
        if (typeof x === 'number' || typeof y === 'number' || numeric) return arith('+', num(x, l.type), num(y, r.type), type, chk);
        const h = hostArithmetic('+', x, y);
        if (h !== undefined) return h;
        throw netError('InvalidOperationException', `Operator '+' cannot be applied to operands of type '${dotNetTypeName(x)}' and '${dotNetTypeName(y)}'`);
      },
    };
  }

  arithmetic(op: string, l: C, r: C): C {
    const a = l.fn;
    const b = r.fn;
    const numeric = isNumericType(l.type) && isNumericType(r.type);
    const type = numeric ? promote(l.type, r.type) : 'Object';
    const chk = this.checkedCtx;
    return {
      type: type === 'Object' && op === '-' && (l.type === 'DateTime' || l.type === 'DateTimeOffset') && l.type === r.type ? 'TimeSpan' : type,
      fn: (env) => {
        const x = a(env);
        const y = b(env);
        if (x === null || y === null) return null;
        if (numeric || typeof x === 'number' || typeof y === 'number' || (typeof x === 'string' && l.type === 'Char')) {
          let t = type;
          if (t === 'Object') t = typeof x === 'number' && typeof y === 'number' && Number.isInteger(x) && Number.isInteger(y) ? 'Int32' : 'Double';
          return arith(op, num(x, l.type), num(y, r.type), t, chk);
        }
        const h = hostArithmetic(op, x, y);
        if (h !== undefined) return h;
        throw netError('InvalidOperationException', `Operator '${op}' cannot be applied to operands of type '${dotNetTypeName(x)}' and '${dotNetTypeName(y)}'`);
      },
    };
  }

  interpolation(e: Extract<Expr, { k: 'interp' }>): C {
    const parts = e.parts.map((p) => {
      if (typeof p === 'string') return () => p;
      const f = this.expr(p.expr).fn;
      const w = p.align ? this.expr(p.align).fn : undefined;
      const format = p.format;
      return (env: Env) => {
        const text = formatValue(f(env), format);
        if (!w) return text;
        const width = num(w(env), 'Int32');
        if (Math.abs(width) > env.meter.limits.maxStringLength) env.meter.string(Math.abs(width));
        return align(text, width, env.meter);
      };
    });
    return {
      fn: (env) => {
        const texts = parts.map((p) => p(env));
        env.meter.string(texts.reduce((n, t) => n + t.length, 0));
        return texts.join('');
      },
      type: 'String',
    };
  }

  /** An assignable place: a local, a settable property, or an indexer. */
  lvalue(target: Expr): { type: string; bind: (env: Env) => { get: () => Value; set: (v: Value) => void } } {
    if (target.k === 'name') {
      const l = this.local(target.name);
      if (!l) {
        if (target.name === 'context') throw invalid("Property or indexer 'context' cannot be assigned to -- it is read only", target.pos);
        throw invalid(`The name '${target.name}' does not exist in the current context`, target.pos);
      }
      if (l.isConst) throw invalid('The left-hand side of an assignment must be a variable, property or indexer', target.pos);
      const slot = l.slot;
      return { type: l.type, bind: (env) => ({ get: () => env.slots[slot] ?? null, set: (v) => { env.slots[slot] = v; } }) };
    }
    if (target.k === 'member') {
      const t = this.expr(target.target);
      checkMember(t.type, target.name, 'props', target.pos);
      const name = target.name;
      const find = dispatcher((tb) => own(tb.props, name));
      const known = knownEntry(t.type, name, 'props');
      if (known && !known.set) throw invalid(`Property or indexer '${name}' cannot be assigned to -- it is read only`, target.pos);
      const f = t.fn;
      return {
        type: known ? resultType(known.type, [], [], t.type) : 'Object',
        bind: (env) => {
          const v = f(env);
          if (v === null) throw nullRef(name);
          const entry = find(v);
          if (!entry) throw netError('MissingMemberException', `'${dotNetTypeName(v)}' does not contain a definition for '${name}'`);
          return {
            get: () => entry.get(v, env),
            set: (x) => { if (!entry.set) throw netError('InvalidOperationException', `Property '${name}' is read only`); entry.set(v, x, env); },
          };
        },
      };
    }
    if (target.k === 'index') {
      const t = this.expr(target.target);
      if (t.type === 'Variables' || t.type === 'Headers' || t.type === 'Query' || t.type === 'StringDictionary') throw invalid('Property or indexer cannot be assigned to -- it is read only', target.pos);
      const args = target.args.map((a) => this.expr(a).fn);
      const f = t.fn;
      const find = dispatcher((tb) => tb.index);
      const known = TYPE_TABLES[tableKey(t.type)]?.index;
      return {
        type: known ? resultType(known.type, [], [], t.type) : 'Object',
        bind: (env) => {
          const v = f(env);
          if (v === null) throw nullRef('indexer');
          const ix = find(v);
          if (!ix) throw netError('MissingMemberException', `Cannot apply indexing with [] to an expression of type '${dotNetTypeName(v)}'`);
          const keys = args.map((a) => a(env));
          return {
            get: () => ix.get(v, keys, env),
            set: (x) => { if (!ix.set) throw netError('InvalidOperationException', 'Indexer is read only'); ix.set(v, keys, x, env); },
          };
        },
      };
    }
    throw invalid('The left-hand side of an assignment must be a variable, property or indexer', target.pos);
  }

  assign(e: Extract<Expr, { k: 'assign' }>): C {
    const place = this.lvalue(e.target);
    if (e.op === '=') {
      const v = this.expr(e.value).fn;
      return { type: place.type, fn: (env) => { const p = place.bind(env); const x = v(env); p.set(x); return x; } };
    }
    if (e.op === '??=') {
      const v = this.expr(e.value).fn;
      return { type: place.type, fn: (env) => { const p = place.bind(env); const cur = p.get(); if (cur !== null) return cur; const x = v(env); p.set(x); return x; } };
    }
    const op = e.op.slice(0, -1);
    const rhs = this.expr(e.value);
    const bitwise = !['+', '-', '*', '/', '%'].includes(op);
    // combine through the same operator code as the binary expression, with the current value passed in a slot
    const curSlot = this.slots++;
    const current: C = { type: place.type, fn: (env) => env.slots[curSlot] ?? null };
    const combined = op === '+' ? this.plus(current, rhs) : bitwise ? undefined : this.arithmetic(op, current, rhs);
    const f = combined?.fn;
    const rv = rhs.fn;
    return {
      type: place.type,
      fn: (env) => {
        const p = place.bind(env);
        env.slots[curSlot] = p.get();
        const x = f ? f(env) : bitwiseCombine(op, env.slots[curSlot] ?? null, rv(env));
        p.set(x);
        return x;
      },
    };
  }

  update(e: Extract<Expr, { k: 'update' }>): C {
    const place = this.lvalue(e.target);
    const delta = e.op === '++' ? 1 : -1;
    const prefix = e.prefix;
    const type = place.type;
    const chk = this.checkedCtx;
    return {
      type,
      fn: (env) => {
        env.meter.step();
        const p = place.bind(env);
        const old = p.get();
        if (old === null) return null;
        let next: Value;
        if (typeof old === 'string' && old.length === 1 && type === 'Char') next = String.fromCharCode(old.charCodeAt(0) + delta);
        else next = arith('+', num(old, type), delta, isIntegral(type) || type === 'Object' ? (type === 'Object' ? (Number.isInteger(old) ? 'Int32' : 'Double') : type) : type, chk);
        p.set(next);
        return prefix ? next : old;
      },
    };
  }

  lambda(e: Extract<Expr, { k: 'lambda' }>, hints: string[]): C {
    return this.scoped(() => {
      const params = e.params.map((p, i) => this.declare(p.name, p.type ? checkType(p.type, e.pos) : hints[i] ?? 'Object', e.pos));
      const savedLoops = this.loopDepth;
      const savedFn = this.fnReturn;
      this.loopDepth = 0;
      this.fnReturn = undefined;
      let body: Fn;
      try {
        if (e.body.k === 'block' || (e.body as Stmt).k === 'block') {
          const s = this.stmt(e.body as Stmt);
          body = (env) => { const r = s(env); return r === NO_RETURN ? null : r; };
        } else {
          body = this.expr(e.body as Expr).fn;
        }
      } finally {
        this.loopDepth = savedLoops;
        this.fnReturn = savedFn;
      }
      const slots = params.map((p) => p.slot);
      const arity = slots.length;
      return {
        type: 'Lambda',
        fn: (env) => new Lambda(arity, (args) => {
          env.meter.step();
          for (let i = 0; i < arity; i++) env.slots[slots[i]!] = args[i] ?? null;
          return body(env);
        }),
      };
    });
  }

  creation(e: Extract<Expr, { k: 'new' }>): C {
    const type = checkType(e.type, e.pos);
    const head = type.replace(/<.*$/, '');
    const table = STATIC_TABLES[head];
    const isException = head.endsWith('Exception');
    if (!isException && !table?.ctor) throw unsupported(`Creating a '${type}' with 'new' is not supported`, e.pos);
    const typeArgs = type.includes('<') ? type.slice(type.indexOf('<') + 1, -1).split(/,\s*/) : [];
    const args = this.args(e.args, undefined, 'Object');
    const init = e.init ? this.initializer(e.init, table?.ctorType ?? type) : undefined;
    const resultTypeName = table?.ctorType ?? type;
    return {
      type: resultTypeName,
      fn: (env) => {
        env.meter.step();
        const v = newObject(head, table, args.values(env), typeArgs, env);
        if (init) init(v, env);
        return v;
      },
    };
  }

  /** Object initializers set properties/indexers; collection initializers call Add. */
  initializer(init: Initializer, type: string): (target: Value, env: Env) => void {
    if (init.kind === 'collection') {
      const items = init.items.map((group) => group.map((x) => this.expr(x).fn));
      checkMember(type, 'Add', 'methods', 0);
      const find = dispatcher((tb) => own(tb.methods, 'Add'));
      return (target, env) => {
        const add = find(target);
        if (!add) throw netError('MissingMethodException', `'${dotNetTypeName(target)}' has no Add method`);
        for (const g of items) { env.meter.step(); add.call(target, g.map((f) => f(env)), [], env); }
      };
    }
    const members = init.members.map((m) => {
      if ('prop' in m.target) {
        const name = m.target.prop;
        checkMember(type, name, 'props', m.pos);
        const find = dispatcher((tb) => own(tb.props, name));
        if (typeof m.value === 'object' && 'kind' in m.value) {
          const nested = this.initializer(m.value, knownEntry(type, name, 'props') ? resultType(knownEntry(type, name, 'props')!.type, [], [], type) : 'Object');
          return (target: Value, env: Env) => { const p = find(target); if (!p) throw netError('MissingMemberException', name); nested(p.get(target, env), env); };
        }
        const v = this.expr(m.value as Expr).fn;
        return (target: Value, env: Env) => {
          const p = find(target);
          if (!p?.set) throw netError('MissingMemberException', `'${dotNetTypeName(target)}' has no settable property '${name}'`);
          p.set(target, v(env), env);
        };
      }
      const keys = m.target.index.map((k) => this.expr(k).fn);
      const v = typeof m.value === 'object' && 'kind' in m.value ? (() => { throw unsupported('A nested initializer for an indexer', m.pos); })() : this.expr(m.value as Expr).fn;
      const find = dispatcher((tb) => tb.index);
      return (target: Value, env: Env) => {
        const ix = find(target);
        if (!ix?.set) throw netError('MissingMemberException', `'${dotNetTypeName(target)}' has no settable indexer`);
        ix.set(target, keys.map((k) => k(env)), v(env), env);
      };
    });
    return (target, env) => { for (const m of members) m(target, env); };
  }

  // ---- statements ------------------------------------------------------------------------------------------------------

  stmts(body: Stmt[]): SFn {
    // local functions are in scope in their whole block (calls may come before the declaration, and recurse)
    for (const s of body) {
      if (s.k !== 'localfn') continue;
      const l = this.declare(s.name, s.type === 'void' ? 'Void' : checkType(s.type, s.pos), s.pos, true);
      l.func = { name: s.name, type: l.type, params: s.params.map((p) => p.name) };
    }
    const fns = body.map((s) => this.stmt(s));
    return (env) => {
      for (const f of fns) { env.meter.step(); const r = f(env); if (r !== NO_RETURN) return r; }
      return NO_RETURN;
    };
  }

  /** A loop: `test` before (while/for) or after (do) each `body`; BREAK ends it, CONTINUE goes on, a return propagates. */
  loop(test: Fn | undefined, body: SFn, update: Fn[], testFirst: boolean): SFn {
    return (env) => {
      let first = true;
      for (;;) {
        env.meter.step();
        if ((testFirst || !first) && test && !requireBool(test(env), 'loop condition')) return NO_RETURN;
        first = false;
        const r = body(env);
        if (r === BREAK) return NO_RETURN;
        if (r !== NO_RETURN && r !== CONTINUE) return r;
        for (const u of update) u(env);
      }
    };
  }

  inLoop<T>(f: () => T): T {
    this.loopDepth++;
    try { return f(); } finally { this.loopDepth--; }
  }

  stmt(s: Stmt): SFn {
    switch (s.k) {
      case 'var': {
        const declared = s.type === 'var' ? undefined : checkType(s.type, s.pos);
        const decls = s.decls.map((d) => {
          const init = d.init ? this.expr(d.init) : undefined;
          const type = declared ?? (init && init.type !== 'Null' ? init.type : 'Object');
          const l = this.declare(d.name, type, d.pos, s.isConst);
          const f = init?.fn;
          const dflt = defaultOf(type);
          const slot = l.slot;
          // implicit conversions the allowed types define from string (`XNamespace ns = "…"`, `XName n = "{ns}x"`)
          const convert = declared === 'XNamespace' || declared === 'XName' ? declared : undefined;
          return (env: Env) => { const v = f ? f(env) : dflt; env.slots[slot] = convert && typeof v === 'string' ? castTo(convert, v) : v; };
        });
        return (env) => { for (const d of decls) d(env); return NO_RETURN; };
      }
      case 'expr': {
        const k = s.expr.k;
        if (!['call', 'invoke', 'assign', 'update', 'new', 'throw'].includes(k)) {
          throw invalid('Only assignment, call, increment, decrement, and new object expressions can be used as a statement', s.pos);
        }
        const f = this.expr(s.expr).fn;
        return (env) => { f(env); return NO_RETURN; };
      }
      case 'return': {
        if (this.fnReturn === 'Void') {
          if (s.value) throw invalid('Since the local function returns void, a return keyword must not be followed by an object expression', s.pos);
          return () => VOID_RETURN;
        }
        if (!s.value && this.fnReturn) throw invalid('An object of a type convertible to the local function\'s return type is required', s.pos);
        if (!s.value) throw invalid('An object of a type convertible to object is required (a policy expression returns a value)', s.pos);
        const f = this.expr(s.value).fn;
        return (env) => f(env);
      }
      case 'block': {
        const checked = s.checked;
        return checked === undefined ? this.scoped(() => this.stmts(s.body)) : this.inContext(checked, () => this.scoped(() => this.stmts(s.body)));
      }
      case 'localfn': return this.localFunction(s);
      case 'empty': return () => NO_RETURN;
      case 'if': {
        const test = this.expr(s.test).fn;
        const then = this.scoped(() => this.stmt(s.then));
        const other = s.else ? this.scoped(() => this.stmt(s.else!)) : undefined;
        return (env) => (requireBool(test(env), 'if') ? then(env) : other ? other(env) : NO_RETURN);
      }
      case 'while': return this.loop(this.expr(s.test).fn, this.inLoop(() => this.scoped(() => this.stmt(s.body))), [], true);
      case 'do': return this.loop(this.expr(s.test).fn, this.inLoop(() => this.scoped(() => this.stmt(s.body))), [], false);
      case 'for': return this.scoped(() => {
        const init = this.stmts(s.init);
        const test = s.test ? this.expr(s.test).fn : undefined;
        const update = s.update.map((u) => this.expr(u).fn);
        const body = this.inLoop(() => this.scoped(() => this.stmt(s.body)));
        const run = this.loop(test, body, update, true);
        return (env: Env) => { init(env); return run(env); };
      });
      case 'foreach': {
        const iter = this.expr(s.iter);
        return this.scoped(() => {
          const declared = s.type === 'var' ? elementType(iter.type) : checkType(s.type, s.pos);
          const l = this.declare(s.name, declared, s.pos);
          const body = this.inLoop(() => this.scoped(() => this.stmt(s.body)));
          const slot = l.slot;
          const cast = s.type === 'var' ? undefined : declared;
          const it = iter.fn;
          return (env: Env) => {
            const v = it(env);
            if (v === null) throw nullRef('foreach');
            for (const x of enumerateValue(v)) {
              env.meter.step();
              env.slots[slot] = cast ? castTo(cast, x) : x;
              const r = body(env);
              if (r === BREAK) break;
              if (r !== NO_RETURN && r !== CONTINUE) return r;
            }
            return NO_RETURN;
          };
        });
      }
      case 'break': case 'continue':
        if (this.loopDepth === 0 && !(s.k === 'break' && this.switchDepth > 0)) throw invalid(`No enclosing loop out of which to ${s.k}`, s.pos);
        return s.k === 'break' ? () => BREAK : () => CONTINUE;
      case 'throw': {
        if (!s.value) {
          const slot = this.catchSlots.at(-1);
          if (slot === undefined) throw invalid('A throw statement with no arguments is not allowed outside of a catch clause', s.pos);
          return (env) => { throw (env.slots[slot] as unknown as ExceptionV).error; };
        }
        const v = this.expr(s.value).fn;
        return (env) => { throw toThrowable(v(env)); };
      }
      case 'try': return this.tryStmt(s);
      case 'switch': return this.switchStmt(s);
      case 'using': return this.scoped(() => {
        const decl = s.decl ? this.stmt(s.decl) : undefined;
        const expr = s.expr ? this.expr(s.expr).fn : undefined;
        const body = this.stmt(s.body);
        return (env: Env) => { if (decl) decl(env); if (expr) expr(env); return body(env); };
      });
    }
  }

  switchDepth = 0;
  switchStmt(s: Extract<Stmt, { k: 'switch' }>): SFn {
    const value = this.expr(s.value).fn;
    this.switchDepth++;
    const sections = this.scoped(() => s.sections.map((sec) => ({
      labels: sec.labels.map((l) => (l === null ? null : this.expr(l).fn)),
      body: this.stmts(sec.body),
    })));
    this.switchDepth--;
    return (env) => {
      const v = value(env);
      let chosen = sections.find((sec) => sec.labels.some((l) => l !== null && valueEquals(l(env), v)));
      chosen ??= sections.find((sec) => sec.labels.includes(null));
      if (!chosen) return NO_RETURN;
      const r = chosen.body(env);
      return r === BREAK ? NO_RETURN : r;
    };
  }

  /** Compiles a local function's body where it is declared (its name was declared when its block was entered). */
  localFunction(s: Extract<Stmt, { k: 'localfn' }>): SFn {
    const f = this.scopes.at(-1)!.get(s.name)?.func;
    if (!f) throw invalid(`A local function '${s.name}' cannot be declared here`, s.pos);
    const start = this.slots;
    const savedLoops = this.loopDepth;
    const savedFn = this.fnReturn;
    this.loopDepth = 0;
    this.fnReturn = f.type;
    let body: SFn;
    let paramSlots: number[];
    try {
      [body, paramSlots] = this.scoped(() => {
        const ps = s.params.map((p) => this.declare(p.name, checkType(p.type, p.pos), p.pos).slot);
        if ((s.body as Stmt).k === 'block') {
          if (f.type !== 'Void' && endReachable(s.body as Stmt)) throw invalid(`'${s.name}': not all code paths return a value`, s.pos);
          return [this.stmt(s.body as Stmt), ps] as const;
        }
        const e = this.expr(s.body as Expr).fn;
        return [e as SFn, ps] as const;
      });
    } finally {
      this.loopDepth = savedLoops;
      this.fnReturn = savedFn;
    }
    const end = this.slots;
    const arity = paramSlots.length;
    let active = 0;
    f.run = (env, args) => {
      env.meter.enter();
      // a recursive activation keeps the caller's parameters and locals
      const saved = active > 0 ? env.slots.slice(start, end) : undefined;
      active++;
      try {
        for (let i = 0; i < arity; i++) env.slots[paramSlots[i]!] = args[i] ?? null;
        const r = body(env);
        return r === NO_RETURN || r === VOID_RETURN || f.type === 'Void' ? null : r;
      } finally {
        active--;
        env.meter.leave();
        if (saved) for (let i = 0; i < saved.length; i++) env.slots[start + i] = saved[i]!;
      }
    };
    return () => NO_RETURN;
  }

  localCall(f: LocalFn, e: Extract<Expr, { k: 'call' }>): C {
    if (e.typeArgs.length) throw invalid(`The local function '${f.name}' is not generic`, e.pos);
    if (e.nullCond) throw invalid(`Operator '?.' cannot be applied to the local function '${f.name}'`, e.pos);
    const args = this.args(e.args, f.params, 'Object');
    if (args.types.length !== f.params.length) throw invalid(`No overload for method '${f.name}' takes ${args.types.length} arguments`, e.pos);
    return {
      type: f.type,
      fn: (env) => {
        env.meter.step();
        return f.run!(env, args.values(env));
      },
    };
  }

  tryStmt(s: Extract<Stmt, { k: 'try' }>): SFn {
    const body = this.scoped(() => this.stmt(s.body));
    const catches = s.catches.map((c) => this.scoped(() => {
      const type = c.type ? checkType(c.type, c.pos) : 'Exception';
      const l = c.name ? this.declare(c.name, 'Exception', c.pos) : { slot: this.slots++ };
      this.catchSlots.push(l.slot);
      try {
        const when = c.when ? this.expr(c.when).fn : undefined;
        return { type, slot: l.slot, when, body: this.stmt(c.body) };
      } finally {
        this.catchSlots.pop();
      }
    }));
    const fin = s.fin ? this.scoped(() => this.stmt(s.fin!)) : undefined;
    return (env) => {
      try {
        return body(env);
      } catch (e) {
        // only .NET exceptions are catchable: limits and twin defects always end the evaluation
        if (!(e instanceof ExpressionRuntimeError) || e.code !== 'ERR_APIM_EXPRESSION_RUNTIME') throw e;
        for (const c of catches) {
          if (!exceptionIs(e.exceptionType, c.type)) continue;
          env.slots[c.slot] = new ExceptionV(e) as unknown as Value;
          if (c.when && !requireBool(c.when(env), 'when')) continue;
          return c.body(env);
        }
        throw e;
      } finally {
        if (fin) fin(env);
      }
    };
  }
}

function isHostNullable(t: string): boolean {
  return ['DateTime?', 'TimeSpan?', 'Guid?', 'DateTimeOffset?'].includes(t) ? false : !isNumericType(t.slice(0, -1)) && t !== 'Boolean?' && t !== 'Char?';
}

/** A produced string or array is checked against the size limits (members that can amplify check before allocating). */
function sized(env: Env, v: Value): Value {
  if (typeof v === 'string') { if (v.length > 64) env.meter.string(v.length); } else if (Array.isArray(v)) env.meter.collection(v.length);
  return v;
}

function enumerateValue(v: Value): Value[] {
  return enumerate(v);
}

/** A numeric operand: chars become their code, other values must be numbers. */
function num(v: Value, staticType: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.length === 1 && (staticType === 'Char' || staticType === 'Object')) return v.charCodeAt(0);
  if (v === null) throw nullRef('arithmetic operand');
  if (v instanceof EnumValue) return v.value;
  throw netError('InvalidCastException', `Operator cannot be applied to operand of type '${dotNetTypeName(v)}'`);
}

/**
 * C# arithmetic on the promoted type: integral division truncates and throws on zero; an integral result out of its
 * type's range wraps (unchecked, C#'s default) or throws OverflowException (`checked`). Int64 is a double here: a
 * checked Int64 result is refused beyond ±2^63.
 */
function arith(op: string, x: number, y: number, type: string, checked = false): number {
  const integral = isIntegral(type);
  if (integral && checked) return checkedArith(op, x, y, type);
  switch (op) {
    case '+': return integral ? wrapIntegral(type, x + y) : x + y;
    case '-': return integral ? wrapIntegral(type, x - y) : x - y;
    case '*': return integral ? (type === 'Int32' ? Math.imul(x, y) : x * y) : x * y;
    case '/':
      if (integral) { if (y === 0) throw netError('DivideByZeroException', 'Attempted to divide by zero.'); return wrapIntegral(type, Math.trunc(x / y)); }
      if (type === 'Decimal' && y === 0) throw netError('DivideByZeroException', 'Attempted to divide by zero.');
      return x / y;
    default:
      if (integral && y === 0) throw netError('DivideByZeroException', 'Attempted to divide by zero.');
      return x % y;
  }
}

const OVERFLOW = 'Arithmetic operation resulted in an overflow.';

function checkedArith(op: string, x: number, y: number, type: string): number {
  if ((op === '/' || op === '%') && y === 0) throw netError('DivideByZeroException', 'Attempted to divide by zero.');
  const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? Math.trunc(x / y) : x % y;
  if (!inRange(type, r)) throw netError('OverflowException', OVERFLOW);
  return r === 0 ? 0 : r;
}

function inRange(type: string, n: number): boolean {
  const [lo, hi] = NUMERIC_RANGES[type] ?? [-Infinity, Infinity];
  return type === 'Int64' || type === 'UInt64' ? n >= lo && n < hi + 1 : n >= lo && n <= hi;
}

/** An explicit numeric conversion in a checked context: a number outside the target's range is an OverflowException. */
function checkedConversion(type: string, v: Value): Value {
  const base = type.replace(/\?$/, '');
  if (typeof v === 'number' && Number.isFinite(v) && !inRange(base, Math.trunc(v))) throw netError('OverflowException', OVERFLOW);
  if (typeof v === 'number' && !Number.isFinite(v)) throw netError('OverflowException', OVERFLOW);
  return v;
}

function bitwiseCombine(op: string, x: Value, y: Value): Value {
  if (typeof x === 'boolean' && typeof y === 'boolean') return op === '&' ? x && y : op === '|' ? x || y : x !== y;
  if (x instanceof EnumValue && y instanceof EnumValue) return new EnumValue(x.enumType, op === '&' ? x.value & y.value : op === '|' ? x.value | y.value : x.value ^ y.value, x.names);
  const p = num(x, 'Int32');
  const q = num(y, 'Int32');
  switch (op) {
    case '&': return p & q;
    case '|': return p | q;
    case '^': return p ^ q;
    case '<<': return p << (q & 31);
    default: throw netError('NotSupportedException', `Compound operator '${op}=' is not supported`);
  }
}

/** `throw x`: an Exception object becomes the .NET exception it describes. */
function toThrowable(v: Value): ExpressionRuntimeError {
  if (v instanceof ExceptionV) return v.error;
  if (v === null) return nullRef('throw');
  return netError('InvalidCastException', `The type caught or thrown must be derived from System.Exception (got ${dotNetTypeName(v)})`);
}

/**
 * The evaluator's boundary: what escapes is always a coded error. .NET exceptions and limits pass as they are; a
 * JavaScript error (a twin defect, or the engine refusing a size) becomes ERR_APIM_EXPRESSION_INTERNAL, still an
 * ExpressionRuntimeError so that the request gets ExpressionValueEvaluationFailure and the process lives on.
 */
function guard(e: unknown): ExpressionRuntimeError {
  if (e instanceof ExpressionRuntimeError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new ExpressionRuntimeError('InsufficientExecutionStackException', 'Insufficient stack to continue executing the expression.', { code: 'ERR_APIM_EXPRESSION_LIMIT', cause: e });
  }
  if (e instanceof RangeError && /Invalid (string|array|typed array) length|Array buffer allocation/i.test(e.message)) {
    return new ExpressionRuntimeError('OutOfMemoryException', `The expression produced a value too large to represent: ${e.message}`, { code: 'ERR_APIM_EXPRESSION_LIMIT', cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ExpressionRuntimeError('Exception', `Internal error while evaluating the expression: ${msg}`, { code: 'ERR_APIM_EXPRESSION_INTERNAL', cause: e });
}

export interface CompileExpressionOptions {
  /** Override limits (tests); default EXPRESSION_LIMITS. */
  limits?: Partial<ExpressionLimits>;
  /** Watchdog time source in ms (tests); default performance.now. */
  stopwatch?: Stopwatch;
}

/** Parse + check + compile once (load time). Throws TwinError ERR_APIM_EXPRESSION_* with `details.offset`. */
export function compileExpression(source: string, options: CompileExpressionOptions = {}): CompiledExpression {
  const limits: ExpressionLimits = { ...EXPRESSION_LIMITS, ...options.limits };
  const stopwatch = options.stopwatch;
  let run: (env: Env) => Value;
  let resultType: string;
  let c: Compiler;
  let program: Program;
  try {
    program = parseProgram(source, limits);
    c = new Compiler(limits.maxDepth);
    if (program.kind === 'expr') {
      const compiled = c.expr(program.expr);
      run = compiled.fn;
      resultType = compiled.type;
    } else {
      checkProgram(program.body);
      const body = c.stmts(program.body);
      resultType = 'Object';
      run = (env) => {
        const r = body(env);
        if (r === NO_RETURN || r === BREAK || r === CONTINUE) throw invalidOperation('The expression block did not return a value.');
        return r;
      };
    }
  } catch (e) {
    if (e instanceof TwinError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new TwinError('ERR_APIM_EXPRESSION_LIMIT', 'The expression is nested too deeply', { cause: e });
    throw new TwinError('ERR_APIM_EXPRESSION_INTERNAL', `Internal error while compiling the expression: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const slotCount = c.slots;
  return {
    source,
    resultType,
    evaluate: (ctx) => {
      try {
        const v = run({ ctx, slots: slotCount ? new Array<Value>(slotCount).fill(null) : [], meter: new Meter(limits, stopwatch) });
        return v === SHORT ? null : v;
      } catch (e) {
        const err = guard(e);
        err.expression ??= expressionBody(source);
        throw err;
      }
    },
  };
}

/**
 * The expression as APIM's trace names it (`expression` of an "Expression evaluation failed." message): the text
 * inside `@(…)` / `@{…}` (a published trace: connected-pawns.com, 2020-04-29, "APIM handling a JSON array response").
 */
function expressionBody(source: string): string {
  const s = source.trim();
  return /^@[({]/.test(s) && /[)}]$/.test(s) ? s.slice(2, -1).trim() : s;
}

/** True when the trimmed text is a whole `@(…)` or `@{…}` expression. */
export function isExpressionText(text: string): boolean {
  const s = text.trim();
  return (s.startsWith('@(') && s.endsWith(')')) || (s.startsWith('@{') && s.endsWith('}'));
}

