import { describe, expect, it } from 'vitest';
import { inbound, run } from './run.js';

/** set-body template="liquid" through `trustline policy run` (docs/behaviour/apim.md §7, behaviour 38: Liquid `{{body.a}}`). */
const liquid = (tpl: string, attrs = '') => `<set-body template="liquid"${attrs}>${tpl}</set-body>`;
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('set-body template="liquid"', () => {
  it('behaviour 38: {{body.a}} reshapes a JSON request body; the backend gets the rendered text', async () => {
    const r = await run(inbound(liquid('{"order": {"id": "{{body.customer.purchase.identifier}}", "n": {{body.items | Size}}}}')),
      json({ customer: { purchase: { identifier: 'P-1' } }, items: [1, 2, 3] }));
    expect(r.status).toBe(200);
    expect(r.backendRequest!.body).toBe('{"order": {"id": "P-1", "n": 3}}');
  });

  it('markup content (a SOAP envelope) is the template; context.Request is bound (headers case-insensitive, URL parts)', async () => {
    const tpl = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Get><cust>{{body.cust}}</cust><m>{{context.Request.Method}}</m><h>{{context.Request.Headers.x-tenant}}</h><q>{{context.Request.Url.Query.page}}</q></Get></soap:Body></soap:Envelope>`;
    const r = await run(inbound(liquid(tpl)), { ...json({ cust: 42 }), url: 'https://trustline-apim.azure-api.net/orders?page=3', headers: { 'content-type': 'application/json', 'X-Tenant': 'contoso' } });
    expect(r.backendRequest!.body).toBe('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><Get><cust>42</cust><m>POST</m><h>contoso</h><q>3</q></Get></soap:Body></soap:Envelope>');
  });

  it("{% for header in context.Request.Headers %} lists each header's Key (its name as sent) and Value (Microsoft's snippet 'List all inbound headers')", async () => {
    const tpl = '{% for header in context.Request.Headers %}{{ header.Key }}={{ header.Value }};{% endfor %}';
    const r = await run(inbound(`<return-response><set-status code="200" reason="OK" />${liquid(tpl)}</return-response>`), { headers: { 'X-Tenant': 'contoso', Accept: ['a/b', 'c/d'] } });
    expect(r.status).toBe(200);
    expect(r.body).toContain('X-Tenant=contoso;');
    expect(r.body).toContain('Accept=a/b, c/d;');
    expect(r.body).toContain('Host=trustline-apim.azure-api.net;');
    expect(r.body.split(';').filter((x) => x.startsWith('=')).length).toBe(0);
  });

  it('PascalCase filters (Upcase, Default, Join, AtLeast, Date with a .NET format); parse-date renders JSON dates as DateTime.ToString()', async () => {
    const r = await run(inbound(liquid('{{body.name | Upcase}}|{{body.missing | Default: "none"}}|{{body.tags | Join: "+"}}|{{body.n | AtLeast: 5}}|{{body.when | Date: "yyyyMMddTHH:mm:ss"}}|{{body.when}}')),
      json({ name: 'ada', tags: ['a', 'b'], n: 2, when: '2026-03-04T05:06:07Z' }));
    expect(r.backendRequest!.body).toBe('ADA|none|a+b|5|20260304T05:06:07|3/4/2026 5:06:07 AM');
    const raw = await run(inbound(liquid('{{body.when}}', ' parse-date="false"')), json({ when: '2026-03-04T05:06:07Z' }));
    expect(raw.backendRequest!.body).toBe('2026-03-04T05:06:07Z');
  });

  it('an XML body (Content-Type application/xml) binds as elements; in outbound the response body is the input', async () => {
    const r = await run(`<policies><inbound/><backend><forward-request/></backend><outbound>${liquid('{"id": "{{body.order.id}}", "first": "{{body.order.line[0]}}"}')}</outbound><on-error/></policies>`,
      { backend: { status: 200, headers: { 'content-type': 'application/xml' }, body: '<order><id>7</id><line>a</line><line>b</line></order>' } });
    expect(r.body).toBe('{"id": "7", "first": "a"}');
  });

  it('a body that is not JSON binds as text; an unknown variable renders empty', async () => {
    const r = await run(inbound(liquid('[{{body}}][{{nothing.here}}]')), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(r.backendRequest!.body).toBe('[hello][]');
  });

  it('{% JSONArrayFor %} renders each item and joins them with commas (the brackets are the template\'s); a wrapper element\'s items are its children', async () => {
    // as APIM's SOAP-to-REST templates write it: the list's wrapper element (a WSDL ArrayOfX) is the collection
    const tpl = '{"langs": [{% JSONArrayFor l in body.country.languages -%}\n{"code": "{{l.code}}"}\n{% endJSONArrayFor -%}]}';
    const xml = (inner: string) => ({ method: 'POST', headers: { 'content-type': 'application/xml' }, body: `<country>${inner}</country>` });
    const two = await run(inbound(liquid(tpl)), xml('<languages count="2"><language><code>de</code></language><language><code>fr</code></language></languages>'));
    expect(JSON.parse(two.backendRequest!.body)).toEqual({ langs: [{ code: 'de' }, { code: 'fr' }] });
    const one = await run(inbound(liquid(tpl)), xml('<languages><language><code>it</code></language></languages>'));
    expect(JSON.parse(one.backendRequest!.body)).toEqual({ langs: [{ code: 'it' }] });
    const none = await run(inbound(liquid(tpl)), xml('<name>x</name>'));
    expect(JSON.parse(none.backendRequest!.body)).toEqual({ langs: [] });
    // a JSON array is its items
    const arr = await run(inbound(liquid('[{% JSONArrayFor t in body.Table1 %}"{{t.id}}"{% endJSONArrayFor %}]')), json({ Table1: [{ id: 1 }, { id: 2 }] }));
    expect(JSON.parse(arr.backendRequest!.body)).toEqual(['1', '2']);
    await expect(run(inbound(liquid('{% JSONArrayFor l in body.a %}x')))).rejects.toMatchObject({ code: 'ERR_APIM_LIQUID_SYNTAX' });
  });

  it('a SOAP answer read as APIM\'s SOAP-to-REST templates read it: body.envelope.body.<local name>…, members without case', async () => {
    const soap = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:GetCountryResponse xmlns:m="urn:countries">'
      + '<m:GetCountryResult><m:sName>Deutschland</m:sName><m:Languages><m:tLanguage><m:sISOCode>de</m:sISOCode></m:tLanguage></m:Languages></m:GetCountryResult></m:GetCountryResponse></soap:Body></soap:Envelope>';
    const r0 = 'body.envelope.body.GetCountryResponse.GetCountryResult';
    const tpl = `{"name": {% if ${r0}.sName %}"{{${r0}.sName}}"{% else %} null {% endif %}, "capital": {% if ${r0}.sCapital %}"x"{% else %} null {% endif %}, `
      + `"langs": [{% JSONArrayFor l in ${r0}.Languages -%}{"code": "{{l.sISOCode}}"}{% endJSONArrayFor -%}]}`;
    const r = await run(`<policies><inbound/><backend><forward-request/></backend><outbound>${liquid(tpl)}</outbound><on-error/></policies>`,
      { backend: { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: soap } });
    expect(JSON.parse(r.body)).toEqual({ name: 'Deutschland', capital: null, langs: [{ code: 'de' }] });
    // the JSON request side: {{body.getCountry.name}} reads {"GetCountry": {"Name": …}}; an exact name wins
    const req = await run(inbound(liquid('<Get><n>{{body.getCountry.name}}</n><e>{{body.Exact}}|{{body.exact}}</e></Get>')), json({ GetCountry: { Name: 'DE' }, Exact: 'A', exact: 'b' }));
    expect(req.backendRequest!.body).toBe('<Get><n>DE</n><e>A|b</e></Get>');
  });

  it('Replace and ReplaceFirst take a .NET regular expression (DotLiquid 2.0): the JSON escaping of APIM\'s SOAP-to-REST templates', async () => {
    // as APIM's converted SOAP APIs write it: CR/LF become \r / \n, an unescaped quote gets its backslash
    const esc = `{{body.s | Replace: '\\r', '\\r' | Replace: '\\n', '\\n' | Replace: '([^\\\\](\\\\\\\\)*)"', '$1\\"'}}`;
    const r = await run(inbound(liquid(`{"s": "${esc}"}`)), json({ s: 'say "hi"\r\nbye' }));
    expect(JSON.parse(r.backendRequest!.body)).toEqual({ s: 'say "hi"\r\nbye' });
    const first = await run(inbound(liquid(`{{body.s | ReplaceFirst: '[0-9]+', '#'}}|{{body.s | Replace: 'a.', '_'}}|{{body.s | Remove: '.'}}|{{body.s | RemoveFirst: '[a-z]'}}`)), json({ s: 'a1b22.c3' }));
    expect(first.backendRequest!.body).toBe('a#b22.c3|_b22.c3|a1b22c3|1b22.c3');
  });

  it('a Replace pattern that backtracks catastrophically is refused on long input: the render fails (500), the gateway does not hang', async () => {
    const r = await run(inbound(liquid("{{body.s | Replace: '(a+)+b', 'x'}}")), json({ s: 'a'.repeat(5000) }));
    expect(r.status).toBe(500);
    expect(r.backendRequest).toBeNull();
  });

  it('template="none" is a plain body (APIM exports it)', async () => {
    const r = await run(inbound('<set-body template="none">{"ping": {{true}}}</set-body>'));
    expect(r.backendRequest!.body).toBe('{"ping": {{true}}}');
  });

  it('load errors: snake_case filters (C# mode), include (no file system), bad syntax, another template kind', async () => {
    await expect(run(inbound(liquid('{{ body.a | upcase }}')))).rejects.toMatchObject({ code: 'ERR_APIM_LIQUID_SYNTAX' });
    await expect(run(inbound(liquid("{% include 'x' %}")))).rejects.toMatchObject({ code: 'ERR_APIM_LIQUID_SYNTAX' });
    await expect(run(inbound(liquid('{% if %}')))).rejects.toMatchObject({ code: 'ERR_APIM_LIQUID_SYNTAX' });
    await expect(run(inbound('<set-body template="mustache">x</set-body>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound(liquid('x', ' xsi-nil="maybe"')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<set-body><a>markup</a></set-body>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNSUPPORTED' });
  });
});
