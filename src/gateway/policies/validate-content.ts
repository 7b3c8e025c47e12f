import { bufferBody } from '../pipeline/body.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { ApiSchema, RepresentationContract } from '../types.js';
import { JsonPositionError, parseJsonWithPositions } from '../validation/json-positions.js';
import { validateJson, type Schema } from '../validation/json-schema.js';
import { readSoapEnvelope } from '../validation/soap-envelope.js';
import { compiledXsdOf, validateXml, type XmlValidationError } from '../validation/xml-schema.js';
import type { PolicyDefinition, ValueSource } from './types.js';
import { literalBool, str } from './util.js';
import { compileAction, errorsVariable, findDefinition, INTERNAL_PUBLIC, ValidationRun, actionOf, type Action } from './validation.js';

/** The largest `max-size` APIM accepts (4 MiB; docs/limits.md). */
export const MAX_VALIDATE_CONTENT_SIZE = 4 * 1024 * 1024;

interface ContentRule { as: 'json' | 'xml' | 'soap'; type: string | undefined; schemaId: string | undefined; schemaRef: string | undefined; action: Action; additional: boolean | undefined }

const mediaType = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * validate-content (inbound, outbound, on-error; docs/behaviour/apim.md §2, validation policies): the size of the
 * request (inbound) or response body — `Content-Length`, else the bytes read — against `max-size`; its content
 * type (after `<content-type-map>`) against the representations the operation declares for the request or for
 * the response's status; each matching `<content validate-as="json">` validates the body against its schema
 * definition (the representation's `schemaId`/`typeName`, or `schema-id` + `schema-ref`), with
 * `allow-additional-properties` overriding the schemas; `validate-as="xml"` validates it against the API's XSD schema
 * (validation/xml-schema.ts); `validate-as="soap"` validates the payload of the SOAP envelope (the Body's element)
 * against it (checkSoapBody). Errors follow Learn's table. An empty body has no content to check.
 */
export const validateContent: PolicyDefinition = {
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['unspecified-content-type-action', 'max-size', 'size-exceeded-action', 'errors-variable-name'],
  compile(node, cc, base) {
    const unspecified = compileAction(cc, node, 'unspecified-content-type-action', true)!;
    const sizeAction = compileAction(cc, node, 'size-exceeded-action', true)!;
    const rawMax = node.attrs['max-size'];
    const maxSize = Number(rawMax);
    if (rawMax === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, "<validate-content> requires the attribute 'max-size'");
    if (!/^\d+$/.test(rawMax.trim()) || maxSize > MAX_VALIDATE_CONTENT_SIZE) {
      throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `max-size '${rawMax}' must be a number of bytes from 0 to ${MAX_VALIDATE_CONTENT_SIZE}`);
    }
    const errorsVar = errorsVariable(cc, node);
    let map: { any?: string; missing?: string; types: Array<{ from?: string; when?: ValueSource; to: string }> } | undefined;
    const rules: ContentRule[] = [];
    for (const c of node.children) {
      if (c.name === 'content-type-map') {
        if (map) throw cc.error('ERR_APIM_POLICY_STRUCTURE', c, '<content-type-map> appears twice');
        map = { types: [] };
        if (c.attrs['any-content-type-value']) map.any = mediaType(c.attrs['any-content-type-value']);
        if (c.attrs['missing-content-type-value']) map.missing = mediaType(c.attrs['missing-content-type-value']);
        for (const t of c.children) {
          if (t.name !== 'type') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', t, `<${t.name}> is not allowed inside <content-type-map>`);
          if (!t.attrs.to) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', t, "<type> requires the attribute 'to'");
          if ((t.attrs.from === undefined) === (t.attrs.when === undefined)) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', t, "<type> needs exactly one of 'from' and 'when'");
          map.types.push({ to: mediaType(t.attrs.to), ...(t.attrs.from !== undefined ? { from: mediaType(t.attrs.from) } : { when: cc.value(t, t.attrs.when, "attribute 'when'")! }) });
        }
      } else if (c.name === 'content') {
        const as = (c.attrs['validate-as'] ?? '').toLowerCase();
        if (!as) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, "<content> requires the attribute 'validate-as'");
        if (as !== 'json' && as !== 'xml' && as !== 'soap') throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, `validate-as must be json, xml or soap, not '${as}'`);
        const action = compileAction(cc, c, 'action', true)!;
        rules.push({
          as,
          type: c.attrs.type ? mediaType(c.attrs.type) : undefined, schemaId: c.attrs['schema-id'], schemaRef: c.attrs['schema-ref'],
          action: action.literal.trim().toLowerCase() as Action,
          additional: c.attrs['allow-additional-properties'] === undefined ? undefined : literalBool(cc, c, 'allow-additional-properties', true),
        });
      } else cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <validate-content>`);
    }
    const onRequest = cc.section === 'inbound';
    const bodyType = onRequest ? 'RequestBody' : 'ResponseBody';
    const who = onRequest ? 'request' : 'response';
    return {
      ...base,
      async run(rc) {
        const v = new ValidationRun(rc, 'validate-content', errorsVar, onRequest);
        const headers = onRequest ? rc.request.headers : rc.response.headers;
        const b = await bufferBody(onRequest ? rc.requestBody : rc.responseBody, who);
        if (onRequest) rc.requestBody = b; else rc.responseBody = b;
        const text = b.kind === 'text' ? b.text : '';
        const declaredLength = Number(headers.get('content-length')?.values[0]);
        const size = Number.isFinite(declaredLength) ? declaredLength : Buffer.byteLength(text);
        if (size > maxSize) {
          v.add({
            name: '', type: bodyType, rule: 'SizeLimit',
            details: `${onRequest ? "Request's" : "Response's"} body is ${size} bytes long and it exceeds the configured limit of ${maxSize} bytes.`,
            publicMessage: `Request's body is ${size} bytes long and it exceeds the limit of ${maxSize} bytes.`,
          }, actionOf(sizeAction, rc, 'ignore'));
          v.finish();
          return;
        }
        if (text === '') { v.finish(); return; }
        const original = mediaType(headers.get('content-type')?.values[0]);
        const ct = mapContentType(rc, original, map);
        const reps: readonly RepresentationContract[] = onRequest
          ? rc.contract?.operation.request?.representations ?? []
          : rc.contract?.operation.responses?.find((r) => r.statusCode === rc.response.statusCode)?.representations ?? [];
        const declared = reps.find((r) => mediaType(r.contentType) === ct);
        const named = rules.some((r) => r.type === ct && r.schemaId !== undefined);
        if (!declared && !named) {
          const details = `Unspecified content type ${ct} is not allowed.`;
          v.add({ name: ct, type: bodyType, rule: 'Unspecified', details, publicMessage: details }, actionOf(unspecified, rc, 'ignore'));
          v.finish();
          return;
        }
        for (const rule of rules) {
          if (rule.action === 'ignore' || (rule.type !== undefined && rule.type !== ct)) continue;
          checkBody(v, rule, declared, ct, text, bodyType, who);
        }
        v.finish();
      },
    };
  },
};

