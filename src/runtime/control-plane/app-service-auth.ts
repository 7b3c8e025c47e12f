import { normalizeAuthSettings } from '../../easyauth/index.js';
import type { ResourceRecord, Store } from '../../state/index.js';
import { ArmHttpError } from './wire.js';

/**
 * The classic (V1) view of a site's authentication, `config/authsettings` (`az webapp auth show` in azure-cli 2.45
 * POSTs `config/authsettings/list`). App Service keeps one configuration per site and shows it both ways
 * (docs/behaviour/app-service.md, Authentication V1): a site configured through `authsettingsV2` answers the V1 read
 * with `configVersion: "v2"` — the authV2 CLI extension's `is_auth_v2_app` reads exactly that field — and a site
 * with no authentication configured answers `enabled: false`, `configVersion: "v1"`. The V1 fields of a V2 site are
 * the inverse of the V1 → V2 table in src/arm/providers/web-auth-v1.ts [I] (docs/differences.md).
 */
export function authSettingsV1View(site: ResourceRecord, v2: ResourceRecord | undefined): ResourceRecord {
  const base = { id: `${site.id}/config/authsettings`, type: `${site.type}/config`, name: `${site.name}/authsettings`, ...(site.location ? { location: site.location } : {}) };
  if (!v2) return { ...base, properties: { enabled: false, configVersion: 'v1' } };
  let s;
  try {
    s = normalizeAuthSettings(v2.properties);
  } catch {
    // Stored settings the providers accepted always normalise; anything else shows as configured but unreadable.
    return { ...base, properties: { enabled: false, configVersion: 'v2' } };
  }
  const aad = s.identityProviders.azureActiveDirectory;
  const props: Record<string, unknown> = {
    enabled: s.platform.enabled,
    ...(s.platform.runtimeVersion !== undefined ? { runtimeVersion: s.platform.runtimeVersion } : {}),
    configVersion: 'v2',
    unauthenticatedClientAction: s.globalValidation.requireAuthentication ? s.globalValidation.unauthenticatedClientAction : 'AllowAnonymous',
    ...(s.globalValidation.redirectToProvider ? { defaultProvider: v1ProviderName(s.globalValidation.redirectToProvider) } : {}),
    tokenStoreEnabled: s.login.tokenStore.enabled,
    tokenRefreshExtensionHours: s.login.tokenStore.tokenRefreshExtensionHours,
    allowedExternalRedirectUrls: s.login.allowedExternalRedirectUrls.length > 0 ? s.login.allowedExternalRedirectUrls : null,
    isAuthFromFile: s.platform.configFilePath ? 'true' : 'false',
    ...(s.platform.configFilePath ? { authFilePath: s.platform.configFilePath } : {}),
  };
  if (aad?.enabled) {
    if (aad.registration.clientId !== undefined) props['clientId'] = aad.registration.clientId;
    if (aad.registration.clientSecretSettingName !== undefined) props['clientSecretSettingName'] = aad.registration.clientSecretSettingName;
    if (aad.registration.openIdIssuer !== undefined) props['issuer'] = aad.registration.openIdIssuer;
    props['allowedAudiences'] = aad.validation.allowedAudiences.length > 0 ? aad.validation.allowedAudiences : null;
    props['additionalLoginParams'] = aad.login.loginParameters.length > 0 ? aad.login.loginParameters : null;
  }
  return { ...base, properties: props };
}

/** V2's provider names are camel case (`azureActiveDirectory`); V1's `BuiltInAuthenticationProvider` enum is Pascal case. */
function v1ProviderName(v2: string): string {
  return v2.toLowerCase() === 'azureactivedirectory' ? 'AzureActiveDirectory' : v2.charAt(0).toUpperCase() + v2.slice(1);
}

/** A site's stored `config/authsettingsV2`, if a template or a PUT configured one. */
export function storedAuthSettingsV2(store: Store, siteId: string): ResourceRecord | undefined {
  return store.getResource(`${siteId}/config/authsettingsV2`);
}

/**
 * A classic `authsettings` write to a site that runs on auth V2: App Service refuses it with 400 and its own error
 * body (ExtendedCode 04534), as azure-cli issue #17837 and azure-docs issue #77932 record it.
 */
export function runningOnAuthV2(siteName: string): ArmHttpError {
  const message = `Cannot execute the request for site ${siteName} because the site is running on auth version v2.`;
  return new ArmHttpError(400, { code: 'BadRequest', message }, {}, {
    Code: 'BadRequest',
    Message: message,
    Target: null,
    Details: [
      { Message: message },
      { Code: 'BadRequest' },
      { ErrorEntity: { ExtendedCode: '04534', MessageTemplate: 'Cannot execute the request for site {0} because the site is running on auth version {1}.', Parameters: [siteName, 'v2'], Code: 'BadRequest', Message: message } },
    ],
    Innererror: null,
  });
}
