import { TwinError } from '../../core/index.js';
import type { Expr, Program, Stmt } from './ast.js';
import type { HostContext } from './host.js';
import type { Env, TypeTable } from './member-types.js';
import { ARRAY_TABLE, BOOL_TABLE, GUID_TABLE, INT_TABLE, STATIC_TABLES, STRING_TABLE } from './members-basic.js';
import { CONTEXT_TABLES } from './members-context.js';
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
type SFn = (env: Env) => Value | typeof NO_RETURN;

class Compiler {
  readonly locals = new Set<string>();

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
    switch (e.k) {
      case 'lit': {
        const v = e.value;
        return { fn: () => v, type: { string: 'String', char: 'String', int: 'Int32', double: 'Double', bool: 'Boolean', null: 'Object' }[e.type] };
      }
      case 'name': {
        const name = e.name;
        if (this.locals.has(name)) return { fn: (env) => env.locals!.get(name) ?? null, type: 'Object' };
        if (name === 'context') return { fn: (env) => env.ctx, type: 'Context' };
        throw unsupported(`Unknown name '${name}'`, e.pos);
      }
      case 'member': {
        if (e.target.k === 'name' && !this.locals.has(e.target.name) && own(STATIC_TABLES, e.target.name)) {
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
            const entry = bound ?? own(own(TYPE_TABLES, typeOf(v))?.props, name);
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
        if (e.target.k === 'name' && !this.locals.has(e.target.name) && own(STATIC_TABLES, e.target.name)) {
          entry = own(STATIC_TABLES[e.target.name]!.methods, e.name);
          if (!entry) throw unsupported(`Unsupported static method '${e.target.name}.${e.name}'`, e.pos);
          const m = entry;
          return { fn: (env) => m.call(null, args.map((a) => a(env)), typeArgs, env), type: typeof m.type === 'string' ? m.type : m.type(typeArgs) };
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
            const m = bound ?? own(own(TYPE_TABLES, typeOf(v))?.methods, name);
            if (!m) throw new ExpressionRuntimeError('MissingMethodException', `'${typeOf(v)}' has no method '${name}'`);
            return m.call(v, args.map((a) => a(env)), typeArgs, env);
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
            const ix = bound ?? own(TYPE_TABLES, typeOf(v))?.index;
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
        return { fn: (env) => parts.map((p) => p(env)).join(''), type: 'String' };
      }
      case 'assign': {
        if (!this.locals.has(e.name)) throw unsupported(`Assignment to '${e.name}' is not supported`, e.pos);
        const v = this.expr(e.value).fn;
        const name = e.name;
        return { fn: (env) => { const x = v(env); env.locals!.set(name, x); return x; }, type: 'Object' };
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
            if (typeof x === 'string' || typeof y === 'string' || type === 'String') return toDotNetString(x) + toDotNetString(y);
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
      for (const f of fns) { const r = f(env); if (r !== NO_RETURN) return r; }
      return NO_RETURN;
    };
  }

  stmt(s: Stmt): SFn {
    switch (s.k) {
      case 'var': {
        if (this.locals.has(s.name)) throw unsupported(`'${s.name}' is declared twice`, s.pos);
        const init = this.expr(s.init).fn;
        this.locals.add(s.name);
        const name = s.name;
        return (env) => { env.locals!.set(name, init(env)); return NO_RETURN; };
      }
      case 'expr': { const f = this.expr(s.expr).fn; return (env) => { f(env); return NO_RETURN; }; }
      case 'return': { const f = this.expr(s.value).fn; return (env) => f(env); }
      case 'block': return this.stmts(s.body);
      case 'if': {
        const test = this.expr(s.test).fn;
        const then = this.stmt(s.then);
        const other = s.else ? this.stmt(s.else) : undefined;
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

/** Parse + check + compile once (load time). Throws TwinError ERR_APIM_EXPRESSION_* with `details.offset`. */
export function compileExpression(source: string): CompiledExpression {
  const program: Program = parseProgram(source);
  const c = new Compiler();
  if (program.kind === 'expr') {
    const { fn, type } = c.expr(program.expr);
    return { source, resultType: type, evaluate: (ctx) => fn({ ctx, locals: null }) };
  }
  const body = c.stmts(program.body);
  return {
    source,
    resultType: 'Object',
    evaluate: (ctx) => {
      const r = body({ ctx, locals: new Map() });
      if (r === NO_RETURN) throw new ExpressionRuntimeError('InvalidOperationException', 'The expression block did not return a value.');
      return r;
    },
  };
}

/** True when the trimmed text is a whole `@(…)` or `@{…}` expression. */
export function isExpressionText(text: string): boolean {
  const s = text.trim();
  return (s.startsWith('@(') && s.endsWith(')')) || (s.startsWith('@{') && s.endsWith('}'));
}
