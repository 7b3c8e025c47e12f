import { TwinError } from '../../core/index.js';
import type { Arg, CatchClause, Expr, Initializer, Program, Stmt, SwitchSection, TypeName } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { compileLimitError, EXPRESSION_LIMITS } from './limits.js';

/**
 * A recursive-descent parser for the C# 7 subset of policy expressions. Invalid C# is ERR_APIM_EXPRESSION_SYNTAX;
 * valid C# that the twin does not run (goto, lock, generic local functions, query syntax…) is ERR_APIM_EXPRESSION_UNSUPPORTED,
 * both with `details.offset`. Lookahead is bounded or memoized, so parsing is linear in the input.
 */

/** C# predefined type keywords. */
export const PREDEFINED_TYPES = new Set(['bool', 'byte', 'sbyte', 'char', 'decimal', 'double', 'float', 'int', 'uint', 'long', 'ulong', 'object',
  'short', 'ushort', 'string', 'void', 'dynamic']);

/** Reserved words that cannot be names (unless written `@name`). */
const KEYWORDS = new Set(['abstract', 'as', 'base', 'bool', 'break', 'byte', 'case', 'catch', 'char', 'checked', 'class', 'const', 'continue',
  'decimal', 'default', 'delegate', 'do', 'double', 'else', 'enum', 'event', 'explicit', 'extern', 'false', 'finally', 'fixed', 'float', 'for',
  'foreach', 'goto', 'if', 'implicit', 'in', 'int', 'interface', 'internal', 'is', 'lock', 'long', 'namespace', 'new', 'null', 'object',
  'operator', 'out', 'override', 'params', 'private', 'protected', 'public', 'readonly', 'ref', 'return', 'sbyte', 'sealed', 'short', 'sizeof',
  'stackalloc', 'static', 'string', 'struct', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'uint', 'ulong', 'unchecked', 'unsafe',
  'ushort', 'using', 'virtual', 'void', 'volatile', 'while']);

/** Valid C# that the twin refuses (UNSUPPORTED, never SYNTAX). */
const UNSUPPORTED_EXPR_KEYWORDS = new Set(['sizeof', 'stackalloc', 'delegate', 'await', '__arglist', '__makeref', '__reftype', '__refvalue']);
const UNSUPPORTED_STMT_KEYWORDS = new Set(['goto', 'lock', 'yield', 'unsafe', 'fixed']);

const ASSIGN_OPS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '??=']);

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1, '||': 2, '&&': 3, '|': 4, '^': 5, '&': 6, '==': 7, '!=': 7, '<': 8, '>': 8, '<=': 8, '>=': 8, 'is': 8, 'as': 8,
  '<<': 9, '>>': 9, '+': 10, '-': 10, '*': 11, '/': 11, '%': 11,
};

const LITERAL_KINDS = new Set(['str', 'num', 'char', 'interp']);

class Parser {
  readonly #t: Token[];
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
    try {
      this.#t = tokenize(src);
      // positions become offsets in the whole expression source
      for (const t of this.#t) t.pos += base;
    } catch (e) {
      // lexer offsets are relative to this source
      if (e instanceof TwinError && typeof e.details?.offset === 'number') {
        throw new TwinError(e.code, e.message, { details: { ...e.details, offset: base + e.details.offset } });
      }
      throw e;
    }
  }

