import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deploy } from '../../src/arm/index.js';
import { RG, setup, snapshot } from './helpers/seed.js';

const svc = { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } };
const api = { type: 'Microsoft.ApiManagement/service/apis', name: 's/api', dependsOn: ['s'], properties: { path: 'p' } };
const op = (urlTemplate: string) => ({
  type: 'Microsoft.ApiManagement/service/apis/operations', name: 's/api/op', dependsOn: ['s/api'], properties: { method: 'GET', urlTemplate },
});

function deployError(resources: unknown[], file = 'apim.json') {
  const { store, options } = setup();
  const before = snapshot(store);
  try {
    deploy({ deploymentName: 'd', template: { text: JSON.stringify({ $schema: '', contentVersion: '1.0.0.0', resources }, null, 2), file } }, options);
  } catch (e) {
    expect(snapshot(store)).toEqual(before);
    return e as Error & { code: string; location?: { file?: string; line?: number } };
  }
  throw new Error('the deployment succeeded');
}

describe('APIM operations: urlTemplate validated on deploy', () => {
  it('refuses several {*x} wildcards with a coded error naming the resource, the file and line', () => {
    const e = deployError([svc, api, op('/{*a}/{*b}/{*c}')]);
    expect(e.code).toBe('ERR_ARM_RESOURCE_INVALID');
    expect(e.message).toContain(`The resource '${RG}/providers/Microsoft.ApiManagement/service/s/apis/api/operations/op'`);
    expect(e.message).toContain("the property 'properties.urlTemplate' is not valid: ERR_APIM_URL_TEMPLATE:");
    expect(e.message).toContain('valid only as the whole last path segment');
    expect(e.location?.file).toBe('apim.json');
    expect(e.location?.line).toBeGreaterThan(1);
  });

  it('accepts one trailing wildcard', () => {
    const { options } = setup();
    const r = deploy({ deploymentName: 'd', template: { resources: [svc, api, op('/files/{*path}')] } }, options);
    expect(r.resources).toHaveLength(3);
  });
});

