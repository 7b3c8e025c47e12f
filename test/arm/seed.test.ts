import { describe, it, expect } from 'vitest';
import { deploy, loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { RG, SCOPE, SEED_PARAMETERS, SEED_TEMPLATE, setup } from './helpers/seed.js';

const APP_CLIENT_ID = '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f';
const TENANT = '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69';
const SITE_ID = `${RG}/providers/Microsoft.Web/sites/trustline-func`;
const APIM_ID = `${RG}/providers/Microsoft.ApiManagement/service/trustline-apim`;

describe('seed template', () => {
  it('deploys and produces the expected records', () => {
    const { store, options, logger } = setup();
    const result = deploy({ deploymentName: 'seed', template: loadTemplateFile(SEED_TEMPLATE), parameters: loadParametersFile(SEED_PARAMETERS) }, options);

    expect(result.warnings).toEqual([]);
    expect(result.resources).toEqual([
      `${RG}/providers/Microsoft.Web/serverfarms/trustline-func-plan`,
      SITE_ID,
      `${SITE_ID}/config/authsettingsV2`,
      APIM_ID,
      `${APIM_ID}/apis/functions`,
      `${APIM_ID}/apis/functions/operations/hello`,
      `${APIM_ID}/apis/functions/policies/policy`,
    ]);

    const site = store.getResource(SITE_ID)!;
    expect(site.type).toBe('Microsoft.Web/sites');
    expect(site.kind).toBe('functionapp,linux');
    expect(site.location).toBe('westeurope');
    expect(site.properties['defaultHostName']).toBe('trustline-func.azurewebsites.net');
    expect(site.properties['enabledHostNames']).toEqual(['trustline-func.azurewebsites.net', 'trustline-func.scm.azurewebsites.net']);
    expect(site.properties['state']).toBe('Running');
    expect(site.properties['serverFarmId']).toBe(`${RG}/providers/Microsoft.Web/serverfarms/trustline-func-plan`);

    const auth = store.getResource(`${SITE_ID}/config/authsettingsV2`)!;
    expect(auth.name).toBe('trustline-func/authsettingsV2');
    expect(auth.type).toBe('Microsoft.Web/sites/config');
    expect(auth.apiVersion).toBe('2020-12-01');
    expect(auth.properties).toEqual({
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { openIdIssuer: `https://sts.windows.net/${TENANT}/`, clientId: APP_CLIENT_ID },
          isAutoProvisioned: false,
        },
      },
      login: { tokenStore: { enabled: true } },
      httpSettings: { requireHttps: true },
    });

    const apim = store.getResource(APIM_ID)!;
    expect(apim.properties).toEqual({
      publisherEmail: 'admin@contoso.com',
      publisherName: 'Contoso',
      gatewayUrl: 'https://trustline-apim.azure-api.net',
      hostnameConfigurations: [{ type: 'Proxy', hostName: 'trustline-apim.azure-api.net', negotiateClientCertificate: false, defaultSslBinding: true, certificateSource: 'BuiltIn' }],
    });
    expect(apim.identity).toEqual({
      type: 'SystemAssigned',
      principalId: '00000000-0000-4000-8000-000000000002',
      tenantId: SCOPE.tenantId,
      clientId: '00000000-0000-4000-8000-000000000003',
    });
    const mi = store.getDirectoryObject(apim.identity!.principalId!)!;
    expect(mi).toEqual({
      kind: 'managedIdentity',
      objectId: '00000000-0000-4000-8000-000000000002',
      appId: '00000000-0000-4000-8000-000000000003',
      displayName: 'trustline-apim',
      tenantId: SCOPE.tenantId,
      resourceId: APIM_ID,
    });

    const app = store.findDirectoryObjectByAppId(APP_CLIENT_ID)!;
    expect(app).toEqual({
      kind: 'application',
      appId: APP_CLIENT_ID,
      objectId: '00000000-0000-4000-8000-000000000001',
      identifierUris: [`api://${APP_CLIENT_ID}`],
      accessTokenAcceptedVersion: null,
      redirectUris: [
        'https://trustline-func.azurewebsites.net/.auth/login/aad/callback',
        'https://127.0.0.1/.auth/login/aad/callback',
        'https://localhost/.auth/login/aad/callback',
        'http://127.0.0.1/.auth/login/aad/callback',
        'http://localhost/.auth/login/aad/callback',
      ],
      displayName: 'trustline-func',
      tenantId: SCOPE.tenantId,
      // App Service's express set-up creates the service principal too; its id is derived from tenant and appId.
      servicePrincipalId: '2feafb92-2863-5297-bef1-27a631836fb6',
      origin: `auto-created for authsettingsV2 of ${SITE_ID}`,
    });
    expect(logger.lines.some((l) => l.startsWith('[info] created application registration for authsettingsV2'))).toBe(true);

    const api = store.getResource(`${APIM_ID}/apis/functions`)!;
    expect(api.properties).toEqual({
      displayName: 'Functions',
      path: 'functions',
      protocols: ['https'],
      serviceUrl: 'https://trustline-func.azurewebsites.net/api',
      subscriptionRequired: false,
    });
    const op = store.getResource(`${APIM_ID}/apis/functions/operations/hello`)!;
    expect(op.properties).toEqual({ displayName: 'hello', method: 'GET', urlTemplate: '/hello' });
    const policy = store.getResource(`${APIM_ID}/apis/functions/policies/policy`)!;
    expect(policy.properties['format']).toBe('rawxml');
    expect(policy.properties['value']).toContain(`<authentication-managed-identity resource="${APP_CLIENT_ID}" output-token-variable-name="msi-access-token" ignore-error="false" />`);
    expect((policy.properties['value'] as string).startsWith('<policies>\n  <inbound>\n    <base />\n')).toBe(true);

    expect(result.outputs).toEqual({
      functionUrl: { type: 'String', value: 'https://trustline-func.azurewebsites.net/api/hello' },
      gatewayUrl: { type: 'String', value: 'https://trustline-apim.azure-api.net/functions/hello' },
      apimPrincipalId: { type: 'String', value: '00000000-0000-4000-8000-000000000002' },
    });
  });
});
