import { V1_ISSUER, V2_ISSUER } from '../tokens/claims.js';

const LOGIN = 'https://login.microsoftonline.com';

/** How a tenant path segment is read: the twin's tenant, a multi-tenant alias, or unknown. */
export type TenantSegment = { kind: 'tenant' } | { kind: 'multi'; alias: 'common' | 'organizations' } | { kind: 'unknown'; value: string };

export function classifyTenant(segment: string, tenantId: string): TenantSegment {
  const s = segment.toLowerCase();
  if (s === tenantId.toLowerCase()) return { kind: 'tenant' };
  if (s === 'common' || s === 'organizations') return { kind: 'multi', alias: s };
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
 * v1 OIDC metadata (`/{tenant}/.well-known/openid-configuration`), real Azure URLs.
 * `pathTenant` is what goes into endpoint URLs (tenant id or `common`); `issuerTenant` is the tenant
 * id or the literal `{tenantid}` template.
 */
export function v1Discovery(pathTenant: string, issuerTenant: string, regionScope: string | null): Record<string, unknown> {
  const base = `${LOGIN}/${pathTenant}`;
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

/** v2 OIDC metadata (`/{tenant}/v2.0/.well-known/openid-configuration`), real Azure URLs. */
export function v2Discovery(pathTenant: string, issuerTenant: string, regionScope: string | null): Record<string, unknown> {
  const base = `${LOGIN}/${pathTenant}`;
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

/** Serialised discovery documents, built once per service (tenant + common + organizations). */
export interface DiscoveryDocuments {
  get(version: 1 | 2, tenant: TenantSegment): string | undefined;
}

export function buildDiscoveryDocuments(tenantId: string, regionScope = 'EU'): DiscoveryDocuments {
  const docs = new Map<string, string>();
  docs.set('1:tenant', JSON.stringify(v1Discovery(tenantId, tenantId, regionScope)));
  docs.set('2:tenant', JSON.stringify(v2Discovery(tenantId, tenantId, regionScope)));
  for (const alias of ['common', 'organizations'] as const) {
    docs.set(`1:${alias}`, JSON.stringify(v1Discovery(alias, '{tenantid}', null)));
    docs.set(`2:${alias}`, JSON.stringify(v2Discovery(alias, '{tenantid}', null)));
  }
  return {
    get: (version, tenant) => {
      if (tenant.kind === 'unknown') return undefined;
      return docs.get(`${version}:${tenant.kind === 'tenant' ? 'tenant' : tenant.alias}`);
    },
  };
}
