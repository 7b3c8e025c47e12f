/**
 * What App Service answers through ARM for every site from its creation, as the az CLI reads it on day one
 * (docs/behaviour/app-service.md): a function app's host keys (`az functionapp keys list|set|delete`), function keys,
 * the classic view of the authentication settings (`az webapp auth show`; a classic write to a site on auth V2 is
 * refused as App Service refuses it), the diagnostic logging settings (`az webapp log show`).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';
import { realTimeTwin, useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-00000000a5e1';
const RG = 'rg-app';
const SITE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/trustline-func`;
const V = 'api-version=2022-03-01';

const FUNCTIONS = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    {
      type: 'Microsoft.Web/sites/functions',
      apiVersion: '2022-09-01',
      name: 'trustline-func/hello',
      properties: { config: { bindings: [{ type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'function' }, { type: 'http', direction: 'out', name: 'res' }] } },
    },
    { type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: 'plain-web', location: 'westeurope', kind: 'app', properties: {} },
  ],
  outputs: { hostKey: { type: 'string', value: "[listKeys(concat(resourceId('Microsoft.Web/sites', 'trustline-func'), '/host/default'), '2022-09-01').functionKeys.default]" } },
};

interface HostKeys {
  masterKey: string;
  functionKeys: Record<string, string>;
  systemKeys: Record<string, string>;
}

describe('control plane: what App Service answers for every site', () => {
  const cp = useControlPlaneTwin('trustline-cp-app-', realTimeTwin(TENANT, SUB, RG));
  let token = '';
  let tls: Agent | undefined;
  afterAll(async () => {
    await tls?.close();
  });
  beforeAll(async () => {
    tls = new Agent({ connect: { ca: readFileSync(cp.twin.ready().caCertificate, 'utf8') } });
    await cp.twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
    const apim = cp.twin.ready().apim['trustline-apim']!;
    token = (await cp.twin.identity.issueManagedIdentityToken({ resource: APP_CLIENT_ID, ownerResourceId: apim.resourceId })).access_token;
  });
  const callHello = async (key?: string) => {
    const res = await request(`${cp.twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}`, ...(key ? { 'x-functions-key': key } : {}) } });
    await res.body.dump();
    return res.statusCode;
  };

  it('a function app has its host keys right after a deployment: listkeys mints them once, keeps them, and a template listKeys() reads the same', async () => {
    const first = await cp.json<HostKeys>(`${SITE}/host/default/listkeys?${V}`, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ masterKey: expect.stringMatching(/^[A-Za-z0-9_-]{54}==$/) as unknown, functionKeys: { default: expect.stringMatching(/^[A-Za-z0-9_-]{54}==$/) as unknown }, systemKeys: {} });
    expect((await cp.json<HostKeys>(`${SITE}/host/default/listkeys?${V}`, { method: 'POST' })).body).toEqual(first.body);
    const out = await cp.twin.deploy({ deploymentName: 'functions', template: FUNCTIONS, parameters: {} });
    expect(out.outputs['hostKey']?.value).toBe(first.body.functionKeys['default']);
    // The listeners check the keys the control plane answered (authLevel function after Easy Auth).
    expect(await callHello()).toBe(401);
    expect(await callHello(first.body.functionKeys['default'])).toBe(200);
    expect(await callHello(first.body.masterKey)).toBe(200);
    // A site that is not a function app has no Functions host.
    const web = await cp.json(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/plain-web/host/default/listkeys?${V}`, { method: 'POST' });
    expect(web.status).toBe(404);
  });

  it('az functionapp keys set|delete: PUT/DELETE host/default/{keyType}/{name} — 201 new, 200 changed, 204 deleted, 404 absent; the site follows at once', async () => {
    const put = await cp.json<{ name: string; properties: { name: string; value: string } }>(`${SITE}/host/default/functionKeys/ci?${V}`, { method: 'PUT', body: { properties: { name: 'ci' } } });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ id: `${SITE}/host/default/functionKeys/ci`, name: 'ci', properties: { name: 'ci', value: expect.stringMatching(/^[A-Za-z0-9_-]{54}==$/) as unknown } });
    expect(await callHello(put.body.properties.value)).toBe(200);
    const mine = 'my-own-key-0123456789';
    const again = await cp.json(`${SITE}/host/default/functionKeys/ci?${V}`, { method: 'PUT', body: { properties: { name: 'ci', value: mine } } });
    expect(again).toMatchObject({ status: 200, body: { properties: { name: 'ci', value: mine } } });
    expect(await callHello(put.body.properties.value)).toBe(401);
    expect(await callHello(mine)).toBe(200);
    const listed = await cp.json<HostKeys>(`${SITE}/host/default/listkeys?${V}`, { method: 'POST' });
    expect(listed.body.functionKeys).toEqual({ default: expect.any(String) as unknown, ci: mine });
    const bad = await cp.json<{ error: { code: string } }>(`${SITE}/host/default/functionKeys/ci?${V}`, { method: 'PUT', body: { properties: { value: 'short' } } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
    expect((await cp.json(`${SITE}/host/default/functionKeys/ci?${V}`, { method: 'DELETE' })).status).toBe(204);
    expect(await callHello(mine)).toBe(401);
    expect((await cp.json(`${SITE}/host/default/functionKeys/ci?${V}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('az functionapp function keys set|delete: PUT/DELETE functions/{name}/keys/{key}; listkeys shows it', async () => {
    const put = await cp.json(`${SITE}/functions/hello/keys/caller?${V}`, { method: 'PUT', body: { properties: { name: 'caller', value: 'caller-key-0123456789' } } });
    expect(put).toMatchObject({ status: 201, body: { name: 'caller', properties: { name: 'caller', value: 'caller-key-0123456789' } } });
    expect(await callHello('caller-key-0123456789')).toBe(200);
    const listed = await cp.json<Record<string, string>>(`${SITE}/functions/hello/listkeys?${V}`, { method: 'POST' });
    expect(listed.body).toMatchObject({ default: expect.any(String) as unknown, caller: 'caller-key-0123456789' });
    expect((await cp.json(`${SITE}/functions/hello/keys/caller?${V}`, { method: 'DELETE' })).status).toBe(204);
    expect(await callHello('caller-key-0123456789')).toBe(401);
    expect((await cp.json(`${SITE}/functions/nosuch/keys/caller?${V}`, { method: 'PUT', body: { properties: {} } })).status).toBe(404);
    // No key resource was stored on the way (the generic PUT path would have written one).
    expect(cp.twin.store.listResources({ type: 'Microsoft.Web/sites/functions/keys' })).toEqual([]);
    expect(cp.twin.store.listResources({ type: 'Microsoft.Web/sites/host/functionKeys' })).toEqual([]);
  });

  it('az webapp auth show: config/authsettings(/list) is the classic view of the V2 settings with configVersion v2; a classic write is refused as App Service refuses it', async () => {
    const list = await cp.json<{ name: string; properties: Record<string, unknown> }>(`${SITE}/config/authsettings/list?${V}`, { method: 'POST' });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ id: `${SITE}/config/authsettings`, name: 'authsettings', type: 'Microsoft.Web/sites/config' });
    expect(list.body.properties).toMatchObject({ enabled: true, configVersion: 'v2', clientId: APP_CLIENT_ID, issuer: `https://sts.windows.net/${TENANT}/`, unauthenticatedClientAction: 'Return401' });
    expect((await cp.json(`${SITE}/config/authsettings?${V}`)).body).toEqual(list.body);
    const put = await cp.json<Record<string, unknown>>(`${SITE}/config/authsettings?${V}`, { method: 'PUT', body: { properties: { enabled: false } } });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ Code: 'BadRequest', Message: 'Cannot execute the request for site trustline-func because the site is running on auth version v2.' });
    expect(JSON.stringify(put.body)).toContain('"ExtendedCode":"04534"');
    // A site without authentication settings: classic, off.
    const plain = await cp.json<{ properties: Record<string, unknown> }>(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/plain-web/config/authsettings/list?${V}`, { method: 'POST' });
    expect(plain).toMatchObject({ status: 200, body: { properties: { enabled: false, configVersion: 'v1' } } });
    // Classic settings written to it (az webapp auth update) are stored and read back as v1.
    const PLAIN_AUTH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/plain-web/config/authsettings`;
    expect((await cp.json(`${PLAIN_AUTH}?${V}`, { method: 'PUT', body: { properties: { enabled: false, unauthenticatedClientAction: 'AllowAnonymous' } } })).status).toBe(200);
    const classic = await cp.json<{ properties: Record<string, unknown> }>(`${PLAIN_AUTH}/list?${V}`, { method: 'POST' });
    expect(classic.body.properties).toMatchObject({ enabled: false, unauthenticatedClientAction: 'AllowAnonymous', configVersion: 'v1' });
  });

  it('az webapp restart|stop|start: 200; a stopped site answers App Service\'s 403 page to everyone until it is started', async () => {
    expect((await cp.json(`${SITE}/restart?${V}`, { method: 'POST' })).status).toBe(200);
    const stop = await cp.json(`${SITE}/stop?${V}`, { method: 'POST' });
    expect(stop.status).toBe(200);
    expect(cp.twin.store.getResource(SITE)?.properties['state']).toBe('Stopped');
    const stopped = await request(`${cp.twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    expect(stopped.statusCode).toBe(403);
    expect(await stopped.body.text()).toContain('Error 403 - This web app is stopped.');
    const apim = cp.twin.ready().apim['trustline-apim']!;
    const through = await request(`${apim.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await through.body.dump();
    expect(through.statusCode).toBe(403);
    // A write to the site (az webapp identity assign PUTs it) leaves it stopped: `state` is read-only.
    const site = await cp.json<Record<string, unknown>>(`${SITE}?${V}`);
    const { id: _i, name: _n, type: _t, ...body } = site.body;
    expect((await cp.json(`${SITE}?${V}`, { method: 'PUT', body })).status).toBe(200);
    expect(cp.twin.store.getResource(SITE)?.properties['state']).toBe('Stopped');
    expect((await cp.json(`${SITE}/start?${V}`, { method: 'POST' })).status).toBe(200);
    expect(cp.twin.store.getResource(SITE)?.properties['state']).toBe('Running');
    expect(await callHello()).toBe(401); // running again: the function's key check answers
  });

  it('az webapp log show: config/logs answers the logging settings of a new site (all off)', async () => {
    const logs = await cp.json<{ name: string; properties: Record<string, { enabled?: boolean; fileSystem?: unknown }> }>(`${SITE}/config/logs?${V}`);
    expect(logs.status).toBe(200);
    expect(logs.body.name).toBe('logs');
    expect(logs.body.properties).toMatchObject({ applicationLogs: { fileSystem: { level: 'Off' } }, httpLogs: { fileSystem: { enabled: false } }, detailedErrorMessages: { enabled: false }, failedRequestsTracing: { enabled: false } });
  });
});
