import { baseRecord, keptString, leafName, previousRecord } from './common.js';
import type { ResourceProvider } from './types.js';

/**
 * `Microsoft.ManagedIdentity/userAssignedIdentities`: principalId (object id), clientId (app id) and
 * tenantId, kept on redeploy, and the `managedIdentity` directory object the identity endpoints select
 * by client_id / object_id / mi_res_id.
 */
export const userAssignedIdentityProvider: ResourceProvider = {
  types: ['Microsoft.ManagedIdentity/userAssignedIdentities'],
  apply(input, ctx) {
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const principalId = keptString(previous, 'principalId', () => ctx.ids.uuid());
    const clientId = keptString(previous, 'clientId', () => ctx.ids.uuid());
    record.properties = { ...record.properties, tenantId: ctx.tenantId, principalId, clientId };
    ctx.tx.putDirectoryObject({
      kind: 'managedIdentity',
      objectId: principalId,
      appId: clientId,
      resourceId: record.id,
      tenantId: ctx.tenantId,
      displayName: leafName(record.name),
    });
    return record;
  },
};

export const managedIdentityProviders: ResourceProvider[] = [userAssignedIdentityProvider];
