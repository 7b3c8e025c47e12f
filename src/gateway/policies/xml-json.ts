import { SaxesParser } from 'saxes';
import { TwinError } from '../../core/index.js';
import { parseJson, writeJson } from '../expressions/lib-json.js';
import { ExpressionRuntimeError } from '../expressions/values.js';
import { firstXmlReaderError, withPosition } from '../expressions/xml-reader-errors.js';

/** .NET's XmlException text for a document with a DTD (XmlReaderSettings.DtdProcessing = Prohibit). */
const DTD_PROHIBITED = 'For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.';

/**
 * XML ↔ JSON in the shapes of Newtonsoft's XmlNodeConverter, which APIM's xml-to-json / json-to-xml and Liquid's XML
 * `body` follow (docs/behaviour/apim.md §2): attributes as `@name`, mixed text as `#text`, CDATA as `#cdata-section`,
 * repeated children as arrays, an empty element as null, `prefix:name` written `prefix$name` (APIM's observed
 * direct form). No DTD, no entities beyond XML's five and character references.
 */

/** Most elements one conversion reads or writes (docs/limits.md). */
export const MAX_XML_NODES = 100_000;
const MAX_DEPTH = 256;

interface XNode { name: string; attrs: Array<[string, string]>; children: Array<XNode | { text: string; cdata: boolean }> }

function conversionError(message: string): TwinError {
  return new TwinError('ERR_APIM_BODY_CONVERSION', message);
}

/** Parse an XML document (declaration kept apart) into a small tree. */
export function parseXmlDocument(text: string): { declaration: Array<[string, string]>; root: XNode } {
  const parser = new SaxesParser({ xmlns: false });
  const stack: XNode[] = [];
  let root: XNode | undefined;
  let declaration: Array<[string, string]> = [];
  let count = 0;
  let error: Error | undefined;
  parser.on('error', (e) => { error ??= e; });
  parser.on('doctype', () => { error ??= new Error('DOCTYPE declarations are not allowed'); });
  parser.on('xmldecl', (d) => {
    declaration = ([['version', d.version], ['encoding', d.encoding], ['standalone', d.standalone]] as Array<[string, string | undefined]>)
      .filter((e): e is [string, string] => e[1] !== undefined);
  });
  parser.on('opentag', (t) => {
    if (++count > MAX_XML_NODES) { error ??= new Error(`more than ${MAX_XML_NODES} elements`); return; }
    if (stack.length >= MAX_DEPTH) { error ??= new Error(`elements nested deeper than ${MAX_DEPTH}`); return; }
    const node: XNode = { name: t.name, attrs: Object.entries(t.attributes as Record<string, string>), children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node);
    else root = node;
    if (!t.isSelfClosing) stack.push(node);
  });
  parser.on('closetag', (t) => { if (stack.at(-1)?.name === t.name) stack.pop(); });
  parser.on('text', (t) => { stack.at(-1)?.children.push({ text: t, cdata: false }); });
  parser.on('cdata', (t) => { stack.at(-1)?.children.push({ text: t, cdata: true }); });
  try {
    parser.write(text).close();
  } catch (e) {
    error ??= e as Error;
  }
  if (error || !root) {
    // the words of .NET's XmlException (XmlReader's message and position), as APIM's converter reads the body with one
    const r = /DOCTYPE/.test(error?.message ?? '') ? undefined : firstXmlReaderError(text);
    throw conversionError(r ? withPosition(r) : error && /DOCTYPE/.test(error.message) ? DTD_PROHIBITED : root ? (error?.message ?? '').replace(/^[^:]*:\d+:\d+: /, '') : 'Root element is missing.');
  }
  return { declaration, root };
}

const jsonName = (n: string, kind: XmlToJsonOptions['kind']) => (kind === 'javascript-friendly' ? n.replace(/^[^:]*:/, '') : n.replace(/:/g, '$'));

export interface XmlToJsonOptions {
  kind?: 'direct' | 'javascript-friendly';
  alwaysArray?: boolean;
  /** xsi:nil="true" elements: null, or '' ("blank"). */
  xsiNil?: 'blank' | 'null';
}

function elementValue(node: XNode, o: Required<XmlToJsonOptions>): unknown {
  const friendly = o.kind === 'javascript-friendly';
  const attrs = node.attrs.filter(([k]) => !(friendly && (k === 'xmlns' || k.startsWith('xmlns:'))));
  const nil = node.attrs.some(([k, v]) => /(^|:)nil$/.test(k) && v.trim() === 'true');
  const elements = node.children.filter((c): c is XNode => 'name' in c);
  const texts = node.children.filter((c): c is { text: string; cdata: boolean } => !('name' in c));
  const textValue = texts.map((t) => t.text).join('');
  const meaningfulText = elements.length ? textValue.trim() : textValue;
  if (nil) return o.xsiNil === 'null' ? null : '';
  if (attrs.length === 0 && elements.length === 0) {
    if (texts.length === 0) return null;
    if (texts.length === 1 && texts[0]!.cdata && !friendly) return { '#cdata-section': texts[0]!.text };
    return textValue;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of attrs) out[friendly ? jsonName(k, o.kind) : `@${jsonName(k, o.kind)}`] = v;
  if (meaningfulText !== '') out[friendly ? '_text' : '#text'] = meaningfulText;
  const groups = new Map<string, unknown[]>();
  for (const e of elements) {
    const key = jsonName(e.name, o.kind);
    let g = groups.get(key);
    if (!g) { g = []; groups.set(key, g); }
    g.push(elementValue(e, o));
  }
  for (const [k, g] of groups) out[k] = g.length > 1 || o.alwaysArray ? g : g[0];
  return out;
}

