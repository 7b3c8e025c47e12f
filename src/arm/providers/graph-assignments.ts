import { jsonTimestamp } from '../../core/index.js';
import { appRoleAllowsMember, permissionGrantRefusal } from '../../identity/index.js';
import type { DirectoryObject } from '../../state/index.js';
import { baseRecord, previousRecord } from './common.js';
import { graphError, graphNotFound, isGuid, isString, principalById, requiredProperty, servicePrincipalById, type GraphPrincipal } from './graph-directory.js';
import type { ProviderContext, ResourceProvider } from './types.js';

/**
 * `Microsoft.Graph/appRoleAssignedTo` and `Microsoft.Graph/oauth2PermissionGrants` (msgraph-bicep-types, generated
 * v1.0 types.md; Graph `POST /servicePrincipals/{resourceId}/appRoleAssignedTo`, `POST /oauth2PermissionGrants`).
 * An app role assignment lands in the directory the token endpoint reads: the principal's app-only and user tokens
 * for the resource application carry the role's value in `roles` (docs/behaviour/arm.md §6.4).
 */
const APP_ROLE_ASSIGNED_TO = 'Microsoft.Graph/appRoleAssignedTo';
const OAUTH2_PERMISSION_GRANTS = 'Microsoft.Graph/oauth2PermissionGrants';

/** Graph's "default access" role: assignable on any resource, no value in `roles`. */
export const DEFAULT_ACCESS_ROLE_ID = '00000000-0000-0000-0000-000000000000';

const lower = (s: string) => s.toLowerCase();

/** .NET's Guid.ToByteArray() order (the first three groups little-endian). */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
}

/**
 * Graph's ids of app role assignments and permission grants are 43-character base64url strings, not GUIDs; an app
 * role assignment's begins with its principal's object id (observed: assignments of one principal share their first
 * 22 characters). [I] the rest is random here.
 */
function graphKeyId(first: string, ctx: ProviderContext): string {
  return Buffer.concat([guidBytes(first), guidBytes(ctx.ids.uuid())]).toString('base64url');
}

function resourceApplication(resource: GraphPrincipal): { appId: string; appRoles: NonNullable<DirectoryObject['appRoles']> } {
  return { appId: resource.owner?.appId ?? '', appRoles: resource.owner?.kind === 'application' ? (resource.owner.appRoles ?? []) : [] };
}

export const graphAppRoleAssignedToProvider: ResourceProvider = {
  types: [APP_ROLE_ASSIGNED_TO],
  apply(input, ctx) {
    const principalId = requiredProperty(input, ctx, 'principalId', isGuid, 'a GUID');
    const resourceId = requiredProperty(input, ctx, 'resourceId', isGuid, 'a GUID');
    const appRoleId = requiredProperty(input, ctx, 'appRoleId', isGuid, 'a GUID');
    // The path's service principal first (POST /servicePrincipals/{resourceId}/appRoleAssignedTo), then the body's principal.
    const resource = servicePrincipalById(ctx.tx, resourceId);
    if (!resource) throw graphNotFound(input, ctx, resourceId);
    const principal = principalById(ctx.tx, principalId);
    if (!principal) throw graphNotFound(input, ctx, principalId);
    const app = resourceApplication(resource);
    if (lower(appRoleId) !== DEFAULT_ACCESS_ROLE_ID) {
      const role = app.appRoles.find((r) => lower(r.id) === lower(appRoleId));
      // An unknown role, or one whose allowedMemberTypes exclude the principal's kind (identity's rule, shared with the
      // directory file), is the same 400.
      if (!role || !appRoleAllowsMember(role, principal.type)) {
        throw graphError(input, ctx, 400, 'Request_BadRequest', `Permission being assigned was not found on application '${app.appId}'.`);
      }
    }
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const stored = ctx.tx.listDirectoryObjects().find(
      (o) => o.kind === 'appRoleAssignment' && o.assignment !== undefined && lower(o.assignment.principalId) === lower(principalId) && lower(o.assignment.resourceAppId) === lower(app.appId) && lower(o.assignment.appRoleId) === lower(appRoleId),
    );
    // The same resource now assigning something else: the assignment it made before is removed.
    const before = typeof previous?.properties['id'] === 'string' ? previous.properties['id'] : undefined;
    if (before !== undefined && (!stored || stored.objectId !== before) && ctx.tx.getDirectoryObject(before)?.kind === 'appRoleAssignment') ctx.tx.deleteDirectoryObject(before);
    const objectId = stored?.objectId ?? graphKeyId(principalId, ctx);
    const created = typeof previous?.properties['createdDateTime'] === 'string' && previous.properties['id'] === objectId ? previous.properties['createdDateTime'] : jsonTimestamp(ctx.clock.now());
    ctx.tx.putDirectoryObject({
      kind: 'appRoleAssignment',
      objectId,
      appId: '',
      displayName: `${principal.displayName} → ${resource.displayName}: ${app.appRoles.find((r) => lower(r.id) === lower(appRoleId))?.value ?? 'default access'}`,
      tenantId: ctx.tenantId,
      resourceId: input.id,
      assignment: { principalId: principal.objectId, principalType: principal.type, resourceAppId: app.appId, appRoleId },
      origin: `deployed as Microsoft Graph appRoleAssignedTo ${input.id}`,
    });
    record.properties = {
      ...input.properties,
      id: objectId,
      principalType: principal.type,
      principalDisplayName: principal.displayName,
      resourceDisplayName: resource.displayName,
      createdDateTime: created,
      deletedDateTime: null,
    };
    return record;
  },
};

