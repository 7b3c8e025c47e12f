/**
 * App Service keeps one authentication configuration per site, shown two ways: the classic `config/authsettings`
 * (V1, flat) and `config/authsettingsV2`. A template that deploys only V1 turns Easy Auth on just the same, so the
 * twin reads V1 as the V2 settings App Service derives from it (docs/behaviour/app-service.md, Authentication V1):
 *
 * | V1 | V2 |
 * |---|---|
 * | `enabled` | `platform.enabled` |
 * | `runtimeVersion` | `platform.runtimeVersion` |
 * | `unauthenticatedClientAction` (`RedirectToLoginPage`, `AllowAnonymous`) | `globalValidation.unauthenticatedClientAction`, `requireAuthentication` (false for AllowAnonymous) |
 * | `defaultProvider` | `globalValidation.redirectToProvider` |
 * | `tokenStoreEnabled`, `tokenRefreshExtensionHours` | `login.tokenStore.enabled`, `.tokenRefreshExtensionHours` |
 * | `allowedExternalRedirectUrls` | `login.allowedExternalRedirectUrls` |
 * | `clientId`, `clientSecretSettingName`, `issuer` | `identityProviders.azureActiveDirectory.registration.{clientId, clientSecretSettingName, openIdIssuer}` (enabled when `clientId` is set) |
 * | `allowedAudiences` | `identityProviders.azureActiveDirectory.validation.allowedAudiences` |
 * | `additionalLoginParams` | `identityProviders.azureActiveDirectory.login.loginParameters` |
 */
export function authSettingsV1ToV2(v1: Record<string, unknown>): Record<string, unknown> {
  const get = (k: string): unknown => {
    const hit = Object.keys(v1).find((key) => key.toLowerCase() === k.toLowerCase());
    return hit === undefined ? undefined : v1[hit];
  };
  const set = (o: Record<string, unknown>, k: string, v: unknown) => {
    if (v !== undefined && v !== null) o[k] = v;
  };
  const platform: Record<string, unknown> = {};
  set(platform, 'enabled', get('enabled') ?? false);
  set(platform, 'runtimeVersion', get('runtimeVersion'));

  const globalValidation: Record<string, unknown> = {};
  const action = get('unauthenticatedClientAction');
  if (action !== undefined && action !== null) {
    set(globalValidation, 'unauthenticatedClientAction', action);
    set(globalValidation, 'requireAuthentication', typeof action === 'string' ? action.toLowerCase() !== 'allowanonymous' : undefined);
  }
  const provider = get('defaultProvider');
  set(globalValidation, 'redirectToProvider', typeof provider === 'string' ? provider.charAt(0).toLowerCase() + provider.slice(1) : provider);

  const login: Record<string, unknown> = {};
  const tokenStore: Record<string, unknown> = {};
  set(tokenStore, 'enabled', get('tokenStoreEnabled'));
  set(tokenStore, 'tokenRefreshExtensionHours', get('tokenRefreshExtensionHours'));
  if (Object.keys(tokenStore).length > 0) login['tokenStore'] = tokenStore;
  set(login, 'allowedExternalRedirectUrls', get('allowedExternalRedirectUrls'));

  const registration: Record<string, unknown> = {};
  set(registration, 'clientId', get('clientId'));
  set(registration, 'clientSecretSettingName', get('clientSecretSettingName'));
  set(registration, 'openIdIssuer', get('issuer'));
  const aad: Record<string, unknown> = {};
  if (Object.keys(registration).length > 0) {
    aad['enabled'] = typeof registration['clientId'] === 'string' && registration['clientId'] !== '';
    aad['registration'] = registration;
  }
  const audiences = get('allowedAudiences');
  if (audiences !== undefined && audiences !== null) aad['validation'] = { allowedAudiences: audiences };
  const params = get('additionalLoginParams');
  if (params !== undefined && params !== null) aad['login'] = { loginParameters: params };

  return {
    platform,
    globalValidation,
    ...(Object.keys(aad).length > 0 ? { identityProviders: { azureActiveDirectory: aad } } : {}),
    ...(Object.keys(login).length > 0 ? { login } : {}),
  };
}

/** Twin-only `listResults` key of an `authsettings` (V1) record: the V2 settings the site serves from it. */
export const V1_AS_V2 = 'twin/authsettingsv2';
