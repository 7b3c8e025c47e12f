import { linkedDocumentFile, readLinkedDocument } from '../template/link-roots.js';
import { describeError, isTwinError, requireOnFirstUse } from '../../core/index.js';
import { parseUrlTemplate } from '../../gateway/index.js';
import type { ResourceRecord } from '../../state/index.js';
import { getPath, invalid } from './common.js';
import type { ProviderContext, ResourceInput } from './types.js';
import { generatedId, readWsdl, WsdlError, type WsdlMessage } from './apim-wsdl.js';

/**
 * APIs imported from an OpenAPI or Swagger document (`properties.format` + `value`, or a `-link` to a
 * local `file://` document): each path and method becomes an `apis/operations` child, as APIM creates
 * them on import, with its URL template and response examples (mock-response answers them). Formats `openapi` and
 * `openapi-link` take YAML or JSON (as APIM's); the `+json` ones and Swagger take JSON only. `wsdl`/`wsdl-link`
 * import a SOAP pass-through API (importWsdl below, apim-wsdl.ts).
 */
const NS = 'Microsoft.ApiManagement/service';
const IMPORT_FORMATS = ['openapi+json', 'openapi+json-link', 'openapi', 'openapi-link', 'swagger-json', 'swagger-link-json'];
const WSDL_FORMATS = ['wsdl', 'wsdl-link'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

type Doc = {
  openapi?: string; swagger?: string; servers?: Array<{ url?: string }>; host?: string; basePath?: string; schemes?: string[]; paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; parameters?: Record<string, unknown> }; definitions?: Record<string, unknown>; parameters?: Record<string, unknown>; consumes?: string[]; produces?: string[];
};

/** The id of the schema an import writes (`apis/schemas`), named as the twin's, not Azure's generated hex id [?]. */
const IMPORT_SCHEMA_ID = 'openapi-definitions';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => !!x && typeof x === 'object' && !Array.isArray(x);

