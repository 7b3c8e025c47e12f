/**
 * The normalised `authsettingsV2` shape (the flat 2021-02-01+ layout, defaults filled in).
 * See docs/behaviour/easyauth.md §2. Allow lists keep the difference between "absent"
 * (`undefined`) and "empty" (`[]`) because the compat flag `emptyAllowListMeans` decides what
 * an empty list does.
 */
export type UnauthenticatedClientAction =
  | 'RedirectToLoginPage'
  | 'AllowAnonymous'
  | 'Return401'
  | 'Return403'
  | 'Return404';

export type ForwardProxyConvention = 'NoProxy' | 'Standard' | 'Custom';

export interface AzureActiveDirectorySettings {
  /** Missing in the resource means enabled (docs/behaviour/easyauth.md §2.3). */
  enabled: boolean;
  isAutoProvisioned?: boolean;
  registration: {
    openIdIssuer?: string;
    clientId?: string;
    clientSecretSettingName?: string;
  };
  login: {
    loginParameters: string[];
    disableWWWAuthenticate: boolean;
  };
  validation: {
    allowedAudiences: string[];
    jwtClaimChecks: {
      allowedGroups?: string[];
      allowedClientApplications?: string[];
    };
    defaultAuthorizationPolicy: {
      allowedApplications?: string[];
      allowedPrincipals: {
        identities?: string[];
        groups?: string[];
      };
    };
  };
}

export interface AuthSettings {
  platform: { enabled: boolean; runtimeVersion?: string; configFilePath?: string };
  globalValidation: {
    requireAuthentication: boolean;
    unauthenticatedClientAction: UnauthenticatedClientAction;
    redirectToProvider?: string;
    excludedPaths: string[];
  };
  identityProviders: {
    azureActiveDirectory?: AzureActiveDirectorySettings;
    /** Names of other configured providers (kept for diagnostics; the twin validates only AAD bearer tokens). */
    others: string[];
  };
  login: {
    routes: { logoutEndpoint?: string };
    tokenStore: { enabled: boolean; tokenRefreshExtensionHours: number };
    preserveUrlFragmentsForLogins: boolean;
    allowedExternalRedirectUrls: string[];
    /** `FixedTime` (default): the session lasts `timeToExpiration` (default 08:00:00); `IdentityProviderDerived`: as long as the provider's tokens. */
    cookieExpiration: { convention: 'FixedTime' | 'IdentityProviderDerived'; timeToExpirationSeconds: number };
    /** Nonce check of the login flow (default on, 00:05:00). */
    nonce: { validateNonce: boolean; nonceExpirationSeconds: number };
  };
  httpSettings: {
    requireHttps: boolean;
    routes: { apiPrefix: string };
    forwardProxy: {
      convention: ForwardProxyConvention;
      customHostHeaderName?: string;
      customProtoHeaderName?: string;
    };
  };
}
