import { armError, atLine } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import type { ValueEvaluator } from './evaluator.js';
import { declaredType, typeViolation } from './type-check.js';
import type { CopyFrame } from './copy.js';

/** Evaluate `outputs` (condition, copy {count,input}, value) after all resources were written. */
export function evaluateOutputs(ev: ValueEvaluator, declared: unknown, definitions?: JsonObject, frames: CopyFrame[] = []): Record<string, { type: string; value: unknown }> {
  const out: Record<string, { type: string; value: unknown }> = {};
  if (declared === undefined) return out;
  if (!isObject(declared)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template 'outputs'${atLine(ev.locate('outputs'))} must be an object.`, ev.locate('outputs'));
  for (const [name, decl] of Object.entries(declared)) {
    const path = childPath('outputs', name);
    const loc = ev.locate(path);
    const what = `output '${name}'`;
    if (!isObject(decl)) throw armError('ERR_ARM_OUTPUT_INVALID', `The template ${what}${atLine(loc)} is not valid: an output must be an object.`, loc);
    const get = (k: string): [string | undefined, unknown] => {
      const key = findKey(decl, k);
      return [key, key === undefined ? undefined : decl[key]];
    };
    const [, rawType] = get('type');
    const type = declaredType(decl, definitions);
    if (!type) throw armError('ERR_ARM_OUTPUT_INVALID', `The template ${what}${atLine(loc)} is not valid: the output type '${String(rawType ?? get('$ref')[1])}' is not supported.`, loc);
    const ctx = ev.context({ allowReference: true, frames });
    const [condKey, cond] = get('condition');
    if (condKey !== undefined) {
      const c = ev.evaluate(cond, childPath(path, condKey), ctx, what);
      if (c === false) continue;
    }
    const [copyKey, copy] = get('copy');
    const [valueKey, raw] = get('value');
    let value: unknown;
    if (copyKey !== undefined && isObject(copy)) {
      const loop: JsonObject = { name: name, count: copy[findKey(copy, 'count') ?? 'count'], input: copy[findKey(copy, 'input') ?? 'input'] };
      value = ev.propertyCopy([loop], childPath(path, copyKey), what, frames, { allowReference: true, frames }, 'output')[name];
    } else if (valueKey !== undefined) {
      value = ev.evaluate(raw, childPath(path, valueKey), ctx, what);
    } else {
      throw armError('ERR_ARM_OUTPUT_INVALID', `The template ${what}${atLine(loc)} is not valid: 'value' or 'copy' is required.`, loc);
    }
    const violation = value === null ? undefined : typeViolation(value, decl, definitions);
    if (violation !== undefined) throw armError('ERR_ARM_OUTPUT_INVALID', `The template ${what}${atLine(loc)} is not valid: ${violation}.`, loc);
    out[name] = { type, value };
  }
  return out;
}