  // ---- infrastructure ---------------------------------------------------------------------------------------------
  /** Recursion guard: every nesting construct passes here. */
  enter(): void {
    if (++this.#depth > this.maxDepth) throw compileLimitError(`The expression is nested deeper than ${this.maxDepth} levels`, this.peek().pos);
  }
  leave(): void { this.#depth--; }
  nested<T>(f: () => T): T {
    this.enter();
    try { return f(); } finally { this.leave(); }
  }
  peek(o = 0): Token { counters.lookahead++; return this.#t[Math.min(this.#i + o, this.#t.length - 1)]!; }
  next(): Token { const t = this.#t[Math.min(this.#i, this.#t.length - 1)]!; if (this.#i < this.#t.length - 1) this.#i++; return t; }
  isP(v: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'punct' && t.value === v; }
  isId(v?: string, o = 0): boolean { const t = this.peek(o); return t.kind === 'ident' && (v === undefined || (t.value === v && !t.verbatim)); }
  /** An identifier usable as a name (not a reserved word). */
  isName(o = 0): boolean { const t = this.peek(o); return t.kind === 'ident' && (t.verbatim === true || !KEYWORDS.has(t.value)); }
  fail(msg: string, pos = this.peek().pos): never {
    throw new TwinError('ERR_APIM_EXPRESSION_SYNTAX', msg, { details: { offset: pos } });
  }
  unsupported(what: string, pos = this.peek().pos): never {
    throw new TwinError('ERR_APIM_EXPRESSION_UNSUPPORTED', `${what} is not supported in policy expressions by the twin`, { details: { offset: pos } });
  }
  expectP(v: string): Token {
    if (!this.isP(v)) this.fail(`Expected '${v}' but found ${describe(this.peek())}`);
    return this.next();
  }
  expectId(v: string): void {
    if (!this.isId(v)) this.fail(`Expected '${v}' but found ${describe(this.peek())}`);
    this.next();
  }
  ident(): string {
    const t = this.peek();
    if (!this.isName()) this.fail(`Expected a name but found ${describe(t)}`, t.pos);
    this.next();
    return (t as { value: string }).value;
  }
  atEnd(): boolean { return this.peek().kind === 'eof'; }
  /** `>` `>` written together: the shift operator (the lexer keeps them apart for generics). */
  isShiftRight(o = 0): boolean { return this.isP('>', o) && this.isP('>', o + 1) && this.peek(o + 1).pos === this.peek(o).pos + 1; }

  // ---- types -------------------------------------------------------------------------------------------------------
  /** Relative index after a type name starting at relative `k` (`A.B<C>?[]`), or -1. */
  scanType(k: number): number {
    const t = this.peek(k);
    if (t.kind !== 'ident' || (KEYWORDS.has(t.value) && !PREDEFINED_TYPES.has(t.value) && !t.verbatim)) return -1;
    k++;
    while (this.isP('.', k) && this.peek(k + 1).kind === 'ident') k += 2;
    if (this.isP('<', k)) { k = this.scanTypeArgs(k); if (k < 0) return -1; }
    if (this.isP('?', k) && !this.startsOperand(k + 1)) k++;
    while (this.isP('[', k)) {
      let j = k + 1;
      while (this.isP(',', j)) j++;
      if (!this.isP(']', j)) break;
      k = j + 1;
    }
    return k;
  }
  /** Whether the token at relative `k` can begin an operand (used to tell `T?` from `a ? b : c`). */
  startsOperand(k: number): boolean {
    const t = this.peek(k);
    if (t.kind === 'ident') return true;
    if (LITERAL_KINDS.has(t.kind)) return true;
    return t.kind === 'punct' && ['(', '!', '-', '+', '~', '++', '--', '@'].includes(t.value);
  }
  /**
   * Relative index after the `>` closing the type-argument list whose `<` is at relative index `j`, or -1. Results
   * are memoized by absolute token index, so each `<` is scanned once however often the parser asks.
   */
  scanTypeArgs(j: number): number {
    const abs = this.#i + j;
    const memo = this.#typeArgsEnd.get(abs);
    if (memo !== undefined) return memo < 0 ? -1 : memo - this.#i;
    this.#typeArgsEnd.set(abs, -1);
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
  /** `<` starts a generic argument list if a type-argument list `<T, U<V>>` is followed by `(`. */
  genericAhead(): boolean {
    if (!this.isP('<')) return false;
    const end = this.scanTypeArgs(0);
    return end > 0 && this.isP('(', end);
  }
  /** `greedyNullable`: in a declaration `T? x` the `?` belongs to the type even though a name follows. */
  typeName(allowArray = true, greedyNullable = false): TypeName {
    return this.nested(() => {
      let name = this.typeAtom();
      while (this.isP('.')) { this.next(); name += '.' + this.ident(); }
      if (this.isP('<')) name += '<' + this.typeArgs().join(', ') + '>';
      if (this.isP('?') && (greedyNullable || !this.startsOperand(1))) { this.next(); name += '?'; }
      while (allowArray && this.isP('[') && (this.isP(']', 1) || this.isP(',', 1))) {
        this.next();
        let rank = '[';
        while (this.isP(',')) { this.next(); rank += ','; }
        this.expectP(']');
        name += rank + ']';
      }
      return name;
    });
  }
  typeAtom(): string {
    const t = this.peek();
    if (t.kind === 'ident' && (PREDEFINED_TYPES.has(t.value) || !KEYWORDS.has(t.value) || t.verbatim)) { this.next(); return t.value; }
    if (this.isP('(')) this.unsupported('A tuple type', t.pos);
    return this.fail(`Expected a type but found ${describe(t)}`, t.pos);
  }
  typeArgs(): TypeName[] {
    this.expectP('<');
    const out = [this.typeName()];
    while (this.isP(',')) { this.next(); out.push(this.typeName()); }
    this.expectP('>');
    return out;
  }

  // ---- expressions -------------------------------------------------------------------------------------------------
  expression(): Expr {
    return this.nested(() => this.expression0());
  }
  expression0(): Expr {
    const t = this.peek();
    if (this.isId('throw')) { this.next(); return { k: 'throw', value: this.expression(), pos: t.pos }; }
    if (this.isName() && this.isP('=>', 1)) return this.lambda();
    if (this.isP('(') && this.lambdaAhead()) return this.lambda();
    if (this.isId('from') && this.isName(1) && (this.isId('in', 2) || this.isName(2))) {
      // `from x in xs …` (or `from T x in xs`) is query syntax.
      if (this.isId('in', 2) || this.isId('in', 3)) this.unsupported('LINQ query syntax (from … select)', t.pos);
    }
    const left = this.conditional();
    const a = this.peek();
    if (a.kind === 'punct' && ASSIGN_OPS.has(a.value)) {
      if (left.k !== 'name' && left.k !== 'member' && left.k !== 'index') this.fail('The left-hand side of an assignment must be a variable, property or indexer', a.pos);
      this.next();
      return { k: 'assign', target: left, op: a.value, value: this.expression(), pos: a.pos };
    }
    if (this.isShiftRight() && this.isP('=', 2)) this.unsupported("Operator '>>='", a.pos);
    return left;
  }
  /** `(a, b) =>`, `(string a) =>`, `() =>` at a `(`. The scan stops at the first token a parameter list cannot hold. */
  lambdaAhead(): boolean {
    let j = 1;
    if (this.isP(')', j)) return this.isP('=>', j + 1);
    for (;;) {
      if (this.isId('out', j) || this.isId('ref', j) || this.isId('in', j)) j++;
      const afterType = this.scanType(j);
      if (afterType < 0) return false;
      j = afterType;
      if (this.isName(j)) j++;
      if (this.isP(',', j)) { j++; continue; }
      return this.isP(')', j) && this.isP('=>', j + 1);
    }
  }
  lambda(): Expr {
    const pos = this.peek().pos;
    const params: Array<{ name: string; type?: TypeName }> = [];
    if (this.isP('(')) {
      this.next();
      while (!this.isP(')')) {
        if (this.isId('out') || this.isId('ref') || this.isId('in')) this.unsupported('A ref/out lambda parameter');
        if (this.isName() && (this.isP(',', 1) || this.isP(')', 1))) params.push({ name: this.ident() });
        else { const type = this.typeName(); params.push({ name: this.ident(), type }); }
        if (!this.isP(')')) this.expectP(',');
      }
      this.next();
    } else {
      params.push({ name: this.ident() });
    }
    this.expectP('=>');
    const body = this.isP('{') ? this.statement() : this.expression();
    return { k: 'lambda', params, body, pos };
  }
  conditional(): Expr {
    const test = this.binary(1);
    if (!this.isP('?')) return test;
    const q = this.next();
    const then = this.expression();
    this.expectP(':');
    return { k: 'cond', test, then, else: this.expression(), pos: q.pos };
  }
  binaryOp(): { op: string; width: number } | undefined {
    const t = this.peek();
    if (t.kind === 'ident' && (t.value === 'is' || t.value === 'as') && !t.verbatim) return { op: t.value, width: 1 };
    if (t.kind !== 'punct') return undefined;
    if (this.isShiftRight()) return this.isP('=', 2) ? undefined : { op: '>>', width: 2 };
    return BINARY_PRECEDENCE[t.value] === undefined ? undefined : { op: t.value, width: 1 };
  }
  binary(min: number): Expr {
    let left = this.unary();
    let chain = 0;
    try {
      for (;;) {
        const o = this.binaryOp();
        if (!o) return left;
        const prec = BINARY_PRECEDENCE[o.op]!;
        if (prec < min) return left;
        const pos = this.peek().pos;
        for (let w = 0; w < o.width; w++) this.next();
        // A left-associative chain nests its tree as deeply as it is long.
        this.enter();
        chain++;
        if (o.op === 'is') { left = this.isPattern(left, pos); continue; }
        if (o.op === 'as') { left = { k: 'as', operand: left, type: this.typeName(), pos }; continue; }
        // ?? is right-associative
        const right = o.op === '??' ? this.binary(prec) : this.binary(prec + 1);
        left = { k: 'binary', op: o.op, left, right, pos };
      }
    } finally {
      this.#depth -= chain;
    }
  }
  /** After `is`: a type (with an optional designation) or a constant pattern. */
  isPattern(operand: Expr, pos: number): Expr {
    const t = this.peek();
    if (t.kind !== 'ident' || this.isId('null') || this.isId('true') || this.isId('false')) {
      return { k: 'is', operand, type: null, constant: this.binary(9), pos };
    }
    if (this.isId('var')) this.unsupported("The 'var' pattern", t.pos);
    const type = this.typeName();
    if (this.isName() && !this.isId('when')) return { k: 'is', operand, type, bind: this.ident(), pos };
    return { k: 'is', operand, type, pos };
  }
  unary(): Expr {
    return this.nested(() => this.unary0());
  }
  unary0(): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && (t.value === '!' || t.value === '-' || t.value === '+' || t.value === '~')) {
      this.next();
      return { k: 'unary', op: t.value, operand: this.unary(), pos: t.pos };
    }
    if (t.kind === 'punct' && (t.value === '++' || t.value === '--')) {
      this.next();
      const target = this.unary();
      if (target.k !== 'name' && target.k !== 'member' && target.k !== 'index') this.fail(`The operand of '${t.value}' must be a variable, property or indexer`, t.pos);
      return { k: 'update', target, op: t.value, prefix: true, pos: t.pos };
    }
    if (t.kind === 'punct' && (t.value === '&' || t.value === '*')) this.unsupported('Pointer operations', t.pos);
    if (this.isP('(') && this.castAhead()) {
      this.next();
      const type = this.typeName();
      this.expectP(')');
      return { k: 'cast', type, operand: this.unary(), pos: t.pos };
    }
    return this.postfix(this.primary());
  }
  /** `(T)x`: a predefined type (or its nullable/array) is always a cast; another type name is one when an operand follows. */
  castAhead(): boolean {
    const end = this.scanType(1);
    if (end < 0 || !this.isP(')', end)) return false;
    const first = this.peek(1) as { value: string };
    if (PREDEFINED_TYPES.has(first.value)) return true;
    const n = this.peek(end + 1);
    if (n.kind === 'ident') return !(['is', 'as'].includes(n.value) && !n.verbatim);
    if (LITERAL_KINDS.has(n.kind)) return true;
    return n.kind === 'punct' && (n.value === '(' || n.value === '!' || n.value === '~');
  }
  primary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'str': this.next(); return { k: 'lit', value: t.value, type: 'string', pos: t.pos };
      case 'char': this.next(); return { k: 'lit', value: t.value, type: 'char', pos: t.pos };
      case 'num': this.next(); return { k: 'lit', value: t.value, type: t.numType, pos: t.pos };
      case 'interp': this.next(); return this.interpolation(t);
      case 'ident': return this.identPrimary(t);
      case 'punct':
        if (t.value === '(') {
          this.next();
          const e = this.expression();
          if (this.isP(',')) this.unsupported('A tuple', t.pos);
          this.expectP(')');
          return e;
        }
        return this.fail(`Unexpected '${t.value}'`, t.pos);
      case 'eof':
        return this.fail('Unexpected end of expression', t.pos);
    }
  }
  interpolation(t: Extract<Token, { kind: 'interp' }>): Expr {
    const parts = t.parts.map((p) => {
      if (typeof p === 'string') return p;
      if (p.src.trim() === '') this.fail('Empty interpolation hole', this.base + p.pos);
      const sub = new Parser(p.src, this.base + p.pos, this.maxDepth, this.#depth + 1);
      const expr = sub.expression();
      if (!sub.atEnd()) sub.fail(`Unexpected ${describe(sub.peek())} in interpolation hole`);
      const out: { expr: Expr; align?: Expr; format?: string } = { expr };
      if (p.align !== undefined) {
        const a = new Parser(p.align, this.base + p.pos, this.maxDepth, this.#depth + 1);
        out.align = a.expression();
        if (!a.atEnd()) a.fail('Unexpected text in interpolation alignment');
      }
      if (p.format !== undefined) out.format = p.format;
      return out;
    });
    return { k: 'interp', parts, pos: t.pos };
  }
  identPrimary(t: Extract<Token, { kind: 'ident' }>): Expr {
    const v = t.value;
    if (!t.verbatim) {
      if (v === 'true' || v === 'false') { this.next(); return { k: 'lit', value: v === 'true', type: 'bool', pos: t.pos }; }
      if (v === 'null') { this.next(); return { k: 'lit', value: null, type: 'null', pos: t.pos }; }
      if (v === 'new') { this.next(); return this.creation(t.pos); }
      if (v === 'this' || v === 'base') { this.next(); return { k: 'this', pos: t.pos }; }
      if (v === 'typeof') {
        this.next(); this.expectP('(');
        const type = this.isP(')') ? this.fail('Expected a type') : this.typeName();
        this.expectP(')');
        return { k: 'typeof', type, pos: t.pos };
      }
      if (v === 'default') {
        this.next();
        if (!this.isP('(')) return { k: 'default', type: null, pos: t.pos };
        this.next();
        const type = this.typeName();
        this.expectP(')');
        return { k: 'default', type, pos: t.pos };
      }
      if (v === 'nameof' && this.isP('(', 1)) {
        this.next(); this.next();
        const e = this.expression();
        this.expectP(')');
        const name = e.k === 'name' ? e.name : e.k === 'member' ? e.name : e.k === 'call' ? e.name : this.fail('Expected a name in nameof', e.pos);
        return { k: 'nameof', name, pos: t.pos };
      }
      if ((v === 'checked' || v === 'unchecked') && this.isP('(', 1)) {
        this.next(); this.next();
        const expr = this.expression();
        this.expectP(')');
        return { k: 'checked', on: v === 'checked', expr, pos: t.pos };
      }
      if (UNSUPPORTED_EXPR_KEYWORDS.has(v) && (v !== 'await' || this.peek(1).kind === 'ident')) this.unsupported(`'${v}'`, t.pos);
      if (PREDEFINED_TYPES.has(v)) {
        // `string.Empty`, `int.Parse(…)`: a static member of a predefined type
        this.next();
        if (!this.isP('.')) this.fail(`Unexpected type '${v}' in an expression`, t.pos);
        return { k: 'name', name: v, pos: t.pos };
      }
      if (KEYWORDS.has(v)) this.fail(`Unexpected keyword '${v}'`, t.pos);
    }
    this.next();
    if (this.genericAhead()) {
      const typeArgs = this.typeArgs();
      return { k: 'call', target: null, name: v, typeArgs, args: this.args('(', ')'), nullCond: false, pos: t.pos };
    }
    if (this.isP('(')) return { k: 'call', target: null, name: v, typeArgs: [], args: this.args('(', ')'), nullCond: false, pos: t.pos };
    if (this.isP('<') && this.scanTypeArgs(0) > 0 && this.isP('.', this.scanTypeArgs(0))) {
      // `Type<T>.Member`: a static member of a generic type
      const typeArgs = this.typeArgs();
      return { k: 'name', name: `${v}<${typeArgs.join(', ')}>`, pos: t.pos };
    }
    return { k: 'name', name: v, pos: t.pos };
  }
  /** After `new`: an object, an array, an implicitly typed array or an anonymous object. */
  creation(pos: number): Expr {
    if (this.isP('{')) {
      this.next();
      const fields: Array<{ name: string; value: Expr }> = [];
      while (!this.isP('}')) {
        if (this.isName() && this.isP('=', 1)) {
          const name = this.ident();
          this.next();
          fields.push({ name, value: this.expression() });
        } else {
          const value = this.expression();
          const name = value.k === 'name' || value.k === 'member' ? value.name : this.fail('Invalid anonymous type member declarator', value.pos);
          fields.push({ name, value });
        }
        if (!this.isP('}')) this.expectP(',');
      }
      this.next();
      return { k: 'anon', fields, pos };
    }
    if (this.isP('[')) {
      this.next();
      if (this.isP(',')) this.unsupported('A multi-dimensional array', pos);
      this.expectP(']');
      return { k: 'newArray', elem: null, items: this.arrayItems(), pos };
    }
    const type = this.typeName(false);
    if (this.isP('[')) {
      this.next();
      if (this.isP(']')) {
        this.next();
        let elem = type;
        while (this.isP('[') && this.isP(']', 1)) { this.next(); this.next(); elem += '[]'; }
        return { k: 'newArray', elem, items: this.arrayItems(), pos };
      }
      const size = this.expression();
      if (this.isP(',')) this.unsupported('A multi-dimensional array', pos);
      this.expectP(']');
      let elem = type;
      while (this.isP('[') && this.isP(']', 1)) { this.next(); this.next(); elem += '[]'; }
      const items = this.isP('{') ? this.arrayItems() : undefined;
      return items ? { k: 'newArray', elem, size, items, pos } : { k: 'newArray', elem, size, pos };
    }
    let args: Arg[] = [];
    if (this.isP('(')) args = this.args('(', ')');
    else if (!this.isP('{')) this.fail("Expected '(' or '{' after the type in 'new'");
    const init = this.isP('{') ? this.initializer() : undefined;
    return init ? { k: 'new', type, args, init, pos } : { k: 'new', type, args, pos };
  }
  arrayItems(): Expr[] {
    this.expectP('{');
    const items: Expr[] = [];
    while (!this.isP('}')) {
      items.push(this.isP('{') ? this.fail('Nested array initializers are not supported') : this.expression());
      if (!this.isP('}')) this.expectP(',');
    }
    this.next();
    return items;
  }
  /** `{ A = 1, [k] = v }` (object) or `{ x, { k, v } }` (collection). */
  initializer(): Initializer {
    return this.nested(() => {
      this.expectP('{');
      const isObject = (this.isName() && this.isP('=', 1)) || (this.isP('[') && !this.isP('}'));
      if (isObject) {
        const members: Extract<Initializer, { kind: 'object' }>['members'] = [];
        while (!this.isP('}')) {
          const pos = this.peek().pos;
          const target = this.isP('[') ? { index: this.args('[', ']').map((a) => a.expr) } : { prop: this.ident() };
          this.expectP('=');
          const value = this.isP('{') ? this.initializer() : this.expression();
          members.push({ target, value, pos });
          if (!this.isP('}')) this.expectP(',');
        }
        this.next();
        return { kind: 'object', members };
      }
      const items: Expr[][] = [];
      while (!this.isP('}')) {
        if (this.isP('{')) {
          this.next();
          const group: Expr[] = [];
          while (!this.isP('}')) { group.push(this.expression()); if (!this.isP('}')) this.expectP(','); }
          this.next();
          items.push(group);
        } else {
          items.push([this.expression()]);
        }
        if (!this.isP('}')) this.expectP(',');
      }
      this.next();
      return { kind: 'collection', items };
    });
  }
  args(open: string, close: string): Arg[] {
    this.expectP(open);
    const out: Arg[] = [];
    if (this.isP(close)) { this.next(); return out; }
    for (;;) {
      const arg: Arg = { expr: { k: 'lit', value: null, type: 'null', pos: 0 } };
      if (this.isName() && this.isP(':', 1)) { arg.name = this.ident(); this.next(); }
      if (this.isId('out') || this.isId('ref') || this.isId('in')) {
        arg.mode = (this.next() as { value: 'out' | 'ref' | 'in' }).value;
        const declEnd = this.scanType(0);
        if (arg.mode === 'out' && declEnd > 0 && this.isName(declEnd)) {
          arg.declare = this.typeName();
          const p = this.peek().pos;
          arg.expr = { k: 'name', name: this.ident(), pos: p };
        } else {
          arg.expr = this.expression();
        }
      } else {
        arg.expr = this.expression();
      }
      out.push(arg);
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
      if (t.value === '.' || t.value === '?.') {
        deeper();
        this.next();
        const nullCond = t.value === '?.';
        if (nullCond && this.isP('[')) { e = { k: 'index', target: e, args: this.args('[', ']').map((a) => a.expr), nullCond, pos: t.pos }; continue; }
        const nt = this.peek();
        const name = nt.kind === 'ident' ? (this.next(), nt.value) : this.fail(`Expected a member name but found ${describe(nt)}`, nt.pos);
        const typeArgs = this.genericAhead() ? this.typeArgs() : [];
        if (this.isP('(')) e = { k: 'call', target: e, name, typeArgs, args: this.args('(', ')'), nullCond, pos: t.pos };
        else e = { k: 'member', target: e, name, nullCond, pos: t.pos };
        continue;
      }
      if (t.value === '?' && this.isP('[', 1)) {
        deeper();
        this.next();
        e = { k: 'index', target: e, args: this.args('[', ']').map((a) => a.expr), nullCond: true, pos: t.pos };
        continue;
      }
      if (t.value === '[') { deeper(); e = { k: 'index', target: e, args: this.args('[', ']').map((a) => a.expr), nullCond: false, pos: t.pos }; continue; }
      if (t.value === '(') { deeper(); e = { k: 'invoke', target: e, args: this.args('(', ')'), pos: t.pos }; continue; }
      if (t.value === '++' || t.value === '--') {
        if (e.k !== 'name' && e.k !== 'member' && e.k !== 'index') this.fail(`The operand of '${t.value}' must be a variable, property or indexer`, t.pos);
        this.next();
        e = { k: 'update', target: e, op: t.value, prefix: false, pos: t.pos };
        continue;
      }
      if (t.value === '::') this.unsupported("The alias qualifier '::'", t.pos);
      return e;
    }
  }

  // ---- statements --------------------------------------------------------------------------------------------------
  statement(): Stmt {
    return this.nested(() => this.statement0());
  }
  block(checked?: boolean): Stmt {
    const pos = this.expectP('{').pos;
    const body: Stmt[] = [];
    while (!this.isP('}')) { if (this.atEnd()) this.fail("Expected '}'"); body.push(this.statement()); }
    this.next();
    return checked === undefined ? { k: 'block', body, pos } : { k: 'block', body, pos, checked };
  }
  embedded(): Stmt {
    // C# forbids a declaration as the direct body of if/while/for…
    const s = this.statement();
    if (s.k === 'var') this.fail('Embedded statement cannot be a declaration or labeled statement', s.pos);
    return s;
  }
  paren(): Expr {
    this.expectP('(');
    const e = this.expression();
    this.expectP(')');
    return e;
  }
  statement0(): Stmt {
    const t = this.peek();
    if (this.isP('{')) return this.block();
    if (this.isP(';')) { this.next(); return { k: 'empty', pos: t.pos }; }
    if (t.kind === 'ident' && !t.verbatim) {
      switch (t.value) {
        case 'return': {
          this.next();
          if (this.isP(';')) { this.next(); return { k: 'return', pos: t.pos }; }
          const value = this.expression();
          this.expectP(';');
          return { k: 'return', value, pos: t.pos };
        }
        case 'if': {
          this.next();
          const test = this.paren();
          const then = this.embedded();
          if (this.isId('else')) { this.next(); return { k: 'if', test, then, else: this.embedded(), pos: t.pos }; }
          return { k: 'if', test, then, pos: t.pos };
        }
        case 'while': { this.next(); const test = this.paren(); return { k: 'while', test, body: this.embedded(), pos: t.pos }; }
        case 'do': {
          this.next();
          const body = this.embedded();
          this.expectId('while');
          const test = this.paren();
          this.expectP(';');
          return { k: 'do', body, test, pos: t.pos };
        }
        case 'for': return this.forStatement(t.pos);
        case 'foreach': {
          this.next(); this.expectP('(');
          if (this.isId('var') && this.isP('(', 1)) this.unsupported('Deconstruction in foreach', t.pos);
          const type = this.typeName(true, true);
          const name = this.ident();
          this.expectId('in');
          const iter = this.expression();
          this.expectP(')');
          return { k: 'foreach', type, name, iter, body: this.embedded(), pos: t.pos };
        }
        case 'break': case 'continue': this.next(); this.expectP(';'); return { k: t.value, pos: t.pos };
        case 'throw': {
          this.next();
          if (this.isP(';')) { this.next(); return { k: 'throw', pos: t.pos }; }
          const value = this.expression();
          this.expectP(';');
          return { k: 'throw', value, pos: t.pos };
        }
        case 'try': return this.tryStatement(t.pos);
        case 'switch': return this.switchStatement(t.pos);
        case 'using': {
          this.next();
          if (!this.isP('(')) this.unsupported(this.isName() ? "A 'using' declaration" : "'using'", t.pos);
          this.next();
          const declEnd = this.scanType(0);
          let decl: Stmt | undefined;
          let expr: Expr | undefined;
          if (declEnd > 0 && this.isName(declEnd) && this.isP('=', declEnd + 1)) decl = this.declaration(false);
          else expr = this.expression();
          this.expectP(')');
          const body = this.embedded();
          return decl ? { k: 'using', decl, body, pos: t.pos } : { k: 'using', expr: expr!, body, pos: t.pos };
        }
        case 'const': {
          this.next();
          const d = this.declaration(true);
          this.expectP(';');
          return d;
        }
        case 'checked': case 'unchecked':
          if (this.isP('{', 1)) { this.next(); return this.block(t.value === 'checked'); }
          break;
        case 'void':
          if (this.isName(1) && this.isP('(', 2)) return this.localFunction(t.pos);
          break;
        case 'else': case 'case': case 'catch': case 'finally': return this.fail(`Unexpected '${t.value}'`, t.pos);
        default:
          if (UNSUPPORTED_STMT_KEYWORDS.has(t.value) && (t.value !== 'yield' || this.isId('return', 1) || this.isId('break', 1))) {
            this.unsupported(`The '${t.value}' statement`, t.pos);
          }
      }
      if (this.isName() && this.isP(':', 1)) this.unsupported('A labeled statement', t.pos);
      let declEnd = this.scanType(0);
      if (declEnd > 0 && this.isP('?', declEnd) && this.isName(declEnd + 1)) declEnd++;
      if (declEnd > 0 && this.isName(declEnd)) {
        if (this.isP('<', declEnd + 1) && this.scanTypeArgs(declEnd + 1) > 0) this.unsupported('A generic local function', t.pos);
        if (this.isP('(', declEnd + 1)) return this.localFunction(t.pos);
        if (this.isP('=', declEnd + 1) || this.isP(';', declEnd + 1) || this.isP(',', declEnd + 1)) {
          const d = this.declaration(false);
          this.expectP(';');
          return d;
        }
      }
    }
    const expr = this.expression();
    this.expectP(';');
    return { k: 'expr', expr, pos: t.pos };
  }
  /** `Type Name(Type a, Type b) { … }` or `… => expr;` (the return type may be `void`). */
  localFunction(pos: number): Stmt {
    let type: string;
    if (this.isId('void')) { this.next(); type = 'void'; } else type = this.typeName(true, true);
    const name = this.ident();
    this.expectP('(');
    const params: Array<{ name: string; type: string; pos: number }> = [];
    while (!this.isP(')')) {
      const p = this.peek();
      if (p.kind === 'ident' && ['ref', 'out', 'in', 'params', 'this'].includes(p.value)) this.unsupported(`A '${p.value}' parameter of a local function`, p.pos);
      const ptype = this.typeName(true, true);
      const pname = this.ident();
      if (this.isP('=')) this.unsupported('An optional parameter of a local function', this.peek().pos);
      params.push({ name: pname, type: ptype, pos: p.pos });
      if (!this.isP(')')) this.expectP(',');
    }
    this.expectP(')');
    if (this.isP('=>')) {
      this.next();
      const body = this.expression();
      this.expectP(';');
      return { k: 'localfn', name, type, params, body, pos };
    }
    if (!this.isP('{')) this.fail("Expected '{' or '=>' after the parameters of a local function", this.peek().pos);
    return { k: 'localfn', name, type, params, body: this.block(), pos };
  }
  /** `Type a = 1, b` (without the `;`). */
  declaration(isConst: boolean): Stmt {
    const pos = this.peek().pos;
    const type = this.typeName(true, true);
    const decls: Array<{ name: string; init?: Expr; pos: number }> = [];
    for (;;) {
      const p = this.peek().pos;
      const name = this.ident();
      if (this.isP('=')) {
        this.next();
        decls.push({ name, init: this.isP('{') ? { k: 'newArray', elem: type.endsWith('[]') ? type.slice(0, -2) : type, items: this.arrayItems(), pos: p } : this.expression(), pos: p });
      } else {
        if (isConst || type === 'var') this.fail(isConst ? 'A const field requires a value to be provided' : 'Implicitly-typed variables must be initialized', p);
        decls.push({ name, pos: p });
      }
      if (!this.isP(',')) break;
      if (type === 'var') this.fail('Implicitly-typed variables cannot have multiple declarators', this.peek().pos);
      this.next();
    }
    return { k: 'var', type, decls, isConst, pos };
  }
  forStatement(pos: number): Stmt {
    this.next(); this.expectP('(');
    const init: Stmt[] = [];
    if (!this.isP(';')) {
      const declEnd = this.scanType(0);
      if (declEnd > 0 && this.isName(declEnd) && (this.isP('=', declEnd + 1) || this.isP(',', declEnd + 1) || this.isP(';', declEnd + 1))) init.push(this.declaration(false));
      else for (;;) { const e = this.expression(); init.push({ k: 'expr', expr: e, pos: e.pos }); if (!this.isP(',')) break; this.next(); }
    }
    this.expectP(';');
    const test = this.isP(';') ? undefined : this.expression();
    this.expectP(';');
    const update: Expr[] = [];
    if (!this.isP(')')) for (;;) { update.push(this.expression()); if (!this.isP(',')) break; this.next(); }
    this.expectP(')');
    return { k: 'for', init, test, update, body: this.embedded(), pos };
  }
  tryStatement(pos: number): Stmt {
    this.next();
    const body = this.block();
    const catches: CatchClause[] = [];
    while (this.isId('catch')) {
      const cpos = this.next().pos;
      const c: CatchClause = { body: { k: 'empty', pos: cpos }, pos: cpos };
      if (this.isP('(')) {
        this.next();
        c.type = this.typeName();
        if (this.isName()) c.name = this.ident();
        this.expectP(')');
      }
      if (this.isId('when')) { this.next(); c.when = this.paren(); }
      c.body = this.block();
      catches.push(c);
    }
    let fin: Stmt | undefined;
    if (this.isId('finally')) { this.next(); fin = this.block(); }
    if (!catches.length && !fin) this.fail("Expected 'catch' or 'finally'");
    return fin ? { k: 'try', body, catches, fin, pos } : { k: 'try', body, catches, pos };
  }
  switchStatement(pos: number): Stmt {
    this.next();
    const value = this.paren();
    this.expectP('{');
    const sections: SwitchSection[] = [];
    while (!this.isP('}')) {
      const spos = this.peek().pos;
      const labels: Array<Expr | null> = [];
      while (this.isId('case') || this.isId('default')) {
        const l = this.next();
        if ((l as { value: string }).value === 'default') { this.expectP(':'); labels.push(null); continue; }
        const typeEnd = this.scanType(0);
        if (typeEnd > 0 && (this.isName(typeEnd) || this.isId('when', typeEnd)) && !this.isP(':', 1)) this.unsupported('A type pattern in a case label', l.pos);
        labels.push(this.expression());
        if (this.isId('when')) this.unsupported("A 'when' clause in a case label", this.peek().pos);
        this.expectP(':');
      }
      if (!labels.length) this.fail("Expected 'case' or 'default'");
      const body: Stmt[] = [];
      while (!this.isId('case') && !this.isId('default') && !this.isP('}')) {
        if (this.atEnd()) this.fail("Expected '}'");
        body.push(this.statement());
      }
      sections.push({ labels, body, pos: spos });
    }
    this.next();
    return { k: 'switch', value, sections, pos };
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

/** Parse the source of a policy expression: `@(expr)` or `@{ statements }` (with the marker). */
export function parseProgram(source: string, limits: { maxSourceLength: number; maxDepth: number } = EXPRESSION_LIMITS): Program {
  counters.parses++;
  if (source.length > limits.maxSourceLength) throw compileLimitError(`The expression is ${source.length} characters long (limit ${limits.maxSourceLength})`, 0);
  const lead = source.length - source.trimStart().length;
  const s = source.trim();
  if (s.startsWith('@(') && s.endsWith(')')) {
    const p = new Parser(s.slice(2, -1), lead + 2, limits.maxDepth);
    if (p.atEnd()) p.fail('An expression is expected');
    const expr = p.expression();
    if (!p.atEnd()) p.fail(`Unexpected ${describe(p.peek())} after the expression`);
    return { kind: 'expr', expr };
  }
  if (s.startsWith('@{') && s.endsWith('}')) {
    const p = new Parser(s.slice(2, -1), lead + 2, limits.maxDepth);
    const body: Stmt[] = [];
    while (!p.atEnd()) body.push(p.statement());
    return { kind: 'block', body };
  }
  throw new TwinError('ERR_APIM_EXPRESSION_SYNTAX', 'An expression must be @(…) or @{…}', { details: { expression: source } });
}
