/**
 * A validator for the subset of JSON Schema (2020-12) that the published schemas (schema/*.schema.json) use:
 * `type` (one or a list), `properties`, `required`, `additionalProperties` (false or a schema), `items`, `enum`,
 * `minLength`/`maxLength`, `maxItems`, `minimum`/`maximum`, `pattern`, and local `$ref`s (`#/$defs/x`); `title`,
 * `description` and `default` are annotations. A schema file is the single source of truth: what it says is what
 * the twin accepts. Any keyword outside this subset makes the schema itself invalid (checked when it is loaded),
 * so a published schema cannot promise a rule the validator does not enforce.
 */
export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  $ref?: string;
  $defs?: Record<string, Schema>;
};

/** One violation: JSON path segments and a message. */
export interface SchemaViolation {
  path: Array<string | number>;
  message: string;
}

const KNOWN = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'minLength', 'maxLength', 'maxItems',
  'pattern', '$ref', '$defs', '$schema', '$id', 'title', 'description', 'minimum', 'maximum', 'default',
]);

/** Throws when the schema uses a keyword the validator does not implement. */
export function checkSchemaSubset(schema: unknown, where = '#'): void {
  if (typeof schema !== 'object' || schema === null) throw new Error(`schema at ${where} is not an object`);
  for (const [k, v] of Object.entries(schema)) {
    if (!KNOWN.has(k)) throw new Error(`schema keyword '${k}' at ${where} is not supported by the validator`);
    if (k === 'properties' || k === '$defs') for (const [n, s] of Object.entries(v as object)) checkSchemaSubset(s, `${where}/${k}/${n}`);
    if (k === 'items') checkSchemaSubset(v, `${where}/items`);
    if (k === 'additionalProperties' && typeof v !== 'boolean') checkSchemaSubset(v, `${where}/additionalProperties`);
  }
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(actual: string, wanted: string): boolean {
  return actual === wanted || (wanted === 'number' && actual === 'integer');
}

/** Validate `value` against `schema` (rooted at `root` for `$ref`s). Returns every violation found. */
export function validateSchema(value: unknown, schema: Schema, root: Schema = schema): SchemaViolation[] {
  const out: SchemaViolation[] = [];
  const patterns = new Map<string, RegExp>();
  const walk = (v: unknown, s: Schema, path: Array<string | number>): void => {
    if (s.$ref !== undefined) {
      const name = /^#\/\$defs\/(.+)$/.exec(s.$ref)?.[1];
      const target = name === undefined ? undefined : root.$defs?.[name];
      if (!target) throw new Error(`unresolvable $ref ${s.$ref}`);
      walk(v, target, path);
    }
    const actual = typeOf(v);
    if (s.type !== undefined) {
      const wanted = Array.isArray(s.type) ? s.type : [s.type];
      if (!wanted.some((t) => typeMatches(actual, t))) {
        out.push({ path, message: `must be ${wanted.join(' or ')}, not ${actual}` });
        return;
      }
    }
    if (s.enum !== undefined && !s.enum.some((e) => e === v)) {
      out.push({ path, message: `must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` });
    }
    if (typeof v === 'string') {
      if (s.minLength !== undefined && v.length < s.minLength) out.push({ path, message: `must have at least ${s.minLength} characters` });
      if (s.maxLength !== undefined && v.length > s.maxLength) out.push({ path, message: `must have at most ${s.maxLength} characters` });
      if (s.pattern !== undefined) {
        let re = patterns.get(s.pattern);
        if (!re) patterns.set(s.pattern, (re = new RegExp(s.pattern, 'u')));
        if (!re.test(v)) out.push({ path, message: `does not match the pattern ${s.pattern}` });
      }
    }
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < s.minimum) out.push({ path, message: `must be at least ${s.minimum}` });
      if (s.maximum !== undefined && v > s.maximum) out.push({ path, message: `must be at most ${s.maximum}` });
    }
    if (Array.isArray(v)) {
      if (s.maxItems !== undefined && v.length > s.maxItems) out.push({ path, message: `must have at most ${s.maxItems} items` });
      else if (s.items) v.forEach((item, i) => walk(item, s.items!, [...path, i]));
    }
    if (actual === 'object') {
      const obj = v as Record<string, unknown>;
      for (const r of s.required ?? []) if (!(r in obj)) out.push({ path, message: `the property '${r}' is required` });
      for (const [k, child] of Object.entries(obj)) {
        const ps = s.properties?.[k];
        if (ps) walk(child, ps, [...path, k]);
        else if (s.additionalProperties === false) out.push({ path: [...path, k], message: `the property '${k}' is not allowed here` });
        else if (typeof s.additionalProperties === 'object') walk(child, s.additionalProperties, [...path, k]);
      }
    }
  };
  walk(value, schema, []);
  return out;
}

/** `applications[0].appRoles[1].value` */
export function formatJsonPath(path: ReadonlyArray<string | number>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? (s ? `.${p}` : p) : `[${JSON.stringify(p)}]`;
  return s || '(root)';
}
