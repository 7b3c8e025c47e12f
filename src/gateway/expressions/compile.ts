import { TwinError } from '../../core/index.js';
import type { Expr, Program, Stmt } from './ast.js';
import type { HostContext } from './host.js';
import type { Env, TypeTable } from './member-types.js';
import { ARRAY_TABLE, BOOL_TABLE, GUID_TABLE, INT_TABLE, STATIC_TABLES, STRING_TABLE } from './members-basic.js';
import { CONTEXT_TABLES } from './members-context.js';
import { EXPRESSION_LIMITS, type ExpressionLimits } from './limits.js';
import { Meter, type Stopwatch } from './meter.js';
import { parseProgram } from './parser.js';
import {
  castTo, ExpressionRuntimeError, nullRef, requireBool, toDotNetString, typeOf, valueEquals, type Value,
} from './values.js';

/** Every type the interpreter can reach, by runtime type name. */
export const TYPE_TABLES: Record<string, TypeTable> = {
  String: STRING_TABLE, Int32: INT_TABLE, Double: INT_TABLE, Boolean: BOOL_TABLE, Array: ARRAY_TABLE, Guid: GUID_TABLE, ...CONTEXT_TABLES,
};

const CAST_TYPES: Record<string, string> = {
  string: 'String', String: 'String', 'System.String': 'String', int: 'Int32', Int32: 'Int32', long: 'Int32', Int64: 'Int32', 'int?': 'Int32',
  bool: 'Boolean', Boolean: 'Boolean', 'bool?': 'Boolean', double: 'Double', Double: 'Double', object: 'Object', Object: 'Object', 'string[]': 'Array',
};
const staticTable = (type: string): string => (type === 'String[]' ? 'Array' : own(CAST_TYPES, type) ?? type);

