import { TwinError } from '../../core/index.js';
import type { Expr, Program, Stmt } from './ast.js';
import { tokenize, type Token } from './lexer.js';

/** Type names accepted in casts and generic arguments, and as variable declaration types. */
export const TYPE_KEYWORDS = new Set(['string', 'int', 'bool', 'object', 'long', 'double', 'char', 'var', 'String', 'Int32', 'Boolean', 'Object']);

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7, '<': 8, '>': 8, '<=': 8, '>=': 8,
  '+': 10, '-': 10, '*': 11, '/': 11, '%': 11,
};

class Parser {
  #t: Token[];
  #i = 0;
  readonly src: string;
  readonly base: number;
  constructor(src: string, base: number) {
    this.src = src;
    this.base = base;
    this.#t = tokenize(src);
  }
  peek(o = 0): Token { return this.#t[Math.min(this.#i + o, this.#t.length - 1)]!; }
  next(): Token { return this.#t[this.#i++]!; }
  isP(v: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'punct' && t.value === v; }
  isId(v?: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'ident' && (v === undefined || t.value === v); }
  fail(msg: string, pos = this.peek().pos): never {
    throw new TwinError('ERR_APIM_EXPRESSION_SYNTAX', msg, { details: { offset: this.base + pos, expression: this.src } });
  }
  expectP(v: string): Token {
    if (!this.isP(v)) this.fail(`Expected '${v}' but found ${describe(this.peek())}`);
    return this.next();
  }
  ident(): string {
    const t = this.next();
    if (t.kind !== 'ident') this.fail(`Expected a name but found ${describe(t)}`, t.pos);
    return t.value;
  }
  atEnd(): boolean { return this.peek().kind === 'eof'; }

  expression(): Expr {
    const t = this.peek();
    if (t.kind === 'ident' && this.isP('=', 1)) {
      this.next(); this.next();
      return { k: 'assign', name: t.value, value: this.expression(), pos: t.pos };
    }
    if ((t.kind === 'ident' && this.isP('=>', 1)) || (this.isP('(') && this.lambdaAhead())) this.fail('Lambda expressions are not supported');
    return this.conditional();
  }
  lambdaAhead(): boolean {
    let j = 1;
    while (this.peek(j).kind === 'ident' || this.isP(',', j)) j++;
    return this.isP(')', j) && this.isP('=>', j + 1);
  }
  conditional(): Expr {
    const test = this.binary(1);
    if (!this.isP('?')) return test;
    const q = this.next();
    const then = this.expression();
    this.expectP(':');
    return { k: 'cond', test, then, else: this.expression(), pos: q.pos };
  }
  binary(min: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return left;
      const prec = BINARY_PRECEDENCE[t.value];
      if (prec === undefined || prec < min) return left;
      this.next();
      // ?? is right-associative
      const right = t.value === '??' ? this.binary(prec) : this.binary(prec + 1);
      left = { k: 'binary', op: t.value, left, right, pos: t.pos };
    }
  }
  unary(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.value === '!' || t.value === '-' || t.value === '+')) {
      this.next();
      return { k: 'unary', op: t.value, operand: this.unary(), pos: t.pos };
    }
    if (t.kind === 'punct' && (t.value === '++' || t.value === '--' || t.value === '~')) this.fail(`Operator '${t.value}' is not supported`);
    if (this.isP('(') && this.castAhead()) {
      this.next();
      const type = this.typeName();
      this.expectP(')');
      return { k: 'cast', type, operand: this.unary(), pos: t.pos };
    }
    return this.postfix(this.primary());
  }
  /** `(T)` followed by something that can start an operand; T a keyword type or a dotted name. */
  castAhead(): boolean {
    const a = this.peek(1);
    if (a.kind !== 'ident') return false;
    let j = 2;
    while (this.isP('.', j) && this.peek(j + 1).kind === 'ident') j += 2;
    if (this.isP('?', j)) j++;
    if (!this.isP(')', j)) return false;
    if (TYPE_KEYWORDS.has(a.value) && j === 2) return true;
    const n = this.peek(j + 1);
    return n.kind === 'ident' || n.kind === 'str' || n.kind === 'num' || n.kind === 'char' || n.kind === 'interp' || (n.kind === 'punct' && (n.value === '(' || n.value === '!'));
  }
  typeName(): string {
    let name = this.ident();
    while (this.isP('.')) { this.next(); name += '.' + this.ident(); }
    if (this.isP('<')) name += '<' + this.typeArgs().join(',') + '>';
    if (this.isP('?')) { this.next(); name += '?'; }
    if (this.isP('[') && this.isP(']', 1)) { this.next(); this.next(); name += '[]'; }
    return name;
  }
  typeArgs(): string[] {
    this.expectP('<');
    const out = [this.typeName()];
    while (this.isP(',')) { this.next(); out.push(this.typeName()); }
    this.expectP('>');
    return out;
  }
  /** `<` starts a generic argument list if `<Ident(.Ident)*(,…)*>` is followed by `(`. */
  genericAhead(): boolean {
    if (!this.isP('<')) return false;
    let j = 1;
    for (;;) {
      if (this.peek(j).kind !== 'ident') return false;
      j++;
      while (this.isP('.', j) || this.isP('?', j) || this.isP('[', j) || this.isP(']', j) || (this.isP('.', j - 1) && this.peek(j).kind === 'ident')) j++;
      if (this.isP(',', j)) { j++; continue; }
      return this.isP('>', j) && this.isP('(', j + 1);
    }
  }
  primary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'str': return { k: 'lit', value: t.value, type: 'string', pos: t.pos };
      case 'char': return { k: 'lit', value: t.value, type: 'char', pos: t.pos };
      case 'num': return { k: 'lit', value: t.value, type: t.isInt ? 'int' : 'double', pos: t.pos };
      case 'interp': {
        const parts = t.parts.map((p) => {
          if (typeof p === 'string') return p;
          const sub = new Parser(p.src, this.base + p.pos);
          const expr = sub.expression();
          if (!sub.atEnd()) sub.fail(`Unexpected ${describe(sub.peek())} in interpolation hole`);
          return p.format === undefined ? { expr } : { expr, format: p.format };
        });
        return { k: 'interp', parts, pos: t.pos };
      }
      case 'ident':
        if (t.value === 'true' || t.value === 'false') return { k: 'lit', value: t.value === 'true', type: 'bool', pos: t.pos };
        if (t.value === 'null') return { k: 'lit', value: null, type: 'null', pos: t.pos };
        if (t.value === 'new') this.fail("Object creation ('new') is not supported", t.pos);
        if (t.value === 'typeof' || t.value === 'default' || t.value === 'nameof') this.fail(`'${t.value}' is not supported`, t.pos);
        if (this.genericAhead()) {
          const typeArgs = this.typeArgs();
          return { k: 'call', target: { k: 'name', name: '', pos: t.pos }, name: t.value, typeArgs, args: this.args('(', ')'), nullCond: false, pos: t.pos };
        }
        if (this.isP('(')) return { k: 'call', target: { k: 'name', name: '', pos: t.pos }, name: t.value, typeArgs: [], args: this.args('(', ')'), nullCond: false, pos: t.pos };
        return { k: 'name', name: t.value, pos: t.pos };
      case 'punct':
        if (t.value === '(') { const e = this.expression(); this.expectP(')'); return e; }
        return this.fail(`Unexpected '${t.value}'`, t.pos);
      case 'eof':
        return this.fail('Unexpected end of expression', t.pos);
    }
  }
  args(open: string, close: string): Expr[] {
    this.expectP(open);
    const out: Expr[] = [];
    if (this.isP(close)) { this.next(); return out; }
    for (;;) {
      if (this.isId('out') || this.isId('ref')) this.fail(`'${this.peek().kind === 'ident' ? (this.peek() as { value: string }).value : ''}' arguments are not supported`);
      out.push(this.expression());
      if (this.isP(',')) { this.next(); continue; }
      this.expectP(close);
      return out;
    }
  }
  postfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      if (t.value === '.' || t.value === '?.') {
        this.next();
        const nullCond = t.value === '?.';
        if (nullCond && this.isP('[')) { e = { k: 'index', target: e, args: this.args('[', ']'), nullCond, pos: t.pos }; continue; }
        const name = this.ident();
        const typeArgs = this.genericAhead() ? this.typeArgs() : [];
        if (this.isP('(')) e = { k: 'call', target: e, name, typeArgs, args: this.args('(', ')'), nullCond, pos: t.pos };
        else e = { k: 'member', target: e, name, nullCond, pos: t.pos };
        continue;
      }
      if (t.value === '[') { e = { k: 'index', target: e, args: this.args('[', ']'), nullCond: false, pos: t.pos }; continue; }
      if (t.value === '++' || t.value === '--') this.fail(`Operator '${t.value}' is not supported`);
      return e;
    }
  }

  statement(): Stmt {
    const t = this.peek();
    if (this.isP('{')) {
      this.next();
      const body: Stmt[] = [];
      while (!this.isP('}')) { if (this.atEnd()) this.fail("Expected '}'"); body.push(this.statement()); }
      this.next();
      return { k: 'block', body, pos: t.pos };
    }
    if (t.kind === 'ident') {
      if (t.value === 'return') { this.next(); const value = this.expression(); this.expectP(';'); return { k: 'return', value, pos: t.pos }; }
      if (t.value === 'if') {
        this.next(); this.expectP('(');
        const test = this.expression();
        this.expectP(')');
        const then = this.statement();
        if (this.isId('else')) { this.next(); return { k: 'if', test, then, else: this.statement(), pos: t.pos }; }
        return { k: 'if', test, then, pos: t.pos };
      }
      if (['for', 'foreach', 'while', 'do', 'try', 'using', 'switch', 'throw', 'const', 'break', 'continue'].includes(t.value)) this.fail(`'${t.value}' statements are not supported`);
      if (this.declarationAhead()) {
        this.typeName();
        const name = this.ident();
        this.expectP('=');
        const init = this.expression();
        this.expectP(';');
        return { k: 'var', name, init, pos: t.pos };
      }
    }
    const expr = this.expression();
    this.expectP(';');
    return { k: 'expr', expr, pos: t.pos };
  }
  /** `Type name =` (Type may be dotted or generic or nullable or an array). */
  declarationAhead(): boolean {
    let j = 1;
    while (this.isP('.', j) && this.peek(j + 1).kind === 'ident') j += 2;
    if (this.isP('<', j)) { let depth = 0; do { if (this.isP('<', j)) depth++; if (this.isP('>', j)) depth--; j++; } while (depth > 0 && this.peek(j).kind !== 'eof'); }
    if (this.isP('?', j)) j++;
    if (this.isP('[', j) && this.isP(']', j + 1)) j += 2;
    return this.peek(j).kind === 'ident' && this.isP('=', j + 1);
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of expression';
    case 'punct': return `'${t.value}'`;
    case 'ident': return `'${t.value}'`;
    default: return t.kind === 'num' ? `number ${t.value}` : 'a literal';
  }
}

const counters = { parses: 0 };
/** Number of expression parses done by this process (tests assert it does not move per request). */
export function expressionParseCount(): number {
  return counters.parses;
}

/**
 * Parse the source of a policy expression: `@(expr)` or `@{ statements }` (with the marker),
 * `baseOffset` being the source's offset for error details.
 */
export function parseProgram(source: string): Program {
  counters.parses++;
  const s = source.trim();
  if (s.startsWith('@(') && s.endsWith(')')) {
    const p = new Parser(s.slice(2, -1), 2);
    const expr = p.expression();
    if (!p.atEnd()) p.fail(`Unexpected ${describe(p.peek())} after the expression`);
    return { kind: 'expr', expr };
  }
  if (s.startsWith('@{') && s.endsWith('}')) {
    const p = new Parser(s.slice(2, -1), 2);
    const body: Stmt[] = [];
    while (!p.atEnd()) body.push(p.statement());
    return { kind: 'block', body };
  }
  throw new TwinError('ERR_APIM_EXPRESSION_SYNTAX', 'An expression must be @(…) or @{…}', { details: { expression: source } });
}