describe('APIM access resources: products, users, subscriptions and their keys', () => {
  const product = { type: 'Microsoft.ApiManagement/service/products', name: 's/starter', dependsOn: ['s'], properties: { displayName: 'Starter', subscriptionRequired: true, state: 'published' } };
  const productApi = { type: 'Microsoft.ApiManagement/service/products/apis', name: 's/starter/api', dependsOn: ['s/starter', 's/api'] };
  const user = { type: 'Microsoft.ApiManagement/service/users', name: 's/ana', dependsOn: ['s'], properties: { email: 'ana@contoso.com', firstName: 'Ana', lastName: 'L' } };
  const sub = (props: Record<string, unknown>) => ({ type: 'Microsoft.ApiManagement/service/subscriptions', name: 's/sub1', dependsOn: ['s/starter', 's/ana'], properties: { displayName: 'Sub', scope: '/products/starter', ...props } });

  it('a subscription gets two 32-hex keys, kept on redeploy, hidden from its properties, answered by listSecrets', () => {
    const { store, options } = setup();
    const resources = [svc, api, product, productApi, user, sub({ ownerId: '/users/ana' })];
    deploy({ deploymentName: 'd1', template: { resources } }, options);
    const rec = store.getResource(`${RG}/providers/Microsoft.ApiManagement/service/s/subscriptions/sub1`)!;
    const keys = rec.listResults!.listsecrets as { primaryKey: string; secondaryKey: string };
    expect(keys.primaryKey).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.secondaryKey).toMatch(/^[0-9a-f]{32}$/);
    expect(keys.primaryKey).not.toBe(keys.secondaryKey);
    expect(rec.properties.primaryKey).toBeUndefined();
    expect(rec.properties.state).toBe('active');
    deploy({ deploymentName: 'd2', template: { resources } }, options);
    expect(store.getResource(rec.id)!.listResults!.listsecrets).toEqual(keys);
  });

  it('given keys are used; a scope naming a missing product, or a product API that does not exist, fails the deployment', () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, api, product, user, sub({ primaryKey: 'my-primary', secondaryKey: 'my-secondary' })] } }, options);
    expect(store.getResource(`${RG}/providers/Microsoft.ApiManagement/service/s/subscriptions/sub1`)!.listResults!.listsecrets).toEqual({ primaryKey: 'my-primary', secondaryKey: 'my-secondary' });
    const noProduct = deployError([svc, api, user, { ...sub({}), dependsOn: ['s/ana'] }]);
    expect(noProduct.message).toContain("the product 'starter' does not exist");
    const noApi = deployError([svc, product, { ...productApi, dependsOn: ['s/starter'] }]);
    expect(noApi.message).toContain("the API 'api' does not exist");
  });

  it('named values: a Key Vault reference resolves from a deployed vault secret and hides the value; a missing secret fails', () => {
    const vault = { type: 'Microsoft.KeyVault/vaults', name: 'kv', properties: { tenantId: '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69', sku: { name: 'standard', family: 'A' } } };
    const secret = { type: 'Microsoft.KeyVault/vaults/secrets', name: 'kv/backend-key', dependsOn: ['kv'], properties: { value: 's3cret' } };
    const nv = (sid: string) => ({ type: 'Microsoft.ApiManagement/service/namedValues', name: 's/backend-key', dependsOn: ['s', 'kv/backend-key'], properties: { displayName: 'backend-key', secret: true, keyVault: { secretIdentifier: sid } } });
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, vault, secret, nv('https://kv.vault.azure.net/secrets/backend-key')] } }, options);
    const rec = store.getResource(`${RG}/providers/Microsoft.ApiManagement/service/s/namedValues/backend-key`)!;
    expect(rec.listResults!.listvalue).toEqual({ value: 's3cret' });
    expect(rec.properties.value).toBeUndefined();
    const e = deployError([svc, vault, secret, nv('https://kv.vault.azure.net/secrets/other')]);
    expect(e.message).toContain("the Key Vault secret 'https://kv.vault.azure.net/secrets/other' was not found");
  });

  it('policy fragments are validated as fragments; a policy including a missing fragment fails; xml-link over http is refused', () => {
    const frag = (value: string) => ({ type: 'Microsoft.ApiManagement/service/policyFragments', name: 's/common', dependsOn: ['s'], properties: { format: 'rawxml', value } });
    const pol = (value: string, format = 'rawxml') => ({ type: 'Microsoft.ApiManagement/service/apis/policies', name: 's/api/policy', dependsOn: ['s/api', 's/common'], properties: { format, value } });
    const { options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, api, frag('<fragment><set-header name="x" exists-action="override"><value>1</value></set-header></fragment>'), pol('<policies><inbound><include-fragment fragment-id="common"/></inbound></policies>')] } }, options);
    expect(deployError([svc, api, frag('<policies/>')]).message).toContain('must have the root <fragment>');
    expect(deployError([svc, api, frag('<fragment/>'), pol('<policies><inbound><include-fragment fragment-id="nope"/></inbound></policies>')]).message).toContain('ERR_APIM_POLICY_FRAGMENT');
    expect(deployError([svc, api, frag('<fragment/>'), pol('https://example.com/policy.xml', 'rawxml-link')]).message).toContain('cannot be fetched: the twin is offline');
  });

  it('version sets need their header or query name; loggers their type', () => {
    const vs = (props: Record<string, unknown>) => ({ type: 'Microsoft.ApiManagement/service/apiVersionSets', name: 's/vs', dependsOn: ['s'], properties: { displayName: 'V', ...props } });
    expect(deployError([svc, vs({ versioningScheme: 'Header' })]).message).toContain("'properties.versionHeaderName' is required");
    expect(deployError([svc, vs({ versioningScheme: 'Path' })]).message).toContain('versioningScheme');
    const logger = { type: 'Microsoft.ApiManagement/service/loggers', name: 's/hub', dependsOn: ['s'], properties: { loggerType: 'kafka' } };
    expect(deployError([svc, logger]).message).toContain('loggerType');
  });
});

