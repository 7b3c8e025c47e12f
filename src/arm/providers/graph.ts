import type { DirectoryObject } from '../../state/index.js';
import { baseRecord, getPath, invalid, previousRecord, requireString } from './common.js';
import { graphAppRoleAssignedToProvider, graphOAuth2PermissionGrantProvider } from './graph-assignments.js';
import { byUniqueName, graphNotFound, isString, principalById, requiredProperty } from './graph-directory.js';
import { graphFederatedIdentityCredentialProvider } from './graph-federated-credentials.js';
import { graphGroupProvider, mergeRelationship, relationship } from './graph-groups.js';
import type { ProviderContext, ResourceInput, ResourceProvider } from './types.js';

/**
 * Bicep's Microsoft Graph extension (`extension microsoftGraphV1` / `Microsoft.Graph/applications@v1.0`): the
 * deployment writes Entra objects into the twin's directory, so that a template can register the Easy Auth app and the
 * site's authsettingsV2 together (docs/behaviour/arm.md, "Microsoft Graph resources"). Graph's own keys: an application
 * (and a group) is upserted by its `uniqueName`, a service principal by its `appId`; `id` (the object id) and `appId`
 * are minted once and kept on redeploy, and read back by `reference()` (`app.appId` in Bicep). The record's id is the
 * twin's own (`/providers/Microsoft.Graph/{type}/{key}`: Graph objects have no ARM id). The extension's types and
 * their Required properties: msgraph-bicep-types, generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.md
 * (`users` is read-only there: `existing` only).
 */
const APPLICATIONS = 'Microsoft.Graph/applications';
const SERVICE_PRINCIPALS = 'Microsoft.Graph/servicePrincipals';
const USERS = 'Microsoft.Graph/users';
const GROUPS = 'Microsoft.Graph/groups';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objects = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x)) : [];

/** An application that is the previous deployment's (its record) or, for the service principal, the one with this appId. */
function applicationOf(ctx: ProviderContext, appId: string): DirectoryObject | undefined {
  const found = ctx.tx.findDirectoryObjectByAppId(appId);
  return found?.kind === 'application' ? found : undefined;
}

