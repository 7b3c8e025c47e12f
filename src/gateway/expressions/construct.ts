/** `new T(…)` for the allowed types, arrays, and .NET exception objects (`throw new Exception("…")`). */
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { castTo, normalizeType } from './types.js';
import { argOutOfRange, defaultOf, ExpressionRuntimeError, netError, requireInt, toDotNetString, type HostValue, type Value } from './values.js';

/** A caught or constructed exception: wraps the .NET-style error it throws. */
export class ExceptionV implements HostValue {
  readonly $type = 'Exception';
  constructor(readonly error: ExpressionRuntimeError) {}
  netString(): string { return `System.${this.error.exceptionType}: ${this.error.message}`; }
}

export const EXCEPTION_TABLE: TypeTable = {
  props: {
    Message: { type: 'String', get: (e) => (e as ExceptionV).error.message },
    InnerException: { type: 'Exception', get: () => null },
    StackTrace: { type: 'String', get: () => '' },
    Source: { type: 'String', get: () => 'Microsoft.WindowsAzure.ApiManagement.Proxy' },
    HResult: { type: 'Int32', get: () => -2146233088 },
  },
  methods: {
    ToString: { type: 'String', call: (e) => (e as ExceptionV).netString() },
    GetBaseException: { type: 'Exception', call: (e) => e },
  },
};

export function newObject(head: string, table: StaticTable | undefined, args: Value[], typeArgs: string[], env: Env): Value {
  if (head.endsWith('Exception') && !table?.ctor) {
    const message = args[0] === undefined ? `Exception of type 'System.${head}' was thrown.` : toDotNetString(args[0]);
    return new ExceptionV(new ExpressionRuntimeError(head, message)) as unknown as Value;
  }
  return table!.ctor!(args, typeArgs, env);
}

/** `new T[n]`, `new T[] { … }`, `new[] { … }`; byte arrays are Uint8Array. */
export function newArray(elem: string, size: Value | undefined, items: Value[] | undefined, env: Env): Value {
  const t = normalizeType(elem);
  let n = items?.length ?? 0;
  if (size !== undefined) {
    n = requireInt(size, 'size');
    if (n < 0) throw netError('OverflowException', 'Arithmetic operation resulted in an overflow.');
    if (items && items.length !== n) throw argOutOfRange('An array initializer of the wrong length');
  }
  env.meter.collection(n);
  if (t === 'Byte') {
    const out = new Uint8Array(n);
    items?.forEach((x, i) => { out[i] = requireInt(castTo('Byte', x, 'Int32'), 'value'); });
    return out;
  }
  if (items) return t === 'Object' ? items : items.map((x) => (x === null ? null : castTo(t, x, typeof x === 'number' ? (Number.isInteger(x) ? 'Int32' : 'Double') : 'Object')));
  return new Array<Value>(n).fill(defaultOf(t));
}

