import { TwinError } from '../../core/index.js';
import type { Expr, Program, Stmt } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { compileLimitError, EXPRESSION_LIMITS } from './limits.js';

/** Type names accepted in casts and generic arguments, and as variable declaration types. */
export const TYPE_KEYWORDS = new Set(['string', 'int', 'bool', 'object', 'long', 'double', 'char', 'var', 'String', 'Int32', 'Boolean', 'Object']);

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '??=']);

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7, '<': 8, '>': 8, '<=': 8, '>=': 8,
  '+': 10, '-': 10, '*': 11, '/': 11, '%': 11,
};

class Parser {
  #t: Token[];
  #i = 0;
  #depth: number;
  /** Memo of `scanTypeArgs`: token index of a `<` → index after its `>` (or -1): lookahead stays linear. */
  readonly #typeArgsEnd = new Map<number, number>();
  readonly src: string;
  readonly base: number;
  readonly maxDepth: number;
  constructor(src: string, base: number, maxDepth: number, depth = 0) {
    this.src = src;
    this.base = base;
    this.maxDepth = maxDepth;
    this.#depth = depth;
    this.#t = tokenize(src);
  }
  /** Recursion guard: every nesting construct passes here. */
  enter(): void {
    if (++this.#depth > this.maxDepth) throw compileLimitError(`The expression is nested deeper than ${this.maxDepth} levels`, this.base + this.peek().pos);
  }
  leave(): void { this.#depth--; }
  nested<T>(f: () => T): T {
    this.enter();
    try { return f(); } finally { this.leave(); }
  }
  peek(o = 0): Token { counters.lookahead++; return this.#t[Math.min(this.#i + o, this.#t.length - 1)]!; }
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
    return this.nested(() => this.expression0());
  }
  expression0(): Expr {
    const t = this.peek();
    if (t.kind === 'ident' && this.peek(1).kind === 'punct' && ASSIGN_OPS.has((this.peek(1) as { value: string }).value)) {
      this.next();
      const op = (this.next() as { value: string }).value;
      return { k: 'assign', name: t.value, op, value: this.expression(), pos: t.pos };
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
    let chain = 0;
    try {
      for (;;) {
        const t = this.peek();
        if (t.kind !== 'punct') return left;
        const prec = BINARY_PRECEDENCE[t.value];
        if (prec === undefined || prec < min) return left;
        this.next();
        // A left-associative chain nests its tree as deeply as it is long.
        this.enter();
        chain++;
        // ?? is right-associative
        const right = t.value === '??' ? this.binary(prec) : this.binary(prec + 1);
        left = { k: 'binary', op: t.value, left, right, pos: t.pos };
      }
    } finally {
      this.#depth -= chain;
    }
  }
  unary(): Expr {
    return this.nested(() => this.unary0());
  }
  unary0(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.value === '!' || t.value === '-' || t.value === '+')) {
      this.next();
      return { k: 'unary', op: t.value, operand: this.unary(), pos: t.pos };
    }
    if (t.kind === 'punct' && (t.value === '++' || t.value === '--')) {
      this.next();
      const target = this.unary();
      if (target.k !== 'name') this.fail(`The operand of '${t.value}' must be a variable`, t.pos);
      return { k: 'update', name: target.name, op: t.value, prefix: true, pos: t.pos };
    }
    if (t.kind === 'punct' && t.value === '~') this.fail(`Operator '${t.value}' is not supported`);
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
  /** `<` starts a generic argument list if a type-argument list `<T, U<V>>` is followed by `(`. */
  genericAhead(): boolean {
    if (!this.isP('<')) return false;
    const end = this.scanTypeArgs(0);
    return end > 0 && this.isP('(', end);
  }
  /**
   * Relative index after the `>` closing the type-argument list whose `<` is at relative index `j`, or -1. Results
   * are memoized by absolute token index, so each `<` is scanned once however often the parser asks.
   */
  scanTypeArgs(j: number): number {
    const abs = this.#i + j;
    const memo = this.#typeArgsEnd.get(abs);
    if (memo !== undefined) return memo < 0 ? -1 : memo - this.#i;
    let k = j + 1;
    let end = -1;
    for (;;) {
      k = this.scanType(k);
      if (k < 0) break;
      if (this.isP(',', k)) { k++; continue; }
      if (this.isP('>', k)) end = k + 1;
      break;
    }
    this.#typeArgsEnd.set(abs, end < 0 ? -1 : this.#i + end);
    return end;
  }
  /** Relative index after a type name starting at relative `k` (`A.B<C>?[]`), or -1. */
  scanType(k: number): number {
    if (this.peek(k).kind !== 'ident') return -1;
    k++;
    while (this.isP('.', k) && this.peek(k + 1).kind === 'ident') k += 2;
    if (this.isP('<', k)) { k = this.scanTypeArgs(k); if (k < 0) return -1; }
    if (this.isP('?', k)) k++;
    while (this.isP('[', k)) {
      k++;
      while (this.isP(',', k)) k++;
      if (!this.isP(']', k)) return -1;
      k++;
    }
    return k;
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
          const sub = new Parser(p.src, this.base + p.pos, this.maxDepth, this.#depth + 1);
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
    let chain = 0;
    try {
      return this.postfix0(e, () => { this.enter(); chain++; });
    } finally {
      this.#depth -= chain;
    }
  }
  postfix0(e: Expr, deeper: () => void): Expr {
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'punct') return e;
      deeper();
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
      if (t.value === '++' || t.value === '--') {
        if (e.k !== 'name') this.fail(`The operand of '${t.value}' must be a variable`, t.pos);
        this.next();
        e = { k: 'update', name: e.name, op: t.value, prefix: false, pos: t.pos };
        continue;
      }
      return e;
    }
  }

  statement(): Stmt {
    return this.nested(() => this.statement0());
  }
  statement0(): Stmt {
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
      if (t.value === 'while') {
        this.next(); this.expectP('(');
        const test = this.expression();
        this.expectP(')');
        return { k: 'while', test, body: this.statement(), pos: t.pos };
      }
      if (t.value === 'do') {
        this.next();
        const body = this.statement();
        if (!this.isId('while')) this.fail("Expected 'while'");
        this.next(); this.expectP('(');
        const test = this.expression();
        this.expectP(')'); this.expectP(';');
        return { k: 'do', body, test, pos: t.pos };
      }
      if (t.value === 'for') {
        this.next(); this.expectP('(');
        const init: Stmt[] = [];
        if (!this.isP(';')) {
          if (this.declarationAhead()) init.push(this.declaration());
          else for (;;) { const e = this.expression(); init.push({ k: 'expr', expr: e, pos: e.pos }); if (!this.isP(',')) break; this.next(); }
        }
        this.expectP(';');
        const test = this.isP(';') ? undefined : this.expression();
        this.expectP(';');
        const update: Expr[] = [];
        if (!this.isP(')')) for (;;) { update.push(this.expression()); if (!this.isP(',')) break; this.next(); }
        this.expectP(')');
        return { k: 'for', init, test, update, body: this.statement(), pos: t.pos };
      }
      if (t.value === 'break' || t.value === 'continue') { this.next(); this.expectP(';'); return { k: t.value, pos: t.pos }; }
      if (['foreach', 'try', 'using', 'switch', 'throw', 'const'].includes(t.value)) this.fail(`'${t.value}' statements are not supported`);
      if (this.declarationAhead()) {
        const d = this.declaration();
        this.expectP(';');
        return d;
      }
    }
    const expr = this.expression();
    this.expectP(';');
    return { k: 'expr', expr, pos: t.pos };
  }
  /** `Type name = init` (without the `;`). */
  declaration(): Stmt {
    const pos = this.peek().pos;
    this.typeName();
    const name = this.ident();
    this.expectP('=');
    return { k: 'var', name, init: this.expression(), pos };
  }
  /** `Type name =` (Type may be dotted or generic or nullable or an array). */
  declarationAhead(): boolean {
    const j = this.scanType(0);
    return j > 0 && this.peek(j).kind === 'ident' && this.isP('=', j + 1);
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

const counters = { parses: 0, lookahead: 0 };
/** Number of expression parses done by this process (tests assert it does not move per request). */
export function expressionParseCount(): number {
  return counters.parses;
}
/** Tokens inspected by all parses so far (tests assert parsing stays linear in the input). */
export function expressionParseWork(): number {
  return counters.lookahead;
}

/**
 * Parse the source of a policy expression: `@(expr)` or `@{ statements }` (with the marker),
 * `baseOffset` being the source's offset for error details.
 */
export function parseProgram(source: string, limits: { maxSourceLength: number; maxDepth: number } = EXPRESSION_LIMITS): Program {
  counters.parses++;
  if (source.length > limits.maxSourceLength) throw compileLimitError(`The expression is ${source.length} characters long (limit ${limits.maxSourceLength})`, 0);
  const s = source.trim();
  if (s.startsWith('@(') && s.endsWith(')')) {
    const p = new Parser(s.slice(2, -1), 2, limits.maxDepth);
    const expr = p.expression();
    if (!p.atEnd()) p.fail(`Unexpected ${describe(p.peek())} after the expression`);
    return { kind: 'expr', expr };
  }
  if (s.startsWith('@{') && s.endsWith('}')) {
    const p = new Parser(s.slice(2, -1), 2, limits.maxDepth);
    const body: Stmt[] = [];
    while (!p.atEnd()) body.push(p.statement());
    return { kind: 'block', body };
  }
  throw new TwinError('ERR_APIM_EXPRESSION_SYNTAX', 'An expression must be @(…) or @{…}', { details: { expression: source } });
}
