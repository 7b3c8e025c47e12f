export { tokenize } from './tokenizer.js';
export type { Token, TokenKind } from './tokenizer.js';
export { parseExpression, parseTemplateString, isExpression } from './parser.js';
export type { ExprNode, TemplateString } from './ast.js';
export { evaluateNode, evaluateTemplateString, collectCalls } from './evaluate.js';
export type { EvalContext, EvalScope, ArmFunction, FunctionEnv } from './context.js';
export { lookupFunction, functionNames } from './functions/registry.js';
export { uniqueString, armGuid } from './hash.js';
export { dotnetFormat } from './functions/format.js';
