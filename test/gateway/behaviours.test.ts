/** docs/behaviour/apim.md §7 behaviours not covered elsewhere, through `policy run`'s pipeline (exact statuses, headers, bodies). */
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { close, listen, seedConfig, startBackend, startGateway } from './helpers.js';
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
  it('40: a trace source written as an expression (as the azd templates deploy it) is taken and names the entry', async () => {
    const r = await run(inbound('<trace source="@(context.Request.Method + &quot;-trace&quot;)" severity="verbose"><message>seen</message></trace>'));
    expect(r.status).toBe(200);
    const entries = (r.trace as { traceEntries: { inbound: Array<{ source: string; data: { message?: string } }> } }).traceEntries.inbound;
    expect(entries.some((e) => e.source === 'GET-trace' && e.data.message === '[verbose] seen')).toBe(true);
  });
  it('3: whitespace around a whole-value expression keeps it an expression; "Bearer @(x)" is literal text', async () => {
    const r = await run(inbound(`<set-header name="X-Expr" exists-action="override"><value>   @(1+1)   </value></set-header>
      <set-header name="X-Literal" exists-action="override"><value>Bearer @(1+1)</value></set-header>
      <set-body>
        @{ return "multi-line"; }
      </set-body>`), { method: 'POST', body: 'x' });
    expect(r.backendRequest!.headers['x-expr']).toBe('2');
    expect(r.backendRequest!.headers['x-literal']).toBe('Bearer @(1+1)');
    expect(r.backendRequest!.body).toBe('multi-line');
  });

  it('5: a named value in a non-expression attribute and a partial literal is substituted, one whose value is @(…) is evaluated, an unknown {{a.b}} in a liquid body stays', async () => {
    const r = await run(inbound(`<set-header name="X-Part" exists-action="override"><value>pre-{{suffix}}</value></set-header>
      <set-header name="X-Eval" exists-action="override"><value>{{computed}}</value></set-header>
      <set-body template="liquid">{{body.a}}|{{a.b}}</set-body>`, ''), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"A"}' },
    { namedValues: { suffix: 'S', computed: '@(6*7)', t: '20' } });
    expect(r.backendRequest!.headers['x-part']).toBe('pre-S');
    expect(r.backendRequest!.headers['x-eval']).toBe('42');
    expect(r.backendRequest!.body).toBe('A|');
    const timed = await run(`<policies><inbound/><backend><forward-request timeout="{{t}}"/></backend></policies>`, {}, { namedValues: { t: '20' } });
    expect(timed.status).toBe(200);
  });

  it('13: an expression that throws inside choose goes to on-error with Source, Reason, Section, Scope, Path and PolicyId', async () => {
    const r = await run(`<policies><inbound><choose><when condition="@(true)"><set-variable id="probe" name="x" value="@(int.Parse(&quot;x&quot;))"/></when></choose></inbound>
      <backend><forward-request/></backend>
      <on-error><set-header name="X-E" exists-action="override"><value>@(context.LastError.Source + "|" + context.LastError.Reason + "|" + context.LastError.Section + "|" + context.LastError.Scope + "|" + context.LastError.Path + "|" + context.LastError.PolicyId)</value></set-header></on-error></policies>`);
    expect(r.status).toBe(500);
    expect(r.headers['x-e']).toBe('set-variable|ExpressionValueEvaluationFailure|inbound|operation|choose[1]/when[1]/set-variable[1]|probe');
    expect(r.body).toMatch(/^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[^"]+" \}$/);
  });

  it('15: an unmatched route reaches on-error with Source configuration and Reason OperationNotFound (404)', async () => {
    const backend = await startBackend();
    const g = await startGateway(seedConfig({ globalPolicy: { format: 'rawxml', value: `<policies><inbound/><backend><forward-request/></backend><outbound/>
      <on-error><set-header name="X-E" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>` } }), backend.origin);
    try {
      const res = await fetch(`${g.origin}/functions/nothing-here`);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-e')).toBe('configuration/OperationNotFound');
      expect(await res.text()).toBe('{ "statusCode": 404, "message": "Resource not found" }');
    } finally { await g.stop(); await close(backend.server); }
  });

  it('17, 18: the header key wins over the query key; both reach the backend; context.Subscription.Key and Name are set', async () => {
    const backend = await startBackend();
    const policy = `<policies><inbound><base/><set-header name="X-Sub" exists-action="override"><value>@(context.Subscription.Name + "|" + context.Subscription.Key)</value></set-header></inbound>
      <backend><forward-request/></backend></policies>`;
    const cfg = seedConfig({ subscriptions: [
      { name: 'alpha', scope: '/apis', primaryKey: 'ka', secondaryKey: 'ka2', state: 'active' },
      { name: 'beta', scope: '/apis', primaryKey: 'kb', secondaryKey: 'kb2', state: 'active' },
    ] }, policy);
    cfg.apis[0]!.subscriptionRequired = true;
    const g = await startGateway(cfg, backend.origin);
    try {
      const res = await fetch(`${g.origin}/functions/hello?subscription-key=kb`, { headers: { 'Ocp-Apim-Subscription-Key': 'ka' } });
      expect(res.status).toBe(200);
      const seen = backend.seen.at(-1)!;
      expect(seen.headers['x-sub']).toBe('alpha|ka');
      expect(seen.headers['ocp-apim-subscription-key']).toBe('ka');
      expect(seen.url).toBe('/api/hello?subscription-key=kb');
      const bad = await fetch(`${g.origin}/functions/hello?subscription-key=ka`, { headers: { 'Ocp-Apim-Subscription-Key': 'wrong' } });
      expect(bad.status).toBe(401);
    } finally { await g.stop(); await close(backend.server); }
  });

  it('31: check-header — a missing header and a value not allowed answer the configured code and message; ignore-case', async () => {
    const policy = inbound('<check-header name="X-Tier" failed-check-httpcode="403" failed-check-error-message="Tier not allowed" ignore-case="false"><value>Gold</value><value>Silver</value></check-header>');
    for (const headers of [{}, { 'x-tier': 'Bronze' }, { 'x-tier': 'gold' }] as Array<Record<string, string>>) {
      const r = await run(policy, { headers });
      expect(r.status).toBe(403);
      expect(r.body).toBe('{ "statusCode": 403, "message": "Tier not allowed" }');
      expect(r.backendRequest).toBeNull();
    }
    expect((await run(policy, { headers: { 'x-tier': 'Gold' } })).status).toBe(200);
    expect((await run(policy.replace('ignore-case="false"', 'ignore-case="true"'), { headers: { 'x-tier': 'gold' } })).status).toBe(200);
  });

  it('36: send-request ignore-error="true" leaves the variable null when the call fails; without it the call goes to on-error', async () => {
    const doc = (ignore: string) => `<policies><inbound><send-request mode="new" response-variable-name="r" timeout="5" ${ignore}><set-url>http://127.0.0.1:1/x</set-url><set-method>GET</set-method></send-request>
      <return-response><set-status code="200" reason="OK"/><set-body>@((context.Variables.GetValueOrDefault&lt;IResponse&gt;("r") == null).ToString())</set-body></return-response></inbound>
      <on-error><set-header name="X-E" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`;
    const backend = await startBackend();
    for (const [ignore, status, body, reason] of [['ignore-error="true"', 200, 'True', null], ['', 500, null, 'send-request/BackendConnectionFailure']] as const) {
      const g = await startGateway(seedConfig({}, doc(ignore)), backend.origin);
      try {
        const res = await fetch(`${g.origin}/functions/hello`);
        expect(res.status).toBe(status);
        if (body !== null) expect(await res.text()).toBe(body);
        expect(res.headers.get('x-e')).toBe(reason);
      } finally { await g.stop(); }
    }
    await close(backend.server);
  });

  it('37: forward-request fail-on-error-status-code="true" sends a 404 backend answer to on-error; timeout ends a silent backend with Reason Timeout', async () => {
    const onError = '<on-error><set-header name="X-E" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason + "/" + context.Response.StatusCode)</value></set-header></on-error>';
    const r = await run(`<policies><inbound/><backend><forward-request fail-on-error-status-code="true"/></backend><outbound/>${onError}</policies>`, { backend: { status: 404, body: 'nope' } });
    expect(r.headers['x-e']).toBe('forward-request/BackendErrorStatusCode/404');
    const plain = await run(`<policies><inbound/><backend><forward-request/></backend><outbound/>${onError}</policies>`, { backend: { status: 404, body: 'nope' } });
    expect(plain.status).toBe(404);
    expect(plain.body).toBe('nope');
    const silent = createServer(() => { /* never answers */ });
    const origin = await listen(silent);
    const g = await startGateway(seedConfig({}, `<policies><inbound/><backend><forward-request timeout="1"/></backend><outbound/>${onError}</policies>`), origin);
    try {
      const res = await fetch(`${g.origin}/functions/hello`);
      expect(res.status).toBe(500);
      expect(res.headers.get('x-e')).toBe('forward-request/Timeout/500');
    } finally { await g.stop(); silent.closeAllConnections(); await close(silent); }
  });

  it('41–46: expressions through the pipeline — headers (case, joins, default), URL and matched parameters, AsJwt, interpolation/??/?./lambdas/out var, .NET parity, a disallowed type refused', async () => {
    const jwt = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u1","roles":["a","b"]}').toString('base64url')}.`;
    const r = await run(inbound(`<set-header name="X-41" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("x-multi", "") + "|" + context.Request.Headers.GetValueOrDefault("x-none", "dflt"))</value></set-header>
      <set-header name="X-42" exists-action="override"><value>@(context.Request.Url.Query.GetValueOrDefault("q", "") + "|" + context.Request.MatchedParameters["id"] + "|" + context.Request.Url.ToString())</value></set-header>
      <set-header name="X-43" exists-action="override"><value>@{ var j = context.Request.Headers.GetValueOrDefault("Authorization", "").AsJwt(); return j?.Subject + "|" + string.Join(",", j?.Claims["roles"] ?? new string[0]) + "|" + ("garbage".AsJwt() == null); }</value></set-header>
      <set-header name="X-44" exists-action="override"><value>@{ int n; var ok = int.TryParse("7", out n); string none = null; var first = new[] { 3, 8, 12 }.Where(x => x > 5).FirstOrDefault(); return $"{n:D3}|{none ?? "dflt"}|{none?.Length}|{first}|{ok}"; }</value></set-header>
      <set-header name="X-45" exists-action="override"><value>@("A".Equals("a", StringComparison.OrdinalIgnoreCase) + "|" + System.Net.WebUtility.UrlEncode("a b") + "|" + new Guid("6F9619FF-8B86-D011-B42D-00CF4FC964FF").ToString() + "|" + Convert.ToBase64String(Encoding.UTF8.GetBytes("hi")))</value></set-header>`),
    { url: 'https://trustline-apim.azure-api.net/items/15?q=v', headers: { 'X-Multi': ['a', 'b'], authorization: `Bearer ${jwt}` }, operation: { urlTemplate: '/items/{id}' }, api: { serviceUrl: 'https://backend.example.net/base' } });
    const h = r.backendRequest!.headers;
    expect(h['x-41']).toBe('a, b|dflt');
    expect(h['x-42']).toBe('v|15|https://backend.example.net/base/items/15?q=v');
    expect(h['x-43']).toBe('u1|a,b|True');
    expect(h['x-44']).toBe('007|dflt||8|True');
    expect(h['x-45']).toBe('True|a+b|6f9619ff-8b86-d011-b42d-00cf4fc964ff|aGk=');
    await expect(run(inbound('<set-variable name="x" value="@(System.IO.File.ReadAllText(&quot;/etc/passwd&quot;))"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_EXPRESSION_UNSUPPORTED' });
  });
});
