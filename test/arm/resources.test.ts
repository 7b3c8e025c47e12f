import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup, snapshot } from './helpers/seed.js';

const SITES = `${RG}/providers/Microsoft.Web/sites`;
const plan = (name: string, extra: Record<string, unknown> = {}) => ({ type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name, properties: {}, ...extra });

function err(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    const x = e as { code: string; message: string; location: unknown };
    return { code: x.code, message: x.message, location: x.location };
  }
  throw new Error('expected an error');
}

describe('resources', () => {
  it('nested child resources get full type/name; null properties are dropped', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        {
          type: 'Microsoft.Web/sites',
          name: 'app',
          properties: { keep: 'x', drop: "[json('null')]", nested: { gone: null, kept: 1 } },
          resources: [{ type: 'config', name: 'appsettings', dependsOn: ['app'], properties: { A: 'b' } }],
        },
      ],
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.resources).toEqual([`${SITES}/app`, `${SITES}/app/config/appsettings`]);
    const cfg = store.getResource(`${SITES}/app/config/appsettings`)!;
    expect(cfg).toEqual({ id: `${SITES}/app/config/appsettings`, type: 'Microsoft.Web/sites/config', name: 'app/appsettings', properties: { A: 'b' } });
    expect(store.getResource(`${SITES}/app`)!.properties).toEqual({
      keep: 'x',
      nested: { kept: 1 },
      defaultHostName: 'app.azurewebsites.net',
      hostNames: ['app.azurewebsites.net'],
      enabledHostNames: ['app.azurewebsites.net', 'app.scm.azurewebsites.net'],
      inboundIpAddress: expect.stringMatching(/^20\.\d+\.\d+\.\d+$/),
      customDomainVerificationId: expect.stringMatching(/^[0-9A-F]{64}$/),
      outboundIpAddresses: expect.stringMatching(/^(20\.\d+\.\d+\.\d+,){3}20\.\d+\.\d+\.\d+$/),
      possibleOutboundIpAddresses: expect.any(String),
      ftpUsername: 'app\\$app',
      state: 'Running',
    });
  });

  it('enforces the segment-count rule with the ARM message', () => {
    const { options } = setup();
    const e = err(() => deploy({ deploymentName: 'd', template: { resources: [{ type: 'Microsoft.Web/sites/config', name: 'authsettingsV2', properties: {} }] } }, options));
    expect(e.code).toBe('ERR_ARM_RESOURCE_SEGMENTS');
    expect(e.message).toBe(
      "Deployment template validation failed: 'The template resource 'authsettingsV2' for type 'Microsoft.Web/sites/config' has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name. A root resource type must have segment length one greater than its resource name. Please see https://aka.ms/arm-template/#resources for usage details.'.",
    );
    expect(e.location).toEqual({ jsonPath: 'resources[0].type' });
  });

  it('types without a provider are stored as given (stored, not simulated); strict refuses them by name with a location; malformed types are errors', () => {
    const { store, options } = setup();
    const template = { text: '{\n "resources": [\n  { "type": "Microsoft.Network/virtualNetworks", "name": "st", "properties": {"x": 1} }\n ]\n}', file: 't.json' };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.warnings).toEqual([]);
    expect(r.stored).toEqual([`${RG}/providers/Microsoft.Network/virtualNetworks/st`]);
    expect(store.getResource(`${RG}/providers/Microsoft.Network/virtualNetworks/st`)!.properties).toEqual({ x: 1, provisioningState: 'Succeeded' });
    const e = err(() => deploy({ deploymentName: 'd', template }, { ...options, strict: true }));
    expect(e.code).toBe('ERR_ARM_RESOURCE_TYPE_UNSUPPORTED');
    expect(e.message).toContain("The resource type 'Microsoft.Network/virtualNetworks' of the template resource 'st' at line '3' and column '3' is not simulated by the twin");
    expect(e.location).toEqual({ file: 't.json', jsonPath: 'resources[0].type', line: 3, column: 3 });
    const bad = err(() => deploy({ deploymentName: 'd', template: { resources: [{ type: 'NoNamespace/things', name: 'x' }] } }, options));
    expect(bad.code).toBe('ERR_ARM_TEMPLATE_INVALID');
    const child = deploy({ deploymentName: 'd2', template: { resources: [{ type: 'Contoso.Widgets/things', name: 'w', properties: { a: 1 } }, { type: 'Contoso.Widgets/things/parts', name: 'w/p', dependsOn: ['w'], properties: { b: "[reference('w').a]" } }] } }, options);
    expect(child.stored).toHaveLength(2);
    expect(store.getResource(`${RG}/providers/Contoso.Widgets/things/w/parts/p`)!.properties).toEqual({ b: 1, provisioningState: 'Succeeded' });
  });

  it('loose mode turns unknown functions into warnings', () => {
    const { store, options } = setup();
    const r = deploy({ deploymentName: 'd', template: { resources: [plan('p', { properties: { a: '[newThing()]', b: 'x' } })] } }, { ...options, loose: true });
    expect(r.warnings).toEqual(["The template function 'newThing' is not valid. Please see https://aka.ms/arm-functions for usage details. (loose mode: evaluated as null)"]);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ b: 'x' });
  });

  it('dependsOn by resourceId, name and copy name orders the deployment; unknown names are errors', () => {
    const { options } = setup();
    const template = {
      resources: [
        plan('last', { dependsOn: ['loop'] }),
        plan('[concat(\'c\', copyIndex())]', { copy: { name: 'loop', count: 2 }, dependsOn: ["[resourceId('Microsoft.Web/serverfarms', 'first')]"] }),
        plan('first'),
      ],
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    const p = `${RG}/providers/Microsoft.Web/serverfarms`;
    expect(r.resources).toEqual([`${p}/first`, `${p}/c0`, `${p}/c1`, `${p}/last`]);
    const e = err(() => deploy({ deploymentName: 'd', template: { resources: [plan('a', { dependsOn: ['ghost'] })] } }, options));
    expect(e.code).toBe('ERR_ARM_DEPENDENCY_NOT_FOUND');
    expect(e.message).toBe("Deployment template validation failed: 'The resource 'ghost' is not defined in the template.' Please see https://aka.ms/arm-template for usage details.");
    expect(e.location).toEqual({ jsonPath: 'resources[0].dependsOn[0]' });
  });

  it('reference() adds an implicit dependency; cycles are errors and leave the store unchanged', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        plan('b', { properties: { x: "[reference(resourceId('Microsoft.Web/serverfarms', 'a')).v]" } }),
        plan('a', { properties: { v: 42 } }),
      ],
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.resources.map((id) => id.split('/').pop())).toEqual(['a', 'b']);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/serverfarms/b`)!.properties).toEqual({ x: 42 });
    const before = snapshot(store);
    const e = err(() => deploy({ deploymentName: 'c', template: { resources: [plan('x', { dependsOn: ['y'] }), plan('y', { dependsOn: ['x'] })] } }, options));
    expect(e.code).toBe('ERR_ARM_DEPENDENCY_CYCLE');
    expect(snapshot(store)).toEqual(before);
  });

  it('condition false skips the resource; duplicates are errors', () => {
    const { store, options } = setup();
    const r = deploy({ deploymentName: 'd', template: { resources: [plan('on'), plan('off', { condition: "[equals(1, 2)]" })] } }, options);
    expect(r.resources).toEqual([`${RG}/providers/Microsoft.Web/serverfarms/on`]);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/serverfarms/off`)).toBeUndefined();
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [plan('x'), plan('X')] } }, options)).code).toBe('ERR_ARM_RESOURCE_DUPLICATE');
  });

  it('child resources need their parent; APIM validation errors name the property', () => {
    const { options } = setup();
    const e = err(() => deploy({ deploymentName: 'd', template: { resources: [{ type: 'Microsoft.Web/sites/config', name: 'nosite/web', properties: {} }] } }, options));
    expect(e.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
    const svc = { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } };
    const op = { type: 'Microsoft.ApiManagement/service/apis/operations', name: 's/api/op', dependsOn: ['s/api'], properties: { method: 'GET' } };
    const api = { type: 'Microsoft.ApiManagement/service/apis', name: 's/api', dependsOn: ['s'], properties: { path: 'p' } };
    const e2 = err(() => deploy({ deploymentName: 'd', template: { resources: [svc, api, op] } }, options));
    expect(e2.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(e2.message).toBe(
      `The resource '${RG}/providers/Microsoft.ApiManagement/service/s/apis/api/operations/op' is not valid: the property 'properties.urlTemplate' is required and must be a non-empty string.`,
    );
    const pol = { type: 'Microsoft.ApiManagement/service/policies', name: 's/policy', dependsOn: ['s'], properties: { format: 'rawxml' } };
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [svc, pol] } }, options)).message).toContain("the property 'properties.value' is required");
  });
});
