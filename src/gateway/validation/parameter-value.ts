import { parseJsonWithPositions, type JNode } from './json-positions.js';

/**
 * A parameter or header value read as its declared type (validate-parameters, validate-headers;
 * docs/behaviour/apim.md §2, validation policies): integers, numbers and booleans are parsed from the text (a
 * failure "cannot be parsed according to the definition"); arrays are the comma-separated values (OpenAPI's
 * default `form`/`simple` style), each read as the items' type; anything else is a string. The value becomes a
 * JSON token so the schema checks report Newtonsoft's messages and positions.
 */
export function parameterNode(raw: string, schema: unknown): JNode | { parseError: string } {
  const s = (schema && typeof schema === 'object' ? schema : {}) as { type?: unknown; items?: { type?: unknown } };
  const type = typeof s.type === 'string' ? s.type.toLowerCase() : 'string';
  if (type === 'array') {
    const itemType = typeof s.items?.type === 'string' ? s.items.type.toLowerCase() : 'string';
    const parts: unknown[] = [];
    for (const part of raw === '' ? [] : raw.split(',')) {
      const v = scalar(part.trim(), itemType);
      if ('parseError' in v) return v;
      parts.push(v.value);
    }
    return parseJsonWithPositions(JSON.stringify(parts));
  }
  const v = scalar(raw, type);
  if ('parseError' in v) return v;
  return parseJsonWithPositions(JSON.stringify(v.value));
}

function scalar(raw: string, type: string): { value: unknown } | { parseError: string } {
  switch (type) {
    case 'integer':
      return /^[+-]?\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw)) ? { value: Number(raw) } : { parseError: `Could not convert string to integer: ${raw}.` };
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? { value: Number(raw) } : { parseError: `Could not convert string to double: ${raw}.` };
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      return t === 'true' ? { value: true } : t === 'false' ? { value: false } : { parseError: `Could not convert string to boolean: ${raw}.` };
    }
    default:
      return { value: raw };
  }
}
