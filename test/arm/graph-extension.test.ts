import { describe, it, expect } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { RG, setup } from './helpers/seed.js';
import { graphEasyAuthTemplate as template } from './helpers/graph-template.js';
import { DirectoryIndex } from '../../src/identity/directory/directory-index.js';
import { listDirectory } from '../../src/identity/directory/directory-listing.js';
import { thrown } from '../helpers/thrown.js';

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
    // authsettingsV2 found the app: no registration was auto-created for its client id.
    expect(store.listDirectoryObjects().filter((d) => d.kind === 'application' && (d.origin ?? '').startsWith('auto-created'))).toHaveLength(0);
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
    const k8s = { ...template, resources: { d: { extension: 'microsoftGraphV1', type: 'Microsoft.Graph/administrativeUnits@beta', properties: {} } }, outputs: {} };
    expect(() => deploy({ deploymentName: 'au', template: k8s }, options)).toThrow(expect.objectContaining({ code: 'ERR_ARM_TEMPLATE_UNSUPPORTED' }));
  });
});

const G = 'microsoftGraphV1';
const graph = (resources: Record<string, unknown>, outputs: Record<string, unknown> = {}, parameters: Record<string, unknown> = {}) => ({
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  languageVersion: '2.0',
  contentVersion: '1.0.0.0',
  parameters,
  extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } },
  resources,
  outputs,
});
const ROLE = '7d0c3f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f';
const api = {
  extension: G,
  type: 'Microsoft.Graph/applications@v1.0',
  properties: { uniqueName: 'orders-api', displayName: 'Orders API', identifierUris: ['api://orders'], appRoles: [{ id: ROLE, value: 'Orders.Read', allowedMemberTypes: ['Application'], isEnabled: true }] },
};
const apiSp = { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('api').appId]" }, dependsOn: ['api'] };
const caller = { type: 'Microsoft.ManagedIdentity/userAssignedIdentities', apiVersion: '2023-01-31', name: 'caller', location: 'westeurope' };
const ALICE = '4a1b2c3d-0000-4000-8000-00000000a11c';

function withAlice() {
  const s = setup();
  s.store.transaction((tx) => tx.putDirectoryObject({ kind: 'user', objectId: ALICE, appId: '', displayName: 'Alice', tenantId: s.options.scope.tenantId, userPrincipalName: 'alice@contoso.test' }));
  return s;
}


