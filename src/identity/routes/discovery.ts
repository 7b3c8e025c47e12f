import { V1_ISSUER, V2_ISSUER } from '../tokens/claims.js';


/** How a tenant path segment is read: one of the twin's tenants, a multi-tenant alias, or unknown. */
export type TenantSegment =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'multi'; alias: 'common' | 'organizations' }
  | { kind: 'unknown'; value: string };

export function classifyTenant(segment: string, isTenant: (id: string) => boolean): TenantSegment {
  const s = segment.toLowerCase();
  if (s === 'common' || s === 'organizations') return { kind: 'multi', alias: s };
  if (isTenant(s)) return { kind: 'tenant', tenantId: s };
  return { kind: 'unknown', value: segment };
}

const CLOUD = {
  tenant_region_scope: null as string | null,
  cloud_instance_name: 'microsoftonline.com',
  cloud_graph_host_name: 'graph.windows.net',
  msgraph_host: 'graph.microsoft.com',
  rbac_url: 'https://pas.windows.net',
};

/**
 * v1 OIDC metadata (`/{tenant}/.well-known/openid-configuration`). `origin` is where the endpoints
 * live: `https://login.microsoftonline.com` when fetched under Azure's name inside the twin, the
 * listener's own origin when fetched from outside. `pathTenant` is what goes into endpoint URLs
 * (tenant id or `common`); `issuerTenant` is the tenant id or the literal `{tenantid}` template. The
 * issuer is Entra's string either way (tokens carry it).
 */
export function v1Discovery(origin: string, pathTenant: string, issuerTenant: string, regionScope: string | null): Record<string, unknown> {
  const base = `${origin}/${pathTenant}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
    scopes_supported: ['openid'],
    issuer: V1_ISSUER(issuerTenant),
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/logout`,
    claims_supported: [
      'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
      'aud', 'exp', 'iat', 'auth_time', 'acr', 'amr', 'nonce', 'email', 'given_name', 'family_name', 'nickname',
    ],
    check_session_iframe: `${base}/oauth2/checksession`,
    userinfo_endpoint: `${base}/openid/userinfo`,
    kerberos_endpoint: `${base}/kerberos`,
    ...CLOUD,
    tenant_region_scope: regionScope,
  };
}

/** v2 OIDC metadata (`/{tenant}/v2.0/.well-known/openid-configuration`); see v1Discovery for `origin`. */
export function v2Discovery(origin: string, pathTenant: string, issuerTenant: string, regionScope: string | null): Record<string, unknown> {
  const base = `${origin}/${pathTenant}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: V2_ISSUER(issuerTenant),
    request_uri_parameter_supported: false,
    userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: [
      'sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host',
      'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email',
    ],
    kerberos_endpoint: `${base}/kerberos`,
    ...CLOUD,
    tenant_region_scope: regionScope,
  };
}

/**
 * Serialised discovery documents, built on first use per (version, tenant, origin) and kept: the host
 * guard admits only a handful of origins, so the cache stays small.
 */
export class DiscoveryDocuments {
  readonly #docs = new Map<string, string>();
  readonly #regionScope: string;

  constructor(regionScope = 'EU') {
    this.#regionScope = regionScope;
  }

  get(version: 1 | 2, tenant: TenantSegment, origin: string): string | undefined {
    if (tenant.kind === 'unknown') return undefined;
    const pathTenant = tenant.kind === 'tenant' ? tenant.tenantId : tenant.alias;
    const key = `${version}|${pathTenant}|${origin}`;
    let doc = this.#docs.get(key);
    if (doc === undefined) {
      const issuerTenant = tenant.kind === 'tenant' ? tenant.tenantId : '{tenantid}';
      const region = tenant.kind === 'tenant' ? this.#regionScope : null;
      doc = JSON.stringify(version === 1 ? v1Discovery(origin, pathTenant, issuerTenant, region) : v2Discovery(origin, pathTenant, issuerTenant, region));
      if (this.#docs.size > 256) this.#docs.clear();
      this.#docs.set(key, doc);
    }
    return doc;
  }
}
