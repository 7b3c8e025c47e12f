/**
 * System.Xml.Linq (XDocument, XElement, XAttribute, XName, XNamespace, XText, XCData, XComment) as APIM allows it
 * (docs/behaviour/apim.md §4.2), parsed with saxes (namespaces resolved, no DTD: "For security reasons DTD is prohibited", as .NET's
 * default reader settings). `ToString()` indents with 2 spaces and Environment.NewLine, like LINQ to XML.
 */
import { SaxesParser } from 'saxes';
import { NEWLINE } from './lib-string.js';
import { ENUMERATORS } from './lib-collections.js';
import { parseFloating, parseIntegral } from './lib-number.js';
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { HOST_ARITHMETIC } from './operators.js';
import { HOST_CONVERSIONS } from './types.js';
import { withPosition, XmlReaderTracker } from './xml-reader-errors.js';
import { argumentNull, EnumValue, invalidOperation, netError, requireString, toDotNetString, type HostValue, type NetValue, type Value } from './values.js';

const XMLNS = 'http://www.w3.org/2000/xmlns/';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const xmlError = (m: string) => netError('XmlException', m);

export class XNamespaceV implements NetValue {
  readonly $type = 'XNamespace';
  constructor(readonly uri: string) {}
  netEquals(o: Value): boolean { return o instanceof XNamespaceV && o.uri === this.uri; }
  netString(): string { return this.uri; }
}

