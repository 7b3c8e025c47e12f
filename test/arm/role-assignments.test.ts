import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

const READER = '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7';
const ASSIGNMENT = '5b5f0f59-6a1c-4d2e-9a45-0c8e9f4b7a11';
const site = { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'app', location: 'westeurope', identity: { type: 'SystemAssigned' }, properties: {} };
const assignment = (props: Record<string, unknown>, name = ASSIGNMENT) => ({
  type: 'Microsoft.Authorization/roleAssignments',
  apiVersion: '2022-04-01',
  name,
  dependsOn: ['app'],
  properties: { roleDefinitionId: READER, principalId: "[reference(resourceId('Microsoft.Web/sites', 'app'), '2022-09-01', 'full').identity.principalId]", ...props },
});

function err(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('Microsoft.Authorization/roleAssignments', () => {
  it('validated and stored with ARM\'s scope/createdOn; the principal is the site\'s managed identity', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [site, assignment({ principalType: 'ServicePrincipal' })] } }, options);
    const r = store.getResource(`${RG}/providers/Microsoft.Authorization/roleAssignments/${ASSIGNMENT}`)!;
    const principalId = store.getResource(`${RG}/providers/Microsoft.Web/sites/app`)!.identity!.principalId;
    expect(r.properties).toMatchObject({ roleDefinitionId: READER, principalId, principalType: 'ServicePrincipal', scope: RG });
    expect(r.properties.createdOn).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('refuses what the Authorization RP refuses: a non-GUID name, a bad role definition id, a bad or unknown principal, a duplicate', () => {
    const { options } = setup();
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [site, assignment({}, 'reader-for-app')] } }, options)).message).toContain("InvalidRoleAssignmentId: The role assignment ID 'reader-for-app' is not valid. The role assignment ID must be a GUID.");
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [site, assignment({ roleDefinitionId: 'Reader' })] } }, options)).message).toContain("InvalidRoleDefinitionId: The role definition ID 'Reader' is not valid.");
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [site, assignment({ principalId: 'nobody' })] } }, options)).message).toContain('InvalidPrincipalId');
    const unknown = err(() => deploy({ deploymentName: 'd', template: { resources: [site, assignment({ principalId: '11111111-2222-4333-8444-555555555555' })] } }, options));
    expect(unknown.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(unknown.message).toContain('PrincipalNotFound: Principal 11111111222243338444555555555555 does not exist in the directory');
    const tolerated = deploy({ deploymentName: 'd', template: { resources: [site, assignment({ principalId: '11111111-2222-4333-8444-555555555555', principalType: 'ServicePrincipal' })] } }, options);
    expect(tolerated.warnings.join('\n')).toContain('not in the twin');
    const dup = err(() => deploy({ deploymentName: 'd2', template: { resources: [site, assignment({}, '6b5f0f59-6a1c-4d2e-9a45-0c8e9f4b7a12'), assignment({}, '7b5f0f59-6a1c-4d2e-9a45-0c8e9f4b7a13')] } }, options));
    expect(dup.message).toContain('RoleAssignmentExists: The role assignment already exists.');
  });
});