describe('APIs imported from OpenAPI become operations', () => {
  const spec = {
    openapi: '3.0.1', info: { title: 'Orders', version: '1' }, servers: [{ url: 'https://orders.contoso.com/api' }],
    paths: {
      '/orders/{id}': { get: { operationId: 'get-order', summary: 'Get an order', responses: { 200: { description: 'ok', content: { 'application/json': { example: { id: 1 } } } } } } },
      '/orders': { post: { operationId: 'create-order', responses: { 201: { description: 'created' } } } },
    },
  };
  const imported = (props: Record<string, unknown>) => ({ type: 'Microsoft.ApiManagement/service/apis', name: 's/orders', dependsOn: ['s'], properties: { path: 'orders', ...props } });

  it('format openapi+json with value: one operation per path and method, with examples; serviceUrl from servers', async () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, imported({ format: 'openapi+json', value: JSON.stringify(spec) })] } }, options);
    const ops = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' });
    expect(ops.map((o) => [o.name.split('/').pop(), o.properties.method, o.properties.urlTemplate]).sort()).toEqual([
      ['create-order', 'POST', '/orders'], ['get-order', 'GET', '/orders/{id}'],
    ]);
    const { buildServiceConfig } = await import('../../src/runtime/service-config.js');
    const cfg = buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!);
    expect(cfg.apis[0]!.serviceUrl).toBe('https://orders.contoso.com/api');
    expect(cfg.apis[0]!.operations.find((o) => o.name === 'get-order')!.examples).toEqual([{ status: 200, contentType: 'application/json', body: '{"id":1}' }]);
  });

  it('format openapi with a YAML value, or openapi-link to a local YAML file: the same operations', () => {
    const yaml = ['openapi: 3.0.1', 'info: { title: Orders, version: "1" }', 'servers:', '  - url: https://orders.contoso.com/api', 'paths:',
      '  /orders/{id}:', '    get:', '      operationId: get-order', '      responses:', "        '200':", '          description: ok',
      '          content:', '            application/json:', '              example: { id: 1 }', '  /orders:', '    post:', '      operationId: create-order',
      '      responses:', "        '201': { description: created }", ''].join('\n');
    const names = (s: ReturnType<typeof setup>['store']) => s.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => [o.name.split('/').pop(), o.properties.method, o.properties.urlTemplate]).sort();
    const a = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, imported({ format: 'openapi', value: yaml })] } }, a.options);
    expect(names(a.store)).toEqual([['create-order', 'POST', '/orders'], ['get-order', 'GET', '/orders/{id}']]);
    const dir = mkdtempSync(join(tmpdir(), 'trustline-yaml-'));
    try {
      writeFileSync(join(dir, 'orders.yaml'), yaml);
      const b = setup();
      deploy({ deploymentName: 'd', template: { resources: [svc, imported({ format: 'openapi-link', value: pathToFileURL(join(dir, 'orders.yaml')).href })] } }, b.options);
      expect(names(b.store)).toEqual(names(a.store));
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('bad YAML (with its line), YAML under a +json format, aliases past the bound, an http link, or a path APIM cannot route is refused', () => {
    expect(deployError([svc, imported({ format: 'openapi', value: 'openapi: 3.0.1\npaths:\n  a: [1\n' })]).message).toMatch(/not valid YAML or JSON: line \d+, column \d+/);
    expect(deployError([svc, imported({ format: 'openapi+json', value: 'openapi: 3.0.1\npaths: {}' })]).message).toContain('not valid JSON');
    const bomb = ['openapi: 3.0.1', 'a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`), 'paths: {}'].join('\n');
    expect(deployError([svc, imported({ format: 'openapi', value: bomb })]).message).toMatch(/alias/i);
    expect(deployError([svc, imported({ format: 'openapi', value: 'title: no openapi key' })]).message).toContain('neither "openapi" nor "swagger"');
    expect(deployError([svc, imported({ format: 'openapi+json-link', value: 'https://example.com/openapi.json' })]).message).toContain('the twin is offline');
    const bad = { ...spec, paths: { '/{*a}/{*b}': { get: { responses: {} } } } };
    expect(deployError([svc, imported({ format: 'openapi+json', value: JSON.stringify(bad) })]).message).toContain('ERR_APIM_URL_TEMPLATE');
  });
});