/** Own-property lookup only: expressions never reach Object.prototype members. */
function own<T>(rec: Record<string, T> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

type Fn = (env: Env) => Value;
interface C { fn: Fn; type: string }

/** A compiled `@(…)`/`@{…}`: evaluation never parses. */
export interface CompiledExpression {
  readonly source: string;
  readonly resultType: string;
  evaluate(ctx: HostContext): Value;
}

const unsupported = (msg: string, pos: number): TwinError =>
  new TwinError('ERR_APIM_EXPRESSION_UNSUPPORTED', msg, { details: { offset: pos + 2 } });

const NO_RETURN = Symbol('no-return');
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
type SFn = (env: Env) => Value | typeof NO_RETURN | typeof BREAK | typeof CONTINUE;

class Compiler {
  /** Block scopes of declared locals (C# forbids redeclaring a name that is in scope; siblings may reuse it). */
  readonly scopes: Array<Set<string>> = [new Set()];
  isLocal(name: string): boolean { return this.scopes.some((s) => s.has(name)); }
  scoped<T>(f: () => T): T {
    this.scopes.push(new Set());
    try { return f(); } finally { this.scopes.pop(); }
  }
  #depth = 0;
  constructor(readonly maxDepth: number) {}

  findMember(type: string, name: string, kind: 'props' | 'methods', pos: number): TypeTable | undefined {
    const known = own(TYPE_TABLES, staticTable(type));
    if (known) {
      if (!own(known[kind] as Record<string, unknown>, name)) throw unsupported(`'${type}' has no supported ${kind === 'props' ? 'property' : 'method'} '${name}'`, pos);
      return known;
    }
    if (!Object.values(TYPE_TABLES).some((t) => own(t[kind] as Record<string, unknown>, name))) throw unsupported(`Unsupported member '${name}'`, pos);
    return undefined;
  }

  expr(e: Expr): C {
    if (++this.#depth > this.maxDepth) throw new TwinError('ERR_APIM_EXPRESSION_LIMIT', `The expression is nested deeper than ${this.maxDepth} levels`, { details: { offset: e.pos + 2 } });
    try {
      return this.#expr(e);
    } finally {
      this.#depth--;
    }
  }

  #expr(e: Expr): C {
    switch (e.k) {
      case 'lit': {
        const v = e.value;
        return { fn: () => v, type: { string: 'String', char: 'String', int: 'Int32', double: 'Double', bool: 'Boolean', null: 'Object' }[e.type] };
      }
      case 'name': {
        const name = e.name;
        if (this.isLocal(name)) return { fn: (env) => env.locals!.get(name) ?? null, type: 'Object' };
        if (name === 'context') return { fn: (env) => env.ctx, type: 'Context' };
        throw unsupported(`Unknown name '${name}'`, e.pos);
      }
      case 'member': {
        if (e.target.k === 'name' && !this.isLocal(e.target.name) && own(STATIC_TABLES, e.target.name)) {
          const entry = own(STATIC_TABLES[e.target.name]!.props, e.name);
          if (!entry) throw unsupported(`Unsupported static member '${e.target.name}.${e.name}'`, e.pos);
          return { fn: (env) => entry.get(null, env), type: entry.type };
        }
        const t = this.expr(e.target);
        const table = this.findMember(t.type, e.name, 'props', e.pos);
        const name = e.name;
        const nullCond = e.nullCond;
        const target = t.fn;
        const bound = table ? own(table.props, name) : undefined;
        return {
          type: bound?.type ?? 'Object',
          fn: (env) => {
            const v = target(env);
            if (v === null) { if (nullCond) return null; throw nullRef(name); }
            const entry = own(own(TYPE_TABLES, typeOf(v))?.props, name);
            if (!entry) throw new ExpressionRuntimeError('MissingMemberException', `'${typeOf(v)}' has no member '${name}'`);
            return entry.get(v, env);
          },
        };
      }
      case 'call': {
        const args = e.args.map((a) => this.expr(a).fn);
        const typeArgs = e.typeArgs;
        let entry;
        if (e.target.k === 'name' && e.target.name === '') throw unsupported(`Unsupported function '${e.name}'`, e.pos);
        if (e.target.k === 'name' && !this.isLocal(e.target.name) && own(STATIC_TABLES, e.target.name)) {
          entry = own(STATIC_TABLES[e.target.name]!.methods, e.name);
          if (!entry) throw unsupported(`Unsupported static method '${e.target.name}.${e.name}'`, e.pos);
          const m = entry;
          return { fn: (env) => { env.meter.step(); return sized(env, m.call(null, args.map((a) => a(env)), typeArgs, env)); }, type: typeof m.type === 'string' ? m.type : m.type(typeArgs) };
        }
        const t = this.expr(e.target);
        const table = this.findMember(t.type, e.name, 'methods', e.pos);
        const bound = table ? own(table.methods, e.name) : undefined;
        const name = e.name;
        const nullCond = e.nullCond;
        const target = t.fn;
        return {
          type: bound ? (typeof bound.type === 'string' ? bound.type : bound.type(typeArgs)) : 'Object',
          fn: (env) => {
            const v = target(env);
            if (v === null) { if (nullCond) return null; throw nullRef(name); }
            env.meter.step();
            const m = own(own(TYPE_TABLES, typeOf(v))?.methods, name);
            if (!m) throw new ExpressionRuntimeError('MissingMethodException', `'${typeOf(v)}' has no method '${name}'`);
            return sized(env, m.call(v, args.map((a) => a(env)), typeArgs, env));
          },
        };
      }
      case 'index': {
        const t = this.expr(e.target);
        const known = own(TYPE_TABLES, staticTable(t.type));
        if (known && !known.index) throw unsupported(`'${t.type}' cannot be indexed`, e.pos);
        const bound = known?.index;
        const args = e.args.map((a) => this.expr(a).fn);
        const target = t.fn;
        const nullCond = e.nullCond;
        return {
          type: bound?.type ?? 'Object',
          fn: (env) => {
            const v = target(env);
            if (v === null) { if (nullCond) return null; throw nullRef('indexer'); }
            const ix = own(TYPE_TABLES, typeOf(v))?.index;
            if (!ix) throw new ExpressionRuntimeError('MissingMemberException', `'${typeOf(v)}' has no indexer`);
            return ix.get(v, args.map((a) => a(env)), env);
          },
        };
      }
      case 'unary': {
        const o = this.expr(e.operand).fn;
        if (e.op === '!') return { fn: (env) => !requireBool(o(env), '!'), type: 'Boolean' };
        if (e.op === '-') return { fn: (env) => -num(o(env)), type: 'Int32' };
        return { fn: (env) => num(o(env)), type: 'Int32' };
      }
      case 'binary': return this.binary(e);
      case 'cond': {
        const test = this.expr(e.test).fn;
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        return { fn: (env) => (requireBool(test(env), '?:') ? a.fn(env) : b.fn(env)), type: a.type === b.type ? a.type : 'Object' };
      }
      case 'cast': {
        const type = own(CAST_TYPES, e.type);
        if (!type) throw unsupported(`Unsupported cast to '${e.type}'`, e.pos);
        const o = this.expr(e.operand).fn;
        const castType = e.type;
        return { fn: (env) => castTo(castType, o(env)), type };
      }
      case 'interp': {
        const parts = e.parts.map((p) => {
          if (typeof p === 'string') return () => p;
          if (p.format !== undefined) throw unsupported(`Format specifiers in interpolated strings are not supported ('${p.format}')`, e.pos);
          const f = this.expr(p.expr).fn;
          return (env: Env) => toDotNetString(f(env));
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
      case 'assign': {
        if (!this.isLocal(e.name)) throw unsupported(`Assignment to '${e.name}' is not supported`, e.pos);
        const value: Expr = e.op === '=' ? e.value : { k: 'binary', op: e.op.slice(0, -1), left: { k: 'name', name: e.name, pos: e.pos }, right: e.value, pos: e.pos };
        const v = this.expr(value).fn;
        const name = e.name;
        return { fn: (env) => { const x = v(env); env.locals!.set(name, x); return x; }, type: 'Object' };
      }
      case 'update': {
        if (!this.isLocal(e.name)) throw unsupported(`'${e.op}' on '${e.name}' is not supported`, e.pos);
        const name = e.name;
        const delta = e.op === '++' ? 1 : -1;
        const prefix = e.prefix;
        return {
          type: 'Int32',
          fn: (env) => {
            env.meter.step();
            const old = num(env.locals!.get(name) ?? null);
            env.locals!.set(name, old + delta);
            return prefix ? old + delta : old;
          },
        };
      }
    }
  }

  binary(e: Extract<Expr, { k: 'binary' }>): C {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    const a = l.fn;
    const b = r.fn;
    switch (e.op) {
      case '&&': return { fn: (env) => requireBool(a(env), '&&') && requireBool(b(env), '&&'), type: 'Boolean' };
      case '||': return { fn: (env) => requireBool(a(env), '||') || requireBool(b(env), '||'), type: 'Boolean' };
      case '==': return { fn: (env) => valueEquals(a(env), b(env)), type: 'Boolean' };
      case '!=': return { fn: (env) => !valueEquals(a(env), b(env)), type: 'Boolean' };
      case '??': return { fn: (env) => a(env) ?? b(env), type: l.type === r.type ? l.type : 'Object' };
      case '+': {
        const type = l.type === 'String' || r.type === 'String' ? 'String' : l.type === 'Int32' && r.type === 'Int32' ? 'Int32' : 'Object';
        return {
          type,
          fn: (env) => {
            const x = a(env);
            const y = b(env);
            if (typeof x === 'number' && typeof y === 'number') return x + y;
            if (typeof x === 'string' || typeof y === 'string' || type === 'String') {
              const sx = toDotNetString(x);
              const sy = toDotNetString(y);
              env.meter.string(sx.length + sy.length);
              return sx + sy;
            }
            throw new ExpressionRuntimeError('InvalidOperationException', `Operator '+' cannot be applied to ${typeOf(x)} and ${typeOf(y)}`);
          },
        };
      }
      case '-': return { fn: (env) => num(a(env)) - num(b(env)), type: 'Int32' };
      case '*': return { fn: (env) => num(a(env)) * num(b(env)), type: 'Int32' };
      case '/': case '%': {
        const mod = e.op === '%';
        return {
          type: 'Int32',
          fn: (env) => {
            const x = num(a(env));
            const y = num(b(env));
            const ints = Number.isInteger(x) && Number.isInteger(y) && l.type !== 'Double' && r.type !== 'Double';
            if (ints && y === 0) throw new ExpressionRuntimeError('DivideByZeroException', 'Attempted to divide by zero.');
            if (mod) return x % y;
            return ints ? Math.trunc(x / y) : x / y;
          },
        };
      }
      case '<': return { fn: (env) => num(a(env)) < num(b(env)), type: 'Boolean' };
      case '>': return { fn: (env) => num(a(env)) > num(b(env)), type: 'Boolean' };
      case '<=': return { fn: (env) => num(a(env)) <= num(b(env)), type: 'Boolean' };
      case '>=': return { fn: (env) => num(a(env)) >= num(b(env)), type: 'Boolean' };
      default: throw unsupported(`Operator '${e.op}' is not supported`, e.pos);
    }
  }

  stmts(body: Stmt[]): SFn {
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

  stmt(s: Stmt): SFn {
    switch (s.k) {
      case 'var': {
        if (this.isLocal(s.name)) throw unsupported(`'${s.name}' is declared twice`, s.pos);
        const init = this.expr(s.init).fn;
        this.scopes.at(-1)!.add(s.name);
        const name = s.name;
        return (env) => { env.locals!.set(name, init(env)); return NO_RETURN; };
      }
      case 'expr': { const f = this.expr(s.expr).fn; return (env) => { f(env); return NO_RETURN; }; }
      case 'return': { const f = this.expr(s.value).fn; return (env) => f(env); }
      case 'block': return this.scoped(() => this.stmts(s.body));
      case 'while': return this.loop(this.expr(s.test).fn, this.scoped(() => this.stmt(s.body)), [], true);
      case 'do': return this.loop(this.expr(s.test).fn, this.scoped(() => this.stmt(s.body)), [], false);
      case 'for': return this.scoped(() => {
        const init = this.stmts(s.init);
        const test = s.test ? this.expr(s.test).fn : undefined;
        const update = s.update.map((u) => this.expr(u).fn);
        const body = this.scoped(() => this.stmt(s.body));
        const run = this.loop(test, body, update, true);
        return (env: Env) => { init(env); return run(env); };
      });
      case 'break': return () => BREAK;
      case 'continue': return () => CONTINUE;
      case 'if': {
        const test = this.expr(s.test).fn;
        const then = this.scoped(() => this.stmt(s.then));
        const other = s.else ? this.scoped(() => this.stmt(s.else!)) : undefined;
        return (env) => (requireBool(test(env), 'if') ? then(env) : other ? other(env) : NO_RETURN);
      }
    }
  }
}

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (v === null) throw nullRef('arithmetic operand');
  throw new ExpressionRuntimeError('InvalidCastException', `Operator cannot be applied to operand of type '${typeOf(v)}'`);
}

/** A produced string or array is checked against the size limits (members that can amplify check before allocating). */
function sized(env: Env, v: Value): Value {
  if (typeof v === 'string') { if (v.length > 64) env.meter.string(v.length); } else if (Array.isArray(v)) env.meter.collection(v.length);
  return v;
}

/**
 * The evaluator's boundary: what escapes is always a coded error. .NET exceptions and limits pass as they are; a
 * JavaScript error (a twin defect, or the engine refusing a size) becomes ERR_APIM_EXPRESSION_INTERNAL, still an
 * ExpressionRuntimeError so that the request gets ExpressionValueEvaluationFailure and the process lives on.
 */
function guard(e: unknown): ExpressionRuntimeError {
  if (e instanceof ExpressionRuntimeError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new ExpressionRuntimeError('InsufficientExecutionStackException', 'Insufficient stack to continue executing the expression.', 'ERR_APIM_EXPRESSION_LIMIT', e);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new ExpressionRuntimeError('Exception', `Internal error while evaluating the expression: ${msg}`, 'ERR_APIM_EXPRESSION_INTERNAL', e);
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
  let program: Program;
  let c: Compiler;
  let run: (env: Env) => Value;
  let resultType: string;
  try {
    program = parseProgram(source, limits);
    c = new Compiler(limits.maxDepth);
    if (program.kind === 'expr') {
      const compiled = c.expr(program.expr);
      run = compiled.fn;
      resultType = compiled.type;
    } else {
      const body = c.stmts(program.body);
      resultType = 'Object';
      run = (env) => {
        const r = body(env);
        if (r === NO_RETURN || r === BREAK || r === CONTINUE) throw new ExpressionRuntimeError('InvalidOperationException', 'The expression block did not return a value.');
        return r;
      };
    }
  } catch (e) {
    if (e instanceof TwinError) throw e;
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new TwinError('ERR_APIM_EXPRESSION_LIMIT', 'The expression is nested too deeply', { cause: e });
    throw new TwinError('ERR_APIM_EXPRESSION_INTERNAL', `Internal error while compiling the expression: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const isBlock = program.kind === 'block';
  return {
    source,
    resultType,
    evaluate: (ctx) => {
      try {
        return run({ ctx, locals: isBlock ? new Map() : null, meter: new Meter(limits, stopwatch) });
      } catch (e) {
        throw guard(e);
      }
    },
  };
}

/** True when the trimmed text is a whole `@(…)` or `@{…}` expression. */
export function isExpressionText(text: string): boolean {
  const s = text.trim();
  return (s.startsWith('@(') && s.endsWith(')')) || (s.startsWith('@{') && s.endsWith('}'));
}
