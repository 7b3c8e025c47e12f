import type { Jwk, SigningKey } from './signing-key.js';

export interface JwksDocument {
  keys: Jwk[];
}

/** `https://login.microsoftonline.com/{tid}/v2.0`, or the `{tenantid}` template for common. */
export function v2KeyIssuer(tenantIdOrTemplate: string): string {
  return `https://login.microsoftonline.com/${tenantIdOrTemplate}/v2.0`;
}

/**
 * JWKS as served by Entra. v1 (`/discovery/keys`): no `issuer`. v2 (`/discovery/v2.0/keys`):
 * each key carries `issuer` (the literal `{tenantid}` template on `common`).
 */
export function buildJwks(keys: readonly SigningKey[], issuer?: string): JwksDocument {
  return { keys: keys.map((k) => (issuer === undefined ? { ...k.jwk, x5c: [...k.jwk.x5c] } : { ...k.jwk, x5c: [...k.jwk.x5c], issuer })) };
}