/** The JSON value of an XML document. */
export function xmlToJsonValue(text: string, options: XmlToJsonOptions = {}): unknown {
  const o: Required<XmlToJsonOptions> = { kind: options.kind ?? 'direct', alwaysArray: options.alwaysArray ?? false, xsiNil: options.xsiNil ?? 'blank' };
  const { declaration, root } = parseXmlDocument(text);
  const out: Record<string, unknown> = {};
  if (o.kind === 'direct') for (const [k, v] of declaration) out[k] = v;
  const value = elementValue(root, o);
  out[jsonName(root.name, o.kind)] = value;
  return out;
}

// ---- JSON → XML -----------------------------------------------------------------------------------------------------

export interface JsonToXmlOptions {
  namespaceSeparator?: string;
  namespacePrefix?: string;
  attributeBlockName?: string;
}

const NAME_START = /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F-\u2040]/;

/** XmlConvert.EncodeName: characters a name cannot hold become `_xHHHH_`. */
export function encodeXmlName(name: string): string {
  if (name === '') return '_';
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const ok = c !== ':' && (NAME_START.test(c) || (i > 0 && NAME_CHAR.test(c)));
    out += ok ? c : `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`;
  }
  return out;
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return String(v);
}

/** XML text of a JSON body; a body with more than one top-level property (or not an object) is wrapped in `<Document>`. */
export function jsonToXml(text: string, options: JsonToXmlOptions = {}): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // what JSON.parse refuses is read as Newtonsoft reads it (comments, trailing commas, single quotes…), and refused
    // in its JsonReaderException words
    try {
      value = JSON.parse(writeJson(parseJson(text), false));
    } catch (n) {
      throw conversionError(n instanceof ExpressionRuntimeError ? n.message : (n as Error).message);
    }
  }
  const sep = options.namespaceSeparator ?? '_';
  const nsPrefix = options.namespacePrefix;
  const block = options.attributeBlockName;
  let count = 0;
  const lines: string[] = [];

  const elementName = (key: string, prefixes: ReadonlySet<string>): string => {
    const i = sep ? key.indexOf(sep) : -1;
    if (i > 0 && prefixes.has(key.slice(0, i))) return `${key.slice(0, i)}:${encodeXmlName(key.slice(i + sep.length))}`;
    return encodeXmlName(key);
  };

  const write = (key: string, v: unknown, depth: number, inherited: ReadonlySet<string>): void => {
    if (++count > MAX_XML_NODES) throw conversionError(`The body has more than ${MAX_XML_NODES} elements`);
    if (depth > MAX_DEPTH) throw conversionError(`The body nests deeper than ${MAX_DEPTH}`);
    if (Array.isArray(v)) { for (const item of v) write(key, item, depth, inherited); count--; return; }
    const pad = '  '.repeat(depth);
    if (v === null || typeof v !== 'object') {
      const name = elementName(key, inherited);
      lines.push(v === null ? `${pad}<${name} />` : `${pad}<${name}>${escapeText(scalarText(v))}</${name}>`);
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    const attrs: Array<[string, string]> = [];
    const prefixes = new Set(inherited);
    const children: Array<[string, unknown]> = [];
    let textContent: string | undefined;
    for (const [k, x] of entries) {
      if (nsPrefix && k.startsWith(nsPrefix)) {
        const local = k.slice(nsPrefix.length).replace(new RegExp(`^${escapeRegex(sep)}`), '');
        attrs.push([local ? `xmlns:${local}` : 'xmlns', scalarText(x)]);
        if (local) prefixes.add(local);
      } else if (block !== undefined && k === block && x && typeof x === 'object' && !Array.isArray(x)) {
        for (const [a, av] of Object.entries(x as Record<string, unknown>)) attrs.push([encodeXmlName(a), scalarText(av)]);
      } else if (k.startsWith('@')) attrs.push([encodeXmlName(k.slice(1)), scalarText(x)]);
      else if (k === '#text') textContent = scalarText(x);
      else children.push([k, x]);
    }
    const name = elementName(key, prefixes);
    const attrText = attrs.map(([a, av]) => ` ${a}="${escapeAttr(av)}"`).join('');
    if (children.length === 0) {
      lines.push(textContent === undefined ? `${pad}<${name}${attrText} />` : `${pad}<${name}${attrText}>${escapeText(textContent)}</${name}>`);
      return;
    }
    lines.push(`${pad}<${name}${attrText}>${textContent !== undefined ? escapeText(textContent) : ''}`);
    for (const [k, x] of children) write(k, x, depth + 1, prefixes);
    lines.push(`${pad}</${name}>`);
  };

  const top = value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
  if (top.length === 1 && !Array.isArray(top[0]![1])) write(top[0]![0], top[0]![1], 0, new Set());
  else write('Document', value && typeof value === 'object' && !Array.isArray(value) ? value : { Item: value }, 0, new Set());
  return lines.join('\r\n');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
