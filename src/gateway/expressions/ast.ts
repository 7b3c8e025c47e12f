/** AST of the policy-expression C# subset. `pos` is the offset inside the expression source. */
export type Expr =
  | { k: 'lit'; value: string | number | boolean | null; type: 'string' | 'int' | 'double' | 'bool' | 'char' | 'null'; pos: number }
  | { k: 'name'; name: string; pos: number }
  | { k: 'member'; target: Expr; name: string; nullCond: boolean; pos: number }
  | { k: 'call'; target: Expr; name: string; typeArgs: string[]; args: Expr[]; nullCond: boolean; pos: number }
  | { k: 'index'; target: Expr; args: Expr[]; nullCond: boolean; pos: number }
  | { k: 'unary'; op: string; operand: Expr; pos: number }
  | { k: 'binary'; op: string; left: Expr; right: Expr; pos: number }
  | { k: 'cond'; test: Expr; then: Expr; else: Expr; pos: number }
  | { k: 'cast'; type: string; operand: Expr; pos: number }
  | { k: 'interp'; parts: Array<string | { expr: Expr; format?: string }>; pos: number }
  | { k: 'assign'; name: string; op: string; value: Expr; pos: number }
  | { k: 'update'; name: string; op: '++' | '--'; prefix: boolean; pos: number };

export type Stmt =
  | { k: 'var'; name: string; init: Expr; pos: number }
  | { k: 'expr'; expr: Expr; pos: number }
  | { k: 'if'; test: Expr; then: Stmt; else?: Stmt; pos: number }
  | { k: 'return'; value: Expr; pos: number }
  | { k: 'block'; body: Stmt[]; pos: number }
  | { k: 'while'; test: Expr; body: Stmt; pos: number }
  | { k: 'do'; body: Stmt; test: Expr; pos: number }
  | { k: 'for'; init: Stmt[]; test: Expr | undefined; update: Expr[]; body: Stmt; pos: number }
  | { k: 'break'; pos: number }
  | { k: 'continue'; pos: number };

/** The whole `@(…)` (expression) or `@{…}` (block) body. */
export type Program = { kind: 'expr'; expr: Expr } | { kind: 'block'; body: Stmt[] };
