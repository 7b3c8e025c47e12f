import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

// The legacy form of an extension resource: type `{ns}/{type}/providers/roleAssignments`, named
// `{resource}/Microsoft.Authorization/{guid}` (quickstart microsoft.authorization/rbac-managedidentity-maps). Its id is
// `{resource id}/providers/Microsoft.Authorization/roleAssignments/{guid}` and the resource it must find is the one it
// extends, not `{resource id}/providers/Microsoft.Authorization`.
const MAPS = `${RG}/providers/Microsoft.Maps/accounts/maps1`;
const assignment = {
  apiVersion: '2018-09-01-preview',
  type: 'Microsoft.Maps/accounts/providers/roleAssignments',
  name: "[concat('maps1', '/Microsoft.Authorization/', guid(resourceGroup().id))]",
  properties: {
    roleDefinitionId: "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '423170ca-a8f6-4b0f-8487-9e4eb8f49bfa')]",
    principalId: "[reference('id1').principalId]",
    principalType: 'ServicePrincipal',
  },
};
const identity = { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2018-11-30', name: 'id1', location: 'westeurope' };
const maps = { type: 'Microsoft.Maps/accounts', apiVersion: '2018-05-01', name: 'maps1', location: 'global', sku: { name: 'S0' } };

describe('deploy: an extension resource in the legacy providers form', () => {
  it('deploys onto the resource it extends', () => {
    const { store, options } = setup();
    const result = deploy({ deploymentName: 'd', template: { resources: [identity, maps, { ...assignment, dependsOn: ['maps1', 'id1'] }] } }, options);
    const id = result.resources[2]!;
    expect(id.startsWith(`${MAPS}/providers/Microsoft.Authorization/roleAssignments/`)).toBe(true);
    expect(store.getResource(id)!.properties['principalType']).toBe('ServicePrincipal');
  });

  it('without that resource, the error names it', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'd', template: { resources: [identity, { ...assignment, dependsOn: ['id1'] }] } }, options)).toThrow(`The parent resource '${MAPS}' of the template resource`);
  });
});
