/**
 * Declarations with neither `type` nor `$ref` are of type any: the Bicep emitter writes `param p any` as `"p": {}`
 * and a resource-derived type whose REST schema has no type as metadata only (docs/behaviour/arm.md).
 */
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { setup } from './helpers/seed.js';

describe('declarations without a type (any)', () => {
  it('a parameter, an output and a definition property without a type take any value', () => {
    const { options } = setup();
    const template = {
      languageVersion: '2.0',
      definitions: { bag: { type: 'object', properties: { anything: { nullable: true } } } },
      parameters: {
        myAny: {},
        derived: { metadata: { '__bicep_resource_derived_type!': { source: 'Microsoft.ApiCenter/services/workspaces/apis@2024-03-01#properties/properties/properties/customProperties' } }, nullable: true },
        typed: { $ref: '#/definitions/bag' },
      },
      resources: {},
      outputs: {
        a: { value: "[parameters('myAny')]" },
        d: { value: "[parameters('derived')]" },
        t: { type: 'object', value: "[parameters('typed')]" },
      },
    };
    const r = deploy({ deploymentName: 'any', template, parameters: { myAny: { value: [1, 'two'] }, typed: { value: { anything: 3 } } } }, options);
    expect(r.outputs['a']!.value).toEqual([1, 'two']);
    expect(r.outputs['d']!.value).toBeNull();
    expect(r.outputs['t']!.value).toEqual({ anything: 3 });
    const again = deploy({ deploymentName: 'any2', template, parameters: { myAny: { value: 'text' }, typed: { value: { anything: 'x' } } } }, options);
    expect(again.outputs['a']!.value).toBe('text');
  });

  it('an unknown type name is still refused', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'bad', template: { parameters: { p: { type: 'strin' } }, resources: [] }, parameters: { p: { value: 'x' } } }, options)).toThrow(/is not one of/);
  });
});
