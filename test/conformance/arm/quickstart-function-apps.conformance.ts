/**
 * The Function App quickstarts of the ARM corpus (quickstarts/microsoft.web) deploy strictly, with the keys and
 * connection strings wired as Azure wires them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, loadParametersFile, loadTemplateFile } from '../../../src/arm/index.js';
import { setup } from '../../arm/helpers/seed.js';
import { corpusDir } from '../corpus.js';

describe('quickstart Function App templates deploy', () => {
  const dir = join(corpusDir('arm-templates'), 'quickstarts', 'microsoft.web');
  const run = (name: string) => {
    const { store, options } = setup();
    const template = loadTemplateFile(join(dir, name, 'azuredeploy.json'));
    const parameters = loadParametersFile(join(dir, name, 'azuredeploy.parameters.json'));
    const result = deploy({ deploymentName: name, template, parameters }, options);
    return { store, result };
  };
  const accountKey = (store: ReturnType<typeof run>['store'], id: string) =>
    (store.getResource(id)!.listResults!['listkeys'] as { keys: Array<{ value: string }> }).keys[0]!.value;
  const appSettings = (store: ReturnType<typeof run>['store'], site: string) =>
    Object.fromEntries((store.getResource(site)!.properties['siteConfig'] as { appSettings: Array<{ name: string; value: string }> }).appSettings.map((s) => [s.name, s.value]));

  it('function-app-create-dynamic (strict)', () => {
    const { store, result } = run('function-app-create-dynamic');
    expect(result.warnings).toEqual([]);
    const types = result.resources.map((id) => store.getResource(id)!.type);
    expect(types).toEqual(['Microsoft.Storage/storageAccounts', 'Microsoft.Web/serverfarms', 'Microsoft.Insights/components', 'Microsoft.Web/sites']);
    const [account, , ai, site] = result.resources as [string, string, string, string];
    const name = account.split('/').pop()!;
    expect(name).toMatch(/^[a-z0-9]{13}azfunctions$/);
    const settings = appSettings(store, site);
    const conn = `DefaultEndpointsProtocol=https;AccountName=${name};EndpointSuffix=core.windows.net;AccountKey=${accountKey(store, account)}`;
    expect(settings['AzureWebJobsStorage']).toBe(conn);
    expect(settings['WEBSITE_CONTENTAZUREFILECONNECTIONSTRING']).toBe(conn);
    expect(settings['APPINSIGHTS_INSTRUMENTATIONKEY']).toBe(store.getResource(ai)!.properties['InstrumentationKey']);
    expect(store.getResource(ai)!.location).toBe('eastus');
  });

  it('function-app-linux-consumption (strict)', () => {
    const { store, result } = run('function-app-linux-consumption');
    expect(result.warnings).toEqual([]);
    const types = result.resources.map((id) => store.getResource(id)!.type);
    expect(types).toEqual(['Microsoft.Storage/storageAccounts', 'Microsoft.Web/serverfarms', 'Microsoft.Insights/components', 'Microsoft.Web/sites']);
    const [account, , ai, site] = result.resources as [string, string, string, string];
    const settings = appSettings(store, site);
    expect(settings['AzureWebJobsStorage']).toBe(`DefaultEndpointsProtocol=https;AccountName=${account.split('/').pop()};EndpointSuffix=core.windows.net;AccountKey=${accountKey(store, account)}`);
    expect(settings['APPINSIGHTS_INSTRUMENTATIONKEY']).toBe(store.getResource(ai)!.properties['InstrumentationKey']);
    expect(settings['WEBSITE_RUN_FROM_PACKAGE']).toBe('https://test.blob.core.windows.net/deployment/test.zip');
  });

  it('function-http-trigger (strict): the function key lands in the Key Vault secret', () => {
    const { store, result } = run('function-http-trigger');
    expect(result.warnings).toEqual([]);
    const byType = Object.fromEntries(result.resources.map((id) => [store.getResource(id)!.type, id]));
    expect(Object.keys(byType).sort()).toEqual([
      'Microsoft.Insights/components',
      'Microsoft.KeyVault/vaults',
      'Microsoft.KeyVault/vaults/secrets',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Storage/storageAccounts',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
      'Microsoft.Web/sites/functions',
    ]);
    const site = store.getResource(byType['Microsoft.Web/sites']!)!;
    const hostKeys = site.listResults!['host/default/listkeys'] as { functionKeys: { default: string } };
    const secret = store.getResource(byType['Microsoft.KeyVault/vaults/secrets']!)!;
    expect(secret.properties['value']).toBe(hostKeys.functionKeys.default);
    expect(result.outputs).toEqual({
      functionAppHostName: { type: 'String', value: `${site.name}.azurewebsites.net` },
      functionName: { type: 'String', value: 'MyHttpTriggeredFunction' },
    });
    expect(site.name).toMatch(/^fn-[a-z0-9]{13}$/);
  });
});
