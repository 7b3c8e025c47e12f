import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, SCOPE, setup } from './helpers/seed.js';

const P = `${RG}/providers`;
const ST = `${P}/Microsoft.Storage/storageAccounts`;
const NOW = '2026-11-29T12:00:00.000Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STORAGE_KEY = /^[A-Za-z0-9+/]{86}==$/;
const FUNCTION_KEY = /^[A-Za-z0-9_-]{54}==$/;

function err(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    const x = e as { code: string; message: string };
    return { code: x.code, message: x.message };
  }
  throw new Error('expected an error');
}

const storage = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'Microsoft.Storage/storageAccounts',
  apiVersion: '2022-09-01',
  name,
  location: 'westeurope',
  kind: 'StorageV2',
  sku: { name: 'Standard_LRS' },
  ...extra,
});

describe('Microsoft.Storage/storageAccounts', () => {
  it('stores endpoints and two 88-character keys, kept on redeploy; children stored plainly', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        storage('stfunc01', { properties: { supportsHttpsTrafficOnly: true } }),
        { type: 'Microsoft.Storage/storageAccounts/blobServices', apiVersion: '2022-09-01', name: 'stfunc01/default', dependsOn: ['stfunc01'], properties: {} },
        { type: 'Microsoft.Storage/storageAccounts/blobServices/containers', apiVersion: '2022-09-01', name: 'stfunc01/default/deploy', dependsOn: ['[resourceId(\'Microsoft.Storage/storageAccounts/blobServices\', \'stfunc01\', \'default\')]'], properties: { publicAccess: 'None' } },
        { type: 'Microsoft.Storage/storageAccounts/fileServices', apiVersion: '2022-09-01', name: 'stfunc01/default', dependsOn: ['stfunc01'], properties: {} },
        { type: 'Microsoft.Storage/storageAccounts/fileServices/shares', apiVersion: '2022-09-01', name: 'stfunc01/default/content', dependsOn: ["[resourceId('Microsoft.Storage/storageAccounts/fileServices', 'stfunc01', 'default')]"], properties: {} },
        { type: 'Microsoft.Storage/storageAccounts/queueServices', apiVersion: '2022-09-01', name: 'stfunc01/default', dependsOn: ['stfunc01'], properties: {} },
        { type: 'Microsoft.Storage/storageAccounts/tableServices', apiVersion: '2022-09-01', name: 'stfunc01/default', dependsOn: ['stfunc01'], properties: {} },
      ],
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.resources).toEqual([
      `${ST}/stfunc01`,
      `${ST}/stfunc01/blobServices/default`,
      `${ST}/stfunc01/blobServices/default/containers/deploy`,
      `${ST}/stfunc01/fileServices/default`,
      `${ST}/stfunc01/fileServices/default/shares/content`,
      `${ST}/stfunc01/queueServices/default`,
      `${ST}/stfunc01/tableServices/default`,
    ]);
    const account = store.getResource(`${ST}/stfunc01`)!;
    const keys = (account.listResults!['listkeys'] as { keys: Array<{ keyName: string; value: string; permissions: string; creationTime: string }> }).keys;
    expect(account).toEqual({
      id: `${ST}/stfunc01`,
      type: 'Microsoft.Storage/storageAccounts',
      name: 'stfunc01',
      apiVersion: '2022-09-01',
      location: 'westeurope',
      kind: 'StorageV2',
      sku: { name: 'Standard_LRS' },
      properties: {
        supportsHttpsTrafficOnly: true,
        provisioningState: 'Succeeded',
        primaryEndpoints: {
          dfs: 'https://stfunc01.dfs.core.windows.net/',
          web: 'https://stfunc01.z6.web.core.windows.net/',
          blob: 'https://stfunc01.blob.core.windows.net/',
          queue: 'https://stfunc01.queue.core.windows.net/',
          table: 'https://stfunc01.table.core.windows.net/',
          file: 'https://stfunc01.file.core.windows.net/',
        },
      },
      listResults: {
        listkeys: {
          keys: [
            { keyName: 'key1', value: keys[0]!.value, permissions: 'FULL', creationTime: NOW },
            { keyName: 'key2', value: keys[1]!.value, permissions: 'FULL', creationTime: NOW },
          ],
        },
      },
    });
    expect(keys[0]!.value).toMatch(STORAGE_KEY);
    expect(keys[1]!.value).toMatch(STORAGE_KEY);
    expect(keys[0]!.value).not.toBe(keys[1]!.value);
    expect(Buffer.from(keys[0]!.value, 'base64')).toHaveLength(64);
    expect(store.getResource(`${ST}/stfunc01/blobServices/default/containers/deploy`)).toEqual({
      id: `${ST}/stfunc01/blobServices/default/containers/deploy`,
      type: 'Microsoft.Storage/storageAccounts/blobServices/containers',
      name: 'stfunc01/default/deploy',
      apiVersion: '2022-09-01',
      properties: { publicAccess: 'None' },
    });

    deploy({ deploymentName: 'd2', template }, options);
    expect(store.getResource(`${ST}/stfunc01`)).toEqual(account);
  });

  it("validates the name with Azure's text, and requires kind and sku", () => {
    const { options } = setup();
    const one = (r: Record<string, unknown>) => err(() => deploy({ deploymentName: 'd', template: { resources: [r] } }, options));
    expect(one(storage('St-Func'))).toEqual({
      code: 'ERR_ARM_RESOURCE_INVALID',
      message: `The resource '${ST}/St-Func' is not valid: St-Func is not a valid storage account name. Storage account name must be between 3 and 24 characters in length and use numbers and lower-case letters only.`,
    });
    expect(one(storage('ab')).code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(one(storage('a'.repeat(25))).code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(one(storage('abc', { kind: undefined })).message).toBe(`The resource '${ST}/abc' is not valid: the property 'kind' is required.`);
    expect(one(storage('abc', { sku: undefined })).message).toBe(`The resource '${ST}/abc' is not valid: the property 'sku.name' is required.`);
  });

  it('listKeys(...).keys[0].value builds an AzureWebJobsStorage connection string (implicit dependency)', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        {
          type: 'Microsoft.Web/sites/config',
          apiVersion: '2022-09-01',
          name: 'fn/appsettings',
          dependsOn: ['fn'],
          properties: {
            AzureWebJobsStorage:
              "[concat('DefaultEndpointsProtocol=https;AccountName=stfunc;EndpointSuffix=', environment().suffixes.storage, ';AccountKey=', listKeys(resourceId('Microsoft.Storage/storageAccounts', 'stfunc'), '2022-09-01').keys[0].value)]",
          },
        },
        { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'fn', kind: 'functionapp', properties: {} },
        storage('stfunc'),
      ],
    };
    const r = deploy({ deploymentName: 'd', template }, options);
    expect(r.resources).toEqual([`${P}/Microsoft.Web/sites/fn`, `${ST}/stfunc`, `${P}/Microsoft.Web/sites/fn/config/appsettings`]);
    const key = (store.getResource(`${ST}/stfunc`)!.listResults!['listkeys'] as { keys: Array<{ value: string }> }).keys[0]!.value;
    expect(store.getResource(`${P}/Microsoft.Web/sites/fn/config/appsettings`)!.properties).toEqual({
      AzureWebJobsStorage: `DefaultEndpointsProtocol=https;AccountName=stfunc;EndpointSuffix=core.windows.net;AccountKey=${key}`,
    });
  });

  it('listFoo() on a storage account is ERR_ARM_LIST_UNSUPPORTED (loose: warning, null); a missing target is not found', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd0', template: { resources: [storage('stfunc')] } }, options);
    const template = {
      resources: [{ type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'p', properties: { a: "[listFoo(resourceId('Microsoft.Storage/storageAccounts', 'stfunc'), '2022-09-01')]", b: 'x' } }],
    };
    const e = err(() => deploy({ deploymentName: 'd', template }, options));
    const message = `The template function 'listFoo' is not supported by the twin for the resource type 'Microsoft.Storage/storageAccounts' ('${ST}/stfunc'): the twin has no result for the action 'listFoo' of this resource.`;
    expect(e).toEqual({ code: 'ERR_ARM_LIST_UNSUPPORTED', message: `The template resource 'Microsoft.Web/serverfarms/p' is not valid: ${message}` });
    const r = deploy({ deploymentName: 'd', template }, { ...options, loose: true });
    expect(r.warnings).toEqual([`${message} (loose mode: evaluated as null)`]);
    expect(store.getResource(`${P}/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ b: 'x' });

    const missing = err(() =>
      deploy({ deploymentName: 'd', template: { resources: [{ type: 'Microsoft.Web/serverfarms', name: 'q', properties: { a: "[listKeys(resourceId('Microsoft.Storage/storageAccounts', 'nope'), '2022-09-01')]" } }] } }, options),
    );
    expect(missing).toEqual({
      code: 'ERR_ARM_RESOURCE_NOT_FOUND',
      message: "The template resource 'Microsoft.Web/serverfarms/q' is not valid: The Resource 'Microsoft.Storage/storageAccounts/nope' under resource group 'rg-trustline' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    });
    const secure = err(() =>
      deploy({ deploymentName: 'd', template: { resources: [{ type: 'Microsoft.Web/serverfarms', name: 'q', properties: { a: "[listOutputsWithSecureValues('x', '2022-09-01')]" } }] } }, options),
    );
    // listOutputsWithSecureValues reads a deployment of the template; 'x' is none.
    expect(secure.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
  });

  it('list*() is not allowed where only deploy-time constants are', () => {
    const { options } = setup();
    const e = err(() => deploy({ deploymentName: 'd', template: { variables: { k: "[listKeys('x', '2022-09-01')]" }, resources: [{ type: 'Microsoft.Web/serverfarms', name: "[variables('k')]", properties: {} }] } }, options));
    expect(e.code).toBe('ERR_ARM_REFERENCE_NOT_ALLOWED');
    expect(e.message).toContain("The template function 'listKeys' is not expected at this location.");
  });
});

describe('Microsoft.Insights/components and Microsoft.OperationalInsights/workspaces', () => {
  it('Application Insights: InstrumentationKey, AppId, ConnectionString; kept on redeploy', () => {
    const { store, options } = setup();
    const template = { resources: [{ type: 'Microsoft.Insights/components', apiVersion: '2020-02-02', name: 'ai', location: 'East US', kind: 'web', properties: { Application_Type: 'web' } }] };
    deploy({ deploymentName: 'd', template }, options);
    const ai = store.getResource(`${P}/Microsoft.Insights/components/ai`)!;
    const key = ai.properties['InstrumentationKey'] as string;
    const appId = ai.properties['AppId'] as string;
    expect(key).toMatch(UUID);
    expect(appId).toMatch(UUID);
    expect(key).not.toBe(appId);
    expect(ai.properties).toEqual({
      Application_Type: 'web',
      ApplicationId: 'ai',
      AppId: appId,
      InstrumentationKey: key,
      ConnectionString: `InstrumentationKey=${key};IngestionEndpoint=https://eastus-0.in.applicationinsights.azure.com/;LiveEndpoint=https://eastus.livediagnostics.monitor.azure.com/;ApplicationId=${appId}`,
      provisioningState: 'Succeeded',
    });
    expect(ai.listResults).toBeUndefined();
    deploy({ deploymentName: 'd2', template }, options);
    expect(store.getResource(`${P}/Microsoft.Insights/components/ai`)).toEqual(ai);
  });

  it('Log Analytics: customerId and shared keys (listKeys), kept on redeploy', () => {
    const { store, options } = setup();
    const template = {
      resources: [
        { type: 'Microsoft.OperationalInsights/workspaces', apiVersion: '2022-10-01', name: 'ws', location: 'westeurope', properties: { retentionInDays: 30 } },
        { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'p', properties: { k: "[listKeys(resourceId('Microsoft.OperationalInsights/workspaces', 'ws'), '2022-10-01').primarySharedKey]" } },
      ],
    };
    deploy({ deploymentName: 'd', template }, options);
    const ws = store.getResource(`${P}/Microsoft.OperationalInsights/workspaces/ws`)!;
    const keys = ws.listResults!['sharedkeys'] as { primarySharedKey: string; secondarySharedKey: string };
    expect(keys.primarySharedKey).toMatch(STORAGE_KEY);
    expect(keys.secondarySharedKey).toMatch(STORAGE_KEY);
    expect(ws.properties).toEqual({ retentionInDays: 30, customerId: ws.properties['customerId'], provisioningState: 'Succeeded' });
    expect(ws.properties['customerId']).toMatch(UUID);
    expect(ws.listResults).toEqual({ sharedkeys: keys, listkeys: keys });
    expect(store.getResource(`${P}/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ k: keys.primarySharedKey });
    deploy({ deploymentName: 'd2', template }, options);
    expect(store.getResource(`${P}/Microsoft.OperationalInsights/workspaces/ws`)).toEqual(ws);
  });
});

describe('Microsoft.KeyVault/vaults', () => {
  const vault = (properties: Record<string, unknown>) => ({ type: 'Microsoft.KeyVault/vaults', apiVersion: '2019-09-01', name: 'kv1', location: 'westeurope', properties });

  it('requires tenantId and sku; adds vaultUri; secrets get secretUri(WithVersion), version kept while the value is', () => {
    const { store, options } = setup();
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [vault({ sku: { family: 'A', name: 'standard' } })] } }, options))).toEqual({
      code: 'ERR_ARM_RESOURCE_INVALID',
      message: `The resource '${P}/Microsoft.KeyVault/vaults/kv1' is not valid: the property 'properties.tenantId' is required.`,
    });
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [vault({ tenantId: SCOPE.tenantId })] } }, options)).message).toBe(
      `The resource '${P}/Microsoft.KeyVault/vaults/kv1' is not valid: the property 'properties.sku.name' is required.`,
    );
    const template = (value: string) => ({
      parameters: { v: { type: 'securestring', defaultValue: value } },
      resources: [
        vault({ tenantId: '[subscription().tenantId]', sku: { family: 'A', name: 'standard' }, accessPolicies: [] }),
        { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2019-09-01', name: 'kv1/s1', dependsOn: ['kv1'], properties: { value: "[parameters('v')]" } },
      ],
    });
    deploy({ deploymentName: 'd', template: template('hunter2') }, options);
    expect(store.getResource(`${P}/Microsoft.KeyVault/vaults/kv1`)!.properties).toEqual({
      tenantId: SCOPE.tenantId,
      sku: { family: 'A', name: 'standard' },
      accessPolicies: [],
      vaultUri: 'https://kv1.vault.azure.net/',
      provisioningState: 'Succeeded',
    });
    const secret = store.getResource(`${P}/Microsoft.KeyVault/vaults/kv1/secrets/s1`)!;
    const uri = secret.properties['secretUriWithVersion'] as string;
    expect(uri).toMatch(/^https:\/\/kv1\.vault\.azure\.net\/secrets\/s1\/[0-9a-f]{32}$/);
    expect(secret.properties).toEqual({ value: 'hunter2', secretUri: 'https://kv1.vault.azure.net/secrets/s1', secretUriWithVersion: uri });
    expect(JSON.stringify(store.getResource(`${RG}/providers/Microsoft.Resources/deployments/d`))).not.toContain('hunter2');

    deploy({ deploymentName: 'd', template: template('hunter2') }, options);
    expect(store.getResource(`${P}/Microsoft.KeyVault/vaults/kv1/secrets/s1`)!.properties['secretUriWithVersion']).toBe(uri);
    deploy({ deploymentName: 'd', template: template('changed') }, options);
    const next = store.getResource(`${P}/Microsoft.KeyVault/vaults/kv1/secrets/s1`)!.properties['secretUriWithVersion'] as string;
    expect(next).toMatch(/^https:\/\/kv1\.vault\.azure\.net\/secrets\/s1\/[0-9a-f]{32}$/);
    expect(next).not.toBe(uri);
  });
});

describe('Microsoft.ManagedIdentity/userAssignedIdentities', () => {
  const UAMI = `${P}/Microsoft.ManagedIdentity/userAssignedIdentities/id-app`;
  const template = {
    resources: [
      { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'id-app', location: 'westeurope' },
      {
        type: 'Microsoft.Web/sites',
        apiVersion: '2022-09-01',
        name: 'app',
        dependsOn: ['id-app'],
        identity: { type: 'UserAssigned', userAssignedIdentities: { "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-app')]": {} } },
        properties: {},
      },
    ],
  };

  it('principalId/clientId/tenantId, a directory object, kept on redeploy; filled into identity.userAssignedIdentities', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template }, options);
    const uami = store.getResource(UAMI)!;
    expect(uami).toEqual({
      id: UAMI,
      type: 'Microsoft.ManagedIdentity/userAssignedIdentities',
      name: 'id-app',
      apiVersion: '2023-01-31',
      location: 'westeurope',
      properties: { tenantId: SCOPE.tenantId, principalId: '00000000-0000-4000-8000-000000000001', clientId: '00000000-0000-4000-8000-000000000002' },
    });
    expect(store.listDirectoryObjects()).toEqual([
      {
        kind: 'managedIdentity',
        objectId: '00000000-0000-4000-8000-000000000001',
        appId: '00000000-0000-4000-8000-000000000002',
        resourceId: UAMI,
        tenantId: SCOPE.tenantId,
        displayName: 'id-app',
      },
    ]);
    expect(store.getResource(`${P}/Microsoft.Web/sites/app`)!.identity).toEqual({
      type: 'UserAssigned',
      userAssignedIdentities: { [UAMI]: { principalId: '00000000-0000-4000-8000-000000000001', clientId: '00000000-0000-4000-8000-000000000002' } },
    });
    deploy({ deploymentName: 'd2', template }, options);
    expect(store.getResource(UAMI)).toEqual(uami);
    expect(store.listDirectoryObjects()).toHaveLength(1);
  });

  it('a user-assigned identity that does not exist is an error (loose: warning, left empty)', () => {
    const { store, options } = setup();
    const only = { resources: [template.resources[1]!] };
    const site = `${P}/Microsoft.Web/sites/app`;
    expect(err(() => deploy({ deploymentName: 'd', template: { resources: [{ ...template.resources[1]!, dependsOn: [] }] } }, options))).toEqual({
      code: 'ERR_ARM_RESOURCE_INVALID',
      message: `The resource '${site}' is not valid: the user-assigned identity '${UAMI}' was not found.`,
    });
    const r = deploy({ deploymentName: 'd', template: { resources: [{ ...only.resources[0]!, dependsOn: [] }] } }, { ...options, loose: true });
    expect(r.warnings).toEqual([`The resource '${site}': the user-assigned identity '${UAMI}' was not found. (loose mode: left empty)`]);
    expect(store.getResource(site)!.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { [UAMI]: {} } });
  });
});

describe('Microsoft.Web/sites/functions and function keys', () => {
  it('sites/functions listKeys → {default}; host/default listKeys minted on first use and kept', () => {
    const { store, options } = setup();
    const SITE = `${P}/Microsoft.Web/sites/fn`;
    const template = {
      resources: [
        { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'fn', kind: 'functionapp', properties: {} },
        { type: 'Microsoft.Web/sites/functions', apiVersion: '2022-09-01', name: 'fn/hello', dependsOn: ['fn'], properties: { config: { bindings: [] } } },
        {
          type: 'Microsoft.Web/serverfarms',
          apiVersion: '2022-09-01',
          name: 'p',
          dependsOn: ['fn/hello'],
          properties: {
            fnKey: "[listKeys(resourceId('Microsoft.Web/sites/functions', 'fn', 'hello'), '2022-09-01').default]",
            hostKey: "[listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', 'fn')), '2022-09-01').functionKeys.default]",
          },
        },
      ],
    };
    deploy({ deploymentName: 'd', template }, options);
    const fn = store.getResource(`${SITE}/functions/hello`)!;
    expect(fn).toEqual({
      id: `${SITE}/functions/hello`,
      type: 'Microsoft.Web/sites/functions',
      name: 'fn/hello',
      apiVersion: '2022-09-01',
      properties: { config: { bindings: [] } },
      listResults: { listkeys: { default: (fn.listResults!['listkeys'] as { default: string }).default } },
    });
    const fnKey = (fn.listResults!['listkeys'] as { default: string }).default;
    expect(fnKey).toMatch(FUNCTION_KEY);
    const host = store.getResource(SITE)!.listResults!['host/default/listkeys'] as { masterKey: string; functionKeys: { default: string }; systemKeys: object };
    expect(host).toEqual({ masterKey: host.masterKey, functionKeys: { default: host.functionKeys.default }, systemKeys: {} });
    expect(host.masterKey).toMatch(FUNCTION_KEY);
    expect(host.functionKeys.default).toMatch(FUNCTION_KEY);
    expect(store.getResource(`${P}/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ fnKey, hostKey: host.functionKeys.default });

    deploy({ deploymentName: 'd2', template }, options);
    expect(store.getResource(`${SITE}/functions/hello`)).toEqual(fn);
    expect(store.getResource(SITE)!.listResults).toEqual({ 'host/default/listkeys': host });
    expect(store.getResource(`${P}/Microsoft.Web/serverfarms/p`)!.properties).toEqual({ fnKey, hostKey: host.functionKeys.default });
  });

  it('a site that is not a function app has no host keys', () => {
    const { options } = setup();
    const template = {
      resources: [
        { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'web', kind: 'app', properties: {} },
        { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'p', dependsOn: ['web'], properties: { k: "[listKeys(format('{0}/host/default', resourceId('Microsoft.Web/sites', 'web')), '2022-09-01')]" } },
      ],
    };
    expect(err(() => deploy({ deploymentName: 'd', template }, options))).toEqual({
      code: 'ERR_ARM_LIST_UNSUPPORTED',
      message: `The template resource 'Microsoft.Web/serverfarms/p' is not valid: The template function 'listKeys' is not supported by the twin for the resource type 'Microsoft.Web/sites/host' ('${P}/Microsoft.Web/sites/web/host/default'): the twin has no result for the action 'listKeys' of this resource.`,
    });
  });
});
