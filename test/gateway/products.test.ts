import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const mark = (v: string) => `<set-header name="X-Order" exists-action="append"><value>${v}</value></set-header>`;

function config(extra: Partial<ServiceConfig> = {}): ServiceConfig {
  const cfg = seedConfig({
    products: [
      { name: 'starter', apis: ['functions'], subscriptionRequired: true, policy: { value: `<policies><inbound><base/>${mark('product')}</inbound></policies>` } },
      { name: 'open', apis: ['third'], subscriptionRequired: false, policy: { value: `<policies><inbound><base/>${mark('open-product')}</inbound></policies>` } },
    ],
    subscriptions: [
      { name: 'prod-sub', scope: '/products/starter', primaryKey: 'pk-product', secondaryKey: 'sk-product', state: 'active', ownerId: '/users/ana' },
      { name: 'api-sub', scope: '/apis/functions', primaryKey: 'pk-api', secondaryKey: 'sk-api', state: 'active' },
      { name: 'master', scope: '/', primaryKey: 'pk-all', secondaryKey: 'sk-all', state: 'active' },
      { name: 'expired', scope: '/apis', primaryKey: 'pk-exp', secondaryKey: 'sk-exp', state: 'active', endDate: '2020-01-01T00:00:00Z' },
    ],
    users: [{ name: 'ana', email: 'ana@contoso.com', firstName: 'Ana', lastName: 'L' }],
    ...extra,
  }, `<policies><inbound><base/>${mark('api')}</inbound></policies>`);
  cfg.apis[0]!.subscriptionRequired = true;
  cfg.apis.push({
    id: 'api-other', name: 'other', path: 'other', serviceUrl: 'http://trustline-func.azurewebsites.net/api', protocols: ['http'], subscriptionRequired: true,
    subscriptionKeyParameterNames: { header: 'X-Key', query: 'k' },
    operations: [{ id: 'op-o', name: 'o', method: 'GET', urlTemplate: '/o' }],
  });
  cfg.apis.push({
    id: 'api-third', name: 'third', path: 'third', serviceUrl: 'http://trustline-func.azurewebsites.net/api', protocols: ['http'], subscriptionRequired: true,
    operations: [{ id: 'op-t', name: 't', method: 'GET', urlTemplate: '/t' }],
  });
  return cfg;
}

describe('products and subscriptions at the gateway (docs/behaviour/apim.md §3, behaviour 9)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    g = await startGateway(config(), backend.origin);
  });
  afterAll(async () => { await g.stop(); await close(backend.server); });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(g.origin + path, { headers });
    return { status: res.status, body: await res.text(), seen: backend.seen.at(-1)! };
  };

  it('product policies run for a product key and are skipped for an API-scoped or all-access key', async () => {
    const p = await get('/functions/hello', { 'ocp-apim-subscription-key': 'pk-product' });
    expect(p.status).toBe(200);
    expect(p.seen.headers['x-order']).toBe('product,api');
    expect((await get('/functions/hello', { 'ocp-apim-subscription-key': 'sk-api' })).seen.headers['x-order']).toBe('api');
    expect((await get('/functions/hello', { 'ocp-apim-subscription-key': 'pk-all' })).seen.headers['x-order']).toBe('api');
  });

  it('an expired subscription is invalid; a product key does not open an API outside the product', async () => {
    const exp = await get('/functions/hello', { 'ocp-apim-subscription-key': 'pk-exp' });
    expect(exp.status).toBe(401);
    expect(exp.body).toContain('invalid subscription key');
    expect((await get('/other/o', { 'x-key': 'pk-product' })).status).toBe(401);
  });

  it('an open product lets a keyless call in, in its product context (its policies run)', async () => {
    const r = await get('/third/t');
    expect(r.status).toBe(200);
    expect(r.seen.headers['x-order']).toBe('open-product');
  });

  it('custom key names: the API\'s header and query name are honoured, the default header is not; the 401 names the custom header', async () => {
    const viaDefault = await fetch(`${g.origin}/other/o`, { headers: { 'ocp-apim-subscription-key': 'pk-all' } });
    expect(viaDefault.status).toBe(401);
    expect(viaDefault.headers.get('www-authenticate')).toBe('AzureApiManagementKey realm="https://trustline-apim.azure-api.net/other",name="X-Key",type="header"');
    expect((await get('/other/o', { 'x-key': 'pk-all' })).status).toBe(200);
    expect((await get('/other/o?k=pk-all')).status).toBe(200);
    expect((await get('/other/o', { 'x-key': 'wrong' })).status).toBe(401);
  });
});
