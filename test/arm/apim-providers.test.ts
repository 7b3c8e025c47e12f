import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup, snapshot } from './helpers/seed.js';

const svc = { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } };
const api = { type: 'Microsoft.ApiManagement/service/apis', name: 's/api', dependsOn: ['s'], properties: { path: 'p' } };
const op = (urlTemplate: string) => ({
  type: 'Microsoft.ApiManagement/service/apis/operations', name: 's/api/op', dependsOn: ['s/api'], properties: { method: 'GET', urlTemplate },
});

function deployError(resources: unknown[], file = 'apim.json') {
  const { store, options } = setup();
  const before = snapshot(store);
  try {
    deploy({ deploymentName: 'd', template: { text: JSON.stringify({ $schema: '', contentVersion: '1.0.0.0', resources }, null, 2), file } }, options);
  } catch (e) {
    expect(snapshot(store)).toEqual(before);
    return e as Error & { code: string; location?: { file?: string; line?: number } };
  }
  throw new Error('the deployment succeeded');
}

describe('APIM operations: urlTemplate validated on deploy', () => {
  it('refuses several {*x} wildcards with a coded error naming the resource, the file and line', () => {
    const e = deployError([svc, api, op('/{*a}/{*b}/{*c}')]);
    expect(e.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(e.message).toContain(`The resource '${RG}/providers/Microsoft.ApiManagement/service/s/apis/api/operations/op'`);
    expect(e.message).toContain("the property 'properties.urlTemplate' is not valid: ERR_APIM_URL_TEMPLATE:");
    expect(e.message).toContain('valid only as the whole last path segment');
    expect(e.location?.file).toBe('apim.json');
    expect(e.location?.line).toBeGreaterThan(1);
  });

  it('accepts one trailing wildcard', () => {
    const { options } = setup();
    const r = deploy({ deploymentName: 'd', template: { resources: [svc, api, op('/files/{*path}')] } }, options);
    expect(r.resources).toHaveLength(3);
  });
});
