import type { DirectoryObject } from '../../state/index.js';
import { baseRecord, getPath, invalid, leafName, previousRecord } from './common.js';
import type { ResourceProvider } from './types.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_DEFINITION_ID = /^(\/subscriptions\/[^/]+(\/resourceGroups\/[^/]+)?)?\/providers\/Microsoft\.Authorization\/roleDefinitions\/([0-9a-f-]{36})$/i;
const PRINCIPAL_TYPES = ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'];
const TYPE = 'Microsoft.Authorization/roleAssignments';

/** The directory object a role assignment's `principalId` names (a user, group, managed identity or app's service principal). */
function findPrincipal(all: DirectoryObject[], principalId: string): DirectoryObject | undefined {
  const id = principalId.toLowerCase();
  return all.find((d) => d.objectId.toLowerCase() === id || d.servicePrincipalId?.toLowerCase() === id);
}

/**
 * `Microsoft.Authorization/roleAssignments` at resource-group scope, validated as the Authorization RP does
 * (the name is a GUID, `roleDefinitionId` a role definition id, `principalId` a GUID of a principal in the
 * directory, one assignment per principal, role and scope) and stored with ARM's read-only `scope`,
 * `createdOn`, `updatedOn`. The identity service reads them. Any role definition GUID is accepted: the twin
 * does not carry Azure's built-in role catalogue (docs/differences.md).
 */
export const roleAssignmentProvider: ResourceProvider = {
  types: [TYPE],
  apply(input, ctx) {
    const name = leafName(input.name);
    if (!GUID.test(name)) throw invalid(input, ctx, `InvalidRoleAssignmentId: The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
    const roleDefinitionId = getPath(input.properties, 'roleDefinitionId');
    if (typeof roleDefinitionId !== 'string' || !ROLE_DEFINITION_ID.test(roleDefinitionId)) {
      throw invalid(input, ctx, `InvalidRoleDefinitionId: The role definition ID '${String(roleDefinitionId ?? '')}' is not valid.`);
    }
    const principalId = getPath(input.properties, 'principalId');
    if (typeof principalId !== 'string' || !GUID.test(principalId)) throw invalid(input, ctx, 'InvalidPrincipalId: A valid principal ID must be provided for role assignment.');
    const principalType = getPath(input.properties, 'principalType');
    if (principalType !== undefined && (typeof principalType !== 'string' || !PRINCIPAL_TYPES.includes(principalType))) {
      throw invalid(input, ctx, `the principalType '${String(principalType)}' is not one of '${PRINCIPAL_TYPES.join("', '")}'.`);
    }
    if (!findPrincipal(ctx.tx.listDirectoryObjects(), principalId)) {
      const message = `PrincipalNotFound: Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${ctx.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group. See https://aka.ms/docs-principaltype`;
      if (principalType === undefined) throw invalid(input, ctx, message);
      ctx.warn(`The role assignment '${input.id}' names principal ${principalId}, which is not in the twin's directory (stored because principalType is set, as ARM tolerates replication delay).`);
    }
    const scope = input.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, '');
    const roleGuid = ROLE_DEFINITION_ID.exec(roleDefinitionId)![3]!.toLowerCase();
    const duplicate = ctx.tx
      .listResources({ type: TYPE })
      .find(
        (r) =>
          r.id.toLowerCase() !== input.id.toLowerCase() &&
          String(r.properties['scope'] ?? '').toLowerCase() === scope.toLowerCase() &&
          String(r.properties['principalId'] ?? '').toLowerCase() === principalId.toLowerCase() &&
          String(r.properties['roleDefinitionId'] ?? '').toLowerCase().endsWith(roleGuid),
      );
    if (duplicate) throw invalid(input, ctx, `RoleAssignmentExists: The role assignment already exists. The ID of the existing role assignment is ${leafName(duplicate.name).replace(/-/g, '')}.`);
    const record = baseRecord(input);
    const now = new Date(ctx.clock.now()).toISOString();
    const createdOn = previousRecord(record, ctx)?.properties['createdOn'];
    record.properties = { ...record.properties, scope, createdOn: typeof createdOn === 'string' ? createdOn : now, updatedOn: now };
    return record;
  },
};

const PERMISSION_KEYS = ['actions', 'notActions', 'dataActions', 'notDataActions'];

/**
 * `Microsoft.Authorization/roleDefinitions`: a custom role (Learn, "Azure custom roles"), validated as the
 * Authorization RP reads it — the name is a GUID, `roleName` is set, `permissions` is a list of `actions`,
 * `notActions`, `dataActions`, `notDataActions` string lists, `assignableScopes` names at least one scope — and stored
 * with `type: CustomRole`, `createdOn`, `updatedOn`. The control plane's RBAC (compat.controlPlane.enforceRbac)
 * grants what an assignment of it allows.
 */
export const roleDefinitionProvider: ResourceProvider = {
  types: ['Microsoft.Authorization/roleDefinitions'],
  apply(input, ctx) {
    const name = leafName(input.name);
    if (!GUID.test(name)) throw invalid(input, ctx, `RoleDefinitionIdNotValidGuid: The role definition ID '${name}' is not a valid GUID.`);
    const roleName = getPath(input.properties, 'roleName');
    if (typeof roleName !== 'string' || roleName.trim() === '') throw invalid(input, ctx, 'RoleDefinitionNameNullOrEmpty: The role definition name cannot be null or empty.');
    const permissions = getPath(input.properties, 'permissions') ?? [];
    const lists = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!Array.isArray(permissions) || !permissions.every((p) => p !== null && typeof p === 'object' && PERMISSION_KEYS.every((k) => lists((p as Record<string, unknown>)[k])))) {
      throw invalid(input, ctx, `InvalidRoleDefinition: 'permissions' must be a list of objects whose ${PERMISSION_KEYS.join(', ')} are lists of strings.`);
    }
    const scopes = getPath(input.properties, 'assignableScopes');
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((x) => typeof x === 'string')) {
      throw invalid(input, ctx, 'RoleDefinitionWithoutAssignableScopes: The role definition must have at least one assignable scope.');
    }
    const record = baseRecord(input);
    const now = new Date(ctx.clock.now()).toISOString();
    const createdOn = previousRecord(record, ctx)?.properties['createdOn'];
    record.properties = {
      ...record.properties,
      type: 'CustomRole',
      permissions: (permissions as Array<Record<string, unknown>>).map((p) => Object.fromEntries(PERMISSION_KEYS.map((k) => [k, p[k] ?? []]))),
      createdOn: typeof createdOn === 'string' ? createdOn : now,
      updatedOn: now,
    };
    return record;
  },
};

export const authorizationProviders: ResourceProvider[] = [roleAssignmentProvider, roleDefinitionProvider];
