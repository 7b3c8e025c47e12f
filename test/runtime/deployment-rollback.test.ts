import { describe, it, expect } from 'vitest';
import { TwinError } from '../../src/core/index.js';
import { openStore } from '../../src/state/index.js';
import { captureState, reconcileError, restoreState } from '../../src/runtime/deployment-rollback.js';

const RG = '/subscriptions/s/resourceGroups/rg/providers';

describe('deployment rollback (what the runtime cannot serve is undone)', () => {
  it('restoreState puts back changed and deleted records and removes added ones, resources and directory objects alike', () => {
    const store = openStore({ inMemory: true });
    store.transaction((tx) => {
      tx.putResource({ id: `${RG}/Microsoft.Web/sites/a`, type: 'Microsoft.Web/sites', name: 'a', properties: { v: 1 } });
      tx.putResource({ id: `${RG}/Microsoft.Web/sites/b`, type: 'Microsoft.Web/sites', name: 'b', properties: {} });
      tx.putDirectoryObject({ kind: 'managedIdentity', objectId: 'o1', appId: 'a1', displayName: 'a', tenantId: 't' });
    });
    const image = captureState(store);
    store.transaction((tx) => {
      tx.putResource({ id: `${RG}/Microsoft.Web/sites/a`, type: 'Microsoft.Web/sites', name: 'a', properties: { v: 2 } });
      tx.deleteResource(`${RG}/Microsoft.Web/sites/b`);
      tx.putResource({ id: `${RG}/Microsoft.Web/sites/c`, type: 'Microsoft.Web/sites', name: 'c', properties: {} });
      tx.deleteDirectoryObject('o1');
      tx.putDirectoryObject({ kind: 'managedIdentity', objectId: 'o2', appId: 'a2', displayName: 'c', tenantId: 't' });
    });
    restoreState(store, image);
    expect(captureState(store)).toEqual(image);
    store.close();
  });

  it('reconcileError names the resource and the cause with ERR_RUNTIME_RECONCILE (a DeploymentFailed detail on the wire)', () => {
    const e = reconcileError([{ resourceId: `${RG}/Microsoft.ApiManagement/service/x`, error: new TwinError('ERR_APIM_POLICY_ATTRIBUTE', 'bad code') }]);
    expect(e.code).toBe('ERR_RUNTIME_RECONCILE');
    expect(e.message).toBe(`The resource '${RG}/Microsoft.ApiManagement/service/x' cannot be served by the twin: ERR_APIM_POLICY_ATTRIBUTE: bad code`);
    expect(e.details).toEqual({ resourceId: `${RG}/Microsoft.ApiManagement/service/x`, failures: 1 });
  });
});
