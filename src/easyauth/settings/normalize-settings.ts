import { TwinError } from '../../core/index.js';
import type {
  AuthSettings,
  AzureActiveDirectorySettings,
  ForwardProxyConvention,
  UnauthenticatedClientAction,
} from './types.js';
import {
  isObject,
  readBool,
  readEnum,
  readNumber,
  readObject,
  readOptionalObject,
  readString,
  readStringArray,
  unwrap,
  type Json,
} from './read-helpers.js';

/** ARM names, file-config names (`RejectWith*`), case-insensitive (docs/behaviour/easyauth.md §4.4, §7). */
const ACTIONS: Record<string, UnauthenticatedClientAction> = {
  redirecttologinpage: 'RedirectToLoginPage',
  allowanonymous: 'AllowAnonymous',
  return401: 'Return401',
  rejectwith401: 'Return401',
  return403: 'Return403',
  rejectwith403: 'Return403',
  return404: 'Return404',
  rejectwith404: 'Return404',
};

const PROXY: Record<string, ForwardProxyConvention> = {
  noproxy: 'NoProxy',
  standard: 'Standard',
  custom: 'Custom',
};

const TOP_KEYS = ['platform', 'globalValidation', 'identityProviders', 'login', 'httpSettings'];

/**
 * Accepts the flat authsettingsV2 properties, the 2020-06-01..2020-12-01 nested shape
 * (`{kind, properties:{…}}` on every sub-object) or a whole ARM resource / file envelope
 * (`{name, type, properties:{…}}`). Returns the flat shape with defaults filled in.
 * Throws TwinError `ERR_EASYAUTH_SETTINGS_*` with the JSON path of the offending value.
 */
