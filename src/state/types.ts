/**
 * The resource store: ARM resource ids → resources, plus the Entra directory objects
 * (managed identities, app registrations) that resources bring with them.
 * Ids are case-insensitive (as in ARM); the original casing is kept for output.
 */
export interface ManagedServiceIdentity {
  /** `SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`. */
  type: string;
  /** Object id of the system-assigned identity's service principal. */
  principalId?: string;
  tenantId?: string;
  /** Twin-only: the system-assigned identity's application (client) id. Not in ARM GET bodies. */
  clientId?: string;
  userAssignedIdentities?: Record<string, { principalId?: string; clientId?: string }>;
}

export interface ResourceRecord {
  /** Full ARM id, e.g. `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Web/sites/app`. */
  id: string;
  /** Full type, e.g. `Microsoft.Web/sites/config`. */
  type: string;
  /** Full name, e.g. `app/authsettingsV2`. */
  name: string;
  apiVersion?: string;
  location?: string;
  kind?: string;
  sku?: unknown;
  tags?: Record<string, string>;
  identity?: ManagedServiceIdentity;
  properties: Record<string, unknown>;
  /**
   * Twin-only: what the resource's `list*` POST actions answer, by lower-case action name
   * (`listkeys` → the body of POST …/listKeys). A sub-resource the twin does not store is keyed by its
   * path under this resource (`host/default/listkeys` on a site). Never in ARM GET bodies.
   */
  listResults?: Record<string, unknown>;
}

export type DirectoryObjectKind = 'application' | 'managedIdentity' | 'user' | 'group' | 'appRoleAssignment' | 'oauth2PermissionGrant';

/** A federated identity credential of an application (Graph `federatedIdentityCredential`). */
export interface FederatedIdentityCredential {
  id: string;
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string;
}

/** A hashed secret (client secret or user password): never stored or logged in clear. */
export interface HashedSecret {
  /** Graph `keyId` (password credentials) or a stable id. */
  keyId: string;
  /** First three characters, as Graph's `hint`. */
  hint: string;
  /** base64url salt and HMAC-SHA256(salt, secret). */
  salt: string;
  hash: string;
}

/** A certificate credential of an application (Graph `keyCredentials`, `usage: Verify`). */
export interface CertificateCredential {
  keyId: string;
  /** PEM certificate. */
  certificate: string;
  /** base64url SHA-1 and SHA-256 thumbprints of the DER certificate (`x5t`, `x5t#S256`). */
  x5t: string;
  x5tS256: string;
}

/**
 * An Entra directory object. For a managed identity, `objectId` is the service principal's
 * object id (ARM `principalId`) and `appId` is its client id; `resourceId` is the ARM id of
 * the owning resource (system-assigned) or of the `Microsoft.ManagedIdentity/userAssignedIdentities`
 * resource. For an application (app registration), `appId` is the client id and
 * `servicePrincipalId` the object id of its service principal in the tenant (the `oid` of its
 * app-only tokens). Users, groups and app role assignments have `appId: ''`.
 */
