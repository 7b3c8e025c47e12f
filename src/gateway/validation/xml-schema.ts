import { createHash } from 'node:crypto';
import { TwinError } from '../../core/index.js';
import { firstXmlReaderError } from '../expressions/xml-reader-errors.js';
import type { ApiSchema } from '../types.js';
import { dotNetXsdErrors } from './xsd-messages.js';

/**
 * XML Schema (XSD 1.0) validation for validate-content `validate-as="xml"`, on libxml2 compiled to WebAssembly
 * (`libxml2-wasm`, docs/design/decisions.md). The engine is imported on first need (≈ 250 ms, so a twin without XML
 * validation never pays it): `loadXmlSchemaEngine()` before compiling a service whose APIs have XSD schemas
 * (`prepareXmlSchemas`), then everything is synchronous. Schemas are compiled once, when the service compiles; a
 * request only parses its body and runs the compiled validator.
 *
 * Security (docs/security.md): no DTD anywhere — a schema or a body with `<!DOCTYPE` is refused before libxml2 sees it,
 * and libxml2 parses with entity loading off (`XML_PARSE_NONET | XML_PARSE_NO_XXE`, no `NOENT` / `DTDLOAD`); a schema
 * may not include or import other documents by `schemaLocation` (the engine has no file system or network either).
 */

type Engine = typeof import('libxml2-wasm');
let engine: Engine | undefined;
let loading: Promise<Engine> | undefined;

/** The content types of XSD schemas (`apis/schemas` `contentType`). */
const XSD_CONTENT_TYPES = ['application/vnd.ms-azure-apim.xsd+xml', 'application/xml', 'text/xml'];

export function isXsdSchema(s: ApiSchema): boolean {
  return typeof s.document === 'string' && (s.contentType === undefined || XSD_CONTENT_TYPES.includes(s.contentType.toLowerCase()) || s.contentType.toLowerCase().includes('xsd'));
}

export function loadXmlSchemaEngine(): Promise<Engine> {
  loading ??= import('libxml2-wasm').then((m) => (engine = m));
  return loading;
}

/** Load the engine when any of these API schemas is an XSD (what compileService will compile). */
export async function prepareXmlSchemas(schemas: Iterable<ApiSchema>): Promise<void> {
  for (const s of schemas) if (isXsdSchema(s)) { await loadXmlSchemaEngine(); return; }
}

export interface CompiledXsd {
  readonly validator: InstanceType<Engine['XsdValidator']>;
  /** Names of the schema's global elements (the definitions a representation's `typeName` names). */
  readonly elements: ReadonlySet<string>;
  /** The schema's `targetNamespace` ('' when none): the namespace of its global elements. */
  readonly targetNamespace: string;
}

const compiled = new WeakMap<ApiSchema, CompiledXsd>();
const released = new FinalizationRegistry<{ dispose(): void }>((held) => { try { held.dispose(); } catch { /* already gone */ } });

const DOCTYPE = /<!DOCTYPE/i;
const SCHEMA_LOCATION = /<(?:[\w.-]+:)?(?:include|import|redefine|override)\b[^>]*\bschemaLocation\s*=/;
const XSD_NS = 'http://www.w3.org/2001/XMLSchema';

const message = (details: ReadonlyArray<{ message: string }> | undefined, fallback: string) =>
  (details ?? []).map((d) => d.message.trim()).filter(Boolean).join(' ') || fallback;

/**
 * Compile an API's XSD schema once (what the deployment accepts, the gateway runs); a schema that does not compile is
 * ERR_APIM_SCHEMA with the engine's reason.
 */
export function compileXsd(schema: ApiSchema, where: string, siblings: readonly ApiSchema[] = []): CompiledXsd {
  const have = compiled.get(schema);
  if (have) return have;
  if (!engine) throw new TwinError('ERR_APIM_SCHEMA', `${where}: the XML schema engine is not loaded (loadXmlSchemaEngine() first)`);
  const own = String(schema.document);
  for (const t of [own, ...siblings.filter(isXsdSchema).map((x) => String(x.document))]) {
    if (DOCTYPE.test(t)) throw new TwinError('ERR_APIM_SCHEMA', `${where}: an XML schema with a DTD (<!DOCTYPE>) is refused (no DTD processing)`, { location: { file: where } });
    if (SCHEMA_LOCATION.test(t)) throw new TwinError('ERR_APIM_SCHEMA', `${where}: an XML schema that includes or imports another document by schemaLocation is not supported (give one self-contained schema)`, { location: { file: where } });
  }
  const text = withSiblingImports(own, siblings);
  const { XmlDocument, XsdValidator, ParseOption } = engine;
  let doc: InstanceType<Engine['XmlDocument']> | undefined;
  try {
    doc = XmlDocument.fromString(text, { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE });
    const root = doc.root;
    if (root.name !== 'schema' || root.namespaceUri !== XSD_NS) throw new Error(`the root element is <${root.name}>, not an XML Schema <xs:schema>`);
    const elements = new Set<string>();
    for (let n = root.firstChild; n; n = n.next) {
      const el = n as unknown as { name?: string; namespaceUri?: string; attr?(name: string): { value: string } | null };
      if (el.name === 'element' && el.namespaceUri === XSD_NS) {
        const name = el.attr?.('name')?.value;
        if (name) elements.add(name);
      }
    }
    const validator = XsdValidator.fromDoc(doc);
    const result: CompiledXsd = { validator, elements, targetNamespace: root.attr('targetNamespace')?.value ?? '' };
    const schemaDoc = doc;
    released.register(result, { dispose() { validator.dispose(); schemaDoc.dispose(); } });
    compiled.set(schema, result);
    return result;
  } catch (e) {
    doc?.dispose();
    const reason = message((e as { details?: Array<{ message: string }> }).details, (e as Error).message);
    throw new TwinError('ERR_APIM_SCHEMA', `${where}: the XML schema does not compile: ${reason}`, { location: { file: where } });
  }
}

