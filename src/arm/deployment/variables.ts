import { armError, atLine } from '../errors.js';
import { findKey, isObject } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import type { ValueEvaluator } from './evaluator.js';

/** Lazy, memoised variables with cycle detection; top-level `copy` creates array variables. */
export function createVariables(ev: ValueEvaluator, declared: JsonObject): (name: string) => unknown {
  const thunks = new Map<string, { name: string; compute: () => unknown; path: string }>();
  for (const [name, raw] of Object.entries(declared)) {
    const path = childPath('variables', name);
    if (name.toLowerCase() === 'copy' && Array.isArray(raw)) {
      // Each loop is its own variable: one may use another (computed one at a time, not all at once).
      raw.forEach((loop, i) => {
        if (!isObject(loop)) return;
        const loopName = loop[findKey(loop, 'name') ?? 'name'];
        if (typeof loopName !== 'string') return;
        thunks.set(loopName.toLowerCase(), {
          name: loopName,
          path: childPath(path, i),
          compute: () => ev.copyLoop(loop, childPath(path, i), `variable '${loopName}'`, [], {}, 'variable').items,
        });
      });
      continue;
    }
    thunks.set(name.toLowerCase(), { name, path, compute: () => ev.evaluate(raw, path, ev.context(), `variable '${name}'`) });
  }
  const memo = new Map<string, unknown>();
  const evaluating = new Set<string>();
  return (name: string) => {
    const key = name.toLowerCase();
    if (memo.has(key)) return structuredClone(memo.get(key));
    const t = thunks.get(key);
    if (!t) {
      throw armError('ERR_ARM_VARIABLE_UNKNOWN', `The template variable '${name}' is not found. Please see https://aka.ms/arm-template/#variables for usage details.`, undefined, { variable: name });
    }
    if (evaluating.has(key)) {
      const loc = ev.locate(t.path);
      throw armError('ERR_ARM_CIRCULAR_REFERENCE', `The template variable '${t.name}'${atLine(loc)} is not valid: circular reference detected ('${[...evaluating, key].join("' -> '")}').`, loc);
    }
    evaluating.add(key);
    try {
      const value = t.compute();
      memo.set(key, value);
      return structuredClone(value);
    } finally {
      evaluating.delete(key);
    }
  };
}
