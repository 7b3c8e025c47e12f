// Named values substituted into what the policy document holds, as text (docs/behaviour/apim.md §1.2): a value with
// JSON, quotes, `<` or `&` lands in attribute and element text unchanged and cannot break the document; inside an
// expression it is source text; secret values stay out of log lines and decision records.
import { describe, expect, it } from 'vitest';
import type { GatewayDecision } from '../../src/gateway/index.js';
import { loadPolicyDocument } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const JSON_NV = '{"tier":"gold","limits":{"rpm":5},"note":"<b> & \'q\'"}';
const MSG = 'Say "please" <first> & wait';
const SECRET = 's3cr3t-&-<value>-"x"';

async function call(policy: string, namedValues: Array<{ name: string; value: string; secret?: boolean }>, headers: Record<string, string> = {}) {
  const backend = await startBackend();
  const decisions: GatewayDecision[] = [];
  const gw = await startGateway(seedConfig({ namedValues }, policy), backend.origin, undefined, undefined, {}, { onDecision: (d) => decisions.push(d) });
  try {
    const r = await fetch(`${gw.origin}/functions/hello`, { headers: { host: 'trustline-apim.azure-api.net', ...headers } });
    return { status: r.status, body: await r.text(), seen: backend.seen, logs: (gw.logger as unknown as { lines: string[] }).lines, decisions };
  } finally {
    await gw.stop();
    await close(backend.server);
  }
}

const doc = (inbound: string) => `<policies><inbound>${inbound}</inbound><backend><forward-request /></backend><outbound /><on-error /></policies>`;

describe('named values: substituted as text into what the document holds', () => {
  it('a JSON value in <set-header><value> reaches the backend exactly; so do quotes, < and & in an attribute', async () => {
    const r = await call(doc('<set-header name="X-Config" exists-action="override"><value>{{json-nv}}</value></set-header><set-header name="X-Msg" exists-action="override"><value>x</value></set-header><set-variable name="m" value="{{msg}}" /><set-header name="X-Var" exists-action="override"><value>@((string)context.Variables["m"])</value></set-header>'),
      [{ name: 'json-nv', value: JSON_NV }, { name: 'msg', value: MSG }]);
    expect(r.status, r.body).toBe(200);
    expect(r.seen[0]!.headers['x-config']).toBe(JSON_NV);
    expect(r.seen[0]!.headers['x-var']).toBe(MSG);
  });

  it('check-header failed-check-error-message="{{msg}}" answers the value as its message', async () => {
    const r = await call(doc('<check-header name="X-Tier" failed-check-httpcode="401" failed-check-error-message="{{msg}}" ignore-case="true"><value>gold</value></check-header>'), [{ name: 'msg', value: MSG }]);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ statusCode: 401, message: MSG });
  });

  it('inside an expression the value is source text (Learn: string interpolation with "{{name}}")', async () => {
    const r = await call(doc('<set-header name="X-Up" exists-action="override"><value>@("{{plain}}".ToUpper())</value></set-header><set-header name="X-Expr" exists-action="override"><value>{{expr}}</value></set-header>'),
      [{ name: 'plain', value: 'a<b&c' }, { name: 'expr', value: '@(context.Request.Headers.GetValueOrDefault("X-In", "none"))' }], { 'x-in': 'from-client' });
    expect(r.seen[0]!.headers['x-up']).toBe('A<B&C');
    expect(r.seen[0]!.headers['x-expr']).toBe('from-client');
  });

  it('a fragment is read first, then its named values are put in; line:column stay those of the document as written', () => {
    const fragment = '<fragment><set-header name="X-F" exists-action="override"><value>{{msg}}</value></set-header></fragment>';
    const loaded = loadPolicyDocument(doc('<include-fragment fragment-id="f" />'), { namedValues: { msg: MSG }, fragments: [{ id: 'f', value: fragment }] });
    expect(loaded.kind).toBe('policies');
    const bad = (() => { try { loadPolicyDocument('<policies>\n<inbound>\n<nope a="{{msg}}" /></inbound></policies>', { namedValues: { msg: MSG } }); } catch (e) { return e as { code: string; location?: { line?: number } }; } return undefined; })();
    expect(bad?.location?.line).toBe(3);
  });

  it('a secret value is used, and stays out of log lines and the decision record', async () => {
    const r = await call(doc('<set-header name="X-Secret" exists-action="override"><value>{{api-secret}}</value></set-header><trace source="t" severity="information"><message>sent {{api-secret}}</message></trace><check-header name="X-Tier" failed-check-httpcode="403" failed-check-error-message="no {{api-secret}}" ignore-case="true"><value>gold</value></check-header>'),
      [{ name: 'api-secret', value: SECRET, secret: true }], { 'x-tier': 'gold' });
    expect(r.status).toBe(200);
    expect(r.seen[0]!.headers['x-secret']).toBe(SECRET);
    expect(r.logs.join('\n')).toContain('sent ***');
    expect(r.logs.join('\n')).not.toContain(SECRET);
    const refused = await call(doc('<check-header name="X-Tier" failed-check-httpcode="403" failed-check-error-message="no {{api-secret}}" ignore-case="true"><value>gold</value></check-header>'), [{ name: 'api-secret', value: SECRET, secret: true }]);
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.decisions)).not.toContain(SECRET);
    expect(refused.logs.join('\n')).not.toContain(SECRET);
    expect(JSON.stringify(refused.decisions)).toContain('***');
  });
});

