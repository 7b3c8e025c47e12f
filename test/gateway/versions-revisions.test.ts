import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiConfig } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

/**
 * Routing by API revision (`;rev=N`) and by version set (path segment, header, query): docs/behaviour/apim.md §1.4.
 * Each API answers with what `context.Api` says about it and the path the backend would get.
 */
const SVC = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/trustline-apim';
const answer = `<policies><inbound><return-response><set-status code="200" reason="OK" /><set-body>@(context.Api.Name + "|" + context.Api.Revision + "|" + context.Api.IsCurrentRevision + "|" + context.Api.Version + "|" + context.Request.Url.Path)</set-body></return-response></inbound></policies>`;
const api = (name: string, path: string, extra: Partial<ApiConfig> = {}): ApiConfig => ({
  id: `${SVC}/apis/${name}`, name, path, serviceUrl: 'http://trustline-func.azurewebsites.net/api', protocols: ['https', 'http'], subscriptionRequired: false,
  policy: { format: 'rawxml', value: answer }, operations: [{ id: `${SVC}/apis/${name}/operations/items`, name: 'items', method: 'GET', urlTemplate: '/items' }], ...extra,
});

describe('API revisions and versions', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    g = await startGateway(seedConfig({
      apis: [
        api('orders', 'orders', { revision: '1', isCurrent: true }),
        api('orders;rev=2', 'orders', { revision: '2', isCurrent: false }),
        api('catalog-v1', 'catalog', { version: { value: 'v1', scheme: 'Segment' } }),
        api('catalog-v2', 'catalog', { version: { value: 'v2', scheme: 'Segment' }, revision: '1', isCurrent: true }),
        api('catalog-v2;rev=3', 'catalog', { version: { value: 'v2', scheme: 'Segment' }, revision: '3', isCurrent: false }),
        api('stock;rev=2', 'stock', { version: { value: '2024-01-01', scheme: 'Header', name: 'Api-Version' }, revision: '2', isCurrent: false }),
        api('stock', 'stock', { version: { value: '2024-01-01', scheme: 'Header', name: 'Api-Version' } }),
        api('prices', 'prices', { version: { value: '1.0', scheme: 'Query', name: 'api-version' } }),
        api('prices-original', 'prices', { version: { value: '', scheme: 'Query', name: 'api-version', isDefault: true } }),
      ],
    }), backend.origin);
  });
  afterAll(async () => { await g?.stop(); await close(backend.server); });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(`${g.origin}${path}`, { headers });
    return { status: r.status, body: await r.text() };
  };

  it('without ;rev= the current revision answers; ;rev=N reaches revision N (current or not); an unknown revision is 404', async () => {
    expect(await get('/orders/items')).toEqual({ status: 200, body: 'orders|1|True||/api/items' });
    expect(await get('/orders;rev=2/items')).toEqual({ status: 200, body: 'orders;rev=2|2|False||/api/items' });
    expect(await get('/orders;rev=1/items')).toEqual({ status: 200, body: 'orders|1|True||/api/items' });
    const none = await get('/orders;rev=7/items');
    expect(none.status).toBe(404);
    expect(none.body).toBe('{ "statusCode": 404, "message": "Resource not found" }');
  });

  it('version sets: the path segment, the header, the query parameter pick the version; the original (no version) answers without one', async () => {
    expect(await get('/catalog/v1/items')).toEqual({ status: 200, body: 'catalog-v1|1|True|v1|/api/items' });
    expect(await get('/catalog/v2/items')).toEqual({ status: 200, body: 'catalog-v2|1|True|v2|/api/items' });
    expect((await get('/catalog/v3/items')).status).toBe(404);
    expect(await get('/stock/items', { 'api-version': '2024-01-01' })).toEqual({ status: 200, body: 'stock|1|True|2024-01-01|/api/items' });
    expect(await get('/prices/items?api-version=1.0')).toEqual({ status: 200, body: 'prices|1|True|1.0|/api/items' });
    expect(await get('/prices/items')).toEqual({ status: 200, body: 'prices-original|1|True||/api/items' });
  });

  it(';rev= with a path-segment version: after the version segment (or after the API path); with a header version: after the API path', async () => {
    expect(await get('/catalog/v2;rev=3/items')).toEqual({ status: 200, body: 'catalog-v2;rev=3|3|False|v2|/api/items' });
    expect(await get('/catalog;rev=3/v2/items')).toEqual({ status: 200, body: 'catalog-v2;rev=3|3|False|v2|/api/items' });
    expect(await get('/catalog/V2;rev=1/items')).toEqual({ status: 200, body: 'catalog-v2|1|True|v2|/api/items' });
    expect(await get('/catalog/v2/items')).toEqual({ status: 200, body: 'catalog-v2|1|True|v2|/api/items' });
    // Revision 3 exists for v2 only; on v1 it is no revision at all.
    expect((await get('/catalog/v1;rev=3/items')).status).toBe(404);
    expect((await get('/catalog/v2;rev=9/items')).status).toBe(404);
    expect((await get('/catalog/v2/items;rev=3')).status).toBe(404);
    expect(await get('/stock;rev=2/items', { 'api-version': '2024-01-01' })).toEqual({ status: 200, body: 'stock;rev=2|2|False|2024-01-01|/api/items' });
  });

  it('a header-versioned API called without its version answers 404 with an empty body, explained in the log', async () => {
    const r = await get('/stock/items');
    expect(r).toEqual({ status: 404, body: '' });
    expect(g.logger.lines.some((l) => l.includes('404 GET') && l.includes('no API version'))).toBe(true);
  });
});
