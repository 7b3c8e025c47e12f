import type { JNode, Pos } from './json-positions.js';

/**
 * JSON Schema validation for validate-content / validate-parameters / validate-headers (docs/behaviour/apim.md §2,
 * validation policies): the keywords OpenAPI 2/3 schemas use — type (and OpenAPI `nullable`), required,
 * properties, additionalProperties (overridable by the policy), items, enum, const, pattern, min/max(Length),
 * exclusive bounds, multipleOf, min/maxItems, uniqueItems, min/maxProperties, format, allOf/anyOf/oneOf/not and
 * local `$ref`s. Messages are those of Newtonsoft.Json.Schema, which APIM's gateway reports ([?] wording by
 * that library's resources). Each error carries where its token ends.
 */
export type Schema = Record<string, unknown> | boolean;
export interface SchemaError { message: string; pos: Pos; path: string }
export interface SchemaOptions {
  /** The document `$ref`s point into (`#/components/schemas/X`, `#/definitions/X`). */
  root: unknown;
  /** validate-content `allow-additional-properties`: overrides every schema's additionalProperties. */
  additionalProperties?: boolean;
}

const MAX_REF_DEPTH = 64;
const TYPE_NAMES: Record<string, string> = { string: 'String', integer: 'Integer', number: 'Number', boolean: 'Boolean', object: 'Object', array: 'Array', null: 'Null' };

function kindOf(n: JNode): string {
  if (n.kind === 'number') return n.integer ? 'integer' : 'number';
  return n.kind;
}

function literal(n: JNode): string {
  switch (n.kind) {
    case 'string': return JSON.stringify(n.value);
    case 'number': return n.text;
    case 'boolean': return n.value ? 'true' : 'false';
    case 'null': return 'null';
    default: return JSON.stringify(plain(n));
  }
}

export function plain(n: JNode): unknown {
  switch (n.kind) {
    case 'object': return Object.fromEntries(n.props.map((p) => [p.key, plain(p.value)]));
    case 'array': return n.items.map(plain);
    case 'null': return null;
    default: return n.value;
  }
}

function resolveRef(ref: string, root: unknown): Schema | undefined {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === undefined ? undefined : (cur as Schema);
}

const FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.test(s) && !Number.isNaN(Date.parse(s.replace(' ', 'T'))),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  time: (s) => /^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
  uuid: (s) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(s),
  uri: (s) => { try { return Boolean(new URL(s).protocol); } catch { return false; } },
  ipv4: (s) => /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(s),
  hostname: (s) => /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s),
};

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Validates `node` against `schema`; returns the errors in document order (empty: valid). */
export function validateJson(node: JNode, schema: Schema, opts: SchemaOptions): SchemaError[] {
  const errors: SchemaError[] = [];
  check(node, schema, opts, errors, '', 0);
  return errors;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function check(n: JNode, schema: Schema, opts: SchemaOptions, out: SchemaError[], path: string, depth: number): void {
  if (schema === true || schema === undefined || schema === null) return;
  const err = (message: string, pos: Pos = n.end) => out.push({ message, pos, path });
  if (schema === false) { err('Schema always fails validation.'); return; }
  if (depth > MAX_REF_DEPTH) { err('Schema reference depth exceeded.'); return; }
  let s = schema;
  if (typeof s.$ref === 'string') {
    const target = resolveRef(s.$ref, opts.root);
    if (target === undefined) { err(`Could not resolve schema reference '${s.$ref}'.`); return; }
    check(n, target, opts, out, path, depth + 1);
    return;
  }
  const kind = kindOf(n);
  // type (OpenAPI 3.0 `nullable: true` also admits null)
  let types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : undefined;
  if (types && s.nullable === true && !types.includes('null')) types = [...types, 'null'];
  if (types && !types.some((t) => t === kind || (t === 'number' && kind === 'integer'))) {
    err(`Invalid type. Expected ${types.map((t) => TYPE_NAMES[t] ?? t).join(', ')} but got ${TYPE_NAMES[kind]}.`);
    return;
  }
  if (kind === 'null' && s.nullable === true) return;
  if (Array.isArray(s.enum) && !s.enum.some((e) => equal(e, plain(n)))) err(`Value ${literal(n)} is not defined in enum.`);
  if ('const' in s && !equal(s.const, plain(n))) err(`Value ${literal(n)} does not match const.`);

  if (n.kind === 'string') {
    const len = [...n.value].length;
    const min = num(s.minLength);
    const max = num(s.maxLength);
    if (min !== undefined && len < min) err(`String '${n.value}' is less than minimum length of ${min}.`);
    if (max !== undefined && len > max) err(`String '${n.value}' exceeds maximum length of ${max}.`);
    if (typeof s.pattern === 'string') {
      let re: RegExp | undefined;
      try { re = new RegExp(s.pattern, 'u'); } catch { re = undefined; }
      if (re && !re.test(n.value)) err(`String '${n.value}' does not match regex pattern '${s.pattern}'.`);
    }
    if (typeof s.format === 'string' && FORMATS[s.format] && !FORMATS[s.format]!(n.value)) err(`String '${n.value}' does not validate against format '${s.format}'.`);
  }
  if (n.kind === 'number') {
    const what = n.integer ? 'Integer' : 'Float';
    const min = num(s.minimum);
    const max = num(s.maximum);
    const exMin = s.exclusiveMinimum === true ? min : num(s.exclusiveMinimum);
    const exMax = s.exclusiveMaximum === true ? max : num(s.exclusiveMaximum);
    if (exMin !== undefined && n.value <= exMin) err(`${what} ${n.text} equals minimum value of ${exMin} and exclusive minimum is true.`);
    else if (min !== undefined && n.value < min) err(`${what} ${n.text} is less than minimum value of ${min}.`);
    if (exMax !== undefined && n.value >= exMax) err(`${what} ${n.text} equals maximum value of ${exMax} and exclusive maximum is true.`);
    else if (max !== undefined && n.value > max) err(`${what} ${n.text} exceeds maximum value of ${max}.`);
    const mult = num(s.multipleOf);
    if (mult !== undefined && mult > 0 && Math.abs(n.value / mult - Math.round(n.value / mult)) > 1e-9) err(`${what} ${n.text} is not a multiple of ${mult}.`);
  }
  if (n.kind === 'array') {
    const min = num(s.minItems);
    const max = num(s.maxItems);
    if (min !== undefined && n.items.length < min) err(`Array item count ${n.items.length} is less than minimum count of ${min}.`);
    if (max !== undefined && n.items.length > max) err(`Array item count ${n.items.length} exceeds maximum count of ${max}.`);
    if (s.uniqueItems === true) {
      const seen = new Set<string>();
      n.items.forEach((it, idx) => { const k = JSON.stringify(plain(it)); if (seen.has(k)) err(`Non-unique array item at index ${idx}.`, it.end); seen.add(k); });
    }
    if (Array.isArray(s.items)) n.items.forEach((it, idx) => { const sub = (s.items as Schema[])[idx]; if (sub !== undefined) check(it, sub, opts, out, `${path}[${idx}]`, depth + 1); });
    else if (s.items !== undefined) n.items.forEach((it, idx) => check(it, s.items as Schema, opts, out, `${path}[${idx}]`, depth + 1));
  }
  if (n.kind === 'object') {
    const props = (s.properties && typeof s.properties === 'object' ? s.properties : {}) as Record<string, Schema>;
    const additional = opts.additionalProperties !== undefined ? opts.additionalProperties : s.additionalProperties;
    for (const p of n.props) {
      const sub = Object.prototype.hasOwnProperty.call(props, p.key) ? props[p.key] : undefined;
      const childPath = path ? `${path}.${p.key}` : p.key;
      if (sub !== undefined) check(p.value, sub, opts, out, childPath, depth + 1);
      else if (additional === false) err(`Property '${p.key}' has not been defined and the schema does not allow additional properties.`, p.keyEnd);
      else if (additional && typeof additional === 'object') check(p.value, additional as Schema, opts, out, childPath, depth + 1);
    }
    if (Array.isArray(s.required)) {
      const have = new Set(n.props.map((p) => p.key));
      const missing = (s.required as unknown[]).filter((r): r is string => typeof r === 'string' && !have.has(r));
      if (missing.length) err(`Required properties are missing from object: ${missing.join(', ')}.`);
    }
    const minP = num(s.minProperties);
    const maxP = num(s.maxProperties);
    if (minP !== undefined && n.props.length < minP) err(`Object property count ${n.props.length} is less than minimum count of ${minP}.`);
    if (maxP !== undefined && n.props.length > maxP) err(`Object property count ${n.props.length} exceeds maximum count of ${maxP}.`);
  }
  const sub = (list: unknown) => (Array.isArray(list) ? (list as Schema[]) : []);
  const allOf = sub(s.allOf);
  if (allOf.length) {
    const bad = allOf.map((x, idx) => ({ idx, errs: validateJson(n, x, opts) })).filter((r) => r.errs.length);
    if (bad.length) err(`JSON does not match all schemas from 'allOf'. Invalid schema indexes: ${bad.map((b) => b.idx).join(', ')}.`);
  }
  const anyOf = sub(s.anyOf);
  if (anyOf.length && !anyOf.some((x) => validateJson(n, x, opts).length === 0)) err("JSON does not match any schemas from 'anyOf'.");
  const oneOf = sub(s.oneOf);
  if (oneOf.length) {
    const ok = oneOf.map((x, idx) => (validateJson(n, x, opts).length === 0 ? idx : -1)).filter((i) => i >= 0);
    if (ok.length === 0) err("JSON is valid against no schemas from 'oneOf'.");
    else if (ok.length > 1) err(`JSON is valid against more than one schema from 'oneOf'. Valid schema indexes: ${ok.join(', ')}.`);
  }
  if (s.not !== undefined && validateJson(n, s.not as Schema, opts).length === 0) err("JSON is valid against schema from 'not'.");
}