export const graphApplicationProvider: ResourceProvider = {
  types: [APPLICATIONS],
  apply(input, ctx) {
    const uniqueName = requireString(input, ctx, 'uniqueName');
    const displayName = requireString(input, ctx, 'displayName');
    const record = baseRecord(input);
    const previous = previousRecord(record, ctx);
    const prevAppId = previous?.properties['appId'];
    const before = byUniqueName(ctx.tx, ctx.tenantId, 'application', uniqueName) ?? (typeof prevAppId === 'string' ? applicationOf(ctx, prevAppId) : undefined);
    const appId = before?.appId ?? ctx.ids.uuid();
    const objectId = before?.objectId ?? ctx.ids.uuid();
    const version = getPath(input.properties, 'api', 'requestedAccessTokenVersion');
    if (version !== undefined && version !== null && version !== 1 && version !== 2) throw invalid(input, ctx, "'api.requestedAccessTokenVersion' must be 1, 2 or null.");
    // Owners (users or service principals), a relationship as on groups (graph-groups.ts).
    const owners = relationship(input, ctx, 'owners');
    for (const id of owners?.ids ?? []) if (!principalById(ctx.tx, id)) throw graphNotFound(input, ctx, id);
    const ownerIds = mergeRelationship(before?.owners, owners);
    const app: DirectoryObject = {
      ...(before ?? {}),
      ...(ownerIds.length > 0 ? { owners: ownerIds } : {}),
      kind: 'application',
      objectId,
      appId,
      displayName,
      tenantId: ctx.tenantId,
      resourceId: input.id,
      uniqueName,
      identifierUris: strings(getPath(input.properties, 'identifierUris')),
      accessTokenAcceptedVersion: (version ?? null) as 1 | 2 | null,
      appRoles: objects(getPath(input.properties, 'appRoles')).map((r) => ({
        id: typeof r['id'] === 'string' ? r['id'] : ctx.ids.uuid(),
        value: String(r['value'] ?? ''),
        allowedMemberTypes: strings(r['allowedMemberTypes']),
      })),
      oauth2PermissionScopes: objects(getPath(input.properties, 'api', 'oauth2PermissionScopes')).map((s) => ({ id: typeof s['id'] === 'string' ? s['id'] : ctx.ids.uuid(), value: String(s['value'] ?? '') })),
      groupMembershipClaims: typeof getPath(input.properties, 'groupMembershipClaims') === 'string' ? (getPath(input.properties, 'groupMembershipClaims') as string) : null,
      redirectUris: [
        ...strings(getPath(input.properties, 'web', 'redirectUris')),
        ...strings(getPath(input.properties, 'spa', 'redirectUris')),
        ...strings(getPath(input.properties, 'publicClient', 'redirectUris')),
      ],
      ...(getPath(input.properties, 'isFallbackPublicClient') === true ? { isFallbackPublicClient: true } : {}),
      origin: `deployed as Microsoft Graph application '${uniqueName}'`,
    };
    ctx.tx.putDirectoryObject(app);
    // What Graph answers for the object (reference() reads it): the body as given plus its read-only ids.
    record.properties = { ...input.properties, id: objectId, appId, uniqueName, displayName, ...(owners ? { owners: { relationships: ownerIds, relationshipSemantics: owners.semantics } } : {}) };
    return record;
  },
  readExisting(input, ctx) {
    const uniqueName = requiredProperty(input, ctx, 'uniqueName', isString, 'a string');
    const app = byUniqueName(ctx.tx, ctx.tenantId, 'application', uniqueName);
    if (!app) throw graphNotFound(input, ctx, uniqueName);
    return { ...baseRecord(input), properties: applicationView(app) };
  },
};

/** What Graph answers for an application object (the properties a template reads). */
function applicationView(app: DirectoryObject): Record<string, unknown> {
  return {
    id: app.objectId,
    appId: app.appId,
    ...(app.uniqueName !== undefined ? { uniqueName: app.uniqueName } : {}),
    displayName: app.displayName,
    identifierUris: app.identifierUris ?? [],
    appRoles: (app.appRoles ?? []).map(roleView),
    api: { requestedAccessTokenVersion: app.accessTokenAcceptedVersion ?? null, oauth2PermissionScopes: (app.oauth2PermissionScopes ?? []).map((s) => ({ id: s.id, value: s.value, isEnabled: true, type: 'User' })) },
  };
}

const roleView = (r: NonNullable<DirectoryObject['appRoles']>[number]) => ({ id: r.id, value: r.value, allowedMemberTypes: r.allowedMemberTypes ?? [], isEnabled: true, origin: 'Application' });

/** What Graph answers for a service principal: an application's or a managed identity's. */
function servicePrincipalView(owner: DirectoryObject): Record<string, unknown> {
  if (owner.kind === 'managedIdentity') {
    return { id: owner.objectId, appId: owner.appId, displayName: owner.displayName, servicePrincipalType: 'ManagedIdentity', accountEnabled: true, appRoles: [] };
  }
  return {
    id: owner.servicePrincipalId,
    appId: owner.appId,
    displayName: owner.displayName,
    appDisplayName: owner.displayName,
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: (owner.appRoles ?? []).map(roleView),
    oauth2PermissionScopes: (owner.oauth2PermissionScopes ?? []).map((s) => ({ id: s.id, value: s.value, isEnabled: true, type: 'User' })),
    servicePrincipalNames: [owner.appId, ...(owner.identifierUris ?? [])],
  };
}

