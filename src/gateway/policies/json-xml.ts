import { TwinError } from '../../core/index.js';
import { bufferBody } from '../pipeline/body.js';
import { PolicyError } from '../pipeline/errors.js';
import { setHeader } from '../pipeline/headers.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, PolicyDefinition, ValueSource } from './types.js';
import { boolOf, literalBool, optional, required, str } from './util.js';
import { jsonToXml, xmlToJsonValue } from './xml-json.js';

/**
 * json-to-xml / xml-to-json (docs/behaviour/apim.md §2): convert the request body (inbound) or the response body
 * (outbound, on-error). `apply` always | content-type-json (-xml): only when the body's Content-Type says JSON (XML);
 * `consider-accept-header` (default true): only when the request's Accept asks for XML (JSON). The converted body
 * gets `Content-Type: application/xml` (`application/json`).
 */

const isJson = (ct: string) => { const t = ct.split(';')[0]!.trim().toLowerCase(); return t === 'application/json' || t === 'text/json' || t.endsWith('+json'); };
const isXml = (ct: string) => { const t = ct.split(';')[0]!.trim().toLowerCase(); return t === 'application/xml' || t === 'text/xml' || t.endsWith('+xml'); };

function choice(cc: CompileContext, node: PolicyNode, attr: string, allowed: readonly string[]): ValueSource {
  const v = required(cc, node, attr);
  if (!v.isExpression && !allowed.includes(v.literal.trim())) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `${attr} must be one of ${allowed.join(', ')}, not '${v.literal}'`);
  return v;
}

function runtimeChoice(v: ValueSource, rc: RequestRun, attr: string, allowed: readonly string[], source: string): string {
  const x = str(v.get(rc)).trim();
  if (!allowed.includes(x)) throw new PolicyError({ source, reason: 'InvalidAttributeValue', message: `${attr} must be one of ${allowed.join(', ')}, not '${x}'` });
  return x;
}

interface Conversion {
  source: string;
  apply: ValueSource;
  applyValues: readonly string[];
  considerAccept: ValueSource | undefined;
  /** The body's Content-Type is the source format. */
  matches: (contentType: string) => boolean;
  /** An Accept entry asks for the target format. */
  acceptMatches: (contentType: string) => boolean;
  convert: (text: string, rc: RequestRun) => string;
  contentType: string;
}

async function convertBody(rc: RequestRun, onResponse: boolean, c: Conversion): Promise<void> {
  const headers = onResponse ? rc.response.headers : rc.request.headers;
  const ct = headers.get('content-type')?.values.join(',') ?? '';
  const apply = runtimeChoice(c.apply, rc, 'apply', c.applyValues, c.source);
  if (apply !== 'always' && !c.matches(ct)) { rc.note(`Content-Type '${ct}': not converted`); return; }
  if (boolOf(c.considerAccept, rc, true)) {
    const accept = rc.request.headers.get('accept')?.values.join(',') ?? '';
    if (!accept.split(',').some((a) => c.acceptMatches(a))) { rc.note(`Accept '${accept}' does not ask for it: not converted`); return; }
  }
  const body = await bufferBody(onResponse ? rc.responseBody : rc.requestBody, onResponse ? 'response' : 'request');
  const text = body.kind === 'text' ? body.text : '';
  if (text === '') { rc.note('no body: nothing converted'); return; }
  let out: string;
  try {
    out = c.convert(text, rc);
  } catch (e) {
    throw new PolicyError({ source: c.source, reason: 'BodyConversionFailure', message: e instanceof TwinError ? e.message : String(e) });
  }
  if (onResponse) rc.responseBody = { kind: 'text', text: out };
  else rc.requestBody = { kind: 'text', text: out };
  setHeader(headers, 'Content-Type', [c.contentType]);
  rc.note(`converted (${text.length} → ${out.length} characters)`);
}

export const jsonToXmlPolicy: PolicyDefinition = {
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['apply', 'consider-accept-header', 'parse-date', 'namespace-separator', 'namespace-prefix', 'attribute-block-name'],
  compile(node, cc, base) {
    const apply = choice(cc, node, 'apply', ['always', 'content-type-json']);
    const considerAccept = optional(cc, node, 'consider-accept-header');
    literalBool(cc, node, 'parse-date', true);
    const separator = optional(cc, node, 'namespace-separator');
    const prefix = optional(cc, node, 'namespace-prefix');
    const block = optional(cc, node, 'attribute-block-name');
    if (node.children.length) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', node.children[0]!, '<json-to-xml> has no child elements');
    const onResponse = cc.target === 'response';
    const conversion: Conversion = {
      source: 'json-to-xml', apply, applyValues: ['always', 'content-type-json'], considerAccept, matches: isJson, acceptMatches: isXml, contentType: 'application/xml',
      convert: (text, rc) => jsonToXml(text, {
        ...(separator ? { namespaceSeparator: str(separator.get(rc)) } : {}),
        ...(prefix ? { namespacePrefix: str(prefix.get(rc)) } : {}),
        ...(block ? { attributeBlockName: str(block.get(rc)) } : {}),
      }),
    };
    return { ...base, run: (rc) => convertBody(rc, onResponse, conversion) };
  },
};

export const xmlToJsonPolicy: PolicyDefinition = {
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['kind', 'apply', 'consider-accept-header', 'always-array-child-elements'],
  compile(node, cc, base) {
    const kind = choice(cc, node, 'kind', ['javascript-friendly', 'direct']);
    const apply = choice(cc, node, 'apply', ['always', 'content-type-xml']);
    const considerAccept = optional(cc, node, 'consider-accept-header');
    const alwaysArray = optional(cc, node, 'always-array-child-elements');
    if (node.children.length) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', node.children[0]!, '<xml-to-json> has no child elements');
    const onResponse = cc.target === 'response';
    const conversion: Conversion = {
      source: 'xml-to-json', apply, applyValues: ['always', 'content-type-xml'], considerAccept, matches: isXml, acceptMatches: isJson, contentType: 'application/json',
      convert: (text, rc) => JSON.stringify(xmlToJsonValue(text, {
        kind: runtimeChoice(kind, rc, 'kind', ['javascript-friendly', 'direct'], 'xml-to-json') as 'direct' | 'javascript-friendly',
        alwaysArray: boolOf(alwaysArray, rc, false),
      })),
    };
    return { ...base, run: (rc) => convertBody(rc, onResponse, conversion) };
  },
};
