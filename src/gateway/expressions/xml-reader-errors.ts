/**
 * The well-formedness errors of .NET's XmlReader (System.Xml.XmlException), for what saxes reports: APIM reads policy
 * documents and `XDocument.Parse`/`XElement.Parse` read their text with XmlReader, so the message, the line and the
 * 1-based position are XmlReader's where the twin knows them (docs/behaviour/apim.md §4.1). Positions are those of
 * XmlTextReaderImpl: the first character of root-level data, the name of a start or end tag, the end of the input for
 * unclosed elements. An error this table does not know keeps saxes's wording at saxes's position.
 */
import { SaxesParser } from 'saxes';

/** An open element: its qualified name and the index of the first character of its name. */
export interface OpenTag { name: string; at: number }

export interface XmlReaderError {
  /** The message without its position (`Data at the root level is invalid.`). */
  message: string;
  line: number;
  column: number;
  /** Index in the text the position stands for. */
  at: number;
}

/** 1-based line and position of an index, as XmlReader counts them (a line starts after `\n`). */
export function lineColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let start = -1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) { line++; start = i; }
  return { line, column: at - start };
}

/**
 * The XmlReader error for one saxes error. `position` is saxes's position when it failed (characters consumed),
 * `open` the elements open at that point (outermost first), `markupEnd` the index after the last markup read (a tag,
 * comment, declaration or processing instruction).
 */
export function xmlReaderError(saxesMessage: string, text: string, position: number, open: readonly OpenTag[], markupEnd: number): XmlReaderError {
  const m = saxesMessage.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '');
  const at = (i: number, message: string): XmlReaderError => ({ message, ...lineColumn(text, i), at: i });
  if (/^malformed comment/.test(m)) {
    // the first '-' of a '--' that does not end the comment (XmlTextReaderImpl.ParseCDataOrComment)
    let i = position - 3;
    if (text.slice(i, i + 2) !== '--') i = text.lastIndexOf('--', Math.max(0, position - 1));
    return at(i, "An XML comment cannot contain '--', and '-' cannot be the last character.");
  }
  if (/^text data outside of root node/.test(m)) {
    // the first character of the data after the last markup
    const i = text.slice(markupEnd).search(/\S/);
    return at(i < 0 ? markupEnd : markupEnd + i, 'Data at the root level is invalid.');
  }
  if (/^unclosed tag/.test(m) || (/^unexpected end/.test(m) && open.length > 0)) {
    return at(text.length, `Unexpected end of file has occurred. The following elements are not closed: ${open.map((t) => t.name).join(', ')}.`);
  }
  if (/^(unexpected close tag|unmatched closing tag)/.test(m)) {
    const i = text.lastIndexOf('</', position - 1) + 2;
    const end = /^[^\s>]*/.exec(text.slice(i))![0];
    const start = open.at(-1);
    if (!start) return at(i, 'Unexpected end tag.');
    const s = lineColumn(text, start.at);
    return at(i, `The '${start.name}' start tag on line ${s.line} position ${s.column} does not match the end tag of '${end}'.`);
  }
  if (/^documents may contain only one root/.test(m)) {
    return at(text.lastIndexOf('<', position - 1) + 1, 'There are multiple root elements.');
  }
  if (/^document must contain a root element/.test(m)) return { message: 'Root element is missing.', line: 0, column: 0, at: text.length };
  if (/^unexpected end/.test(m)) return at(text.length, 'Unexpected end of file has occurred.');
  if (/^undefined entity/.test(m)) {
    // an entity reference other than XML's five and character references, at its name
    const amp = text.lastIndexOf('&', Math.max(0, position - 1));
    const name = /^[^;\s<&]*/.exec(text.slice(amp + 1))![0];
    return at(amp + 1, `Reference to undeclared entity '${name}'.`);
  }
  const here = Math.max(0, position - 1);
  return at(here, /[.!?]$/.test(m) ? m : `${m}.`);
}

/** What a saxes parser needs to report XmlReader's errors: its handlers call these as they read. */
interface SaxesLike { position: number }

/**
 * Follows one saxes parse for xmlReaderError: the open elements, where the last markup ended, and the element saxes
 * closes on a mismatched end tag before it reports it (still open for XmlReader).
 */
export class XmlReaderTracker {
  readonly open: OpenTag[] = [];
  #markupEnd = 0;
  #closed: { tag: OpenTag | undefined; position: number } | undefined;
  constructor(readonly text: string, readonly parser: SaxesLike) {}
  /** opentagstart */
  startTag(name: string): void { this.open.push({ name, at: this.parser.position - 1 - name.length }); }
  /** opentag */
  startTagEnd(selfClosing: boolean): void { this.markup(); if (selfClosing) this.open.pop(); }
  /** closetag */
  endTag(selfClosing: boolean): void {
    this.markup();
    if (!selfClosing) this.#closed = { tag: this.open.pop(), position: this.parser.position };
  }
  /** comment, cdata, xmldecl, processinginstruction */
  markup(): void { this.#markupEnd = this.parser.position; }
  /** The XmlReader error for saxes's error message at the parser's position. */
  error(saxesMessage: string): XmlReaderError {
    if (this.#closed?.tag && this.#closed.position === this.parser.position) { this.open.push(this.#closed.tag); this.#closed = undefined; }
    return xmlReaderError(saxesMessage, this.text, this.parser.position, this.open, this.#markupEnd);
  }
}

/** `message Line L, position P.` (no position when the error has none: a missing root). */
export function withPosition(e: XmlReaderError): string {
  return e.line ? `${e.message} Line ${e.line}, position ${e.column}.` : e.message;
}

/** The first well-formedness error XmlReader reports for a text (namespaces checked), or undefined when it reads. */
export function firstXmlReaderError(text: string): XmlReaderError | undefined {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const reader = new XmlReaderTracker(text, parser);
  let error: XmlReaderError | undefined;
  parser.on('error', (e) => { error ??= reader.error(e.message); throw e; });
  parser.on('opentagstart', (t) => reader.startTag(t.name));
  parser.on('opentag', (t) => reader.startTagEnd(t.isSelfClosing));
  parser.on('closetag', (t) => reader.endTag(t.isSelfClosing));
  for (const ev of ['comment', 'cdata', 'xmldecl', 'processinginstruction'] as const) parser.on(ev, () => reader.markup());
  parser.on('text', (s) => { if (reader.open.length === 0 && s.trim()) { error ??= reader.error('text data outside of root node.'); throw new Error('stop'); } });
  try {
    parser.write(text).close();
  } catch {
    return error;
  }
  return error;
}
