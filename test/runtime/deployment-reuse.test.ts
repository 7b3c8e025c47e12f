import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/state/index.js';
import { recordDeployments, reusableDeployments } from '../../src/runtime/deployment-reuse.js';
import type { DeployInput, DeployResult } from '../../src/arm/index.js';

const scope = { subscriptionId: 's', resourceGroup: 'rg', location: 'westeurope', tenantId: 't' };
const template = (body: string) => ({ text: `{"$schema":"x","contentVersion":"1.0.0.0","resources":[],"outputs":{"o":{"type":"string","value":"${body}"}}}`, file: '/t/azuredeploy.json' });
const input = (body = 'a', parameters?: Record<string, unknown>): DeployInput => ({ deploymentName: 'azuredeploy-1', template: template(body), ...(parameters ? { parameters } : {}) });
const result: DeployResult = { resources: ['/x'], stored: [], outputs: { o: { type: 'String', value: 'a' } }, warnings: ['w'], expanded: [] };
const site = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app', type: 'Microsoft.Web/sites', name: 'app', properties: {} };

function recorded() {
  const store = openStore({ inMemory: true });
  store.transaction((tx) => tx.putResource(site));
  recordDeployments(store, [input()], [result], { scope });
  return store;
}

describe('start-up deployments that need not run again', () => {
  it('the same inputs over the state they left: the recorded results (without the expansion)', () => {
    const store = recorded();
    expect(reusableDeployments(store, [input()], { scope })).toEqual([{ resources: ['/x'], stored: [], outputs: result.outputs, warnings: ['w'] }]);
  });

  it('any change in a template, parameters, name, scope, option or the number of deployments: run again', () => {
    const store = recorded();
    expect(reusableDeployments(store, [input('b')], { scope })).toBeUndefined();
    expect(reusableDeployments(store, [input('a', { p: { value: 1 } })], { scope })).toBeUndefined();
    expect(reusableDeployments(store, [{ ...input(), deploymentName: 'other-1' }], { scope })).toBeUndefined();
    expect(reusableDeployments(store, [{ ...input(), mode: 'Complete' }], { scope })).toBeUndefined();
    expect(reusableDeployments(store, [input()], { scope: { ...scope, location: 'eastus' } })).toBeUndefined();
    expect(reusableDeployments(store, [input()], { scope, loose: true })).toBeUndefined();
    expect(reusableDeployments(store, [input()], { scope, strict: true })).toBeUndefined();
    expect(reusableDeployments(store, [input(), input('b')], { scope })).toBeUndefined();
    expect(reusableDeployments(store, [input()], { scope })).toBeDefined();
  });

  it('a state changed since (a resource, a directory object): run again', () => {
    const a = recorded();
    a.transaction((tx) => tx.putResource({ ...site, properties: { enabled: false } }));
    expect(reusableDeployments(a, [input()], { scope })).toBeUndefined();
    const b = recorded();
    b.transaction((tx) => tx.putDirectoryObject({ kind: 'user', objectId: 'u', appId: '', displayName: 'U', tenantId: 't' }));
    expect(reusableDeployments(b, [input()], { scope })).toBeUndefined();
  });

  it('templates whose evaluation can differ (utcNow, newGuid) or that read other files always run', () => {
    for (const fn of ['utcNow()', 'newGuid()', 'templateLink', 'relativePath']) {
      const store = openStore({ inMemory: true });
      const i = input(`[${fn}]`);
      recordDeployments(store, [i], [result], { scope });
      expect(reusableDeployments(store, [i], { scope }), fn).toBeUndefined();
    }
  });
});