/** A local `$ref` of the document (`#/components/parameters/X`), or the object itself. */
function deref(doc: Doc, x: unknown): Obj | undefined {
  if (!isObj(x)) return undefined;
  if (typeof x.$ref !== 'string' || !x.$ref.startsWith('#/')) return x;
  let cur: unknown = doc;
  for (const seg of x.$ref.slice(2).split('/')) cur = isObj(cur) ? cur[seg.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return isObj(cur) ? cur : undefined;
}

/**
 * The operation's contract as APIM's import writes it (docs/behaviour/apim.md §2, validation policies): path, query
 * and header parameters with their type, enum and required flag; request and response representations naming a
 * definition of the import's schema — a `$ref`'d component by its name, an inline schema under a name the twin
 * makes up (`{operation}Request`, `{operation}Response{status}`) and adds to the definitions.
 */
function contract(doc: Doc, pathItem: Obj, op: Obj, opName: string, defs: Obj): Obj {
  const v3 = Boolean(doc.openapi);
  const typeOf = (schema: unknown): string | undefined => (isObj(schema) && typeof schema.type === 'string' ? schema.type : undefined);
  const all = [...(Array.isArray(pathItem.parameters) ? pathItem.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]
    .map((p) => deref(doc, p)).filter((p): p is Obj => !!p && typeof p.name === 'string' && typeof p.in === 'string');
  const typeName = (schema: unknown, fallback: string): string | undefined => {
    if (!isObj(schema)) return undefined;
    const ref = typeof schema.$ref === 'string' ? /^#\/(?:components\/schemas|definitions)\/(.+)$/.exec(schema.$ref)?.[1] : undefined;
    if (ref) return decodeURIComponent(ref);
    defs[fallback] = schema;
    return fallback;
  };
  const param = (p: Obj): Obj => {
    const schema = v3 ? p.schema : p;
    const values = isObj(schema) && Array.isArray(schema.enum) ? schema.enum.map(String) : undefined;
    const complex = isObj(schema) && (typeof schema.$ref === 'string' || typeOf(schema) === 'object' || typeOf(schema) === 'array');
    return {
      name: p.name, type: typeOf(schema) ?? (isObj(schema) && typeof schema.$ref === 'string' ? 'object' : 'string'), required: p.required === true || p.in === 'path',
      ...(values ? { values } : {}),
      ...(complex ? { schemaId: IMPORT_SCHEMA_ID, typeName: typeName(schema, `${opName}-${String(p.in)}-${String(p.name)}`) } : {}),
    };
  };
  const reps = (content: unknown, fallback: string): Obj[] =>
    Object.entries(isObj(content) ? content : {}).map(([ct, media]) => {
      const tn = isObj(media) ? typeName(media.schema, fallback) : undefined;
      return { contentType: ct, ...(tn ? { schemaId: IMPORT_SCHEMA_ID, typeName: tn } : {}) };
    });
  let requestReps: Obj[] = [];
  if (v3) requestReps = reps(deref(doc, op.requestBody)?.content, `${opName}Request`);
  else {
    const body = all.find((p) => p.in === 'body');
    const consumes = (Array.isArray(op.consumes) ? op.consumes : doc.consumes) ?? ['application/json'];
    if (body) requestReps = (consumes as string[]).map((ct) => ({ contentType: ct, ...(body.schema ? { schemaId: IMPORT_SCHEMA_ID, typeName: typeName(body.schema, `${opName}Request`) } : {}) }));
  }
  const responses = Object.entries(isObj(op.responses) ? op.responses : {}).flatMap(([code, r]) => {
    const status = Number(code);
    const res = deref(doc, r);
    if (!Number.isInteger(status) || !res) return [];
    const headers = Object.entries(isObj(res.headers) ? res.headers : {}).map(([name, h]) => param({ ...(deref(doc, h) ?? {}), name, in: 'header' }));
    const produces = (Array.isArray(op.produces) ? op.produces : doc.produces) ?? ['application/json'];
    const representations = v3 ? reps(res.content, `${opName}Response${status}`)
      : res.schema ? (produces as string[]).map((ct) => ({ contentType: ct, schemaId: IMPORT_SCHEMA_ID, typeName: typeName(res.schema, `${opName}Response${status}`) })) : [];
    return [{ statusCode: status, headers, representations }];
  });
  return {
    templateParameters: all.filter((p) => p.in === 'path').map(param),
    request: { queryParameters: all.filter((p) => p.in === 'query').map(param), headers: all.filter((p) => p.in === 'header').map(param), representations: requestReps },
    responses,
  };
}

/** The text of an import link: a local `file://` document or one below an offline mirror; anything else cannot be fetched offline. */
function readLink(input: ResourceInput, ctx: ProviderContext, value: string): string {
  let file: string | undefined;
  try { file = linkedDocumentFile(value, ctx.linkRoots ?? []); } catch { throw invalid(input, ctx, `the import link '${value}' is not a URL.`); }
  if (file === undefined) throw invalid(input, ctx, `the import link '${value}' cannot be fetched: the twin is offline (use a file:// URL, an offline mirror of its URL (--link-root), or put the document in 'value').`);
  try { return readLinkedDocument(file); } catch (e) { throw invalid(input, ctx, `the import link '${value}' cannot be read: ${describeError(e)}`); }
}

function readDocument(input: ResourceInput, ctx: ProviderContext, format: string, value: string): Doc {
  const text = format.includes('link') ? readLink(input, ctx, value) : value;
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

const yaml = requireOnFirstUse<typeof import('yaml')>('yaml');

/** YAML 1.2 (core schema), no custom tags, aliases bounded (no "billion laughs"); errors name line:column. */
function parseYaml(text: string): unknown {
  const d = yaml().parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true, customTags: [], strict: true });
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

/** The contract's properties, each response representation keeping its example (mock-response). */
function withContract(c: Obj, ex: ReturnType<typeof examples>): Obj {
  const responses: Obj[] = (c.responses as Obj[]).map((r) => {
    const e = ex.find((x) => x.statusCode === r.statusCode);
    const reps = (r.representations as Obj[]).map((rep) => ({ ...(e?.representations.find((x) => x.contentType === rep.contentType) ?? {}), ...rep }));
    for (const x of e?.representations ?? []) if (!reps.some((rep) => rep.contentType === x.contentType)) reps.push(x);
    return { ...r, representations: reps };
  });
  for (const e of ex) if (!responses.some((r) => r.statusCode === e.statusCode)) responses.push({ statusCode: e.statusCode, representations: e.representations });
  return { templateParameters: c.templateParameters, request: c.request, responses };
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
  if (typeof format !== 'string' || ![...IMPORT_FORMATS, ...WSDL_FORMATS].includes(format.toLowerCase())) {
    throw invalid(input, ctx, `the import format '${String(format)}' is not supported; expected one of '${[...IMPORT_FORMATS, ...WSDL_FORMATS].join("', '")}' (WADL and GraphQL are not).`);
  }
  const value = getPath(input.properties, 'value');
  if (typeof value !== 'string' || value === '') throw invalid(input, ctx, "the property 'properties.value' is required with 'format'.");
  if (WSDL_FORMATS.includes(format.toLowerCase())) {
    importWsdl(input, record, ctx, format.toLowerCase(), value);
    return;
  }
  const doc = readDocument(input, ctx, format.toLowerCase(), value);
  const seen = new Set<string>();
  const defs: Obj = { ...(doc.openapi ? doc.components?.schemas ?? {} : doc.definitions ?? {}) };
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
        properties: { displayName: typeof o.summary === 'string' ? o.summary : name, method: m.toUpperCase(), urlTemplate: path, ...withContract(contract(doc, item as Obj, o, name, defs), examples(o)) },
      });
    }
  }
  if (Object.keys(defs).length) {
    ctx.tx.putResource({
      id: `${input.id}/schemas/${IMPORT_SCHEMA_ID}`, type: `${NS}/apis/schemas`, name: `${input.name}/${IMPORT_SCHEMA_ID}`,
      properties: doc.openapi
        ? { contentType: 'application/vnd.oai.openapi.components+json', document: { components: { schemas: defs } } }
        : { contentType: 'application/vnd.ms-azure-apim.swagger.definitions+json', document: { definitions: defs } },
    });
  }
  if (seen.size === 0) ctx.warn(`API '${input.id}': the imported document has no operations.`);
  const url = documentServiceUrl(doc);
  if (url && getPath(input.properties, 'serviceUrl') === undefined) record.properties = { ...record.properties, serviceUrl: url };
}

