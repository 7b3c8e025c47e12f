import type { DirectoryObject } from '../../state/index.js';
import { aadstsMessage } from '../aadsts.js';
import { canonicalResource, type DirectoryIndex } from '../directory/directory-index.js';
import { identityError } from '../errors.js';

/** Azure first-party resources accepted as v1 resources without a directory entry (with or without trailing `/`). */
export const WELL_KNOWN_RESOURCES: readonly string[] = [
  'https://management.azure.com',
  'https://management.core.windows.net',
  'https://vault.azure.net',
  'https://storage.azure.com',
  'https://graph.microsoft.com',
];

/** The audience a federated identity credential names for Entra ID (Graph: "should be set to api://AzureADTokenExchange"). */
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/**
 * The first-party "AAD Token Exchange Endpoint" application: a managed identity's token for `api://AzureADTokenExchange`
 * is a v2 token whose `aud` is this appId (recorded tokens: Azure DevOps workload identity service connections, the
 * Chainguard and Vault federation guides), and Entra matches it against a credential whose audience is the URI form.
 */
export const TOKEN_EXCHANGE_APP_ID = 'fb60f99c-7a34-4190-8149-302f77469936';

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

/**
 * Resolve a requested resource (v1 `resource`, or a v2 scope without `/.default`) against the
 * tenant's applications: by appId or by one of its identifierUris (trailing `/` and case ignored).
 * An identifier URI that no application declares is unknown even when it embeds a known appId
 * (`api://{appId}` on an app without that URI), as in Entra: ERR_IDENTITY_RESOURCE_NOT_FOUND with
 * the AADSTS500011 text (details.aadsts = 500011).
 */
export function resolveResource(directory: DirectoryIndex, resource: string, tenantId: string): ResolvedResource {
  if (resource.trim() === '') {
    throw identityError('ERR_IDENTITY_RESOURCE_MISSING', 'The resource to issue a token for is missing.');
  }
  const app = directory.resourceApplication(tenantId, resource);
  if (app) {
    const version = app.accessTokenAcceptedVersion === 2 ? 2 : 1;
    return { requested: resource, version, aud: version === 2 ? app.appId : resource, application: app };
  }
  const c = canonicalResource(resource);
  if (c === TOKEN_EXCHANGE_AUDIENCE.toLowerCase() || c === TOKEN_EXCHANGE_APP_ID) {
    // A v2 resource (its tokens are v2 whichever endpoint asked): aud is the exchange app's id.
    return { requested: resource, version: 2, aud: TOKEN_EXCHANGE_APP_ID };
  }
  if (WELL_KNOWN_RESOURCES.includes(c)) {
    return { requested: resource, version: 1, aud: resource };
  }
  throw identityError('ERR_IDENTITY_RESOURCE_NOT_FOUND', aadstsMessage('resourceNotFound', { resource, tenant: tenantId }), {
    aadsts: 500011,
    resource,
    tenantId,
  });
}
