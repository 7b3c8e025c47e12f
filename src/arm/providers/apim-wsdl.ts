import { createHash } from 'node:crypto';
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';

/**
 * A WSDL 1.1 document read as APIM's SOAP import reads it (docs/behaviour/apim.md §1.6): the service and port that
 * `wsdlSelector` names (or the only one), its binding's operations with their `soapAction`, the messages' body
 * elements, and the inline XML schemas of `<wsdl:types>`. What APIM's import refuses (Learn, "API import
 * restrictions", WSDL) is refused here too: `wsdl:import`, `xsd:import`/`xsd:include` of another document, rpc style
 * or SOAP encoding, messages with several parts. A document with a DTD is refused before anything reads it.
 */

const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';
const XSD = 'http://www.w3.org/2001/XMLSchema';

/** One element of the document: its name, attributes, the namespaces in scope and where its text stands. */
interface Node {
  ns: string;
  local: string;
  attrs: Map<string, string>;
  /** Prefix → namespace in scope at this element ('' = default namespace). */
  scope: ReadonlyMap<string, string>;
  children: Node[];
  text: string;
  start: number;
  end: number;
}

export class WsdlError extends Error {}

function parse(text: string): Node {
  if (/<!DOCTYPE/i.test(text)) throw new WsdlError('a WSDL document with a DTD (<!DOCTYPE>) is refused (no DTD processing).');
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let start = 0;
  parser.on('opentagstart', (t) => { start = text.lastIndexOf(`<${t.name}`, parser.position); });
  parser.on('opentag', (t: SaxesTagNS) => {
    const parent = stack.at(-1);
    const scope = new Map(parent?.scope ?? [['xml', 'http://www.w3.org/XML/1998/namespace']]);
    const attrs = new Map<string, string>();
    for (const a of Object.values(t.attributes) as SaxesAttributeNS[]) {
      if (a.prefix === 'xmlns') scope.set(a.local, a.value);
      else if (a.name === 'xmlns') scope.set('', a.value);
      else if (!a.prefix) attrs.set(a.local, a.value);
      else attrs.set(`{${a.uri}}${a.local}`, a.value);
    }
    const n: Node = { ns: t.uri ?? '', local: t.local ?? t.name, attrs, scope, children: [], text: '', start, end: parser.position };
    if (parent) parent.children.push(n); else root = n;
    if (!t.isSelfClosing) stack.push(n);
  });
  parser.on('text', (s) => { const n = stack.at(-1); if (n) n.text += s; });
  parser.on('closetag', (t) => {
    if (t.isSelfClosing) return;
    const n = stack.pop();
    if (n) n.end = parser.position;
  });
  try {
    parser.write(text).close();
  } catch (e) {
    throw new WsdlError(`the WSDL document is not well-formed XML: ${(e as Error).message}`);
  }
  if (!root) throw new WsdlError('the WSDL document is empty.');
  return root;
}

const kids = (n: Node, ns: string, local: string) => n.children.filter((c) => c.ns === ns && c.local === local);
const kid = (n: Node, ns: string, local: string) => n.children.find((c) => c.ns === ns && c.local === local);

/** A QName attribute value (`tns:Add`) resolved against the element's namespaces. */
function qname(n: Node, value: string): { ns: string; local: string } {
  const i = value.indexOf(':');
  const prefix = i < 0 ? '' : value.slice(0, i);
  return { ns: n.scope.get(prefix) ?? '', local: i < 0 ? value : value.slice(i + 1) };
}

export interface WsdlOperation {
  /** The operation's name in the WSDL (APIM's display name). */
  name: string;
  /** `soap:operation/@soapAction` ('' when absent). */
  action: string;
  description?: string;
  input?: WsdlMessage;
  output?: WsdlMessage;
}

export interface WsdlMessage {
  /** The `wsdl:message` name (APIM writes it as the request's / response's description). */
  message: string;
  /** The element the single part names (the SOAP body's child), if any. */
  element?: { ns: string; local: string };
}

