import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';
import { graphEasyAuthTemplate as template } from './helpers/graph-template.js';

describe('Microsoft Graph extension resources deploy into the twin directory', () => {
  it('creates the application (uniqueName key, identifier URIs, token version, roles) and its service principal; the site uses its appId; a redeploy keeps the ids', () => {
    const { store, options } = setup();
    const first = deploy({ deploymentName: 'graph', template }, options);
    const appId = first.outputs['appId']!.value as string;
    expect(appId).toMatch(/^[0-9a-f-]{36}$/);
    const apps = store.listDirectoryObjects().filter((d) => d.kind === 'application' && d.appId === appId);
    expect(apps).toHaveLength(1);
    expect(apps[0]).toMatchObject({
      objectId: first.outputs['objectId']!.value,
      displayName: 'Graph-made Easy Auth app',
      identifierUris: ['api://graphsite'],
      accessTokenAcceptedVersion: 2,
      appRoles: [{ id: '2f4b7a57-2c8a-4a55-b7b4-8b9b3a0c6f10', value: 'Reader', allowedMemberTypes: ['Application'] }],
      servicePrincipalId: first.outputs['spId']!.value,
    });
    // authsettingsV2 found the app: no "(auto)" registration was made for its client id.
    expect(store.listDirectoryObjects().filter((d) => d.kind === 'application' && d.displayName.endsWith('(auto)'))).toHaveLength(0);
    expect(store.getResource(`${RG}/providers/Microsoft.Web/sites/graphsite/config/authsettingsV2`)!.properties).toMatchObject({
      identityProviders: { azureActiveDirectory: { registration: { clientId: appId } } },
    });
    const second = deploy({ deploymentName: 'graph-2', template }, options);
    expect(second.outputs).toEqual(first.outputs);
    expect(store.listDirectoryObjects().filter((d) => d.kind === 'application' && d.displayName === 'Graph-made Easy Auth app')).toHaveLength(1);
  });

  it('a service principal for an appId the directory does not hold is refused as Graph refuses it; other extension types are refused by name', () => {
    const { options } = setup();
    const orphan = { ...template, resources: { sp: { extension: 'microsoftGraphV1', type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: '00000000-0000-4000-8000-000000000abc' } } }, outputs: {} };
    expect(() => deploy({ deploymentName: 'orphan', template: orphan }, options)).toThrow(/does not reference a valid application object/);
    const fic = {
      ...template,
      resources: { fic: { extension: 'microsoftGraphV1', type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0', properties: { name: 'a/b', issuer: 'i', subject: 's', audiences: ['x'] } } },
      outputs: {},
    };
    expect(() => deploy({ deploymentName: 'fic', template: fic }, options)).toThrow(expect.objectContaining({ code: 'ERR_ARM_TEMPLATE_UNSUPPORTED' }));
  });
});
