import { createHash } from 'node:crypto';
import type { DirectoryObject } from '../../state/index.js';
import { ISSUED_AT_SKEW_SECONDS, TENANT_CREATED_SECONDS, V1_ISSUER, V2_ISSUER } from './claims.js';
import type { JwtHeader } from './jwt.js';
import type { ResolvedResource } from './resource-resolver.js';

/** `sub` in user tokens: a pairwise id, unique per user and application (base64url SHA-256, 43 characters). */
export function pairwiseSubject(tenantId: string, appId: string, userObjectId: string): string {
  return createHash('sha256').update(`${tenantId.toLowerCase()}|${appId.toLowerCase()}|${userObjectId.toLowerCase()}`).digest('base64url');
}

/** `at_hash` / `c_hash`: base64url of the left half of SHA-256 of the value (OpenID Connect Core 3.3.2.11). */
export function halfHash(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

export interface UserTokenInput {
  tenantId: string;
  user: DirectoryObject;
  /** The client application (`appid`/`azp`). */
  client: DirectoryObject;
  authMethod: '0' | '1' | '2';
  nowSeconds: number;
  lifetimeSeconds: number;
  opaque: { aio: string; uti: string; rh: string };
  kid: string;
  roles: string[];
  groups: string[] | undefined;
  /** The caller's address (`ipaddr`, v1). */
  ipAddress: string;
}

function header(v2: boolean, kid: string): JwtHeader {
  return v2 ? { typ: 'JWT', alg: 'RS256', kid } : { typ: 'JWT', alg: 'RS256', x5t: kid, kid };
}

/** `aud`, `iss`, `iat`, `nbf`, `exp` — the head every token starts with. */
function head(input: UserTokenInput, v2: boolean, aud: string): Record<string, unknown> {
  const iat = input.nowSeconds - ISSUED_AT_SKEW_SECONDS;
  return { aud, iss: v2 ? V2_ISSUER(input.tenantId) : V1_ISSUER(input.tenantId), iat, nbf: iat, exp: input.nowSeconds + input.lifetimeSeconds };
}

/** `sub`, `tid`, v1 `unique_name`/`upn`, `uti`, `ver` — the tail both user token kinds share. */
function tail(c: Record<string, unknown>, input: UserTokenInput, v2: boolean): void {
  c.sub = pairwiseSubject(input.tenantId, input.client.appId, input.user.objectId);
  c.tid = input.tenantId;
  if (!v2) {
    c.unique_name = input.user.userPrincipalName;
    c.upn = input.user.userPrincipalName;
  }
  c.uti = input.opaque.uti;
  c.ver = v2 ? '2.0' : '1.0';
}

/**
 * A delegated (user) access token, v1 or v2 by the resource app's accepted version (claim order and
 * set as Entra's access-token claims reference lists them; docs/identity.md).
 */
export function buildUserAccessToken(input: UserTokenInput & { resource: ResolvedResource; scp: string[] }): { header: JwtHeader; claims: Record<string, unknown> } {
  const v2 = input.resource.version === 2;
  const u = input.user;
  const c = head(input, v2, input.resource.aud);
  if (!v2) c.acr = '1';
  c.aio = input.opaque.aio;
  if (v2) {
    c.azp = input.client.appId;
    c.azpacr = input.authMethod;
  } else {
    c.amr = ['pwd'];
    c.appid = input.client.appId;
    c.appidacr = input.authMethod;
  }
  if (input.groups) c.groups = [...input.groups];
  if (!v2) c.ipaddr = input.ipAddress;
  c.name = u.displayName;
  c.oid = u.objectId;
  if (v2) c.preferred_username = u.userPrincipalName;
  c.rh = input.opaque.rh;
  if (input.roles.length > 0) c.roles = [...input.roles];
  c.scp = input.scp.join(' ');
  tail(c, input, v2);
  c.xms_tcdt = TENANT_CREATED_SECONDS;
  return { header: header(v2, input.kid), claims: c };
}

/**
 * An ID token for the client app: v2 from the v2 endpoints, v1 from the v1 ones (Entra's id-token
 * claims reference). `nonce` echoes the authorize request; `c_hash`/`at_hash` bind a code or access
 * token issued in the same response.
 */
export function buildIdToken(input: UserTokenInput & { version: 1 | 2; nonce?: string | undefined; code?: string; accessToken?: string }): { header: JwtHeader; claims: Record<string, unknown> } {
  const v2 = input.version === 2;
  const u = input.user;
  const c = head(input, v2, input.client.appId);
  if (v2) c.aio = input.opaque.aio;
  else c.amr = ['pwd'];
  if (input.accessToken !== undefined) c.at_hash = halfHash(input.accessToken);
  if (input.code !== undefined) c.c_hash = halfHash(input.code);
  if (input.groups) c.groups = [...input.groups];
  if (!v2) c.ipaddr = input.ipAddress;
  c.name = u.displayName;
  if (input.nonce !== undefined) c.nonce = input.nonce;
  c.oid = u.objectId;
  if (v2) c.preferred_username = u.userPrincipalName;
  c.rh = input.opaque.rh;
  if (input.roles.length > 0) c.roles = [...input.roles];
  tail(c, input, v2);
  return { header: header(v2, input.kid), claims: c };
}