const IMPORT = /<((?:[\w.-]+:)?)import\b([^>]*?)(\/?)>/g;
const TARGET_NAMESPACE = /^[^<]*(?:<[?!][^>]*>[^<]*)*<(?:[\w.-]+:)?schema\b[^>]*?\stargetNamespace\s*=\s*(?:"([^"]*)"|'([^']*)')/;
const targetNamespaceOf = (text: string) => { const m = TARGET_NAMESPACE.exec(text); return m ? m[1] ?? m[2] ?? '' : ''; };
let siblingProvider: InstanceType<Engine['XmlBufferInputProvider']> | undefined;

/**
 * The schemas of one API import each other by namespace alone (`<xs:import namespace="…"/>`, as the several schemas
 * of a WCF single-file WSDL do): each such import of a namespace that a sibling schema of the API declares is given a
 * location the engine reads from memory (`/trustline-xsd/{hash}.xsd`, served by an input provider that knows only
 * these texts; no file system, no network). Imports of other namespaces stay as written.
 */
function withSiblingImports(text: string, siblings: readonly ApiSchema[], seen = new Set<string>()): string {
  const others = siblings.filter(isXsdSchema).map((x) => String(x.document)).filter((t) => t !== text);
  if (others.length === 0) return text;
  seen.add(text);
  return text.replace(IMPORT, (tag, prefix: string, attrs: string, close: string) => {
    const ns = /\snamespace\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(attrs);
    const sibling = ns ? others.find((t) => targetNamespaceOf(t) === (ns[1] ?? ns[2])) : undefined;
    if (!sibling || /\sschemaLocation\s*=/.test(attrs)) return tag;
    const name = `/trustline-xsd/${createHash('sha256').update(sibling).digest('hex').slice(0, 32)}.xsd`;
    if (!siblingProvider) {
      siblingProvider = new engine!.XmlBufferInputProvider({});
      engine!.xmlRegisterInputProvider(siblingProvider);
    }
    // the sibling's own imports of other siblings resolve the same way (each text once: imports may be mutual)
    siblingProvider.addBuffer(name, Buffer.from(seen.has(sibling) ? sibling : withSiblingImports(sibling, siblings, seen)));
    return `<${prefix}import${attrs} schemaLocation="${name}"${close}>`;
  });
}

/** The compiled form of an API schema (undefined: not an XSD, or its service was compiled without it). */
export function compiledXsdOf(schema: ApiSchema): CompiledXsd | undefined {
  return compiled.get(schema);
}

/** A validation error: message and where in the body (1-based line and position). */
export interface XmlValidationError { message: string; line: number; position: number }

/**
 * Validate a body against a compiled schema. `parse`: the body is not well-formed XML (or has a DTD); `invalid`: the
 * schema's errors, in document order, positioned in `positionsText` (the text the caller reports on: a SOAP body
 * whose payload `text` is, line for line, validated in place).
 */
export function validateXml(xsd: CompiledXsd, text: string, positionsText = text): { kind: 'valid' } | { kind: 'parse' | 'invalid'; errors: XmlValidationError[] } {
  const { XmlDocument, ParseOption } = engine!;
  const doctype = DOCTYPE.exec(text);
  if (doctype) {
    const before = text.slice(0, doctype.index);
    const line = before.split('\n').length;
    return { kind: 'parse', errors: [{ message: 'For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.', line, position: doctype.index - before.lastIndexOf('\n') }] };
  }
  let doc: InstanceType<Engine['XmlDocument']>;
  try {
    doc = XmlDocument.fromString(text, { option: ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE });
  } catch (e) {
    // XmlReader's words for the first error where the twin knows them (expressions/xml-reader-errors.ts)
    const r = firstXmlReaderError(text);
    return { kind: 'parse', errors: r ? [{ message: r.message, line: Math.max(1, r.line), position: Math.max(1, r.column) }] : errorsOf(e) };
  }
  try {
    xsd.validator.validate(doc);
    return { kind: 'valid' };
  } catch (e) {
    return { kind: 'invalid', errors: dotNetXsdErrors(positionsText, errorsOf(e)) };
  } finally {
    doc.dispose();
  }
}

function errorsOf(e: unknown): XmlValidationError[] {
  const details = (e as { details?: Array<{ message: string; line?: number; col?: number }> }).details;
  if (!details?.length) return [{ message: (e as Error).message, line: 1, position: 1 }];
  return details.map((d) => ({ message: d.message.trim(), line: Math.max(1, d.line ?? 1), position: Math.max(1, d.col ?? 1) }));
}
