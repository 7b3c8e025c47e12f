import { TwinError } from '../../core/index.js';

/**
 * Limits on policy expressions (docs/limits.md, "APIM policies and policy expressions"). They protect the twin: one
 * policy or one request may not crash or freeze the process. APIM documents none of these for expressions; the values
 * are far above what real policies need (the largest corpus expression is a few KB and runs in microseconds).
 */
export const EXPRESSION_LIMITS = {
  /** Characters of one `@(…)`/`@{…}` source (APIM's own policy document limit is 256 KiB). */
  maxSourceLength: 256 * 1024,
  /** Nesting depth of the syntax tree (parentheses, calls, operators, statements). */
  maxDepth: 200,
  /** Characters of any string an expression produces. */
  maxStringLength: 4 * 1024 * 1024,
  /** Elements of any array, list, dictionary or JSON container an expression produces. */
  maxCollectionLength: 1024 * 1024,
  /** Characters plus elements produced by one evaluation, summed (≈ memory). */
  maxAllocation: 32 * 1024 * 1024,
  /** Evaluation steps (calls, operators, loop iterations, lambda invocations) of one evaluation. */
  maxSteps: 1_000_000,
  /** Nested calls of local functions (recursion) in one evaluation. */
  maxCallDepth: 100,
  /** Wall-clock time of one evaluation, in milliseconds (realistic expressions take microseconds). */
  maxMilliseconds: 500,
} as const;

export type ExpressionLimits = { -readonly [K in keyof typeof EXPRESSION_LIMITS]: number };

/** A compile-time limit (source too long or too deeply nested): refused at load with a location. */
export function compileLimitError(message: string, offset: number): TwinError {
  return new TwinError('ERR_APIM_EXPRESSION_LIMIT', message, { details: { offset } });
}
