import type { ResolvedResource } from './resource-resolver.js';
import type { JwtHeader } from './jwt.js';

export const V1_ISSUER = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;
export const V2_ISSUER = (tenantId: string): string => `https://login.microsoftonline.com/${tenantId}/v2.0`;

/** Entra back-dates `iat`/`nbf` by 5 minutes; `exp` is issuance time + lifetime. */
export const ISSUED_AT_SKEW_SECONDS = 300;
/** `xms_tcdt` (tenant creation time); the twin's tenant was "created" at this fixed instant. */
export const TENANT_CREATED_SECONDS = 1600000000;

export interface AppTokenInput {
  tenantId: string;
  resource: ResolvedResource;
  /** Client (app) id of the calling principal (the MI's clientId). */
  clientAppId: string;
  /** Object id of the calling service principal (the MI's principalId). */
  principalObjectId: string;
  /** `appidacr`/`azpacr`: "0" public, "1" secret, "2" certificate / managed identity. */
  authMethod: '0' | '1' | '2';
  /** Seconds since the epoch at issuance. */
  nowSeconds: number;
  lifetimeSeconds: number;
  /** ARM id of the resource owning the managed identity (`xms_mirid`). */
  managedIdentityResourceId?: string;
  /** Assigned app-role values; `roles` is omitted when empty. */
  roles?: string[];
  /** Group object ids (`groups`), when the resource app asks for them; omitted when undefined. */
  groups?: string[] | undefined;
  /** Opaque values (`aio`, `uti`, `rh` body), supplied by the caller so that tests can fix them. */
  opaque: { aio: string; uti: string; rh: string };
  kid: string;
}

export interface AppToken {
  header: JwtHeader;
  claims: Record<string, unknown>;
}

/** Header + claims of an app-only access token, v1 or v2 per the resource (docs/behaviour/identity.md §2a–2d). */
export function buildAppToken(input: AppTokenInput): AppToken {
  const { tenantId, resource } = input;
  const iat = input.nowSeconds - ISSUED_AT_SKEW_SECONDS;
  const exp = input.nowSeconds + input.lifetimeSeconds;
  const v2 = resource.version === 2;
  const header: JwtHeader = v2 ? { typ: 'JWT', alg: 'RS256', kid: input.kid } : { typ: 'JWT', alg: 'RS256', x5t: input.kid, kid: input.kid };
  const claims: Record<string, unknown> = {
    aud: resource.aud,
    iss: v2 ? V2_ISSUER(tenantId) : V1_ISSUER(tenantId),
    iat,
    nbf: iat,
    exp,
    aio: input.opaque.aio,
  };
  if (v2) {
    claims.azp = input.clientAppId;
    claims.azpacr = input.authMethod;
  } else {
    claims.appid = input.clientAppId;
    claims.appidacr = input.authMethod;
  }
  if (input.groups) claims.groups = [...input.groups];
  if (!v2) claims.idp = V1_ISSUER(tenantId);
  claims.idtyp = 'app';
  claims.oid = input.principalObjectId;
  claims.rh = input.opaque.rh;
  if (input.roles && input.roles.length > 0) claims.roles = [...input.roles];
  claims.sub = input.principalObjectId;
  claims.tid = tenantId;
  claims.uti = input.opaque.uti;
  claims.ver = v2 ? '2.0' : '1.0';
  if (input.managedIdentityResourceId) claims.xms_mirid = input.managedIdentityResourceId;
  claims.xms_tcdt = TENANT_CREATED_SECONDS;
  return { header, claims };
}
