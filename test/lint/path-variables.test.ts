/**
 * `context.Variables` at lint time (src/lint/static-context.ts): what one path through the policy has set. A variable
 * set by a value the deployment decides is read as that value; one the path does not set is absent; one that may be
 * unset (`maybe`) or holds a request-time value is not known, so a condition reading it is checked both ways.
 */
import { describe, expect, it } from 'vitest';
import type { HostContext } from '../../src/gateway/index.js';
import { REQUEST_TIME, staticCondition, staticValue, type VariableFact } from '../../src/lint/static-context.js';

const ctx = { $type: 'Context', get variables() { throw new Error('no variables without a path'); } } as unknown as HostContext;
const vars = (entries: Record<string, VariableFact>) => new Map(Object.entries(entries));

describe('lint: a path\'s variables', () => {
  it('set to a known value: read, compared, counted', () => {
    const v = vars({ mode: { state: 'set', value: 'yes' }, n: { state: 'set', value: 3 } });
    expect(staticCondition('@((string)context.Variables["mode"] == "yes")', ctx, v)).toBe(true);
    expect(staticCondition('@(context.Variables.GetValueOrDefault<int>("n", 0) > 5)', ctx, v)).toBe(false);
    expect(staticCondition('@(context.Variables.Count == 2)', ctx, v)).toBe(true);
    expect(staticValue('@((string)context.Variables["mode"] + "!")', ctx, v)).toBe('yes!');
    expect(staticValue('literal', ctx, v)).toBe('literal');
  });

  it('not set on the path: absent (ContainsKey false, GetValueOrDefault the default)', () => {
    const v = vars({});
    expect(staticCondition('@(context.Variables.ContainsKey("mode"))', ctx, v)).toBe(false);
    expect(staticCondition('@(context.Variables.GetValueOrDefault<string>("mode", "no") == "no")', ctx, v)).toBe(true);
  });

  it('maybe set, or set to a request-time value: not known (the condition is checked both ways)', () => {
    const maybe = vars({ tok: { state: 'maybe', value: REQUEST_TIME } });
    expect(staticCondition('@(context.Variables.ContainsKey("tok"))', ctx, maybe)).toBeUndefined();
    expect(staticCondition('@(context.Variables.Count > 0)', ctx, maybe)).toBeUndefined();
    const late = vars({ tok: { state: 'set', value: REQUEST_TIME } });
    expect(staticCondition('@(context.Variables.ContainsKey("tok"))', ctx, late)).toBe(true);
    expect(staticCondition('@(((string)context.Variables["tok"]).Length > 0)', ctx, late)).toBeUndefined();
    expect(staticValue('@((string)context.Variables["tok"])', ctx, late)).toBe(REQUEST_TIME);
  });

  it('without a path, context.Variables is not known', () => {
    expect(staticCondition('@(context.Variables.ContainsKey("x"))', ctx)).toBeUndefined();
  });
});
