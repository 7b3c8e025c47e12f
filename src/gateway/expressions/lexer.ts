import { TwinError } from '../../core/index.js';

/** Tokens of the C# subset used by APIM policy expressions. */
export type Token =
  | { kind: 'ident'; value: string; pos: number; verbatim?: boolean }
  | { kind: 'num'; value: number; numType: NumType; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'char'; value: string; pos: number }
  | { kind: 'interp'; parts: Array<string | InterpHole>; pos: number }
  | { kind: 'punct'; value: string; pos: number }
  | { kind: 'eof'; pos: number };

export type NumType = 'int' | 'long' | 'uint' | 'ulong' | 'double' | 'float' | 'decimal';
/** One `{expr,align:format}` hole of an interpolated string; `pos` is the offset of `expr`. */
export interface InterpHole { src: string; pos: number; align?: string; format?: string }

const PUNCT = [
  '??=', '<<=', '=>', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<', '::',
  '+', '-', '*', '/', '%', '<', '>', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}', ';', '=', '&', '|', '^', '~',
];

const isIdentStart = (c: string) => /[A-Za-z_]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_]/.test(c);

export function lexError(src: string, pos: number, message: string): TwinError {
  return new TwinError('ERR_APIM_EXPRESSION_SYNTAX', message, { details: { offset: pos, expression: src } });
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v' };

/** Read a regular escape sequence at src[i] == '\\'; returns [text, nextIndex]. */
function readEscape(src: string, i: number): [string, number] {
  const c = src[i + 1];
  if (c === undefined) throw lexError(src, i, 'Unterminated escape sequence');
  if (c === 'u') {
    const hex = src.slice(i + 2, i + 6);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw lexError(src, i, 'Bad \\u escape');
    return [String.fromCharCode(parseInt(hex, 16)), i + 6];
  }
  const e = ESCAPES[c];
  if (e === undefined) throw lexError(src, i, `Unsupported escape sequence \\${c}`);
  return [e, i + 2];
}

/** Scan an interpolated string starting at the opening quote; `verbatim` for $@"…". */
function readInterpolated(src: string, start: number, verbatim: boolean): [Token, number] {
  const parts: Array<string | InterpHole> = [];
  let buf = '';
  let i = start + 1;
  for (;;) {
    const c = src[i];
    if (c === undefined) throw lexError(src, start, 'Unterminated interpolated string');
    if (c === '"') {
      if (verbatim && src[i + 1] === '"') { buf += '"'; i += 2; continue; }
      i += 1;
      break;
    }
    if (!verbatim && c === '\\') { const [t, n] = readEscape(src, i); buf += t; i = n; continue; }
    if (c === '{' && src[i + 1] === '{') { buf += '{'; i += 2; continue; }
    if (c === '}' && src[i + 1] === '}') { buf += '}'; i += 2; continue; }
    if (c === '{') {
      if (buf) parts.push(buf);
      buf = '';
      const holeStart = i + 1;
      const end = skipBalanced(src, holeStart, '}');
      let hole = src.slice(holeStart, end);
      const part: InterpHole = { src: hole, pos: holeStart };
      const colon = topLevel(hole, ':');
      if (colon >= 0) { part.format = hole.slice(colon + 1); hole = hole.slice(0, colon); }
      const comma = topLevel(hole, ',');
      if (comma >= 0) { part.align = hole.slice(comma + 1); hole = hole.slice(0, comma); }
      part.src = hole;
      parts.push(part);
      i = end + 1;
      continue;
    }
    buf += c;
    i += 1;
  }
  if (buf) parts.push(buf);
  return [{ kind: 'interp', parts, pos: start }, i];
}

/**
 * Index of `ch` (`:` format or `,` alignment) at nesting depth 0 outside strings. C# requires a conditional operator in
 * a hole to be parenthesized, so a top-level `:` always starts the format.
 */
function topLevel(hole: string, ch: string): number {
  let depth = 0;
  for (let i = 0; i < hole.length; i++) {
    const c = hole[i]!;
    if (c === '"' || c === "'") { i = skipString(hole, i); continue; }
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') depth--;
    else if (c === ch && depth <= 0) return i;
  }
  return -1;
}

/** Index of the closing quote of the literal at `i` (a prefix `@`/`$` before it is skipped by the caller). */
function skipString(src: string, i: number): number {
  const quote = src[i]!;
  const verbatim = src[i - 1] === '@' || (src[i - 1] === '$' && src[i - 2] === '@');
  let j = i + 1;
  while (j < src.length) {
    if (src[j] === quote) {
      if (verbatim && src[j + 1] === quote) { j += 2; continue; }
      return j;
    }
    j += src[j] === '\\' && !verbatim ? 2 : 1;
  }
  return j;
}

/** Index of the closing `close` matching depth 0, skipping strings; throws if absent. */
function skipBalanced(src: string, i: number, close: string): number {
  let depth = 0;
  for (let j = i; j < src.length; j++) {
    const c = src[j]!;
    if (c === '"' || c === "'") { j = skipString(src, j); continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0 && c === close) return j;
      depth--;
    }
  }
  throw lexError(src, i, 'Unterminated interpolation hole');
}

const NAMED_VALUE = /\{\{\s*([A-Za-z0-9._-]+)\s*\}\}/y;