describe('Microsoft Graph appRoleAssignedTo, groups, federated identity credentials, permission grants and existing objects', () => {
  it("appRoleAssignedTo grants the managed identity the app role: its token for the API carries it in roles; a redeploy keeps the assignment's id", () => {
    const { store, options } = setup();
    const t = graph(
      { api, apiSp, caller, grant: { extension: G, type: 'Microsoft.Graph/appRoleAssignedTo@v1.0', properties: { principalId: "[reference('caller').principalId]", resourceId: "[reference('apiSp').id]", appRoleId: ROLE }, dependsOn: ['caller', 'apiSp'] } },
      { id: { type: 'string', value: "[reference('grant').id]" }, principalType: { type: 'string', value: "[reference('grant').principalType]" }, resourceDisplayName: { type: 'string', value: "[reference('grant').resourceDisplayName]" }, mi: { type: 'string', value: "[reference('caller').principalId]" } },
    );
    const first = deploy({ deploymentName: 'grant', template: t }, options);
    // Graph's assignment ids are 43 base64url characters.
    expect(first.outputs['id']!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.outputs['principalType']!.value).toBe('ServicePrincipal');
    expect(first.outputs['resourceDisplayName']!.value).toBe('Orders API');
    const index = new DirectoryIndex(store, options.scope.tenantId);
    const app = index.resourceApplication(options.scope.tenantId, 'api://orders');
    expect(index.roles(first.outputs['mi']!.value as string, app)).toEqual(['Orders.Read']);
    const second = deploy({ deploymentName: 'grant-2', template: t }, options);
    expect(second.outputs['id']!.value).toBe(first.outputs['id']!.value);
    expect(store.listDirectoryObjects().filter((o) => o.kind === 'appRoleAssignment')).toHaveLength(1);
    index.close();
  });

  it("appRoleAssignedTo is validated as Graph validates it: an unknown role or one for users only → 400 Request_BadRequest 'Permission being assigned was not found on application'; an unknown principal or resource → 404 Request_ResourceNotFound", () => {
    const assign = (props: Record<string, unknown>, appRoles?: unknown[]) =>
      graph({
        api: appRoles ? { ...api, properties: { ...api.properties, appRoles } } : api,
        apiSp,
        caller,
        grant: { extension: G, type: 'Microsoft.Graph/appRoleAssignedTo@v1.0', properties: { principalId: "[reference('caller').principalId]", resourceId: "[reference('apiSp').id]", appRoleId: ROLE, ...props }, dependsOn: ['caller', 'apiSp'] },
      });
    const { options } = setup();
    const unknownRole = thrown(() => deploy({ deploymentName: 'a', template: assign({ appRoleId: '11111111-1111-4111-8111-111111111111' }) }, options));
    expect(unknownRole.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(unknownRole.details).toMatchObject({ providerCode: 'Request_BadRequest', providerStatus: 400 });
    expect(String(unknownRole.details!['providerMessage'])).toMatch(/^Permission being assigned was not found on application '[0-9a-f-]{36}'\.$/);
    const usersOnly = thrown(() => deploy({ deploymentName: 'b', template: assign({}, [{ id: ROLE, value: 'Orders.Read', allowedMemberTypes: ['User'] }]) }, options));
    expect(usersOnly.details).toMatchObject({ providerCode: 'Request_BadRequest' });
    const nobody = '99999999-9999-4999-8999-999999999999';
    const noPrincipal = thrown(() => deploy({ deploymentName: 'c', template: assign({ principalId: nobody }) }, options));
    expect(noPrincipal.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
    expect(noPrincipal.details).toMatchObject({ providerCode: 'Request_ResourceNotFound', providerStatus: 404, providerMessage: `Resource '${nobody}' does not exist or one of its queried reference-property objects are not present.` });
    const noResource = thrown(() => deploy({ deploymentName: 'd', template: assign({ resourceId: nobody }) }, options));
    expect(noResource.details).toMatchObject({ providerCode: 'Request_ResourceNotFound' });
    const notGuid = thrown(() => deploy({ deploymentName: 'e', template: assign({ appRoleId: 'Orders.Read' }) }, options));
    expect(notGuid.details).toMatchObject({ providerCode: 'Request_BadRequest', providerMessage: "The property 'appRoleId' must be a GUID." });
    // The default-access role id is assignable and puts nothing in roles.
    deploy({ deploymentName: 'f', template: assign({ appRoleId: '00000000-0000-0000-0000-000000000000' }) }, options);
  });

  it('groups: upserted by uniqueName with Graph\'s required properties; members (an existing user by UPN, a managed identity) feed groupsOf; replace semantics; a role granted to the group reaches its members', () => {
    const { store, options } = withAlice();
    const group = (members: unknown, extra: Record<string, unknown> = {}) => ({
      extension: G,
      type: 'Microsoft.Graph/groups@v1.0',
      properties: { uniqueName: 'order-readers', displayName: 'Order readers', mailEnabled: false, securityEnabled: true, mailNickname: 'order-readers', members, ...extra },
      dependsOn: ['caller', 'alice'],
    });
    const alice = { extension: G, type: 'Microsoft.Graph/users@v1.0', existing: true, properties: { userPrincipalName: 'alice@contoso.test' } };
    const t = graph(
      {
        api, apiSp, caller, alice,
        readers: group({ relationships: ["[reference('alice').id]", "[reference('caller').principalId]"] }),
        grant: { extension: G, type: 'Microsoft.Graph/appRoleAssignedTo@v1.0', properties: { principalId: "[reference('readers').id]", resourceId: "[reference('apiSp').id]", appRoleId: '00000000-0000-0000-0000-000000000000' }, dependsOn: ['readers', 'apiSp'] },
      },
      { group: { type: 'string', value: "[reference('readers').id]" }, members: { type: 'array', value: "[reference('readers').members.relationships]" }, mi: { type: 'string', value: "[reference('caller').principalId]" } },
    );
    const out = deploy({ deploymentName: 'g', template: t }, options).outputs;
    expect(out['members']!.value).toEqual([ALICE, out['mi']!.value]);
    const index = new DirectoryIndex(store, options.scope.tenantId);
    expect(index.groupsOf(ALICE)).toEqual([out['group']!.value]);
    expect(index.groupsOf(out['mi']!.value as string)).toEqual([out['group']!.value]);
    index.close();
    // replace: only the template's members remain; the group keeps its id.
    const replaced = graph({ caller, alice, readers: group({ relationships: ["[reference('alice').id]"], relationshipSemantics: 'replace' }) }, { group: { type: 'string', value: "[reference('readers').id]" } });
    expect(deploy({ deploymentName: 'g2', template: replaced }, options).outputs['group']!.value).toBe(out['group']!.value);
    expect(store.getDirectoryObject(out['group']!.value as string)!.members).toEqual([ALICE]);
    expect(listDirectory(store.listDirectoryObjects(), [options.scope.tenantId]).groups).toEqual([
      expect.objectContaining({ uniqueName: 'order-readers', securityEnabled: true, mailEnabled: false, mailNickname: 'order-readers', members: [ALICE] }),
    ]);
    // The extension's config sets the default semantics (`extension microsoftGraphV1 with { relationshipSemantics: 'replace' }`).
    deploy({ deploymentName: 'g2b', template: graph({ caller, alice, readers: group({ relationships: ["[reference('caller').principalId]"] }) }) }, options);
    expect(store.getDirectoryObject(out['group']!.value as string)!.members).toEqual([ALICE, out['mi']!.value]);
    const byConfig = { ...graph({ caller, alice, readers: group({ relationships: ["[reference('alice').id]"] }) }), extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0', config: { relationshipSemantics: { defaultValue: 'replace' } } } } };
    deploy({ deploymentName: 'g2c', template: byConfig }, options);
    expect(store.getDirectoryObject(out['group']!.value as string)!.members).toEqual([ALICE]);
    // Graph's required properties and mailNickname's characters.
    const { mailEnabled: _m, ...noMail } = group(undefined).properties;
    expect(thrown(() => deploy({ deploymentName: 'g3', template: graph({ caller, alice, readers: { ...group(undefined), properties: noMail } }) }, options)).details).toMatchObject({ providerCode: 'Request_BadRequest', providerMessage: "The property 'mailEnabled' is required." });
    expect(thrown(() => deploy({ deploymentName: 'g4', template: graph({ caller, alice, readers: group(undefined, { mailNickname: 'order readers' }) }) }, options)).details).toMatchObject({ providerCode: 'Request_BadRequest' });
    expect(thrown(() => deploy({ deploymentName: 'g5', template: graph({ caller, alice, readers: group({ relationships: ['99999999-9999-4999-8999-999999999999'] }) }) }, options)).details).toMatchObject({ providerCode: 'Request_ResourceNotFound' });
  });

  it('federated identity credentials are stored on the application ({uniqueName}/{name}) and validated: one audience, issuer+subject unique, URL-friendly name', () => {
    const { store, options } = setup();
    const fic = (name: string, props: Record<string, unknown> = {}) => ({
      extension: G,
      type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0',
      properties: { name: `[format('{0}/${name}', reference('api').uniqueName)]`, issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:contoso/orders:environment:prod', audiences: ['api://AzureADTokenExchange'], description: 'deploys', ...props },
      dependsOn: ['api'],
    });
    deploy({ deploymentName: 'f', template: graph({ api, gh: fic('github-prod') }) }, options);
    const app = store.listDirectoryObjects().find((o) => o.kind === 'application' && o.uniqueName === 'orders-api')!;
    expect(app.federatedIdentityCredentials).toEqual([
      { id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'github-prod', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:contoso/orders:environment:prod', audiences: ['api://AzureADTokenExchange'], description: 'deploys' },
    ]);
    expect(listDirectory(store.listDirectoryObjects(), []).applications.find((a) => a.uniqueName === 'orders-api')!.federatedIdentityCredentials).toHaveLength(1);
    const refused = (t: unknown) => thrown(() => deploy({ deploymentName: 'f2', template: t }, options)).details;
    expect(refused(graph({ api, gh: fic('two', { audiences: ['a', 'b'] }) }))).toMatchObject({ providerCode: 'Request_BadRequest', providerMessage: "Invalid value specified for property 'audiences' of resource 'FederatedIdentityCredential'." });
    expect(refused(graph({ api, gh: fic('github-prod'), dup: fic('again') }))).toMatchObject({ providerCode: 'Request_BadRequest', providerMessage: expect.stringContaining('The combination of issuer and subject must be unique for the application.') });
    expect(refused(graph({ api, gh: fic('has space') }))).toMatchObject({ providerMessage: "Invalid value specified for property 'name' of resource 'FederatedIdentityCredential'." });
    const { issuer: _i, ...noIssuer } = fic('x').properties;
    expect(refused(graph({ api, gh: { ...fic('x'), properties: noIssuer } }))).toMatchObject({ providerMessage: "The property 'issuer' is required." });
  });

  it('oauth2PermissionGrants are stored and listed (the token endpoint has no consent model); principalId follows consentType', () => {
    const { store, options } = withAlice();
    const client = { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'orders-client', displayName: 'Orders client' } };
    const clientSp = { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('client').appId]" }, dependsOn: ['client'] };
    const grant = (props: Record<string, unknown>) => ({ extension: G, type: 'Microsoft.Graph/oauth2PermissionGrants@v1.0', properties: { clientId: "[reference('clientSp').id]", resourceId: "[reference('apiSp').id]", consentType: 'AllPrincipals', scope: 'Orders.Read', ...props }, dependsOn: ['clientSp', 'apiSp'] });
    deploy({ deploymentName: 'o', template: graph({ api, apiSp, client, clientSp, consent: grant({}) }) }, options);
    const listed = listDirectory(store.listDirectoryObjects(), []).oauth2PermissionGrants;
    expect(listed).toEqual([expect.objectContaining({ consentType: 'AllPrincipals', principalId: null, scope: 'Orders.Read', id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) })]);
    deploy({ deploymentName: 'o2', template: graph({ api, apiSp, client, clientSp, consent: grant({ scope: 'Orders.Read Orders.Write' }) }) }, options);
    expect(listDirectory(store.listDirectoryObjects(), []).oauth2PermissionGrants.map((g) => g.scope)).toEqual(['Orders.Read Orders.Write']);
    expect(thrown(() => deploy({ deploymentName: 'o3', template: graph({ api, apiSp, client, clientSp, consent: grant({ consentType: 'Principal' }) }) }, options)).details).toMatchObject({ providerCode: 'Request_BadRequest' });
    deploy({ deploymentName: 'o4', template: graph({ api, apiSp, client, clientSp, consent: grant({ consentType: 'Principal', principalId: ALICE }) }) }, options);
    expect(listDirectory(store.listDirectoryObjects(), []).oauth2PermissionGrants).toHaveLength(2);
  });

  it('existing users (by UPN), service principals (by appId) and applications (by uniqueName) are read from the directory; a missing one fails as Graph: 404 Request_ResourceNotFound', () => {
    const { options } = withAlice();
    deploy({ deploymentName: 'e0', template: graph({ api, apiSp }) }, options);
    const t = graph(
      {
        alice: { extension: G, type: 'Microsoft.Graph/users@v1.0', existing: true, properties: { userPrincipalName: 'ALICE@contoso.test' } },
        app: { extension: G, type: 'Microsoft.Graph/applications@v1.0', existing: true, properties: { uniqueName: 'orders-api' } },
        sp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', existing: true, properties: { appId: "[reference('app').appId]" } },
      },
      {
        user: { type: 'string', value: "[reference('alice').id]" },
        appId: { type: 'string', value: "[reference('app').appId]" },
        roles: { type: 'array', value: "[map(reference('sp').appRoles, lambda('r', lambdaVariables('r').value))]" },
      },
    );
    const out = deploy({ deploymentName: 'e1', template: t }, options).outputs;
    expect(out['user']!.value).toBe(ALICE);
    expect(out['appId']!.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(out['roles']!.value).toEqual(['Orders.Read']);
    const missing = graph({ bob: { extension: G, type: 'Microsoft.Graph/users@v1.0', existing: true, properties: { userPrincipalName: 'bob@contoso.test' } } }, { user: { type: 'string', value: "[reference('bob').id]" } });
    const e = thrown(() => deploy({ deploymentName: 'e2', template: missing }, options));
    expect(e.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
    expect(e.details).toMatchObject({ providerCode: 'Request_ResourceNotFound', providerMessage: "Resource 'bob@contoso.test' does not exist or one of its queried reference-property objects are not present." });
    // An existing group that nobody created, and Microsoft Graph's own service principal (the twin has none).
    const graphSp = graph({ ms: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', existing: true, properties: { appId: '00000003-0000-0000-c000-000000000000' } } }, { id: { type: 'string', value: "[reference('ms').id]" } });
    expect(thrown(() => deploy({ deploymentName: 'e3', template: graphSp }, options)).details).toMatchObject({ providerCode: 'Request_ResourceNotFound' });
    // users are read-only in the extension.
    expect(thrown(() => deploy({ deploymentName: 'e4', template: graph({ u: { extension: G, type: 'Microsoft.Graph/users@v1.0', properties: { userPrincipalName: 'x@y' } } }) }, options)).message).toMatch(/read-only in the Bicep extension/);
  });
});

describe('expansion of Microsoft Graph existing objects (an empty directory)', () => {
  it('an existing user is presumed with its key and a minted id, with a warning; the group that lists it expands', async () => {
    const { expandTemplate } = await import('../../src/arm/index.js');
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'trustline-graph-expand-'));
    try {
      const file = join(dir, 'main.json');
      writeFileSync(file, JSON.stringify(graph({
        alice: { extension: G, type: 'Microsoft.Graph/users@v1.0', existing: true, properties: { userPrincipalName: 'alice@contoso.test' } },
        readers: { extension: G, type: 'Microsoft.Graph/groups@v1.0', properties: { uniqueName: 'r', displayName: 'R', mailEnabled: false, securityEnabled: true, mailNickname: 'r', members: { relationships: ["[reference('alice').id]"] } } },
      }, { alice: { type: 'string', value: "[reference('alice').id]" }, upn: { type: 'string', value: "[reference('alice').userPrincipalName]" } })));
      const r = expandTemplate({ templateFile: file, scope: setup().options.scope });
      expect(r.outputs['alice']).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.outputs['upn']).toBe('alice@contoso.test');
      expect(r.warnings.some((w) => w.includes("existing Microsoft Graph object '/providers/Microsoft.Graph/users/alice'"))).toBe(true);
      expect(r.resources.map((x) => x.type)).toEqual(['Microsoft.Graph/groups']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('older Bicep output of the Graph extension (imports/import, preview types)', () => {
  it('deploys: `imports` + `"import"`, a group whose owners are a plain array of ids (0.1.x types), a nested credential named app::fic', () => {
    const { store, options } = setup();
    const t = {
      $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
      languageVersion: '2.0',
      contentVersion: '1.0.0.0',
      imports: { graphBeta: { provider: 'MicrosoftGraph', version: '0.1.8-preview' } },
      resources: {
        'app::cred': { import: 'graphBeta', type: 'Microsoft.Graph/applications/federatedIdentityCredentials@beta', properties: { name: "[format('{0}/cred', reference('app').uniqueName)]", audiences: ['aud'], issuer: 'iss', subject: 'sub' }, dependsOn: ['app'] },
        app: { import: 'graphBeta', type: 'Microsoft.Graph/applications@beta', properties: { uniqueName: 'old-app', displayName: 'Old app' } },
        sp: { import: 'graphBeta', type: 'Microsoft.Graph/servicePrincipals@beta', properties: { appId: "[reference('app').appId]" }, dependsOn: ['app'] },
        team: { import: 'graphBeta', type: 'Microsoft.Graph/groups@beta', properties: { uniqueName: 'team', displayName: 'Team', mailEnabled: false, mailNickname: 'team', securityEnabled: false, groupTypes: ['Unified'], owners: ["[reference('sp').id]"] }, dependsOn: ['sp'] },
      },
    };
    deploy({ deploymentName: 'old', template: t }, options);
    expect(store.listDirectoryObjects().find((o) => o.kind === 'application' && o.uniqueName === 'old-app')!.federatedIdentityCredentials).toEqual([expect.objectContaining({ name: 'cred', issuer: 'iss', subject: 'sub' })]);
    expect(store.listDirectoryObjects().filter((o) => o.kind === 'group' && o.uniqueName === 'team')).toHaveLength(1);
  });
});
