/** docs/behaviour/apim.md §7 behaviours not covered elsewhere, through `policy run`'s pipeline (exact statuses, headers, bodies). */
import { describe, expect, it } from 'vitest';
import { inbound, run } from './policies/run.js';

describe('docs/behaviour/apim.md §7 behaviours', () => {
  it('10: return-response in inbound: default 200 and empty body, no backend call, no outbound, later inbound policies skipped', async () => {
    const r = await run(inbound('<return-response/><set-variable name="after" value="1"/>', '<set-header name="X-Out" exists-action="override"><value>1</value></set-header>'));
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.backendRequest).toBeNull();
    expect(r.headers['x-out']).toBeUndefined();
    expect(r.variables).toEqual({});
  });

  it('11: include-fragment inlines the fragment at its position; a fragment with <base/> is refused', async () => {
    const { runPolicy } = await import('../../src/gateway/index.js');
    const frag = '<fragment><set-header name="X-Order" exists-action="append"><value>frag</value></set-header></fragment>';
    const r = await runPolicy({ policy: frag, request: {} });
    expect(r.status).toBe(200);
    await expect(runPolicy({ policy: '<fragment><base/></fragment>', request: {} })).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_STRUCTURE' });
  });

  it('12: choose — the first true when wins, later conditions are not evaluated, otherwise is the fallback', async () => {
    const r = await run(inbound(`<choose>
      <when condition="@(context.Request.Method == &quot;GET&quot;)"><set-variable name="branch" value="first"/></when>
      <when condition="@(int.Parse(&quot;not a number&quot;) == 1)"><set-variable name="branch" value="second"/></when>
      <otherwise><set-variable name="branch" value="otherwise"/></otherwise></choose>`));
    expect(r.status).toBe(200);
    expect(r.variables).toEqual({ branch: 'first' });
    const o = await run(inbound(`<choose><when condition="false"><set-variable name="b" value="w"/></when><otherwise><set-variable name="b" value="o"/></otherwise></choose>`));
    expect(o.variables).toEqual({ b: 'o' });
  });

  it('14: on-error sees the status already set (401 from check-header); set-header there keeps the default body', async () => {
    const r = await run(`<policies><inbound><check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="Missing key" ignore-case="true"/></inbound>
      <backend><forward-request/></backend><on-error><set-header name="X-Status" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header></on-error></policies>`);
    expect(r.status).toBe(401);
    expect(r.headers['x-status']).toBe('401');
    expect(r.body).toBe('{ "statusCode": 401, "message": "Missing key" }');
  });

  it('26: several values join with commas, Set-Cookie goes as repeated lines, Content-Length cannot be deleted', async () => {
    const r = await run(inbound('', `<set-header name="X-Multi" exists-action="override"><value>a</value><value>b</value></set-header>
      <set-header name="Set-Cookie" exists-action="override"><value>a=1</value><value>b=2</value></set-header>
      <set-header name="Content-Length" exists-action="delete"/>`), { backend: { body: '{"x":1}', headers: { 'content-length': '7' } } });
    expect(r.headers['x-multi']).toBe('a,b');
    expect(r.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(r.headers['content-length']).toBe('7');
  });

  it('27: set-variable with a literal stores a string; a bool written into a header reads "True"', async () => {
    const r = await run(inbound(`<set-variable name="lit" value="42"/><set-variable name="flag" value="@(1 == 1)"/>
      <set-header name="X-Flag" exists-action="override"><value>@(context.Variables[&quot;flag"].ToString())</value></set-header>`.replace('&quot;flag"', '&quot;flag&quot;')));
    expect(r.variables).toEqual({ lit: '42', flag: true });
    expect(r.backendRequest!.headers['x-flag']).toBe('True');
  });

  it('28: rewrite-uri on /get?a=b&c=d (template /get?a={b}) → /put?c=d; copy-unmatched-params=false → /put', async () => {
    const rq = { url: 'https://apim.azure-api.net/get?a=b&c=d', api: { serviceUrl: 'https://backend.example.net' }, operation: { urlTemplate: '/get?a={b}' } };
    expect((await run(inbound('<rewrite-uri template="/put"/>'), rq)).backendRequest!.url).toBe('https://backend.example.net/put?c=d');
    expect((await run(inbound('<rewrite-uri template="/put" copy-unmatched-params="false"/>'), rq)).backendRequest!.url).toBe('https://backend.example.net/put');
  });

  it('29: set-backend-service base-url keeps path and query; Url.Host is the backend host afterwards', async () => {
    const r = await run(inbound(`<set-backend-service base-url="http://contoso.com/api/8.2"/>
      <set-header name="X-Host" exists-action="override"><value>@(context.Request.Url.Host)</value></set-header>
      <set-header name="X-Orig" exists-action="override"><value>@(context.Request.OriginalUrl.Host)</value></set-header>`),
    { url: 'https://contoso.azure-api.net/api/partners/15?version=2013-05&subscription-key=abcdef', api: { path: 'api', serviceUrl: 'https://old.example.net' } });
    expect(r.backendRequest!.url).toBe('http://contoso.com/api/8.2/partners/15?version=2013-05&subscription-key=abcdef');
    expect(r.backendRequest!.headers['x-host']).toBe('contoso.com');
    expect(r.backendRequest!.headers['x-orig']).toBe('contoso.azure-api.net');
  });

  it('40: trace is recorded in the request trace without changing the response', async () => {
    const r = await run(inbound('<trace source="orders" severity="information"><message>@("seen " + context.Request.Method)</message></trace>'));
    expect(r.status).toBe(200);
    const entries = (r.trace as { traceEntries: { inbound: Array<{ source: string; data: { message?: string } }> } }).traceEntries.inbound;
    expect(entries.some((e) => e.source === 'orders' && e.data.message === '[information] seen GET')).toBe(true);
  });
});
