/** AST of an ARM template language expression; offsets are 0-based positions in the JSON string value. */
export type ExprNode =
  | { kind: 'string'; value: string; offset: number }
  | { kind: 'int'; value: number | bigint; offset: number }
  | { kind: 'call'; name: string; args: ExprNode[]; offset: number }
  | { kind: 'member'; object: ExprNode; property: string; offset: number }
  | { kind: 'index'; object: ExprNode; index: ExprNode; offset: number };

/** A template JSON string classified: a literal (incl. `[[` unescaped) or an expression. */
export type TemplateString = { kind: 'literal'; value: string } | { kind: 'expression'; text: string; ast: ExprNode };
