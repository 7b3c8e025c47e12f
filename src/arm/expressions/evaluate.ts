import { isTwinError } from '../../core/index.js';
import { armError } from '../errors.js';
import type { ExprNode } from './ast.js';
import type { EvalContext } from './context.js';
import { lookupFunction } from './functions/registry.js';
import { parseTemplateString } from './parser.js';
import { ArmLambda, getIndex, getProperty, typeName } from './values.js';
import { ARM_LIMITS, Budget, resultCost } from './limits.js';

function arityText(min: number, max: number | undefined): string {
  if (max === undefined || max === Infinity) return `at least ${min}`;
  return min === max ? `${min}` : `between ${min} and ${max}`;
}

function callUserFunction(node: Extract<ExprNode, { kind: 'call' }>, ctx: EvalContext): unknown {
  const udf = ctx.userFunction?.(node.name);
  if (!udf) return undefined;
  const depth = (ctx.callDepth ?? 0) + 1;
  if (depth > ARM_LIMITS.maxCallDepth) {
    throw armError('ERR_ARM_LIMIT_EXCEEDED', `User-defined functions and lambdas call each other more than ${ARM_LIMITS.maxCallDepth} levels deep (docs/limits.md).`, undefined, {
      limit: 'maxCallDepth',
      max: ARM_LIMITS.maxCallDepth,
    });
  }
  const args = node.args.map((a) => evaluateNode(a, ctx));
  return { value: udf(args, { ...ctx, callDepth: depth }) };
}

function callFunction(node: Extract<ExprNode, { kind: 'call' }>, ctx: EvalContext): unknown {
  if (node.name.includes('.')) {
    const called = callUserFunction(node, ctx) as { value: unknown } | undefined;
    if (called) return called.value;
  }
  const fn = lookupFunction(node.name);
  if (!fn) {
    const message = node.name.includes('.')
      ? `The template function '${node.name}' is not defined: no user-defined function of that namespace and name. Please see https://aka.ms/arm-functions for usage details.`
      : `The template function '${node.name}' is not valid. Please see https://aka.ms/arm-functions for usage details.`;
    if (ctx.loose) {
      ctx.warn(`${message} (loose mode: evaluated as null)`);
      return null;
    }
    throw armError('ERR_ARM_FUNCTION_UNKNOWN', message, undefined, { function: node.name, offset: node.offset });
  }
  const n = node.args.length;
  if (n < fn.min || (fn.max !== undefined && n > fn.max)) {
    throw armError(
      'ERR_ARM_FUNCTION_ARGUMENTS',
      `The template language function '${node.name}' must have ${arityText(fn.min, fn.max)} parameter(s), but ${n} were provided.`,
      undefined,
      { function: node.name, offset: node.offset },
    );
  }
  const env = { ctx, name: node.name, offset: node.offset };
  let result: unknown;
  if (fn.lazy) result = fn.impl(node.args.map((a) => () => evaluateNode(a, ctx)), { ...env, nodes: node.args });
  else {
    const args = node.args.map((a) => evaluateNode(a, ctx));
    // Functions read their arguments: charge their top-level sizes (contains, indexOf, join… are linear).
    if (ctx.budget) for (const a of args) ctx.budget.charge(typeof a === 'string' ? a.length >> 4 : Array.isArray(a) ? a.length : 0);
    result = fn.impl(args, env);
  }
  ctx.budget?.charge(resultCost(result, node.name));
  return result;
}

/** Evaluate a parsed expression. Errors are TwinErrors without location (the caller adds it). */
export function evaluateNode(node: ExprNode, ctx: EvalContext): unknown {
  ctx.budget?.charge(1);
  switch (node.kind) {
    case 'string':
    case 'int':
      return node.value;
    case 'call':
      return callFunction(node, ctx);
    case 'member':
      return getProperty(evaluateNode(node.object, ctx), node.property);
    case 'index': {
      const target = evaluateNode(node.object, ctx);
      const index = evaluateNode(node.index, ctx);
      if (target === null || target === undefined) {
        throw armError('ERR_ARM_EXPRESSION_EVAL', `The language expression property '${String(index)}' can't be evaluated on a value of type '${typeName(target)}'.`);
      }
      return getIndex(target, index);
    }
  }
}

/**
 * Evaluate one template string: literal, `[[` escape or `[expression]`. Every error that leaves is a
 * TwinError: a stack overflow is the nesting limit, anything else unexpected is ERR_ARM_INTERNAL.
 */
export function evaluateTemplateString(s: string, ctx: EvalContext): unknown {
  try {
    const parsed = parseTemplateString(s);
    if (parsed.kind === 'literal') return parsed.value;
    const budget = ctx.budget ?? new Budget();
    const inner = ctx.budget ? ctx : { ...ctx, budget };
    const value = budget.run(() => evaluateNode(parsed.ast, inner));
    if (value instanceof ArmLambda) {
      throw armError('ERR_ARM_EXPRESSION_EVAL', "A lambda function can only be used as an argument of filter, map, reduce, sort, toObject, groupBy or mapValues; it is not a value.");
    }
    return value;
  } catch (e) {
    throw codedError(e);
  }
}

/** A TwinError for anything thrown inside the evaluator. */
export function codedError(e: unknown): unknown {
  if (isTwinError(e)) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return armError('ERR_ARM_LIMIT_EXCEEDED', `The template language expression nests values or calls too deeply for the twin (docs/limits.md).`, undefined, {
      limit: 'maxJsonDepth',
      max: ARM_LIMITS.maxJsonDepth,
    });
  }
  return armError('ERR_ARM_INTERNAL', `The twin failed to evaluate the template language expression: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
}

/** All call nodes in an expression (for implicit dependencies). */
export function collectCalls(node: ExprNode, name: string | ((name: string) => boolean), out: Array<Extract<ExprNode, { kind: 'call' }>> = []): typeof out {
  switch (node.kind) {
    case 'call':
      if (typeof name === 'string' ? node.name.toLowerCase() === name.toLowerCase() : name(node.name)) out.push(node);
      for (const a of node.args) collectCalls(a, name, out);
      break;
    case 'member':
      collectCalls(node.object, name, out);
      break;
    case 'index':
      collectCalls(node.object, name, out);
      collectCalls(node.index, name, out);
      break;
    default:
      break;
  }
  return out;
}
