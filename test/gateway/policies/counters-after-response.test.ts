import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { close, seedConfig, startBackend, startGateway } from '../helpers.js';
import { inbound, run } from './run.js';

/**
 * Counters that wait for the response (docs/behaviour/apim.md §7, behaviour 32): rate-limit-by-key / quota-by-key
 * `increment-condition` reads `context.Response` (the policy page's `context.Response.StatusCode == 200`), and quota
 * `bandwidth` meters the kilobytes of both bodies once they have been sent.
 */
const failOnHeader = `<outbound><choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Fail&quot;, &quot;&quot;) == &quot;1&quot;)">
  <set-status code="500" reason="Boom" /></when></choose></outbound>`;
const doc = (limit: string) => `<policies><inbound>${limit}</inbound><backend><forward-request/></backend>${failOnHeader}</policies>`;

describe('increment-condition is evaluated after the response; bandwidth is metered', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => { while (stops.length) await stops.pop()!(); });
  const gateway = async (policy: string, overrides = {}) => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const backend = await startBackend();
    const g = await startGateway(seedConfig(overrides, policy), backend.origin, clock);
    stops.push(async () => { await g.stop(); await close(backend.server); });
    return { g, clock };
  };

  it('behaviour 32: rate-limit-by-key counts only the calls whose response is 200; the window full → 429 before the backend', async () => {
    const { g } = await gateway(doc('<rate-limit-by-key calls="2" renewal-period="60" counter-key="k" increment-condition="@(context.Response.StatusCode == 200)" remaining-calls-header-name="X-Left"/>'));
    const get = (fail = false) => fetch(`${g.origin}/functions/hello`, { headers: fail ? { 'x-fail': '1' } : {} });
    for (let i = 0; i < 3; i++) expect((await get(true)).status).toBe(500);
    const ok = await get();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-left')).toBe('1');
    expect((await get()).status).toBe(200);
    const over = await get();
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(await over.text()).toBe('{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 60 seconds." }');
  });

  it('quota-by-key with increment-condition counts after the response, increment-count included', async () => {
    const { g } = await gateway(doc('<quota-by-key calls="3" renewal-period="3600" counter-key="k" increment-count="2" increment-condition="@(context.Response.StatusCode &lt; 400)"/>'));
    const get = (fail = false) => fetch(`${g.origin}/functions/hello`, { headers: fail ? { 'x-fail': '1' } : {} });
    expect((await get(true)).status).toBe(500);
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
    const over = await get();
    expect(over.status).toBe(403);
    expect(await over.text()).toBe('{ "statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 01:00:00." }');
  });

  it('quota bandwidth (KB of request and response bodies, after the response): over it 403 "Out of bandwidth quota"', async () => {
    const policy = '<policies><inbound><quota bandwidth="2" renewal-period="600"/></inbound><backend><forward-request/></backend><outbound><set-body>@(new string(\'y\', 1500))</set-body></outbound></policies>';
    const { g, clock } = await gateway(policy, { subscriptions: [{ name: 's', scope: '/apis', primaryKey: 'k', secondaryKey: 'k2', state: 'active' }] });
    const post = () => fetch(`${g.origin}/functions/hello`, { headers: { 'ocp-apim-subscription-key': 'k' } });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    clock.advance(60_000);
    const over = await post();
    expect(over.status).toBe(403);
    expect(over.headers.get('retry-after')).toBe('540');
    expect(await over.text()).toBe('{ "statusCode": 403, "message": "Out of bandwidth quota. Quota will be replenished in 00:09:00." }');
    clock.advance(540_000);
    expect((await post()).status).toBe(200);
  });

  it('trustline policy run: the condition sees the stub backend\'s status', async () => {
    const policy = inbound('<rate-limit-by-key calls="1" renewal-period="60" counter-key="k" increment-condition="@(context.Response.StatusCode == 200)" remaining-calls-variable-name="left"/>');
    const r = await run(policy, { backend: { status: 503, body: 'down' } });
    expect(r.status).toBe(503);
    expect(r.variables.left).toBe(0);
    await expect(run(inbound('<quota-by-key renewal-period="60" counter-key="k"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});
