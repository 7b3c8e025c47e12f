// Graph `owners` of groups and applications (Bicep's Microsoft Graph extension): stored with the relationship's
// append/replace semantics and shown by `trustline directory list` (--json: owners[] on applications and groups).
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { listDirectory } from '../../src/identity/directory/directory-listing.js';
import { ManualClock } from '../../src/core/index.js';
import { setup } from '../arm/helpers/seed.js';
import { startTwin } from './helpers/fixtures.js';

const G = 'microsoftGraphV1';
const template = (ownersOfGroup: unknown) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.0',
  contentVersion: '1.0.0.0',
  extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources: {
    ops: { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'ops-id', location: 'westeurope' },
    app: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'owned-app', displayName: 'Owned app', owners: { relationships: ["[reference('ops').principalId]"] } }, dependsOn: ['ops'] },
    sp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('app').appId]" }, dependsOn: ['app'] },
    team: { extension: G, type: 'Microsoft.Graph/groups@v1.0', properties: { uniqueName: 'team', displayName: 'Team', mailEnabled: false, mailNickname: 'team', securityEnabled: true, owners: ownersOfGroup }, dependsOn: ['sp', 'ops'] },
  },
  outputs: { spId: { type: 'string', value: "[reference('sp').id]" }, opsId: { type: 'string', value: "[reference('ops').principalId]" } },
});

describe('owners of Graph groups and applications', () => {
  it('are stored (append keeps, replace sets) and listed', () => {
    const { store, options } = setup();
    const first = deploy({ deploymentName: 'owners', template: template({ relationships: ["[reference('sp').id]"] }) }, options);
    const spId = String(first.outputs['spId']!.value);
    const opsId = String(first.outputs['opsId']!.value);
    const listed = () => listDirectory(store.listDirectoryObjects(), []);
    expect(listed().groups.find((g) => g.displayName === 'Team')!.owners).toEqual([spId]);
    expect(listed().applications.find((a) => a.displayName === 'Owned app')!.owners).toEqual([opsId]);
    deploy({ deploymentName: 'owners-2', template: template({ relationships: ["[reference('ops').principalId]"] }) }, options);
    expect(listed().groups.find((g) => g.displayName === 'Team')!.owners).toEqual([spId, opsId]);
    deploy({ deploymentName: 'owners-3', template: template({ relationships: ["[reference('ops').principalId]"], relationshipSemantics: 'replace' }) }, options);
    expect(listed().groups.find((g) => g.displayName === 'Team')!.owners).toEqual([opsId]);
  });

  it('an owner that is no principal of the directory is refused as Graph refuses it', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'bad', template: template({ relationships: ['00000000-0000-4000-8000-00000000dead'] }) }, options)).toThrow(/00000000-0000-4000-8000-00000000dead/);
  });
});

describe('owners in a directory file', () => {
  it('groups[].owners: users and service principals, listed; a group as owner is an error at its path', async () => {
    const twin = await startTwin({ clock: new ManualClock(Date.UTC(2026, 10, 29, 12)) });
    try {
      const objs = twin.service.applyDirectory({
        text: JSON.stringify({ applications: [{ displayName: 'ops-app' }], users: [{ userPrincipalName: 'dana@contoso.test' }], groups: [{ displayName: 'team', owners: ['dana@contoso.test', 'ops-app'] }] }),
      });
      const dana = objs.find((o) => o.kind === 'user')!.objectId;
      const sp = objs.find((o) => o.kind === 'application')!.servicePrincipalId!;
      expect(objs.find((o) => o.kind === 'group')!.owners).toEqual([dana, sp]);
      expect(() => twin.service.applyDirectory({ text: JSON.stringify({ groups: [{ displayName: 'a' }, { displayName: 'b', owners: ['a'] }] }) })).toThrow(/groups\[1\]\.owners\[0\].*a group cannot own a group/s);
    } finally {
      await twin.close();
    }
  });
});
