import type { DirectoryObject } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import { resolveForSts } from './app-token-issuer.js';
import type { ResolvedResource } from './resource-resolver.js';
import { stsError } from './sts-error.js';

/** OpenID Connect scopes: they shape the ID token and the refresh token, not the access token's audience. */
export const OIDC_SCOPE_NAMES = ['openid', 'profile', 'email', 'offline_access'] as const;
const OIDC = new Set<string>(OIDC_SCOPE_NAMES);
/** Microsoft Graph, the resource of bare scopes (`User.Read`) and of a request with only OpenID scopes. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Exposed by an app that declares no delegated permission (what the portal adds to a new API). */
export const DEFAULT_DELEGATED_SCOPE = 'user_impersonation';

/** A delegated (user) token request: one resource, its `scp` values, and the OpenID scopes asked for. */
export interface DelegatedGrant {
  resource: ResolvedResource;
  /** The resource as named in the request (echoed in v1 responses). */
  resourceName: string;
  scp: string[];
  openid: boolean;
  profile: boolean;
  email: boolean;
  offlineAccess: boolean;
  /** The `scope` a v2 response reports: the resource scopes in their full form, then the OpenID ones granted. */
  responseScope: string;
}

/**
 * The delegated scope of an Azure first-party resource the directory does not hold: Microsoft Graph's `User.Read`;
 * the others (ARM, Key Vault, Storage) publish `user_impersonation`, the `scp` of their user tokens (e.g. az's ARM tokens).
 */
function firstPartyScopes(resource: ResolvedResource): string[] {
  return resource.requested.replace(/\/+$/, '').toLowerCase() === GRAPH_RESOURCE ? ['User.Read'] : [DEFAULT_DELEGATED_SCOPE];
}

/** Scopes an application exposes (or the portal's default `user_impersonation` when it declares none). */
function exposed(resource: ResolvedResource): string[] {
  const declared = (resource.application?.oauth2PermissionScopes ?? []).map((s) => s.value);
  return declared.length > 0 ? declared : [DEFAULT_DELEGATED_SCOPE];
}

/** Who a delegated token is for: consent is looked up for this client app and user. */
export interface ConsentSubject {
  client: DirectoryObject;
  userObjectId: string;
  /** Compat flag `presumeConsentWithoutGrants`: a client holding no grant at all gets what it asks. */
  presumeWithoutGrants: boolean;
}

/**
 * The scopes consented for `client` to call `resource` on behalf of the user: the scopes of its oauth2PermissionGrants
 * for that resource's service principal that are admin consent (`AllPrincipals`) or the user's own (`Principal`), in
 * grant order; `undefined` when the client holds no grant at all.
 */
export function consentedScopes(directory: DirectoryIndex, client: DirectoryObject, resourceApp: DirectoryObject, userObjectId: string): string[] | undefined {
  const grants = client.servicePrincipalId ? directory.permissionGrants(client.servicePrincipalId) : [];
  if (grants.length === 0) return undefined;
  const resourceSp = (resourceApp.servicePrincipalId ?? '').toLowerCase();
  const user = userObjectId.toLowerCase();
  const scopes: string[] = [];
  for (const g of grants) {
    const p = g.permissionGrant!;
    if (p.resourceId.toLowerCase() !== resourceSp) continue;
    if (p.consentType === 'Principal' && (p.principalId ?? '').toLowerCase() !== user) continue;
    for (const v of p.scope.split(/\s+/)) if (v !== '' && !scopes.includes(v)) scopes.push(v);
  }
  return scopes;
}

/**
 * Consent (Entra's, for a resource in the directory): a delegated token carries every scope consented for the
 * client, user and resource — also those not asked for ([O] Entra's `scp` "always has the previously consented
 * scopes", msgraph-sdk-powershell #1056, microsoft-graph-docs #9952) — provided everything asked is consented;
 * otherwise AADSTS65001 consent_required (the token endpoint cannot prompt). A client without any grant keeps what it
 * asked under the compat flag.
 */
