import type { RequestRun } from '../pipeline/request-run.js';
import type { ParameterContract } from '../types.js';
import { validateJson, type Schema } from '../validation/json-schema.js';
import { parameterNode } from '../validation/parameter-value.js';
import type { PolicyDefinition } from './types.js';
import {
  actionOf, compileAction, errorsVariable, INTERNAL_PUBLIC, parameterSchema, ValidationRun, type Action,
} from './validation.js';
import type { ValueSource } from './types.js';

/**
 * validate-parameters (inbound; docs/behaviour/apim.md §2, validation policies): the request's path parameters,
 * query parameters and headers against the operation's `templateParameters`, `request.queryParameters` and
 * `request.headers`. `specified-parameter-action` applies to the declared ones (several values, a value that is not
 * of the declared type or breaks its schema), `unspecified-parameter-action` to the others; `<headers>`,
 * `<query>`, `<path>` override both per category and `<parameter name action>` per name. Learn's error table has no
 * error for a missing required parameter, so none is raised. Header names compare without case, query and path
 * names exactly.
 */
export interface ParameterCheck {
  kind: 'query parameter' | 'path parameter' | 'header';
  type: 'QueryParameter' | 'PathParameter' | 'RequestHeader' | 'ResponseHeader';
  declared: readonly ParameterContract[];
  actual: ReadonlyArray<[string, readonly string[]]>;
  specified(name: string): Action;
  unspecified(name: string): Action;
}

export function checkParameters(v: ValidationRun, c: ParameterCheck): void {
  const response = c.type === 'ResponseHeader';
  const ci = c.kind === 'header';
  const same = (a: string, b: string) => (ci ? a.toLowerCase() === b.toLowerCase() : a === b);
  for (const [name, values] of c.actual) {
    const decl = c.declared.find((p) => same(p.name, name));
    const err = (rule: string, details: string, publicMessage = details) => ({ name, type: c.type, rule, details, publicMessage: response ? INTERNAL_PUBLIC : publicMessage });
    if (!decl) {
      v.add(err('Unspecified', `Unspecified ${c.kind} ${name} is not allowed.`), c.unspecified(name));
      continue;
    }
    const action = c.specified(name);
    if (action === 'ignore') continue;
    if (values.length > 1) {
      v.add(err('IncorrectMessage', `${response ? 'Response' : 'Request'} cannot contain multiple values for the ${c.kind} ${name}.`), action);
      continue;
    }
    const def = parameterSchema(decl, v.rc.contract?.schemas ?? []);
    if (def === 'no-schema') { v.add({ name: '', type: 'ApiSchema', rule: '', details: "API's schema doesn't exist or it couldn't be resolved.", publicMessage: INTERNAL_PUBLIC }, action); continue; }
    if (def === 'no-definition') {
      v.add({ ...err('MissingDefinition', `API's schema does not contain definition ${decl.typeName ?? ''}, which is associated with the ${c.kind} ${name}.`), publicMessage: INTERNAL_PUBLIC }, action);
      continue;
    }
    const node = parameterNode(values[0] ?? '', def.schema);
    if ('parseError' in node) {
      v.add(err('IncorrectMessage', `Value of the ${c.kind} ${name} ${response ? "couldn't" : 'cannot'} be parsed according to the definition.${response ? '' : ` ${node.parseError}`}`,
        `Value of the ${c.kind} ${name} couldn't be parsed according to the definition. ${node.parseError}`), action);
      continue;
    }
    for (const e of validateJson(node, def.schema as Schema, { root: def.root })) {
      const at = `${e.message} Line: ${e.pos.line}, Position: ${e.pos.position}`;
      v.add(err('IncorrectMessage', `Value of the ${c.kind} ${name} does not conform to the definition. ${at}`, `The value of the ${c.kind} ${name} does not conform to the definition. ${at}`), action);
    }
  }
}

/** Per-name overrides (`<parameter name action>` / `<header name action>`). */
export function overrides(rc: RequestRun, list: ReadonlyArray<{ name: string; action: ValueSource }>, name: string, ci: boolean): Action | undefined {
  const o = list.find((p) => (ci ? p.name.toLowerCase() === name.toLowerCase() : p.name === name));
  return o ? actionOf(o.action, rc, 'ignore') : undefined;
}

