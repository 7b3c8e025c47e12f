/**
 * Shapes the Bicep emitter writes that plain ARM JSON rarely has: declarations with neither `type` nor `$ref` (type
 * any: `param p any` is `"p": {}`, and a resource-derived type whose REST schema has no type keeps only its metadata;
 * docs/behaviour/arm.md §1), and resources of Bicep extensions (`"extension"`/`"import"`), which the twin refuses.
 */
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import type { TwinError } from '../../src/core/index.js';
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

describe('resources of Bicep extensions', () => {
  const graph = {
    languageVersion: '2.0',
    extensions: { graphV1: { name: 'MicrosoftGraph', version: '1.0.0' } },
    resources: {
      unit: { extension: 'graphV1', type: 'Microsoft.Graph/administrativeUnits@beta', properties: { displayName: 'Unit' } },
    },
  };

  it('a resource of an extension the twin does not simulate (a Microsoft Graph administrative unit, Kubernetes) is refused by name with ERR_ARM_TEMPLATE_UNSUPPORTED (also the older "import" form)', () => {
    const { options } = setup();
    let error: TwinError | undefined;
    try {
      deploy({ deploymentName: 'graph', template: graph }, options);
    } catch (e) {
      error = e as TwinError;
    }
    expect(error?.code).toBe('ERR_ARM_TEMPLATE_UNSUPPORTED');
    expect(error?.message).toContain("resources.unit");
    expect(error?.message).toContain("Bicep extension 'graphV1' (type 'Microsoft.Graph/administrativeUnits@beta')");
    const k8s = { languageVersion: '2.0', imports: { k8s: { provider: 'Kubernetes', version: '1.0.0' } }, resources: { d: { import: 'k8s', type: 'apps/Deployment@v1', properties: {} } } };
    expect(() => deploy({ deploymentName: 'k8s', template: k8s }, { ...options, loose: true })).toThrow(expect.objectContaining({ code: 'ERR_ARM_TEMPLATE_UNSUPPORTED' }));
  });

  it('an Azure resource marked with the az extension deploys as any other', () => {
    const { options } = setup();
    const template = {
      languageVersion: '2.0',
      extensions: { az: { name: 'AzureResourceManager', version: '0.2.896' } },
      resources: { id: { extension: 'az', type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'id-az', location: 'westeurope' } },
      outputs: { p: { type: 'string', value: "[reference('id').principalId]" } },
    };
    expect(deploy({ deploymentName: 'az', template }, options).outputs['p']!.value).toMatch(/^[0-9a-f-]{36}$/);
  });
});
