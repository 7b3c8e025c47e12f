import type { Budget } from './limits.js';

import type { ExprNode } from './ast.js';

export type ScopeKind = 'resourceGroup' | 'subscription' | 'managementGroup' | 'tenant';

/** What the evaluator needs from the deployment around it. */
export interface EvalScope {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
  /** The deployment's scope (default: resourceGroup). */
  kind?: ScopeKind;
  /** Management group name at management-group scope. */
  managementGroup?: string;
}

/** A user-defined function as the evaluator calls it (arguments already evaluated). */
export type UserFunction = (args: unknown[], caller: EvalContext) => unknown;

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
  /** `ns.member(...)`: the template's user-defined functions. */
  userFunction?(name: string): UserFunction | undefined;
  /** Lambda variables in scope (innermost lambda first in lookup). */
  readonly lambdaScope?: ReadonlyMap<string, unknown>;
  /** Depth of user-defined function and lambda calls. */
  readonly callDepth?: number;
  /** `references(loopSymbol, 'Full'?)` (languageVersion 2.0). */
  references?(target: string, full: boolean): unknown[];
  /** Everything else a function needs from the twin (zones, providers, role definitions, management groups). */
  readonly host?: EvalHost;
}

/** Answers that come from the twin's state or documented twin values (docs/differences.md). */
export interface EvalHost {
  managementGroup?(name: string | undefined): unknown;
  environment?(): unknown;
}

/** The AST nodes of a lazily evaluated call, for functions that need them (lambda). */
export interface LazyNodes {
  nodes: readonly ExprNode[];
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
  impl(args: Array<() => unknown>, env: FunctionEnv & LazyNodes): unknown;
}

export type ArmFunction = EagerFunction | LazyFunction;