export const validateParameters: PolicyDefinition = {
  sections: ['inbound'],
  attributes: ['specified-parameter-action', 'unspecified-parameter-action', 'errors-variable-name'],
  compile(node, cc, base) {
    const specified = compileAction(cc, node, 'specified-parameter-action', true, true)!;
    const unspecified = compileAction(cc, node, 'unspecified-parameter-action', true, true)!;
    const errorsVar = errorsVariable(cc, node);
    const groups = new Map<string, { specified?: ValueSource; unspecified?: ValueSource; params: Array<{ name: string; action: ValueSource }> }>();
    for (const g of node.children) {
      if (!['headers', 'query', 'path'].includes(g.name)) { cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', g, `<${g.name}> is not allowed inside <validate-parameters>`); continue; }
      if (groups.has(g.name)) throw cc.error('ERR_APIM_POLICY_STRUCTURE', g, `<${g.name}> appears twice inside <validate-parameters>`);
      for (const a of Object.keys(g.attrs)) {
        if (a !== 'specified-parameter-action' && !(a === 'unspecified-parameter-action' && g.name !== 'path')) cc.problem('ERR_APIM_POLICY_ATTRIBUTE', g, `<${g.name}> has no attribute '${a}'`);
      }
      const params = g.children.map((p) => {
        if (p.name !== 'parameter') throw cc.error('ERR_APIM_POLICY_UNKNOWN_ELEMENT', p, `<${p.name}> is not allowed inside <${g.name}>`);
        if (!p.attrs.name) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', p, "<parameter> requires the attribute 'name'");
        return { name: p.attrs.name, action: compileAction(cc, p, 'action', true, true)! };
      });
      const sp = compileAction(cc, g, 'specified-parameter-action', false, true);
      const un = g.name === 'path' ? undefined : compileAction(cc, g, 'unspecified-parameter-action', false, true);
      groups.set(g.name, { ...(sp ? { specified: sp } : {}), ...(un ? { unspecified: un } : {}), params });
    }
    return {
      ...base,
      run(rc) {
        const v = new ValidationRun(rc, 'validate-parameters', errorsVar, true);
        const op = rc.contract?.operation;
        const dflt = { specified: actionOf(specified, rc, 'ignore'), unspecified: actionOf(unspecified, rc, 'ignore') };
        const check = (group: 'headers' | 'query' | 'path', c: Omit<ParameterCheck, 'specified' | 'unspecified'>) => {
          const g = groups.get(group);
          const ci = group === 'headers';
          const sp = g?.specified ? actionOf(g.specified, rc, dflt.specified) : dflt.specified;
          const un = g?.unspecified ? actionOf(g.unspecified, rc, dflt.unspecified) : dflt.unspecified;
          checkParameters(v, {
            ...c,
            specified: (n) => overrides(rc, g?.params ?? [], n, ci) ?? sp,
            unspecified: (n) => overrides(rc, g?.params ?? [], n, ci) ?? un,
          });
        };
        if (!op && (dflt.specified !== 'ignore' || dflt.unspecified !== 'ignore')) {
          v.add({ name: '', type: 'ApiSchema', rule: '', details: "API's schema doesn't exist or it couldn't be resolved.", publicMessage: INTERNAL_PUBLIC }, dflt.specified === 'prevent' || dflt.unspecified === 'prevent' ? 'prevent' : 'detect');
        }
        if (op) {
          check('path', { kind: 'path parameter', type: 'PathParameter', declared: op.templateParameters ?? [], actual: [...rc.request.matchedParameters].map(([k, x]) => [k, [x]]) });
          const query = new Map<string, string[]>();
          for (const [k, x] of rc.request.originalUrl.query) query.set(k, [...(query.get(k) ?? []), x]);
          check('query', { kind: 'query parameter', type: 'QueryParameter', declared: op.request?.queryParameters ?? [], actual: [...query] });
          check('headers', { kind: 'header', type: 'RequestHeader', declared: op.request?.headers ?? [], actual: [...rc.request.headers.values()].map((h) => [h.name, h.values]) });
        }
        v.finish();
      },
    };
  },
};
