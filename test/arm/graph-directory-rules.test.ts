import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import type { TwinError } from '../../src/core/index.js';
import { planDirectory } from '../../src/identity/directory/apply-directory.js';
import { parseDirectoryText } from '../../src/identity/directory/directory-file.js';
import { SCOPE, setup } from './helpers/seed.js';
import { thrown } from '../helpers/thrown.js';

/**
 * One rule for federated identity credentials: a directory file and a Microsoft Graph Bicep template that declare the
 * same credentials on an application are refused for the same input with the same reason (Graph's words).
 */
interface Fic {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  description?: string;
}

const base = (name: string, o: Partial<Fic> = {}): Fic => ({
  name,
  issuer: 'https://token.actions.githubusercontent.com',
  subject: `repo:contoso/orders:environment:${name}`,
  audiences: ['api://AzureADTokenExchange'],
  ...o,
});


const G = 'microsoftGraphV1';
/** A languageVersion 2.0 template with the Microsoft Graph extension and these resources. */
const graphTemplate = (resources: Record<string, unknown>) => ({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', languageVersion: '2.0', contentVersion: '1.0.0.0', extensions: { [G]: { name: 'MicrosoftGraph', version: '1.0.0' } }, resources });
/** Graph's refusal message of a deployment (undefined when it deploys). */
function graphRefusal(options: ReturnType<typeof setup>['options'], resources: Record<string, unknown>): string | undefined {
  try {
    deploy({ deploymentName: 'graph', template: graphTemplate(resources) }, options);
    return undefined;
  } catch (e) {
    return String((e as TwinError).details?.['providerMessage']);
  }
}

/** The reason Graph gives through the Bicep extension (the deployment's providerMessage). */
function graphReason(fics: Fic[]): string {
  const resources: Record<string, unknown> = {
    api: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'orders-api', displayName: 'Orders API' } },
  };
  let previous = 'api';
  fics.forEach((f, i) => {
    // Each after the one before, so that the last is the one refused (as in the directory file).
    resources[`f${i}`] = { extension: G, type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0', properties: { ...f, name: `orders-api/${f.name}` }, dependsOn: [previous] };
    previous = `f${i}`;
  });
  const { options } = setup();
  const e = thrown(() => deploy({ deploymentName: 'fic', template: graphTemplate(resources) }, options));
  expect(e.details).toMatchObject({ providerCode: 'Request_BadRequest', providerStatus: 400 });
  return e.details!['providerMessage'] as string;
}

/** The directory file's refusal of the same credentials on one application. */
function directoryRefusal(fics: Fic[]): TwinError {
  const text = JSON.stringify({ applications: [{ displayName: 'Orders API', federatedIdentityCredentials: fics }] }, null, 2);
  const { doc, locate } = parseDirectoryText(text, 'directory.json');
  return thrown(() => planDirectory(doc, [], { defaultTenantId: SCOPE.tenantId, origin: 'test', locate }));
}

const long = (n: number) => 'x'.repeat(n);
const CASES: Array<[string, Fic[], RegExp, string]> = [
  ['a name that is not URL friendly', [base('has space')], /property 'name'/, 'federatedIdentityCredentials[0].name'],
  ['a name of 121 characters', [base(long(121))], /property 'name'/, 'federatedIdentityCredentials[0].name'],
  ['an issuer of 601 characters', [base('a', { issuer: `https://${long(593)}` })], /property 'issuer'/, 'federatedIdentityCredentials[0].issuer'],
  ['a subject of 601 characters', [base('a', { subject: long(601) })], /property 'subject'/, 'federatedIdentityCredentials[0].subject'],
  ['two audiences', [base('a', { audiences: ['api://AzureADTokenExchange', 'api://other'] })], /property 'audiences'/, 'federatedIdentityCredentials[0].audiences'],
  ['an audience of 601 characters', [base('a', { audiences: [long(601)] })], /property 'audiences'/, 'federatedIdentityCredentials[0].audiences'],
  ['a description of 601 characters', [base('a', { description: long(601) })], /property 'description'/, 'federatedIdentityCredentials[0].description'],
  ['the same issuer and subject twice', [base('a'), base('b', { subject: base('a').subject })], /The combination of issuer and subject must be unique for the application\. Issuer https:\/\/token\.actions\.githubusercontent\.com and Subject: repo:contoso\/orders:environment:a already exist/, 'federatedIdentityCredentials[1].subject'],
  ['a twenty-first credential', Array.from({ length: 21 }, (_, i) => base(`c${i}`)), /maximum of 20 federated identity credentials/, 'federatedIdentityCredentials[20]'],
];

describe('federated identity credentials: one rule for the directory file and the Graph Bicep extension', () => {
  it.each(CASES)('%s is refused by both with the same reason', (_what, fics, reason, jsonPath) => {
    const fromGraph = graphReason(fics);
    expect(fromGraph).toMatch(reason);
    const fromFile = directoryRefusal(fics);
    expect(fromFile.code).toBe('ERR_IDENTITY_DIRECTORY_INVALID');
    expect(fromFile.message).toContain(fromGraph);
    expect(fromFile.location).toMatchObject({ file: 'directory.json', jsonPath: expect.stringContaining(jsonPath) });
    expect(fromFile.location?.line).toBeGreaterThan(1);
  });

  it('twenty credentials, each at its limits, are accepted by both', () => {
    const fics = Array.from({ length: 20 }, (_, i) => base(`${long(117)}-${String(i).padStart(2, '0')}`, { subject: `${long(597)}-${String(i).padStart(2, '0')}`, description: long(600), audiences: [long(600)] }));
    const text = JSON.stringify({ applications: [{ displayName: 'Orders API', federatedIdentityCredentials: fics }] });
    const { doc } = parseDirectoryText(text);
    const app = planDirectory(doc, [], { defaultTenantId: SCOPE.tenantId, origin: 'test' }).find((o) => o.kind === 'application')!;
    expect(app.federatedIdentityCredentials).toHaveLength(20);
    const resources: Record<string, unknown> = { api: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'orders-api', displayName: 'Orders API' } } };
    fics.forEach((f, i) => (resources[`f${i}`] = { extension: G, type: 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0', properties: { ...f, name: `orders-api/${f.name}` }, dependsOn: ['api'] }));
    const { store, options } = setup();
    deploy({ deploymentName: 'fic', template: graphTemplate(resources) }, options);
    expect(store.listDirectoryObjects().find((o) => o.kind === 'application' && o.uniqueName === 'orders-api')!.federatedIdentityCredentials).toHaveLength(20);
  });
});

describe('app role assignments: one member-type rule for the directory file and the Graph Bicep extension', () => {
  const ROLE = '7d0c3f1e-2b4a-4c6d-8e9f-0a1b2c3d4e5f';
  const ALICE = '4a1b2c3d-0000-4000-8000-00000000a11c';
  /** Graph: assign the role to the user alice; undefined when Graph accepts, else its message. */
  function graphAssign(allowedMemberTypes: string[]): string | undefined {
    const { store, options } = setup();
    store.transaction((tx) => tx.putDirectoryObject({ kind: 'user', objectId: ALICE, appId: '', displayName: 'Alice', tenantId: SCOPE.tenantId, userPrincipalName: 'alice@contoso.test' }));
    const resources = {
      api: { extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: 'orders-api', displayName: 'Orders API', appRoles: [{ id: ROLE, value: 'Orders.Read', allowedMemberTypes, isEnabled: true }] } },
      apiSp: { extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: "[reference('api').appId]" }, dependsOn: ['api'] },
      grant: { extension: G, type: 'Microsoft.Graph/appRoleAssignedTo@v1.0', properties: { principalId: ALICE, resourceId: "[reference('apiSp').id]", appRoleId: ROLE }, dependsOn: ['apiSp'] },
    };
    return graphRefusal(options, resources);
  }
  function fileAssign(allowedMemberTypes: Array<'User' | 'Application'>): TwinError | undefined {
    const doc = {
      applications: [{ displayName: 'Orders API', appRoles: [{ value: 'Orders.Read', id: ROLE, allowedMemberTypes }] }],
      users: [{ userPrincipalName: 'alice@contoso.test' }],
      appRoleAssignments: [{ principal: 'alice@contoso.test', resource: 'Orders API', role: 'Orders.Read' }],
    };
    const { doc: parsed } = parseDirectoryText(JSON.stringify(doc));
    try {
      planDirectory(parsed, [], { defaultTenantId: SCOPE.tenantId, origin: 'test' });
      return undefined;
    } catch (e) {
      return e as TwinError;
    }
  }

  it.each([
    ['a role for users', ['User'], true],
    ['a role for users and applications', ['User', 'Application'], true],
    ['a role that lists no member types', [], true],
    ['a role for applications only', ['Application'], false],
  ] as Array<[string, Array<'User' | 'Application'>, boolean]>)('%s: both %#', (_what, types, accepted) => {
    const graph = graphAssign(types);
    const file = fileAssign(types);
    if (accepted) {
      expect(graph).toBeUndefined();
      expect(file).toBeUndefined();
    } else {
      expect(graph).toMatch(/^Permission being assigned was not found on application '[0-9a-f-]{36}'\.$/);
      expect(file?.message).toMatch(/the app role 'Orders\.Read' allows Application members, and user alice@contoso\.test is not one/);
    }
  });
});

