/**
 * Issue 6 "Gateway runtime", as a user meets it through the running twin: an API imported from OpenAPI with its
 * contract checked by validate-content, a product and a subscription whose generated keys come from listSecrets on
 * the control plane, a Key Vault–backed named value, the exact 401 bodies, request tracing (debug credentials) and the decision record.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000016';
const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b16';
const RG = 'rg-gwrt';
const APIM = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ApiManagement/service/rtapim`;
const openapi = {
  openapi: '3.0.1', info: { title: 'Orders', version: '1' },
  paths: { '/orders': { post: { operationId: 'create', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } }, responses: { 200: { description: 'ok' } } } } },
  components: { schemas: { Order: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer', minimum: 1 } } } } },
};
const POLICY = `<policies><inbound><base />
  <validate-content unspecified-content-type-action="prevent" max-size="4096" size-exceeded-action="prevent"><content type="application/json" validate-as="json" action="prevent" /></validate-content>
  <set-header name="x-partner-key" exists-action="override"><value>{{partner-key}}</value></set-header>
  <set-header name="x-deployment" exists-action="override"><value>@(context.Deployment.ServiceName + "|" + context.Deployment.Region + "|" + context.Deployment.ServiceId)</value></set-header>
</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
const r = (type: string, name: string, properties: Record<string, unknown>, dependsOn: string[] = [], extra: Record<string, unknown> = {}) => ({ type, apiVersion: '2022-08-01', name, properties, dependsOn, ...extra });
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'rtplan', location: 'westeurope', sku: { name: 'Y1' }, kind: 'functionapp' },
    { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'rtsite', location: 'westeurope', kind: 'functionapp', dependsOn: ['rtplan'], properties: {} },
    { type: 'Microsoft.KeyVault/vaults', apiVersion: '2023-07-01', name: 'rtkv', location: 'westeurope', properties: { tenantId: TENANT, sku: { name: 'standard', family: 'A' } } },
    { type: 'Microsoft.KeyVault/vaults/secrets', apiVersion: '2023-07-01', name: 'rtkv/partner', dependsOn: ['rtkv'], properties: { value: 'from-key-vault' } },
    r('Microsoft.ApiManagement/service', 'rtapim', { publisherEmail: 'a@b.c', publisherName: 'n' }, [], { location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, identity: { type: 'SystemAssigned' } }),
    r('Microsoft.ApiManagement/service/namedValues', 'rtapim/partner-key', { displayName: 'partner-key', secret: true, keyVault: { secretIdentifier: 'https://rtkv.vault.azure.net/secrets/partner' } }, ['rtapim', 'rtkv/partner']),
    r('Microsoft.ApiManagement/service/apis', 'rtapim/orders', { path: 'orders-api', displayName: 'Orders', protocols: ['https'], serviceUrl: 'https://rtsite.azurewebsites.net/api', format: 'openapi+json', value: JSON.stringify(openapi) }, ['rtapim']),
    r('Microsoft.ApiManagement/service/apis/policies', 'rtapim/orders/policy', { format: 'rawxml', value: POLICY }, ["[resourceId('Microsoft.ApiManagement/service/apis', 'rtapim', 'orders')]", "[resourceId('Microsoft.ApiManagement/service/namedValues', 'rtapim', 'partner-key')]"]),
    r('Microsoft.ApiManagement/service/products', 'rtapim/gold', { displayName: 'Gold', state: 'published', subscriptionRequired: true }, ['rtapim']),
    r('Microsoft.ApiManagement/service/products/apis', 'rtapim/gold/orders', {}, ["[resourceId('Microsoft.ApiManagement/service/products', 'rtapim', 'gold')]", "[resourceId('Microsoft.ApiManagement/service/apis', 'rtapim', 'orders')]"]),
    r('Microsoft.ApiManagement/service/subscriptions', 'rtapim/gold-sub', { displayName: 'Gold subscription', scope: "[resourceId('Microsoft.ApiManagement/service/products', 'rtapim', 'gold')]", state: 'active', allowTracing: true }, ["[resourceId('Microsoft.ApiManagement/service/products/apis', 'rtapim', 'gold', 'orders')]"]),
  ],
};

describe('gateway runtime through the running twin (issue 6)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-gwrt-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    await twin.deploy({ deploymentName: 'gwrt', template });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const http = async (url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => {
    const res = await request(url, { dispatcher: tls, method: (init.method ?? 'GET') as 'GET', headers: init.headers ?? {}, ...(init.body !== undefined ? { body: init.body } : {}) });
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
  };
  const gateway = (path: string, init: Parameters<typeof http>[1] = {}) => http(twin.ready().apim.rtapim!.gatewayUrl + path, init);
  const keys = async () => JSON.parse((await http(`${twin.ready().controlPlane}${APIM}/subscriptions/gold-sub/listSecrets?api-version=2022-08-01`, { method: 'POST' })).text) as { primaryKey: string; secondaryKey: string };

  it('listSecrets gives the generated keys; without a key the exact 401, with either key the imported operation answers', async () => {
    const k = await keys();
    expect(k.primaryKey).toMatch(/^[0-9a-f]{32}$/);
    expect(k.secondaryKey).toMatch(/^[0-9a-f]{32}$/);
    const body = '{"sku":"A1","qty":2}';
    const none = await gateway('/orders-api/orders', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(none.text).toBe('{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }');
    expect(none.headers['www-authenticate']).toBe('AzureApiManagementKey realm="https://rtapim.azure-api.net/orders-api",name="Ocp-Apim-Subscription-Key",type="header"');
    const wrong = await gateway('/orders-api/orders', { method: 'POST', body, headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': 'nope' } });
    expect(wrong.text).toBe('{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }');
    for (const key of [k.primaryKey, k.secondaryKey]) {
      const ok = await gateway(`/orders-api/orders?subscription-key=${key}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(ok.status).toBe(200);
      const echoed = JSON.parse(ok.text) as { path: string; headers: Record<string, string> };
      expect(echoed.path).toBe('/api/orders');
      expect(echoed.headers['x-partner-key']).toBe('from-key-vault');
      expect(echoed.headers['x-deployment']).toBe(`rtapim|westeurope|${APIM}`);
    }
  });

  it('validate-content checks the imported schema: a body that breaks it never reaches the function', async () => {
    const { primaryKey } = await keys();
    const bad = await gateway('/orders-api/orders', { method: 'POST', body: '{"qty":0}', headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': primaryKey } });
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('{ "statusCode": 400, "message": "Body of the request does not conform to the definition Order, which is associated with the content type application/json. Integer 0 is less than minimum value of 1. Line: 1, Position: 8" }');
    const id = String(bad.headers['x-trustline-apim-request-id']);
    const record = twin.decisions.get(id) as unknown as { status: number; explanation?: string; route: { operation: string } };
    expect(record.status).toBe(400);
    expect(record.route.operation).toBe('create');
    expect(record.explanation).toContain('validate-content');
  });

  it('tracing as Azure does it now: listDebugCredentials → Apim-Debug-Authorization → Apim-Trace-Id → listTrace; Ocp-Apim-Trace alone traces nothing', async () => {
    const { primaryKey } = await keys();
    const call = (headers: Record<string, string>) => gateway('/orders-api/orders', { method: 'POST', body: '{"sku":"B"}', headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': primaryKey, ...headers } });
    const legacy = await call({ 'ocp-apim-trace': 'true' });
    expect(legacy.status).toBe(200);
    expect(legacy.headers['ocp-apim-trace-location']).toBeUndefined();
    expect(legacy.headers['apim-trace-id']).toBeUndefined();
    const gw = `${twin.ready().controlPlane}${APIM}/gateways/managed`;
    const post = (action: string, body: unknown) => http(`${gw}/${action}?api-version=2023-05-01-preview`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const creds = await post('listDebugCredentials', { credentialsExpireAfter: 'PT1H', apiId: `${APIM}/apis/orders`, purposes: ['tracing'] });
    expect(creds.status).toBe(200);
    const { token } = JSON.parse(creds.text) as { token: string };
    expect(token).toMatch(/^aid=orders&/);
    const traced = await call({ 'apim-debug-authorization': token });
    expect(traced.status).toBe(200);
    const traceId = String(traced.headers['apim-trace-id']);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = await post('listTrace', { traceId });
    expect(trace.status).toBe(200);
    const doc = JSON.parse(trace.text) as { traceEntries: { inbound: Array<{ source: string }> } };
    expect(doc.traceEntries.inbound.map((e) => e.source)).toEqual(expect.arrayContaining(['validate-content', 'set-header']));
    // refusals: no tracing purpose, more than an hour, an API the service lacks, an unknown trace
    expect((await post('listDebugCredentials', { apiId: `${APIM}/apis/orders`, purposes: [] })).status).toBe(400);
    expect((await post('listDebugCredentials', { apiId: `${APIM}/apis/orders`, purposes: ['tracing'], credentialsExpireAfter: 'PT2H' })).status).toBe(400);
    expect((await post('listDebugCredentials', { apiId: `${APIM}/apis/nope`, purposes: ['tracing'] })).status).toBe(404);
    expect((await post('listTrace', { traceId: '0'.repeat(32) })).status).toBe(404);
  });

});