export function normalizeAuthSettings(raw: unknown): AuthSettings {
  let root = unwrap(raw);
  // `{properties:{…}}` with extra non-envelope keys that are not settings either: still unwrap.
  if (isObject(root) && isObject(root.properties) && !TOP_KEYS.some((k) => k in (root as Json))) root = root.properties;
  if (!isObject(root)) {
    throw new TwinError('ERR_EASYAUTH_SETTINGS_SHAPE', 'authsettingsV2 must be a JSON object', { location: { jsonPath: '$' } });
  }
  const p = 'properties';

  const platform = readObject(root, 'platform', p);
  const gv = readObject(root, 'globalValidation', p);
  const idps = readObject(root, 'identityProviders', p);
  const login = readObject(root, 'login', p);
  const http = readObject(root, 'httpSettings', p);

  const excludedPaths = readStringArray(gv, 'excludedPaths', `${p}.globalValidation`) ?? [];

  const tokenStore = readObject(login, 'tokenStore', `${p}.login`);
  const cookieExpiration = readObject(login, 'cookieExpiration', `${p}.login`);
  const nonce = readObject(login, 'nonce', `${p}.login`);
  const loginRoutes = readObject(login, 'routes', `${p}.login`);
  const httpRoutes = readObject(http, 'routes', `${p}.httpSettings`);
  const forwardProxy = readObject(http, 'forwardProxy', `${p}.httpSettings`);

  const apiPrefixRaw = readString(httpRoutes, 'apiPrefix', `${p}.httpSettings.routes`);
  const apiPrefix = normalizeApiPrefix(apiPrefixRaw);

  const others: string[] = [];
  for (const key of Object.keys(idps)) {
    if (key === 'azureActiveDirectory' || idps[key] === null || idps[key] === undefined) continue;
    if (key === 'customOpenIdConnectProviders' || key === 'openIdConnectProviders') {
      const custom = readObject(idps, key, `${p}.identityProviders`);
      others.push(...Object.keys(custom));
    } else others.push(key);
  }

  const settings: AuthSettings = {
    platform: {
      enabled: readBool(platform, 'enabled', `${p}.platform`) ?? false,
    },
    globalValidation: {
      requireAuthentication: readBool(gv, 'requireAuthentication', `${p}.globalValidation`) ?? false,
      unauthenticatedClientAction:
        readEnum(gv, 'unauthenticatedClientAction', `${p}.globalValidation`, ACTIONS) ?? 'RedirectToLoginPage',
      excludedPaths,
    },
    identityProviders: { others },
    login: {
      routes: {},
      tokenStore: {
        enabled: readBool(tokenStore, 'enabled', `${p}.login.tokenStore`) ?? false,
        tokenRefreshExtensionHours: readNumber(tokenStore, 'tokenRefreshExtensionHours', `${p}.login.tokenStore`) ?? 72,
      },
      preserveUrlFragmentsForLogins: readBool(login, 'preserveUrlFragmentsForLogins', `${p}.login`) ?? false,
      allowedExternalRedirectUrls: readStringArray(login, 'allowedExternalRedirectUrls', `${p}.login`) ?? [],
      cookieExpiration: {
        convention: readEnum(cookieExpiration, 'convention', `${p}.login.cookieExpiration`, COOKIE_CONVENTIONS) ?? 'FixedTime',
        timeToExpirationSeconds: readTimeSpan(cookieExpiration, 'timeToExpiration', `${p}.login.cookieExpiration`) ?? 8 * 3600,
      },
      nonce: {
        validateNonce: readBool(nonce, 'validateNonce', `${p}.login.nonce`) ?? true,
        nonceExpirationSeconds: readTimeSpan(nonce, 'nonceExpirationInterval', `${p}.login.nonce`) ?? 300,
      },
    },
    httpSettings: {
      requireHttps: readBool(http, 'requireHttps', `${p}.httpSettings`) ?? true,
      routes: { apiPrefix },
      forwardProxy: {
        convention: readEnum(forwardProxy, 'convention', `${p}.httpSettings.forwardProxy`, PROXY) ?? 'NoProxy',
      },
    },
  };
  const runtimeVersion = readString(platform, 'runtimeVersion', `${p}.platform`);
  if (runtimeVersion !== undefined) settings.platform.runtimeVersion = runtimeVersion;
  const configFilePath = readString(platform, 'configFilePath', `${p}.platform`);
  if (configFilePath !== undefined) settings.platform.configFilePath = configFilePath;
  const redirectToProvider = readString(gv, 'redirectToProvider', `${p}.globalValidation`);
  if (redirectToProvider !== undefined) settings.globalValidation.redirectToProvider = redirectToProvider;
  const logoutEndpoint = readString(loginRoutes, 'logoutEndpoint', `${p}.login.routes`);
  if (logoutEndpoint !== undefined) settings.login.routes.logoutEndpoint = logoutEndpoint;
  const fp = settings.httpSettings.forwardProxy;
  const hostHeader = readString(forwardProxy, 'customHostHeaderName', `${p}.httpSettings.forwardProxy`);
  if (hostHeader !== undefined) fp.customHostHeaderName = hostHeader;
  const protoHeader = readString(forwardProxy, 'customProtoHeaderName', `${p}.httpSettings.forwardProxy`);
  if (protoHeader !== undefined) fp.customProtoHeaderName = protoHeader;

  const aad = readOptionalObject(idps, 'azureActiveDirectory', `${p}.identityProviders`);
  if (aad) settings.identityProviders.azureActiveDirectory = normalizeAad(aad, `${p}.identityProviders.azureActiveDirectory`);
  return settings;
}

function normalizeApiPrefix(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '/.auth';
  const v = raw.trim().replace(/\/+$/, '');
  if (!v.startsWith('/') || v === '') {
    throw new TwinError('ERR_EASYAUTH_SETTINGS_VALUE', `authsettingsV2 httpSettings.routes.apiPrefix must start with '/', got '${raw}'`, {
      location: { jsonPath: 'properties.httpSettings.routes.apiPrefix' },
    });
  }
  return v;
}

