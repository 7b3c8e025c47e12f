import { armError } from '../errors.js';
import type { ExprNode } from './ast.js';
import type { EvalContext } from './context.js';
import { lookupFunction } from './functions/registry.js';
import { parseTemplateString } from './parser.js';
import { getIndex, getProperty, typeName } from './values.js';

function arityText(min: number, max: number | undefined): string {
  if (max === undefined || max === Infinity) return `at least ${min}`;
  return min === max ? `${min}` : `between ${min} and ${max}`;
}

function callFunction(node: Extract<ExprNode, { kind: 'call' }>, ctx: EvalContext): unknown {
  const fn = lookupFunction(node.name);
  if (!fn) {
    const message = `The template function '${node.name}' is not valid. Please see https://aka.ms/arm-functions for usage details.`;
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
  if (fn.lazy) return fn.impl(node.args.map((a) => () => evaluateNode(a, ctx)), env);
  return fn.impl(node.args.map((a) => evaluateNode(a, ctx)), env);
}

/** Evaluate a parsed expression. Errors are TwinErrors without location (the caller adds it). */
export function evaluateNode(node: ExprNode, ctx: EvalContext): unknown {
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

/** Evaluate one template string: literal, `[[` escape or `[expression]`. */
export function evaluateTemplateString(s: string, ctx: EvalContext): unknown {
  const parsed = parseTemplateString(s);
  return parsed.kind === 'literal' ? parsed.value : evaluateNode(parsed.ast, ctx);
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
