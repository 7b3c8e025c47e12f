import type { CompiledExpression } from '../expressions/compile.js';
import { requireBool } from '../expressions/values.js';
import type { PolicyDefinition, Step } from './types.js';
import { runSteps } from './run-steps.js';

/** choose/when/otherwise: the first true `when` runs; later conditions are not evaluated. */
export const choose: PolicyDefinition = {
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: [],
  compile(node, cc, base) {
    const branches: Array<{ test: CompiledExpression | boolean; steps: Step[] }> = [];
    let otherwise: Step[] | undefined;
    let w = 0;
    for (const c of node.children) {
      if (c.name === 'when') {
        w++;
        const raw = c.attrs.condition;
        if (raw === undefined) throw cc.error('ERR_APIM_POLICY_ATTRIBUTE', c, '<when> requires the attribute \'condition\'');
        const t = raw.trim().toLowerCase();
        const test = t === 'true' ? true : t === 'false' ? false : cc.expression(c, raw, "attribute 'condition'");
        branches.push({ test, steps: cc.children(c.children, `${base.path}/when[${w}]`) });
      } else if (c.name === 'otherwise') {
        if (otherwise) throw cc.error('ERR_APIM_POLICY_STRUCTURE', c, '<choose> may have one <otherwise>');
        otherwise = cc.children(c.children, `${base.path}/otherwise`);
      } else cc.problem('ERR_APIM_POLICY_UNKNOWN_ELEMENT', c, `<${c.name}> is not allowed inside <choose>`);
    }
    if (branches.length === 0) cc.problem('ERR_APIM_POLICY_STRUCTURE', node, '<choose> needs at least one <when>');
    return {
      ...base,
      async run(rc) {
        for (const b of branches) {
          const ok = typeof b.test === 'boolean' ? b.test : requireBool(b.test.evaluate(rc), 'condition');
          if (ok) return runSteps(b.steps, rc);
        }
        if (otherwise) return runSteps(otherwise, rc);
      },
    };
  },
};