describe('delegated permission grants: one rule for the directory file and the Graph Bicep extension', () => {
  const ALICE = '4a1b2c3d-0000-4000-8000-00000000a11c';
  /** Graph: the grant's refusal message (undefined when it deploys). */
  function graphGrant(g: { consentType: string; principal: boolean; scope: string }): string | undefined {
    const { store, options } = setup();
    store.transaction((tx) => tx.putDirectoryObject({ kind: 'user', objectId: ALICE, appId: '', displayName: 'Alice', tenantId: SCOPE.tenantId, userPrincipalName: 'alice@contoso.test' }));
    const app = (name: string) => ({ extension: G, type: 'Microsoft.Graph/applications@v1.0', properties: { uniqueName: name, displayName: name, api: { oauth2PermissionScopes: [{ id: '11111111-0000-4000-8000-000000000001', value: 'Orders.Read' }] } } });
    const sp = (of: string) => ({ extension: G, type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: `[reference('${of}').appId]` }, dependsOn: [of] });
    const resources = {
      api: app('orders-api'),
      apiSp: sp('api'),
      client: app('orders-client'),
      clientSp: sp('client'),
      grant: { extension: G, type: 'Microsoft.Graph/oauth2PermissionGrants@v1.0', properties: { clientId: "[reference('clientSp').id]", resourceId: "[reference('apiSp').id]", consentType: g.consentType, scope: g.scope, ...(g.principal ? { principalId: ALICE } : {}) }, dependsOn: ['clientSp', 'apiSp'] },
    };
    return graphRefusal(options, resources);
  }
  function fileGrant(g: { consentType: string; principal: boolean; scope: string }): TwinError | undefined {
    const text = JSON.stringify({
      applications: [
        { displayName: 'orders-api', oauth2PermissionScopes: [{ value: 'Orders.Read' }] },
        { displayName: 'orders-client' },
      ],
      users: [{ userPrincipalName: 'alice@contoso.test' }],
      oauth2PermissionGrants: [{ client: 'orders-client', resource: 'orders-api', consentType: g.consentType, scope: g.scope, ...(g.principal ? { principal: 'alice@contoso.test' } : {}) }],
    });
    const { doc, locate } = parseDirectoryText(text, 'grants.json');
    try {
      planDirectory(doc, [], { defaultTenantId: SCOPE.tenantId, origin: 'test', locate });
      return undefined;
    } catch (e) {
      return e as TwinError;
    }
  }
  it.each([
    ['admin consent', { consentType: 'AllPrincipals', principal: false, scope: 'Orders.Read' }, undefined, undefined],
    ["one user's consent", { consentType: 'Principal', principal: true, scope: 'Orders.Read' }, undefined, undefined],
    ['an unknown consent type', { consentType: 'Everyone', principal: false, scope: 'Orders.Read' }, /^Invalid value specified for property 'consentType' of resource 'OAuth2PermissionGrant'\.$/, 'consentType'],
    ["'Principal' without the user", { consentType: 'Principal', principal: false, scope: 'Orders.Read' }, /is required when 'consentType' is 'Principal'/, 'consentType'],
    ["'AllPrincipals' naming a user", { consentType: 'AllPrincipals', principal: true, scope: 'Orders.Read' }, /must be null when 'consentType' is 'AllPrincipals'/, 'principal'],
    ['a scope of 3851 characters', { consentType: 'AllPrincipals', principal: false, scope: 'x'.repeat(3851) }, /^The property 'scope' must not exceed 3850 characters\.$/, 'scope'],
  ] as Array<[string, { consentType: string; principal: boolean; scope: string }, RegExp | undefined, string | undefined]>)('%s: the same answer from both', (_what, g, reason, jsonPathEnd) => {
    const fromGraph = graphGrant(g);
    const fromFile = fileGrant(g);
    if (reason === undefined) {
      expect(fromGraph).toBeUndefined();
      expect(fromFile).toBeUndefined();
      return;
    }
    expect(fromGraph).toMatch(reason);
    // The same words, but for the name each gives the principal (Graph's principalId, the file's principal).
    expect(fromFile?.message).toContain(fromGraph!.replace("'principalId'", "'principal'"));
    expect(fromFile?.location?.jsonPath).toBe(`oauth2PermissionGrants[0].${jsonPathEnd}`);
  });
});
