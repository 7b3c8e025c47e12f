// The objects API Management creates with a service are served like deployed ones (docs/behaviour/apim.md §3.1): the
// built-in all-access key opens every API, the admin's Starter key runs starter's rate-limit product policy, and the
// Echo API's operation policies compile on the gateway's one compile path.
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { buildServiceConfig } from '../../src/runtime/service-config.js';
import { compileService } from '../../src/gateway/index.js';
import { memoryLogger } from '../../src/core/index.js';
import { setup } from '../arm/helpers/seed.js';
import { close, startBackend, startGateway } from './helpers.js';

function developerService() {
  const { store, options } = setup();
  const resources = [
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 's', sku: { name: 'Developer', capacity: 1 }, properties: { publisherEmail: 'admin@contoso.com', publisherName: 'Contoso' } },
    { type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 's/orders', dependsOn: ['s'], properties: { path: 'orders', protocols: ['http', 'https'], serviceUrl: 'http://trustline-func.azurewebsites.net/api' } },
    { type: 'Microsoft.ApiManagement/service/apis/operations', apiVersion: '2022-08-01', name: 's/orders/list', dependsOn: ['s/orders'], properties: { displayName: 'list', method: 'GET', urlTemplate: '/list' } },
    { type: 'Microsoft.ApiManagement/service/products/apis', apiVersion: '2022-08-01', name: 's/starter/orders', dependsOn: ['s/orders'] },
  ];
  deploy({ deploymentName: 'd', template: { resources } }, options);
  const svc = store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!;
  const subs = store.listResources({ type: 'Microsoft.ApiManagement/service/subscriptions' });
  const keyOf = (scopeTail: string) => (subs.find((s) => String(s.properties.scope).endsWith(scopeTail))!.listResults!.listsecrets as { primaryKey: string }).primaryKey;
  return { config: buildServiceConfig(store, svc), master: keyOf('/s/'), starter: keyOf('/products/starter'), unlimited: keyOf('/products/unlimited') };
}

describe('built-in APIM objects at the gateway', () => {
  it("the master key calls any API; the admin's Starter key gets starter's 5 calls/minute; the Unlimited key does not reach an API outside its product", async () => {
    const { config, master, starter, unlimited } = developerService();
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const call = (key: string) => fetch(`${gw.origin}/orders/list`, { headers: { host: 's.azure-api.net', 'ocp-apim-subscription-key': key } });
      expect((await call(master)).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await call(starter)).status).toBe(200);
      const limited = await call(starter);
      expect(limited.status).toBe(429);
      expect(await limited.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/) });
      expect((await call(master)).status).toBe(200);
      expect((await call(unlimited)).status).toBe(401);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });

  it('the Echo API and its operation policies compile', () => {
    const { config } = developerService();
    const echo = config.apis.find((a) => a.name === 'echo-api')!;
    expect(echo.operations.map((o) => `${o.method} ${o.urlTemplate}`).sort()).toEqual(['DELETE /resource', 'GET /resource', 'GET /resource-cached', 'HEAD /resource', 'POST /resource', 'PUT /resource']);
    expect(echo.operations.filter((o) => o.policy).map((o) => o.name).sort()).toEqual(['create-resource', 'retrieve-header-only', 'retrieve-resource-cached']);
    expect(() => compileService(config, { logger: memoryLogger() })).not.toThrow();
  });
});
