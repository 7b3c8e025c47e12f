import { armError, atLine } from '../errors.js';
import type { EvalContext, UserFunction } from '../expressions/context.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import type { ValueEvaluator } from './evaluator.js';
import { declaredType, get, typeViolation } from './type-check.js';

/**
 * User-defined functions (`functions: [{namespace, members: {name: {parameters, output}}}]`), called as
 * `namespace.member(args)`. Classic templates (languageVersion 1.0): the body sees only its parameters —
 * no variables(), no reference()/list*(). languageVersion 2.0 (Bicep `func`) also sees the template's
 * variables and other user-defined functions.
 */
export function userFunctions(ev: ValueEvaluator, declared: unknown, options: { languageVersion2: boolean; definitions?: JsonObject }): Map<string, UserFunction> {
  const out = new Map<string, UserFunction>();
  if (declared === undefined) return out;
  const loc = ev.locate('functions');
  if (!Array.isArray(declared)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template 'functions'${atLine(loc)} must be an array of namespaces.`, loc);
  declared.forEach((ns, i) => {
    const nsPath = childPath('functions', i);
    const namespace = isObject(ns) ? get(ns, 'namespace') : undefined;
    const members = isObject(ns) ? get(ns, 'members') : undefined;
    if (typeof namespace !== 'string' || !isObject(members)) {
      throw armError('ERR_ARM_TEMPLATE_INVALID', `The template function namespace at '${nsPath}'${atLine(ev.locate(nsPath))} needs a 'namespace' and 'members'.`, ev.locate(nsPath));
    }
    for (const [member, def] of Object.entries(members)) {
      const defPath = childPath(childPath(nsPath, findKey(ns as JsonObject, 'members')!), member);
      const fullName = `${namespace}.${member}`;
      if (!isObject(def)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The user-defined function '${fullName}'${atLine(ev.locate(defPath))} must be an object.`, ev.locate(defPath));
      const params = get(def, 'parameters') ?? [];
      const output = get(def, 'output');
      if (!Array.isArray(params) || !isObject(output) || !('value' in output || findKey(output, 'value') !== undefined)) {
        throw armError('ERR_ARM_TEMPLATE_INVALID', `The user-defined function '${fullName}'${atLine(ev.locate(defPath))} needs 'parameters' (an array) and an 'output' with a 'value'.`, ev.locate(defPath));
      }
      const paramDecls = params.map((p, pi) => {
        if (!isObject(p) || typeof get(p, 'name') !== 'string') {
          throw armError('ERR_ARM_TEMPLATE_INVALID', `The parameter ${pi + 1} of the user-defined function '${fullName}'${atLine(ev.locate(defPath))} needs a 'name'.`, ev.locate(defPath));
        }
        return p;
      });
      const outputPath = childPath(childPath(defPath, findKey(def, 'output')!), findKey(output, 'value')!);
      const fn: UserFunction = (args, caller) => {
        if (args.length !== paramDecls.length) {
          throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The template language function '${fullName}' must have ${paramDecls.length} parameter(s), but ${args.length} were provided.`, undefined, { function: fullName });
        }
        const values = new Map<string, unknown>();
        paramDecls.forEach((p, pi) => {
          const name = get(p, 'name') as string;
          const violation = declaredType(p, options.definitions) === undefined ? undefined : typeViolation(args[pi], p, options.definitions);
          if (violation) throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The parameter '${name}' of the user-defined function '${fullName}' is not valid: ${violation}.`, undefined, { function: fullName });
          values.set(name.toLowerCase(), args[pi]);
        });
        const base = ev.context();
        const ctx: EvalContext = {
          ...base,
          budget: caller.budget ?? base.budget,
          callDepth: caller.callDepth ?? 0,
          parameter: (n) => {
            const key = n.toLowerCase();
            if (!values.has(key)) throw armError('ERR_ARM_EXPRESSION_EVAL', `The parameter '${n}' is not a parameter of the user-defined function '${fullName}'.`);
            return values.get(key);
          },
          variable: options.languageVersion2
            ? base.variable
            : (n) => {
                throw armError('ERR_ARM_EXPRESSION_EVAL', `The user-defined function '${fullName}' cannot use variables('${n}'): user-defined functions only see their parameters.`);
              },
          copyIndex: () => {
            throw armError('ERR_ARM_EXPRESSION_EVAL', `The template function 'copyIndex' is not expected in the user-defined function '${fullName}'.`);
          },
        };
        const value = ev.evaluate(get(output, 'value'), outputPath, ctx, `user-defined function '${fullName}'`);
        const violation = typeViolation(value, output, options.definitions);
        if (violation && value !== null) {
          throw armError('ERR_ARM_FUNCTION_ARGUMENTS', `The output of the user-defined function '${fullName}' is not valid: ${violation}.`, undefined, { function: fullName });
        }
        return value;
      };
      out.set(fullName.toLowerCase(), fn);
    }
  });
  return out;
}