/**
 * A WSDL import (`format` `wsdl` with the document in `value`, or `wsdl-link`) as a SOAP pass-through API
 * (`apiType: soap`, or `type: soap`; docs/behaviour/apim.md §1.6): the service and port `wsdlSelector` names, each
 * operation of its binding an `apis/operations` child `POST /?soapAction={action}` named by a generated id, displayed
 * by its WSDL name, its request and 200 response naming the body element (`typeName`) of the schema that declares
 * it; each inline schema of `<wsdl:types>` an `apis/schemas` child (XSD), what validate-content `validate-as="soap"`
 * validates against. The API is `type: soap`; its serviceUrl, when it has none, is the port's address. A link other
 * than a local file cannot be fetched offline: refused, or in loose mode the API is created without operations.
 * SOAP-to-REST (`apiType: http`, the default of APIM's import) is not supported.
 */
function importWsdl(input: ResourceInput, record: ResourceRecord, ctx: ProviderContext, format: string, value: string): void {
  const apiType = String(getPath(input.properties, 'apiType') ?? getPath(input.properties, 'type') ?? 'http').toLowerCase();
  if (apiType !== 'soap') {
    const reason = `a WSDL import with apiType '${apiType}' creates a SOAP-to-REST API, which the twin does not support; set 'properties.apiType' to 'soap' for a SOAP pass-through API.`;
    if (!ctx.loose) throw invalid(input, ctx, reason);
    ctx.warn(`API '${input.id}': ${reason} (loose mode: imported as SOAP pass-through)`);
  }
  let text: string;
  try {
    text = format === 'wsdl-link' ? readLink(input, ctx, value) : value;
  } catch (e) {
    if (!ctx.loose) throw e;
    ctx.warn(`API '${input.id}': ${describeError(e)} (loose mode: the API has no operations)`);
    record.properties = { ...record.properties, type: 'soap' };
    return;
  }
  const selector = getPath(input.properties, 'wsdlSelector') as { wsdlServiceName?: unknown; wsdlEndpointName?: unknown } | undefined;
  let wsdl: ReturnType<typeof readWsdl>;
  try {
    wsdl = readWsdl(text, {
      ...(typeof selector?.wsdlServiceName === 'string' ? { serviceName: selector.wsdlServiceName } : {}),
      ...(typeof selector?.wsdlEndpointName === 'string' ? { endpointName: selector.wsdlEndpointName } : {}),
    });
  } catch (e) {
    if (e instanceof WsdlError) throw invalid(input, ctx, `the WSDL import failed: ${e.message}`);
    throw e;
  }
  const contentType = wsdl.soapVersion === '1.2' ? 'application/soap+xml' : 'text/xml';
  const schemaIds = wsdl.schemas.map((s, i) => generatedId('schema', input.id, s.targetNamespace, String(i)));
  const representation = (m: WsdlMessage | undefined): Obj[] => {
    if (!m?.element) return [{ contentType }];
    const i = wsdl.schemas.findIndex((s) => s.targetNamespace === m.element!.ns);
    return [{ contentType, ...(i >= 0 ? { schemaId: schemaIds[i] } : {}), typeName: m.element.local }];
  };
  const seen = new Set<string>();
  for (const op of wsdl.operations) {
    const name = generatedId('operation', input.id, op.name);
    if (seen.has(name)) continue;
    seen.add(name);
    ctx.tx.putResource({
      id: `${input.id}/operations/${name}`, type: `${NS}/apis/operations`, name: `${input.name}/${name}`,
      properties: {
        displayName: op.name, method: 'POST', urlTemplate: `/?soapAction=${op.action || op.name}`, ...(op.description ? { description: op.description } : {}),
        templateParameters: [],
        request: { ...(op.input ? { description: op.input.message } : {}), queryParameters: [], headers: [], representations: representation(op.input) },
        responses: op.output ? [{ statusCode: 200, description: op.output.message, headers: [], representations: representation(op.output) }] : [],
      },
    });
  }
  wsdl.schemas.forEach((s, i) => {
    ctx.tx.putResource({
      id: `${input.id}/schemas/${schemaIds[i]}`, type: `${NS}/apis/schemas`, name: `${input.name}/${schemaIds[i]}`,
      properties: { contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: { value: s.text } },
    });
  });
  if (seen.size === 0) ctx.warn(`API '${input.id}': the imported WSDL has no operations.`);
  const props: Obj = { ...record.properties, type: 'soap' };
  if (wsdl.address && getPath(input.properties, 'serviceUrl') === undefined) props.serviceUrl = wsdl.address;
  if (getPath(input.properties, 'displayName') === undefined) props.displayName = wsdl.serviceName;
  if (wsdl.description && getPath(input.properties, 'description') === undefined) props.description = wsdl.description;
  record.properties = props;
}
