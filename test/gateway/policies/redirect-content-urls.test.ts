import { describe, expect, it } from 'vitest';
import { run } from './run.js';

describe('redirect-content-urls (docs/behaviour/apim.md §2)', () => {
  const doc = (section: 'inbound' | 'outbound') => `<policies><inbound>${section === 'inbound' ? '<redirect-content-urls />' : ''}</inbound><backend><forward-request /></backend><outbound>${section === 'outbound' ? '<redirect-content-urls />' : ''}</outbound><on-error /></policies>`;
  const request = (body: string, backendBody = '') => ({
    method: 'POST', url: 'https://contoso.azure-api.net/orders/items', body, api: { path: 'orders', serviceUrl: 'https://backend.example.net/api' },
    backend: { status: 200, body: backendBody },
  });

  it('outbound: backend links in the response become gateway links', async () => {
    const r = await run(doc('outbound'), request('', '{"next":"https://backend.example.net/api/items?page=2","self":"https://backend.example.net/api"}'));
    expect(r.body).toBe('{"next":"https://contoso.azure-api.net/orders/items?page=2","self":"https://contoso.azure-api.net/orders"}');
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
  });

  it('inbound: gateway links in the request body become backend links', async () => {
    const r = await run(doc('inbound'), request('see https://contoso.azure-api.net/orders/items/7'));
    expect(r.backendRequest!.body).toBe('see https://backend.example.net/api/items/7');
  });

  it('has no attributes or children; not in backend', async () => {
    await expect(run('<policies><outbound><redirect-content-urls to="x" /></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run('<policies><backend><redirect-content-urls /></backend></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });
});
