import { describe, it, expect } from 'vitest';
import { ManualClock, randomIds, silentLogger } from '../../src/core/index.js';
import { useControlPlaneTwin } from '../helpers/control-plane-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-0000000000a0';
const RG = 'rg-headers';
const RG_PATH = `/subscriptions/${SUB}/resourcegroups/${RG}`;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("the headers ARM sends on reads and writes (Learn, ARM throttling; observed answers)", () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 8, 15, 42, 250));
  const { json } = useControlPlaneTwin('trustline-headers-', {
    tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2ba0',
    subscriptionId: SUB,
    resourceGroup: RG,
    location: 'West Europe',
    clock,
    ids: randomIds,
    logger: silentLogger,
  });

  it('request, correlation and routing ids: a client correlation id is echoed, else the request id stands for it', async () => {
    const plain = await json(`${RG_PATH}?api-version=2021-04-01`);
    expect(plain.status).toBe(200);
    const requestId = String(plain.headers['x-ms-request-id']);
    expect(requestId).toMatch(GUID);
    expect(plain.headers['x-ms-correlation-request-id']).toBe(requestId);
    expect(plain.headers['x-ms-routing-request-id']).toBe(`WESTEUROPE:20261130T081542Z:${requestId}`);
    const mine = 'c01b9114-dca7-2f45-ebfa-5fc467506193';
    const echoed = await json(`${RG_PATH}?api-version=2021-04-01`, { headers: { 'x-ms-correlation-request-id': mine } });
    expect(echoed.headers['x-ms-correlation-request-id']).toBe(mine);
    expect(echoed.headers['x-ms-request-id']).not.toBe(mine);
  });

  it('x-ms-ratelimit-remaining-*: reads, writes and deletes counted per principal and subscription (and globally), refilled with time; tenant requests per tenant', async () => {
    clock.advance(60_000); // full buckets again
    const r1 = await json(`${RG_PATH}?api-version=2021-04-01`);
    expect(r1.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');
    expect(r1.headers['x-ms-ratelimit-remaining-subscription-global-reads']).toBe('3749');
    expect(r1.headers).not.toHaveProperty('x-ms-ratelimit-remaining-subscription-writes');
    const r2 = await json(`${RG_PATH}/providers/Microsoft.Resources/deployments?api-version=2021-04-01`);
    expect(r2.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('248');
    clock.advance(1000); // 25 reads a second refill, up to the bucket's 250
    const r3 = await json(`${RG_PATH}?api-version=2021-04-01`);
    expect(r3.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('249');

    const template = { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] };
    const correlation = '5a7e0c2d-3b4f-4e6a-9c8d-7f1e2d3c4b5a';
    const put = await json<{ properties: { correlationId: string } }>(`${RG_PATH}/providers/Microsoft.Resources/deployments/h?api-version=2021-04-01`, {
      method: 'PUT',
      body: { properties: { mode: 'Incremental', template } },
      headers: { 'x-ms-correlation-request-id': correlation },
    });
    expect(put.status).toBe(201);
    expect(put.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('199');
    expect(put.headers['x-ms-ratelimit-remaining-subscription-global-writes']).toBe('2999');
    expect(put.headers).not.toHaveProperty('x-ms-ratelimit-remaining-subscription-reads');
    // The deployment keeps the PUT's correlation id to the end.
    expect(put.body.properties.correlationId).toBe(correlation);
    let state = '';
    for (let i = 0; i < 200 && state !== 'Succeeded'; i++) {
      const d = await json<{ properties: { provisioningState: string; correlationId: string } }>(`${RG_PATH}/providers/Microsoft.Resources/deployments/h?api-version=2021-04-01`);
      state = d.body.properties.provisioningState;
      expect(d.body.properties.correlationId).toBe(correlation);
      if (state !== 'Succeeded') await new Promise((r) => setTimeout(r, 5));
    }
    expect(state).toBe('Succeeded');
    // A POST action counts as a write.
    const validate = await json(`${RG_PATH}/providers/Microsoft.Resources/deployments/v/validate?api-version=2021-04-01`, { method: 'POST', body: { properties: { mode: 'Incremental', template } } });
    expect(validate.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('198');
    const del = await json(`${RG_PATH}/providers/Microsoft.Resources/deployments/h?api-version=2021-04-01`, { method: 'DELETE' });
    expect(del.headers['x-ms-ratelimit-remaining-subscription-deletes']).toBe('199');
    expect(del.headers['x-ms-ratelimit-remaining-subscription-global-deletes']).toBe('2999');

    const tenants = await json('/tenants?api-version=2022-12-01');
    expect(tenants.status).toBe(200);
    expect(tenants.headers['x-ms-ratelimit-remaining-tenant-reads']).toBe('249');
    expect(tenants.headers).not.toHaveProperty('x-ms-ratelimit-remaining-subscription-reads');
  });
});

describe('compat.controlPlane.throttle: an empty bucket is ARM\'s 429 SubscriptionRequestsThrottled with Retry-After', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 9, 0, 0));
  const { json } = useControlPlaneTwin('trustline-throttle-', {
    tenantId: '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2ba1',
    subscriptionId: SUB,
    resourceGroup: RG,
    location: 'westeurope',
    clock,
    ids: randomIds,
    logger: silentLogger,
    compat: { controlPlane: { throttle: true } },
  });

  it('the 251st read within the same instant is refused (no token taken); writes have their own bucket; a refilled token is served again', async () => {
    for (let i = 0; i < 250; i++) {
      const r = await json(`${RG_PATH}?api-version=2021-04-01`);
      if (r.status !== 200) throw new Error(`read ${i}: ${r.status}`);
    }
    const refused = await json<{ error: { code: string; message: string } }>(`${RG_PATH}?api-version=2021-04-01`);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    // No authentication here: ARM names the caller's object id; the twin's anonymous caller is 'anonymous'.
    expect(refused.body.error).toEqual({ code: 'SubscriptionRequestsThrottled', message: `Number of 'read' requests for subscription '${SUB}' actor 'anonymous' exceeded. Please try again after '1' seconds.` });
    expect((await json(`${RG_PATH}?api-version=2021-04-01`, { method: 'HEAD' })).status).toBe(429);
    // Writes are counted apart.
    expect((await json(`${RG_PATH}/providers/Microsoft.Resources/deployments/d/validate?api-version=2021-04-01`, { method: 'POST', body: { properties: { mode: 'Incremental', template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] } } } })).status).toBe(200);
    clock.advance(40); // 25 reads/s: one token back after 40 ms
    const again = await json(`${RG_PATH}?api-version=2021-04-01`);
    expect(again.status).toBe(200);
    expect(again.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
    expect((await json(`${RG_PATH}?api-version=2021-04-01`)).status).toBe(429);
  });
});
