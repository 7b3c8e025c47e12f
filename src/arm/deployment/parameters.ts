import type { Clock, IdGenerator } from '../../core/index.js';
import { armError, atLine } from '../errors.js';
import { findKey, isObject, normInt, stringifyJson } from '../expressions/values.js';
import { declaredType, resolveRef, typeViolation } from './type-check.js';
import type { JsonObject } from '../expressions/values.js';
import { childPath } from '../template/jsonc.js';
import type { ValueEvaluator } from './evaluator.js';

const TYPES: Record<string, string> = {
  string: 'String', securestring: 'SecureString', int: 'Int', bool: 'Bool', object: 'Object', secureobject: 'SecureObject', array: 'Array',
};

export function isSecureType(type: string): boolean {
  return /^secure/i.test(type);
}

/** Normalise a declared type (`securestring` → `SecureString`); undefined for unknown types. */
export function armTypeName(type: unknown): string | undefined {
  return typeof type === 'string' ? TYPES[type.toLowerCase()] : undefined;
}

/**
 * Accept a parameters file object or a bare `{x:{value}}` map; returns name → value (literal). A Key Vault reference
 * (`{"reference": {...}}`) is read by `keyVaultReference` (src/arm/deployment/keyvault-references.ts) when given.
 */
export function parameterValues(
  input: Record<string, unknown> | undefined,
  keyVaultReference?: (name: string, reference: unknown) => unknown,
): Map<string, { name: string; value: unknown }> {
  const out = new Map<string, { name: string; value: unknown }>();
  if (!input) return out;
  const fileShape = ('$schema' in input || 'contentVersion' in input || (Object.keys(input).length === 1 && isObject(input['parameters']) &&
    Object.values(input['parameters'] as JsonObject).every((v) => isObject(v) && ('value' in v || 'reference' in v))));
  const map = fileShape ? ((input['parameters'] ?? {}) as unknown) : input;
  if (!isObject(map)) throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', "The parameters file's 'parameters' property must be an object.");
  for (const [name, entry] of Object.entries(map)) {
    if (keyVaultReference && isObject(entry) && !('value' in entry) && 'reference' in entry) {
      out.set(name.toLowerCase(), { name, value: keyVaultReference(name, entry['reference']) });
      continue;
    }
    if (!isObject(entry) || !('value' in entry)) {
      throw armError('ERR_ARM_PARAMETERS_FILE_INVALID', `The parameter '${name}' in the parameters is not valid: it must be an object with a 'value' or a 'reference' property.`, undefined, { parameter: name });
    }
    out.set(name.toLowerCase(), { name, value: entry['value'] });
  }
  return out;
}

/** `nullable: true` on the declaration or on the definition it refers to. */
function isNullableDecl(decl: JsonObject, definitions: JsonObject | undefined): boolean {
  if (decl[findKey(decl, 'nullable') ?? 'nullable'] === true) return true;
  const ref = decl[findKey(decl, '$ref') ?? '$ref'];
  const target = typeof ref === 'string' ? resolveRef(ref, definitions) : undefined;
  return target !== undefined && target[findKey(target, 'nullable') ?? 'nullable'] === true;
}

/**
 * Values given for int and bool parameters as strings are converted as ARM converts them
 * (`"1000"` → 1000, `"true"` → true); anything else is left for type validation.
 */