describe('API revisions (name;rev=N) and releases', () => {
  const rev2 = (props: Record<string, unknown> = {}) => ({ type: 'Microsoft.ApiManagement/service/apis', name: 's/api;rev=2', dependsOn: ['s/api'], properties: { sourceApiId: "[resourceId('Microsoft.ApiManagement/service/apis', 's', 'api')]", ...props } });
  const release = { type: 'Microsoft.ApiManagement/service/apis/releases', name: 's/api/r1', dependsOn: ['s/api;rev=2'], properties: { apiId: "[resourceId('Microsoft.ApiManagement/service/apis', 's', 'api;rev=2')]" } };

  it('a revision takes its API\'s path and operations; it is not current until a release names it', async () => {
    const { buildServiceConfig } = await import('../../src/runtime/service-config.js');
    const cfg = (resources: unknown[]) => {
      const { store, options } = setup();
      deploy({ deploymentName: 'd', template: { resources } }, options);
      return buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!).apis.map((a) => [a.name, a.path, a.revision, a.isCurrent, a.operations.length]);
    };
    expect(cfg([svc, api, op('/x'), rev2()]).sort()).toEqual([['api', 'p', '1', true, 1], ['api;rev=2', 'p', '2', false, 1]]);
    expect(cfg([svc, api, op('/x'), rev2(), release]).sort()).toEqual([['api', 'p', '1', false, 1], ['api;rev=2', 'p', '2', true, 1]]);
  });

  it('refuses a revision that is not a number, a release of an unknown revision', () => {
    expect(deployError([svc, api, { ...rev2(), name: 's/api;rev=two' }]).message).toContain('must be a whole number');
    expect(deployError([svc, api, { ...release, dependsOn: ['s/api'] }]).message).toContain('is not an API revision');
  });

  it('an apiRevision that disagrees with the name: the name decides (GET shows revision 2, the gateway serves it as ;rev=2), with a warning', async () => {
    const { buildServiceConfig } = await import('../../src/runtime/service-config.js');
    const { store, options } = setup();
    const { warnings } = deploy({ deploymentName: 'd', template: { resources: [svc, api, op('/x'), rev2({ apiRevision: '3' })] } }, options);
    expect(warnings.join('\n')).toContain("'properties.apiRevision' ('3') differs from the revision in its name ('2'); the name decides");
    const rec = store.getResource(`${RG}/providers/Microsoft.ApiManagement/service/s/apis/api;rev=2`)!;
    expect(rec.properties).toMatchObject({ apiRevision: '2', isCurrent: false });
    const apis = buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!).apis;
    expect(apis.map((a) => [a.name, a.revision]).sort()).toEqual([['api', '1'], ['api;rev=2', '2']]);
  });
});

describe('display names reach the gateway (context.Api.Name, context.Operation.Name)', () => {
  it('the deployed API and operation carry their displayName into the service the gateway compiles; without one, none', async () => {
    const { buildServiceConfig } = await import('../../src/runtime/service-config.js');
    const build = (resources: unknown[]) => {
      const { store, options } = setup();
      deploy({ deploymentName: 'd', template: { resources } }, options);
      return buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!).apis[0]!;
    };
    const named = build([svc, { ...api, properties: { ...api.properties, displayName: 'Orders API' } }, { ...op('/x'), properties: { ...op('/x').properties, displayName: 'Get an order' } }]);
    expect([named.name, named.displayName, named.operations[0]!.displayName]).toEqual(['api', 'Orders API', 'Get an order']);
    const bare = build([svc, api, op('/x')]);
    expect([bare.displayName, bare.operations[0]!.displayName]).toEqual([undefined, undefined]);
  });
});

describe('certificates (client certificates for authentication-certificate)', () => {
  const pfx = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'certificates', 'client.pfx')).toString('base64');
  const cert = (props: Record<string, unknown>) => ({ type: 'Microsoft.ApiManagement/service/certificates', name: 's/client', dependsOn: ['s'], properties: props });

  it('a PKCS#12 bundle that opens is stored with its thumbprint, subject and expiry; data and password stay out of the record', async () => {
    const { store, options } = setup();
    deploy({ deploymentName: 'd', template: { resources: [svc, cert({ data: pfx, password: 'trustline' })] } }, options);
    const rec = store.listResources({ type: 'Microsoft.ApiManagement/service/certificates' })[0]!;
    expect(rec.properties).toMatchObject({ thumbprint: '313887D34B9D5E4D4D380D77FBF0CA6026757FFB', subject: 'CN=trustline-test-client' });
    expect(JSON.stringify(rec.properties)).not.toContain(pfx.slice(0, 40));
    expect(rec.properties.password).toBeUndefined();
    const { buildServiceConfig } = await import('../../src/runtime/service-config.js');
    const cfg = buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!);
    expect(cfg.certificates).toEqual([{ id: 'client', data: pfx, password: 'trustline' }]);
  });

  it('a wrong password or no data is refused', () => {
    expect(deployError([svc, cert({ data: pfx, password: 'wrong' })]).message).toContain('does not open');
    expect(deployError([svc, cert({ password: 'x' })]).message).toContain("'properties.data'");
  });
});