function applyConsent(directory: DirectoryIndex, resource: ResolvedResource, asked: string[], presumed: string[], consent: ConsentSubject | undefined): string[] {
  if (!consent || !resource.application) return presumed;
  const granted = consentedScopes(directory, consent.client, resource.application, consent.userObjectId);
  if (granted === undefined && consent.presumeWithoutGrants) return presumed;
  const exposedNow = exposed(resource);
  const consented = (granted ?? []).filter((v) => exposedNow.includes(v));
  if (consented.length === 0 || asked.some((v) => !consented.includes(v))) {
    throw stsError('consentRequired', { appId: consent.client.appId, appName: consent.client.displayName });
  }
  return consented;
}

/**
 * Read a delegated request. v2: `scope` — resource scopes (`api://x/Read`, `<appId>/.default`, bare Graph
 * scopes such as `User.Read`) of **one** resource (AADSTS28000 otherwise), plus OpenID scopes; only OpenID
 * scopes → a Graph token. v1: `resource` names the resource; `scp` is every scope it exposes. A scope the
 * resource does not expose is AADSTS650053; an unknown resource AADSTS500011.
 */
export function readDelegatedScopes(
  directory: DirectoryIndex,
  tenantId: string,
  input: { version: 1 | 2; scope?: string | undefined; resource?: string | undefined },
  consent?: ConsentSubject,
): DelegatedGrant {
  const words = (input.scope ?? '').split(/\s+/).filter((w) => w !== '');
  const oidc = new Set(words.filter((w) => OIDC.has(w.toLowerCase())).map((w) => w.toLowerCase()));
  const flags = { openid: oidc.has('openid'), profile: oidc.has('profile'), email: oidc.has('email'), offlineAccess: oidc.has('offline_access') };
  const oidcGranted = OIDC_SCOPE_NAMES.filter((s) => oidc.has(s));
  if (input.version === 1) {
    const resourceName = input.resource ?? GRAPH_RESOURCE;
    const resource = resolveForSts(directory, resourceName, tenantId);
    // v1 names no scope: like `.default`, every consented scope (every exposed one when consent is presumed).
    const scp = resource.application ? applyConsent(directory, resource, [], exposed(resource), consent) : firstPartyScopes(resource);
    return { resource, resourceName, scp, ...flags, openid: true, responseScope: scp.join(' ') };
  }
  const resourceScopes = words.filter((w) => !OIDC.has(w.toLowerCase()));
  const split = resourceScopes.map((w) => {
    const slash = w.lastIndexOf('/');
    return slash < 0 ? { resource: GRAPH_RESOURCE, value: w } : { resource: w.slice(0, slash), value: w.slice(slash + 1) };
  });
  const resources = [...new Set(split.map((s) => s.resource.replace(/\/+$/, '').toLowerCase()))];
  if (resources.length > 1) throw stsError('multipleResources', { scope: input.scope ?? '' });
  if (split.length === 0) {
    if (oidc.size === 0) throw stsError('missingParameter', { parameter: 'scope' });
    const resource = resolveForSts(directory, GRAPH_RESOURCE, tenantId);
    const scp = ['User.Read', ...oidcGranted.filter((s) => s !== 'offline_access')];
    return { resource, resourceName: GRAPH_RESOURCE, scp, ...flags, responseScope: [...scp.filter((s) => s === 'User.Read').map((s) => `${GRAPH_RESOURCE}/${s}`), ...oidcGranted].join(' ') };
  }
  const resourceName = split[0]!.resource;
  const resource = resolveForSts(directory, resourceName, tenantId);
  const available = resource.application ? exposed(resource) : undefined;
  const scp: string[] = [];
  for (const { value } of split) {
    if (value === '.default') scp.push(...(available ?? firstPartyScopes(resource)));
    else if (available && !available.includes(value)) throw stsError('scopeNotExposed', { scope: value, resource: resourceName });
    else scp.push(value);
  }
  const asked = split.map((x) => x.value).filter((v) => v !== '.default');
  const unique = applyConsent(directory, resource, [...new Set(asked)], [...new Set(scp)], consent);
  return { resource, resourceName, scp: unique, ...flags, responseScope: [...unique.map((v) => `${resourceName.replace(/\/+$/, '')}/${v}`), ...oidcGranted].join(' ') };
}
