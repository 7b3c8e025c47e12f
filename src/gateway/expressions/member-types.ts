import type { HostContext } from './host.js';
import type { Meter } from './meter.js';
import type { HostValue, Value } from './values.js';

/** What an expression evaluates against. */
export interface Env {
  readonly ctx: HostContext;
  /** Local variables (and lambda parameters) of one evaluation, by slot number assigned at compile time. */
  readonly slots: Value[];
  /** Step, size and time bounds of this evaluation. */
  readonly meter: Meter;
}

/** A static result type, or a function of the generic arguments and the argument/target static types. */
export type TypeFn = string | ((typeArgs: string[], argTypes: string[], targetType: string) => string);

/** Declared result types (a type name, 'Object' when unknown) drive load-time member checks and numeric semantics. */
export interface PropertyEntry {
  type: TypeFn;
  get(target: Value, env: Env): Value;
  set?(target: Value, value: Value, env: Env): void;
}
export interface MethodEntry {
  type: TypeFn;
  call(target: Value, args: Value[], typeArgs: string[], env: Env): Value;
  /** Parameter names, for named arguments (`As<JObject>(preserveContent: true)`). */
  names?: readonly string[];
  /**
   * Parameter types of every overload, by position (`Double` for `AddSeconds`), where the compiler checks arguments
   * at load time: an argument whose static type C# cannot convert implicitly is CS1503 (ERR_APIM_EXPRESSION_INVALID).
   */
  params?: readonly string[];
}
export interface IndexEntry {
  type: TypeFn;
  get(target: Value, args: Value[], env: Env): Value;
  set?(target: Value, args: Value[], value: Value, env: Env): void;
}

/** The complete list of members reachable on one type: nothing else is visible to expressions. */
export interface TypeTable {
  props: Record<string, PropertyEntry>;
  methods: Record<string, MethodEntry>;
  index?: IndexEntry;
}

/** A static class or the static side of a type (`Convert.ToBase64String`, `string.Empty`, `new Uri(…)`). */
export interface StaticTable extends TypeTable {
  /** `new T(args)`; `typeArgs` from `new List<string>()`. */
  ctor?: (args: Value[], typeArgs: string[], env: Env) => Value;
  /** Static type of `new T(…)`, default the type name itself. */
  ctorType?: string;
}

/** An `out`/`ref` argument: the method writes the variable through it. */
export class OutRef implements HostValue {
  readonly $type = 'Ref';
  constructor(readonly get: () => Value, readonly set: (v: Value) => void) {}
}

/** A lambda (`x => …`): `invoke` evaluates its body with the parameters bound. */
export class Lambda implements HostValue {
  readonly $type = 'Lambda';
  constructor(readonly arity: number, readonly invoke: (args: Value[]) => Value) {}
  netString(): string { return 'System.Func`' + (this.arity + 1); }
}

/** Own-property lookup only: expressions never reach Object.prototype members. */
export function own<T>(rec: Record<string, T> | undefined, key: string): T | undefined {
  return rec !== undefined && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** Resolve a TypeFn. */
export function resultType(t: TypeFn, typeArgs: string[], argTypes: string[], targetType: string): string {
  return typeof t === 'string' ? t : t(typeArgs, argTypes, targetType);
}

/** `T.TryParse(s, out x)`: runs `parse`, writes the result or `dflt` through the out argument; .NET exceptions mean false. */
export function tryParse(parse: () => Value, out: Value | undefined, dflt: Value): boolean {
  try {
    const v = parse();
    if (out instanceof OutRef) out.set(v);
    return true;
  } catch (e) {
    if (!(e instanceof Error) || !('exceptionType' in e)) throw e;
    if (out instanceof OutRef) out.set(dflt);
    return false;
  }
}
