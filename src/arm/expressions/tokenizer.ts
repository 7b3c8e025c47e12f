import { armError } from '../errors.js';

export type TokenKind = 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'dot' | 'string' | 'int' | 'ident' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier text, decoded string literal, or integer digits. */
  text: string;
  offset: number;
}

const PUNCT: Record<string, TokenKind> = { '(': 'lparen', ')': 'rparen', '[': 'lbracket', ']': 'rbracket', ',': 'comma', '.': 'dot' };

function syntax(message: string, offset: number): Error {
  return armError('ERR_ARM_EXPRESSION_SYNTAX', message, undefined, { offset });
}

/**
 * Tokenize the inside of an expression (`source` is the whole JSON string; tokenizing runs from
 * `start` to `end`, so that offsets point into the original string).
 */
export function tokenize(source: string, start = 0, end = source.length): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (i < end) {
    const ch = source[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i++;
      continue;
    }
    const punct = PUNCT[ch];
    if (punct) {
      tokens.push({ kind: punct, text: ch, offset: i });
      i++;
      continue;
    }
    if (ch === "'") {
      const begin = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= end) throw syntax(`The string literal starting at position ${begin} is not terminated.`, begin);
        if (source[i] === "'") {
          if (source[i + 1] === "'" && i + 1 < end) {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i];
        i++;
      }
      tokens.push({ kind: 'string', text: value, offset: begin });
      continue;
    }
    if ((ch >= '0' && ch <= '9') || (ch === '-' && /[0-9]/.test(source[i + 1] ?? ''))) {
      const begin = i;
      i++;
      while (i < end && /[0-9]/.test(source[i]!)) i++;
      if (i < end && source[i] === '.' && /[0-9]/.test(source[i + 1] ?? '')) {
        throw syntax(`The number at position ${begin} is not an integer; floating point literals are not supported (use json('1.5')).`, begin);
      }
      tokens.push({ kind: 'int', text: source.slice(begin, i), offset: begin });
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      const begin = i;
      i++;
      while (i < end && /[A-Za-z0-9_$]/.test(source[i]!)) i++;
      tokens.push({ kind: 'ident', text: source.slice(begin, i), offset: begin });
      continue;
    }
    throw syntax(`The character '${ch}' at position ${i} is not expected.`, i);
  }
  tokens.push({ kind: 'eof', text: '', offset: end });
  return tokens;
}
