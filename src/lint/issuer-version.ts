import type { SiteView } from '../runtime/index.js';

export type TokenVersion = 'v1' | 'v2';

/** A token of one Entra token version sent to a site whose `openIdIssuer` names the other version's issuer. */
export interface IssuerVersionMismatch {
  /** The site's `registration.openIdIssuer`, as written. */
  configured: string;
  /** The issuer the metadata under `openIdIssuer` announces (what Easy Auth compares `iss` with). */
  expectedIssuer: string;
  expected: TokenVersion;
  token: TokenVersion;
  iss: string;
}

/** The issuer of each token version for a tenant (docs/behaviour/easyauth.md §4.2, "Token versions"). */
export const issuerOf = (version: TokenVersion, tenant: string) =>
  version === 'v1' ? `https://sts.windows.net/${tenant}/` : `https://login.microsoftonline.com/${tenant}/v2.0`;

const ENTRA_ISSUER = /^https:\/\/(?:sts\.windows\.net|login\.microsoftonline\.com)\/([^/]+)\/?(v2\.0)?\/?$/i;
const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

/**
 * Whether the token's version differs from the one the site's `openIdIssuer` expects, within the same tenant. The
 * metadata under an authority ending in `/v2.0` (also the portal's `https://sts.windows.net/{tid}/v2.0`) announces the
 * v2 issuer `https://login.microsoftonline.com/{tid}/v2.0`; under any other Entra authority the v1 issuer
 * `https://sts.windows.net/{tid}/`. A token of another tenant, or a non-Entra issuer, is not this rule's case (TL001).
 */
export function issuerVersionMismatch(site: SiteView, claims: Record<string, unknown>): IssuerVersionMismatch | undefined {
  const configured = (site.authSettings as { identityProviders?: { azureActiveDirectory?: { registration?: { openIdIssuer?: unknown } } } } | undefined)
    ?.identityProviders?.azureActiveDirectory?.registration?.openIdIssuer;
  if (typeof configured !== 'string') return undefined;
  const m = ENTRA_ISSUER.exec(configured.trim());
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  const tid = typeof claims.tid === 'string' ? claims.tid : undefined;
  if (!m || !iss || !tid) return undefined;
  const segment = m[1]!;
  const isGuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(segment);
  if (isGuid && segment.toLowerCase() !== tid.toLowerCase()) return undefined;
  const expected: TokenVersion = m[2] ? 'v2' : 'v1';
  const token: TokenVersion | undefined = iss === issuerOf('v1', tid) ? 'v1' : iss === issuerOf('v2', tid) ? 'v2' : undefined;
  if (!token || token === expected) return undefined;
  const tenant = MULTI_TENANT.has(segment.toLowerCase()) || !isGuid ? tid : segment;
  return { configured, expectedIssuer: issuerOf(expected, tenant), expected, token, iss };
}
