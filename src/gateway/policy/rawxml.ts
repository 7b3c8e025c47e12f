import { TwinError } from '../../core/index.js';

/**
 * rawxml support (docs/behaviour/apim.md §1.1): find `@(…)`/`@{…}` spans, skipping C# strings, chars and comments
 * inside them, and replace each by a placeholder of exactly the same length (line breaks kept), so
 * that line:column positions reported by the XML parser stay those of the original text.
 */
export interface ExpressionSpan { start: number; end: number; text: string }

const MARK_BASE = 0xe100;
const MARK_MAX = 0xf8ff - MARK_BASE;
const FILL = '\ue000';
const END = '\ue001';

/** End index (exclusive) of the C# span opened at `open` (the `(` or `{` after `@`). */
export function scanExpressionEnd(text: string, open: number): number {
  const openCh = text[open]!;
  const closeCh = openCh === '(' ? ')' : '}';
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') { const e = text.indexOf('*/', i + 2); i = e < 0 ? text.length : e + 2; continue; }
    if (c === '"' || c === "'" || ((c === '@' || c === '$') && (text[i + 1] === '"' || ((text[i + 1] === '$' || text[i + 1] === '@') && text[i + 2] === '"')))) {
      i = skipCsString(text, i);
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh) { depth--; if (depth === 0) return i + 1; }
    i++;
  }
  return -1;
}

/** Skip a C# string/char literal starting at i (any prefix), returning the index after it. */
export function skipCsString(text: string, i: number): number {
  let verbatim = false;
  let interp = false;
  while (text[i] === '@' || text[i] === '$') { if (text[i] === '@') verbatim = true; else interp = true; i++; }
  const q = text[i]!;
  i++;
  while (i < text.length) {
    const c = text[i]!;
    if (q === "'" || !verbatim) { if (c === '\\') { i += 2; continue; } }
    if (c === q) {
      if (verbatim && text[i + 1] === q) { i += 2; continue; }
      return i + 1;
    }
    if (interp && c === '{') {
      if (text[i + 1] === '{') { i += 2; continue; }
      // a hole: balanced braces with nested strings
      let depth = 1;
      i++;
      while (i < text.length && depth > 0) {
        const d = text[i]!;
        if (d === '"' || d === "'" || ((d === '@' || d === '$') && /^[@$]{0,2}"/.test(text.slice(i, i + 3)))) { i = skipCsString(text, i); continue; }
        if (d === '{') depth++;
        else if (d === '}') depth--;
        i++;
      }
      continue;
    }
    if (q === "'" && c === '\n') return i;
    i++;
  }
  return i;
}

const counters = { scanned: 0 };
/** Characters examined by failed span scans so far (a test asserts the loader stays linear in its input). */
export function rawxmlScanWork(): number {
  return counters.scanned;
}

/**
 * Find expression spans outside XML comments and CDATA. A `@(` that never closes makes its scan run to the end of the
 * text; the characters scanned by such failed scans are bounded (4 × the text, plus 64 KiB), after which the search
 * stops: a document with that many unclosed openings is not a policy, and the XML parse reports it. Without the bound,
 * 10,000 unclosed `@(` in attribute values took seconds (quadratic).
 */
export function findExpressionSpans(text: string): ExpressionSpan[] {
  const spans: ExpressionSpan[] = [];
  const budget = 4 * text.length + 65536;
  let failed = 0;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('<!--', i)) { const e = text.indexOf('-->', i + 4); i = e < 0 ? text.length : e + 3; continue; }
    if (text.startsWith('<![CDATA[', i)) { const e = text.indexOf(']]>', i + 9); i = e < 0 ? text.length : e + 3; continue; }
    if (text[i] === '@' && (text[i + 1] === '(' || text[i + 1] === '{')) {
      const end = scanExpressionEnd(text, i + 1);
      if (end > 0) { spans.push({ start: i, end, text: text.slice(i, end) }); i = end; continue; }
      failed += text.length - i;
      counters.scanned += text.length - i;
      if (failed > budget) break;
    }
    i++;
  }
  return spans;
}

/** Replace spans by same-length placeholders; `restore` puts the (entity-decoded) originals back. */
export function maskExpressions(text: string): { masked: string; spans: ExpressionSpan[] } {
  const spans = findExpressionSpans(text);
  if (spans.length > MARK_MAX) throw new TwinError('ERR_APIM_POLICY_TOO_LARGE', `Too many policy expressions (${spans.length})`);
  let out = '';
  let last = 0;
  spans.forEach((s, n) => {
    out += text.slice(last, s.start);
    let ph = String.fromCharCode(MARK_BASE + n);
    for (let j = 1; j < s.text.length - 1; j++) { const c = s.text[j]!; ph += c === '\n' || c === '\r' ? c : FILL; }
    out += ph + END;
    last = s.end;
  });
  return { masked: out + text.slice(last), spans };
}

const PLACEHOLDER = /[\ue100-\uf8ff][\ue000\s]*\ue001/g;

export function restoreExpressions(value: string, spans: ExpressionSpan[]): string {
  if (spans.length === 0) return value;
  return value.replace(PLACEHOLDER, (m) => decodeXmlEntities(spans[m.charCodeAt(0) - MARK_BASE]!.text));
}

const NAMED: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

export function decodeXmlEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|quot|amp|lt|gt|apos);/g, (_m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return NAMED[e]!;
  });
}
