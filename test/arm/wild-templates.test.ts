/**
 * What the wild sample of Function / API Management templates (bench/RESULTS.md, session 8) needed beyond the
 * quickstart and AVM corpora, each on a small template of its own.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deploy, expandTemplate } from '../../src/arm/index.js';
import { setup } from './helpers/seed.js';
import { mergeUpConfig } from '../../src/cli/config/up-config.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' };

function write(template: object, parameters?: object): { dir: string; file: string; parameterFiles: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-wild-'));
  const file = join(dir, 'main.json');
  writeFileSync(file, JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', ...template }, null, 2));
  const parameterFiles: string[] = [];
  if (parameters) {
    const p = join(dir, 'main.parameters.json');
    writeFileSync(p, JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#', contentVersion: '1.0.0.0', parameters }, null, 2));
    parameterFiles.push(p);
  }
  return { dir, file, parameterFiles };
}

describe('read-only properties the wild templates read back', () => {
  it("a Foundry project's internalId (32 hex digits) cut into its workspace GUID", () => {
    const project = "resourceId('Microsoft.CognitiveServices/accounts/projects', 'ais', 'proj')";
    const { file } = write({
      resources: [
        { type: 'Microsoft.CognitiveServices/accounts', apiVersion: '2025-04-01-preview', name: 'ais', location: 'westeurope', kind: 'AIServices', sku: { name: 'S0' }, properties: { customSubDomainName: 'ais' } },
        { type: 'Microsoft.CognitiveServices/accounts/projects', apiVersion: '2025-04-01-preview', name: 'ais/proj', location: 'westeurope', properties: {}, dependsOn: ["[resourceId('Microsoft.CognitiveServices/accounts', 'ais')]"] },
      ],
      outputs: {
        workspaceId: { type: 'string', value: `[format('{0}-{1}-{2}-{3}-{4}', substring(reference(${project}, '2025-04-01-preview').internalId, 0, 8), substring(reference(${project}, '2025-04-01-preview').internalId, 8, 4), substring(reference(${project}, '2025-04-01-preview').internalId, 12, 4), substring(reference(${project}, '2025-04-01-preview').internalId, 16, 4), substring(reference(${project}, '2025-04-01-preview').internalId, 20, 12))]` },
        account: { type: 'string', value: "[reference(resourceId('Microsoft.CognitiveServices/accounts', 'ais'), '2025-04-01-preview').internalId]" },
      },
    });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs['workspaceId']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.outputs['account']).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('azd parameters files (infra/main.parameters.json) with --fill-placeholders', () => {
  const template = {
    parameters: {
      environmentName: { type: 'string', minLength: 1, maxLength: 64 },
      location: { type: 'string', allowedValues: ['eastus2', 'swedencentral'] },
      principalId: { type: 'string', defaultValue: '' },
      vnetEnabled: { type: 'bool' },
      maxInstances: { type: 'int', defaultValue: 40 },
      containerName: { type: 'string' },
      tags: { type: 'object', defaultValue: {} },
    },
    resources: [],
    outputs: {
      environmentName: { type: 'string', value: "[parameters('environmentName')]" },
      location: { type: 'string', value: "[parameters('location')]" },
      principalId: { type: 'string', value: "[parameters('principalId')]" },
      vnetEnabled: { type: 'bool', value: "[parameters('vnetEnabled')]" },
      maxInstances: { type: 'int', value: "[parameters('maxInstances')]" },
      containerName: { type: 'string', value: "[parameters('containerName')]" },
      tags: { type: 'object', value: "[parameters('tags')]" },
    },
  };
  const parameters = {
    environmentName: { value: '${AZURE_ENV_NAME}' },
    location: { value: '${AZURE_LOCATION}' },
    principalId: { value: '${AZURE_PRINCIPAL_ID}' },
    vnetEnabled: { value: '${VNET_ENABLED=false}' },
    maxInstances: { value: '${MAX_INSTANCES:-}' },
    containerName: { value: 'media-${CONTAINER_SUFFIX:-default}' },
    tags: { value: '${TAGS}' },
  };

  it('reads the environment: names, shell defaults, and whole values converted to the declared type', () => {
    const { file, parameterFiles } = write(template, parameters);
    const environment = { AZURE_ENV_NAME: 'dev', AZURE_LOCATION: 'swedencentral', AZURE_PRINCIPAL_ID: '11111111-2222-3333-4444-555555555555', MAX_INSTANCES: '7', TAGS: '{"env":"dev"}' };
    const r = expandTemplate({ templateFile: file, parameterFiles, fillPlaceholders: true, environment, scope: SCOPE });
    expect(r.outputs).toEqual({
      environmentName: 'dev',
      location: 'swedencentral',
      principalId: '11111111-2222-3333-4444-555555555555',
      vnetEnabled: false,
      maxInstances: 7,
      containerName: 'media-default',
      tags: { env: 'dev' },
    });
  });

  it('a reference that comes out empty is no value: the default applies, or --fill-missing fills it', () => {
    const { file, parameterFiles } = write(template, parameters);
    const r = expandTemplate({ templateFile: file, parameterFiles, fillPlaceholders: true, fillMissing: true, environment: {}, scope: SCOPE });
    expect(r.outputs['principalId']).toBe('');
    expect(r.outputs['maxInstances']).toBe(40);
    expect(r.outputs['location']).toBe('eastus2');
    expect(r.outputs['environmentName']).toMatch(/^tl[a-z0-9]{10}$/);
    expect(r.outputs['tags']).toEqual({});
  });

  it('without --fill-placeholders the file is read as ARM reads it: the reference is a literal string', () => {
    const { file, parameterFiles } = write(template, parameters);
    expect(() => expandTemplate({ templateFile: file, parameterFiles, fillMissing: true, scope: SCOPE })).toThrow(/'\$\{AZURE_LOCATION\}'.*allowed value/);
  });
});

describe('app registrations that look up Microsoft Graph permissions', () => {
  it("an existing Microsoft Graph service principal answers its published delegated scopes (Easy Auth client apps filter them by value)", () => {
    const { file } = write({
      languageVersion: '2.1-experimental',
      imports: { MicrosoftGraph: { provider: 'MicrosoftGraph', version: '0.1.8-preview' } },
      parameters: { scopes: { type: 'array', defaultValue: ['User.Read', 'offline_access', 'openid', 'profile'] } },
      resources: {
        graphSp: { existing: true, import: 'MicrosoftGraph', type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: '00000003-0000-0000-c000-000000000000' } },
        other: { existing: true, import: 'MicrosoftGraph', type: 'Microsoft.Graph/servicePrincipals@v1.0', properties: { appId: '11111111-0000-4000-8000-000000000001' } },
      },
      outputs: {
        ids: { type: 'array', value: "[map(parameters('scopes'), lambda('s', filter(reference('graphSp').oauth2PermissionScopes, lambda('g', equals(lambdaVariables('g').value, lambdaVariables('s'))))[0].id))]" },
        role: { type: 'string', value: "[filter(reference('graphSp').appRoles, lambda('r', equals(lambdaVariables('r').value, 'User.Read.All')))[0].id]" },
        otherHasScopes: { type: 'bool', value: "[contains(reference('other'), 'oauth2PermissionScopes')]" },
      },
    });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs['ids']).toEqual(['e1fe6dd8-ba31-4d61-89e7-88639da4683d', '7427e0e9-2fba-42fe-b0c0-848c9e6a8182', '37f7f235-527c-4136-accd-4a02d197296e', '14dad69e-099b-42c9-810b-d002981feec1']);
    expect(r.outputs['role']).toBe('df021288-bdef-4463-88db-98f22de89214');
    expect(r.outputs['otherHasScopes']).toBe(false);
  });
});

describe('nested deployments to another resource group', () => {
  it("outer scope: reference('Namespace/type/name') names the parent's resource (a role assignment on a DNS zone elsewhere for the function's identity)", () => {
    const { file } = write({
      variables: { siteId: "[concat('Microsoft.Web/sites/', 'app1')]" },
      resources: [
        { type: 'Microsoft.Web/sites', apiVersion: '2019-08-01', name: 'app1', location: 'westeurope', kind: 'functionapp', identity: { type: 'SystemAssigned' }, properties: {} },
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2019-10-01',
          name: 'dns',
          resourceGroup: 'dns-rg',
          dependsOn: ["[resourceId('Microsoft.Web/sites', 'app1')]"],
          properties: {
            mode: 'Incremental',
            template: {
              $schema: 'https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#',
              contentVersion: '1.0.0.0',
              resources: [
                {
                  type: 'Microsoft.Network/dnszones/providers/roleAssignments',
                  apiVersion: '2018-09-01-preview',
                  name: "[concat('contoso.com', '/Microsoft.Authorization/', guid('app1'))]",
                  properties: {
                    roleDefinitionId: "[concat(subscription().id, '/providers/Microsoft.Authorization/roleDefinitions/befefa01-2a29-4197-83a8-272ff33ce314')]",
                    principalId: "[reference(variables('siteId'), '2019-08-01', 'Full').identity.principalId]",
                  },
                },
              ],
              outputs: { rg: { type: 'string', value: '[resourceGroup().name]' } },
            },
          },
        },
      ],
      outputs: {
        principalId: { type: 'string', value: "[reference(variables('siteId'), '2019-08-01', 'Full').identity.principalId]" },
        rg: { type: 'string', value: "[reference('dns').outputs.rg.value]" },
      },
    });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    const assignment = r.resources.find((x) => /roleAssignments/i.test(x.type));
    expect(assignment?.id).toMatch(/\/resourceGroups\/dns-rg\/providers\/Microsoft\.Network\/dnszones\/contoso\.com\/providers\/Microsoft\.Authorization\/roleAssignments\//);
    expect((assignment?.properties as { principalId: string }).principalId).toBe(r.outputs['principalId']);
    // The parent evaluates outer-scope expressions: resourceGroup() is the parent's too.
    expect(r.outputs['rg']).toBe('rg');
  });
});

describe('functions deployed with their code, read by the template', () => {
  it("listKeys() of a function the template does not deploy answers its default key, the key listSecrets() puts in the trigger URL", () => {
    const fn = "resourceId('Microsoft.Web/sites/functions', 'app1', 'Hello')";
    const { file } = write({
      resources: [],
      outputs: {
        key: { type: 'string', value: `[listKeys(${fn}, '2020-06-01').default]` },
        url: { type: 'string', value: `[listSecrets(${fn}, '2020-06-01').trigger_url]` },
      },
    });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs['key']).toMatch(/^[A-Za-z0-9]+$/);
    expect(r.outputs['url']).toBe(`https://app1.azurewebsites.net/api/Hello?code=${String(r.outputs['key'])}`);
  });
});

describe("links to the repository's own raw files, read from an offline mirror (--link-root)", () => {
  const RAW = 'https://raw.githubusercontent.com/contoso/orders/main/';
  const mirror = () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-mirror-'));
    mkdirSync(join(dir, 'infra'));
    writeFileSync(join(dir, 'infra', 'global-policy.xml'), '<policies><inbound><set-header name="x-from-mirror" exists-action="override"><value>yes</value></set-header></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>');
    writeFileSync(join(dir, 'infra', 'orders.json'), JSON.stringify({ openapi: '3.0.1', info: { title: 'Orders', version: '1' }, paths: { '/orders': { get: { operationId: 'list-orders', responses: { '200': { description: 'ok' } } } } } }));
    writeFileSync(join(dir, 'infra', 'api.json'), JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [{ type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 's/orders', properties: { path: 'orders', format: 'openapi+json-link', value: `${RAW}infra/orders.json` } }] }));
    return dir;
  };
  const resources = [
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 's', location: 'westeurope', sku: { name: 'Developer', capacity: 1 }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
    { type: 'Microsoft.ApiManagement/service/policies', apiVersion: '2022-08-01', name: 's/policy', dependsOn: ["[resourceId('Microsoft.ApiManagement/service', 's')]"], properties: { format: 'rawxml-link', value: `${RAW}infra/global-policy.xml` } },
    { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'api', dependsOn: ["[resourceId('Microsoft.ApiManagement/service', 's')]"], properties: { mode: 'Incremental', templateLink: { uri: `${RAW}infra/api.json` } } },
  ];

  it('policy rawxml-link, openapi+json-link import and the linked template deploy from the mirror', () => {
    const dir = mirror();
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources } }, { ...options, templateLinkRoots: [{ prefix: RAW, dir }] });
    const policy = store.listResources({ type: 'Microsoft.ApiManagement/service/policies' })[0]!;
    expect(String(policy.listResults?.['content'])).toContain('x-from-mirror');
    // (the service's built-in Echo API has its own operations: docs/behaviour/apim.md §3.1)
    const ops = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => o.name).filter((n) => !n.startsWith('s/echo-api/'));
    expect(ops).toEqual(['s/orders/list-orders']);
  });

  it('without a mirror (or a file the mirror lacks) the link is refused: the twin is offline', () => {
    const { options } = setup();
    expect(() => deploy({ deploymentName: 'd', template: { resources: resources.slice(0, 2) } }, options)).toThrow(/the policy link '.*global-policy\.xml' cannot be fetched: the twin is offline \(use a file:\/\/ URL, an offline mirror of its URL \(--link-root\)/);
    const empty = mkdtempSync(join(tmpdir(), 'trustline-mirror-'));
    const b = setup();
    expect(() => deploy({ deploymentName: 'd', template: { resources: resources.slice(0, 2) } }, { ...b.options, templateLinkRoots: [{ prefix: RAW, dir: empty }] })).toThrow(/cannot be fetched/);
  });
});

describe('bodies of older api-versions, as the resource provider reads them', () => {
  const svc = { type: 'Microsoft.ApiManagement/service', apiVersion: '2018-01-01', name: 's', location: 'westeurope', sku: { name: 'Developer', capacity: 1 }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } };
  const policy = '<policies><inbound><base /><set-header name="x-old" exists-action="override"><value>1</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
  const resources = [
    svc,
    { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2018-01-01', name: 's/echo', dependsOn: ["[resourceId('Microsoft.ApiManagement/service', 's')]"], properties: { displayName: 'Echo', path: 'echo', protocols: ['https'], serviceUrl: 'https://echo.contoso.com', contentFormat: 'swagger-json', contentValue: JSON.stringify({ swagger: '2.0', info: { title: 'Echo', version: '1' }, paths: { '/ping': { get: { operationId: 'ping', responses: { '200': { description: 'ok' } } } } } }) } },
    { type: 'Microsoft.ApiManagement/service/apis/policies', apiVersion: '2018-01-01', name: 's/echo/policy', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/apis', 's', 'echo')]"], properties: { policyContent: policy } },
    { type: 'Microsoft.ApiManagement/service/products', apiVersion: '2018-01-01', name: 's/starter', dependsOn: ["[resourceId('Microsoft.ApiManagement/service', 's')]"], properties: { displayName: 'Starter', state: 'published', subscriptionRequired: true } },
    { type: 'Microsoft.ApiManagement/service/users', apiVersion: '2018-01-01', name: 's/jane', dependsOn: ["[resourceId('Microsoft.ApiManagement/service', 's')]"], properties: { email: 'jane@contoso.com', firstName: 'Jane', lastName: 'Doe' } },
    { type: 'Microsoft.ApiManagement/service/subscriptions', apiVersion: '2018-01-01', name: 's/sub1', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/products', 's', 'starter')]", "[resourceId('Microsoft.ApiManagement/service/users', 's', 'jane')]"], properties: { userId: "[resourceId('Microsoft.ApiManagement/service/users', 's', 'jane')]", productId: "[resourceId('Microsoft.ApiManagement/service/products', 's', 'starter')]", displayName: 'Starter', state: 'active' } },
    { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2015-06-15', name: 'oldstorage01', location: 'westeurope', properties: { accountType: 'Standard_LRS' } },
  ];

  it('APIM 2018-01-01 (policyContent, contentFormat/contentValue, userId/productId) and Storage 2015-06-15 (accountType) deploy in the current shape', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources } }, options);
    const p = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/policies' })[0]!;
    expect(p.properties['value']).toBe(policy);
    expect(p.properties['policyContent']).toBeUndefined();
    expect(store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => o.name).filter((n) => !n.startsWith('s/echo-api/'))).toEqual(['s/echo/ping']);
    // (besides the service's built-in subscriptions: docs/behaviour/apim.md §3.1)
    const sub = store.listResources({ type: 'Microsoft.ApiManagement/service/subscriptions' }).find((x) => /\/users\/jane$/.test(String(x.properties['ownerId'])))!;
    expect(sub.properties['scope']).toMatch(/\/products\/starter$/);
    expect(sub.properties['ownerId']).toMatch(/\/users\/jane$/);
    const sa = store.listResources({ type: 'Microsoft.Storage/storageAccounts' })[0]!;
    expect([sa.kind, sa.sku]).toEqual(['Storage', { name: 'Standard_LRS' }]);
  });

  it('reference() with an older api-version reads the GET of that version (old names), with a current one the new names', () => {
    const { store, options } = setup();
    const outputs = {
      oldType: { type: 'string', value: "[reference(resourceId('Microsoft.Storage/storageAccounts', 'oldstorage01'), '2015-06-15').accountType]" },
      newSku: { type: 'string', value: "[reference(resourceId('Microsoft.Storage/storageAccounts', 'oldstorage01'), '2023-01-01', 'Full').sku.name]" },
      deployedWith: { type: 'bool', value: "[contains(reference(resourceId('Microsoft.Storage/storageAccounts', 'oldstorage01')), 'accountType')]" },
      oldPolicy: { type: 'bool', value: "[contains(reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 's', 'echo', 'policy'), '2018-01-01'), 'policyContent')]" },
      newPolicy: { type: 'bool', value: "[contains(reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 's', 'echo', 'policy'), '2022-08-01'), 'value')]" },
    };
    const r = deploy({ deploymentName: 'd', template: { resources, outputs } }, options);
    expect(Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, (v as { value: unknown }).value]))).toEqual({ oldType: 'Standard_LRS', newSku: 'Standard_LRS', deployedWith: true, oldPolicy: true, newPolicy: true });
    expect(store.listResources({ type: 'Microsoft.Storage/storageAccounts' })[0]!.properties['accountType']).toBeUndefined();
  });

  it('expand prints the body as the template wrote it', () => {
    const { file } = write({ resources: resources.slice(0, 3) });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.warnings.filter((w) => /rejects/.test(w))).toEqual([]);
    expect(r.resources.find((x) => x.type === 'Microsoft.ApiManagement/service/apis/policies')?.properties).toEqual({ policyContent: policy });
  });
});

describe('trustline up --link-root', () => {
  it('gives the twin its mirrors (folders relative to the working folder); a malformed one is a usage error', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'trustline-up-links-'));
    mkdirSync(join(cwd, 'checkout'));
    const flags = { dirs: [], template: [], parameters: [], backend: [], directory: [], imdsIdentity: [] };
    const c = mergeUpConfig({ ...flags, linkRoot: ['https://raw.githubusercontent.com/contoso/orders/main/=checkout'] }, undefined, cwd);
    expect(c.linkRoots).toEqual([{ prefix: 'https://raw.githubusercontent.com/contoso/orders/main/', dir: join(cwd, 'checkout') }]);
    expect(mergeUpConfig(flags, undefined, cwd).linkRoots).toEqual([]);
    expect(() => mergeUpConfig({ ...flags, linkRoot: ['https://x/'] }, undefined, cwd)).toThrow(/--link-root takes PREFIX=DIR/);
    expect(() => mergeUpConfig({ ...flags, linkRoot: ['https://x/=missing'] }, undefined, cwd)).toThrow(/'missing' is not a folder/);
  });
});
