import { TwinError } from '../../core/index.js';

/** What the configured `registration.openIdIssuer` tells us (docs/behaviour/easyauth.md §2.3, §4.2). */
export interface IssuerInfo {
  /** Where the OIDC metadata lives. */
  metadataUrl: string;
  /** Tenant segment of the issuer (GUID, domain, `common`, `organizations`…), lower-case. */
  tenant: string;
  /** True for `common` / `organizations` / `consumers` issuers (shape-only issuer validation). */
  multiTenant: boolean;
}

const MULTI = new Set(['common', 'organizations', 'consumers']);
const WELL_KNOWN = '/.well-known/openid-configuration';

/**
 * `https://sts.windows.net/{tid}/` → `https://sts.windows.net/{tid}/.well-known/openid-configuration`;
 * `https://login.microsoftonline.com/{tid}/v2.0` → `…/{tid}/v2.0/.well-known/openid-configuration`;
 * a full `…/.well-known/openid-configuration` URL is used as it is.
 * Throws ERR_EASYAUTH_ISSUER_INVALID for anything that is not an absolute http(s) URL with a tenant.
 */
export function parseIssuer(openIdIssuer: string): IssuerInfo {
  let url: URL;
  try {
    url = new URL(openIdIssuer);
  } catch {
    throw new TwinError('ERR_EASYAUTH_ISSUER_INVALID', `openIdIssuer '${openIdIssuer}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TwinError('ERR_EASYAUTH_ISSUER_INVALID', `openIdIssuer '${openIdIssuer}' is not an http(s) URL`);
  }
  const base = openIdIssuer.replace(/[?#].*$/, '');
  const metadataUrl = base.toLowerCase().endsWith(WELL_KNOWN) ? base : base.replace(/\/+$/, '') + WELL_KNOWN;
  const segments = url.pathname
    .split('/')
    .filter((s) => s !== '' && s.toLowerCase() !== 'v2.0' && s !== '.well-known' && s !== 'openid-configuration');
  const tenant = segments[0]?.toLowerCase();
  if (!tenant) throw new TwinError('ERR_EASYAUTH_ISSUER_INVALID', `openIdIssuer '${openIdIssuer}' names no tenant`);
  return { metadataUrl, tenant, multiTenant: MULTI.has(tenant) };
}

/** The v1 and v2 Entra issuer strings of a tenant. */
export function tenantIssuers(tid: string): string[] {
  return [`https://sts.windows.net/${tid}/`, `https://login.microsoftonline.com/${tid}/v2.0`];
}
