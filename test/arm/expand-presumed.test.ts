/**
 * Expansion of templates that read what they do not deploy (docs/differences.md, "Expansion: resources the
 * template does not deploy"), and the computed read-only properties of stored types that templates read back.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, expandTemplate } from '../../src/arm/index.js';
import { setup } from './helpers/seed.js';
import { placeholderValue, SeededValues } from '../../src/arm/template/fill.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' };
const RG = `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expand(resources: unknown[], outputs: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-presumed-'));
  const file = join(dir, 'azuredeploy.json');
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources,
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { type: v.startsWith('[contains(') ? 'bool' : 'string', value: v }])),
  };
  writeFileSync(file, JSON.stringify(template, null, 2));
  return expandTemplate({ templateFile: file, scope: SCOPE });
}

const ext = (type: string, name: string) => `resourceId('${type}', '${name}')`;

describe('expand: resources the template reads without deploying them', () => {
  it('a storage account of another resource group: endpoints, listKeys in both api-version shapes, account SAS', () => {
    const sa = "resourceId('other-rg', 'Microsoft.Storage/storageAccounts', 'extsa')";
    const r = expand([], {
      blob: `[reference(${sa}, '2021-04-01').primaryEndpoints.blob]`,
      old: `[listKeys(${sa}, '2015-06-15').key1]`,
      now: `[listKeys(${sa}, '2021-04-01').keys[0].value]`,
      sas: `[listAccountSas(${sa}, '2021-04-01', createObject('signedServices', 'b')).accountSasToken]`,
    });
    expect(r.outputs['blob']).toBe('https://extsa.blob.core.windows.net/');
    expect(r.outputs['old']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(r.outputs['now']).toBe(r.outputs['old']);
    expect(r.outputs['sas']).toMatch(/^sv=.*&sig=/);
    expect(r.warnings.some((w) => w.includes("'/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/other-rg/providers/Microsoft.Storage/storageAccounts/extsa' is neither in the template nor in the twin"))).toBe(true);
  });

  it('a target written as Namespace/type/name is a resource of the deployment resource group', () => {
    const r = expand([], { blob: "[reference('Microsoft.Storage/storageAccounts/relsa', '2015-06-15').primaryEndpoints.blob]" });
    expect(r.outputs['blob']).toBe('https://relsa.blob.core.windows.net/');
  });

  it("an Arc-enabled server has a system-assigned identity; a user-assigned identity its principal and client ids; a vault its URI", () => {
    const r = expand([], {
      arc: "[reference('/subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/host1', '2023-10-03-preview', 'full').identity.principalId]",
      mi: `[reference(${ext('Microsoft.ManagedIdentity/userAssignedIdentities', 'id1')}, '2018-11-30').principalId]`,
      vault: `[reference(${ext('Microsoft.KeyVault/vaults', 'kv1')}, '2019-09-01').vaultUri]`,
      arcName: "[reference('/subscriptions/s/resourceGroups/g/providers/Microsoft.HybridCompute/machines/host1', '2022-12-27', 'Full').properties.displayName]",
      sqlTier: "[reference(resourceId('Microsoft.Sql/servers/databases', 'srv', 'db'), '2025-01-01', 'full').sku.tier]",
    });
    expect(r.outputs['arc']).toMatch(GUID);
    expect(r.outputs['arcName']).toBe('host1');
    expect(r.outputs['sqlTier']).toBe('GeneralPurpose');
    expect(r.outputs['mi']).toMatch(GUID);
    expect(r.outputs['vault']).toBe('https://kv1.vault.azure.net/');
  });

  it('a function and a Logic Apps trigger deployed elsewhere answer listSecrets / listCallbackUrl', () => {
    const r = expand([], {
      fn: "[listSecrets(resourceId('Microsoft.Web/sites/functions', 'app1', 'Hello'), '2020-06-01').trigger_url]",
      cb: "[listCallbackUrl(resourceId('Microsoft.Logic/workflows/triggers', 'flow', 'manual'), '2019-05-01').value]",
    });
    expect(r.outputs['fn']).toMatch(/^https:\/\/app1\.azurewebsites\.net\/api\/Hello\?code=[A-Za-z0-9]+$/);
    expect(r.outputs['cb']).toMatch(/^https:\/\/prod-00\.westeurope\.logic\.azure\.com:443\/workflows\/[0-9a-f]{32}\/triggers\/manual\/paths\/invoke\?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1\.0&sig=/);
  });

  it("a site's publishing credentials, a static web app's deployment token, Notification Hubs / Relay / Web PubSub / geo-recovery alias keys", () => {
    const r = expand(
      [
        { type: 'Microsoft.Web/sites', apiVersion: '2022-03-01', name: 'app1', location: 'westeurope', kind: 'functionapp', properties: {} },
        { type: 'Microsoft.Web/sites/slots', apiVersion: '2022-03-01', name: 'app1/staging', location: 'westeurope', properties: {}, dependsOn: ['app1'] },
      ],
      {
        user: "[list(resourceId('Microsoft.Web/sites/config', 'app1', 'publishingcredentials'), '2022-03-01').properties.publishingUserName]",
        scm: "[list(concat(resourceId('Microsoft.Web/sites', 'app1'), '/config/publishingcredentials'), '2022-03-01').properties.scmUri]",
        slot: "[list(resourceId('Microsoft.Web/sites/slots/config', 'app1', 'staging', 'publishingcredentials'), '2022-03-01').properties.publishingUserName]",
        swa: "[listSecrets(resourceId('Microsoft.Web/staticSites', 'swa1'), '2022-03-01').properties.apiKey]",
        hub: "[listKeys(resourceId('Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules', 'nhns', 'hub', 'DefaultFullSharedAccessSignature'), '2017-04-01').primaryConnectionString]",
        wcf: "[listKeys(resourceId('Microsoft.Relay/namespaces/wcfRelays/authorizationRules', 'relay', 'svc', 'send'), '2021-11-01').primaryKey]",
        wps: "[listKeys(resourceId('Microsoft.SignalRService/webPubSub', 'pubsub'), '2021-10-01').primaryConnectionString]",
        alias: "[listKeys(resourceId('Microsoft.ServiceBus/namespaces/disasterRecoveryConfigs/authorizationRules', 'sbns', 'sbalias', 'RootManageSharedAccessKey'), '2021-11-01').aliasPrimaryConnectionString]",
      },
    );
    expect(r.outputs['user']).toBe('$app1');
    expect(r.outputs['scm']).toMatch(/^https:\/\/\$app1:[0-9a-f]{60}@app1\.scm\.azurewebsites\.net$/);
    expect(r.outputs['slot']).toBe('$app1__staging');
    expect(r.outputs['swa']).toMatch(/^[0-9a-f]{64}$/);
    expect(r.outputs['hub']).toMatch(/^Endpoint=sb:\/\/nhns\.servicebus\.windows\.net\/;SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey=[^;]+$/);
    expect(typeof r.outputs['wcf']).toBe('string');
    expect(r.outputs['wps']).toMatch(/^Endpoint=https:\/\/pubsub\.webpubsub\.azure\.com;AccessKey=[^;]+;Version=1\.0;$/);
    expect(r.outputs['alias']).toMatch(/^Endpoint=sb:\/\/sbalias\.servicebus\.windows\.net\/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=[^;]+$/);
  });

  it("arm trap 10a: reference() of a Key Vault secret has no value (write-only: the provider's GET never answers it), as in Azure", () => {
    const vault = { type: 'Microsoft.KeyVault/vaults', apiVersion: '2022-07-01', name: 'kv1', location: 'westeurope', properties: { tenantId: SCOPE.tenantId, sku: { family: 'A', name: 'standard' }, accessPolicies: [] } };
    const secret = { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2022-07-01', name: 'kv1/s1', properties: { value: 'hunter2', contentType: 'text/plain' }, dependsOn: ['kv1'] };
    const r = expand([vault, secret], {
      uri: "[reference(resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 's1')).secretUri]",
      type: "[reference(resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 's1'), '2022-07-01', 'Full').properties.contentType]",
      has: "[contains(reference(resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 's1')), 'value')]",
    });
    expect(r.outputs['uri']).toBe('https://kv1.vault.azure.net/secrets/s1');
    expect(r.outputs['type']).toBe('text/plain');
    expect(r.outputs['has']).toBe(false);
    // The value itself is still what the secret resource deployed (the PUT body of the expansion keeps it).
    expect(r.resources.find((x) => x.type === 'Microsoft.KeyVault/vaults/secrets')?.properties).toMatchObject({ value: 'hunter2' });
    expect(() => expand([vault, secret], { v: "[reference(resourceId('Microsoft.KeyVault/vaults/secrets', 'kv1', 's1')).value]" })).toThrow(
      expect.objectContaining({ code: 'ERR_ARM_PROPERTY_NOT_FOUND', message: expect.stringContaining("property 'value' doesn't exist") }),
    );
  });

  it("an API Management service the template adds to (the parent it does not deploy, or 'existing') holds its tier's built-in objects", () => {
    const svc = `${RG}/providers/Microsoft.ApiManagement/service/apim1`;
    // The APIM DevOps resource kit's subscriptions template: a 2018-01-01 subscription to the built-in Starter product.
    const sub = { type: 'Microsoft.ApiManagement/service/subscriptions', apiVersion: '2018-01-01', name: 'apim1/53c765632095310385070001', properties: { productId: "[resourceId('Microsoft.ApiManagement/service/products', 'apim1', 'starter')]", displayName: 'Starter product subscription', state: 'active' } };
    const link = { type: 'Microsoft.ApiManagement/service/products/apis', apiVersion: '2022-08-01', name: 'apim1/unlimited/echo-api', properties: {} };
    const r = expand([sub, link], {
      master: "[listSecrets(resourceId('Microsoft.ApiManagement/service/subscriptions', 'apim1', 'master'), '2022-08-01').primaryKey]",
      starter: "[reference(resourceId('Microsoft.ApiManagement/service/products', 'apim1', 'starter'), '2022-08-01').displayName]",
      tier: "[reference(resourceId('Microsoft.ApiManagement/service', 'apim1'), '2022-08-01', 'Full').sku.name]",
    });
    expect(r.warnings.filter((w) => w.includes('rejects'))).toEqual([]);
    expect(r.warnings).toContain(`expand: the resource '${svc}' is neither in the template nor in the twin; the child 'Microsoft.ApiManagement/service/subscriptions/apim1/53c765632095310385070001' answers it with an empty body and the read-only properties its resource provider computes`);
    expect(r.outputs).toMatchObject({ starter: 'Starter', tier: 'Developer' });
    expect(r.outputs['master']).toMatch(/^[0-9a-f]{32}$/);
    expect(r.resources.find((x) => x.type === 'Microsoft.ApiManagement/service/subscriptions')?.properties).toMatchObject({ productId: `${svc}/products/starter` });

    // languageVersion 2.0: the service declared `existing`, a child subscription to Unlimited and a policy for Starter.
    const dir = mkdtempSync(join(tmpdir(), 'trustline-presumed-apim-'));
    const file = join(dir, 'main.json');
    writeFileSync(file, JSON.stringify({
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', languageVersion: '2.0', contentVersion: '1.0.0.0',
      resources: {
        apim: { existing: true, type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'apim2' },
        sub: { type: 'Microsoft.ApiManagement/service/subscriptions', apiVersion: '2022-08-01', name: 'apim2/team-a', properties: { scope: "[format('{0}/products/unlimited', resourceId('Microsoft.ApiManagement/service', 'apim2'))]", displayName: 'Team A' }, dependsOn: ['apim'] },
      },
      outputs: { users: { type: 'string', value: "[reference(resourceId('Microsoft.ApiManagement/service/users', 'apim2', '1'), '2022-08-01').firstName]" } },
    }));
    const v2 = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(v2.warnings.filter((w) => w.includes('rejects'))).toEqual([]);
    expect(v2.warnings.some((w) => w.includes("the existing resource '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim2' is not in the twin"))).toBe(true);
    expect(v2.outputs['users']).toBe('Administrator');
  });

  it('a subscription to a product that neither the template nor a presumed service holds is still refused', () => {
    const sub = { type: 'Microsoft.ApiManagement/service/subscriptions', apiVersion: '2022-08-01', name: 'apim3/s1', properties: { scope: "[resourceId('Microsoft.ApiManagement/service/products', 'apim3', 'gold')]", displayName: 'Gold' } };
    const r = expand([sub], {});
    expect(r.warnings.some((w) => w.includes("rejects") && w.includes("the product 'gold' does not exist in the service"))).toBe(true);
  });

  it('deploy (not expand) still answers ResourceNotFound for a resource that is not there', () => {
    const { options } = setup();
    const template = { resources: [], outputs: { x: { type: 'string', value: `[reference(${ext('Microsoft.Storage/storageAccounts', 'nope')}, '2021-04-01').primaryEndpoints.blob]` } } };
    expect(() => deploy({ deploymentName: 'd', template }, options)).toThrow(expect.objectContaining({ code: 'ERR_ARM_RESOURCE_NOT_FOUND' }));
  });
});

describe('expand: computed read-only properties of stored types', () => {
  it('a storage account the provider refuses (no kind) is stored as given with its endpoints', () => {
    const r = expand([{ type: 'Microsoft.Storage/storageAccounts', apiVersion: '2021-02-01', name: 'nokind', location: 'westeurope', sku: { name: 'Standard_LRS' } }], {
      blob: "[reference('nokind', '2021-02-01').primaryendpoints['blob']]",
    });
    expect(r.outputs['blob']).toBe('https://nokind.blob.core.windows.net/');
  });

  it('AKS add-on identities, Bastion DNS name, subscription alias id, Service Fabric endpoint, backend pool ids', () => {
    const r = expand(
      [
        { type: 'Microsoft.ContainerService/managedClusters', apiVersion: '2024-07-01', name: 'aks', location: 'westeurope', properties: { dnsPrefix: 'aks', addonProfiles: { ingressApplicationGateway: { enabled: true, config: {} }, omsagent: { enabled: false } } } },
        { type: 'Microsoft.Network/bastionHosts', apiVersion: '2024-01-01', name: 'bas', location: 'westeurope', properties: {} },
        { type: 'Microsoft.ServiceFabric/clusters', apiVersion: '2023-11-01-preview', name: 'sf', location: 'westeurope', properties: {} },
        { type: 'Microsoft.Network/loadBalancers', apiVersion: '2023-04-01', name: 'lb', location: 'westeurope', properties: { backendAddressPools: [{ name: 'pool' }] } },
        { type: 'Microsoft.Web/certificates', apiVersion: '2022-03-01', name: 'cert', location: 'westeurope', properties: { keyVaultSecretName: 's' } },
      ],
      {
        agic: "[reference('aks').addonProfiles.ingressApplicationGateway.identity.objectId]",
        oms: "[contains(reference('aks').addonProfiles.omsagent, 'identity')]",
        bastion: "[reference('bas').dnsName]",
        sf: "[reference('sf').clusterEndpoint]",
        pool: "[reference('lb').backendAddressPools[0].id]",
        thumb: "[reference('cert').Thumbprint]",
      },
    );
    expect(r.outputs['agic']).toMatch(GUID);
    expect(r.outputs['oms']).toBe(false);
    expect(r.outputs['bastion']).toMatch(/^bst-[0-9a-f-]{36}\.bastion\.azure\.com$/);
    expect(r.outputs['sf']).toMatch(/^https:\/\/westeurope\.servicefabric\.azure\.com\/runtime\/clusters\/[0-9a-f-]{36}$/);
    expect(r.outputs['pool']).toBe(`${RG}/providers/Microsoft.Network/loadBalancers/lb/backendAddressPools/pool`);
    expect(r.outputs['thumb']).toMatch(/^[0-9A-F]{40}$/);
    // The expanded resources show what the template PUTs, never the computed values.
    const aks = r.resources.find((x) => x.type === 'Microsoft.ContainerService/managedClusters')!;
    expect(JSON.stringify(aks)).not.toContain('objectId');
  });

  it("a scale set instance's NIC has a private address; an Internal-VNet API Management service its private address", () => {
    const r = expand(
      [
        {
          type: 'Microsoft.ApiManagement/service',
          apiVersion: '2022-08-01',
          name: 'apim',
          location: 'westeurope',
          sku: { name: 'Developer', capacity: 1 },
          properties: { publisherEmail: 'a@contoso.com', publisherName: 'C', virtualNetworkType: 'Internal' },
        },
      ],
      {
        nic: "[reference(concat(resourceId('Microsoft.Compute/virtualMachineScaleSets', 'web'), '/virtualMachines/0/networkInterfaces/nic'), '2020-12-01').ipConfigurations[0].properties.privateIPAddress]",
        apim: "[reference('apim').privateIPAddresses[0]]",
      },
    );
    expect(r.outputs).toEqual({ nic: '10.0.0.4', apim: '10.0.0.4' });
  });

  it("a private endpoint's custom DNS configs, and the NIC it made with its private link connection properties", () => {
    const r = expand(
      [
        {
          type: 'Microsoft.Network/privateEndpoints',
          apiVersion: '2023-05-01',
          name: 'pe',
          location: 'westeurope',
          properties: { subnet: { id: 'x' }, privateLinkServiceConnections: [{ name: 'c', properties: { privateLinkServiceId: `${RG}/providers/Microsoft.Storage/storageAccounts/stacc`, groupIds: ['blob'] } }] },
        },
      ],
      {
        dns: "[reference('pe').customDnsConfigs[0].fqdn]",
        ip: "[first(reference('pe').customDnsConfigs[0].ipAddresses)]",
        nic: "[reference(reference('pe').networkInterfaces[0].id, '2023-05-01').ipConfigurations[0].properties.privateLinkConnectionProperties.fqdns[0]]",
      },
    );
    expect(r.outputs).toEqual({ dns: 'stacc.blob.core.windows.net', ip: '10.0.0.4', nic: 'stacc.blob.core.windows.net' });
  });

  it("a scale set instance's public IP: the scale set's domain name label and the instance index", () => {
    const pipConfig = { name: 'public', properties: { dnsSettings: { domainNameLabel: 'server-x' } } };
    const vmss = {
      type: 'Microsoft.Compute/virtualMachineScaleSets',
      apiVersion: '2017-03-30',
      name: 'server',
      location: 'westeurope',
      properties: { virtualMachineProfile: { networkProfile: { networkInterfaceConfigurations: [{ name: 'nic', properties: { ipConfigurations: [{ name: 'ipconfig', properties: { publicIPAddressConfiguration: pipConfig } }] } }] } } },
    };
    const r = expand([vmss], {
      fqdn: "[reference(concat(resourceId('Microsoft.Compute/virtualMachineScaleSets', 'server'), '/virtualMachines/2/networkInterfaces/nic/ipConfigurations/ipconfig/publicIPAddresses/public'), '2017-03-30').dnsSettings.fqdn]",
    });
    expect(r.outputs['fqdn']).toBe('server-x2.westeurope.cloudapp.azure.com');
  });

  it('a site answers hostNames and a twin inbound address', () => {
    const r = expand([{ type: 'Microsoft.Web/sites', apiVersion: '2022-03-01', name: 'web1', location: 'westeurope', properties: {} }], {
      host: "[reference('web1').hostNames[0]]",
      ip: "[reference('web1', '2020-12-01', 'Full').properties.inboundIpAddress]",
    });
    expect(r.outputs['host']).toBe('web1.azurewebsites.net');
    expect(r.outputs['ip']).toMatch(/^20\.\d+\.\d+\.\d+$/);
  });
});

describe('dependsOn by name and nested scope of languageVersion 2.0', () => {
  it('drops empty segments of a type/name and finds a top-level child by the last segment of its name', () => {
    const r = expand(
      [
        { type: 'Microsoft.Automation/automationAccounts', apiVersion: '2021-04-01', name: 'acct', location: 'westeurope', properties: {} },
        { type: 'Microsoft.Automation/automationAccounts/modules', apiVersion: '2021-04-01', name: 'acct/AzureRm.Profile', properties: {}, dependsOn: ['acct'] },
        { type: 'Microsoft.Automation/automationAccounts/modules', apiVersion: '2021-04-01', name: 'acct/AzureRm.Compute', properties: {}, dependsOn: ['AzureRm.Profile'] },
        { type: 'Microsoft.Automation/automationAccounts/modules', apiVersion: '2021-04-01', name: 'acct/Other', properties: {}, dependsOn: ["[concat('Microsoft.Automation/automationAccounts/', 'acct', '/modules/', '/AzureRm.Compute')]"] },
      ],
      {},
    );
    const byName = Object.fromEntries(r.resources.map((x) => [x.name, x.dependsOn]));
    expect(byName['acct/AzureRm.Compute']).toEqual([`${RG}/providers/Microsoft.Automation/automationAccounts/acct/modules/AzureRm.Profile`]);
    expect(byName['acct/Other']).toEqual([`${RG}/providers/Microsoft.Automation/automationAccounts/acct/modules/AzureRm.Compute`]);
  });

  it('an inline template without parameters or variables reads the parent scope; one that declares them runs inner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-scope-'));
    const file = join(dir, 'main.json');
    const nested = (name: string, template: object, parameters?: object) => ({ type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name, properties: { mode: 'Incremental', template, ...(parameters ? { parameters } : {}) } });
    writeFileSync(
      file,
      JSON.stringify({
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        languageVersion: '2.0',
        contentVersion: '1.0.0.0',
        parameters: { who: { type: 'string', defaultValue: 'parent' } },
        resources: {
          outer: nested('outer', { resources: [], outputs: { v: { type: 'string', value: "[parameters('who')]" } } }),
          inner: nested('inner', { parameters: { who: { type: 'string' } }, resources: [], outputs: { v: { type: 'string', value: "[parameters('who')]" } } }, { who: { value: 'child' } }),
        },
        outputs: { outer: { type: 'string', value: "[reference('outer').outputs.v.value]" }, inner: { type: 'string', value: "[reference('inner').outputs.v.value]" } },
      }),
    );
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs).toEqual({ outer: 'parent', inner: 'child' });
  });
});

describe('quickstart CI placeholders', () => {
  it('numbered subnet names differ (GEN-VNET-SUBNET1-NAME, GEN-VNET-SUBNET2-NAME)', () => {
    const ctx = { subscriptionId: 's', resourceGroup: 'rg', tenantId: 't', location: 'westeurope', values: new SeededValues(0) };
    expect(['GEN-VNET-SUBNET-NAME', 'GEN-VNET-SUBNET1-NAME', 'GEN-VNET-SUBNET2-NAME', 'GEN-VNET-SUBNET3-NAME'].map((t) => placeholderValue(t, ctx))).toEqual(['default', 'default', 'default2', 'default3']);
  });
});

describe("reference(…, 'Full')", () => {
  it("carries the reference fields Learn's full object shows", () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-full-'));
    const file = join(dir, 'main.json');
    writeFileSync(
      file,
      JSON.stringify({
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        contentVersion: '1.0.0.0',
        resources: [{ type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: 'stfull', location: 'westeurope', sku: { name: 'Standard_LRS' }, kind: 'StorageV2', properties: {} }],
        outputs: {
          full: { type: 'object', value: "[reference('stfull', '2016-12-01', 'Full')]" },
          other: { type: 'object', value: "[reference(resourceId('other', 'Microsoft.Storage/storageAccounts', 'ext'), '2016-12-01', 'Full')]" },
        },
      }),
    );
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs['full']).toMatchObject({
      subscriptionId: SCOPE.subscriptionId,
      resourceGroupName: 'rg',
      resourceId: 'Microsoft.Storage/storageAccounts/stfull',
      referenceApiVersion: '2016-12-01',
      condition: true,
      isConditionTrue: true,
      isTemplateResource: true,
      isAction: false,
      provisioningOperation: 'Read',
      kind: 'StorageV2',
    });
    expect(r.outputs['other']).toMatchObject({ resourceGroupName: 'other', isTemplateResource: false });
  });
});

describe('linked templates from an offline mirror (linkRoots)', () => {
  it('reads a templateLink.uri below the prefix from the folder, never outside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-mirror-'));
    const mirror = join(dir, 'mirror');
    mkdirSync(mirror);
    writeFileSync(join(mirror, 'child.json'), JSON.stringify({ parameters: { n: { type: 'string' } }, resources: [], outputs: { name: { type: 'string', value: "[concat(parameters('n'), '-w')]" } } }));
    writeFileSync(join(dir, 'secret.json'), JSON.stringify({ resources: [], outputs: {} }));
    const main = (uri: string) => {
      const file = join(dir, `main-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          resources: [{ type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'm', properties: { mode: 'Incremental', templateLink: { uri }, parameters: { n: { value: 'abc' } } } }],
          outputs: { child: { type: 'string', value: "[reference('m').outputs.name.value]" } },
        }),
      );
      return file;
    };
    const roots = [{ prefix: 'https://example.test/repo/', dir: mirror }];
    const linked = main('https://example.test/repo/child.json?sv=1');
    expect(() => expandTemplate({ templateFile: linked, scope: SCOPE })).toThrow(/the linked template 'https:\/\/example\.test\/repo\/child\.json\?sv=1' is not reachable/);
    expect(expandTemplate({ templateFile: linked, scope: SCOPE, linkRoots: roots }).outputs).toEqual({ child: 'abc-w' });
    const escape = main('https://example.test/repo/..%2Fsecret.json');
    expect(() => expandTemplate({ templateFile: escape, scope: SCOPE, linkRoots: roots })).toThrow(expect.objectContaining({ code: 'ERR_ARM_TEMPLATE_UNSUPPORTED' }));
  });
});

describe('expand: the read-only table (src/arm/providers/read-only-table.ts)', () => {
  const res = (type: string, name: string, extra: Record<string, unknown> = {}) => ({ type, apiVersion: '2024-01-01', name, location: 'westeurope', properties: {}, ...extra });

  it('host names from the documented patterns, placeholders filled from the resource', () => {
    const r = expand(
      [
        res('Microsoft.Cache/redisEnterprise', 'amr', { sku: { name: 'Balanced_B5' } }),
        res('Microsoft.Cache/redisEnterprise', 'ent', { sku: { name: 'Enterprise_E10' } }),
        res('Microsoft.Batch/batchAccounts', 'Batch1'),
        res('Microsoft.Communication/communicationServices', 'acs', { location: 'global', properties: { dataLocation: 'United States' } }),
        res('Microsoft.DevCenter/devcenters', 'dc'),
        res('Microsoft.DigitalTwins/digitalTwinsInstances', 'dt', { location: 'westcentralus' }),
        res('Microsoft.Synapse/workspaces', 'syn'),
        res('Microsoft.App/sessionPools', 'pool'),
        res('Microsoft.Cache/redis/linkedServers', 'primary/secondary'),
        res('Microsoft.Network/vpnGateways', 'vpngw', { properties: { bgpSettings: { asn: 65515 } } }),
      ],
      {
        amr: "[reference('amr').hostName]",
        ent: "[reference('ent').hostName]",
        batch: "[reference('Batch1').accountEndpoint]",
        acs: "[reference('acs').hostName]",
        dc: "[reference('dc').devCenterUri]",
        dt: "[reference('dt').hostName]",
        sql: "[reference('syn').connectivityEndpoints.sqlOnDemand]",
        web: "[reference('syn').connectivityEndpoints.web]",
        pool: "[reference('pool').poolManagementEndpoint]",
        geo: "[reference('primary/secondary').geoReplicatedPrimaryHostName]",
        bgp: "[reference('vpngw').bgpSettings.bgpPeeringAddress]",
        asn: "[string(reference('vpngw').bgpSettings.asn)]",
        vpnIp: "[reference('vpngw').ipConfigurations[0].publicIpAddress]",
      },
    );
    expect(r.outputs['amr']).toBe('amr.westeurope.redis.azure.net');
    expect(r.outputs['ent']).toBe('ent.westeurope.redisenterprise.cache.azure.net');
    expect(r.outputs['batch']).toBe('batch1.westeurope.batch.azure.com');
    expect(r.outputs['acs']).toBe('acs.unitedstates.communication.azure.com');
    expect(r.outputs['dc']).toBe(`https://${SCOPE.tenantId}-dc.westeurope.devcenter.azure.com/`);
    expect(r.outputs['dt']).toBe('dt.api.wcus.digitaltwins.azure.net');
    expect(r.outputs['sql']).toBe('syn-ondemand.sql.azuresynapse.net');
    expect(r.outputs['web']).toBe(`https://web.azuresynapse.net?workspace=%2fsubscriptions%2f${SCOPE.subscriptionId}%2fresourceGroups%2frg%2fproviders%2fMicrosoft.Synapse%2fworkspaces%2fsyn`);
    expect(r.outputs['pool']).toBe(`https://westeurope.dynamicsessions.io/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg/sessionPools/pool`);
    expect(r.outputs['geo']).toBe('primary.geo.redis.cache.windows.net');
    expect(r.outputs['bgp']).toBe('10.0.0.12,10.0.0.13');
    // A value the template sets is kept; the table fills the rest of the object.
    expect(r.outputs['asn']).toBe('65515');
    expect(r.outputs['vpnIp']).toMatch(/^20\.\d+\.\d+\.\d+$/);
  });

  it('ids, endpoints and addresses that templates of common types read back', () => {
    const r = expand(
      [
        res('Microsoft.ContainerService/managedClusters', 'aks', { properties: { dnsPrefix: 'aks', oidcIssuerProfile: { enabled: true } } }),
        res('Microsoft.Devices/IotHubs', 'Hub1', { properties: { eventHubEndpoints: { events: { retentionTimeInDays: 1, partitionCount: 2 } } } }),
        res('Microsoft.Network/virtualHubs', 'hub'),
        res('Microsoft.Network/privateLinkServices', 'pls'),
        res('Microsoft.Network/publicIPPrefixes', 'prefix', { properties: { prefixLength: 30 } }),
        res('Microsoft.Compute/virtualMachines', 'vm'),
        res('Microsoft.Insights/dataCollectionRules', 'dcr'),
        res('Microsoft.Logic/workflows', 'flow'),
        res('Microsoft.HDInsight/clusters', 'Spark1'),
        res('Microsoft.Storage/storageAccounts/objectReplicationPolicies', 'dest/default', { properties: { sourceAccount: 'src', destinationAccount: 'dest', rules: [{ sourceContainer: 'a', destinationContainer: 'b' }] } }),
        res('Microsoft.Network/loadBalancers', 'ilb', { properties: { frontendIPConfigurations: [{ name: 'fe', properties: { subnet: { id: '/x' } } }, { name: 'fe2', properties: { subnet: { id: '/x' }, privateIPAddress: '10.1.2.3' } }] } }),
      ],
      {
        oidc: "[reference('aks').oidcIssuerProfile.issuerURL]",
        hubEndpoint: "[reference('Hub1').eventHubEndpoints.events.endpoint]",
        hubPath: "[reference('Hub1').eventHubEndpoints.events.path]",
        hubRetention: "[string(reference('Hub1').eventHubEndpoints.events.retentionTimeInDays)]",
        router: "[reference('hub').virtualRouterIps[0]]",
        alias: "[reference('pls').alias]",
        prefix: "[reference('prefix').ipPrefix]",
        vmId: "[reference('vm').vmId]",
        dcr: "[reference('dcr').immutableId]",
        flow: "[reference('flow').accessEndpoint]",
        ssh: "[reference('Spark1').connectivityEndpoints[0].location]",
        ilb: "[reference('ilb').frontendIPConfigurations[0].properties.privateIPAddress]",
        ilbSet: "[reference('ilb').frontendIPConfigurations[1].properties.privateIPAddress]",
        ruleId: "[reference('dest/default').rules[0].ruleId]",
        policyId: "[reference('dest/default').policyId]",
      },
    );
    expect(r.outputs['oidc']).toMatch(new RegExp(`^https://westeurope\\.oic\\.prod-aks\\.azure\\.com/${SCOPE.tenantId}/[0-9a-f-]{36}/$`));
    expect(r.outputs['hubEndpoint']).toMatch(/^sb:\/\/iothub-ns-hub1-[0-9a-f]{7}\.servicebus\.windows\.net\/$/);
    expect(r.outputs['hubPath']).toBe('hub1');
    expect(r.outputs['hubRetention']).toBe('1');
    expect(r.outputs['router']).toBe('10.0.0.68');
    expect(r.outputs['alias']).toMatch(/^pls\.[0-9a-f-]{36}\.westeurope\.azure\.privatelinkservice$/);
    expect(r.outputs['prefix']).toMatch(/^20\.\d+\.\d+\.0\/30$/);
    expect(r.outputs['vmId']).toMatch(GUID);
    expect(r.outputs['dcr']).toMatch(/^dcr-[0-9a-f]{32}$/);
    expect(r.outputs['flow']).toMatch(/^https:\/\/prod-00\.westeurope\.logic\.azure\.com:443\/workflows\/[0-9a-f]{32}$/);
    expect(r.outputs['ssh']).toBe('spark1-ssh.azurehdinsight.net');
    expect(r.outputs['ilb']).toBe('10.0.0.4');
    expect(r.outputs['ilbSet']).toBe('10.1.2.3');
    expect(r.outputs['ruleId']).toMatch(GUID);
    expect(r.outputs['policyId']).toMatch(GUID);
  });

  it('an existing parent is presumed with the SKU, kind and identity Azure always gives it', () => {
    const r = expand([], {
      kind: "[reference(resourceId('Microsoft.Storage/storageAccounts', 'sa'), '2025-01-01', 'full').kind]",
      sb: "[reference(resourceId('Microsoft.ServiceBus/namespaces', 'sb'), '2024-01-01', 'full').sku.name]",
      vault: "[reference(resourceId('Microsoft.DataProtection/backupVaults', 'bv'), '2024-04-01', 'full').identity.principalId]",
      ep: "[listKeys(resourceId('Microsoft.EventGrid/topics', 'egt'), '2025-02-15').key1]",
    });
    expect(r.outputs['kind']).toBe('StorageV2');
    expect(r.outputs['sb']).toBe('Standard');
    expect(r.outputs['vault']).toMatch(GUID);
    expect(r.outputs['ep']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
  });

  it("an API Management service shows its portal, management and Git host names (the Consumption tier its gateway only); a site its FTP user", () => {
    const apim = (name: string, sku: string) => ({ type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name, location: 'West Europe', sku: { name: sku, capacity: sku === 'Consumption' ? 0 : 1 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'C' } });
    const r = expand([apim('apim1', 'Developer'), apim('apim2', 'Consumption')], {
      portal: "[reference('apim1').portalUrl]",
      dev: "[reference('apim1').developerPortalUrl]",
      mgmt: "[reference('apim1').managementApiUrl]",
      scm: "[reference('apim1').scmUrl]",
      regional: "[reference('apim1').gatewayRegionalUrl]",
      consumption: "[string(contains(reference('apim2'), 'portalUrl'))]",
      ftp: "[reference(resourceId('Microsoft.Web/sites', 'app1'), '2020-06-01').ftpUsername]",
    });
    expect(r.outputs).toEqual({
      portal: 'https://apim1.portal.azure-api.net',
      dev: 'https://apim1.developer.azure-api.net',
      mgmt: 'https://apim1.management.azure-api.net',
      scm: 'https://apim1.scm.azure-api.net',
      regional: 'https://apim1-westeurope-01.regional.azure-api.net',
      consumption: 'False',
      ftp: 'app1\\$app1',
    });
  });

  it('an API Management service lists its built-in gateway host name first in hostnameConfigurations, then the custom ones', () => {
    const apim = (name: string, hosts?: unknown[]) => ({
      type: 'Microsoft.ApiManagement/service',
      apiVersion: '2021-08-01',
      name,
      location: 'westeurope',
      sku: { name: 'Developer', capacity: 1 },
      properties: { publisherEmail: 'a@contoso.com', publisherName: 'C', ...(hosts ? { hostnameConfigurations: hosts } : {}) },
    });
    const custom = { type: 'Proxy', hostName: 'api.contoso.com', certificateSource: 'Custom', defaultSslBinding: true, negotiateClientCertificate: false };
    const r = expand([apim('plain'), apim('custom', [custom])], {
      plain: "[string(reference('plain').hostnameConfigurations)]",
      first: "[reference('custom').hostnameConfigurations[0].hostName]",
      second: "[reference('custom').hostnameConfigurations[1].hostName]",
      builtInDefault: "[string(reference('custom').hostnameConfigurations[0].defaultSslBinding)]",
      presumed: "[reference(resourceId('other-rg', 'Microsoft.ApiManagement/service', 'ext1'), '2021-08-01').hostnameConfigurations[0].hostName]",
    });
    expect(JSON.parse(r.outputs['plain'] as string)).toEqual([{ type: 'Proxy', hostName: 'plain.azure-api.net', negotiateClientCertificate: false, defaultSslBinding: true, certificateSource: 'BuiltIn' }]);
    expect(r.outputs['first']).toBe('custom.azure-api.net');
    expect(r.outputs['second']).toBe('api.contoso.com');
    expect(r.outputs['builtInDefault']).toBe('False');
    expect(r.outputs['presumed']).toBe('ext1.azure-api.net');
  });
});
