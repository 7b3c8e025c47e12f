import { SaxesParser } from 'saxes';
import { formatLocation, TwinError, type SourceLocation } from '../../core/index.js';
import { withPosition, XmlReaderTracker } from '../expressions/xml-reader-errors.js';
import { maskExpressions, restoreExpressions, type ExpressionSpan } from './rawxml.js';

/** One element of a policy document, with the 1-based position of its `<`. */
export interface PolicyNode {
  name: string;
  attrs: Record<string, string>;
  children: PolicyNode[];
  /** Direct text and CDATA content (expressions restored). */
  text: string;
  /** The original inner markup as written (for liquid bodies). */
  innerXml: string;
  line: number;
  column: number;
}

const counters = { xml: 0 };
/** Number of XML parses done by this process (tests assert it does not move per request). */
export function xmlParseCount(): number {
  return counters.xml;
}

function parseStrict(text: string, spans: ExpressionSpan[], file: string | undefined): PolicyNode {
  counters.xml++;
  const parser = new SaxesParser({ position: true });
  const stack: Array<PolicyNode & { openEnd: number }> = [];
  let root: PolicyNode | undefined;
  let pendingStart: { line: number; column: number } = { line: 1, column: 1 };
  const fail = (msg: string, line = parser.line, column = parser.column): never => {
    throw new TwinError('ERR_APIM_POLICY_XML', msg, { location: { file, line, column } });
  };
  // XmlReader's wording and positions (expressions/xml-reader-errors.ts)
  const reader = new XmlReaderTracker(text, parser);
  const markup = () => reader.markup();
  parser.on('error', (e) => {
    const r = reader.error(e.message);
    throw new TwinError('ERR_APIM_POLICY_XML', withPosition(r), {
      location: { file, ...(r.line ? { line: r.line, column: r.column } : {}) },
      details: { offset: r.at, ...(/comment/.test(r.message) ? { reason: 'comment', outsideRoot: stack.length === 0 } : {}) },
    });
  });
  parser.on('doctype', () => fail('DOCTYPE declarations are not allowed in policy documents'));
  parser.on('xmldecl', markup);
  parser.on('processinginstruction', markup);
  parser.on('comment', markup);
  parser.on('opentagstart', (t) => {
    pendingStart = { line: parser.line, column: parser.column - t.name.length - 1 };
    reader.startTag(t.name);
  });
  parser.on('opentag', (t) => {
    reader.startTagEnd(t.isSelfClosing);
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(t.attributes as Record<string, string>)) attrs[k] = restoreExpressions(v, spans);
    const node = { name: t.name, attrs, children: [], text: '', innerXml: '', ...pendingStart, openEnd: parser.position };
    const parent = stack.at(-1);
    if (parent) parent.children.push(node);
    else if (root) fail('More than one root element');
    else root = node;
    stack.push(node);
  });
  parser.on('closetag', (t) => {
    reader.endTag(t.isSelfClosing);
    const node = stack.pop();
    if (!node || t.isSelfClosing) return;

    const closeLen = `</${t.name}>`.length;
    node.innerXml = restoreExpressions(text.slice(node.openEnd, parser.position - closeLen), spans);
    node.text = restoreExpressions(node.text, spans);
  });
  const onText = (s: string) => { const top = stack.at(-1); if (top) top.text += s; };
  parser.on('text', onText);
  parser.on('cdata', (s: string) => { markup(); onText(s); });
  parser.write(text).close();
  if (!root) return fail('Root element is missing.');
  return strip(root);
}

function strip(n: PolicyNode & { openEnd?: number }): PolicyNode {
  const { openEnd: _ignored, ...rest } = n;
  return { ...rest, children: n.children.map(strip) };
}

/**
 * Parse policy XML, accepting both entity-escaped XML and "rawxml" (unescaped `"`, `<`, `&&` inside
 * `@(…)`/`@{…}`): expression spans are masked first, so that their text is kept exactly.
 */
export function parsePolicyXml(source: string, file?: string, options: { loose?: boolean; warnings?: string[] } = {}): PolicyNode {
  let text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  // A comment holding '--' is read on to the next '-->' (what a reader that ignores the rule sees), with a warning:
  // in loose mode anywhere; in strict mode only outside the root element, where a published snippet file keeps its
  // notes to the reader ("Copy this snippet into the outbound section"): that text is not part of the policy a user
  // pastes or deploys, so it does not decide whether the policy loads. Inside the root element it is .NET
  // XmlReader's error, as APIM answers it. Every other XML error fails.
  for (let i = 0; ; i++) {
    try {
      return parseText(text, file);
    } catch (e) {
      if (!(e instanceof TwinError) || e.details?.reason !== 'comment' || i >= MAX_COMMENT_REPAIRS) throw e;
      if (!options.loose && e.details.outsideRoot !== true) throw e;
      const at = e.details.offset as number;
      const how = options.loose ? 'loose: the comment goes on to the next \'-->\'' : 'outside the root element: the comment goes on to the next \'-->\'';
      options.warnings?.push(`${e.code}: ${e.message} at ${formatLocation(e.location)} (${how})`);
      text = text.slice(0, at) + '- ' + text.slice(at + 2);
    }
  }
}

/** Comments holding '--' that loose mode reads on past (each one a warning) before it gives up. */
const MAX_COMMENT_REPAIRS = 100;

function parseText(text: string, file: string | undefined): PolicyNode {
  if (/<!DOCTYPE/i.test(text.replace(/"[^"]*"/g, ''))) {
    const idx = text.search(/<!DOCTYPE/i);
    const before = text.slice(0, idx);
    const line = before.split('\n').length;
    throw new TwinError('ERR_APIM_POLICY_XML', 'DOCTYPE declarations are not allowed in policy documents', {
      location: { file, line, column: idx - before.lastIndexOf('\n') },
    });
  }
  // Expression spans are masked even in well-formed text: XML normalizes line breaks in attribute values to spaces,
  // and a multi-line `value="@{ … // comment … }"` must keep them (the service keeps the expression as written, e.g.
  // Microsoft's "Backend for Frontend" snippet). Text that only parses unmasked is still accepted as it is.
  const { masked, spans } = maskExpressions(text);
  if (spans.length === 0) return parseStrict(text, [], file);
  try {
    return parseStrict(masked, spans, file);
  } catch (e) {
    try {
      return parseStrict(text, [], file);
    } catch {
      throw e;
    }
  }
}

export function nodeLocation(n: PolicyNode, file: string | undefined): SourceLocation {
  return { file, line: n.line, column: n.column };
}
