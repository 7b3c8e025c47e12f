import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000003';
const RG = 'rg-cp';
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.Storage/storageAccounts', apiVersion: '2022-09-01', name: 'cpstore1', location: 'westeurope', kind: 'StorageV2', sku: { name: 'Standard_LRS' } },
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'cp-apim', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, identity: { type: 'SystemAssigned' }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
  ],
};

describe('control plane (ARM REST)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-cp-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1b', subscriptionId: SUB, resourceGroup: RG, location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const cp = (path: string, init: { method?: string; body?: string } = {}) =>
    request(`${twin.ready().controlPlane}${path}`, { dispatcher: tls, method: (init.method ?? 'GET') as 'GET', body: init.body, headers: { 'content-type': 'application/json' } });

  it('PUT a deployment, then GET resources as ARM shows them: no list* results, no twin-only client id', async () => {
    const put = await cp(`/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments/d1?api-version=2021-04-01`, {
      method: 'PUT',
      body: JSON.stringify({ properties: { mode: 'Incremental', template } }),
    });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    const store = await cp(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/cpstore1?api-version=2022-09-01`);
    expect(store.statusCode).toBe(200);
    const body = (await store.body.json()) as Record<string, unknown>;
    expect(body.name).toBe('cpstore1');
    expect(body).not.toHaveProperty('listResults');
    expect(twin.store.getResource(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/cpstore1`)?.listResults).toHaveProperty('listkeys');
    const apim = (await (await cp(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ApiManagement/service/cp-apim`)).body.json()) as { identity: Record<string, unknown> };
    expect(Object.keys(apim.identity).sort()).toEqual(['principalId', 'tenantId', 'type']);
  });

  it('answers ARM error bodies: unknown resource 404, bad template 400 InvalidTemplate, unknown resource group 404', async () => {
    const missing = await cp(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Web/sites/nope`);
    expect(missing.statusCode).toBe(404);
    expect(((await missing.body.json()) as { error: { code: string } }).error.code).toBe('ResourceNotFound');
    const bad = await cp(`/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.Resources/deployments/d2`, {
      method: 'PUT',
      body: JSON.stringify({ properties: { template: { ...template, resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nope('x')]", properties: {} }] } } }),
    });
    expect(bad.statusCode).toBe(400);
    expect(((await bad.body.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'InvalidTemplate', message: expect.stringContaining("nope") });
    const rg = await cp(`/subscriptions/${SUB}/resourcegroups/other/providers/Microsoft.Resources/deployments/d3`, { method: 'PUT', body: JSON.stringify({ properties: { template } }) });
    expect(rg.statusCode).toBe(404);
    expect(await rg.body.json()).toEqual({ error: { code: 'ResourceGroupNotFound', message: "Resource group 'other' could not be found." } });
  });
});
