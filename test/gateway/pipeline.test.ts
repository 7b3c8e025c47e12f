import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import type { ServiceConfig } from '../../src/gateway/index.js';
import { FakeTokens, gatewaySuite, seedConfig, startGateway } from './helpers.js';

const mark = (v: string) => `<set-header name="X-Order" exists-action="append"><value>${v}</value></set-header>`;

function config(backendApiPolicy: string, extra: Partial<ServiceConfig> = {}): ServiceConfig {
  const base = seedConfig({}, backendApiPolicy);
  return { ...base, ...extra };
}

describe('gateway pipeline', () => {
  const suite = gatewaySuite();
  const start = async (cfg: ServiceConfig, tokens?: FakeTokens) => {
    const clock = new ManualClock();
    const g = await startGateway(cfg, suite.backend.origin, clock, tokens ?? new FakeTokens(clock));
    suite.gateways.push(g);
    return g;
  };

  it('answers 404 with the APIM body for an unknown route and for a wrong method (behaviour 15)', async () => {
    const g = await start(config('<policies><inbound><base/></inbound></policies>'));
    for (const [method, path] of [['GET', '/nope'], ['POST', '/functions/hello'], ['GET', '/functions/hello/extra']] as const) {
      const res = await fetch(g.origin + path, { method });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.text()).toBe('{ "statusCode": 404, "message": "Resource not found" }');
    }
  });

  it('an API without http in protocols is not reachable on plain http', async () => {
    const cfg = config('<policies><inbound><base/></inbound></policies>');
    cfg.apis[0]!.protocols = ['https'];
    const g = await start(cfg);
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{ "statusCode": 404, "message": "Resource not found" }');
  });

  it('requires a subscription key by default: 401 body and WWW-Authenticate; a valid key passes (behaviours 16, 17, 18)', async () => {
    const cfg = config('<policies><inbound><base/></inbound></policies>', {
      subscriptions: [
        { name: 'sub1', scope: '/apis/functions', primaryKey: 'pk1', secondaryKey: 'sk1', state: 'active' },
        { name: 'old', scope: '/apis', primaryKey: 'pk-old', secondaryKey: 'sk-old', state: 'suspended' },
      ],
    });
    delete cfg.apis[0]!.subscriptionRequired;
    const g = await start(cfg);
    const www = 'AzureApiManagementKey realm="https://trustline-apim.azure-api.net/functions",name="Ocp-Apim-Subscription-Key",type="header"';
    const missing = await fetch(`${g.origin}/functions/hello`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(www);
    expect(missing.headers.get('content-type')).toBe('application/json');
    const body = await missing.text();
    expect(body).toBe('{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API." }');
    expect(body.length).toBe(152);
    for (const init of [{ headers: { 'ocp-apim-subscription-key': 'wrong' } }, { headers: { 'ocp-apim-subscription-key': 'pk-old' } }]) {
      const invalid = await fetch(`${g.origin}/functions/hello`, init);
      expect(invalid.status).toBe(401);
      expect(invalid.headers.get('www-authenticate')).toBe(www);
      expect(await invalid.text()).toBe('{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }');
    }
    const ok = await fetch(`${g.origin}/functions/hello`, { headers: { 'Ocp-Apim-Subscription-Key': 'sk1' } });
    expect(ok.status).toBe(200);
    expect(suite.backend.seen.at(-1)!.headers['ocp-apim-subscription-key']).toBe('sk1');
    const viaQuery = await fetch(`${g.origin}/functions/hello?subscription-key=pk1`);
    expect(viaQuery.status).toBe(200);
    expect(suite.backend.seen.at(-1)!.url).toBe('/api/hello?subscription-key=pk1');
  });

  it('composes <base/> per section: operation [A, base, B] + API [C, base] + global [G] → A, C, G, B (behaviour 7)', async () => {
    const cfg = config(`<policies><inbound>${mark('C')}<base/></inbound><backend><base/></backend></policies>`, {
      globalPolicy: { value: `<policies><inbound>${mark('G')}</inbound><backend><forward-request/></backend></policies>` },
    });
    cfg.apis[0]!.operations[0]!.policy = { value: `<policies><inbound>${mark('A')}<base/>${mark('B')}</inbound></policies>` };
    const g = await start(cfg);
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(200);
    expect(suite.backend.seen.at(-1)!.headers['x-order']).toBe('A,C,G,B');
  });

  it('without <base/> in backend the global forward-request is not inherited: no backend call, outbound runs (behaviour 8)', async () => {
    const before = suite.backend.seen.length;
    const g = await start(config('<policies><inbound/><backend/><outbound><set-header name="X-Out" exists-action="override"><value>ran</value></set-header></outbound></policies>'));
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-out')).toBe('ran');
    expect(await res.text()).toBe('');
    expect(suite.backend.seen.length).toBe(before);
  });

  it('an expression that throws answers the default 500 body (behaviour 13)', async () => {
    const g = await start(config('<policies><inbound><base/><set-variable name="x" value="@(int.Parse(&quot;x&quot;))" /></inbound><backend><base/></backend></policies>'));
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{ "statusCode": 500, "message": "Internal server error", "activityId": "00000000-0000-4000-8000-000000000001" }');
  });

  it('on-error sees LastError (source, reason, section, path) and can shape the response (behaviours 13, 14)', async () => {
    const g = await start(config(`<policies><inbound><base/><choose><when condition="@(true)"><set-variable name="x" value="@("a b".Split(' ')[1].Substring(9))" id="boom" /></when></choose></inbound>
<backend><base/></backend>
<on-error><set-variable name="sc" value="@(context.Response.StatusCode)" /><return-response><set-status code="418" reason="Teapot" /><set-header name="X-Err" exists-action="override"><value>@(context.LastError.Source + "|" + context.LastError.Reason + "|" + context.LastError.Section + "|" + context.LastError.Scope + "|" + context.LastError.Path + "|" + context.LastError.PolicyId + "|" + context.Variables["sc"])</value></set-header><set-body>oops</set-body></return-response></on-error></policies>`));
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(418);
    expect(res.headers.get('x-err')).toBe('set-variable|ExpressionValueEvaluationFailure|inbound|api|choose[1]/when[1]/set-variable[1]|boom|500');
    expect(await res.text()).toBe('oops');
  });

  it('a managed identity failure with ignore-error=false answers 500 via on-error; ignore-error=true continues (behaviour 23)', async () => {
    const clock = new ManualClock();
    const tokens = new FakeTokens(clock);
    tokens.fail = true;
    const g = await start(seedConfig(), tokens);
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{ "statusCode": 500, "message": "Internal server error", "activityId": "00000000-0000-4000-8000-000000000001" }');
    const g2 = await start(config('<policies><inbound><base/><authentication-managed-identity resource="api://x" ignore-error="true" /></inbound><backend><base/></backend></policies>'), tokens);
    const res2 = await fetch(`${g2.origin}/functions/hello`, { headers: { authorization: 'Bearer client' } });
    expect(res2.status).toBe(200);
    expect(suite.backend.seen.at(-1)!.headers.authorization).toBe('Bearer client');
  });

  it('without output-token-variable-name the token goes to Authorization; resource may be an expression (behaviours 19, 25)', async () => {
    const g = await start(config('<policies><inbound><base/><authentication-managed-identity resource="@(&quot;api://&quot; + &quot;x&quot;)" client-id="uai-1" /></inbound><backend><base/></backend></policies>'));
    await (await fetch(`${g.origin}/functions/hello`)).text();
    expect(suite.backend.seen.at(-1)!.headers.authorization).toBe('Bearer tok-1-api://x');
    expect(g.tokens.calls).toEqual([{ resource: 'api://x', clientId: 'uai-1' }]);
  });

  it('set-header override/skip/append/delete, set-query-parameter, return-response, check-header (behaviours 26, 28, 31)', async () => {
    const cfg = config(`<policies><inbound><base/>
      <check-header name="X-Must" failed-check-httpcode="403" failed-check-error-message="Missing X-Must" ignore-case="true"><value>YES</value></check-header>
      <set-header name="X-Over" exists-action="override"><value>1</value><value>2</value></set-header>
      <set-header name="X-Skip" exists-action="skip"><value>new</value></set-header>
      <set-header name="X-App" exists-action="append"><value>b</value></set-header>
      <set-header name="X-Del" exists-action="delete" />
      <set-query-parameter name="q" exists-action="override"><value>v</value></set-query-parameter>
      <choose><when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Short&quot;, &quot;&quot;) == &quot;1&quot;)"><return-response><set-status code="202" reason="Accepted" /><set-body>short</set-body></return-response></when></choose>
    </inbound><backend><base/></backend></policies>`);
    const g = await start(cfg);
    const denied = await fetch(`${g.origin}/functions/hello`);
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe('{ "statusCode": 403, "message": "Missing X-Must" }');
    const wrong = await fetch(`${g.origin}/functions/hello`, { headers: { 'x-must': 'no' } });
    expect(wrong.status).toBe(403);
    const before = suite.backend.seen.length;
    const short = await fetch(`${g.origin}/functions/hello`, { headers: { 'x-must': 'yes', 'x-short': '1' } });
    expect(short.status).toBe(202);
    expect(await short.text()).toBe('short');
    expect(suite.backend.seen.length).toBe(before);
    const res = await fetch(`${g.origin}/functions/hello?q=old&k=1`, { headers: { 'x-must': 'yes', 'x-skip': 'old', 'x-app': 'a', 'x-del': 'gone', 'x-over': 'z' } });
    expect(res.status).toBe(200);
    const seen = suite.backend.seen.at(-1)!;
    // override sets q's value where q stands (the query is a dictionary, docs/behaviour/apim.md §1.7)
    expect(seen.url).toBe('/api/hello?q=v&k=1');
    expect(seen.headers['x-over']).toBe('1,2');
    expect(seen.headers['x-skip']).toBe('old');
    expect(seen.headers['x-app']).toBe('a,b');
    expect(seen.headers['x-del']).toBe(undefined);
  });

  it('a backend connection failure answers 500 (BackendConnectionFailure) (behaviour 37)', async () => {
    const cfg = config('<policies><inbound><base/><set-backend-service base-url="http://127.0.0.1:1/x" /></inbound><backend><base/></backend><on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error></policies>');
    const g = await start(cfg);
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(500);
    expect(res.headers.get('x-reason')).toBe('BackendConnectionFailure');
    expect(await res.text()).toBe('{ "statusCode": 500, "message": "Internal server error", "activityId": "00000000-0000-4000-8000-000000000001" }');
  });

  it('matches templates with parameters into MatchedParameters and forwards a POST body', async () => {
    const cfg = config(`<policies><inbound><base/><set-header name="X-Id" exists-action="override"><value>@(context.Request.MatchedParameters["id"])</value></set-header></inbound><backend><base/></backend></policies>`);
    cfg.apis[0]!.operations.push({ id: 'op-user', name: 'user', method: 'POST', urlTemplate: '/users/{id}' });
    const g = await start(cfg);
    const res = await fetch(`${g.origin}/functions/users/42`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    const seen = suite.backend.seen.at(-1)!;
    expect(seen.url).toBe('/api/users/42');
    expect(seen.headers['x-id']).toBe('42');
    expect(seen.body).toBe('payload');
  });

  it('setService swaps the compiled service; undefined answers 503', async () => {
    const g = await start(config('<policies><inbound><base/></inbound></policies>'));
    g.gateway.setService(undefined);
    const res = await fetch(`${g.origin}/functions/hello`);
    expect(res.status).toBe(503);
    await res.text();
  });
});
