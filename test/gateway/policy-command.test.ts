import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await main(args, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'policy-cmd-'));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

describe('trustline policy compile', () => {
  it('exit 0 and the compiled tree (--json); named values substituted', async () => {
    const p = file('ok.xml', '<policies><inbound><base/><set-header name="x" exists-action="override"><value>{{greeting}}</value></set-header></inbound></policies>');
    const nv = file('nv.json', '{"greeting": "hello"}');
    const r = await cli(['policy', 'compile', p, '--named-values', nv, '--json']);
    expect(r.code).toBe(0);
    const tree = JSON.parse(r.out) as { kind: string; sections: Record<string, Array<{ policy: string; path: string; line: number }>> };
    expect(tree.kind).toBe('policies');
    expect(tree.sections.inbound!.map((s) => s.policy)).toEqual(['base', 'set-header']);
    expect(tree.sections.inbound![1]).toMatchObject({ path: 'set-header[1]', line: 1 });
  });

  it('exit 1 with the code and line:column; --loose compiles with a warning', async () => {
    const p = file('bad.xml', '<policies>\n  <inbound>\n    <no-such-policy/>\n  </inbound>\n</policies>');
    const r = await cli(['policy', 'compile', p]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${p}:3:5`);
    expect(r.err).toContain('ERR_APIM_POLICY_UNKNOWN_ELEMENT');
    const loose = await cli(['policy', 'compile', p, '--loose']);
    expect(loose.code).toBe(0);
    expect(loose.err).toContain('warning: ERR_APIM_POLICY_UNKNOWN_ELEMENT');
  });

  it('a {{named value}} --named-values does not define: exit 1 as a deployment would fail (--loose: warning); without --named-values a warning', async () => {
    const p = file('nv-missing.xml', '<policies><inbound><set-header name="k" exists-action="override"><value>{{api-key}}</value></set-header></inbound></policies>');
    const nv = file('nv-other.json', '{"other": "1"}');
    const r = await cli(['policy', 'compile', p, '--named-values', nv]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('ERR_APIM_NAMED_VALUE_NOT_FOUND: {{api-key}} names no named value of --named-values');
    const rq = file('req-nv.json', '{}');
    expect((await cli(['policy', 'run', p, '--request', rq, '--named-values', nv])).code).toBe(1);
    const loose = await cli(['policy', 'compile', p, '--named-values', nv, '--loose']);
    expect(loose.code).toBe(0);
    expect(loose.err).toContain('warning: ERR_APIM_NAMED_VALUE_NOT_FOUND');
    const none = await cli(['policy', 'compile', p]);
    expect(none.code).toBe(0);
    expect(none.err).toContain('warning: ' + p + ': {{api-key}} stays as written: give the named values with --named-values F');
  });

  it('a Liquid set-body\'s own {{body.x}} outputs are not named values (APIM saves such policies); the rest of the document is still checked', async () => {
    const nv = file('nv-empty.json', '{}');
    const liquid = file('liquid.xml', '<policies><outbound><set-body template="liquid">{"name": "{{body.name}}", "id": "{{context.Request.MatchedParameters["id"]}}"}</set-body></outbound></policies>');
    const ok = await cli(['policy', 'compile', liquid, '--named-values', nv]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.err).toBe('');
    const mixed = file('liquid-mixed.xml', '<policies><inbound><set-header name="k" exists-action="override"><value>{{api-key}}</value></set-header></inbound><outbound><set-body template="liquid">{{body.name}}</set-body></outbound></policies>');
    const r = await cli(['policy', 'compile', mixed, '--named-values', nv]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('ERR_APIM_NAMED_VALUE_NOT_FOUND: {{api-key}} names');
    expect(r.err).not.toContain('body.name');
  });

  it('a fragment compiles', async () => {
    const p = file('frag.xml', '<fragment><set-variable name="a" value="1"/></fragment>');
    const r = await cli(['policy', 'compile', p, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ kind: 'fragment', sections: { fragment: [{ policy: 'set-variable' }] } });
  });
});

describe('trustline policy compile|run --fragment ID=FILE', () => {
  const frag = () => file('auth-frag.xml', '<fragment>\n  <set-header name="X-Tenant" exists-action="override"><value>{{tenant}}</value></set-header>\n  <check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="no key" ignore-case="true" />\n</fragment>');
  const policy = () => file('uses-frag.xml', '<policies><inbound><base/><include-fragment fragment-id="auth" /></inbound><backend><base/></backend><outbound><base/></outbound></policies>');

  it('without the fragment the document does not compile (as a deployment without it); with it, it compiles and runs through the fragment', async () => {
    const p = policy();
    const missing = await cli(['policy', 'compile', p]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("The policy fragment 'auth' does not exist");
    const nv = file('nv-frag.json', '{"tenant": "contoso & co"}');
    const compiled = await cli(['policy', 'compile', p, '--fragment', `auth=${frag()}`, '--named-values', nv, '--json']);
    expect(compiled.code, compiled.err).toBe(0);
    expect(JSON.parse(compiled.out).sections.inbound.map((s: { policy: string }) => s.policy)).toEqual(['base', 'set-header', 'check-header']);
    const rq = file('req-frag.json', JSON.stringify({ headers: { 'x-key': 'k' } }));
    const ran = await cli(['policy', 'run', p, '--request', rq, '--fragment', `auth=${frag()}`, '--named-values', nv, '--json']);
    expect(ran.code, ran.err).toBe(0);
    const out = JSON.parse(ran.out) as { status: number; backendRequest: { headers: Record<string, string> } };
    expect(out.status).toBe(200);
    expect(out.backendRequest.headers['x-tenant']).toBe('contoso & co');
    const denied = await cli(['policy', 'run', p, '--request', file('req-frag2.json', '{}'), '--fragment', `auth=${frag()}`, '--named-values', nv, '--json']);
    expect(JSON.parse(denied.out)).toMatchObject({ status: 401, backendRequest: null });
  });

  it("an error inside the fragment points into the fragment's file; a flag that is not ID=FILE, or an id given twice, is a usage error (exit 2)", async () => {
    const bad = file('bad-frag.xml', '<fragment>\n  <nope />\n</fragment>');
    const r = await cli(['policy', 'compile', policy(), '--fragment', `auth=${bad}`]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${bad}:2:3`);
    expect((await cli(['policy', 'compile', policy(), '--fragment', 'auth'])).code).toBe(2);
    const twice = await cli(['policy', 'compile', policy(), '--fragment', `auth=${frag()}`, '--fragment', `AUTH=${frag()}`]);
    expect(twice.code).toBe(2);
    expect(twice.err).toContain('given twice');
  });
});

