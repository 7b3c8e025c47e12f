/** AST of the policy-expression C# subset (C# 7). `pos` is the offset inside the expression source. */

/** A type as written, normalized: `string`, `List<string>`, `byte[]`, `int?`, `Newtonsoft.Json.Linq.JObject`. */
export type TypeName = string;

export type LitType = 'string' | 'char' | 'int' | 'long' | 'uint' | 'ulong' | 'double' | 'float' | 'decimal' | 'bool' | 'null';

/** A call argument: positional or named, `out`/`ref` with an optional declaration (`out var x`, `out string s`). */
export interface Arg { name?: string; mode?: 'out' | 'ref' | 'in'; declare?: TypeName; expr: Expr }

/** `{ a, b }` items of a collection initializer (each item is the argument list of one `Add`). */
export type Initializer =
  | { kind: 'collection'; items: Expr[][] }
  | { kind: 'object'; members: Array<{ target: { prop: string } | { index: Expr[] }; value: Expr | Initializer; pos: number }> };

export type Expr =
  | { k: 'lit'; value: string | number | boolean | null; type: LitType; pos: number }
  | { k: 'name'; name: string; pos: number }
  | { k: 'member'; target: Expr; name: string; nullCond: boolean; pos: number }
  | { k: 'call'; target: Expr | null; name: string; typeArgs: TypeName[]; args: Arg[]; nullCond: boolean; pos: number }
  | { k: 'invoke'; target: Expr; args: Arg[]; pos: number }
  | { k: 'index'; target: Expr; args: Expr[]; nullCond: boolean; pos: number }
  | { k: 'unary'; op: string; operand: Expr; pos: number }
  | { k: 'binary'; op: string; left: Expr; right: Expr; pos: number }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr; pos: number }
  | { k: 'cast'; type: TypeName; operand: Expr; pos: number }
  | { k: 'is'; operand: Expr; type: TypeName | null; constant?: Expr; bind?: string; pos: number }
  | { k: 'as'; operand: Expr; type: TypeName; pos: number }
  | { k: 'interp'; parts: Array<string | { expr: Expr; align?: Expr; format?: string }>; pos: number }
  | { k: 'assign'; target: Expr; op: string; value: Expr; pos: number }
  | { k: 'update'; target: Expr; op: '++' | '--'; prefix: boolean; pos: number }
  | { k: 'lambda'; params: Array<{ name: string; type?: TypeName }>; body: Expr | Stmt; pos: number }
  | { k: 'new'; type: TypeName; args: Arg[]; init?: Initializer; pos: number }
  | { k: 'newArray'; elem: TypeName | null; size?: Expr; items?: Expr[]; pos: number }
  | { k: 'anon'; fields: Array<{ name: string; value: Expr }>; pos: number }
  | { k: 'typeof'; type: TypeName; pos: number }
  | { k: 'default'; type: TypeName | null; pos: number }
  | { k: 'nameof'; name: string; pos: number }
  | { k: 'throw'; value: Expr; pos: number }
  | { k: 'this'; pos: number }
  /** `checked(x)` / `unchecked(x)`: the overflow-checking context of the integer arithmetic inside x (C# §12.8.20). */
  | { k: 'checked'; on: boolean; expr: Expr; pos: number };

export interface CatchClause { type?: TypeName; name?: string; when?: Expr; body: Stmt; pos: number }
export interface SwitchSection { labels: Array<Expr | null>; body: Stmt[]; pos: number }

export type Stmt =
  | { k: 'var'; type: TypeName; decls: Array<{ name: string; init?: Expr; pos: number }>; isConst: boolean; pos: number }
  | { k: 'expr'; expr: Expr; pos: number }
  | { k: 'if'; test: Expr; then: Stmt; else?: Stmt; pos: number }
  | { k: 'return'; value?: Expr; pos: number }
  /** `checked` set: a `checked { … }` / `unchecked { … }` block (the context of its integer arithmetic). */
  | { k: 'block'; body: Stmt[]; pos: number; checked?: boolean }
  | { k: 'while'; test: Expr; body: Stmt; pos: number }
  | { k: 'do'; body: Stmt; test: Expr; pos: number }
  | { k: 'for'; init: Stmt[]; test: Expr | undefined; update: Expr[]; body: Stmt; pos: number }
  | { k: 'foreach'; type: TypeName; name: string; iter: Expr; body: Stmt; pos: number }
  | { k: 'break'; pos: number }
  | { k: 'continue'; pos: number }
  | { k: 'throw'; value?: Expr; pos: number }
  | { k: 'try'; body: Stmt; catches: CatchClause[]; fin?: Stmt; pos: number }
  | { k: 'switch'; value: Expr; sections: SwitchSection[]; pos: number }
  | { k: 'using'; decl?: Stmt; expr?: Expr; body: Stmt; pos: number }
  /** A local function (C# 7): `int F(int x) { … }` or `=> expr;`; `type` is `void` for one without a value. */
  | { k: 'localfn'; name: string; type: TypeName; params: Array<{ name: string; type: TypeName; pos: number }>; body: Stmt | Expr; pos: number }
  | { k: 'empty'; pos: number };

/** The whole `@(…)` (expression) or `@{…}` (block) body. */
export type Program = { kind: 'expr'; expr: Expr } | { kind: 'block'; body: Stmt[] };
