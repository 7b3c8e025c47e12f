import type { DirectoryObject } from '../../state/index.js';
import { baseRecord, getPath, invalid, previousRecord, requireString } from './common.js';
import type { ProviderContext, ResourceProvider } from './types.js';

/**
 * Bicep's Microsoft Graph extension (`extension microsoftGraphV1` / `Microsoft.Graph/applications@v1.0`): the
 * deployment writes Entra objects into the twin's directory, so that a template can register the Easy Auth app and the
 * site's authsettingsV2 together (docs/behaviour/arm.md, "Microsoft Graph resources"). Graph's own keys: an application
 * is upserted by its `uniqueName`, a service principal by its `appId`; `id` (the object id) and `appId` are minted once
 * and kept on redeploy, and read back by `reference()` (`app.appId` in Bicep). The record's id is the twin's own
 * (`/providers/Microsoft.Graph/{type}/{key}`: Graph objects have no ARM id).
 */
const APPLICATIONS = 'Microsoft.Graph/applications';
const SERVICE_PRINCIPALS = 'Microsoft.Graph/servicePrincipals';

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
    const before = typeof prevAppId === 'string' ? applicationOf(ctx, prevAppId) : undefined;
    const appId = before?.appId ?? ctx.ids.uuid();
    const objectId = before?.objectId ?? ctx.ids.uuid();
    const version = getPath(input.properties, 'api', 'requestedAccessTokenVersion');
    if (version !== undefined && version !== null && version !== 1 && version !== 2) throw invalid(input, ctx, "'api.requestedAccessTokenVersion' must be 1, 2 or null.");
    const app: DirectoryObject = {
      ...(before ?? {}),
      kind: 'application',
      objectId,
      appId,
      displayName,
      tenantId: ctx.tenantId,
      resourceId: input.id,
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
      origin: `deployed as Microsoft Graph application '${uniqueName}'`,
    };
    ctx.tx.putDirectoryObject(app);
    // What Graph answers for the object (reference() reads it): the body as given plus its read-only ids.
    record.properties = { ...input.properties, id: objectId, appId, uniqueName, displayName };
    return record;
  },
};

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
    record.properties = { ...input.properties, id: servicePrincipalId, appId, displayName: app.displayName, servicePrincipalType: 'Application', accountEnabled: true };
    return record;
  },
};

export const graphProviders: ResourceProvider[] = [graphApplicationProvider, graphServicePrincipalProvider];

/** The Microsoft Graph types the twin deploys (`Microsoft.Graph/{type}` without its `@version`). */
export const GRAPH_TYPES: ReadonlySet<string> = new Set([APPLICATIONS.toLowerCase(), SERVICE_PRINCIPALS.toLowerCase()]);
