import { armError } from '../errors.js';

/**
 * Limits of the ARM template language in the twin (docs/limits.md, "ARM templates and expressions").
 * Where Azure documents a limit (template size, expression length) the twin uses Azure's value; the
 * others protect the twin: no value an expression builds may exhaust memory, no expression may run
 * unbounded.
 */
export const ARM_LIMITS = {
  /** Azure: "The template size is limited to 4 MB" (templates/best-practices.md, template limits). */
  maxTemplateBytes: 4 * 1024 * 1024,
  /** Azure: a parameters file is limited to 4 MB (same page). */
  maxParametersBytes: 4 * 1024 * 1024,
  /** Azure: "Expression: 24,576 characters" (template limits). */
  maxExpressionLength: 24_576,
  /** Twin: nesting of calls, member and index accesses in one expression. */
  maxExpressionDepth: 200,
  /** Twin: nesting of JSON objects/arrays in a template or parameters file, and of values built by functions. */
  maxJsonDepth: 256,
  /** Twin: characters of one string a function produces (4 × the template limit). */
  maxStringLength: 16 * 1024 * 1024,
  /** Twin: elements of one array (or properties of one object) a function produces. */
  maxCollectionLength: 1_048_576,
  /** Twin: evaluation steps for one template expression (nodes evaluated + work units of the functions). */
  maxStepsPerExpression: 10_000_000,
  /** Twin: evaluation steps for a whole deployment (all expressions, nested deployments included). */
  maxStepsPerDeployment: 200_000_000,
  /** Twin: depth of user-defined function and lambda calls. */
  maxCallDepth: 64,
} as const;

export type ArmLimits = { -readonly [K in keyof typeof ARM_LIMITS]: number };

export function limitError(message: string, limit: keyof typeof ARM_LIMITS, value?: number): Error {
  return armError('ERR_ARM_LIMIT_EXCEEDED', message, undefined, { limit, max: ARM_LIMITS[limit], ...(value !== undefined ? { value } : {}) });
}

/**
 * Counts evaluation work. One budget per deployment; `expression()` starts the per-expression count.
 * Functions charge work proportional to what they read and build, so that total time and memory of an
 * evaluation are bounded by the budget.
 */
export class Budget {
  #deploymentSteps = 0;
  #expressionSteps = 0;
  readonly #limits: { perExpression: number; perDeployment: number };
  readonly #deadline: number;
  #sinceClock = 0;

  constructor(options: { perExpression?: number; perDeployment?: number; deadlineMs?: number } = {}) {
    this.#limits = {
      perExpression: options.perExpression ?? ARM_LIMITS.maxStepsPerExpression,
      perDeployment: options.perDeployment ?? ARM_LIMITS.maxStepsPerDeployment,
    };
    this.#deadline = options.deadlineMs === undefined ? Infinity : performance.now() + options.deadlineMs;
  }

  #depth = 0;

  /** Run one template expression; the per-expression count restarts for top-level (not nested) expressions. */
  run<T>(fn: () => T): T {
    if (this.#depth === 0) this.#expressionSteps = 0;
    this.#depth++;
    try {
      return fn();
    } finally {
      this.#depth--;
    }
  }

  charge(units: number): void {
    this.#expressionSteps += units;
    this.#deploymentSteps += units;
    if (this.#expressionSteps > this.#limits.perExpression) {
      throw armError(
        'ERR_ARM_LIMIT_EXCEEDED',
        `The template language expression needs more than ${this.#limits.perExpression} evaluation steps; the twin stops it there (docs/limits.md).`,
        undefined,
        { limit: 'maxStepsPerExpression', max: this.#limits.perExpression },
      );
    }
    if (this.#deploymentSteps > this.#limits.perDeployment) {
      throw armError(
        'ERR_ARM_LIMIT_EXCEEDED',
        `The deployment needs more than ${this.#limits.perDeployment} evaluation steps; the twin stops it there (docs/limits.md).`,
        undefined,
        { limit: 'maxStepsPerDeployment', max: this.#limits.perDeployment },
      );
    }
    this.#sinceClock += units;
    if (this.#sinceClock > 65_536 && this.#deadline !== Infinity) {
      this.#sinceClock = 0;
      if (performance.now() > this.#deadline) {
        throw armError('ERR_ARM_LIMIT_EXCEEDED', 'The deployment ran out of its evaluation time (docs/limits.md).', undefined, { limit: 'deadline' });
      }
    }
  }

  get steps(): number {
    return this.#deploymentSteps;
  }
}

function checkLength(length: number, fn: string, limit: 'maxStringLength' | 'maxCollectionLength', what: string): void {
  if (length > ARM_LIMITS[limit]) {
    throw limitError(`The template language function '${fn}' would build ${what.replace('N', String(length))}; the twin's limit is ${ARM_LIMITS[limit]} (docs/limits.md).`, limit, length);
  }
}

/** Refuse a string length before building the string. */
export function checkStringLength(length: number, fn: string): void {
  checkLength(length, fn, 'maxStringLength', 'a string of N characters');
}

/** Refuse an array or object size before building it. */
export function checkCollectionLength(length: number, fn: string): void {
  checkLength(length, fn, 'maxCollectionLength', 'a collection of N elements');
}

/** Work units of a value a function returned (its top-level size); also enforces the size limits. */
export function resultCost(value: unknown, fn: string): number {
  if (typeof value === 'string') {
    checkStringLength(value.length, fn);
    return 1 + (value.length >> 4);
  }
  if (Array.isArray(value)) {
    checkCollectionLength(value.length, fn);
    return 1 + value.length;
  }
  if (value !== null && typeof value === 'object') {
    // Objects built by functions are bounded by their inputs; count keys lazily only for large ones.
    return 1;
  }
  return 1;
}

/**
 * Approximate size in characters of `value` serialized as JSON, stopping as soon as it exceeds `max`
 * (then returns a number > max). Iterative, so deep values cannot overflow the stack.
 */
export function jsonSizeUpTo(value: unknown, max: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      size += 2 + entries.length;
      for (let i = entries.length - 1; i >= 0; i--) {
        size += entries[i]![0].length + 3;
        stack.push(entries[i]![1]);
      }
    } else size += v === undefined ? 4 : String(v).length;
    if (size > max) return size;
  }
  return size;
}

/** Nesting depth of `value`, stopping once it exceeds `max`. Iterative. */
export function depthUpTo(value: unknown, max: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > deepest) deepest = depth;
    if (deepest > max) return deepest;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, depth]);
  }
  return deepest;
}
