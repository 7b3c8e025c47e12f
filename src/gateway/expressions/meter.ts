import { performance } from 'node:perf_hooks';
import { EXPRESSION_LIMITS, type ExpressionLimits } from './limits.js';
import { ExpressionRuntimeError } from './values.js';

export const limitExceeded = (message: string): ExpressionRuntimeError =>
  new ExpressionRuntimeError('InsufficientExecutionStackException', message, { code: 'ERR_APIM_EXPRESSION_LIMIT' });

/** Time source of the evaluation watchdog (a resource guard, not the twin's clock); replaceable in tests. */
export type Stopwatch = () => number;

/**
 * Bounds one evaluation: steps, produced characters/elements and wall time. Every member that can grow a string or a
 * collection asks `size()` before it allocates, so no single call can exceed the limits either.
 */
export class Meter {
  #steps = 0;
  #allocated = 0;
  #depth = 0;
  readonly #deadline: number;
  constructor(readonly limits: ExpressionLimits = EXPRESSION_LIMITS, readonly now: Stopwatch = () => performance.now()) {
    this.#deadline = now() + limits.maxMilliseconds;
  }

  /** One evaluation step; the clock is read every 1024 steps. */
  step(): void {
    const n = ++this.#steps;
    if (n > this.limits.maxSteps) throw limitExceeded(`The expression exceeded ${this.limits.maxSteps} evaluation steps`);
    if ((n & 1023) === 0 && this.now() > this.#deadline) throw limitExceeded(`The expression ran longer than ${this.limits.maxMilliseconds} ms`);
  }

  /** A local function call begins (recursion is bounded: .NET would end the process with a stack overflow). */
  enter(): void {
    this.step();
    if (++this.#depth > this.limits.maxCallDepth) {
      this.#depth = 0;
      throw limitExceeded(`The expression nested local function calls more than ${this.limits.maxCallDepth} deep`);
    }
  }

  leave(): void {
    if (this.#depth > 0) this.#depth--;
  }

  /** Before producing a string of `length` characters. */
  string(length: number): void {
    if (!(length <= this.limits.maxStringLength)) throw limitExceeded(`The expression produced a string of ${length} characters (limit ${this.limits.maxStringLength})`);
    this.#charge(length);
  }

  /** Before producing a collection of `length` elements. */
  collection(length: number): void {
    if (!(length <= this.limits.maxCollectionLength)) throw limitExceeded(`The expression produced a collection of ${length} elements (limit ${this.limits.maxCollectionLength})`);
    this.#charge(length);
  }

  #charge(n: number): void {
    this.#allocated += n;
    if (this.#allocated > this.limits.maxAllocation) throw limitExceeded(`The expression allocated more than ${this.limits.maxAllocation} characters and elements`);
  }
}
