import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core/index.js';
import { inbound, run } from './run.js';

describe('set-method', () => {
  it('changes the method the backend gets (text or expression); an invalid literal is refused', async () => {
    const r = await run(inbound('<set-method>PATCH</set-method>'));
    expect(r.backendRequest!.method).toBe('PATCH');
    const e = await run(inbound('<set-method>@("de" + "lete")</set-method>'));
    expect(e.backendRequest!.method).toBe('DELETE');
    await expect(run(inbound('<set-method>GE T</set-method>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('authentication-basic (behaviour 40)', () => {
  it('sets the exact Basic header; both attributes are required', async () => {
    const r = await run(inbound('<authentication-basic username="Aladdin" password="open sesame"/>'));
    expect(r.backendRequest!.headers.authorization).toBe('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    await expect(run(inbound('<authentication-basic username="a"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('ip-filter (behaviour 33)', () => {
  it('allow: a caller in an address or range passes, others get 403 with CallerIpNotAllowed', async () => {
    const ok = await run(inbound('<ip-filter action="allow"><address-range from="127.0.0.0" to="127.0.0.255"/></ip-filter>'));
    expect(ok.status).toBe(200);
    const no = await run(inbound('<ip-filter action="allow"><address>10.0.0.1</address></ip-filter>'));
    expect(no.status).toBe(403);
    expect(no.body).toBe('{ "statusCode": 403, "message": "Forbidden" }');
    expect(no.backendRequest).toBeNull();
  });
  it('forbid: a matching caller gets 403; LastError reason CallerIpBlocked in on-error', async () => {
    const r = await run(`<policies><inbound><ip-filter action="forbid"><address>127.0.0.1</address></ip-filter></inbound><backend><forward-request/></backend>
      <on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>`);
    expect(r.status).toBe(403);
    expect(r.headers['x-reason']).toBe('CallerIpBlocked');
  });
  it('refuses a bad action or range at compile time', async () => {
    await expect(run(inbound('<ip-filter action="deny"><address>1.2.3.4</address></ip-filter>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<ip-filter action="allow"><address-range from="1.2.3.4" to="::1"/></ip-filter>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('find-and-replace (behaviour 38)', () => {
  it('replaces in the request body (inbound) and the response body (outbound)', async () => {
    const r = await run(inbound('<find-and-replace from="cat" to="dog"/>', '<find-and-replace from="ok" to="OK"/>'), {
      method: 'POST', body: 'cat and cat', backend: { body: '{"ok":1}' },
    });
    expect(r.backendRequest!.body).toBe('dog and dog');
    expect(r.backendRequest!.headers['content-length']).toBe('11');
    expect(r.body).toBe('{"OK":1}');
  });
});

describe('cache-store-value / cache-lookup-value / cache-remove-value (behaviour 39)', () => {
  it('a miss leaves the variable unset or sets default-value; a store is found until its duration ends', async () => {
    const doc = (extra: string) => `<policies><inbound>${extra}<cache-lookup-value key="k" variable-name="v"/><cache-lookup-value key="nope" variable-name="d" default-value="dflt"/></inbound><backend/><outbound/><on-error/></policies>`;
    const miss = await run(doc(''));
    expect(miss.variables).toEqual({ d: 'dflt' });
    const hit = await run(doc('<cache-store-value key="k" value="@(&quot;x&quot; + 1)" duration="60"/>'));
    expect(hit.variables).toEqual({ v: 'x1', d: 'dflt' });
    const removed = await run(doc('<cache-store-value key="k" value="1" duration="60"/><cache-remove-value key="k"/>'));
    expect(removed.variables).toEqual({ d: 'dflt' });
    const expired = await run(doc('<cache-store-value key="k" value="1" duration="0"/>'));
    expect(expired.variables).toEqual({ d: 'dflt' });
  });
});

describe('rate-limit-by-key and quota-by-key (injectable clock)', () => {
  it('rate-limit-by-key: over the limit 429 with Retry-After and the APIM body; variables and headers', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    // One gateway (one counter store) for several requests: through the decision-record gateway helpers.
    const { startGateway, seedConfig, startBackend, close } = await import('../helpers.js');
    const backend = await startBackend();
    const policy = `<policies><inbound><rate-limit-by-key calls="2" renewal-period="60" counter-key="@(context.Request.IpAddress)" remaining-calls-header-name="X-Left" remaining-calls-variable-name="left"/></inbound><backend><forward-request/></backend></policies>`;
    const g = await startGateway(seedConfig({}, policy), backend.origin, clock);
    try {
      const a = await fetch(`${g.origin}/functions/hello`);
      expect(a.status).toBe(200);
      expect(a.headers.get('x-left')).toBe('1');
      expect((await fetch(`${g.origin}/functions/hello`)).headers.get('x-left')).toBe('0');
      clock.advance(10_000);
      const over = await fetch(`${g.origin}/functions/hello`);
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toBe('50');
      expect(await over.text()).toBe('{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 50 seconds." }');
      clock.advance(50_000);
      expect((await fetch(`${g.origin}/functions/hello`)).status).toBe(200);
    } finally {
      await g.stop();
      await close(backend.server);
    }
  });

  it('quota (per subscription key, fixed window): 403 with Retry-After and the replenish time; no key, not counted', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const { startGateway, seedConfig, startBackend, close } = await import('../helpers.js');
    const backend = await startBackend();
    const policy = `<policies><inbound><quota calls="1" renewal-period="3600"/></inbound><backend><forward-request/></backend></policies>`;
    const g = await startGateway(seedConfig({ subscriptions: [{ name: 's', scope: '/apis', primaryKey: 'k', secondaryKey: 'k2', state: 'active' }] }, policy), backend.origin, clock);
    try {
      const key = { headers: { 'ocp-apim-subscription-key': 'k' } };
      expect((await fetch(`${g.origin}/functions/hello`, key)).status).toBe(200);
      clock.advance(60_000);
      const over = await fetch(`${g.origin}/functions/hello`, key);
      expect(over.status).toBe(403);
      expect(over.headers.get('retry-after')).toBe('3540');
      expect(await over.text()).toBe('{ "statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 00:59:00." }');
      expect((await fetch(`${g.origin}/functions/hello`)).status).toBe(200);
      clock.advance(3_540_000);
      expect((await fetch(`${g.origin}/functions/hello`, key)).status).toBe(200);
    } finally {
      await g.stop();
      await close(backend.server);
    }
  });

  it('rate-limit refuses renewal-period over 300 and expressions in calls', async () => {
    await expect(run(inbound('<rate-limit calls="5" renewal-period="301"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<rate-limit calls="@(5)" renewal-period="30"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_EXPRESSION_NOT_ALLOWED' });
  });
});
