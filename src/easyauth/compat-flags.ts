/**
 * Compatibility flags: every behaviour tagged [I] (inferred) in the spec is implemented as the
 * default and can be switched here. docs/differences.md (Easy Auth) lists each flag with evidence.
 */
export interface EasyAuthCompatFlags {
  /** `tenant-any-version`: accept the v1 (`https://sts.windows.net/{tid}/`) and v2
   *  (`https://login.microsoftonline.com/{tid}/v2.0`) issuer of the configured tenant.
   *  `exact`: accept only the `issuer` of the configured metadata document. */
  issuerMode: 'tenant-any-version' | 'exact';
  /** Treat `api://{clientId}` as an implicit audience (Azure documents only the bare clientId). */
  implicitApiUriAudience: boolean;
  /** What an empty (`[]`) allow list does: no restriction (docs) or deny everything (reports). */
  emptyAllowListMeans: 'allow-all' | 'deny-all';
  /** An invalid bearer token when anonymous access is allowed: forward anonymously, or 401. */
  invalidTokenWhenAnonymous: 'anonymous' | '401';
  /** `/.auth/me` without a valid credential: 401, or 200 `[]`. */
  meUnauthenticated: '401' | 'empty-array';
  /** Clock skew for `exp`/`nbf`, seconds (.NET default 5 min). */
  clockSkewSeconds: number;
  /** Minimum seconds between two key refetches triggered by an unknown `kid`. */
  jwksRefetchMinIntervalSeconds: number;
  /** How long OIDC metadata and keys are kept before a routine refetch, seconds. */
  metadataCacheSeconds: number;
  /** Verified-token cache (key = token string). */
  tokenCache: boolean;
  tokenCacheSize: number;
  /** WWW-Authenticate value on module-generated 401s; `{host}`, `{tenantId}`, `{clientId}` are replaced. */
  wwwAuthenticateTemplate: string;
  /** Match `excludedPaths` case-insensitively. */
  excludedPathsCaseInsensitive: boolean;
  /** Send `X-MS-TOKEN-AAD-ACCESS-TOKEN`/`-EXPIRES-ON` for bearer-authenticated requests when the token store is on. */
  tokenHeadersForBearer: boolean;
  /** Claim that fills `X-MS-CLIENT-PRINCIPAL-ID`. */
  principalIdClaim: 'oid' | 'sub';
  /** Apply the authorization policy (403) to `/.auth/me`. */
  authorizeAuthMe: boolean;
}

export const defaultCompatFlags: Readonly<EasyAuthCompatFlags> = Object.freeze({
  issuerMode: 'tenant-any-version',
  implicitApiUriAudience: false,
  emptyAllowListMeans: 'allow-all',
  invalidTokenWhenAnonymous: 'anonymous',
  meUnauthenticated: '401',
  clockSkewSeconds: 300,
  jwksRefetchMinIntervalSeconds: 300,
  metadataCacheSeconds: 86_400,
  tokenCache: true,
  tokenCacheSize: 10_000,
  wwwAuthenticateTemplate:
    'Bearer realm="{host}" authorization_uri="https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/authorize" resource_id="{clientId}"',
  excludedPathsCaseInsensitive: true,
  tokenHeadersForBearer: true,
  principalIdClaim: 'oid',
  authorizeAuthMe: true,
} satisfies EasyAuthCompatFlags);

export function resolveCompatFlags(flags: Partial<EasyAuthCompatFlags> | undefined): EasyAuthCompatFlags {
  const out: EasyAuthCompatFlags = { ...defaultCompatFlags };
  for (const [k, v] of Object.entries(flags ?? {})) {
    if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
