import { armError } from '../errors.js';
import type { ExprNode, TemplateString } from './ast.js';
import { tokenize } from './tokenizer.js';
import type { Token, TokenKind } from './tokenizer.js';

import { ARM_LIMITS } from './limits.js';
import { INT64_MAX, INT64_MIN, normInt } from './values.js';

const MAX_DEPTH = ARM_LIMITS.maxExpressionDepth;

class Parser {
  #tokens: Token[];
  #pos = 0;
  #depth = 0;
  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }
  peek(k = 0): Token {
    return this.#tokens[Math.min(this.#pos + k, this.#tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.#pos < this.#tokens.length - 1) this.#pos++;
    return t;
  }
  expect(kind: TokenKind, what: string): Token {
    const t = this.peek();
    if (t.kind !== kind) throw unexpected(t, what);
    return this.next();
  }
  /** Each call argument and each `.x`/`[i]` makes the AST one level deeper. */
  deeper(): void {
    if (++this.#depth > MAX_DEPTH) {
      throw armError('ERR_ARM_LIMIT_EXCEEDED', `The language expression nests calls and accesses more than ${MAX_DEPTH} levels deep (docs/limits.md).`, undefined, {
        offset: this.peek().offset,
        limit: 'maxExpressionDepth',
        max: MAX_DEPTH,
      });
    }
  }
  expression(): ExprNode {
    this.deeper();
    const start = this.#depth;
    let node = this.primary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'dot' || t.kind === 'lbracket') this.deeper();
      if (t.kind === 'dot') {
        this.next();
        const id = this.expect('ident', 'a property name');
        node = { kind: 'member', object: node, property: id.text, offset: t.offset };
      } else if (t.kind === 'lbracket') {
        this.next();
        const index = this.expression();
        this.expect('rbracket', "']'");
        node = { kind: 'index', object: node, index, offset: t.offset };
      } else break;
    }
    this.#depth = start - 1;
    return node;
  }
  primary(): ExprNode {
    const t = this.peek();
    if (t.kind === 'string') {
      this.next();
      return { kind: 'string', value: t.text, offset: t.offset };
    }
    if (t.kind === 'int') {
      this.next();
      const big = BigInt(t.text);
      if (big < INT64_MIN || big > INT64_MAX) throw armError('ERR_ARM_EXPRESSION_SYNTAX', `The integer '${t.text}' is out of the range of a 64-bit integer.`, undefined, { offset: t.offset });
      return { kind: 'int', value: normInt(big), offset: t.offset };
    }
    if (t.kind === 'ident') {
      this.next();
      let name = t.text;
      if (this.peek().kind === 'dot' && this.peek(1).kind === 'ident' && this.peek(2).kind === 'lparen') {
        this.next();
        name += '.' + this.next().text;
      }
      this.expect('lparen', `'(' after the function name '${name}'`);
      const args: ExprNode[] = [];
      if (this.peek().kind !== 'rparen') {
        for (;;) {
          args.push(this.expression());
          if (this.peek().kind === 'comma') {
            this.next();
            continue;
          }
          break;
        }
      }
      this.expect('rparen', "')' or ','");
      return { kind: 'call', name, args, offset: t.offset };
    }
    throw unexpected(t, 'a function call, a string or an integer');
  }
}

function unexpected(t: Token, what: string): Error {
  const found = t.kind === 'eof' ? 'the end of the expression' : `'${t.text}'`;
  return armError('ERR_ARM_EXPRESSION_SYNTAX', `The language expression is not valid: expected ${what} but found ${found} at position ${t.offset}.`, undefined, {
    offset: t.offset,
  });
}

/** Parse an expression body (without the surrounding brackets); offsets relative to `source`. */
export function parseExpression(source: string, start = 0, end = source.length): ExprNode {
  const p = new Parser(tokenize(source, start, end));
  if (p.peek().kind === 'eof') throw armError('ERR_ARM_EXPRESSION_SYNTAX', 'The language expression is empty.', undefined, { offset: start });
  const node = p.expression();
  const rest = p.peek();
  if (rest.kind !== 'eof') throw unexpected(rest, 'the end of the expression');
  return node;
}

/** True when a template string is an expression (`[...]`, not `[[...`). */
export function isExpression(s: string): boolean {
  return s.length >= 2 && s[0] === '[' && s[1] !== '[' && s[s.length - 1] === ']';
}

/** Classify a template JSON string: `[[x` → literal `[x`; `[expr]` → expression; anything else literal. */
export function parseTemplateString(s: string): TemplateString {
  if (s.startsWith('[[')) return { kind: 'literal', value: s.slice(1) };
  if (s.length >= 2 && s[0] === '[' && s[s.length - 1] === ']') {
    if (s.length > ARM_LIMITS.maxExpressionLength) {
      throw armError(
        'ERR_ARM_LIMIT_EXCEEDED',
        `The template language expression is ${s.length} characters long; Azure's limit is ${ARM_LIMITS.maxExpressionLength} characters.`,
        undefined,
        { limit: 'maxExpressionLength', max: ARM_LIMITS.maxExpressionLength, value: s.length },
      );
    }
    return { kind: 'expression', text: s, ast: parseExpression(s, 1, s.length - 1) };
  }
  return { kind: 'literal', value: s };
}
