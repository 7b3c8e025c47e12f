import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000013';
const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1c';
const RG = 'rg-writes';
const PROVIDERS = `/subscriptions/${SUB}/resourceGroups/${RG}/providers`;
const SITE = `${PROVIDERS}/Microsoft.Web/sites/wsite`;
const APIM = `${PROVIDERS}/Microsoft.ApiManagement/service/wapim`;
const AUDIENCE = '5e2f9a1b-7c3d-4e8f-9a0b-1c2d3e4f5a6b';

const policy = (header: string) =>
  `<policies><inbound><base /><set-header name="x-written" exists-action="override"><value>${header}</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'wplan', location: 'westeurope', sku: { name: 'Y1' }, kind: 'functionapp' },
    { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'wsite', location: 'westeurope', kind: 'functionapp', dependsOn: ['wplan'], properties: { siteConfig: { appSettings: [{ name: 'A', value: '1' }] } } },
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'wapim', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
    { type: 'Microsoft.ApiManagement/service/namedValues', apiVersion: '2022-08-01', name: 'wapim/greeting', dependsOn: ['wapim'], properties: { displayName: 'greeting', value: 'hello' } },
    { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 'wapim/echo', dependsOn: ['wapim'], properties: { path: 'echo', displayName: 'Echo', protocols: ['https'], serviceUrl: 'https://wsite.azurewebsites.net/api', subscriptionRequired: false } },
    { type: 'Microsoft.ApiManagement/service/apis/operations', apiVersion: '2022-08-01', name: 'wapim/echo/get', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/apis', 'wapim', 'echo')]"], properties: { displayName: 'get', method: 'GET', urlTemplate: '/hello' } },
    { type: 'Microsoft.ApiManagement/service/apis/policies', apiVersion: '2022-08-01', name: 'wapim/echo/policy', dependsOn: ["[resourceId('Microsoft.ApiManagement/service/apis', 'wapim', 'echo')]", "[resourceId('Microsoft.ApiManagement/service/namedValues', 'wapim', 'greeting')]"], properties: { format: 'rawxml', value: policy('{{greeting}}') } },
  ],
};

interface ArmError {
  error: { code: string; message: string; target?: string; additionalInfo?: Array<{ type: string; info: Record<string, unknown> }> };
}

describe('control plane: writing resources by id (PUT/PATCH/DELETE) takes the deployment path', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-cpw-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    await twin.deploy({ deploymentName: 'base', template });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = async <T = Record<string, unknown>>(path: string, init: { method?: string; body?: unknown } = {}) => {
    const url = path.startsWith('https://') ? path : `${twin.ready().controlPlane}${path}`;
    const r = await request(url, {
      dispatcher: tls,
      method: (init.method ?? 'GET') as 'GET',
      ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
      headers: { 'content-type': 'application/json' },
    });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const site = async (path = '/api/hello') => {
    const r = await request(`${twin.ready().sites['wsite']!.url}${path}`, { dispatcher: tls });
    return { status: r.statusCode, text: await r.body.text() };
  };
  const gateway = async () => {
    const r = await request(`${twin.ready().apim['wapim']!.gatewayUrl}/echo/hello`, { dispatcher: tls });
    const text = await r.body.text();
    return { status: r.statusCode, text, echoed: r.statusCode === 200 ? (JSON.parse(text) as { headers: Record<string, string> }) : undefined };
  };

  it('PUT config/authsettingsV2 is validated by Easy Auth\'s normaliser (400, nothing changed) and served by the site right after', async () => {
    expect((await site()).status).toBe(200);
    const bad = await call<ArmError>(`${SITE}/config/authsettingsV2?api-version=2022-09-01`, {
      method: 'PUT',
      body: { properties: { platform: { enabled: true }, globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Sometimes' } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BadRequest');
    expect(bad.body.error.message).toContain('unauthenticatedClientAction');
    expect(bad.body.error.additionalInfo).toEqual([{ type: 'TrustlineError', info: expect.objectContaining({ code: 'ERR_ARM_RESOURCE_INVALID' }) }]);
    expect((await site()).status).toBe(200);
    expect(twin.store.getResource(`${SITE}/config/authsettingsV2`)).toBeUndefined();

    const settings = {
      platform: { enabled: true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
      identityProviders: { azureActiveDirectory: { enabled: true, registration: { openIdIssuer: `https://sts.windows.net/${TENANT}/`, clientId: AUDIENCE } } },
    };
    const put = await call<{ id: string; name: string; type: string; properties: Record<string, unknown> }>(`${SITE}/config/authsettingsV2?api-version=2022-09-01`, { method: 'PUT', body: { properties: settings } });
    // A site's config always exists in App Service (GET answers it before any PUT): the first PUT is 200, not 201.
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: `${SITE}/config/authsettingsV2`, name: 'authsettingsV2', type: 'Microsoft.Web/sites/config', properties: settings });
    expect((await site()).status).toBe(401);
    expect(twin.ready().sites['wsite']!).toMatchObject({ hostName: 'wsite.azurewebsites.net' });
    const again = await call(`${SITE}/config/authsettingsV2?api-version=2022-09-01`, { method: 'PUT', body: { properties: { ...settings, platform: { enabled: false } } } });
    expect(again.status).toBe(200);
    expect((await site()).status).toBe(200);
    // No deployment record is left behind by a direct write.
    const deployments = await call<{ value: Array<{ name: string }> }>(`${PROVIDERS}/Microsoft.Resources/deployments?api-version=2021-04-01`);
    expect(deployments.body.value.map((d) => d.name)).toEqual(['base']);
  });

  it('PUT config/appsettings and config/web; PATCH merges into the stored resource', async () => {
    const bad = await call<ArmError>(`${SITE}/config/appsettings?api-version=2022-09-01`, { method: 'PUT', body: { properties: { A: 1 } } });
    expect(bad.status).toBe(400);
    const put = await call(`${SITE}/config/appsettings?api-version=2022-09-01`, { method: 'PUT', body: { properties: { A: '2', B: '[not an expression]' } } });
    expect(put.status).toBe(200);
    const listed = await call<{ properties: Record<string, string> }>(`${SITE}/config/appsettings/list?api-version=2022-09-01`, { method: 'POST' });
    expect(listed.body.properties).toEqual({ A: '2', B: '[not an expression]' });
    const web = await call<{ name: string; properties: Record<string, unknown> }>(`${SITE}/config/web?api-version=2022-09-01`, { method: 'PUT', body: { properties: { ftpsState: 'Disabled', minTlsVersion: '1.2' } } });
    expect(web.status).toBe(200);
    const patched = await call<{ properties: Record<string, unknown> }>(`${SITE}/config/web?api-version=2022-09-01`, { method: 'PATCH', body: { properties: { minTlsVersion: '1.3' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.properties).toEqual({ ftpsState: 'Disabled', minTlsVersion: '1.3' });
  });

  it('PUT of an APIM policy goes through the provider a deployment uses: a bad policy is 400 and the gateway keeps serving the old one', async () => {
    expect((await gateway()).echoed?.headers['x-written']).toBe('hello');
    const bad = await call<ArmError>(`${APIM}/apis/echo/policies/policy?api-version=2022-08-01`, { method: 'PUT', body: { properties: { format: 'rawxml', value: '<policies><inbound><no-such-policy /></inbound></policies>' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('BadRequest');
    expect((await gateway()).echoed?.headers['x-written']).toBe('hello');
    const ok = await call(`${APIM}/apis/echo/policies/policy?api-version=2022-08-01`, { method: 'PUT', body: { properties: { format: 'rawxml', value: policy('written by PUT') } } });
    expect(ok.status).toBe(200);
    expect((await gateway()).echoed?.headers['x-written']).toBe('written by PUT');
    const nv = await call<{ properties: { displayName: string } }>(`${APIM}/namedValues/greeting?api-version=2022-08-01`, { method: 'PATCH', body: { properties: { value: 'bonjour' } } });
    expect(nv.status).toBe(200);
    expect(nv.body.properties.displayName).toBe('greeting');
  });

  it('GET of a policy answers the format asked: xml (APIM\'s default) escapes the expressions, rawxml gives them as written', async () => {
    const url = `${APIM}/apis/echo/policies/policy?api-version=2022-08-01`;
    const put = await call<{ properties: { format: string; value: string } }>(`${url}&format=rawxml`, { method: 'PUT', body: { properties: { format: 'rawxml', value: policy('@("<" + context.Request.Method + ">")') } } });
    expect(put.status).toBe(200);
    expect(put.body.properties).toEqual({ format: 'rawxml', value: policy('@("<" + context.Request.Method + ">")') });
    expect((await gateway()).echoed?.headers['x-written']).toBe('<GET>');
    const xml = await call<{ properties: { format: string; value: string } }>(url);
    expect(xml.body.properties).toEqual({ format: 'xml', value: policy('@("&lt;" + context.Request.Method + "&gt;")') });
    const raw = await call<{ properties: { format: string; value: string } }>(`${url}&format=rawxml`);
    expect(raw.body.properties.value).toBe(policy('@("<" + context.Request.Method + ">")'));
    const list = await call<{ value: Array<{ properties: { format: string } }> }>(`${APIM}/apis/echo/policies?api-version=2022-08-01&format=rawxml`);
    expect(list.body.value.map((p) => p.properties.format)).toEqual(['rawxml']);
  });

  it('the service-level ("All APIs") policy: APIM\'s default from the start; a PUT one reaches the API\'s <base/>; what-if sees Modify, Complete keeps it; DELETE reverts to the default', async () => {
    const url = `${APIM}/policies/policy?api-version=2022-08-01`;
    const dflt = await call<{ name: string; type: string; properties: { format: string; value: string } }>(url);
    expect(dflt.status).toBe(200);
    expect(dflt.body).toMatchObject({ name: 'policy', type: 'Microsoft.ApiManagement/service/policies', properties: { format: 'xml' } });
    expect(dflt.body.properties.value).toBe('<policies>\r\n  <inbound />\r\n  <backend>\r\n    <forward-request />\r\n  </backend>\r\n  <outbound />\r\n</policies>');
    const list = await call<{ value: Array<{ id: string }> }>(`${APIM}/policies?api-version=2022-08-01`);
    expect(list.body.value.map((p) => p.id)).toEqual([`${APIM}/policies/policy`]);
    expect((await gateway()).echoed?.headers['x-global']).toBeUndefined();
    const whatIf = async (mode: string, resources: unknown[]) => {
      const wi = await call(`/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments/wi-${mode}/whatIf?api-version=2021-04-01`, { method: 'POST', body: { properties: { mode, template: { ...template, resources } } } });
      expect(wi.status).toBe(202);
      const loc = new URL(wi.headers.location as string);
      const done = await call<{ properties: { changes: Array<{ resourceId: string; changeType: string }> } }>(loc.pathname + loc.search);
      return done.body.properties.changes.find((c) => c.resourceId === `${APIM}/policies/policy`)?.changeType;
    };
    const policyResource = (value: string) => ({ type: 'Microsoft.ApiManagement/service/policies', apiVersion: '2022-08-01', name: 'wapim/policy', dependsOn: ['wapim'], properties: { format: 'rawxml', value } });
    // The service has a policy before any template gives it one: deploying one modifies it.
    expect(await whatIf('Incremental', [...template.resources, policyResource('<policies><inbound /><backend><forward-request /></backend><outbound /></policies>')])).toBe('Modify');

    const global = '<policies><inbound><set-header name="x-global" exists-action="override"><value>@("all-" + context.Request.Method)</value></set-header></inbound><backend><forward-request /></backend><outbound /><on-error /></policies>';
    expect((await call(url, { method: 'PUT', body: { properties: { format: 'rawxml', value: global } } })).status).toBe(200);
    expect((await gateway()).echoed?.headers['x-global']).toBe('all-GET');

    const changed = policyResource(global.replace('all-', 'every-'));
    expect(await whatIf('Incremental', [...template.resources, changed])).toBe('Modify');
    // Complete mode deletes no child of an APIM service the template leaves out (ARM's per-type table).
    expect(await whatIf('Complete', template.resources)).not.toBe('Delete');

    const del = await call(url, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const after = await call<{ properties: { format: string; value: string } }>(url);
    expect(after.status).toBe(200);
    expect(after.body.properties).toEqual(dflt.body.properties);
    expect((await gateway()).echoed?.headers['x-global']).toBeUndefined();
  });

  it("reference() of a policy in a template answers what GET answers (format xml, expressions escaped)", async () => {
    const url = `${APIM}/apis/echo/policies/policy?api-version=2022-08-01`;
    expect((await call(url, { method: 'PUT', body: { properties: { format: 'rawxml', value: policy('@("<" + "&" + ">")') } } })).status).toBe(200);
    const outputs = { p: { type: 'object', value: "[reference(resourceId('Microsoft.ApiManagement/service/apis/policies', 'wapim', 'echo', 'policy'), '2022-08-01')]" } };
    const deployed = await twin.deploy({ deploymentName: 'read-policy', template: { $schema: template.$schema, contentVersion: '1.0.0.0', resources: [], outputs } });
    const got = await call<{ properties: { format: string; value: string } }>(url);
    expect(got.body.properties).toEqual({ format: 'xml', value: policy('@("&lt;" + "&amp;" + "&gt;")') });
    expect(deployed.outputs['p']?.value).toEqual(got.body.properties);
  });

  it('bodies of older api-versions (az rest, an SDK pinned to 2018-01-01) take the translation a template deployment takes; GET answers in the asked version\'s shape', async () => {
    const url = (v: string) => `${APIM}/apis/echo/policies/policy?api-version=${v}`;
    const put = await call<{ properties: Record<string, unknown> }>(url('2018-01-01'), { method: 'PUT', body: { properties: { policyContent: policy('old shape') } } });
    expect(put.status).toBe(200);
    // 2018-01-01's contract: the content as policyContent, xml (escaped), no format.
    expect(put.body.properties).toEqual({ policyContent: policy('old shape') });
    expect((await gateway()).echoed?.headers['x-written']).toBe('old shape');
    expect((await call<{ properties: Record<string, unknown> }>(url('2022-08-01'))).body.properties).toEqual({ format: 'xml', value: policy('old shape') });
    expect(twin.store.getResource(`${APIM}/apis/echo/policies/policy`)?.properties['policyContent']).toBeUndefined();

    // Subscriptions: userId/productId (2018-01-01) are ownerId/scope; a PATCH of that version merges in the current shape.
    await call(`${APIM}/products/gold?api-version=2022-08-01`, { method: 'PUT', body: { properties: { displayName: 'Gold', state: 'published', subscriptionRequired: true } } });
    await call(`${APIM}/users/jane?api-version=2022-08-01`, { method: 'PUT', body: { properties: { email: 'jane@contoso.com', firstName: 'Jane', lastName: 'Doe' } } });
    const sub = `${APIM}/subscriptions/s1`;
    const created = await call<{ properties: Record<string, unknown> }>(`${sub}?api-version=2018-01-01`, { method: 'PUT', body: { properties: { userId: `${APIM}/users/jane`, productId: `${APIM}/products/gold`, displayName: 'Gold', state: 'active' } } });
    expect(created.status).toBe(201);
    expect(created.body.properties).toMatchObject({ userId: `${APIM}/users/jane`, productId: `${APIM}/products/gold`, state: 'active' });
    expect(created.body.properties['ownerId']).toBeUndefined();
    const current = await call<{ properties: Record<string, unknown> }>(`${sub}?api-version=2022-08-01`);
    expect(current.body.properties).toMatchObject({ ownerId: `${APIM}/users/jane`, scope: `${APIM}/products/gold` });
    expect(current.body.properties['userId']).toBeUndefined();
    const patched = await call<{ properties: Record<string, unknown> }>(`${sub}?api-version=2018-01-01`, { method: 'PATCH', body: { properties: { productId: `${APIM}/products/starter-none`, state: 'suspended' } } });
    expect(patched.status).toBe(400);
    const suspended = await call<{ properties: Record<string, unknown> }>(`${sub}?api-version=2018-01-01`, { method: 'PATCH', body: { properties: { state: 'suspended' } } });
    expect(suspended.body.properties).toMatchObject({ productId: `${APIM}/products/gold`, state: 'suspended' });
    const listed = await call<{ value: Array<{ name: string; properties: Record<string, unknown> }> }>(`${APIM}/subscriptions?api-version=2018-01-01`);
    expect(listed.body.value.find((x) => x.name === 's1')?.properties).toMatchObject({ userId: `${APIM}/users/jane`, productId: `${APIM}/products/gold` });

    // Storage before 2016-01-01: accountType in properties, no sku/kind; a PATCH of that version keeps the kind.
    const sa = `${PROVIDERS}/Microsoft.Storage/storageAccounts/oldshape01`;
    const old = await call<Record<string, unknown>>(`${sa}?api-version=2015-06-15`, { method: 'PUT', body: { location: 'westeurope', properties: { accountType: 'Standard_LRS' } } });
    expect(old.status).toBe(201);
    expect(old.body['sku']).toBeUndefined();
    expect(old.body['kind']).toBeUndefined();
    expect(old.body['properties']).toMatchObject({ accountType: 'Standard_LRS' });
    const now = await call<Record<string, unknown>>(`${sa}?api-version=2023-01-01`);
    expect([now.body['kind'], now.body['sku']]).toEqual(['Storage', { name: 'Standard_LRS' }]);
    expect(now.body['properties']).not.toHaveProperty('accountType');
    await call(`${sa}?api-version=2023-01-01`, { method: 'PATCH', body: { kind: 'StorageV2' } });
    const grs = await call<Record<string, unknown>>(`${sa}?api-version=2015-06-15`, { method: 'PATCH', body: { properties: { accountType: 'Standard_GRS' } } });
    expect(grs.body['properties']).toMatchObject({ accountType: 'Standard_GRS' });
    const after = await call<Record<string, unknown>>(`${sa}?api-version=2023-01-01`);
    expect([after.body['kind'], after.body['sku']]).toEqual(['StorageV2', { name: 'Standard_GRS' }]);
    expect((await call(`${sa}?api-version=2023-01-01`, { method: 'DELETE' })).status).toBe(200);
  });

  it('a type the twin only stores: PUT 201, strings are literals (no template expressions), PATCH tags 200, DELETE 200', async () => {
    const id = `${PROVIDERS}/Contoso.Widgets/things/w1`;
    const put = await call<{ name: string; properties: Record<string, unknown> }>(`${id}?api-version=2024-01-01`, { method: 'PUT', body: { location: 'westeurope', properties: { size: 3, label: "[concat('a', 'b')]", '[key]': 'v' } } });
    expect(put.status).toBe(201);
    expect(put.body.properties).toEqual({ size: 3, label: "[concat('a', 'b')]", '[key]': 'v', provisioningState: 'Succeeded' });
    const patched = await call<{ tags: Record<string, string>; properties: Record<string, unknown> }>(`${id}?api-version=2024-01-01`, { method: 'PATCH', body: { tags: { env: 'dev' } } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ tags: { env: 'dev' }, properties: { size: 3 } });
    expect((await call(`${id}?api-version=2024-01-01`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(`${id}?api-version=2024-01-01`)).status).toBe(404);
    const missing = await call<ArmError>(`${id}?api-version=2024-01-01`, { method: 'PATCH', body: { tags: {} } });
    expect(missing.status).toBe(404);
  });

  it('a child whose parent does not exist is 404 ParentResourceNotFound; a bad body is 400 InvalidRequestContent', async () => {
    const orphan = await call<ArmError>(`${PROVIDERS}/Microsoft.Web/sites/nosite/config/web?api-version=2022-09-01`, { method: 'PUT', body: { properties: {} } });
    expect(orphan.status).toBe(404);
    expect(orphan.body.error).toMatchObject({ code: 'ParentResourceNotFound', message: "Can not perform requested operation on nested resource. Parent resource 'sites/nosite' not found." });
    for (const body of ['null', '[]', '']) expect((await call<ArmError>(`${SITE}/config/web?api-version=2022-09-01`, { method: 'PUT', body })).body.error.code).toBe('InvalidRequestContent');
  });

  it('deleting a named value a policy uses is refused (400) and the gateway keeps serving', async () => {
    expect((await call(`${APIM}/apis/echo/policies/policy?api-version=2022-08-01`, { method: 'PUT', body: { properties: { format: 'rawxml', value: policy('{{ Greeting }}') } } })).status).toBe(200);
    expect((await gateway()).echoed?.headers['x-written']).toBe('bonjour');
    const del = await call<ArmError>(`${APIM}/namedValues/greeting?api-version=2022-08-01`, { method: 'DELETE' });
    expect(del.status).toBe(400);
    expect(del.body.error).toEqual({ code: 'ValidationError', message: "The Named Value 'greeting' is used by the following entities:\r\n/apis/echo/policies/policy\r\n" });
    expect((await call(`${APIM}/namedValues/greeting?api-version=2022-08-01`)).status).toBe(200);
    expect((await gateway()).status).toBe(200);
  });

  it('DELETE of an APIM service and of the resource group are long-running: 202, then the poll answers 200', async () => {
    const other = `${PROVIDERS}/Microsoft.ApiManagement/service/wapim2`;
    expect((await call(`${other}?api-version=2022-08-01`, { method: 'PUT', body: { location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } } })).status).toBe(201);
    const del = await call(`${other}?api-version=2022-08-01`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect(del.headers['azure-asyncoperation']).toMatch(/\/operationstatuses\//);
    let status = await call<{ status: string }>(del.headers['azure-asyncoperation'] as string);
    for (let i = 0; i < 50 && status.body.status === 'InProgress'; i++) status = await call<{ status: string }>(del.headers['azure-asyncoperation'] as string);
    expect(status.body.status).toBe('Succeeded');
    expect((await call(`${other}?api-version=2022-08-01`)).status).toBe(404);

    const rg = await call(`/subscriptions/${SUB}/resourcegroups/${RG}?api-version=2021-04-01`, { method: 'DELETE' });
    expect(rg.status).toBe(202);
    let poll = await call(rg.headers['location'] as string);
    for (let i = 0; i < 50 && poll.status === 202; i++) poll = await call(rg.headers['location'] as string);
    expect(poll.status).toBe(200);
    expect(twin.store.listResources().filter((r) => r.type !== 'Microsoft.Resources/deployments')).toEqual([]);
    expect(twin.ready().apim).toEqual({});
  });
});
