import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';

// The Storage resource provider creates `{blob,file,queue,table}Services/default` with every account, so a template
// deploys a share, a container, a queue or a table under `default` without declaring the service (the quickstarts
// function-app-storage-private-endpoints, function-app-private-endpoints-storage-private-endpoints, function-premium-frontdoor).
const ACCOUNT = `${RG}/providers/Microsoft.Storage/storageAccounts/stfunc`;
const account = { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: 'stfunc', location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' }, properties: {} };
const children = [
  { type: 'Microsoft.Storage/storageAccounts/fileServices/shares', apiVersion: '2022-09-01', name: 'stfunc/default/content', dependsOn: ['stfunc'], properties: { shareQuota: 5120 } },
  { type: 'Microsoft.Storage/storageAccounts/blobServices/containers', apiVersion: '2022-09-01', name: 'stfunc/default/deployments', dependsOn: ['stfunc'], properties: {} },
  { type: 'Microsoft.Storage/storageAccounts/queueServices/queues', apiVersion: '2022-09-01', name: 'stfunc/default/jobs', dependsOn: ['stfunc'], properties: {} },
  { type: 'Microsoft.Storage/storageAccounts/tableServices/tables', apiVersion: '2022-09-01', name: 'stfunc/default/runs', dependsOn: ['stfunc'], properties: {} },
];

describe("deploy: a storage account's default services exist with it", () => {
  it('a share, a container, a queue and a table deploy under services the template does not declare', () => {
    const { store, options } = setup();
    const result = deploy({ deploymentName: 'd', template: { resources: [account, ...children] } }, options);
    expect(result.resources.map((id) => id.slice(ACCOUNT.length))).toEqual(['', '/fileServices/default/shares/content', '/blobServices/default/containers/deployments', '/queueServices/default/queues/jobs', '/tableServices/default/tables/runs']);
    expect(store.getResource(`${ACCOUNT}/fileServices/default/shares/content`)!.properties).toEqual({ shareQuota: 5120 });
  });

  it('an account deployed earlier holds them too', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'account', template: { resources: [account] } }, options);
    deploy({ deploymentName: 'children', template: { resources: children.map(({ dependsOn: _d, ...c }) => c) } }, options);
    expect(store.getResource(`${ACCOUNT}/queueServices/default/queues/jobs`)).toBeDefined();
  });

  it('without the account, the parent is missing as before', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'd', template: { resources: [children[0]!].map(({ dependsOn: _d, ...c }) => c) } }, options)).toThrow(
      `The parent resource '${ACCOUNT}/fileServices/default' of the template resource 'Microsoft.Storage/storageAccounts/fileServices/shares/stfunc/default/content' was not found.`,
    );
  });

  it('a service other than default is not implied', () => {
    const { options } = setup();
    const share = { type: 'Microsoft.Storage/storageAccounts/fileServices/shares', apiVersion: '2022-09-01', name: 'stfunc/other/content', dependsOn: ['stfunc'], properties: {} };
    expect(() => deploy({ deploymentName: 'd', template: { resources: [account, share] } }, options)).toThrow(`The parent resource '${ACCOUNT}/fileServices/other'`);
  });
});

describe('deploy: other children a resource provider creates with their parent', () => {
  it("a consumer group of an IoT hub's built-in events endpoint", () => {
    const { store, options } = setup();
    const template = {
      resources: [
        { type: 'Microsoft.Devices/IotHubs', apiVersion: '2021-07-02', name: 'hub1', location: 'westeurope', sku: { name: 'S1', capacity: 1 }, properties: {} },
        { type: 'Microsoft.Devices/IotHubs/eventhubEndpoints/ConsumerGroups', apiVersion: '2021-07-02', name: 'hub1/events/tsi', dependsOn: ['hub1'], properties: { name: 'tsi' } },
      ],
    };
    deploy({ deploymentName: 'd', template }, options);
    expect(store.getResource(`${RG}/providers/Microsoft.Devices/IotHubs/hub1/eventhubEndpoints/events/ConsumerGroups/tsi`)).toBeDefined();
  });

  it("a protected VM in a vault's Azure fabric, its IaaS VM container registered by Azure Backup", () => {
    const { store, options } = setup();
    const container = 'iaasvmcontainer;iaasvmcontainerv2;rg-trustline;vm0';
    const template = {
      resources: [
        { type: 'Microsoft.RecoveryServices/vaults', apiVersion: '2023-01-01', name: 'rsv', location: 'westeurope', sku: { name: 'RS0', tier: 'Standard' }, properties: {} },
        {
          type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems',
          apiVersion: '2023-01-01',
          name: `rsv/Azure/${container}/vm;iaasvmcontainerv2;rg-trustline;vm0`,
          dependsOn: ['rsv'],
          properties: { protectedItemType: 'Microsoft.Compute/virtualMachines' },
        },
      ],
    };
    deploy({ deploymentName: 'd', template }, options);
    expect(store.getResource(`${RG}/providers/Microsoft.RecoveryServices/vaults/rsv/backupFabrics/Azure/protectionContainers/${container}/protectedItems/vm;iaasvmcontainerv2;rg-trustline;vm0`)).toBeDefined();
  });

  it('a storage container of a file share is not registered implicitly: the template declares it', () => {
    const { options } = setup();
    const template = {
      resources: [
        { type: 'Microsoft.RecoveryServices/vaults', apiVersion: '2023-01-01', name: 'rsv', location: 'westeurope', sku: { name: 'RS0', tier: 'Standard' }, properties: {} },
        { type: 'Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems', apiVersion: '2023-01-01', name: 'rsv/Azure/storagecontainer;Storage;rg;st1/azurefileshare;share1', dependsOn: ['rsv'], properties: {} },
      ],
    };
    expect(() => deploy({ deploymentName: 'd', template }, options)).toThrow(`The parent resource '${RG}/providers/Microsoft.RecoveryServices/vaults/rsv/backupFabrics/Azure/protectionContainers/storagecontainer;Storage;rg;st1'`);
  });
});
