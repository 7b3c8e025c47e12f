import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import type { GatewayDecision } from '../../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from '../helpers.js';
import { run } from './run.js';

const doc = (lookup: string, store = '<cache-store duration="60"/>', inner = '') => `<policies>
  <inbound>${lookup}<set-header name="X-After-Lookup" exists-action="override"><value>ran</value></set-header></inbound>
  <backend><forward-request/></backend>
  <outbound><set-header name="X-Before-Store" exists-action="override"><value>ran</value></set-header>${store}
    <set-header name="X-After-Store" exists-action="override"><value>ran</value></set-header>${inner}</outbound>
</policies>`;

describe('cache-lookup / cache-store (trustline policy run)', () => {
  it('a single run misses, forwards and stores; downstream-caching-type adds Cache-Control', async () => {
    const r = await run(doc('<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="public" must-revalidate="false"/>'));
    expect(r.status).toBe(200);
    expect(r.backendRequest).not.toBeNull();
    expect(r.headers['cache-control']).toBe('public, max-age=60');
    expect(r.headers['x-before-store']).toBe('ran');
    expect(r.headers['x-after-store']).toBe('ran');
  });

  it('refuses missing required attributes, a bad downstream-caching-type, cache-store outside outbound', async () => {
    await expect(run(doc('<cache-lookup vary-by-developer="false"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(doc('<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="shared"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run('<policies><inbound><cache-store duration="10"/></inbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
    await expect(run(doc('<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" caching-type="disk"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('cache-lookup / cache-store through one gateway (one cache)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let g: Awaited<ReturnType<typeof startGateway>>;
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const decisions: GatewayDecision[] = [];
  beforeAll(async () => {
    backend = await startBackend();
    const policy = doc(`<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="private">
      <vary-by-header>Accept</vary-by-header><vary-by-query-parameter>v;w</vary-by-query-parameter></cache-lookup>`,
    '<cache-store duration="30"/>');
    const cfg = seedConfig({}, policy);
    cfg.apis[0]!.operations.push({ id: 'op-post', name: 'post', method: 'POST', urlTemplate: '/hello' });
    g = await startGateway(cfg, backend.origin, clock, undefined, {}, { onDecision: (d) => decisions.push(d) });
  });
  afterAll(async () => { await g.stop(); await close(backend.server); });
  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const res = await fetch(g.origin + path, { method, headers });
    return { status: res.status, body: await res.text(), headers: Object.fromEntries(res.headers), calls: backend.seen.length };
  };

  it('the second GET is served from the cache: no backend call, inbound stops, outbound resumes after cache-store', async () => {
    const first = await get('/functions/hello?v=1&other=a');
    expect(first.headers['cache-control']).toBe('private, max-age=30, must-revalidate');
    const calls = first.calls;
    clock.advance(10_000);
    const second = await get('/functions/hello?v=1&other=b');
    expect(second.calls).toBe(calls);
    expect(second.status).toBe(200);
    expect(second.body).toBe('{"ok":true}');
    expect(second.headers['x-backend']).toBe('yes');
    expect(second.headers['x-after-store']).toBe('ran');
    const steps = decisions.at(-1)!.steps.map((st) => `${st.section}:${st.policy}:${st.outcome}`);
    expect(steps).toEqual(['inbound:cache-lookup:ended', 'outbound:set-header:ok']);
    expect(decisions.at(-1)!.backend).toEqual([]);
    expect(second.headers['cache-control']).toBe('private, max-age=20, must-revalidate');
  });

  it('vary-by-query-parameter and vary-by-header make other entries; the entry expires after its duration', async () => {
    const base = (await get('/functions/hello?v=2')).calls;
    expect((await get('/functions/hello?v=2')).calls).toBe(base);
    expect((await get('/functions/hello?v=2', { accept: 'text/plain' })).calls).toBe(base + 1);
    expect((await get('/functions/hello?v=2&w=x')).calls).toBe(base + 2);
    clock.advance(31_000);
    expect((await get('/functions/hello?v=2')).calls).toBe(base + 3);
  });

  it('only GET is cached; a request with Authorization is not looked up', async () => {
    const n = (await get('/functions/hello', {}, 'POST')).calls;
    expect((await get('/functions/hello', {}, 'POST')).calls).toBe(n + 1);
    await get('/functions/hello?v=9', { authorization: 'Bearer x' });
    const m = (await get('/functions/hello?v=9', { authorization: 'Bearer x' })).calls;
    expect((await get('/functions/hello?v=9', { authorization: 'Bearer x' })).calls).toBe(m + 1);
  });
});
