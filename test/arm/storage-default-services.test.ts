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