export interface DirectoryObject {
  kind: DirectoryObjectKind;
  objectId: string;
  appId: string;
  displayName: string;
  tenantId: string;
  resourceId?: string;
  /** Application only: identifier URIs such as `api://{appId}`. */
  identifierUris?: string[];
  /** Application only: `api.requestedAccessTokenVersion` / `accessTokenAcceptedVersion` (null → v1). */
  accessTokenAcceptedVersion?: 1 | 2 | null;
  /** Application only: app roles `{id, value}` (`allowedMemberTypes`: `User`, `Application`). */
  appRoles?: Array<{ id: string; value: string; allowedMemberTypes?: string[] }>;
  /** Application only: delegated permission scopes it exposes (`api.oauth2PermissionScopes`). */
  oauth2PermissionScopes?: Array<{ id: string; value: string }>;
  /** Application only: `None` | `SecurityGroup` | `All` | `ApplicationGroup` | `DirectoryRole`. */
  groupMembershipClaims?: string | null;
  /** Application only: optional claims by token type (only `groups` and `roles` are acted on). */
  optionalClaims?: { accessToken?: string[]; idToken?: string[] };
  /** Application only: each optional claim's `additionalProperties` by token type and claim name (e.g. groups → emit_as_roles). */
  optionalClaimProperties?: { accessToken?: Record<string, string[]>; idToken?: Record<string, string[]> };
  /** Application only: reply URLs (web + SPA + public client redirect URIs). */
  redirectUris?: string[];
  /** Application only: Graph `isFallbackPublicClient` ("Allow public client flows": device code without a credential). */
  isFallbackPublicClient?: boolean;
  /** Application only: the service principal's object id. */
  servicePrincipalId?: string;
  passwordCredentials?: HashedSecret[];
  keyCredentials?: CertificateCredential[];
  /** User only. */
  userPrincipalName?: string;
  password?: HashedSecret;
  /** Group only: member object ids (users, service principals, managed identities, groups). */
  members?: string[];
  /** Group or application: owner object ids (Graph `owners` relationship; users and service principals). Stored and listed. */
  owners?: string[];
  /** App role assignment only: who (object id), on which resource application (appId), which role (id). */
  assignment?: { principalId: string; principalType: 'User' | 'Group' | 'ServicePrincipal'; resourceAppId: string; appRoleId: string };
  /** Application or group deployed by Bicep's Microsoft Graph extension: its `uniqueName` (alternate key). */
  uniqueName?: string;
  /** Group only: Graph's required flags (`mailEnabled`, `securityEnabled`, `mailNickname`). */
  groupSettings?: { mailEnabled: boolean; securityEnabled: boolean; mailNickname: string; description?: string };
  /** Application only: federated identity credentials (the token endpoint redeems them: src/identity/tokens/federated-assertion.ts). */
  federatedIdentityCredentials?: FederatedIdentityCredential[];
  /** OAuth2 permission grant only (Graph `oauth2PermissionGrant`): stored and listed. */
  permissionGrant?: { clientId: string; consentType: 'AllPrincipals' | 'Principal'; principalId: string | null; resourceId: string; scope: string };
  /** Why it exists, e.g. `auto-created for authsettingsV2 of /subscriptions/...`. */
  origin?: string;
}

export interface Change {
  kind: 'resource' | 'directory';
  op: 'put' | 'delete';
  /** Resource id or directory object id. */
  id: string;
  type?: string;
}

/** Writes inside a transaction; nothing is visible to readers until the transaction commits. */
export interface StoreTransaction {
  getResource(id: string): ResourceRecord | undefined;
  putResource(resource: ResourceRecord): void;
  deleteResource(id: string): void;
  listResources(filter?: { type?: string; idPrefix?: string }): ResourceRecord[];
  getDirectoryObject(objectId: string): DirectoryObject | undefined;
  findDirectoryObjectByAppId(appId: string): DirectoryObject | undefined;
  putDirectoryObject(obj: DirectoryObject): void;
  deleteDirectoryObject(objectId: string): void;
  listDirectoryObjects(): DirectoryObject[];
  setMeta(key: string, value: string): void;
}

export interface Store {
  getResource(id: string): ResourceRecord | undefined;
  /** Resources, optionally filtered by type (case-insensitive) or id prefix (case-insensitive). */
  listResources(filter?: { type?: string; idPrefix?: string }): ResourceRecord[];
  getDirectoryObject(objectId: string): DirectoryObject | undefined;
  findDirectoryObjectByAppId(appId: string): DirectoryObject | undefined;
  listDirectoryObjects(): DirectoryObject[];
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /**
   * Run `fn` atomically: if it throws, nothing it wrote is kept and the error propagates.
   * Listeners are told of the changes after the commit.
   */
  transaction<T>(fn: (tx: StoreTransaction) => T): T;
  onChange(listener: (changes: Change[]) => void): () => void;
  close(): void;
}
