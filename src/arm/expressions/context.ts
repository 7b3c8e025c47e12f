import type { Budget } from './limits.js';

/** What the evaluator needs from the deployment around it. */
export interface EvalScope {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
}

export interface EvalContext {
  readonly scope: EvalScope;
  readonly loose: boolean;
  parameter(name: string): unknown;
  variable(name: string): unknown;
  /** `reference(target, apiVersion?, 'Full'?)`; `target` is a resource id or a resource name of the template. */
  reference(target: string, apiVersion: string | undefined, full: boolean): unknown;
  /** `listX(target, apiVersion[, body])`: what POST {target}/{action} answers; `action` as written (e.g. `listKeys`). */
  list(action: string, target: string, apiVersion: string, body: unknown): unknown;
  /** Current index of the named (or innermost) copy loop; throws outside a loop. */
  copyIndex(loopName: string | undefined): number;
  deployment(): unknown;
  warn(message: string): void;
  /** Only while evaluating a parameter's defaultValue: `utcNow()` and `newGuid()` are allowed there. */
  readonly parameterDefault?: { now(): number; newGuid(): string };
  /** Step budget shared by the deployment; a fresh one per expression when absent. */
  readonly budget?: Budget;
}

/** What a function implementation sees besides its arguments. */
export interface FunctionEnv {
  ctx: EvalContext;
  /** The function name as written. */
  name: string;
  offset: number;
}

export interface EagerFunction {
  name: string;
  min: number;
  max?: number;
  lazy?: false;
  impl(args: unknown[], env: FunctionEnv): unknown;
}

export interface LazyFunction {
  name: string;
  min: number;
  max?: number;
  lazy: true;
  impl(args: Array<() => unknown>, env: FunctionEnv): unknown;
}

export type ArmFunction = EagerFunction | LazyFunction;
