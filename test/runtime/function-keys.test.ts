/**
 * Function keys after Easy Auth (spec T45, docs/behaviour/easyauth.md §8): `sites/functions` with authLevel
 * function/admin, keys from listKeys(), checked from x-functions-key or ?code= — a valid Easy Auth token is not enough.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';

const fn = (name: string, authLevel: string, route?: string) => ({
  type: 'Microsoft.Web/sites/functions',
  apiVersion: '2022-09-01',
  name: `trustline-func/${name}`,
  properties: { config: { bindings: [{ type: 'httpTrigger', direction: 'in', name: 'req', authLevel, ...(route ? { route } : {}) }, { type: 'http', direction: 'out', name: 'res' }] } },
});
const FUNCTIONS = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [fn('hello', 'function'), fn('admin-op', 'admin', 'ops/{id}'), fn('open', 'Anonymous')],
  outputs: {
    helloKey: { type: 'string', value: "[listKeys(resourceId('Microsoft.Web/sites/functions', 'trustline-func', 'hello'), '2022-09-01').default]" },
    openKey: { type: 'string', value: "[listKeys(resourceId('Microsoft.Web/sites/functions', 'trustline-func', 'open'), '2022-09-01').default]" },
    masterKey: { type: 'string', value: "[listKeys(concat(resourceId('Microsoft.Web/sites', 'trustline-func'), '/host/default'), '2022-09-01').masterKey]" },
    hostKey: { type: 'string', value: "[listKeys(concat(resourceId('Microsoft.Web/sites', 'trustline-func'), '/host/default'), '2022-09-01').functionKeys.default]" },
  },
};

describe('function keys after Easy Auth', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let keys: Record<string, string>;
  let token: string;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-keys-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000004', resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger });
    await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
    const out = await twin.deploy({ deploymentName: 'functions', template: FUNCTIONS, parameters: {} });
    keys = Object.fromEntries(Object.entries(out.outputs).map(([k, v]) => [k, String(v.value)]));
    const apim = twin.ready().apim['trustline-apim']!;
    token = (await twin.identity.issueManagedIdentityToken({ resource: APP_CLIENT_ID, ownerResourceId: apim.resourceId })).access_token;
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (path: string, headers: Record<string, string> = {}) => {
    const res = await request(`${twin.ready().sites['trustline-func']!.url}${path}`, { dispatcher: tls, headers: { authorization: `Bearer ${token}`, ...headers } });
    return { status: res.statusCode, body: await res.body.text(), id: String(res.headers['x-trustline-site-request-id']) };
  };

  it('T45: authLevel function, a valid Easy Auth token and no key → 401 from the host (through the gateway too)', async () => {
    const direct = await call('/api/hello');
    expect(direct).toMatchObject({ status: 401, body: '' });
    expect(twin.decisions.get(direct.id)).toMatchObject({ kind: 'site', status: 401, steps: expect.arrayContaining([{ step: 'function-keys', ok: false, reason: 'function hello: authLevel function and no key (x-functions-key or ?code=)' }]) });
    expect(logger.lines.join('\n')).toContain('401 GET /api/hello: function keys: function hello: authLevel function and no key');
    const apim = twin.ready().apim['trustline-apim']!;
    const through = await request(`${apim.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await through.body.dump();
    expect(through.statusCode).toBe(401);
  });

  it('its own key, a host key or the master key opens it, from x-functions-key or ?code=; another function’s key does not', async () => {
    expect((await call('/api/hello', { 'x-functions-key': keys.helloKey! })).status).toBe(200);
    expect((await call(`/api/hello?code=${encodeURIComponent(keys.hostKey!)}`)).status).toBe(200);
    expect((await call('/api/HELLO', { 'x-functions-key': keys.masterKey! })).status).toBe(200);
    expect((await call('/api/hello', { 'x-functions-key': keys.openKey! })).status).toBe(401);
  });

  it('authLevel admin needs the master key; anonymous needs none; Easy Auth still comes first', async () => {
    expect((await call('/api/ops/42', { 'x-functions-key': keys.hostKey! })).status).toBe(401);
    expect((await call('/api/ops/42', { 'x-functions-key': keys.masterKey! })).status).toBe(200);
    expect((await call('/api/open')).status).toBe(200);
    const res = await request(`${twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls, headers: { 'x-functions-key': keys.masterKey! } });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer/);
  });
});