describe('trustline policy run', () => {
  it('prints status, headers, body, the backend request, variables and trace (--json)', async () => {
    const p = file('run.xml', `<policies><inbound><base/><set-variable name="who" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-user&quot;, &quot;anon&quot;))"/>
      <set-header name="X-Who" exists-action="override"><value>@((string)context.Variables["who"])</value></set-header></inbound>
      <backend><forward-request/></backend><outbound><set-header name="X-Out" exists-action="override"><value>done</value></set-header></outbound></policies>`);
    const rq = file('req.json', JSON.stringify({
      method: 'POST', url: 'https://contoso.azure-api.net/orders/42?x=1', headers: { 'x-user': 'ana' }, body: 'hi',
      api: { path: 'orders', serviceUrl: 'https://backend.contoso.com/api' }, operation: { method: 'POST', urlTemplate: '/{id}' },
      backend: { status: 201, headers: { 'x-b': '1' }, body: '{"created":true}' },
    }));
    const r = await cli(['policy', 'run', p, '--request', rq, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as Record<string, any>;
    expect(out.status).toBe(201);
    expect(out.body).toBe('{"created":true}');
    expect(out.headers['x-out']).toBe('done');
    expect(out.headers['x-b']).toBe('1');
    expect(out.backendRequest).toMatchObject({ method: 'POST', url: 'https://backend.contoso.com/api/42?x=1', body: 'hi' });
    expect(out.backendRequest.headers['x-who']).toBe('ana');
    expect(out.backendRequest.headers.host).toBe('backend.contoso.com');
    expect(out.variables).toEqual({ who: 'ana' });
    expect(out.trace.traceEntries.inbound.map((e: { source: string }) => e.source)).toEqual(['set-variable', 'set-header']);
  });

  it('<base/> resolves to APIM\'s default global policy without --parent (the backend is called), to the parent with it', async () => {
    const p = file('base.xml', '<policies><inbound><base/></inbound><backend><base/></backend></policies>');
    const rq = file('req2.json', '{"backend":{"status":202,"body":"from backend"}}');
    const r = await cli(['policy', 'run', p, '--request', rq, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as Record<string, any>;
    expect(out.status).toBe(202);
    expect(out.body).toBe('from backend');
    expect(out.backendRequest).toMatchObject({ method: 'GET' });
    // A parent whose backend section has no <base/> decides alone: here it answers without calling the backend.
    const parent = file('parent.xml', '<policies><inbound><set-header name="p" exists-action="override"><value>1</value></set-header></inbound><backend><return-response><set-status code="204" reason="No Content"/></return-response></backend></policies>');
    const r2 = await cli(['policy', 'run', p, '--request', rq, '--parent', parent, '--json']);
    const out2 = JSON.parse(r2.out) as Record<string, any>;
    expect(out2.status).toBe(204);
    expect(out2.backendRequest).toBeNull();
    // A parent with <base/> in its backend section reaches the default global policy's forward-request.
    const parent2 = file('parent2.xml', '<policies><inbound><set-header name="p" exists-action="override"><value>1</value></set-header></inbound><backend><base/></backend></policies>');
    const r3 = await cli(['policy', 'run', p, '--request', rq, '--parent', parent2, '--json']);
    const out3 = JSON.parse(r3.out) as Record<string, any>;
    expect(out3.body).toBe('from backend');
    expect(out3.backendRequest.headers.p).toBe('1');
  });

  it('exit 0 whatever the status; exit 1 for a policy that does not compile; 2 for a missing --request', async () => {
    const p = file('deny.xml', '<policies><inbound><return-response><set-status code="403" reason="Forbidden"/></return-response></inbound></policies>');
    const rq = file('req3.json', '{}');
    const r = await cli(['policy', 'run', p, '--request', rq]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('403');
    const bad = file('bad2.xml', '<policies><inbound><nope/></inbound></policies>');
    expect((await cli(['policy', 'run', bad, '--request', rq])).code).toBe(1);
    expect((await cli(['policy', 'run', p])).code).toBe(2);
  });

  it('text output says why: each step with its outcome and LastError; --json gives a compile error as {error}', async () => {
    const p = file('npe.xml', `<policies><inbound><base/><set-header name="x" exists-action="override">
      <value>@(context.Request.Headers.GetValueOrDefault("x-missing", null).ToUpper())</value></set-header></inbound></policies>`);
    const rq = file('req-npe.json', '{}');
    const r = await cli(['policy', 'run', p, '--request', rq]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('500');
    expect(r.out).toContain('✗ inbound operation set-header[1]: ExpressionValueEvaluationFailure: Expression evaluation failed. Object reference not set to an instance of an object. (twin: ToUpper on a null value)');
    expect(r.out).toMatch(/LastError: ExpressionValueEvaluationFailure in inbound set-header\[1\]: .*Object reference not set/);
    const bad = file('bad-json.xml', '<policies>\n<inbound><nope/></inbound></policies>');
    const j = await cli(['policy', 'run', bad, '--request', rq, '--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ error: { code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT', location: { line: 2 } } });
  });

  it('validate-content, validate-parameters, validate-status-code and jsonp run from REQUEST.json\'s operation contract and API schemas', async () => {
    const p = file('validate.xml', `<policies><inbound>
        <validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="ignore" />
        <validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent" errors-variable-name="errs">
          <content type="application/json" validate-as="json" action="prevent" /></validate-content></inbound>
      <backend><forward-request/></backend>
      <outbound><validate-status-code unspecified-status-code-action="prevent" /><jsonp callback-parameter-name="cb" /></outbound></policies>`);
    const request = (body: string, url = 'https://contoso.azure-api.net/pets?cb=show') => file(`req-${body.length}-${url.length}.json`, JSON.stringify({
      method: 'POST', url, headers: { 'content-type': 'application/json' }, body,
      api: { path: '', schemas: [{ id: 'pets', document: { definitions: { Pet: { type: 'object', required: ['name'] } } } }] },
      operation: { method: 'POST', urlTemplate: '/pets', request: { queryParameters: [{ name: 'cb' }], representations: [{ contentType: 'application/json', schemaId: 'pets', typeName: 'Pet' }] }, responses: [{ statusCode: 200 }] },
      backend: { status: 200, body: '{"id":1}' },
    }));
    const ok = JSON.parse((await cli(['policy', 'run', p, '--request', request('{"name":"Rex"}'), '--json'])).out) as Record<string, any>;
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('show({"id":1});');
    expect(ok.variables).toEqual({ errs: '[]' });
    const bad = JSON.parse((await cli(['policy', 'run', p, '--request', request('{}'), '--json'])).out) as Record<string, any>;
    expect(bad.status).toBe(400);
    expect(bad.body).toBe('{ "statusCode": 400, "message": "Body of the request does not conform to the definition Pet, which is associated with the content type application/json. Required properties are missing from object: name. Line: 1, Position: 2" }');
    expect(bad.backendRequest).toBeNull();
  });
});
