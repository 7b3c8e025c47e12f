import { TwinError } from '../../core/index.js';

/** Small typed readers for untrusted settings JSON; every error names the JSON path. */
export type Json = Record<string, unknown>;

const WRAPPER_KEYS = new Set(['kind', 'id', 'name', 'type', 'apiVersion', 'location', 'systemData', 'dependsOn', 'properties']);

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Unwrap a 2020-06-01..2020-12-01 ProxyOnlyResource (`{kind, properties:{…}}`) or an ARM
 * resource envelope: when the object has a `properties` object and only envelope keys
 * besides it, its `properties` are the real content.
 */
export function unwrap(v: unknown): unknown {
  let cur = v;
  while (isObject(cur) && isObject(cur.properties) && Object.keys(cur).every((k) => WRAPPER_KEYS.has(k))) {
    cur = cur.properties;
  }
  return cur;
}

function typeError(path: string, expected: string, got: unknown): TwinError {
  const kind = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  return new TwinError('ERR_EASYAUTH_SETTINGS_TYPE', `authsettingsV2 ${path} must be ${expected}, got ${kind}`, {
    location: { jsonPath: path },
  });
}

/** The sub-object at `key` (unwrapped), `{}` when absent or null. */
export function readObject(parent: Json, key: string, path: string): Json {
  const v = unwrap(parent[key]);
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw typeError(`${path}.${key}`, 'an object', v);
  return v;
}

export function readOptionalObject(parent: Json, key: string, path: string): Json | undefined {
  const v = unwrap(parent[key]);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw typeError(`${path}.${key}`, 'an object', v);
  return v;
}

export function readBool(parent: Json, key: string, path: string): boolean | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw typeError(`${path}.${key}`, 'a boolean', v);
}

export function readString(parent: Json, key: string, path: string): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  throw typeError(`${path}.${key}`, 'a string', v);
}

export function readNumber(parent: Json, key: string, path: string): number | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw typeError(`${path}.${key}`, 'a number', v);
}

/** A string array; `undefined` when absent or null (so callers can tell absent from `[]`). */
export function readStringArray(parent: Json, key: string, path: string): string[] | undefined {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw typeError(`${path}.${key}`, 'an array of strings', v);
  return v.map((item, i) => {
    if (typeof item !== 'string') throw typeError(`${path}.${key}[${i}]`, 'a string', item);
    return item;
  });
}

/** Case-insensitive enum with aliases; `aliases` maps lower-case spellings to the canonical value. */
export function readEnum<T extends string>(
  parent: Json,
  key: string,
  path: string,
  aliases: Record<string, T>,
): T | undefined {
  const v = readString(parent, key, path);
  if (v === undefined) return undefined;
  const hit = aliases[v.trim().toLowerCase()];
  if (hit === undefined) {
    const allowed = [...new Set(Object.values(aliases))].join(', ');
    throw new TwinError('ERR_EASYAUTH_SETTINGS_ENUM', `authsettingsV2 ${path}.${key} has unknown value '${v}' (allowed: ${allowed})`, {
      location: { jsonPath: `${path}.${key}` },
    });
  }
  return hit;
}
