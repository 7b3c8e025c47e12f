import type { DirectoryObject } from '../../state/index.js';
import { stableId } from './stable-id.js';

/**
 * Microsoft's own public client applications, which every Entra tenant knows without an app registration of its
 * own (their service principals appear on first use). The twin answers for them in every tenant, so that the tools
 * built on them sign users in unchanged: `az login` (interactive and `--use-device-code`) and Azure PowerShell's
 * `Connect-AzAccount`. They are public clients (`isFallbackPublicClient`), with the loopback reply URL both tools
 * use for interactive sign-in. A directory file may still declare an app with one of these ids; that one wins.
 */
export const FIRST_PARTY_PUBLIC_CLIENTS: Readonly<Record<string, string>> = {
  '04b07795-8ddb-461a-bbee-02f9e1bf7b46': 'Microsoft Azure CLI',
  '1950a258-227b-4e31-a9cf-717495945fc2': 'Microsoft Azure PowerShell',
};

const cache = new Map<string, DirectoryObject>();

/** The first-party public client with this id as the tenant sees it, or undefined. Ids are stable (derived from tenant and appId). */
export function firstPartyClient(tenantId: string, appId: string): DirectoryObject | undefined {
  const id = appId.toLowerCase();
  const displayName = FIRST_PARTY_PUBLIC_CLIENTS[id];
  if (displayName === undefined) return undefined;
  const key = `${tenantId.toLowerCase()}|${id}`;
  let app = cache.get(key);
  if (!app) {
    app = {
      kind: 'application',
      objectId: stableId(tenantId, 'first-party-application', id),
      appId: id,
      displayName,
      tenantId: tenantId.toLowerCase(),
      identifierUris: [],
      accessTokenAcceptedVersion: null,
      appRoles: [],
      oauth2PermissionScopes: [],
      redirectUris: ['http://localhost'],
      isFallbackPublicClient: true,
      servicePrincipalId: stableId(tenantId, 'first-party-service-principal', id),
      origin: 'a Microsoft first-party public client (known in every tenant)',
    };
    cache.set(key, app);
  }
  return app;
}
