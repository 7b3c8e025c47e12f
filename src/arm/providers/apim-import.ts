import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { describeError, isTwinError } from '../../core/index.js';
import { parseUrlTemplate } from '../../gateway/index.js';
import type { ResourceRecord } from '../../state/index.js';
import { getPath, invalid } from './common.js';
import type { ProviderContext, ResourceInput } from './types.js';

/**
 * APIs imported from an OpenAPI or Swagger document (`properties.format` + `value`, or a `-link` to a
 * local `file://` document): each path and method becomes an `apis/operations` child, as APIM creates
 * them on import, with its URL template and response examples (mock-response answers them). Formats `openapi` and
 * `openapi-link` take YAML or JSON (as APIM's); the `+json` ones and Swagger take JSON only.
 */
const NS = 'Microsoft.ApiManagement/service';
const IMPORT_FORMATS = ['openapi+json', 'openapi+json-link', 'openapi', 'openapi-link', 'swagger-json', 'swagger-link-json'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Doc = { openapi?: string; swagger?: string; servers?: Array<{ url?: string }>; host?: string; basePath?: string; schemes?: string[]; paths?: Record<string, Record<string, unknown>> };

function readDocument(input: ResourceInput, ctx: ProviderContext, format: string, value: string): Doc {
  let text = value;
  if (format.includes('link')) {
    let url: URL;
    try { url = new URL(value); } catch { throw invalid(input, ctx, `the import link '${value}' is not a URL.`); }
    if (url.protocol !== 'file:') throw invalid(input, ctx, `the import link '${value}' cannot be fetched: the twin is offline (use a file:// URL or put the document in 'value').`);
    try { text = readFileSync(fileURLToPath(url), 'utf8'); } catch (e) { throw invalid(input, ctx, `the import link '${value}' cannot be read: ${describeError(e)}`); }
  }
  const yamlAllowed = format === 'openapi' || format === 'openapi-link';
  let doc: Doc;
  try {
    doc = (yamlAllowed && !/^\s*[{[]/.test(text) ? parseYaml(text) : JSON.parse(text)) as Doc;
  } catch (e) {
    throw invalid(input, ctx, `the imported document is not valid ${yamlAllowed ? 'YAML or JSON' : 'JSON'}: ${describeError(e)}`);
  }
  if (!doc || typeof doc !== 'object' || (!doc.openapi && !doc.swagger)) throw invalid(input, ctx, 'the imported document is not an OpenAPI/Swagger document: neither "openapi" nor "swagger" is set.');
  return doc;
}

/** YAML 1.2 (core schema), no custom tags, aliases bounded (no "billion laughs"); errors name line:column. */
function parseYaml(text: string): unknown {
  const d = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, customTags: [], strict: true });
  const err = d.errors[0];
  if (err) {
    const at = err.linePos?.[0];
    throw new Error(`${at ? `line ${at.line}, column ${at.col}: ` : ''}${err.message.split('\n')[0]}`);
  }
  return d.toJS({ maxAliasCount: 100 });
}

function examples(op: Record<string, unknown>): Array<{ statusCode: number; representations: Array<{ contentType: string; examples: { default: { value: unknown } } }> }> {
  const out: ReturnType<typeof examples> = [];
  const responses = (op.responses ?? {}) as Record<string, Record<string, unknown>>;
  for (const [code, r] of Object.entries(responses)) {
    const status = Number(code);
    if (!Number.isInteger(status)) continue;
    const reps: Array<{ contentType: string; examples: { default: { value: unknown } } }> = [];
    for (const [ct, media] of Object.entries((r.content ?? {}) as Record<string, { example?: unknown; examples?: Record<string, { value?: unknown }> }>)) {
      const v = media.example ?? Object.values(media.examples ?? {})[0]?.value;
      if (v !== undefined) reps.push({ contentType: ct, examples: { default: { value: v } } });
    }
    for (const [ct, v] of Object.entries((r.examples ?? {}) as Record<string, unknown>)) reps.push({ contentType: ct, examples: { default: { value: v } } });
    out.push({ statusCode: status, representations: reps });
  }
  return out;
}

/** The serviceUrl a document names (OpenAPI `servers[0]`, Swagger `schemes`/`host`/`basePath`). */
function documentServiceUrl(doc: Doc): string | undefined {
  const s = doc.servers?.[0]?.url;
  if (s && /^https?:\/\//i.test(s)) return s;
  if (doc.host) return `${doc.schemes?.includes('https') || !doc.schemes ? 'https' : doc.schemes[0]}://${doc.host}${doc.basePath ?? ''}`;
  return undefined;
}

/** Import: write the operations; returns the serviceUrl the document names (when the API gives none). */
export function importApiDefinition(input: ResourceInput, record: ResourceRecord, ctx: ProviderContext): void {
  const format = getPath(input.properties, 'format');
  if (format === undefined) return;
  if (typeof format !== 'string' || !IMPORT_FORMATS.includes(format.toLowerCase())) {
    throw invalid(input, ctx, `the import format '${String(format)}' is not supported; expected one of '${IMPORT_FORMATS.join("', '")}' (WSDL, WADL and GraphQL are not).`);
  }
  const value = getPath(input.properties, 'value');
  if (typeof value !== 'string' || value === '') throw invalid(input, ctx, "the property 'properties.value' is required with 'format'.");
  const doc = readDocument(input, ctx, format.toLowerCase(), value);
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [m, op] of Object.entries(item ?? {})) {
      if (!METHODS.includes(m.toLowerCase()) || !op || typeof op !== 'object') continue;
      const o = op as Record<string, unknown>;
      const base = typeof o.operationId === 'string' && o.operationId ? o.operationId : `${m}-${path}`;
      let name = base.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || m;
      for (let i = 2; seen.has(name.toLowerCase()); i++) name = `${base.slice(0, 76)}-${i}`;
      seen.add(name.toLowerCase());
      try {
        parseUrlTemplate(path, ctx.location);
      } catch (e) {
        throw invalid(input, ctx, `the imported path '${path}' is not a valid URL template: ${isTwinError(e) ? `${e.code}: ${e.message}` : describeError(e)}`);
      }
      ctx.tx.putResource({
        id: `${input.id}/operations/${name}`, type: `${NS}/apis/operations`, name: `${input.name}/${name}`,
        properties: { displayName: typeof o.summary === 'string' ? o.summary : name, method: m.toUpperCase(), urlTemplate: path, responses: examples(o) },
      });
    }
  }
  if (seen.size === 0) ctx.warn(`API '${input.id}': the imported document has no operations.`);
  const url = documentServiceUrl(doc);
  if (url && getPath(input.properties, 'serviceUrl') === undefined) record.properties = { ...record.properties, serviceUrl: url };
}
