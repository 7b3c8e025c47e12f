import type { SourceLocation } from '../../core/index.js';
import { armError, atLine, withLocation } from '../errors.js';
import { evaluateTemplateString } from '../expressions/evaluate.js';
import type { EvalContext, EvalScope, UserFunction } from '../expressions/context.js';
import { expectInt, findKey, isObject, setProp } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import type { ParsedDocument } from '../template/jsonc.js';
import { findCopyIndex } from './copy.js';
import type { CopyFrame } from './copy.js';
import { Budget } from '../expressions/limits.js';

export interface ContextOptions {
  allowReference?: boolean;
  frames?: CopyFrame[];
  parameterDefault?: { now(): number; newGuid(): string };
}

export type ReferenceHandler = (target: string, apiVersion: string | undefined, full: boolean) => unknown;
export type ReferencesHandler = (target: string, full: boolean) => unknown[];
export type ListHandler = (action: string, target: string, apiVersion: string, body: unknown) => unknown;
export type Lookup = (name: string) => unknown;

/** Evaluates template JSON values (strings as expressions) with locations for every error. */
export class ValueEvaluator {
  readonly doc: ParsedDocument;
  readonly scope: EvalScope;
  readonly loose: boolean;
  readonly warn: (m: string) => void;
  parameter: Lookup = () => undefined;
  variable: Lookup = () => undefined;
  deployment: () => unknown = () => ({});
  reference: ReferenceHandler | undefined;
  references: ReferencesHandler | undefined;
  list: ListHandler | undefined;
  userFunction: (name: string) => UserFunction | undefined = () => undefined;
  /** The template is languageVersion 2.0 (symbolic names; nested templates default to the inner scope). */
  languageVersion2 = false;
  /** One step budget for the whole deployment (nested deployments share it). */
  readonly budget: Budget;

  constructor(doc: ParsedDocument, scope: EvalScope, loose: boolean, warn: (m: string) => void, budget: Budget = new Budget()) {
    this.doc = doc;
    this.scope = scope;
    this.loose = loose;
    this.warn = warn;
    this.budget = budget;
  }

  locate(jsonPath: string): SourceLocation {
    return this.doc.locate(jsonPath);
  }

  context(options: ContextOptions = {}): EvalContext {
    const frames = options.frames ?? [];
    const allow = options.allowReference ?? false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const ctx: EvalContext = {
      scope: this.scope,
      loose: this.loose,
      parameter: (n) => self.parameter(n),
      variable: (n) => self.variable(n),
      deployment: () => self.deployment(),
      warn: (m) => self.warn(m),
      reference(target, apiVersion, full) {
        if (!allow || !self.reference) {
          throw armError(
            'ERR_ARM_REFERENCE_NOT_ALLOWED',
            "The template function 'reference' is not expected at this location. Please see https://aka.ms/arm-template-expressions for usage details.",
          );
        }
        return self.reference(target, apiVersion, full);
      },
      list(action, target, apiVersion, body) {
        if (!allow || !self.list) {
          throw armError(
            'ERR_ARM_REFERENCE_NOT_ALLOWED',
            `The template function '${action}' is not expected at this location. Please see https://aka.ms/arm-template-expressions for usage details.`,
          );
        }
        return self.list(action, target, apiVersion, body);
      },
      copyIndex(name) {
        const i = findCopyIndex(frames, name);
        if (i === undefined) {
          throw armError(
            'ERR_ARM_EXPRESSION_EVAL',
            name === undefined
              ? "The template function 'copyIndex' is not expected at this location. The function can only be used in a resource with copy specified."
              : `The template function 'copyIndex' refers to the copy loop '${name}', which is not defined here.`,
          );
        }
        return i;
      },
      references(target, full) {
        if (!allow || !self.references) {
          throw armError(
            'ERR_ARM_REFERENCE_NOT_ALLOWED',
            "The template function 'references' is not expected at this location. Please see https://aka.ms/arm-template-expressions for usage details.",
          );
        }
        return self.references(target, full);
      },
      userFunction: (name) => self.userFunction(name),
      ...(options.parameterDefault ? { parameterDefault: options.parameterDefault } : {}),
      budget: this.budget,
    };
    return ctx;
  }

