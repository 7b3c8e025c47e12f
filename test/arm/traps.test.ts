/**
 * The semantic traps of the ARM specification (docs/behaviour/arm.md §5, named "arm trap N" as numbered there; test/arm/trap-coverage.test.ts holds the index) that other test files do not
 * already pin down: each as a deployment, so that the engine around the functions is covered too.
 */
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';
import { ev } from './helpers/expr.js';

const MI = 'Microsoft.ManagedIdentity/userAssignedIdentities';

function caught(fn: () => unknown): { code: string; message: string; location?: unknown } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string; location?: unknown };
  }
  return { code: 'no error', message: '' };
}

function code(fn: () => unknown): string {
  return caught(fn).code;
}

describe('ARM traps (docs/behaviour/arm.md §5)', () => {
  it('arm trap 3: items() orders keys as .NET culture ordering does (lower case before upper case)', () => {
    const { options } = setup();
    const keys = ['GHIKey', 'ghiKey', 'DEFKey', 'defKey', 'ABCKey', 'abcKey', '456Key', '123Key'];
    const template = { resources: [], outputs: { k: { type: 'array', value: `[map(items(json('{${keys.map((k) => `"${k}": 1`).join(', ')}}')), lambda('e', lambdaVariables('e').key))]` } } };
    expect(deploy({ deploymentName: 't4', template }, options).outputs['k']!.value).toEqual(['123Key', '456Key', 'abcKey', 'ABCKey', 'defKey', 'DEFKey', 'ghiKey', 'GHIKey']);
  });

  it("arm trap 6: a property whose value is null is not sent (treated as not present)", () => {
    const { store, options } = setup();
    const template = { resources: [{ type: MI, apiVersion: '2023-01-31', name: 'id-null', location: 'westeurope', tags: { a: '[null()]', b: "[json('null')]", c: 'kept' } }] };
    deploy({ deploymentName: 't7', template }, options);
    expect(store.getResource(`${RG}/providers/${MI}/id-null`)!.tags).toEqual({ c: 'kept' });
  });

  it('arm trap 7: union of arrays keeps the first of deeply equal items (Learn, union: arrays of arrays)', () => {
    expect(ev(`[union(json('[["one","two"],["three"]]'), json('[["three"],["four","two"]]'))]`)).toEqual([['one', 'two'], ['three'], ['four', 'two']]);
    expect(ev("[union(createObject('a', createArray(1)), createObject('a', createArray(2)))]")).toEqual({ a: [2] });
  });

  it('arm trap 9: substring out of range is an error with the Learn message; take/skip clamp', () => {
    expect(caught(() => ev("[substring('1234567890', 0, 11)]")).message).toContain(
      "The index and length parameters must refer to a location within the string. The index parameter: '0', the length parameter: '11', the length of the string parameter: '10'.",
    );
    expect(code(() => ev("[substring('abc', 4)]"))).toBe('ERR_ARM_FUNCTION_ARGUMENTS');
    expect(ev("[take('abc', 5)]")).toBe('abc');
    expect(ev('[take(createArray(1, 2), -1)]')).toEqual([]);
    expect(ev("[skip('abc', -2)]")).toBe('abc');
    expect(ev('[skip(createArray(1, 2), 3)]')).toEqual([]);
  });

  it("arm trap 10: reference() answers the resource's properties, with 'Full' the whole resource", () => {
    const { options } = setup();
    const template = {
      resources: [{ type: MI, apiVersion: '2023-01-31', name: 'id-ref', location: 'westeurope', tags: { t: 'x' } }],
      outputs: {
        props: { type: 'object', value: "[reference('id-ref')]" },
        full: { type: 'object', value: "[reference('id-ref', '2023-01-31', 'Full')]" },
      },
    };
    const out = deploy({ deploymentName: 't10', template }, options).outputs;
    const props = out['props']!.value as Record<string, unknown>;
    const full = out['full']!.value as Record<string, unknown>;
    expect(typeof props['principalId']).toBe('string');
    expect(props['tags']).toBeUndefined();
    expect(full['properties']).toEqual(props);
    expect(full['tags']).toEqual({ t: 'x' });
    expect(full['location']).toBe('westeurope');
  });

  it('arm trap 10: a reference()/list*() call to a condition-false resource elsewhere is evaluated: ResourceNotFound when it does not exist, its state when it does', () => {
    const { store, options } = setup();
    const off = { type: MI, apiVersion: '2023-01-31', name: 'id-off', location: 'westeurope', condition: false };
    const output = (value: string) => ({ resources: [off], outputs: { o: { type: 'string', value } } });
    const notFound =
      "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/id-off' under resource group 'rg-trustline' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix";
    for (const value of ["[reference('id-off').principalId]", `[reference(resourceId('${MI}', 'id-off'), '2023-01-31').principalId]`, "[string(listKeys('id-off', '2023-01-31'))]"]) {
      const e = caught(() => deploy({ deploymentName: 't10b', template: output(value) }, options));
      expect(e.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
      expect(e.message).toBe(`The template output 'o' is not valid: ${notFound}`);
      expect(e.location).toEqual({ jsonPath: 'outputs.o.value' });
    }
    // From another resource's body: the same error, at that resource's property; nothing is deployed.
    const reader = { type: MI, apiVersion: '2023-01-31', name: 'id-reader', location: 'westeurope', tags: { p: "[reference('id-off').principalId]" } };
    const e = caught(() => deploy({ deploymentName: 't10c', template: { resources: [off, reader] } }, options));
    expect(e.message).toBe(`The template resource 'Microsoft.ManagedIdentity/userAssignedIdentities/id-reader' is not valid: ${notFound}`);
    expect(store.getResource(`${RG}/providers/${MI}/id-reader`)).toBeUndefined();
    // languageVersion 2.0: a false resource whose name cannot be evaluated is named by its symbolic name.
    const symbolic = {
      languageVersion: '2.0',
      parameters: { n: { type: 'string', nullable: true } },
      resources: { off: { type: MI, apiVersion: '2023-01-31', name: "[parameters('n')]", location: 'westeurope', condition: false } },
      outputs: { o: { type: 'string', value: "[reference('off').principalId]" } },
    };
    expect(caught(() => deploy({ deploymentName: 't10g', template: symbolic }, options)).message).toBe(
      "The template output 'o' is not valid: The Resource 'off' under resource group 'rg-trustline' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    );
    // Guarded by if(), the call is not evaluated.
    expect(deploy({ deploymentName: 't10d', template: output("[if(false(), reference('id-off').principalId, 'none')]") }, options).outputs['o']!.value).toBe('none');
    // Deployed earlier, the resource exists: the call reads it although this deployment skips it.
    deploy({ deploymentName: 't10e', template: { resources: [{ ...off, condition: true }] } }, options);
    const principalId = store.getResource(`${RG}/providers/${MI}/id-off`)!.properties['principalId'];
    expect(typeof principalId).toBe('string');
    expect(deploy({ deploymentName: 't10f', template: output("[reference('id-off').principalId]") }, options).outputs['o']!.value).toBe(principalId);
  });

  it("arm trap 14: '[[' escapes a literal '[' in a template, not in a parameters value; '[' without a closing ']' is literal", () => {
    const { options } = setup();
    const template = {
      parameters: { p: { type: 'string' } },
      resources: [],
      outputs: { escaped: { type: 'string', value: '[[x]' }, open: { type: 'string', value: '[not an expression' }, given: { type: 'string', value: "[parameters('p')]" }, quote: { type: 'string', value: "['It''s']" } },
    };
    const out = deploy({ deploymentName: 't14', template, parameters: { p: { value: '[[x]' } } }, options).outputs;
    expect(out['escaped']!.value).toBe('[x]');
    expect(out['open']!.value).toBe('[not an expression');
    expect(out['given']!.value).toBe('[[x]');
    expect(out['quote']!.value).toBe("It's");
  });

  it('arm trap 15: resource types and names are matched case-insensitively; values keep the case written', () => {
    const { options } = setup();
    const template = {
      resources: [{ type: MI, apiVersion: '2023-01-31', name: 'Id-Case', location: 'westeurope' }],
      outputs: {
        id: { type: 'string', value: "[resourceId('microsoft.managedidentity/USERASSIGNEDIDENTITIES', 'Id-Case')]" },
        read: { type: 'string', value: "[Reference(ResourceID('microsoft.managedidentity/USERASSIGNEDIDENTITIES', 'id-case'), '2023-01-31').PRINCIPALID]" },
        byName: { type: 'string', value: "[reference('ID-CASE').principalId]" },
      },
    };
    const out = deploy({ deploymentName: 't15', template }, options).outputs;
    expect(out['id']!.value).toBe(`${RG}/providers/microsoft.managedidentity/USERASSIGNEDIDENTITIES/Id-Case`);
    expect(typeof out['read']!.value).toBe('string');
    expect(out['byName']!.value).toBe(out['read']!.value);
  });

  it('arm trap 11: copyIndex() outside a copy loop is an error', () => {
    const { options } = setup();
    const template = { resources: [], outputs: { i: { type: 'int', value: '[copyIndex()]' } } };
    expect(code(() => deploy({ deploymentName: 't16', template }, options))).toBe('ERR_ARM_EXPRESSION_EVAL');
  });

  it('arm trap 12: dependsOn on a resource whose condition is false is dropped; on a name not in the template it is an error', () => {
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
