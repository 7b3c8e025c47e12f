import type { DirectoryObject } from '../../state/index.js';

/** What `trustline directory list` shows: every directory object without secrets or hashes. */
export interface DirectoryListing {
  tenants: string[];
  applications: Array<{
    tenantId: string;
    displayName: string;
    appId: string;
    objectId: string;
    servicePrincipalId?: string;
    identifierUris: string[];
    accessTokenAcceptedVersion: 1 | 2 | null;
    appRoles: Array<{ id: string; value: string }>;
    passwordCredentials: Array<{ keyId: string; hint: string }>;
    keyCredentials: Array<{ keyId: string; x5t: string }>;
    /** Deployed by Bicep's Microsoft Graph extension: its alternate key. */
    uniqueName?: string;
    federatedIdentityCredentials: Array<{ id: string; name: string; issuer: string; subject: string; audiences: string[] }>;
    /** Owner object ids (Graph `owners`: users, service principals). */
    owners: string[];
    origin?: string;
  }>;
  users: Array<{ tenantId: string; userPrincipalName: string; displayName: string; id: string; canSignIn: boolean }>;
  groups: Array<{ tenantId: string; displayName: string; id: string; members: string[]; owners: string[]; uniqueName?: string; securityEnabled?: boolean; mailEnabled?: boolean; mailNickname?: string }>;
  appRoleAssignments: Array<{ tenantId: string; id: string; principalId: string; principalType: string; resourceAppId: string; appRoleId: string; description: string }>;
  managedIdentities: Array<{ tenantId: string; displayName: string; clientId: string; principalId: string; resourceId?: string }>;
  /** Delegated permission grants (Graph `oauth2PermissionGrant`): they decide the `scp` of delegated tokens (delegated-scopes.ts). */
  oauth2PermissionGrants: Array<{ tenantId: string; id: string; clientId: string; consentType: string; principalId: string | null; resourceId: string; scope: string }>;
}

export function listDirectory(objects: readonly DirectoryObject[], tenants: string[]): DirectoryListing {
  const of = (k: DirectoryObject['kind']) => objects.filter((o) => o.kind === k);
  return {
    tenants,
    applications: of('application').map((a) => ({
      tenantId: a.tenantId,
      displayName: a.displayName,
      appId: a.appId,
      objectId: a.objectId,
      ...(a.servicePrincipalId ? { servicePrincipalId: a.servicePrincipalId } : {}),
      identifierUris: a.identifierUris ?? [],
      accessTokenAcceptedVersion: a.accessTokenAcceptedVersion ?? null,
      appRoles: (a.appRoles ?? []).map((r) => ({ id: r.id, value: r.value })),
      passwordCredentials: (a.passwordCredentials ?? []).map((p) => ({ keyId: p.keyId, hint: p.hint })),
      keyCredentials: (a.keyCredentials ?? []).map((k) => ({ keyId: k.keyId, x5t: k.x5t })),
      ...(a.uniqueName !== undefined ? { uniqueName: a.uniqueName } : {}),
      federatedIdentityCredentials: (a.federatedIdentityCredentials ?? []).map((c) => ({ id: c.id, name: c.name, issuer: c.issuer, subject: c.subject, audiences: [...c.audiences] })),
      owners: [...(a.owners ?? [])],
      ...(a.origin ? { origin: a.origin } : {}),
    })),
    users: of('user').map((u) => ({ tenantId: u.tenantId, userPrincipalName: u.userPrincipalName ?? '', displayName: u.displayName, id: u.objectId, canSignIn: u.password !== undefined })),
    groups: of('group').map((g) => ({
      tenantId: g.tenantId,
      displayName: g.displayName,
      id: g.objectId,
      members: g.members ?? [],
      owners: [...(g.owners ?? [])],
      ...(g.uniqueName !== undefined ? { uniqueName: g.uniqueName } : {}),
      ...(g.groupSettings ? { securityEnabled: g.groupSettings.securityEnabled, mailEnabled: g.groupSettings.mailEnabled, mailNickname: g.groupSettings.mailNickname } : {}),
    })),
    appRoleAssignments: of('appRoleAssignment').map((a) => ({
      tenantId: a.tenantId,
      id: a.objectId,
      principalId: a.assignment?.principalId ?? '',
      principalType: a.assignment?.principalType ?? '',
      resourceAppId: a.assignment?.resourceAppId ?? '',
      appRoleId: a.assignment?.appRoleId ?? '',
      description: a.displayName,
    })),
    managedIdentities: of('managedIdentity').map((m) => ({ tenantId: m.tenantId, displayName: m.displayName, clientId: m.appId, principalId: m.objectId, ...(m.resourceId ? { resourceId: m.resourceId } : {}) })),
    oauth2PermissionGrants: of('oauth2PermissionGrant').flatMap((g) => (g.permissionGrant ? [{ tenantId: g.tenantId, id: g.objectId, ...g.permissionGrant }] : [])),
  };
}
