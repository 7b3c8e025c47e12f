/**
 * The semantic traps of the ARM specification (docs/behaviour/arm.md §5, numbered as there) that other test files do not
 * already pin down: each as a deployment, so that the engine around the functions is covered too.
 */
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

const MI = 'Microsoft.ManagedIdentity/userAssignedIdentities';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
}

describe('ARM traps (docs/behaviour/arm.md §5)', () => {
  it('4: items() orders keys as .NET culture ordering does (lower case before upper case)', () => {
    const { options } = setup();
    const keys = ['GHIKey', 'ghiKey', 'DEFKey', 'defKey', 'ABCKey', 'abcKey', '456Key', '123Key'];
    const template = { resources: [], outputs: { k: { type: 'array', value: `[map(items(json('{${keys.map((k) => `"${k}": 1`).join(', ')}}')), lambda('e', lambdaVariables('e').key))]` } } };
    expect(deploy({ deploymentName: 't4', template }, options).outputs['k']!.value).toEqual(['123Key', '456Key', 'abcKey', 'ABCKey', 'defKey', 'DEFKey', 'ghiKey', 'GHIKey']);
  });

  it("7: a property whose value is null is not sent (treated as not present)", () => {
    const { store, options } = setup();
    const template = { resources: [{ type: MI, apiVersion: '2023-01-31', name: 'id-null', location: 'westeurope', tags: { a: '[null()]', b: "[json('null')]", c: 'kept' } }] };
    deploy({ deploymentName: 't7', template }, options);
    expect(store.getResource(`${RG}/providers/${MI}/id-null`)!.tags).toEqual({ c: 'kept' });
  });

  it('16: copyIndex() outside a copy loop is an error', () => {
    const { options } = setup();
    const template = { resources: [], outputs: { i: { type: 'int', value: '[copyIndex()]' } } };
    expect(code(() => deploy({ deploymentName: 't16', template }, options))).toBe('ERR_ARM_EXPRESSION_EVAL');
  });

  it('20: dependsOn on a resource whose condition is false is dropped; on a name not in the template it is an error', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        { type: MI, apiVersion: '2023-01-31', name: 'id-off', location: 'westeurope', condition: false },
        { type: MI, apiVersion: '2023-01-31', name: 'id-on', location: 'westeurope', dependsOn: ["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-off')]"] },
      ],
    };
    const r = deploy({ deploymentName: 't20', template }, options);
    expect(r.resources).toEqual([`${RG}/providers/${MI}/id-on`]);
    expect(store.getResource(`${RG}/providers/${MI}/id-off`)).toBeUndefined();
    const broken = { resources: [{ ...template.resources[1], dependsOn: ['id-missing'] }] };
    expect(code(() => deploy({ deploymentName: 't20b', template: broken }, options))).toBe('ERR_ARM_DEPENDENCY_NOT_FOUND');
  });
});
