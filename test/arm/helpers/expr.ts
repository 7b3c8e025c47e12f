import type { EvalContext } from '../../../src/arm/expressions/index.js';
import { evaluateTemplateString } from '../../../src/arm/expressions/index.js';

export function testContext(overrides: Partial<EvalContext> = {}): EvalContext & { warnings: string[] } {
  const warnings: string[] = [];
  const params: Record<string, unknown> = { siteName: 'app', count: 3, flag: true, obj: { a: 'b', Nested: { x: [1, 2] } } };
  const vars: Record<string, unknown> = { planName: 'plan-1' };
  const lookup = (map: Record<string, unknown>, n: string) => {
    const k = Object.keys(map).find((x) => x.toLowerCase() === n.toLowerCase());
    if (k === undefined) throw new Error(`missing ${n}`);
    return map[k];
  };
  return {
    scope: { subscriptionId: 'sub-1', resourceGroup: 'rg-1', location: 'westeurope', tenantId: 'tenant-1' },
    loose: false,
    parameter: (n) => lookup(params, n),
    variable: (n) => lookup(vars, n),
    reference: (target, api, full) => ({ target, api: api ?? null, full }),
    list: (action, target, api, body) => ({ action, target, api, body: body ?? null }),
    copyIndex: () => 2,
    deployment: () => ({ name: 'dep-1', properties: { mode: 'Incremental' } }),
    warn: (m) => warnings.push(m),
    warnings,
    ...overrides,
  };
}

export function ev(s: string, ctx: EvalContext = testContext()): unknown {
  return evaluateTemplateString(s, ctx);
}