function mapContentType(rc: RequestRun, original: string, map: { any?: string; missing?: string; types: Array<{ from?: string; when?: ValueSource; to: string }> } | undefined): string {
  if (!map) return original;
  for (const t of map.types) {
    if (t.from !== undefined ? t.from === original : t.when !== undefined && str(t.when.get(rc)).toLowerCase() === 'true') return t.to;
  }
  if (original === '' && map.missing) return map.missing;
  return map.any ?? original;
}

function checkBody(v: ValidationRun, rule: ContentRule, declared: RepresentationContract | undefined, ct: string, text: string, bodyType: string, who: string): void {
  if (rule.as === 'xml') { checkXmlBody(v, rule, declared, ct, text, bodyType, who); return; }
  if (rule.as === 'soap') { checkSoapBody(v, rule, declared, ct, text, bodyType, who); return; }
  const schemas = v.rc.contract?.schemas ?? [];
  const internal = (rule2: string, details: string) => v.add({ name: rule2 === '' ? '' : ct, type: rule2 === '' ? 'ApiSchema' : bodyType, rule: rule2, details, publicMessage: INTERNAL_PUBLIC }, rule.action);
  let found: ReturnType<typeof findDefinition>;
  let definition: string;
  if (rule.schemaId !== undefined) {
    const ref = rule.schemaRef;
    const doc = findDefinition(schemaIdPool(v), rule.schemaId, undefined);
    definition = ref ? ref.split('/').pop()! : rule.schemaId;
    if (doc === 'no-schema' || doc === 'no-definition') found = doc;
    else if (ref) {
      let cur: unknown = doc.root;
      for (const seg of ref.replace(/^#/, '').split('/').filter(Boolean)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[decodeURIComponent(seg)] : undefined;
      found = cur === undefined ? 'no-definition' : { schema: cur, root: doc.root };
    } else found = doc;
  } else {
    definition = declared?.typeName ?? '';
    found = declared?.schemaId === undefined && declared?.typeName === undefined ? 'no-schema' : findDefinition(schemas, declared.schemaId, declared.typeName);
  }
  if (found === 'no-schema') { internal('', "API's schema does not exist or it could not be resolved."); return; }
  if (found === 'no-definition') { internal('MissingDefinition', `API's schema does not contain definition ${definition}, which is associated with the content type ${ct}.`); return; }
  const conform = `Body of the ${who} does not conform to the definition ${definition}, which is associated with the content type ${ct}.`;
  let node;
  try {
    node = parseJsonWithPositions(text);
  } catch (e) {
    if (!(e instanceof JsonPositionError)) throw e;
    const details = `${conform} ${e.message} Line: ${e.pos.line}, Position: ${e.pos.position}`;
    v.add({ name: ct, type: bodyType, rule: 'IncorrectMessage', details, publicMessage: details }, rule.action);
    return;
  }
  for (const err of validateJson(node, found.schema as Schema, { root: found.root, ...(rule.additional !== undefined ? { additionalProperties: rule.additional } : {}) })) {
    const details = `${conform} ${err.message} Line: ${err.pos.line}, Position: ${err.pos.position}`;
    v.add({ name: ct, type: bodyType, rule: 'IncorrectMessage', details, publicMessage: details }, rule.action);
  }
}

/**
 * `validate-as="xml"`: the body against the API's XSD schema (compiled when the service compiled): the schema named by
 * `schema-id`, else the representation's `schemaId` (or the API's only schema); the representation's `typeName` must
 * be a global element of it. Errors read as Learn's table, with libxml2's message and the line and position it gives.
 */
function checkXmlBody(v: ValidationRun, rule: ContentRule, declared: RepresentationContract | undefined, ct: string, text: string, bodyType: string, who: string): void {
  const target = xsdTarget(v, rule, declared, ct, bodyType, who);
  if (target) target.report(validateXml(target.xsd, text));
}

/**
 * The XSD a `validate-as="xml"`/`"soap"` rule validates against, and how its errors are reported; undefined when the
 * schema or the definition is missing (reported).
 */
function xsdTarget(v: ValidationRun, rule: ContentRule, declared: RepresentationContract | undefined, ct: string, bodyType: string, who: string) {
  const schemas = v.rc.contract?.schemas ?? [];
  const internal = (rule2: string, details: string) => v.add({ name: rule2 === '' ? '' : ct, type: rule2 === '' ? 'ApiSchema' : bodyType, rule: rule2, details, publicMessage: INTERNAL_PUBLIC }, rule.action);
  const id = rule.schemaId ?? declared?.schemaId;
  const pool = rule.schemaId !== undefined ? schemaIdPool(v) : schemas;
  const schema = id !== undefined ? pool.find((x) => x.id.toLowerCase() === id.toLowerCase()) : schemas.length === 1 ? schemas[0] : undefined;
  const xsd = schema ? compiledXsdOf(schema) : undefined;
  if (!xsd) { internal('', "API's schema does not exist or it could not be resolved."); return undefined; }
  const definition = rule.schemaId !== undefined ? rule.schemaId : declared?.typeName ?? schema!.id;
  if (rule.schemaId === undefined && declared?.typeName !== undefined && !xsd.elements.has(declared.typeName)) {
    internal('MissingDefinition', `API's schema does not contain definition ${declared.typeName}, which is associated with the content type ${ct}.`);
    return undefined;
  }
  const conform = `Body of the ${who} does not conform to the definition ${definition}, which is associated with the content type ${ct}.`;
  const incorrect = (err: XmlValidationError) => {
    const details = `${conform} ${err.message} Line: ${err.line}, Position: ${err.position}`;
    v.add({ name: ct, type: bodyType, rule: 'IncorrectMessage', details, publicMessage: details }, rule.action);
  };
  return {
    xsd, incorrect,
    /** The payload element the representation names (undefined: any global element of the schema, as with `schema-id`). */
    element: rule.schemaId === undefined ? declared?.typeName : undefined,
    report(result: ReturnType<typeof validateXml>) { if (result.kind !== 'valid') for (const err of result.errors) incorrect(err); },
  };
}

/**
 * `validate-as="soap"`: the envelope must be SOAP 1.2's for `application/soap+xml`, SOAP 1.1's for `text/xml` (Learn's
 * content attribute), and hold a Body; its payload element must be the one the operation's representation names
 * (`typeName`, in the schema's target namespace) and is validated against the schema where it stands, so that lines
 * and positions are the body's. A SOAP Fault is not checked. Envelope errors are worded as .NET words a validation
 * of the envelope against the SOAP envelope schema would [I].
 */
function checkSoapBody(v: ValidationRun, rule: ContentRule, declared: RepresentationContract | undefined, ct: string, text: string, bodyType: string, who: string): void {
  const target = xsdTarget(v, rule, declared, ct, bodyType, who);
  if (!target) return;
  const env = readSoapEnvelope(text, ct === 'application/soap+xml' ? '1.2' : ct === 'text/xml' ? '1.1' : undefined);
  const at = (i: number, message: string) => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    target.incorrect({ message, line, position: i - before.lastIndexOf('\n') });
  };
  const expected = target.element !== undefined ? `${target.xsd.targetNamespace ? `'${target.element}' in namespace '${target.xsd.targetNamespace}'` : `'${target.element}'`}` : undefined;
  switch (env.kind) {
    case 'not-xml': target.report(validateXml(target.xsd, text)); return;
    case 'fault': return;
    case 'envelope-error': at(env.at, env.message); return;
    case 'empty-body':
      if (expected) at(env.at, `The element 'Body' in namespace '${env.bodyNs}' has incomplete content. List of possible elements expected: ${expected}.`);
      return;
    case 'payload':
      if (expected && (env.local !== target.element || env.ns !== target.xsd.targetNamespace)) {
        at(env.at, `The element 'Body' in namespace '${env.bodyNs}' has invalid child element ${env.ns ? `'${env.local}' in namespace '${env.ns}'` : `'${env.local}'`}. List of possible elements expected: ${expected}.`);
        return;
      }
      target.report(validateXml(target.xsd, env.text, text));
  }
}

/**
 * What `schema-id` names: a schema of the service (`schemas`, Learn: "an existing schema that was added to the API
 * Management instance"), else — a twin extension for documents written against an API's own schema — the API's.
 */
function schemaIdPool(v: ValidationRun): ApiSchema[] {
  return [...(v.rc.contract?.serviceSchemas ?? []), ...(v.rc.contract?.schemas ?? [])];
}