function coerce(type: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (type === 'Int' && /^\s*-?\d+\s*$/.test(value)) return normInt(BigInt(value.trim()));
  if (type === 'Bool' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  return value;
}

export interface ResolvedParameters {
  /** Lookup used by `parameters('x')` (case-insensitive). */
  get(name: string): unknown;
  /** Declared (original-case) name → { type, value } in declaration order. */
  all(): Array<{ name: string; type: string; value: unknown }>;
}

/** Parameters: provided (literal) values, default expressions, type and constraint checks; lazy with cycle detection. */
export function resolveParameters(
  ev: ValueEvaluator,
  declared: JsonObject,
  provided: Map<string, { name: string; value: unknown }>,
  deps: { clock: Clock; ids: IdGenerator },
  definitions?: JsonObject,
): ResolvedParameters {
  const decls = new Map<string, { name: string; decl: JsonObject; path: string }>();
  for (const [name, decl] of Object.entries(declared)) {
    const path = childPath('parameters', name);
    if (!isObject(decl)) throw armError('ERR_ARM_TEMPLATE_INVALID', `The template parameter '${name}'${atLine(ev.locate(path))} is not valid: a parameter declaration must be an object.`, ev.locate(path));
    decls.set(name.toLowerCase(), { name, decl, path });
  }
  const unknown = [...provided.values()].filter((p) => !decls.has(p.name.toLowerCase())).map((p) => p.name);
  if (unknown.length > 0) {
    throw armError(
      'ERR_ARM_PARAMETER_UNKNOWN',
      `The template parameters '${unknown.join(', ')}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '${[...decls.values()].map((d) => d.name).join(', ')}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.`,
      ev.locate('parameters'),
      { parameters: unknown },
    );
  }
  const values = new Map<string, { name: string; type: string; value: unknown }>();
  const resolving = new Set<string>();
  const resolve = (key: string): { name: string; type: string; value: unknown } => {
    const done = values.get(key);
    if (done) return done;
    const d = decls.get(key)!;
    const loc = ev.locate(d.path);
    if (resolving.has(key)) throw armError('ERR_ARM_CIRCULAR_REFERENCE', `The template parameter '${d.name}'${atLine(loc)} is not valid: its default value refers to itself through other parameters.`, loc);
    const typeKey = findKey(d.decl, 'type');
    const type = declaredType(d.decl, definitions);
    if (!type) {
      const what = typeKey ? `the type '${String(d.decl[typeKey])}' is not one of 'string, securestring, int, bool, object, secureObject, array'` : "it has no 'type' (or no '$ref' to a definition of the template)";
      throw armError('ERR_ARM_TEMPLATE_INVALID', `The template parameter '${d.name}'${atLine(loc)} is not valid: ${what}.`, loc);
    }
    let value: unknown;
    const given = provided.get(key);
    const defKey = findKey(d.decl, 'defaultValue');
    // A null value counts as not given when there is a default (nested deployments pass optional values so).
    if (given && !(given.value === null && defKey !== undefined)) value = coerce(type, given.value);
    else if (defKey !== undefined) {
      resolving.add(key);
      try {
        const ctx = ev.context({ parameterDefault: { now: () => deps.clock.now(), newGuid: () => deps.ids.uuid() } });
        value = ev.evaluate(d.decl[defKey], childPath(d.path, defKey), ctx, `parameter '${d.name}'`);
      } finally {
        resolving.delete(key);
      }
    } else if (isNullableDecl(d.decl, definitions)) {
      value = null;
    } else {
      throw armError(
        'ERR_ARM_PARAMETER_MISSING',
        `The value for the template parameter '${d.name}'${atLine(loc)} is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.`,
        loc,
        { parameter: d.name },
      );
    }
    validateValue(ev, d, type, value, definitions);
    const result = { name: d.name, type, value };
    values.set(key, result);
    return result;
  };
  return {
    get(name) {
      const key = name.toLowerCase();
      if (!decls.has(key)) {
        throw armError('ERR_ARM_EXPRESSION_EVAL', `The template parameter '${name}' is not found. Please see https://aka.ms/arm-create-parameter-file for usage details.`);
      }
      return structuredClone(resolve(key).value);
    },
    all: () => [...decls.keys()].map((k) => resolve(k)),
  };
}

function validateValue(ev: ValueEvaluator, d: { name: string; decl: JsonObject; path: string }, type: string, value: unknown, definitions: JsonObject | undefined): void {
  const loc = ev.locate(d.path);
  const violation = typeViolation(value, d.decl, definitions);
  if (violation === undefined) return;
  const shown = isSecureType(type) ? '' : ` '${typeof value === 'string' ? value : stringifyJson(value)}'`;
  const reason = violation.charAt(0).toUpperCase() + violation.slice(1);
  throw armError('ERR_ARM_PARAMETER_INVALID', `The provided value${shown.length > 300 ? '' : shown} for the template parameter '${d.name}'${atLine(loc)} is not valid. ${reason}.`, loc, { parameter: d.name });
}