export class XNameV implements NetValue {
  readonly $type = 'XName';
  constructor(readonly ns: string, readonly local: string) {
    if (local === '' || /[\s<>"'=/]/.test(local)) throw xmlError(`The '${local}' name is not a valid XML name.`);
  }
  netEquals(o: Value): boolean { return (o instanceof XNameV && o.ns === this.ns && o.local === this.local) || (typeof o === 'string' && toName(o).netEquals(this)); }
  netString(): string { return this.ns ? `{${this.ns}}${this.local}` : this.local; }
}

/** `"{ns}local"` or `"local"` → XName (the implicit conversion from string). */
export function toName(v: Value | undefined): XNameV {
  if (v instanceof XNameV) return v;
  const s = requireString(v ?? null, 'name');
  const m = /^\{([^}]*)\}(.+)$/.exec(s);
  return m ? new XNameV(m[1]!, m[2]!) : new XNameV('', s);
}

export abstract class XNodeV implements HostValue {
  abstract readonly $type: string;
  parent: XContainerV | null = null;
  abstract clone(): XNodeV;
  netString(): string { return write(this, true); }
}

export class XTextV extends XNodeV {
  readonly $type: string = 'XText';
  constructor(public value: string) { super(); }
  clone(): XTextV { return new XTextV(this.value); }
}
export class XCDataV extends XTextV {
  override readonly $type = 'XCData';
  override clone(): XCDataV { return new XCDataV(this.value); }
}
export class XCommentV extends XNodeV {
  readonly $type = 'XComment';
  constructor(public value: string) { super(); }
  clone(): XCommentV { return new XCommentV(this.value); }
}

export class XAttributeV implements HostValue {
  readonly $type = 'XAttribute';
  parent: XElementV | null = null;
  constructor(readonly name: XNameV, public value: string) {}
  clone(): XAttributeV { return new XAttributeV(this.name, this.value); }
  get isNamespaceDeclaration(): boolean { return this.name.ns === XMLNS || (this.name.ns === '' && this.name.local === 'xmlns'); }
  netString(): string { return `${attrName(this, this.parent)}="${escapeAttr(this.value)}"`; }
}

export abstract class XContainerV extends XNodeV {
  nodes: XNodeV[] = [];
  add(content: Value, env?: Env): void {
    if (content === null) return;
    if (Array.isArray(content)) { for (const c of content) this.add(c, env); return; }
    if (content instanceof XAttributeV) {
      if (!(this instanceof XElementV)) throw netError('ArgumentException', 'An attribute cannot be added to content.');
      this.setAttr(content.parent ? content.clone() : content);
      return;
    }
    if (content instanceof XNodeV) {
      const node = content.parent ? content.clone() : content;
      if (node instanceof XDocumentV) throw netError('ArgumentException', 'An XDocument cannot be added as content.');
      node.parent = this;
      this.nodes.push(node);
      env?.meter.collection(this.nodes.length);
      return;
    }
    const text = content instanceof XNameV ? content.netString() : toDotNetString(content);
    const last = this.nodes.at(-1);
    if (last instanceof XTextV && !(last instanceof XCDataV)) last.value += text;
    else { const t = new XTextV(text); t.parent = this; this.nodes.push(t); }
  }
  elements(): XElementV[] { return this.nodes.filter((n): n is XElementV => n instanceof XElementV); }
  descendants(): XElementV[] {
    const out: XElementV[] = [];
    const walk = (c: XContainerV) => { for (const e of c.elements()) { out.push(e); walk(e); } };
    walk(this);
    return out;
  }
}

export class XElementV extends XContainerV {
  readonly $type = 'XElement';
  attrs: XAttributeV[] = [];
  constructor(public name: XNameV) { super(); }
  clone(): XElementV {
    const e = new XElementV(this.name);
    for (const a of this.attrs) e.setAttr(a.clone());
    for (const n of this.nodes) { const c = n.clone(); c.parent = e; e.nodes.push(c); }
    return e;
  }
  setAttr(a: XAttributeV): void {
    if (this.attrs.some((x) => x.name.netEquals(a.name))) throw invalidOperation('Duplicate attribute.');
    a.parent = this;
    this.attrs.push(a);
  }
  get value(): string {
    let out = '';
    const walk = (c: XContainerV) => { for (const n of c.nodes) { if (n instanceof XTextV) out += n.value; else if (n instanceof XElementV) walk(n); } };
    walk(this);
    return out;
  }
  set value(v: string) {
    this.nodes = v === '' ? [] : [Object.assign(new XTextV(v), { parent: this })];
  }
}

export class XDocumentV extends XContainerV {
  readonly $type = 'XDocument';
  declaration: { version: string; encoding: string; standalone: string } | null = null;
  get root(): XElementV | null { return this.elements()[0] ?? null; }
  clone(): XDocumentV {
    const d = new XDocumentV();
    d.declaration = this.declaration;
    for (const n of this.nodes) { const c = n.clone(); c.parent = d; d.nodes.push(c); }
    return d;
  }
}

// ---- parsing ----------------------------------------------------------------------------------------------------------

export function parseXml(text: string, env?: Env): XDocumentV {
  const doc = new XDocumentV();
  const stack: XContainerV[] = [doc];
  const parser = new SaxesParser({ xmlns: true, position: true });
  let count = 0;
  // XmlReader's wording and positions (xml-reader-errors.ts)
  const reader = new XmlReaderTracker(text, parser);
  const fail = (m: string): never => { throw xmlError(withPosition(reader.error(m))); };
  const markup = () => reader.markup();
  parser.on('error', (e) => fail(e.message));
  parser.on('doctype', () => { throw xmlError(`For security reasons DTD is prohibited in this XML document. Line ${parser.line}, position ${parser.column}.`); });
  parser.on('xmldecl', (d) => { markup(); doc.declaration = { version: d.version ?? '1.0', encoding: d.encoding ?? '', standalone: d.standalone ?? '' }; });
  parser.on('processinginstruction', markup);
  parser.on('opentagstart', (t) => reader.startTag(t.name));
  parser.on('opentag', (t) => {
    reader.startTagEnd(t.isSelfClosing);
    if (++count > (env?.meter.limits.maxCollectionLength ?? Infinity)) env!.meter.collection(count);
    const e = new XElementV(new XNameV(t.uri ?? '', t.local ?? t.name));
    for (const a of Object.values(t.attributes)) {
      const ns = a.prefix === 'xmlns' || a.name === 'xmlns' ? XMLNS : a.uri ?? '';
      e.setAttr(new XAttributeV(new XNameV(ns, a.prefix === 'xmlns' ? a.local : a.name === 'xmlns' ? 'xmlns' : a.local), a.value));
    }
    const parent = stack.at(-1)!;
    e.parent = parent;
    parent.nodes.push(e);
    stack.push(e);
  });
  parser.on('closetag', (t) => { reader.endTag(t.isSelfClosing); stack.pop(); });
  parser.on('text', (s) => {
    const top = stack.at(-1)!;
    if (top instanceof XDocumentV) { if (s.trim()) fail('text data outside of root node.'); return; }
    if (!s.trim() && top.nodes.length === 0 && false) return;
    const t = new XTextV(s);
    t.parent = top;
    top.nodes.push(t);
  });
  parser.on('cdata', (s) => { markup(); const top = stack.at(-1)!; const c = new XCDataV(s); c.parent = top; top.nodes.push(c); });
  parser.on('comment', (s) => { markup(); const top = stack.at(-1)!; const c = new XCommentV(s); c.parent = top; top.nodes.push(c); });
  parser.write(text).close();
  if (!doc.root) fail('document must contain a root element.');
  // LINQ to XML drops whitespace-only text between elements unless LoadOptions.PreserveWhitespace
  const strip = (c: XContainerV) => {
    if (c.nodes.some((n) => !(n instanceof XTextV)) ) c.nodes = c.nodes.filter((n) => !(n instanceof XTextV && !(n instanceof XCDataV) && n.value.trim() === ''));
    for (const e of c.elements()) strip(e);
  };
  strip(doc);
  return doc;
}

// ---- writing ----------------------------------------------------------------------------------------------------------

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');

/** The prefix declared for `ns` in scope of `e` (or undefined for the default namespace / none). */
function prefixFor(ns: string, e: XElementV | null): string | undefined | null {
  for (let x: XContainerV | null = e; x instanceof XElementV; x = x.parent) {
    for (const a of x.attrs) {
      if (a.name.ns === XMLNS && a.value === ns) return a.name.local;
      if (a.name.ns === '' && a.name.local === 'xmlns' && a.value === ns) return undefined;
    }
  }
  return null;
}

function elementName(e: XElementV): string {
  if (!e.name.ns) return e.name.local;
  const p = prefixFor(e.name.ns, e);
  return p ? `${p}:${e.name.local}` : e.name.local;
}

function attrName(a: XAttributeV, owner: XElementV | null): string {
  if (a.name.ns === XMLNS) return `xmlns:${a.name.local}`;
  if (a.name.ns === XML_NS) return `xml:${a.name.local}`;
  if (!a.name.ns) return a.name.local;
  const p = prefixFor(a.name.ns, owner);
  return p ? `${p}:${a.name.local}` : a.name.local;
}

/** Namespace declarations the writer must add for names that have no prefix in scope. */
function implicitDeclarations(e: XElementV): string[] {
  const out: string[] = [];
  if (e.name.ns && prefixFor(e.name.ns, e) === null) {
    const parentDefault = e.parent instanceof XElementV ? defaultNamespace(e.parent) : '';
    if (parentDefault !== e.name.ns) out.push(`xmlns="${escapeAttr(e.name.ns)}"`);
  } else if (!e.name.ns && e.parent instanceof XElementV && defaultNamespace(e.parent) !== '' && !e.attrs.some((a) => a.name.local === 'xmlns' && !a.name.ns)) {
    out.push('xmlns=""');
  }
  return out;
}

function defaultNamespace(e: XElementV): string {
  for (let x: XContainerV | null = e; x instanceof XElementV; x = x.parent) {
    const d = x.attrs.find((a) => a.name.ns === '' && a.name.local === 'xmlns');
    if (d) return d.value;
    if (x.name.ns && prefixFor(x.name.ns, x) === null) return x.name.ns;
  }
  return '';
}

export function write(n: XNodeV, indented: boolean, env?: Env): string {
  const chunks: string[] = [];
  let length = 0;
  const put = (s: string) => { length += s.length; if (env && length > env.meter.limits.maxStringLength) env.meter.string(length); chunks.push(s); };
  const walk = (x: XNodeV, depth: number, inline: boolean): void => {
    if (depth > 1000) throw netError('InsufficientExecutionStackException', 'The XML is nested too deeply to write.');
    const pad = indented && !inline ? NEWLINE + '  '.repeat(depth) : '';
    if (x instanceof XCDataV) { put(`${pad}<![CDATA[${x.value}]]>`); return; }
    if (x instanceof XTextV) { put(escapeText(x.value)); return; }
    if (x instanceof XCommentV) { put(`${pad}<!--${x.value}-->`); return; }
    if (x instanceof XDocumentV) {
      x.nodes.forEach((c, i) => walk(c, 0, i === 0));
      return;
    }
    const e = x as XElementV;
    const attrs = [...implicitDeclarations(e), ...e.attrs.map((a) => `${attrName(a, e)}="${escapeAttr(a.value)}"`)];
    const open = `<${elementName(e)}${attrs.length ? ' ' + attrs.join(' ') : ''}`;
    if (!e.nodes.length) { put(`${pad}${open} />`); return; }
    put(`${pad}${open}>`);
    const mixed = e.nodes.some((c) => c instanceof XTextV);
    for (const c of e.nodes) walk(c, depth + 1, mixed || !indented);
    put(`${mixed || !indented ? '' : NEWLINE + '  '.repeat(depth)}</${elementName(e)}>`);
  };
  walk(n, 0, true);
  env?.meter.string(length);
  return chunks.join('');
}

// ---- member tables ----------------------------------------------------------------------------------------------------

const el = (v: Value) => v as XElementV;
const cont = (v: Value) => v as XContainerV;
const named = (xs: XElementV[], n: Value | undefined) => (n === undefined ? xs : xs.filter((e) => e.name.netEquals(toName(n))));

function saveOptions(v: Value | undefined): boolean {
  return !(v instanceof EnumValue && (v.value & 1) === 1);
}

const CONTAINER_METHODS: TypeTable['methods'] = {
  Element: { type: 'XElement', call: (c, [n]) => named(cont(c).elements(), n)[0] ?? null },
  Elements: { type: 'IEnumerable<XElement>', call: (c, [n]) => named(cont(c).elements(), n) },
  Descendants: { type: 'IEnumerable<XElement>', call: (c, [n], _ta, env) => { const d = named(cont(c).descendants(), n); env.meter.collection(d.length); return d; } },
  Nodes: { type: 'IEnumerable<XNode>', call: (c) => [...cont(c).nodes] },
  DescendantNodes: { type: 'IEnumerable<XNode>', call: (c) => { const out: XNodeV[] = []; const walk = (x: XContainerV) => { for (const n of x.nodes) { out.push(n); if (n instanceof XContainerV) walk(n); } }; walk(cont(c)); return out; } },
  Add: { type: 'Void', call: (c, args, _ta, env) => { for (const a of args) cont(c).add(a, env); return null; } },
  AddFirst: { type: 'Void', call: (c, args, _ta, env) => { const tmp = new XElementV(new XNameV('', 'tmp')); for (const a of args) tmp.add(a, env); for (const n of tmp.nodes) n.parent = cont(c); cont(c).nodes.unshift(...tmp.nodes); return null; } },
  RemoveNodes: { type: 'Void', call: (c) => { for (const n of cont(c).nodes) n.parent = null; cont(c).nodes = []; return null; } },
  ReplaceNodes: { type: 'Void', call: (c, args, _ta, env) => { cont(c).nodes = []; for (const a of args) cont(c).add(a, env); return null; } },
  ToString: { type: 'String', call: (c, [o], _ta, env) => write(cont(c), saveOptions(o), env) },
  Remove: {
    type: 'Void',
    call: (c) => {
      const n = c as XNodeV;
      if (!n.parent) throw invalidOperation('The parent is missing.');
      n.parent.nodes = n.parent.nodes.filter((x) => x !== n);
      n.parent = null;
      return null;
    },
  },
};

const NODE_PROPS: TypeTable['props'] = {
  Parent: { type: 'XElement', get: (n) => { const p = (n as XNodeV).parent; return p instanceof XElementV ? p : null; } },
  Document: { type: 'XDocument', get: (n) => { let x: XContainerV | null = (n as XNodeV).parent ?? (n instanceof XDocumentV ? n : null); while (x && !(x instanceof XDocumentV)) x = x.parent; return x; } },
  NodeType: { type: 'XmlNodeType', get: (n) => new EnumValue('XmlNodeType', { XElement: 1, XText: 3, XCData: 4, XComment: 8, XDocument: 9 }[(n as XNodeV).$type] ?? 0, { Element: 1, Text: 3, CDATA: 4, Comment: 8, Document: 9 }) },
  NextNode: { type: 'XNode', get: (n) => { const x = n as XNodeV; const sib = x.parent?.nodes ?? []; return sib[sib.indexOf(x) + 1] ?? null; } },
  PreviousNode: { type: 'XNode', get: (n) => { const x = n as XNodeV; const sib = x.parent?.nodes ?? []; return sib[sib.indexOf(x) - 1] ?? null; } },
};

export const XELEMENT_TABLE: TypeTable = {
  props: {
    ...NODE_PROPS,
    Name: { type: 'XName', get: (e) => el(e).name, set: (e, v) => { el(e).name = toName(v); } },
    Value: { type: 'String', get: (e) => el(e).value, set: (e, v) => { el(e).value = toDotNetString(v); } },
    HasElements: { type: 'Boolean', get: (e) => el(e).elements().length > 0 },
    HasAttributes: { type: 'Boolean', get: (e) => el(e).attrs.length > 0 },
    IsEmpty: { type: 'Boolean', get: (e) => el(e).nodes.length === 0 },
    FirstNode: { type: 'XNode', get: (e) => el(e).nodes[0] ?? null },
    LastNode: { type: 'XNode', get: (e) => el(e).nodes.at(-1) ?? null },
    FirstAttribute: { type: 'XAttribute', get: (e) => el(e).attrs[0] ?? null },
  },
  methods: {
    ...CONTAINER_METHODS,
    Attribute: { type: 'XAttribute', call: (e, [n]) => el(e).attrs.find((a) => a.name.netEquals(toName(n))) ?? null },
    Attributes: { type: 'IEnumerable<XAttribute>', call: (e, [n]) => (n === undefined ? [...el(e).attrs] : el(e).attrs.filter((a) => a.name.netEquals(toName(n)))) },
    Ancestors: { type: 'IEnumerable<XElement>', call: (e, [n]) => { const out: XElementV[] = []; for (let p = el(e).parent; p instanceof XElementV; p = p.parent) out.push(p); return named(out, n); } },
    AncestorsAndSelf: { type: 'IEnumerable<XElement>', call: (e, [n]) => { const out: XElementV[] = []; for (let p: XContainerV | null = el(e); p instanceof XElementV; p = p.parent) out.push(p); return named(out, n); } },
    DescendantsAndSelf: { type: 'IEnumerable<XElement>', call: (e, [n]) => named([el(e), ...el(e).descendants()], n) },
    ElementsAfterSelf: { type: 'IEnumerable<XElement>', call: (e, [n]) => { const sib = el(e).parent?.elements() ?? []; return named(sib.slice(sib.indexOf(el(e)) + 1), n); } },
    ElementsBeforeSelf: { type: 'IEnumerable<XElement>', call: (e, [n]) => { const sib = el(e).parent?.elements() ?? []; return named(sib.slice(0, sib.indexOf(el(e))), n); } },
    SetValue: { type: 'Void', call: (e, [v]) => { if (v === null || v === undefined) throw argumentNull('value'); el(e).value = toDotNetString(v); return null; } },
    SetAttributeValue: {
      type: 'Void',
      call: (e, [n, v]) => {
        const name = toName(n);
        const i = el(e).attrs.findIndex((a) => a.name.netEquals(name));
        if (v === null || v === undefined) { if (i >= 0) el(e).attrs.splice(i, 1); return null; }
        if (i >= 0) el(e).attrs[i]!.value = toDotNetString(v); else el(e).setAttr(new XAttributeV(name, toDotNetString(v)));
        return null;
      },
    },
    SetElementValue: {
      type: 'Void',
      call: (e, [n, v], _ta, env) => {
        const name = toName(n);
        const child = el(e).elements().find((c) => c.name.netEquals(name));
        if (v === null || v === undefined) { if (child) el(e).nodes = el(e).nodes.filter((x) => x !== child); return null; }
        if (child) child.value = toDotNetString(v); else { const c = new XElementV(name); c.value = toDotNetString(v); el(e).add(c, env); }
        return null;
      },
    },
    RemoveAttributes: { type: 'Void', call: (e) => { el(e).attrs = []; return null; } },
    RemoveAll: { type: 'Void', call: (e) => { el(e).attrs = []; el(e).nodes = []; return null; } },
    ReplaceWith: {
      type: 'Void',
      call: (e, [v], _ta, env) => {
        const p = el(e).parent;
        if (!p) throw invalidOperation('The parent is missing.');
        const tmp = new XElementV(new XNameV('', 'tmp'));
        tmp.add(v ?? null, env);
        const i = p.nodes.indexOf(el(e));
        for (const n of tmp.nodes) n.parent = p;
        p.nodes.splice(i, 1, ...tmp.nodes);
        return null;
      },
    },
    GetDefaultNamespace: { type: 'XNamespace', call: (e) => new XNamespaceV(defaultNamespace(el(e))) },
    GetNamespaceOfPrefix: { type: 'XNamespace', call: (e, [p]) => { const pre = requireString(p ?? null, 'prefix'); for (let x: XContainerV | null = el(e); x instanceof XElementV; x = x.parent) { const a = x.attrs.find((y) => y.name.ns === XMLNS && y.name.local === pre); if (a) return new XNamespaceV(a.value); } return null; } },
  },
};

export const XDOCUMENT_TABLE: TypeTable = {
  props: {
    ...NODE_PROPS,
    Root: { type: 'XElement', get: (d) => (d as XDocumentV).root },
    Declaration: { type: 'XDeclaration', get: (d) => { const x = (d as XDocumentV).declaration; return x ? ({ $type: 'XDeclaration', ...x } as HostValue) : null; } },
  },
  methods: { ...CONTAINER_METHODS },
};

export const XATTRIBUTE_TABLE: TypeTable = {
  props: {
    Name: { type: 'XName', get: (a) => (a as XAttributeV).name },
    Value: { type: 'String', get: (a) => (a as XAttributeV).value, set: (a, v) => { if (v === null) throw argumentNull('value'); (a as XAttributeV).value = toDotNetString(v); } },
    Parent: { type: 'XElement', get: (a) => (a as XAttributeV).parent },
    IsNamespaceDeclaration: { type: 'Boolean', get: (a) => (a as XAttributeV).isNamespaceDeclaration },
    NextAttribute: { type: 'XAttribute', get: (a) => { const x = a as XAttributeV; const s = x.parent?.attrs ?? []; return s[s.indexOf(x) + 1] ?? null; } },
  },
  methods: {
    Remove: { type: 'Void', call: (a) => { const x = a as XAttributeV; if (!x.parent) throw invalidOperation('The parent is missing.'); x.parent.attrs = x.parent.attrs.filter((y) => y !== x); x.parent = null; return null; } },
    SetValue: { type: 'Void', call: (a, [v]) => { (a as XAttributeV).value = toDotNetString(v ?? null); return null; } },
    ToString: { type: 'String', call: (a) => (a as XAttributeV).netString() },
  },
};

const TEXT_TABLE: TypeTable = {
  props: { ...NODE_PROPS, Value: { type: 'String', get: (t) => (t as XTextV).value, set: (t, v) => { (t as XTextV).value = toDotNetString(v); } } },
  methods: { ToString: { type: 'String', call: (t, _a, _ta, env) => write(t as XNodeV, true, env) }, Remove: CONTAINER_METHODS.Remove! },
};

export const XML_TABLES: Record<string, TypeTable> = {
  XElement: XELEMENT_TABLE,
  XDocument: XDOCUMENT_TABLE,
  XAttribute: XATTRIBUTE_TABLE,
  XText: TEXT_TABLE,
  XCData: TEXT_TABLE,
  XComment: TEXT_TABLE,
  XName: {
    props: {
      LocalName: { type: 'String', get: (n) => (n as XNameV).local },
      NamespaceName: { type: 'String', get: (n) => (n as XNameV).ns },
      Namespace: { type: 'XNamespace', get: (n) => new XNamespaceV((n as XNameV).ns) },
    },
    methods: { ToString: { type: 'String', call: (n) => (n as XNameV).netString() }, Equals: { type: 'Boolean', call: (n, [o]) => (n as XNameV).netEquals(o ?? null) } },
  },
  XNamespace: {
    props: { NamespaceName: { type: 'String', get: (n) => (n as XNamespaceV).uri } },
    methods: { GetName: { type: 'XName', call: (n, [l]) => new XNameV((n as XNamespaceV).uri, requireString(l ?? null, 'localName')) }, ToString: { type: 'String', call: (n) => (n as XNamespaceV).uri } },
  },
  XDeclaration: {
    props: {
      Version: { type: 'String', get: (d) => (d as unknown as { version: string }).version },
      Encoding: { type: 'String', get: (d) => (d as unknown as { encoding: string }).encoding },
      Standalone: { type: 'String', get: (d) => (d as unknown as { standalone: string }).standalone },
    },
    methods: {},
  },
};

function parseElement(s: Value | undefined, env: Env): XElementV {
  const d = parseXml(requireString(s ?? null, 'text'), env);
  const root = d.root!;
  d.nodes = d.nodes.filter((n) => n !== root);
  root.parent = null;
  return root;
}

export const XML_STATICS: Record<string, StaticTable> = {
  XElement: {
    props: {},
    methods: {
      Parse: { type: 'XElement', call: (_t, [s], _ta, env) => parseElement(s, env) },
      Load: { type: 'XElement', call: () => { throw netError('NotSupportedException', 'XElement.Load reads files or URLs; it is not allowed in policy expressions.'); } },
    },
    ctor: (args, _ta, env) => {
      const [n, ...content] = args;
      if (n instanceof XElementV) return n.clone();
      const e = new XElementV(toName(n));
      for (const c of content) e.add(c, env);
      return e;
    },
  },
  XDocument: {
    props: {},
    methods: { Parse: { type: 'XDocument', call: (_t, [s], _ta, env) => parseXml(requireString(s ?? null, 'text'), env) } },
    ctor: (args, _ta, env) => {
      const d = new XDocumentV();
      for (const c of args) {
        if (isDeclaration(c)) { d.declaration = { version: (c as unknown as { version: string }).version, encoding: (c as unknown as { encoding: string }).encoding, standalone: (c as unknown as { standalone: string }).standalone }; continue; }
        d.add(c, env);
      }
      if (d.elements().length > 1) throw invalidOperation('This operation would create an incorrectly structured document.');
      return d;
    },
  },
  XAttribute: { props: {}, methods: {}, ctor: ([n, v]) => { if (v === null || v === undefined) throw argumentNull('value'); return new XAttributeV(toName(n), toDotNetString(v)); } },
  XText: { props: {}, methods: {}, ctor: ([s]) => new XTextV(requireString(s ?? null, 'value')) },
  XCData: { props: {}, methods: {}, ctor: ([s]) => new XCDataV(requireString(s ?? null, 'value')) },
  XComment: { props: {}, methods: {}, ctor: ([s]) => new XCommentV(requireString(s ?? null, 'value')) },
  XDeclaration: { props: {}, methods: {}, ctor: ([v, e, s]) => ({ $type: 'XDeclaration', version: toDotNetString(v ?? null), encoding: toDotNetString(e ?? null), standalone: toDotNetString(s ?? null) }) as HostValue },
  XName: { props: {}, methods: { Get: { type: 'XName', call: (_t, [l, ns]) => (ns === undefined ? toName(l) : new XNameV(requireString(ns, 'namespaceName'), requireString(l ?? null, 'localName'))) } } },
  XNamespace: {
    props: {
      None: { type: 'XNamespace', get: () => new XNamespaceV('') },
      Xml: { type: 'XNamespace', get: () => new XNamespaceV(XML_NS) },
      Xmlns: { type: 'XNamespace', get: () => new XNamespaceV(XMLNS) },
    },
    methods: { Get: { type: 'XNamespace', call: (_t, [u]) => new XNamespaceV(requireString(u ?? null, 'namespaceName')) } },
  },
  SaveOptions: { props: { None: { type: 'SaveOptions', get: () => new EnumValue('SaveOptions', 0, { None: 0, DisableFormatting: 1, OmitDuplicateNamespaces: 2 }) }, DisableFormatting: { type: 'SaveOptions', get: () => new EnumValue('SaveOptions', 1, { None: 0, DisableFormatting: 1, OmitDuplicateNamespaces: 2 }) } }, methods: {} },
  XmlNodeType: { props: Object.fromEntries(Object.entries({ Element: 1, Attribute: 2, Text: 3, CDATA: 4, Comment: 8, Document: 9 }).map(([k, v]) => [k, { type: 'XmlNodeType', get: () => new EnumValue('XmlNodeType', v, { Element: 1, Attribute: 2, Text: 3, CDATA: 4, Comment: 8, Document: 9 }) }])), methods: {} },
};

function isDeclaration(v: Value): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && (v as HostValue).$type === 'XDeclaration';
}

// `XNamespace ns = "…"`, `XName n = "…"`, `(string)element`, `(int)attribute`…
HOST_CONVERSIONS.push((type, v) => {
  if (type === 'XNamespace' && typeof v === 'string') return new XNamespaceV(v);
  if (type === 'XName' && typeof v === 'string') return toName(v);
  if (!(v instanceof XElementV || v instanceof XAttributeV)) return undefined;
  const text = v.value;
  switch (type) {
    case 'String': return text;
    case 'Int32': case 'Int64': return parseIntegral(text, type);
    case 'Double': case 'Decimal': return parseFloating(text);
    case 'Boolean': { const t = text.trim().toLowerCase(); if (t === 'true' || t === '1') return true; if (t === 'false' || t === '0') return false; throw netError('FormatException', `The string '${text}' is not a valid Boolean value.`); }
    default: return undefined;
  }
});

// `ns + "local"` is an XName
HOST_ARITHMETIC.push((op, a, b) => (op === '+' && a instanceof XNamespaceV && typeof b === 'string' ? new XNameV(a.uri, b) : undefined));

ENUMERATORS.push((v) => (v instanceof XContainerV ? [...v.nodes] : undefined));
