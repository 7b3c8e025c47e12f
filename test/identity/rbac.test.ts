// RBAC role assignments read from state (Microsoft.Authorization/roleAssignments resources).
import { describe, expect, it } from 'vitest';
import { rbacRolesAt, roleAssignmentsFor, scopeCovers } from '../../src/identity/index.js';
import { createFakeStore } from './helpers/fake-store.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-00000000aaaa';
const RG = `${SUB}/resourceGroups/rg`;
const P = 'aaaaaaaa-0000-4000-8000-0000000000a1';
const ra = (scope: string, guid: string, principalId = P) => ({
  id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${guid}`,
  type: 'Microsoft.Authorization/roleAssignments',
  name: guid,
  properties: { principalId, principalType: 'ServicePrincipal', roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid === '1' ? 'b24988ac-6180-42a0-ab88-20f7382dd24c' : 'acdd72a7-3385-48ef-bd42-f606fba81ae7'}` },
});

describe('RBAC from state', () => {
  const store = createFakeStore({ resources: [ra(RG, '1'), ra(`${SUB}`, '2'), ra(RG, '3', 'bbbbbbbb-0000-4000-8000-000000000000')] });
  it('lists a principal\'s assignments with their scope and built-in role name', () => {
    expect(roleAssignmentsFor(store, P.toUpperCase()).map((a) => [a.scope, a.roleName])).toEqual([
      [RG, 'Contributor'],
      [SUB, 'Reader'],
    ]);
  });
  it('roles at a scope come from assignments at that scope or above (whole segments)', () => {
    expect(rbacRolesAt(store, P, `${RG}/providers/Microsoft.Web/sites/fn`).sort()).toEqual(['Contributor', 'Reader']);
    expect(rbacRolesAt(store, P, `${SUB}/resourceGroups/rg2`)).toEqual(['Reader']);
    expect(scopeCovers(RG, `${RG}2`)).toBe(false);
    expect(rbacRolesAt(store, 'cccccccc-0000-4000-8000-000000000000', RG)).toEqual([]);
  });
});