export interface WsdlSchema {
  targetNamespace: string;
  /** The schema's text, with the namespaces in scope at it in the WSDL declared on its root. */
  text: string;
}

export interface WsdlApi {
  serviceName: string;
  endpointName: string;
  soapVersion: '1.1' | '1.2';
  /** The port's `soap:address` location. */
  address?: string;
  description?: string;
  operations: WsdlOperation[];
  schemas: WsdlSchema[];
}

/** The schema element's text as a document of its own: the namespaces in scope at it declared on its start tag. */
function schemaText(source: string, n: Node): string {
  const text = source.slice(n.start, n.end);
  const tagEnd = text.indexOf('>');
  const head = text.slice(0, tagEnd);
  const own = new Set([...head.matchAll(/\sxmlns(?::([\w.-]+))?\s*=/g)].map((m) => m[1] ?? ''));
  const extra = [...n.scope].filter(([p]) => p !== 'xml' && !own.has(p)).map(([p, uri]) => ` ${p ? `xmlns:${p}` : 'xmlns'}="${uri.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`).join('');
  const at = head.endsWith('/') ? tagEnd - 1 : tagEnd;
  return text.slice(0, at) + extra + text.slice(at);
}

/** Read a WSDL 1.1 document for a SOAP pass-through import; throws WsdlError with the reason. */
export function readWsdl(source: string, selector: { serviceName?: string; endpointName?: string } = {}): WsdlApi {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const root = parse(text);
  if (root.ns !== WSDL || root.local !== 'definitions') {
    throw new WsdlError(`the document is not a WSDL 1.1 document: its root element is '${root.local}' in namespace '${root.ns}', not 'definitions' in '${WSDL}'.`);
  }
  if (kids(root, WSDL, 'import').length) throw new WsdlError("the WSDL document uses 'wsdl:import', which the import does not support: merge the imported documents into one.");
  const schemas: WsdlSchema[] = [];
  for (const types of kids(root, WSDL, 'types')) {
    for (const s of kids(types, XSD, 'schema')) {
      for (const c of s.children) {
        if (c.ns === XSD && (c.local === 'include' || c.local === 'redefine' || (c.local === 'import' && c.attrs.has('schemaLocation')))) {
          throw new WsdlError(`the WSDL document's schema uses 'xsd:${c.local}'${c.attrs.get('schemaLocation') ? ` of '${c.attrs.get('schemaLocation')}'` : ''}, which the import does not support: merge the schemas into the WSDL document.`);
        }
      }
      schemas.push({ targetNamespace: s.attrs.get('targetNamespace') ?? '', text: schemaText(text, s) });
    }
  }
  const named = (list: Node[], kind: string, want: string | undefined, what: string): Node => {
    const names = list.map((x) => x.attrs.get('name') ?? '');
    if (want !== undefined && want !== '') {
      const hit = list.find((x) => x.attrs.get('name') === want);
      if (!hit) throw new WsdlError(`the WSDL document has no ${kind} '${want}' (${what}); it has ${names.length ? names.map((x) => `'${x}'`).join(', ') : 'none'}.`);
      return hit;
    }
    if (list.length === 1) return list[0]!;
    if (list.length === 0) throw new WsdlError(`the WSDL document has no ${kind}.`);
    throw new WsdlError(`the WSDL document has several ${kind}s (${names.map((x) => `'${x}'`).join(', ')}): name one in 'properties.wsdlSelector.${what}'.`);
  };
  const service = named(kids(root, WSDL, 'service'), 'service', selector.serviceName, 'wsdlServiceName');
  const soapPorts = kids(service, WSDL, 'port').filter((p) => p.children.some((c) => (c.ns === SOAP11 || c.ns === SOAP12) && c.local === 'address'));
  const port = named(soapPorts, 'SOAP port', selector.endpointName, 'wsdlEndpointName');
  const address = port.children.find((c) => (c.ns === SOAP11 || c.ns === SOAP12) && c.local === 'address');
  const soapNs = address!.ns;
  const bindingName = qname(port, port.attrs.get('binding') ?? '').local;
  const binding = kids(root, WSDL, 'binding').find((b) => b.attrs.get('name') === bindingName);
  if (!binding) throw new WsdlError(`the port '${port.attrs.get('name')}' names the binding '${bindingName}', which the WSDL document does not define.`);
  const bindingStyle = kid(binding, soapNs, 'binding')?.attrs.get('style') ?? 'document';
  const portTypeName = qname(binding, binding.attrs.get('type') ?? '').local;
  const portType = kids(root, WSDL, 'portType').find((p) => p.attrs.get('name') === portTypeName);
  if (!portType) throw new WsdlError(`the binding '${bindingName}' names the port type '${portTypeName}', which the WSDL document does not define.`);
  const message = (ref: Node | undefined): WsdlMessage | undefined => {
    const m = ref?.attrs.get('message');
    if (!ref || !m) return undefined;
    const name = qname(ref, m).local;
    const def = kids(root, WSDL, 'message').find((x) => x.attrs.get('name') === name);
    if (!def) throw new WsdlError(`the message '${name}' is not defined in the WSDL document.`);
    const parts = kids(def, WSDL, 'part');
    if (parts.length > 1) throw new WsdlError(`the message '${name}' has ${parts.length} parts: messages with multiple parts are not supported.`);
    const el = parts[0]?.attrs.get('element');
    return { message: name, ...(el ? { element: qname(parts[0]!, el) } : {}) };
  };
  const operations: WsdlOperation[] = kids(binding, WSDL, 'operation').map((bop) => {
    const name = bop.attrs.get('name') ?? '';
    const soapOp = kid(bop, soapNs, 'operation');
    const style = soapOp?.attrs.get('style') ?? bindingStyle;
    if (style !== 'document') throw new WsdlError(`the operation '${name}' uses the '${style}' style: only document/literal SOAP bindings are supported.`);
    for (const io of [kid(bop, WSDL, 'input'), kid(bop, WSDL, 'output')]) {
      const use = io && kid(io, soapNs, 'body')?.attrs.get('use');
      if (use && use !== 'literal') throw new WsdlError(`the operation '${name}' uses '${use}' bodies: only document/literal SOAP bindings are supported (no SOAP encoding).`);
    }
    const pop = kids(portType, WSDL, 'operation').find((o) => o.attrs.get('name') === name);
    if (!pop) throw new WsdlError(`the binding operation '${name}' is not an operation of the port type '${portTypeName}'.`);
    const doc = kid(pop, WSDL, 'documentation')?.text.trim();
    const input = message(kid(pop, WSDL, 'input'));
    const output = message(kid(pop, WSDL, 'output'));
    return { name, action: soapOp?.attrs.get('soapAction') ?? '', ...(doc ? { description: doc } : {}), ...(input ? { input } : {}), ...(output ? { output } : {}) };
  });
  const description = kid(service, WSDL, 'documentation')?.text.trim() || kid(root, WSDL, 'documentation')?.text.trim();
  return {
    serviceName: service.attrs.get('name') ?? '', endpointName: port.attrs.get('name') ?? '', soapVersion: soapNs === SOAP12 ? '1.2' : '1.1',
    ...(address!.attrs.get('location') ? { address: address!.attrs.get('location')! } : {}),
    ...(description ? { description } : {}),
    operations, schemas,
  };
}

/**
 * A stable id for what APIM names with a generated one (an operation: 24 hex digits; a schema: a GUID) [I]: derived
 * from the API and the operation or schema, so that a redeploy of the same template keeps the same ids.
 */
export function generatedId(kind: 'operation' | 'schema', ...parts: string[]): string {
  const h = createHash('sha256').update([kind, ...parts].join('\n').toLowerCase()).digest('hex');
  return kind === 'operation' ? h.slice(0, 24) : `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
