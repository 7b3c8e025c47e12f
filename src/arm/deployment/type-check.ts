import { deepEquals, findKey, isInt, isObject, typeName } from '../expressions/values.js';
import type { JsonObject } from '../expressions/values.js';

/**
 * Type validation of template values against declarations: parameter, output and user-defined function
 * parameter types, and languageVersion 2.0 `definitions` (`$ref`, `nullable`, `properties`,
 * `additionalProperties`, `sealed`, `discriminator`, `items`, `prefixItems`, `allowedValues`, min/max).
 * Returns the first violation as text (with the path inside the value), or undefined when the value fits.
 */
export type TypeDecl = JsonObject;

const BASE_TYPES: Record<string, string> = {
  string: 'String',
  securestring: 'SecureString',
  int: 'Int',
  bool: 'Bool',
  object: 'Object',
  secureobject: 'SecureObject',
  array: 'Array',
  any: 'Any',
};

export function get(o: JsonObject, k: string): unknown {
  const key = findKey(o, k);
  return key === undefined ? undefined : o[key];
}

/**
 * Normalised type name of a declaration (`securestring` → `SecureString`), following `$ref`s; undefined when unknown.
 * A declaration with neither `type` nor `$ref` is of type any ('Any'): that is how the Bicep emitter writes its `any`
 * type (TemplateWriter: `param p any` → `"p": {}`), and what it emits for resource-derived types of a property the
 * REST spec declares without a schema (`metadata.__bicep_resource_derived_type!` only); ARM deploys both.
 */
export function declaredType(decl: TypeDecl, definitions: JsonObject | undefined, seen = 0): string | undefined {
  const t = get(decl, 'type');
  if (typeof t === 'string') return BASE_TYPES[t.toLowerCase()];
  const ref = get(decl, '$ref');
  if (typeof ref === 'string') {
    const target = seen < 32 ? resolveRef(ref, definitions) : undefined;
    return target ? declaredType(target, definitions, seen + 1) : undefined;
  }
  return t === undefined ? 'Any' : undefined;
}

export function resolveRef(ref: string, definitions: JsonObject | undefined): TypeDecl | undefined {
  const m = /^#\/definitions\/(.+)$/.exec(ref);
  if (!m || !definitions) return undefined;
  const target = get(definitions, m[1]!);
  return isObject(target) ? target : undefined;
}

function fitsBase(type: string, value: unknown): boolean {
  switch (type) {
    case 'String':
    case 'SecureString':
      return typeof value === 'string';
    case 'Int':
      return isInt(value);
    case 'Bool':
      return typeof value === 'boolean';
    case 'Object':
    case 'SecureObject':
      return isObject(value);
    case 'Array':
      return Array.isArray(value);
    default:
      return true;
  }
}

const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

