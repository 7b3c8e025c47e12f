import { isTwinError, nowSeconds, type Clock, type IdGenerator } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import type { KeyRing } from '../keys/key-ring.js';
import { buildAppToken } from './claims.js';
import { opaqueClaims } from './opaque.js';
import { resolveResource, type ResolvedResource } from './resource-resolver.js';
import { stsError } from './sts-error.js';

export interface IssuedAppToken {
  accessToken: string;
  resource: ResolvedResource;
  /** Epoch seconds. */
  iat: number;
  nbf: number;
  exp: number;
  /** Seconds from now until `exp`. */
  expiresIn: number;
}

export interface AppTokenIssuerDeps {
  directory: DirectoryIndex;
  keys: KeyRing;
  clock: Clock;
  ids: IdGenerator;
  /** App-only access tokens from the token endpoint (Entra: 3599 s). */
  lifetimeSeconds: number;
}

/** The `groups` claim when the resource application asks for it (`groupMembershipClaims` SecurityGroup / All). */
export function groupsClaim(directory: DirectoryIndex, principalObjectId: string, resourceApp: DirectoryObject | undefined): string[] | undefined {
  const setting = resourceApp?.groupMembershipClaims;
  if (setting !== 'SecurityGroup' && setting !== 'All' && setting !== 'ApplicationGroup') return undefined;
  const all = directory.groupsOf(principalObjectId);
  if (setting !== 'ApplicationGroup') return all;
  // ApplicationGroup: only groups assigned to the resource application.
  return all.filter((g) => directory.roles(g, resourceApp).length > 0);
}

/**
 * The `roles` and `groups` claims of a token of `kind` about `principalObjectId`, under `app`'s settings (the resource
 * app for access tokens, the client app for ID tokens): app roles assigned to the principal or its groups; groups per
 * `groupMembershipClaims`. The `groups` optional claim's `additionalProperties` as Entra applies them to cloud-only
 * groups: `cloud_displayname` (with ApplicationGroup) → display names; `emit_as_roles` → the groups go into `roles`,
 * which then holds no app roles; the sAMAccountName forms leave object ids.
 */
export function roleAndGroupClaims(directory: DirectoryIndex, principalObjectId: string, app: DirectoryObject | undefined, kind: 'accessToken' | 'idToken'): { roles: string[]; groups: string[] | undefined } {
  const roles = directory.roles(principalObjectId, app);
  let groups = groupsClaim(directory, principalObjectId, app);
  const props = app?.optionalClaimProperties?.[kind]?.groups ?? [];
  if (groups && props.includes('cloud_displayname') && app?.groupMembershipClaims === 'ApplicationGroup') groups = groups.map((id) => directory.object(id)?.displayName ?? id);
  if (groups && props.includes('emit_as_roles')) return { roles: groups, groups: undefined };
  return { roles, groups };
}

/** Resolve a resource in the tenant; an unknown one is AADSTS500011 (invalid_resource). */
export function resolveForSts(directory: DirectoryIndex, resource: string, tenantId: string): ResolvedResource {
  try {
    return resolveResource(directory, resource, tenantId);
  } catch (e) {
    if (isTwinError(e) && e.code === 'ERR_IDENTITY_RESOURCE_NOT_FOUND') throw stsError('resourceNotFound', { resource, tenant: tenantId });
    throw e;
  }
}

/** An app-only token (client credentials) for an authenticated confidential client. */
export async function issueAppToken(deps: AppTokenIssuerDeps, input: { tenantId: string; client: DirectoryObject; authMethod: '1' | '2'; resource: ResolvedResource }): Promise<IssuedAppToken> {
  const now = nowSeconds(deps.clock);
  const principal = input.client.servicePrincipalId ?? input.client.objectId;
  const signer = deps.keys.current();
  const { header, claims } = buildAppToken({
    tenantId: input.tenantId,
    resource: input.resource,
    clientAppId: input.client.appId,
    principalObjectId: principal,
    authMethod: input.authMethod,
    nowSeconds: now,
    lifetimeSeconds: deps.lifetimeSeconds,
    ...roleAndGroupClaims(deps.directory, principal, input.resource.application, 'accessToken'),
    opaque: opaqueClaims(deps.ids, input.tenantId, input.resource.application?.appId ?? input.client.appId),
    kid: signer.kid,
  });
  return {
    accessToken: await signer.signAsync(header, claims),
    resource: input.resource,
    iat: claims.iat as number,
    nbf: claims.nbf as number,
    exp: claims.exp as number,
    expiresIn: (claims.exp as number) - now,
  };
}
