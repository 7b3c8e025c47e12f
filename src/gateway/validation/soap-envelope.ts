import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';

/**
 * The SOAP envelope of a body that validate-content `validate-as="soap"` checks (docs/behaviour/apim.md §2, validation
 * policies): Learn says the XML is "extracted from the SOAP envelope and validated against an XML schema". This reads
 * where the envelope, its Body and the Body's payload element stand, so that the payload can be validated in place:
 * `payloadDocument` blanks everything around it (line breaks kept, so libxml2's lines and the reader positions derived
 * from them are the body's own) and declares on it the namespaces it inherits from the envelope.
 */

export const SOAP11_ENVELOPE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE = 'http://www.w3.org/2003/05/soap-envelope';

interface Element {
  ns: string;
  local: string;
  /** Index of the start tag's '<', of the end of the start tag's name, of the character after the element. */
  start: number;
  nameEnd: number;
  end: number;
  /** Index of the end tag's name ('</' + 2), the start tag's name for `<x/>`. */
  endName: number;
  /** Namespace bindings declared on this element. */
  declared: Map<string, string>;
  children: Element[];
}

export type SoapEnvelope =
  | { kind: 'not-xml' }
  | { kind: 'envelope-error'; message: string; at: number }
  | { kind: 'fault' }
  | { kind: 'payload'; version: '1.1' | '1.2'; bodyNs: string; ns: string; local: string; at: number; text: string }
  | { kind: 'empty-body'; bodyNs: string; at: number };

const named = (ns: string, local: string) => (ns ? `'${local}' in namespace '${ns}'` : `'${local}'`);

function index(text: string): Element | undefined {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: Element[] = [];
  let root: Element | undefined;
  let start = 0;
  parser.on('opentagstart', (t) => { start = text.lastIndexOf(`<${t.name}`, parser.position); });
  parser.on('opentag', (t: SaxesTagNS) => {
    const declared = new Map<string, string>();
    for (const a of Object.values(t.attributes) as SaxesAttributeNS[]) {
      if (a.prefix === 'xmlns') declared.set(a.local, a.value);
      else if (a.name === 'xmlns') declared.set('', a.value);
    }
    const e: Element = { ns: t.uri ?? '', local: t.local ?? t.name, start, nameEnd: start + 1 + t.name.length, end: parser.position, endName: start + 1, declared, children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(e); else root = e;
    if (!t.isSelfClosing) stack.push(e);
  });
  parser.on('closetag', (t) => {
    if (t.isSelfClosing) return;
    const e = stack.pop();
    if (e) { e.end = parser.position; e.endName = text.lastIndexOf('</', parser.position - 1) + 2; }
  });
  try {
    parser.write(text).close();
    return root;
  } catch {
    return undefined;
  }
}

/** Read the envelope; `version` is what the content type says (`application/soap+xml` 1.2, `text/xml` 1.1), if anything. */
export function readSoapEnvelope(text: string, version: '1.1' | '1.2' | undefined): SoapEnvelope {
  if (/<!DOCTYPE/i.test(text)) return { kind: 'not-xml' };
  const root = index(text);
  if (!root) return { kind: 'not-xml' };
  const envNs = version === '1.2' ? [SOAP12_ENVELOPE] : version === '1.1' ? [SOAP11_ENVELOPE] : [SOAP11_ENVELOPE, SOAP12_ENVELOPE];
  // as a validation of the envelope against the SOAP envelope schema words it [I]
  if (root.local !== 'Envelope' || !envNs.includes(root.ns)) {
    return { kind: 'envelope-error', message: `The '${root.ns ? `${root.ns}:` : ''}${root.local}' element is not declared.`, at: root.start + 1 };
  }
  const elements = root.children;
  const body = elements.find((c) => c.ns === root.ns && c.local === 'Body');
  if (!body) {
    const header = elements.some((c) => c.ns === root.ns && c.local === 'Header');
    return { kind: 'envelope-error', message: `The element ${named(root.ns, 'Envelope')} has incomplete content. List of possible elements expected: ${named(root.ns, header ? 'Body' : 'Header, Body')}.`, at: root.endName };
  }
  const payload = body.children[0];
  if (!payload) return { kind: 'empty-body', bodyNs: root.ns, at: body.endName };
  if (payload.ns === root.ns && payload.local === 'Fault') return { kind: 'fault' };
  // the payload alone, where it stands: the rest blanked (line breaks kept), the inherited namespaces declared on it
  const inherited = new Map<string, string>();
  for (const e of [root, body]) for (const [p, uri] of e.declared) inherited.set(p, uri);
  for (const p of payload.declared.keys()) inherited.delete(p);
  const decls = [...inherited].map(([p, uri]) => ` ${p ? `xmlns:${p}` : 'xmlns'}="${uri.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')}"`).join('');
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const doc = blank(text.slice(0, payload.start)) + text.slice(payload.start, payload.nameEnd) + decls + text.slice(payload.nameEnd, payload.end) + blank(text.slice(payload.end));
  return { kind: 'payload', version: root.ns === SOAP12_ENVELOPE ? '1.2' : '1.1', bodyNs: root.ns, ns: payload.ns, local: payload.local, at: payload.start + 1, text: doc };
}
