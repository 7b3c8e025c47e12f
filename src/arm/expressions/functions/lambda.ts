import { armError } from '../../errors.js';
import type { ArmFunction, EvalContext } from '../context.js';
import { evaluateNode } from '../evaluate.js';
import { ARM_LIMITS, checkCollectionLength } from '../limits.js';
import { ArmLambda, expectBool, expectString, findKey, fnError, isObject, setProp, typeName } from '../values.js';
import type { JsonObject } from '../values.js';

/** Apply a lambda to arguments (extra arguments, e.g. the index, are dropped when it declares fewer). */
export function applyLambda(fn: string, lambda: ArmLambda, args: unknown[]): unknown {
  const depth = (lambda.ctx.callDepth ?? 0) + 1;
  if (depth > ARM_LIMITS.maxCallDepth) {
    throw armError('ERR_ARM_LIMIT_EXCEEDED', `User-defined functions and lambdas call each other more than ${ARM_LIMITS.maxCallDepth} levels deep (docs/limits.md).`, undefined, {
      limit: 'maxCallDepth',
      max: ARM_LIMITS.maxCallDepth,
    });
  }
  const scope = new Map(lambda.ctx.lambdaScope ?? []);
  lambda.params.forEach((p, i) => scope.set(p.toLowerCase(), args[i]));
  const ctx: EvalContext = { ...lambda.ctx, lambdaScope: scope, callDepth: depth };
  void fn;
  return evaluateNode(lambda.body, ctx);
}

function expectLambda(v: unknown, fn: string, position: number, params: { min: number; max: number }): ArmLambda {
  if (!(v instanceof ArmLambda)) {
    throw fnError(fn, `parameter ${position} must be a lambda function, not a value of type '${typeName(v)}'.`);
  }
  if (v.params.length < params.min || v.params.length > params.max) {
    const want = params.min === params.max ? `${params.min}` : `${params.min} to ${params.max}`;
    throw fnError(fn, `the lambda function of parameter ${position} must declare ${want} lambda variable(s), but declares ${v.params.length}.`);
  }
  return v;
}

function expectArray(v: unknown, fn: string, position: number): unknown[] {
  if (!Array.isArray(v)) throw fnError(fn, `parameter ${position} must be an array, not a value of type '${typeName(v)}'.`);
  return v;
}

function keyOf(v: unknown, fn: string): string {
  if (typeof v !== 'string') throw fnError(fn, `the key lambda must return a string, not a value of type '${typeName(v)}'.`);
  return v;
}

/** Bicep's lambda functions as ARM evaluates them (template-functions-lambda). */
export const lambdaFunctions: ArmFunction[] = [
  {
    name: 'lambda',
    min: 1,
    lazy: true,
    impl: (args, env) => {
      const params = args.slice(0, -1).map((a, i) => expectString(a(), 'lambda', i + 1));
      const body = env.nodes[env.nodes.length - 1]!;
      if (new Set(params.map((p) => p.toLowerCase())).size !== params.length) throw fnError('lambda', 'the lambda variable names must be unique.');
      return new ArmLambda(params, body, env.ctx);
    },
  },
  {
    name: 'lambdaVariables',
    min: 1,
    max: 1,
    impl: ([n], env) => {
      const name = expectString(n, 'lambdaVariables', 1);
      const scope = env.ctx.lambdaScope;
      if (!scope || !scope.has(name.toLowerCase())) {
        throw armError('ERR_ARM_EXPRESSION_EVAL', `The lambda variable '${name}' is not defined here: lambdaVariables() can only name a variable of an enclosing lambda.`);
      }
      return scope.get(name.toLowerCase());
    },
  },
  {
    name: 'filter',
    min: 2,
    max: 2,
    impl: ([arr, f]) => {
      const items = expectArray(arr, 'filter', 1);
      const lambda = expectLambda(f, 'filter', 2, { min: 1, max: 2 });
      return items.filter((x, i) => expectBool(applyLambda('filter', lambda, [x, i]), 'filter', 2));
    },
  },
  {
    name: 'map',
    min: 2,
    max: 2,
    impl: ([arr, f]) => {
      const items = expectArray(arr, 'map', 1);
      const lambda = expectLambda(f, 'map', 2, { min: 1, max: 2 });
      return items.map((x, i) => applyLambda('map', lambda, [x, i]));
    },
  },
  {
    name: 'reduce',
    min: 3,
    max: 3,
    impl: ([arr, initial, f]) => {
      const items = expectArray(arr, 'reduce', 1);
      const lambda = expectLambda(f, 'reduce', 3, { min: 2, max: 3 });
      let acc = initial;
      items.forEach((x, i) => {
        acc = applyLambda('reduce', lambda, [acc, x, i]);
      });
      return acc;
    },
  },
  {
    name: 'sort',
    min: 2,
    max: 2,
    impl: ([arr, f]) => {
      const items = expectArray(arr, 'sort', 1);
      const lambda = expectLambda(f, 'sort', 2, { min: 2, max: 2 });
      // A stable merge sort driven by "a comes before b" (true) like .NET's comparison from a bool.
      const before = (a: unknown, b: unknown) => expectBool(applyLambda('sort', lambda, [a, b]), 'sort', 2);
      return [...items].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    },
  },
  {
    name: 'toObject',
    min: 2,
    max: 3,
    impl: ([arr, k, v]) => {
      const items = expectArray(arr, 'toObject', 1);
      const keyLambda = expectLambda(k, 'toObject', 2, { min: 1, max: 1 });
      const valueLambda = v === undefined ? undefined : expectLambda(v, 'toObject', 3, { min: 1, max: 1 });
      const out: JsonObject = {};
      for (const x of items) {
        const key = keyOf(applyLambda('toObject', keyLambda, [x]), 'toObject');
        const existing = findKey(out, key);
        if (existing !== undefined) delete out[existing];
        setProp(out, key, valueLambda ? applyLambda('toObject', valueLambda, [x]) : x);
      }
      return out;
    },
  },
  {
    name: 'groupBy',
    min: 2,
    max: 3,
    impl: ([arr, k, v]) => {
      const items = expectArray(arr, 'groupBy', 1);
      const keyLambda = expectLambda(k, 'groupBy', 2, { min: 1, max: 1 });
      const valueLambda = v === undefined ? undefined : expectLambda(v, 'groupBy', 3, { min: 1, max: 1 });
      const out: JsonObject = {};
      for (const x of items) {
        const key = keyOf(applyLambda('groupBy', keyLambda, [x]), 'groupBy');
        const existing = findKey(out, key) ?? key;
        const group = (out[existing] as unknown[] | undefined) ?? [];
        group.push(valueLambda ? applyLambda('groupBy', valueLambda, [x]) : x);
        setProp(out, existing, group);
      }
      return out;
    },
  },
  {
    name: 'mapValues',
    min: 2,
    max: 2,
    impl: ([obj, f]) => {
      if (!isObject(obj)) throw fnError('mapValues', `parameter 1 must be an object, not a value of type '${typeName(obj)}'.`);
      const lambda = expectLambda(f, 'mapValues', 2, { min: 1, max: 1 });
      const out: JsonObject = {};
      for (const [key, value] of Object.entries(obj)) setProp(out, key, applyLambda('mapValues', lambda, [value]));
      checkCollectionLength(Object.keys(out).length, 'mapValues');
      return out;
    },
  },
];
