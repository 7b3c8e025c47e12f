import type { Claims } from '../token/validate-token.js';
import { mapClaimType, NAME_CLAIM_TYPE, ROLE_CLAIM_TYPE } from './claim-types.js';

/** The App Service principal JSON carried (base64) in `X-MS-CLIENT-PRINCIPAL` (docs/behaviour/easyauth.md §4.5). */
export interface ClientPrincipal {
  auth_typ: string;
  claims: Array<{ typ: string; val: string }>;
  name_typ: string;
  role_typ: string;
}

export interface PrincipalOptions {
  /** `WEBSITE_AUTH_USE_LEGACY_CLAIMS=False` maps `roles` to the long role claim type. */
  mapRoles: boolean;
}

/** One `{typ,val}` per claim value (arrays expand), claim types through the legacy map. */
export function buildClientPrincipal(claims: Claims, options: PrincipalOptions): ClientPrincipal {
  const out: ClientPrincipal['claims'] = [];
  for (const [name, value] of Object.entries(claims)) {
    const typ = mapClaimType(name, options.mapRoles);
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null) continue;
      out.push({ typ, val: typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v) });
    }
  }
  return { auth_typ: 'aad', claims: out, name_typ: NAME_CLAIM_TYPE, role_typ: ROLE_CLAIM_TYPE };
}

/** Base64 (standard alphabet, padded) of the UTF-8 JSON, as App Service sends it. */
export function encodeClientPrincipal(principal: ClientPrincipal): string {
  return Buffer.from(JSON.stringify(principal), 'utf8').toString('base64');
}

/** The human-readable user name, or undefined for app-only tokens (no `-NAME` header then). */
export function userNameOf(claims: Claims): string | undefined {
  for (const k of ['preferred_username', 'upn', 'email', 'name']) {
    const v = claims[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export function stringClaim(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `.NET` round-trip UTC format used for `X-MS-TOKEN-AAD-EXPIRES-ON` and `/.auth/me` `expires_on`. */
export function formatExpiresOn(expSeconds: number): string {
  return new Date(expSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, '.0000000Z');
}

export interface IdentityHeaderOptions extends PrincipalOptions {
  principalIdClaim: 'oid' | 'sub';
  /** Add `x-ms-token-aad-access-token` / `-expires-on`. */
  tokenHeaders: boolean;
}

/** The headers App Service injects for an authenticated AAD caller (lower-case names). */
export function identityHeaders(token: string, claims: Claims, exp: number, o: IdentityHeaderOptions): Record<string, string> {
  const h: Record<string, string> = {
    'x-ms-client-principal': encodeClientPrincipal(buildClientPrincipal(claims, o)),
    'x-ms-client-principal-idp': 'aad',
  };
  const id = stringClaim(claims, o.principalIdClaim) ?? stringClaim(claims, 'sub') ?? stringClaim(claims, 'oid');
  if (id !== undefined) h['x-ms-client-principal-id'] = id;
  const name = userNameOf(claims);
  if (name !== undefined) h['x-ms-client-principal-name'] = name;
  if (o.tokenHeaders) {
    h['x-ms-token-aad-access-token'] = token;
    h['x-ms-token-aad-expires-on'] = formatExpiresOn(exp);
  }
  return h;
}