/** Sticky: matches at `lastIndex` without copying the rest of the source (linear lexing). */
const NUMBER = /(0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?(\.[0-9][0-9_]*)?([eE][+-]?[0-9]+)?)([uU][lL]?|[lL][uU]?|[mMdDfF])?/y;

/** A literal's value and C# type (an unsuffixed integer is int, uint, long or ulong by its size). */
function numberValue(m: RegExpExecArray, src: string, at: number): { value: number; numType: NumType } {
  const text = m[1]!.replace(/_/g, '');
  const suffix = (m[4] ?? '').toLowerCase();
  const real = Boolean(m[2] || (m[3] && !/^0[xX]/.test(text)));
  let value: number;
  if (/^0[xX]/.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^0[bB]/.test(text)) value = parseInt(text.slice(2), 2);
  else value = Number(text);
  if (!Number.isFinite(value) && !real) throw lexError(src, at, 'Integral constant is too large');
  if (suffix === 'm') return { value, numType: 'decimal' };
  if (suffix === 'd') return { value, numType: 'double' };
  if (suffix === 'f') return { value, numType: 'float' };
  if (real) {
    if (!Number.isFinite(value)) throw lexError(src, at, 'Floating-point constant is outside the range of type double');
    return { value, numType: 'double' };
  }
  if (suffix.includes('u') && suffix.includes('l')) return { value, numType: 'ulong' };
  if (suffix === 'u') return { value, numType: value <= 0xffffffff ? 'uint' : 'ulong' };
  if (suffix === 'l') return { value, numType: 'long' };
  if (value <= 2147483647) return { value, numType: 'int' };
  if (value <= 0xffffffff) return { value, numType: 'uint' };
  return { value, numType: value <= 9223372036854775807 ? 'long' : 'ulong' };
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw lexError(src, i, 'Unterminated comment');
      i = end + 2;
      continue;
    }
    const start = i;
    if (c === '$' && src[i + 1] === '"') { const [t, n] = readInterpolated(src, i + 1, false); out.push({ ...t, pos: start }); i = n; continue; }
    if ((c === '$' && src[i + 1] === '@' && src[i + 2] === '"') || (c === '@' && src[i + 1] === '$' && src[i + 2] === '"')) {
      const [t, n] = readInterpolated(src, i + 2, true); out.push({ ...t, pos: start }); i = n; continue;
    }
    if (c === '@' && src[i + 1] === '"') {
      let buf = '';
      let j = i + 2;
      for (;;) {
        if (j >= src.length) throw lexError(src, i, 'Unterminated verbatim string');
        if (src[j] === '"') { if (src[j + 1] === '"') { buf += '"'; j += 2; continue; } j++; break; }
        buf += src[j]; j++;
      }
      out.push({ kind: 'str', value: buf, pos: start }); i = j; continue;
    }
    if (c === '"') {
      let buf = '';
      let j = i + 1;
      for (;;) {
        const d = src[j];
        if (d === undefined || d === '\n') throw lexError(src, i, 'Unterminated string literal');
        if (d === '"') { j++; break; }
        if (d === '\\') { const [t, n] = readEscape(src, j); buf += t; j = n; continue; }
        buf += d; j++;
      }
      out.push({ kind: 'str', value: buf, pos: start }); i = j; continue;
    }
    if (c === "'") {
      let j = i + 1;
      let ch: string;
      if (src[j] === '\\') { const [t, n] = readEscape(src, j); ch = t; j = n; } else { ch = src[j] ?? ''; j++; }
      if (src[j] !== "'" || ch === '') throw lexError(src, i, 'Bad char literal');
      out.push({ kind: 'char', value: ch, pos: start }); i = j + 1; continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(src)!;
      if (isIdentPart(src[i + m[0].length] ?? '')) throw lexError(src, i, 'Invalid numeric literal');
      out.push({ kind: 'num', ...numberValue(m, src, i), pos: start }); i += m[0].length; continue;
    }
    if (isIdentStart(c) || (c === '@' && isIdentStart(src[i + 1] ?? ''))) {
      let j = c === '@' ? i + 1 : i;
      while (j < src.length && isIdentPart(src[j]!)) j++;
      const tok: Token = { kind: 'ident', value: src.slice(c === '@' ? i + 1 : i, j), pos: start };
      if (c === '@') tok.verbatim = true;
      out.push(tok); i = j; continue;
    }
    if (c === '{' && src[i + 1] === '{') {
      // `{{name}}` in code: a named value the service does not define (known ones are substituted before compiling)
      NAMED_VALUE.lastIndex = i;
      const m = NAMED_VALUE.exec(src);
      if (m) {
        throw new TwinError('ERR_APIM_NAMED_VALUE_NOT_FOUND', `The named value '${m[1]}' is not defined: {{${m[1]}}} is replaced by its value before the expression is compiled`, {
          details: { offset: i, namedValue: m[1] },
        });
      }
    }
    const p = PUNCT.find((q) => src.startsWith(q, i));
    if (!p) throw lexError(src, i, `Unexpected character '${c}'`);
    out.push({ kind: 'punct', value: p, pos: start }); i += p.length;
  }
  out.push({ kind: 'eof', pos: src.length });
  return out;
}
