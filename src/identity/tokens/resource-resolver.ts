import type { DirectoryObject, Store } from '../../state/index.js';
import { aadstsMessage } from '../aadsts.js';
import { identityError } from '../errors.js';

/** Azure first-party resources accepted as v1 resources without a directory entry (with or without trailing `/`). */
export const WELL_KNOWN_RESOURCES: readonly string[] = [
  'https://management.azure.com',
  'https://vault.azure.net',
  'https://storage.azure.com',
  'https://graph.microsoft.com',
];

export interface ResolvedResource {
  /** The resource string exactly as requested (echoed in responses, v1 `aud`). */
  requested: string;
  /** Token version decided by the resource app's accessTokenAcceptedVersion (null/1 → 1). */
  version: 1 | 2;
  /** The token's `aud`: the requested string for v1, the app's client id GUID for v2. */
  aud: string;
  /** The resource application, when it is in the directory. */
  application?: DirectoryObject;
}

function canonical(uri: string): string {
  return uri.replace(/\/+$/, '').toLowerCase();
}

/** The application whose appId or one of whose identifierUris names `resource` (trailing `/` and case ignored). */
export function findResourceApplication(store: Store, resource: string): DirectoryObject | undefined {
  const wanted = canonical(resource);
  if (wanted === '') return undefined;
  for (const obj of store.listDirectoryObjects()) {
    if (obj.kind !== 'application') continue;
    if (obj.appId.toLowerCase() === wanted) return obj;
    if ((obj.identifierUris ?? []).some((u) => canonical(u) === wanted)) return obj;
  }
  return undefined;
}

/**
 * Resolve a requested resource (v1 `resource` parameter) against the directory.
 * Unknown → ERR_IDENTITY_RESOURCE_NOT_FOUND carrying the AADSTS500011 text (details.aadsts = 500011).
 */
export function resolveResource(store: Store, resource: string, tenantId: string): ResolvedResource {
  if (resource.trim() === '') {
    throw identityError('ERR_IDENTITY_RESOURCE_MISSING', 'The resource to issue a token for is missing.');
  }
  const app = findResourceApplication(store, resource);
  if (app) {
    const version = app.accessTokenAcceptedVersion === 2 ? 2 : 1;
    return { requested: resource, version, aud: version === 2 ? app.appId : resource, application: app };
  }
  if (WELL_KNOWN_RESOURCES.includes(canonical(resource))) {
    return { requested: resource, version: 1, aud: resource };
  }
  throw identityError('ERR_IDENTITY_RESOURCE_NOT_FOUND', aadstsMessage('resourceNotFound', { resource, tenant: tenantId }), {
    aadsts: 500011,
    resource,
    tenantId,
  });
}
