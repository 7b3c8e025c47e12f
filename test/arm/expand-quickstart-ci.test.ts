/**
 * `trustline expand --fill-placeholders` plays the quickstart CI (docs/behaviour/arm.md §7): a prerequisite template
 * deployed first whose outputs fill `GET-PREREQ-*`, `_artifactsLocation` staged at the template's folder, template
 * specs read from the twin; and what expansion answers for resources it reads (site settings, Log Analytics keys,
 * NetApp mount targets), and AVM's "Conditional." parameters under `--fill-missing`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandTemplate } from '../../src/arm/index.js';

const SCOPE = { subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg', tenantId: 'tttttttt-0000-0000-0000-000000000000', location: 'westeurope' };
const RG = `/subscriptions/${SCOPE.subscriptionId}/resourceGroups/rg`;
const SCHEMA = 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#';

function write(dir: string, rel: string, doc: unknown): string {
  const file = join(dir, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

const out = (value: string, type = 'string') => ({ type, value });

describe('expand: the quickstart CI', () => {
  it('deploys the prerequisite first: whole GET-PREREQ-<output> values take its outputs (any type), its resources exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-prereq-'));
    const prereq = write(dir, 'prereqs/prereq.azuredeploy.json', {
      $schema: SCHEMA,
      parameters: { vmName: { type: 'string', defaultValue: 'vm-pre' } },
      resources: [{ type: 'Microsoft.Compute/virtualMachines', apiVersion: '2022-03-01', name: "[parameters('vmName')]", location: 'westeurope', identity: { type: 'SystemAssigned' }, properties: {} }],
      outputs: { vmName: out("[parameters('vmName')]"), sizes: out('[createArray(1, 2)]', 'array') },
    });
    const main = write(dir, 'azuredeploy.json', {
      $schema: SCHEMA,
      parameters: { vmName: { type: 'string' }, sizes: { type: 'array' }, other: { type: 'string' } },
      resources: [],
      outputs: {
        principal: out("[reference(resourceId('Microsoft.Compute/virtualMachines', parameters('vmName')), '2022-03-01', 'Full').identity.principalId]"),
        sizes: out("[parameters('sizes')]", 'array'),
        other: out("[parameters('other')]"),
      },
    });
    const params = write(dir, 'azuredeploy.parameters.json', { parameters: { vmName: { value: 'GET-PREREQ-vmname' }, sizes: { value: 'GET-PREREQ-sizes' }, other: { value: 'GET-PREREQ-notAnOutput' } } });
    const r = expandTemplate({ templateFile: main, parameterFiles: [params], fillPlaceholders: true, scope: SCOPE, prerequisite: { templateFile: prereq } });
    expect(r.outputs['sizes']).toEqual([1, 2]);
    expect(r.outputs['principal']).toMatch(/^[0-9a-f-]{36}$/);
    // A token no output names is generated, as without a prerequisite.
    expect(r.outputs['other']).toMatch(/^tl[a-z0-9]+$/);
    expect(r.prerequisite?.resources.map((x) => x.id)).toEqual([`${RG}/providers/Microsoft.Compute/virtualMachines/vm-pre`]);
    expect(r.resources).toEqual([]);
    expect(r.filled).toContain('GET-PREREQ-vmname (prerequisite output)');
    // Without the prerequisite the VM is presumed, with no identity: reading it is an error.
    expect(() => expandTemplate({ templateFile: main, parameterFiles: [params], fillPlaceholders: true, scope: SCOPE })).toThrow(/'identity' doesn't exist/);
  });

  it('--fill-missing stages linked templates as a deployment script does: the base URL parameter is the staged folder, the SAS token empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-staged-'));
    const api = (sub: string) => ({
      $schema: SCHEMA,
      parameters: { templateUrl: { type: 'string' }, templateToken: { type: 'securestring' } },
      resources: [
        // A linked template in a sub-folder names its siblings from the staged root (`api/products/backend.json`).
        { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: `${sub}-backend`, properties: { mode: 'Incremental', templateLink: { uri: `[concat(parameters('templateUrl'), 'api/${sub}/backend.json', parameters('templateToken'))]` } } },
      ],
      outputs: { base: out("[parameters('templateUrl')]") },
    });
    const backend = { $schema: SCHEMA, resources: [], outputs: { ok: out("[string('linked')]") } };
    write(dir, 'deploy/api/products/backend.json', backend);
    const products = write(dir, 'deploy/api/products/api.json', api('products'));
    const main = write(dir, 'deploy/azuredeploy.json', {
      $schema: SCHEMA,
      parameters: { repoBaseUrl: { type: 'string' }, templateToken: { type: 'securestring' }, name: { type: 'string' } },
      resources: [
        { type: 'Microsoft.Resources/deployments', apiVersion: '2022-09-01', name: 'products', properties: { mode: 'Incremental', templateLink: { uri: "[format('{0}api/products/api.json{1}', parameters('repoBaseUrl'), parameters('templateToken'))]" }, parameters: { templateUrl: { value: "[parameters('repoBaseUrl')]" }, templateToken: { value: "[parameters('templateToken')]" } } } },
      ],
      outputs: { base: out("[parameters('repoBaseUrl')]"), token: out("[parameters('templateToken')]"), name: out("[parameters('name')]") },
    });
    const staged = `${pathToFileURL(join(dir, 'deploy')).toString()}/`;
    const r = expandTemplate({ templateFile: main, fillMissing: true, scope: SCOPE });
    expect(r.outputs).toMatchObject({ base: staged, token: '' });
    expect(r.outputs['name']).toMatch(/^tl[a-z0-9]+$/);
    expect(r.resources.map((x) => x.name)).toEqual(['products', 'products-backend']);
    expect(r.filled.find((f) => f.startsWith('parameter repoBaseUrl'))).toContain('the template\'s folder');
    // Expanded on its own, the sub-folder's template is staged from the nearest folder that holds what it links.
    const alone = expandTemplate({ templateFile: products, fillMissing: true, scope: SCOPE });
    expect(alone.outputs['base']).toBe(staged);
    // A value given is kept (only missing parameters are filled).
    expect(() => expandTemplate({ templateFile: main, fillMissing: true, scope: SCOPE, parameterValues: { repoBaseUrl: 'https://staging.contoso.com/' } })).toThrow(/not reachable/);
  });

  it('--fill-placeholders fills an author\'s <NAME> placeholder with a value for the declared type; markup is a value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-angle-'));
    const main = write(dir, 'azuredeploy.json', {
      $schema: SCHEMA,
      parameters: { resourceName: { type: 'string', maxLength: 10 }, adminEmail: { type: 'string' }, sku: { type: 'string', allowedValues: ['F1', 'B1'] }, count: { type: 'int', minValue: 2 }, body: { type: 'string' } },
      resources: [],
      outputs: { name: out("[parameters('resourceName')]"), email: out("[parameters('adminEmail')]"), sku: out("[parameters('sku')]"), count: out("[parameters('count')]", 'int'), body: out("[parameters('body')]") },
    });
    const params = write(dir, 'azuredeploy.parameters.json', {
      parameters: { resourceName: { value: '<RESOURCE_NAME>' }, adminEmail: { value: '<your email>' }, sku: { value: '<SKU>' }, count: { value: '<COUNT>' }, body: { value: '<p>hello</p>' } },
    });
    const r = expandTemplate({ templateFile: main, parameterFiles: [params], fillPlaceholders: true, scope: SCOPE });
    expect(r.outputs['name']).toMatch(/^tl[a-z0-9]{8}$/);
    expect(r.outputs).toMatchObject({ email: 'admin@contoso.com', sku: 'F1', count: 2, body: '<p>hello</p>' });
    expect(r.filled).toContain('resourceName: <RESOURCE_NAME>');
    // Without --fill-placeholders the value is taken as written.
    expect(() => expandTemplate({ templateFile: main, parameterFiles: [params], scope: SCOPE })).toThrow(/'<RESOURCE_NAME>'/);
  });

  it('a prerequisite that cannot expand leaves a warning and generated GET-PREREQ values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-prereq-'));
    const prereq = write(dir, 'prereqs/prereq.azuredeploy.json', { $schema: SCHEMA, resources: [], outputs: { x: out("[noSuchFunction('a')]") } });
    const main = write(dir, 'azuredeploy.json', { $schema: SCHEMA, parameters: { x: { type: 'string' } }, resources: [], outputs: { x: out("[parameters('x')]") } });
    const params = write(dir, 'azuredeploy.parameters.json', { parameters: { x: { value: 'GET-PREREQ-x' } } });
    const r = expandTemplate({ templateFile: main, parameterFiles: [params], fillPlaceholders: true, scope: SCOPE, prerequisite: { templateFile: prereq } });
    expect(r.warnings[0]).toMatch(/^The prerequisite prereq\.azuredeploy\.json could not be expanded \(ERR_ARM_FUNCTION_UNKNOWN: /);
    expect(r.outputs['x']).toMatch(/^tl[a-z0-9]+$/);
  });

  it("stages _artifactsLocation at the template's folder (below a mirror: the mirrored URL), unless its default is deployment().properties.templateLink.uri", () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-artifacts-'));
    const nested = { $schema: SCHEMA, resources: [], outputs: { me: out('[deployment().properties.templateLink.uri]') } };
    write(dir, 'samples/app/nestedtemplates/child.json', nested);
    const template = (artifactsDefault: string) => ({
      $schema: SCHEMA,
      parameters: { _artifactsLocation: { type: 'string', defaultValue: artifactsDefault }, _artifactsLocationSasToken: { type: 'securestring', defaultValue: '' } },
      resources: [
        {
          type: 'Microsoft.Resources/deployments',
          apiVersion: '2022-09-01',
          name: 'child',
          properties: { mode: 'Incremental', templateLink: { uri: "[uri(parameters('_artifactsLocation'), concat('nestedtemplates/child.json', parameters('_artifactsLocationSasToken')))]" } },
        },
      ],
      outputs: { at: out("[parameters('_artifactsLocation')]"), child: out("[reference('child').outputs.me.value]") },
    });
    // A hard-coded default from before the repository's reorganisation (no longer there): the CI stages the folder instead.
    const legacy = write(dir, 'samples/app/azuredeploy.json', template('https://raw.githubusercontent.com/Azure/azure-quickstart-templates/master/101-app'));
    const prefix = 'https://raw.githubusercontent.com/Azure/azure-quickstart-templates/master/';
    const mirrored = expandTemplate({ templateFile: legacy, fillPlaceholders: true, scope: SCOPE, linkRoots: [{ prefix, dir }] });
    expect(mirrored.outputs).toEqual({ at: `${prefix}samples/app/`, child: `${prefix}samples/app/nestedtemplates/child.json` });
    const local = expandTemplate({ templateFile: legacy, fillPlaceholders: true, scope: SCOPE });
    expect(local.outputs['at']).toBe(`${pathToFileURL(join(dir, 'samples', 'app')).toString()}/`);
    // Without --fill-placeholders, or with a value given, the template's own value stands.
    expect(() => expandTemplate({ templateFile: legacy, scope: SCOPE })).toThrow(/linked template 'https:\/\/raw\.githubusercontent\.com\/Azure\/azure-quickstart-templates\/master\/nestedtemplates\/child\.json' is not reachable/);
    expect(expandTemplate({ templateFile: legacy, fillPlaceholders: true, scope: SCOPE, linkRoots: [{ prefix, dir }], parameterValues: { _artifactsLocation: `${prefix}samples/app/` } }).filled).toEqual([]);
    // deployment().properties.templateLink.uri as the default: kept (the template is deployed from its staged URL).
    const self = write(dir, 'samples/app/self.json', template('[deployment().properties.templateLink.uri]'));
    expect(expandTemplate({ templateFile: self, fillPlaceholders: true, scope: SCOPE }).outputs['at']).toBe(pathToFileURL(self).toString());
  });

  it('a template spec version the twin holds runs its mainTemplate (or template, older api-versions); a missing one is not found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-spec-'));
    const spec = (name: string, key: string) => ({
      type: 'Microsoft.Resources/templateSpecs/versions',
      apiVersion: key === 'template' ? '2019-06-01-preview' : '2022-02-01',
      name: `specs/${name}`,
      location: 'westeurope',
      properties: { [key]: { $schema: SCHEMA, parameters: { n: { type: 'string' } }, resources: [{ type: 'My.Rp/widgets', apiVersion: '2024-01-01', name: "[[parameters('n')]", properties: {} }], outputs: { n: out("[[parameters('n')]") } } },
    });
    const run = (version: string) => ({
      type: 'Microsoft.Resources/deployments',
      apiVersion: '2022-09-01',
      name: `run-${version}`,
      dependsOn: ["[resourceId('Microsoft.Resources/templateSpecs/versions', 'specs', 'v1')]", "[resourceId('Microsoft.Resources/templateSpecs/versions', 'specs', 'v0')]"],
      properties: { mode: 'Incremental', templateLink: { id: `[resourceId('Microsoft.Resources/templateSpecs/versions', 'specs', '${version}')]` }, parameters: { n: { value: `w-${version}` } } },
    });
    const file = write(dir, 't.json', { $schema: SCHEMA, resources: [spec('v1', 'mainTemplate'), spec('v0', 'template'), run('v1'), run('v0')], outputs: { v1: out("[reference('run-v1').outputs.n.value]"), v0: out("[reference('run-v0').outputs.n.value]") } });
    const r = expandTemplate({ templateFile: file, scope: SCOPE });
    expect(r.outputs).toEqual({ v1: 'w-v1', v0: 'w-v0' });
    expect(r.resources.filter((x) => x.type === 'My.Rp/widgets').map((x) => [x.name, x.deployment])).toEqual([['w-v1', 'run-v1'], ['w-v0', 'run-v0']]);
    const { dependsOn: _d, ...alone } = run('v9');
    const missing = write(dir, 'm.json', { $schema: SCHEMA, resources: [alone] });
    let error: { code?: string; message?: string } = {};
    try {
      expandTemplate({ templateFile: missing, scope: SCOPE });
    } catch (e) {
      error = e as typeof error;
    }
    expect(error.code).toBe('ERR_ARM_RESOURCE_NOT_FOUND');
    expect(error.message).toMatch(/the template spec version '.*\/versions\/v9' \(templateLink\.id\) was not found/);
  });
});

describe('expand: what the twin answers for resources a template reads', () => {
  const expand = (resources: unknown[], outputs: Record<string, ReturnType<typeof out>>, parameters: Record<string, unknown> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-reads-'));
    return expandTemplate({ templateFile: write(dir, 't.json', { $schema: SCHEMA, parameters, resources, outputs }), fillMissing: true, scope: SCOPE });
  };

  it("list() of a site's config/appsettings answers the settings it was created with; a Log Analytics workspace's keys", () => {
    const site = { type: 'Microsoft.Web/sites', apiVersion: '2023-12-01', name: 'app1', location: 'westeurope', properties: { siteConfig: { appSettings: [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }], connectionStrings: [{ name: 'db', connectionString: 'Server=x', type: 'SQLAzure' }] } } };
    const r = expand([site], {
      settings: out("[list(format('{0}/config/appsettings', resourceId('Microsoft.Web/sites', 'app1')), '2023-12-01').properties]", 'object'),
      name: out("[list(format('{0}/config/appsettings', resourceId('Microsoft.Web/sites', 'app1')), '2023-12-01').name]"),
      cs: out("[list(format('{0}/config/connectionstrings', resourceId('Microsoft.Web/sites', 'app1')), '2023-12-01').properties.db.type]"),
      key: out("[listKeys(resourceId('Microsoft.OperationalInsights/workspaces', 'law'), '2025-02-01').primarySharedKey]"),
      shared: out("[listKeys(resourceId('Microsoft.OperationalInsights/workspaces', 'law'), '2025-02-01').secondarySharedKey]"),
    });
    expect(r.outputs['settings']).toEqual({ A: '1', B: 'two' });
    expect(r.outputs['name']).toBe('appsettings');
    expect(r.outputs['cs']).toBe('SQLAzure');
    expect(r.outputs['key']).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(r.outputs['shared']).not.toBe(r.outputs['key']);
  });

  it("an SMB volume's mount target has the SMB server FQDN (account AD prefix, 4 hex characters, domain); an NFS volume's is ''", () => {
    const account = { type: 'Microsoft.NetApp/netAppAccounts', apiVersion: '2020-06-01', name: 'acc', location: 'westeurope', properties: { activeDirectories: [{ domain: 'contoso.com', smbServerName: 'smb', username: 'u', password: 'p', dns: '10.0.0.4' }] } };
    const volume = (name: string, protocols?: string[]) => ({
      type: 'Microsoft.NetApp/netAppAccounts/capacityPools/volumes',
      apiVersion: '2020-06-01',
      name: `acc/pool/${name}`,
      location: 'westeurope',
      dependsOn: ["[resourceId('Microsoft.NetApp/netAppAccounts', 'acc')]"],
      properties: { creationToken: name, usageThreshold: 107374182400, subnetId: '/x', ...(protocols ? { protocolTypes: protocols } : {}) },
    });
    const id = (n: string) => `resourceId('Microsoft.NetApp/netAppAccounts/capacityPools/volumes', 'acc', 'pool', '${n}')`;
    const r = expand([account, volume('smbvol', ['CIFS']), volume('nfsvol')], {
      fqdn: out(`[reference(${id('smbvol')}).mountTargets[0].smbServerFqdn]`),
      nfs: out(`[string(reference(${id('nfsvol')}).mountTargets[0])]`),
    });
    expect(r.outputs['fqdn']).toMatch(/^smb-[0-9a-f]{4}\.contoso\.com$/);
    expect(JSON.parse(String(r.outputs['nfs']))).toEqual({ mountTargetId: expect.any(String), fileSystemId: expect.any(String), ipAddress: '10.0.0.4', smbServerFqdn: '' });
  });

  it('--fill-missing also fills a nullable parameter that AVM marks "Conditional."; "Optional." ones stay null', () => {
    const r = expand([], { c: out("[string(parameters('cond'))]"), o: out("[string(parameters('opt'))]") }, {
      cond: { type: 'string', nullable: true, metadata: { description: 'Conditional. The replica location. Required if enableRedundancy is set to true.' } },
      opt: { type: 'string', nullable: true, metadata: { description: 'Optional. A tag.' } },
    });
    expect(r.outputs['c']).toMatch(/^[a-z]/);
    expect(r.outputs['o']).toBe('');
  });

  it('--fill-missing takes a non-null allowed value when there is one (Bicep `({key: \'value\'} | null)[]`); resource ids end in a short name', () => {
    const r = expand([], { k: out("[parameters('mightIncludeNull')[0].key]"), s: out("[parameters('tier')]"), id: out("[last(split(parameters('destinationAccountResourceId'), '/'))]") }, {
      mightIncludeNull: { type: 'array', allowedValues: [null, { key: 'value' }] },
      tier: { type: 'string', allowedValues: ['Basic', 'Premium'] },
      destinationAccountResourceId: { type: 'string' },
    });
    // A generated resource id ends in a name most types accept (a storage account's: 3 to 24 lower-case letters and digits).
    expect(r.outputs).toEqual({ k: 'value', s: 'Basic', id: 'destinationaccountresour' });
  });
});