export const graphOAuth2PermissionGrantProvider: ResourceProvider = {
  types: [OAUTH2_PERMISSION_GRANTS],
  apply(input, ctx) {
    const clientId = requiredProperty(input, ctx, 'clientId', isGuid, 'a GUID');
    const consentType = requiredProperty(input, ctx, 'consentType', isString, 'a string');
    const resourceId = requiredProperty(input, ctx, 'resourceId', isGuid, 'a GUID');
    const rawPrincipal = input.properties['principalId'];
    const principalId = typeof rawPrincipal === 'string' && rawPrincipal !== '' ? rawPrincipal : null;
    const rawScope = input.properties['scope'];
    if (rawScope !== undefined && rawScope !== null && typeof rawScope !== 'string') throw graphError(input, ctx, 400, 'Request_BadRequest', `The property 'scope' must be a string.`);
    const scope = typeof rawScope === 'string' ? rawScope : '';
    // identity's rule, shared with the directory file.
    const refusal = permissionGrantRefusal({ consentType, hasPrincipal: principalId !== null, scope }, 'principalId');
    if (refusal) throw graphError(input, ctx, 400, 'Request_BadRequest', refusal.message);
    if (!servicePrincipalById(ctx.tx, clientId)) throw graphNotFound(input, ctx, clientId);
    if (!servicePrincipalById(ctx.tx, resourceId)) throw graphNotFound(input, ctx, resourceId);
    if (principalId !== null && ctx.tx.getDirectoryObject(principalId)?.kind !== 'user') throw graphNotFound(input, ctx, principalId);
    // One grant per client, resource, consent type and principal (Graph refuses a second one; the extension updates it).
    const stored = ctx.tx.listDirectoryObjects().find(
      (o) => o.kind === 'oauth2PermissionGrant' && o.permissionGrant !== undefined && lower(o.permissionGrant.clientId) === lower(clientId) && lower(o.permissionGrant.resourceId) === lower(resourceId) && o.permissionGrant.consentType === consentType && (o.permissionGrant.principalId ?? '').toLowerCase() === (principalId ?? '').toLowerCase(),
    );
    const objectId = stored?.objectId ?? graphKeyId(clientId, ctx);
    ctx.tx.putDirectoryObject({
      kind: 'oauth2PermissionGrant',
      objectId,
      appId: '',
      displayName: `${clientId} → ${resourceId}: ${scope}`,
      tenantId: ctx.tenantId,
      resourceId: input.id,
      // The rule above admitted only 'AllPrincipals' or 'Principal'.
      permissionGrant: { clientId, consentType: consentType as 'AllPrincipals' | 'Principal', principalId, resourceId, scope },
      origin: `deployed as Microsoft Graph oauth2PermissionGrants ${input.id}`,
    });
    const record = baseRecord(input);
    record.properties = { ...input.properties, id: objectId, principalId, scope };
    return record;
  },
};