/** Why `value` does not fit `decl` (first reason), or undefined. `at` names the place inside the value. */
export function typeViolation(value: unknown, decl: TypeDecl, definitions: JsonObject | undefined, at = '', depth = 0): string | undefined {
  if (depth > 64) return undefined;
  const where = at === '' ? '' : ` at '${at}'`;
  if ((value === null || value === undefined) && isNullable(decl, definitions)) return undefined;
  const ref = get(decl, '$ref');
  if (typeof ref === 'string') {
    const target = resolveRef(ref, definitions);
    if (!target) return `the type reference '${ref}' does not name a definition of the template`;
    const inner = typeViolation(value, target, definitions, at, depth + 1);
    if (inner) return inner;
  }
  const type = declaredType(decl, definitions);
  if (typeof get(decl, 'type') === 'string' && !type) return `the type '${String(get(decl, 'type'))}' is not one of 'string, securestring, int, bool, object, secureObject, array'`;
  if (type && !fitsBase(type, value)) {
    return `expected a value of type '${type.replace('Int', 'Integer').replace('Bool', 'Boolean')}'${where}, but received a value of type '${typeName(value)}'`;
  }
  const allowed = get(decl, 'allowedValues');
  // An empty list restricts nothing: ARM deployed `"allowedValues": []` with any value [obs: Azure/bicep#581, a template
  // with `allowedValues: []` and a default value deployed and returned the value].
  if (Array.isArray(allowed) && allowed.length > 0) {
    // For an array, each element must be allowed — unless the allowed values are arrays themselves.
    const elementwise = Array.isArray(value) && type === 'Array' && !allowed.some((a) => Array.isArray(a));
    const ok = elementwise ? (value as unknown[]).every((v) => allowed.some((a) => deepEquals(a, v))) : allowed.some((a) => deepEquals(a, value));
    if (!ok) return `the ${at === '' ? 'parameter value' : `value${where}`} is not part of the allowed value(s): '${allowed.map(shown).join(',')}'`;
  }
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  const minLength = get(decl, 'minLength');
  const maxLength = get(decl, 'maxLength');
  if (length !== undefined && isInt(minLength) && length < minLength) return `the length of the value${where} is less than the minimum length '${minLength}'`;
  if (length !== undefined && isInt(maxLength) && length > maxLength) return `the length of the value${where} exceeds the maximum length '${maxLength}'`;
  const minValue = get(decl, 'minValue');
  const maxValue = get(decl, 'maxValue');
  if (isInt(value) && isInt(minValue) && value < minValue) return `the value${where} is less than the minimum value '${minValue}'`;
  if (isInt(value) && isInt(maxValue) && value > maxValue) return `the value${where} is greater than the maximum value '${maxValue}'`;
  if (Array.isArray(value)) {
    const prefix = get(decl, 'prefixItems');
    const items = get(decl, 'items');
    for (let i = 0; i < value.length; i++) {
      const itemDecl = Array.isArray(prefix) && i < prefix.length ? prefix[i] : items;
      if (Array.isArray(prefix) && i >= prefix.length && items === false) return `the array${where} has more items than its ${prefix.length} declared ones`;
      if (isObject(itemDecl)) {
        const v = typeViolation(value[i], itemDecl, definitions, `${at}[${i}]`, depth + 1);
        if (v) return v;
      }
    }
  }
  if (isObject(value)) return objectViolation(value, decl, definitions, at, depth);
  return undefined;
}

function objectViolation(value: JsonObject, decl: TypeDecl, definitions: JsonObject | undefined, at: string, depth: number): string | undefined {
  const where = at === '' ? '' : ` at '${at}'`;
  const discriminator = get(decl, 'discriminator');
  if (isObject(discriminator)) {
    const propertyName = get(discriminator, 'propertyName');
    const mapping = get(discriminator, 'mapping');
    if (typeof propertyName === 'string' && isObject(mapping)) {
      const tag = get(value, propertyName);
      const variant = typeof tag === 'string' ? get(mapping, tag) : undefined;
      if (!isObject(variant)) {
        return `the value${where} has the discriminator '${propertyName}' = '${shown(tag)}', which is not one of '${Object.keys(mapping).join(', ')}'`;
      }
      return typeViolation(value, variant, definitions, at, depth + 1);
    }
  }
  const properties = get(decl, 'properties');
  if (isObject(properties)) {
    for (const [name, propDecl] of Object.entries(properties)) {
      if (!isObject(propDecl)) continue;
      const key = findKey(value, name);
      const v = key === undefined ? undefined : value[key];
      if (key === undefined && !isNullable(propDecl, definitions)) return `the required property '${name}'${where} is missing`;
      const inner = typeViolation(v, propDecl, definitions, at === '' ? name : `${at}.${name}`, depth + 1);
      if (inner && key !== undefined) return inner;
    }
  }
  const additional = get(decl, 'additionalProperties');
  const sealed = get(decl, 'sealed') === true || additional === false;
  if (isObject(properties) || sealed || isObject(additional)) {
    for (const [k, v] of Object.entries(value)) {
      if (isObject(properties) && findKey(properties, k) !== undefined) continue;
      if (sealed) return `the property '${k}'${where} is not allowed: the type is sealed`;
      if (isObject(additional)) {
        const inner = typeViolation(v, additional, definitions, at === '' ? k : `${at}.${k}`, depth + 1);
        if (inner) return inner;
      }
    }
  }
  return undefined;
}

function isNullable(decl: TypeDecl, definitions: JsonObject | undefined): boolean {
  if (get(decl, 'nullable') === true) return true;
  const ref = get(decl, '$ref');
  if (typeof ref === 'string') {
    const target = resolveRef(ref, definitions);
    return target ? get(target, 'nullable') === true : false;
  }
  return false;
}