  /** Evaluate a string at `jsonPath`; errors get the location and `The template <what> is not valid:` prefix. */
  evaluateString(s: string, jsonPath: string, ctx: EvalContext, what: string): unknown {
    try {
      return evaluateTemplateString(s, ctx);
    } catch (e) {
      const loc = this.locate(jsonPath);
      throw withLocation(e, loc, (msg) => `The template ${what}${atLine(loc)} is not valid: ${msg}`);
    }
  }

  /** Recursively evaluate a JSON value; `properties.copy` arrays build array properties. */
  evaluate(value: unknown, jsonPath: string, ctx: EvalContext, what: string, frames: CopyFrame[] = [], options: ContextOptions = {}): unknown {
    if (typeof value === 'string') return this.evaluateString(value, jsonPath, ctx, what);
    if (Array.isArray(value)) return value.map((v, i) => this.evaluate(v, childPath(jsonPath, i), ctx, what, frames, options));
    if (!isObject(value)) return value;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const path = childPath(jsonPath, k);
      if (k.toLowerCase() === 'copy' && Array.isArray(v) && v.every((c) => isObject(c) && 'input' in c)) {
        Object.assign(out, this.propertyCopy(v as JsonObject[], path, what, frames, options));
        continue;
      }
      setProp(out, this.evaluateKey(k, path, ctx, what), this.evaluate(v, path, ctx, what, frames, options));
    }
    return out;
  }

  /** A property name may be an expression too (`"[resourceId(...)]": {}` in `userAssignedIdentities`). */
  evaluateKey(k: string, jsonPath: string, ctx: EvalContext, what: string): string {
    if (!k.startsWith('[')) return k;
    const v = this.evaluateString(k, jsonPath, ctx, what);
    if (typeof v !== 'string') {
      const loc = this.locate(jsonPath);
      throw armError('ERR_ARM_EXPRESSION_EVAL', `The template ${what}${atLine(loc)} is not valid: the property name '${k}' must evaluate to a string.`, loc);
    }
    return v;
  }

  /** `{copy:[{name,count,input}]}` inside properties or variables. */
  propertyCopy(loops: JsonObject[], jsonPath: string, what: string, frames: CopyFrame[], options: ContextOptions, kind: CopyFrame['kind'] = 'property'): JsonObject {
    const out: JsonObject = {};
    loops.forEach((loop, li) => {
      const { name, items } = this.copyLoop(loop, childPath(jsonPath, li), what, frames, options, kind);
      setProp(out, name, items);
    });
    return out;
  }

  /** One copy loop `{name, count, input}` at `loopPath`: its name and the items it builds. */
  copyLoop(loop: JsonObject, loopPath: string, what: string, frames: CopyFrame[], options: ContextOptions, kind: CopyFrame['kind']): { name: string; items: unknown[] } {
    const ctx = this.context({ ...options, frames });
    const name = this.evaluate(loop[findKey(loop, 'name') ?? 'name'], childPath(loopPath, 'name'), ctx, what);
    const count = this.evaluate(loop[findKey(loop, 'count') ?? 'count'], childPath(loopPath, 'count'), ctx, what);
    if (typeof name !== 'string' || typeof count !== 'number') {
      const loc = this.locate(loopPath);
      throw armError('ERR_ARM_COPY_INVALID', `The template ${what}${atLine(loc)} is not valid: a copy loop needs a string 'name' and an integer 'count'.`, loc);
    }
    checkCount(count, this.locate(childPath(loopPath, 'count')), what);
    const items: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const inner = [...frames, { name, index: i, kind }];
      const innerOptions = { ...options, frames: inner };
      items.push(this.evaluate(loop[findKey(loop, 'input') ?? 'input'], childPath(loopPath, 'input'), this.context(innerOptions), what, inner, innerOptions));
    }
    return { name, items };
  }
}

export function checkCount(count: unknown, loc: SourceLocation, what: string): number {
  let n: number;
  try {
    n = expectInt(count, 'copy', 1);
  } catch {
    throw armError('ERR_ARM_COPY_INVALID', `The template ${what}${atLine(loc)} is not valid: the copy count must be an integer.`, loc);
  }
  if (n < 0 || n > 800) {
    throw armError('ERR_ARM_COPY_INVALID', `The template ${what}${atLine(loc)} is not valid: the copy count '${n}' must be between 0 and 800.`, loc);
  }
  return n;
}

/** Remove null-valued properties (recursively in objects; array elements are kept). */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) setProp(out, k, dropNulls(v));
  return out;
}
