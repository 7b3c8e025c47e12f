import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TwinError } from '../../src/core/index.js';
import { normalizeAuthSettings } from '../../src/easyauth/index.js';

const C = 'cccccccc-0000-0000-0000-0000000000f1';
const T = '11111111-2222-3333-4444-555555555555';

const flat = {
  platform: { enabled: true, runtimeVersion: '~1' },
  globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/api/health'] },
  identityProviders: {
    azureActiveDirectory: {
      registration: { clientId: C, openIdIssuer: `https://sts.windows.net/${T}/` },
      validation: {
        allowedAudiences: [`api://${C}`],
        defaultAuthorizationPolicy: { allowedApplications: ['m'], allowedPrincipals: { identities: ['o'] } },
        jwtClaimChecks: { allowedGroups: ['g'] },
      },
      login: { disableWWWAuthenticate: true },
    },
  },
  login: { tokenStore: { enabled: true } },
  httpSettings: { requireHttps: false, routes: { apiPrefix: '/.auth' } },
};

/** The 2020-06-01..2020-12-01 shape: every sub-object is `{kind, properties:{…}}`. */
const nested = {
  kind: 'authsettingsV2',
  properties: {
    platform: { kind: 'p', properties: { enabled: true, runtimeVersion: '~1' } },
    globalValidation: { properties: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: ['/api/health'] } },
    identityProviders: {
      properties: {
        azureActiveDirectory: {
          kind: 'x',
          properties: {
            registration: { properties: { clientId: C, openIdIssuer: `https://sts.windows.net/${T}/` } },
            validation: {
              properties: {
                allowedAudiences: [`api://${C}`],
                defaultAuthorizationPolicy: { properties: { allowedApplications: ['m'], allowedPrincipals: { properties: { identities: ['o'] } } } },
                jwtClaimChecks: { properties: { allowedGroups: ['g'] } },
              },
            },
            login: { properties: { disableWWWAuthenticate: true } },
          },
        },
      },
    },
    login: { properties: { tokenStore: { properties: { enabled: true } } } },
    httpSettings: { properties: { requireHttps: false, routes: { properties: { apiPrefix: '/.auth' } } } },
  },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof TwinError ? `${e.code} ${e.location?.jsonPath ?? ''}` : String(e);
  }
  return undefined;
}