export const graphServicePrincipalProvider: ResourceProvider = {
  types: [SERVICE_PRINCIPALS],
  apply(input, ctx) {
    const appId = requireString(input, ctx, 'appId');
    const app = applicationOf(ctx, appId);
    // Graph: 400 "The appId '…' of the service principal does not reference a valid application object."
    if (!app) throw invalid(input, ctx, `the appId '${appId}' of the service principal does not reference a valid application object.`);
    const servicePrincipalId = app.servicePrincipalId ?? ctx.ids.uuid();
    if (app.servicePrincipalId === undefined) ctx.tx.putDirectoryObject({ ...app, servicePrincipalId });
    const record = baseRecord(input);
    record.properties = { ...input.properties, ...servicePrincipalView({ ...app, servicePrincipalId }), id: servicePrincipalId, appId };
    return record;
  },
  readExisting(input, ctx) {
    const appId = requiredProperty(input, ctx, 'appId', isString, 'a string');
    const found = ctx.tx.findDirectoryObjectByAppId(appId);
    const owner = found?.kind === 'managedIdentity' || (found?.kind === 'application' && found.servicePrincipalId !== undefined) ? found : undefined;
    if (!owner) throw graphNotFound(input, ctx, appId);
    return { ...baseRecord(input), properties: servicePrincipalView(owner) };
  },
};

/** `Microsoft.Graph/users` is read-only in the extension's v1.0 types: only `existing` (by `userPrincipalName`). */
export const graphUserProvider: ResourceProvider = {
  types: [USERS],
  apply(input, ctx) {
    throw invalid(input, ctx, `the Microsoft Graph type '${USERS}' is read-only in the Bicep extension: declare it 'existing' (by userPrincipalName).`);
  },
  readExisting(input, ctx) {
    const upn = requiredProperty(input, ctx, 'userPrincipalName', isString, 'a string');
    const user = ctx.tx.listDirectoryObjects().find((o) => o.kind === 'user' && o.tenantId.toLowerCase() === ctx.tenantId.toLowerCase() && (o.userPrincipalName ?? '').toLowerCase() === upn.toLowerCase());
    if (!user) throw graphNotFound(input, ctx, upn);
    return { ...baseRecord(input), properties: { id: user.objectId, userPrincipalName: user.userPrincipalName, displayName: user.displayName, mail: null, businessPhones: [] } };
  },
};

/** Groups deploy (graph-groups.ts); an `existing` one is read by `uniqueName`. */
const graphGroupsProvider: ResourceProvider = {
  ...graphGroupProvider,
  readExisting(input: ResourceInput, ctx: ProviderContext) {
    const uniqueName = requiredProperty(input, ctx, 'uniqueName', isString, 'a string');
    const group = byUniqueName(ctx.tx, ctx.tenantId, 'group', uniqueName);
    if (!group) throw graphNotFound(input, ctx, uniqueName);
    const settings = group.groupSettings;
    return { ...baseRecord(input), properties: { id: group.objectId, uniqueName, displayName: group.displayName, ...(settings ?? {}), members: { relationships: group.members ?? [] } } };
  },
};

export const graphProviders: ResourceProvider[] = [
  graphApplicationProvider,
  graphServicePrincipalProvider,
  graphUserProvider,
  graphGroupsProvider,
  graphAppRoleAssignedToProvider,
  graphFederatedIdentityCredentialProvider,
  graphOAuth2PermissionGrantProvider,
];

/** The Microsoft Graph types the twin deploys or reads (`Microsoft.Graph/{type}` without its `@version`): the v1.0 extension's seven. */
export const GRAPH_TYPES: ReadonlySet<string> = new Set(graphProviders.flatMap((p) => p.types.map((t) => t.toLowerCase())));

/** Graph types whose `uniqueName` is their alternate key (the twin's record id uses it). */
export const GRAPH_UNIQUE_NAME_TYPES: ReadonlySet<string> = new Set([APPLICATIONS.toLowerCase(), GROUPS.toLowerCase()]);
