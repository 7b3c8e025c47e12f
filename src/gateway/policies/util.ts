import { toDotNetString, type Value } from '../expressions/values.js';
import type { RequestRun } from '../pipeline/request-run.js';
import type { PolicyNode } from '../policy/xml.js';
import type { CompileContext, ValueSource } from './types.js';

export const str = (v: Value): string => toDotNetString(v);

export function required(cc: CompileContext, node: PolicyNode, attr: string, allowExpression = true): ValueSource {
  const v = cc.value(node, node.attrs[attr], `attribute '${attr}'`, allowExpression);
  if (!v) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `<${node.name}> requires the attribute '${attr}'`);
  return v;
}

export function optional(cc: CompileContext, node: PolicyNode, attr: string, allowExpression = true): ValueSource | undefined {
  return cc.value(node, node.attrs[attr], `attribute '${attr}'`, allowExpression);
}

/** A literal boolean attribute (true/false, case-insensitive). */
export function literalBool(cc: CompileContext, node: PolicyNode, attr: string, dflt: boolean): boolean {
  const raw = node.attrs[attr];
  if (raw === undefined) return dflt;
  const t = raw.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', node, `Attribute '${attr}' of <${node.name}> must be true or false, not '${raw}'`);
}

export function boolOf(v: ValueSource | undefined, rc: RequestRun, dflt: boolean): boolean {
  if (!v) return dflt;
  const x = v.get(rc);
  if (typeof x === 'boolean') return x;
  return str(x).trim().toLowerCase() === 'true';
}

/** `<value>` children of set-header / set-query-parameter / check-header. */
export function valueChildren(cc: CompileContext, node: PolicyNode): ValueSource[] {
  return node.children.filter((c) => c.name === 'value').map((c) => cc.value(c, c.text, `<value> of <${node.name}>`) ?? { isExpression: false, literal: '', get: () => '' });
}

export function onlyChildren(cc: CompileContext, node: PolicyNode, allowed: readonly string[]): void {
  for (const c of node.children) {
    if (!allowed.includes(c.name)) cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <${node.name}>`);
  }
}