function normalizeAad(aad: Json, path: string): AzureActiveDirectorySettings {
  const registration = readObject(aad, 'registration', path);
  const login = readObject(aad, 'login', path);
  const validation = readObject(aad, 'validation', path);
  const jwt = readObject(validation, 'jwtClaimChecks', `${path}.validation`);
  const dap = readObject(validation, 'defaultAuthorizationPolicy', `${path}.validation`);
  const principals = readObject(dap, 'allowedPrincipals', `${path}.validation.defaultAuthorizationPolicy`);
  const rp = `${path}.registration`;

  const out: AzureActiveDirectorySettings = {
    enabled: readBool(aad, 'enabled', path) ?? true,
    registration: {},
    login: {
      loginParameters: readStringArray(login, 'loginParameters', `${path}.login`) ?? [],
      disableWWWAuthenticate: readBool(login, 'disableWWWAuthenticate', `${path}.login`) ?? false,
    },
    validation: {
      allowedAudiences: readStringArray(validation, 'allowedAudiences', `${path}.validation`) ?? [],
      jwtClaimChecks: {},
      defaultAuthorizationPolicy: { allowedPrincipals: {} },
    },
  };
  const auto = readBool(aad, 'isAutoProvisioned', path);
  if (auto !== undefined) out.isAutoProvisioned = auto;
  const issuer = readString(registration, 'openIdIssuer', rp);
  if (issuer !== undefined && issuer.trim() !== '') out.registration.openIdIssuer = issuer.trim();
  const clientId = readString(registration, 'clientId', rp);
  if (clientId !== undefined && clientId.trim() !== '') out.registration.clientId = clientId.trim();
  const secretName = readString(registration, 'clientSecretSettingName', rp);
  if (secretName !== undefined) out.registration.clientSecretSettingName = secretName;

  const jp = `${path}.validation.jwtClaimChecks`;
  const groups = readStringArray(jwt, 'allowedGroups', jp);
  if (groups !== undefined) out.validation.jwtClaimChecks.allowedGroups = groups;
  const clients = readStringArray(jwt, 'allowedClientApplications', jp);
  if (clients !== undefined) out.validation.jwtClaimChecks.allowedClientApplications = clients;

  const dp = `${path}.validation.defaultAuthorizationPolicy`;
  const apps = readStringArray(dap, 'allowedApplications', dp);
  if (apps !== undefined) out.validation.defaultAuthorizationPolicy.allowedApplications = apps;
  const identities = readStringArray(principals, 'identities', `${dp}.allowedPrincipals`);
  if (identities !== undefined) out.validation.defaultAuthorizationPolicy.allowedPrincipals.identities = identities;
  const pgroups = readStringArray(principals, 'groups', `${dp}.allowedPrincipals`);
  if (pgroups !== undefined) out.validation.defaultAuthorizationPolicy.allowedPrincipals.groups = pgroups;
  return out;
}

/** `cookieExpiration.convention`; the file-config docs spell the second one `IdentityDerived` (docs/behaviour/easyauth.md §2.4). */
const COOKIE_CONVENTIONS: Record<string, 'FixedTime' | 'IdentityProviderDerived'> = {
  fixedtime: 'FixedTime',
  identityproviderderived: 'IdentityProviderDerived',
  identityderived: 'IdentityProviderDerived',
};

/** A .NET TimeSpan string (`hh:mm:ss`, `d.hh:mm:ss`) in seconds; ERR_EASYAUTH_SETTINGS_VALUE when unreadable. */
function readTimeSpan(parent: Record<string, unknown>, key: string, path: string): number | undefined {
  const v = readString(parent as never, key, path);
  if (v === undefined || v.trim() === '') return undefined;
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?$/.exec(v.trim());
  if (!m) {
    throw new TwinError('ERR_EASYAUTH_SETTINGS_VALUE', `authsettingsV2 ${path}.${key} must be a timespan like 08:00:00, got '${v}'`, {
      location: { jsonPath: `${path}.${key}` },
    });
  }
  return Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}