// Compat flag namedValuesAfterXmlParse (docs/differences.md): false = the earlier textual replacement before the XML is
// read, where a value's `"`, `<` and `&` are markup.
describe('compat flag namedValuesAfterXmlParse', () => {
  const header = (value: string) => doc(`<set-header name="X-V" exists-action="override"><value>${value}</value></set-header>`);
  const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code: string }).code; } return undefined; };

  it('true (default) and false agree on a plain value; false reads "<", "&" and a quote in an attribute as markup', () => {
    for (const after of [true, false]) expect(loadPolicyDocument(header('{{v}}'), { namedValues: { v: 'plain' }, namedValuesAfterXmlParse: after }).kind).toBe('policies');
    const attr = doc('<set-variable name="m" value="{{msg}}" />');
    expect(loadPolicyDocument(attr, { namedValues: { msg: MSG } }).kind).toBe('policies');
    expect(code(() => loadPolicyDocument(attr, { namedValues: { msg: MSG }, namedValuesAfterXmlParse: false }))).toBe('ERR_APIM_POLICY_XML');
    expect(code(() => loadPolicyDocument(header('{{v}}'), { namedValues: { v: 'a & b' }, namedValuesAfterXmlParse: false }))).toBe('ERR_APIM_POLICY_XML');
    expect(code(() => loadPolicyDocument(header('{{v}}'), { namedValues: { v: '<first>' }, namedValuesAfterXmlParse: false }))).toBe('ERR_APIM_POLICY_XML');
    // Markup in a value becomes part of the document: an entity is decoded, an element is read as a policy element.
    const entity = loadPolicyDocument(header('{{v}}'), { namedValues: { v: 'a &amp; &quot;b&quot;' }, namedValuesAfterXmlParse: false });
    expect(entity.root.children[0]!.children[0]!.children[0]!.text).toBe('a & "b"');
    expect(loadPolicyDocument(header('{{v}}'), { namedValues: { v: 'a &amp; &quot;b&quot;' } }).root.children[0]!.children[0]!.children[0]!.text).toBe('a &amp; &quot;b&quot;');
    const injected = loadPolicyDocument(doc('{{policies}}'), { namedValues: { policies: '<set-header name="X-In" exists-action="override"><value>x</value></set-header>' }, namedValuesAfterXmlParse: false });
    expect(injected.root.children[0]!.children.map((c) => c.name)).toEqual(['set-header']);
  });

  it('false applies to an included fragment too', () => {
    const fragment = '<fragment><set-header name="X-F" exists-action="override"><value>{{msg}}</value></set-header></fragment>';
    const opts = { namedValues: { msg: MSG }, fragments: [{ id: 'f', value: fragment }] };
    expect(loadPolicyDocument(doc('<include-fragment fragment-id="f" />'), opts).kind).toBe('policies');
    expect(code(() => loadPolicyDocument(doc('<include-fragment fragment-id="f" />'), { ...opts, namedValuesAfterXmlParse: false }))).toBe('ERR_APIM_POLICY_XML');
  });

  it('through the gateway (compileService flags): false sends an escaped value decoded, true sends it as written', async () => {
    const run = async (flags: { namedValuesAfterXmlParse?: boolean }) => {
      const backend = await startBackend();
      const gw = await startGateway(seedConfig({ namedValues: [{ name: 'v', value: '&lt;b&gt; &amp; &quot;q&quot;' }] }, header('{{v}}')), backend.origin, undefined, undefined, flags);
      try {
        const r = await fetch(`${gw.origin}/functions/hello`, { headers: { host: 'trustline-apim.azure-api.net' } });
        expect(r.status).toBe(200);
        return backend.seen[0]!.headers['x-v'];
      } finally {
        await gw.stop();
        await close(backend.server);
      }
    };
    expect(await run({})).toBe('&lt;b&gt; &amp; &quot;q&quot;');
    expect(await run({ namedValuesAfterXmlParse: false })).toBe('<b> & "q"');
  });
});