describe('normalizeAuthSettings', () => {
  it('T46: the 2020-10-01 nested shape parses identically to the flat shape, and so does a whole ARM resource', () => {
    const a = normalizeAuthSettings(flat);
    expect(normalizeAuthSettings(nested)).toEqual(a);
    expect(normalizeAuthSettings({ type: 'Microsoft.Web/sites/config', name: 'fn/authsettingsV2', apiVersion: '2022-03-01', properties: flat })).toEqual(a);
    expect(normalizeAuthSettings({ properties: flat })).toEqual(a);
    expect(a.identityProviders.azureActiveDirectory?.validation.defaultAuthorizationPolicy.allowedPrincipals.identities).toEqual(['o']);
    expect(a.identityProviders.azureActiveDirectory?.login.disableWWWAuthenticate).toBe(true);
  });

  it('defaults: requireHttps true, apiPrefix /.auth, AAD enabled when missing, token store off, 72 h refresh', () => {
    const s = normalizeAuthSettings({ platform: { enabled: true }, identityProviders: { azureActiveDirectory: { registration: { clientId: C } } } });
    expect(s).toEqual({
      platform: { enabled: true },
      globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'RedirectToLoginPage', excludedPaths: [] },
      identityProviders: {
        others: [],
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: C },
          login: { loginParameters: [], disableWWWAuthenticate: false },
          validation: { allowedAudiences: [], jwtClaimChecks: {}, defaultAuthorizationPolicy: { allowedPrincipals: {} } },
        },
      },
      login: {
        routes: {},
        tokenStore: { enabled: false, tokenRefreshExtensionHours: 72 },
        preserveUrlFragmentsForLogins: false,
        allowedExternalRedirectUrls: [],
        cookieExpiration: { convention: 'FixedTime', timeToExpirationSeconds: 28800 },
        nonce: { validateNonce: true, nonceExpirationSeconds: 300 },
      },
      httpSettings: { requireHttps: true, routes: { apiPrefix: '/.auth' }, forwardProxy: { convention: 'NoProxy' } },
    });
    expect(normalizeAuthSettings({}).platform.enabled).toBe(false);
  });

  it('T47: enum aliases, case-insensitive', () => {
    const action = (v: string) => normalizeAuthSettings({ globalValidation: { unauthenticatedClientAction: v } }).globalValidation.unauthenticatedClientAction;
    expect(action('RejectWith401')).toBe('Return401');
    expect(action('return401')).toBe('Return401');
    expect(action('RejectWith403')).toBe('Return403');
    expect(action('REJECTWITH404')).toBe('Return404');
    expect(action('allowanonymous')).toBe('AllowAnonymous');
    expect(action('redirectToLoginPage')).toBe('RedirectToLoginPage');
    expect(normalizeAuthSettings({ httpSettings: { forwardProxy: { convention: 'standard' } } }).httpSettings.forwardProxy.convention).toBe('Standard');
  });

  it('keeps absent vs empty allow lists apart; other providers listed', () => {
    const s = normalizeAuthSettings({
      identityProviders: {
        azureActiveDirectory: { enabled: false, validation: { defaultAuthorizationPolicy: { allowedApplications: [] } } },
        gitHub: { enabled: true },
        customOpenIdConnectProviders: { myIdp: { enabled: true } },
      },
    });
    const aad = s.identityProviders.azureActiveDirectory!;
    expect(aad.enabled).toBe(false);
    expect(aad.validation.defaultAuthorizationPolicy.allowedApplications).toEqual([]);
    expect(aad.validation.jwtClaimChecks.allowedGroups).toBeUndefined();
    expect(s.identityProviders.others).toEqual(['gitHub', 'myIdp']);
  });

  it('validation errors are TwinError ERR_EASYAUTH_SETTINGS_* with the JSON path', () => {
    expect(codeOf(() => normalizeAuthSettings('x'))).toBe('ERR_EASYAUTH_SETTINGS_SHAPE $');
    expect(codeOf(() => normalizeAuthSettings({ globalValidation: { unauthenticatedClientAction: 'Return402' } }))).toBe(
      'ERR_EASYAUTH_SETTINGS_ENUM properties.globalValidation.unauthenticatedClientAction',
    );
    expect(codeOf(() => normalizeAuthSettings({ platform: { enabled: 'yes' } }))).toBe('ERR_EASYAUTH_SETTINGS_TYPE properties.platform.enabled');
    expect(codeOf(() => normalizeAuthSettings({ globalValidation: { excludedPaths: ['/a', 3] } }))).toBe(
      'ERR_EASYAUTH_SETTINGS_TYPE properties.globalValidation.excludedPaths[1]',
    );
    expect(codeOf(() => normalizeAuthSettings({ httpSettings: { routes: { apiPrefix: 'auth' } } }))).toBe(
      'ERR_EASYAUTH_SETTINGS_VALUE properties.httpSettings.routes.apiPrefix',
    );
    expect(codeOf(() => normalizeAuthSettings({ identityProviders: { azureActiveDirectory: [] } }))).toBe(
      'ERR_EASYAUTH_SETTINGS_TYPE properties.identityProviders.azureActiveDirectory',
    );
  });

  it('the seed template authsettingsV2 resource normalises (ARM expressions left as strings)', () => {
    const template = JSON.parse(readFileSync(new URL('../../examples/seed/azuredeploy.json', import.meta.url), 'utf8'));
    const res = template.resources.find((r: { name: string }) => String(r.name).includes('authsettingsV2'));
    const s = normalizeAuthSettings(res);
    expect(s.platform.enabled).toBe(true);
    expect(s.globalValidation).toEqual({ requireAuthentication: true, unauthenticatedClientAction: 'Return401', excludedPaths: [] });
    expect(s.login.tokenStore.enabled).toBe(true);
    expect(s.httpSettings.requireHttps).toBe(true);
    expect(s.identityProviders.azureActiveDirectory?.enabled).toBe(true);
    expect(s.identityProviders.azureActiveDirectory?.isAutoProvisioned).toBe(false);
  });
});
