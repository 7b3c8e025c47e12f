import type { Store } from '../state/index.js';

/** Azure's built-in role definition ids (the same GUID in every subscription). */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = Object.freeze({
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
});

/** A `Microsoft.Authorization/roleAssignments` resource as RBAC reads it. */
export interface RoleAssignmentView {
  id: string;
  /** The scope it was made at: the part of its id before `/providers/Microsoft.Authorization/roleAssignments/`. */
  scope: string;
  principalId: string;
  principalType?: string;
  roleDefinitionId: string;
  /** The built-in role's name, when the definition is one. */
  roleName?: string;
}

const MARKER = '/providers/microsoft.authorization/roleassignments/';

/**
 * The role assignments stored in state (deployed by ARM templates; the ARM provider that stores them is the
 * control plane's) for one principal (object id: a managed identity's principalId, a service principal's or a
 * user's object id). RBAC is not in tokens (Entra does not put it there): the control plane asks here.
 */
export function roleAssignmentsFor(store: Store, principalId: string): RoleAssignmentView[] {
  const want = principalId.toLowerCase();
  const out: RoleAssignmentView[] = [];
  for (const r of store.listResources({ type: 'Microsoft.Authorization/roleAssignments' })) {
    const p = r.properties as { principalId?: unknown; roleDefinitionId?: unknown; principalType?: unknown; scope?: unknown };
    if (typeof p.principalId !== 'string' || p.principalId.toLowerCase() !== want || typeof p.roleDefinitionId !== 'string') continue;
    const i = r.id.toLowerCase().lastIndexOf(MARKER);
    const scope = typeof p.scope === 'string' && p.scope !== '' ? p.scope : i >= 0 ? r.id.slice(0, i) || '/' : '/';
    const guid = p.roleDefinitionId.split('/').pop()!.toLowerCase();
    out.push({
      id: r.id,
      scope,
      principalId: p.principalId,
      ...(typeof p.principalType === 'string' ? { principalType: p.principalType } : {}),
      roleDefinitionId: p.roleDefinitionId,
      ...(BUILT_IN_ROLES[guid] ? { roleName: BUILT_IN_ROLES[guid] } : {}),
    });
  }
  return out;
}

/** Is `scope` equal to or below `ancestor` (ARM ids, case-insensitive, whole segments)? */
export function scopeCovers(ancestor: string, scope: string): boolean {
  const a = ancestor.replace(/\/+$/, '').toLowerCase();
  const s = scope.replace(/\/+$/, '').toLowerCase();
  return a === '' || s === a || s.startsWith(a + '/');
}

/** The built-in roles (by name) a principal holds at `scope`, through assignments at that scope or above it. */
export function rbacRolesAt(store: Store, principalId: string, scope: string): string[] {
  const names = new Set<string>();
  for (const a of roleAssignmentsFor(store, principalId)) if (a.roleName && scopeCovers(a.scope, scope)) names.add(a.roleName);
  return [...names];
}
