// compat.gateway.builtInObjects reaches the deployments of a running twin, on the main thread and on the deployment
// worker (docs/behaviour/apim.md §3.1, docs/differences.md).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'undici';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { createOfflineTwin, startTwin, type Twin } from '../../src/runtime/index.js';

const TENANT = '3f9c2b1a-7d4e-4c6b-9a8f-1e2d3c4b5a69';
const service = (name: string) => ({ resources: [{ type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name, location: 'westeurope', sku: { name: 'Developer', capacity: 1 }, properties: { publisherEmail: 'a@contoso.com', publisherName: 'C' } }] });

describe('compat.gateway.builtInObjects in a running twin', () => {
  const dirs: string[] = [];
  const twins: Twin[] = [];
  afterAll(async () => {
    for (const t of twins) await t.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const start = async (builtInObjects?: 'by-tier' | 'none') => {
    const dir = mkdtempSync(join(tmpdir(), 'apim-bio-'));
    dirs.push(dir);
    const twin = await startTwin({
      stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000031', resourceGroup: 'rg-bio', location: 'westeurope',
      controlPlaneAuth: false, clock: systemClock, ids: randomIds, logger: silentLogger, ...(builtInObjects ? { compat: { gateway: { builtInObjects } } } : {}),
    });
    twins.push(twin);
    return twin;
  };
  const children = (twin: Twin, name: string) => twin.store.listResources({ idPrefix: `/subscriptions/1a2b3c4d-0000-4000-8000-000000000031/resourceGroups/rg-bio/providers/Microsoft.ApiManagement/service/${name}/` }).length;

  it("'none': a new service holds nothing, on either thread; by default it holds Azure's objects", async () => {
    const none = await start('none');
    await none.deploy({ deploymentName: 'a', template: service('s1') }, { thread: 'main' });
    await none.deploy({ deploymentName: 'b', template: service('s2') }, { thread: 'worker' });
    expect([children(none, 's1'), children(none, 's2')]).toEqual([0, 0]);
    const dflt = await start();
    await dflt.deploy({ deploymentName: 'a', template: service('s1') }, { thread: 'worker' });
    expect(children(dflt, 's1')).toBeGreaterThan(20);
    // Through the control plane, as the SDKs and az read them: listed, GET without keys, listSecrets with them.
    const tls = new Agent({ connect: { ca: readFileSync(dflt.ready().caCertificate, 'utf8') } });
    try {
      const svc = `${dflt.ready().controlPlane}/subscriptions/1a2b3c4d-0000-4000-8000-000000000031/resourceGroups/rg-bio/providers/Microsoft.ApiManagement/service/s1`;
      const cp = async (path: string, method: 'GET' | 'POST' = 'GET') => {
        const r = await request(`${svc}${path}${path.includes('?') ? '&' : '?'}api-version=2022-08-01`, { dispatcher: tls, method });
        return { status: r.statusCode, body: (await r.body.json()) as Record<string, any> };
      };
      const products = await cp('/products');
      expect(products.status).toBe(200);
      expect(products.body.value.map((p: { name: string }) => p.name).sort()).toEqual(['starter', 'unlimited']);
      const master = await cp('/subscriptions/master');
      expect(master.body).toMatchObject({ name: 'master', properties: { displayName: 'Built-in all-access subscription', state: 'active' } });
      expect(master.body.properties.primaryKey).toBeUndefined();
      const secrets = await cp('/subscriptions/master/listSecrets', 'POST');
      expect(secrets.body.primaryKey).toMatch(/^[0-9a-f]{32}$/);
      const echo = await cp('/apis/echo-api/operations');
      expect(echo.body.value).toHaveLength(6);
    } finally {
      await tls.close();
    }
  });
});

// `trustline lint`'s offline twin deploys with the same options as `trustline up` (runtime/deploy-options.ts).
describe('compat.gateway.builtInObjects in the offline twin', () => {
  it("'none' and the default hold what a running twin holds", async () => {
    const count = async (builtInObjects?: 'by-tier' | 'none') => {
      const twin = await createOfflineTwin({
        tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000032', resourceGroup: 'rg-off', location: 'westeurope',
        clock: systemClock, ids: randomIds, logger: silentLogger, ...(builtInObjects ? { compat: { gateway: { builtInObjects } } } : {}),
      });
      try {
        await twin.deploy({ deploymentName: 'a', template: service('s1') });
        return twin.store.listResources({ idPrefix: '/subscriptions/1a2b3c4d-0000-4000-8000-000000000032/resourceGroups/rg-off/providers/Microsoft.ApiManagement/service/s1/' }).length;
      } finally {
        twin.close();
      }
    };
    expect(await count('none')).toBe(0);
    expect(await count()).toBeGreaterThan(20);
  });
});
