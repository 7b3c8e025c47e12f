import { describe, expect, it } from 'vitest';
import { jsonToXml, xmlToJsonValue } from '../../../src/gateway/policies/xml-json.js';
import { run } from './run.js';

/** json-to-xml / xml-to-json (docs/behaviour/apim.md §2) through `trustline policy run`, and the converters' shapes. */
const outbound = (xml: string) => `<policies><inbound/><backend><forward-request/></backend><outbound>${xml}</outbound><on-error/></policies>`;
const backend = (contentType: string, body: string) => ({ backend: { status: 200, headers: { 'content-type': contentType }, body } });

describe('xml-to-json', () => {
  it('direct: the declaration, @attributes, prefixes as $, repeated children as arrays, empty elements null', () => {
    const xml = '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://s/"><soap:Body><Get a="1"><C>12</C><L>x</L><L>y</L><E/></Get></soap:Body></soap:Envelope>';
    expect(xmlToJsonValue(xml)).toEqual({ version: '1.0', soap$Envelope: { '@xmlns$soap': 'http://s/', soap$Body: { Get: { '@a': '1', C: '12', L: ['x', 'y'], E: null } } } });
    expect(xmlToJsonValue('<a><b>1</b></a>', { alwaysArray: true })).toEqual({ a: { b: ['1'] } });
    expect(xmlToJsonValue('<a x="1">t</a>')).toEqual({ a: { '@x': '1', '#text': 't' } });
    expect(xmlToJsonValue('<a xmlns:p="u"><p:b k="v">1</p:b></a>', { kind: 'javascript-friendly' })).toEqual({ a: { b: { k: 'v', _text: '1' } } });
  });

  it('outbound conversion of an XML response (apply, consider-accept-header), Content-Type becomes application/json', async () => {
    const r = await run(outbound('<xml-to-json kind="direct" apply="always" consider-accept-header="false"/>'), backend('text/xml', '<r><id>1</id></r>'));
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"r":{"id":"1"}}');
    expect(r.headers['content-type']).toBe('application/json');
    const byType = await run(outbound('<xml-to-json kind="direct" apply="content-type-xml" consider-accept-header="false"/>'), backend('text/plain', '<r/>'));
    expect(byType.body).toBe('<r/>');
    const noAccept = await run(outbound('<xml-to-json kind="direct" apply="always"/>'), backend('application/xml', '<r/>'));
    expect(noAccept.body).toBe('<r/>');
    const accept = await run(outbound('<xml-to-json kind="direct" apply="always"/>'), { ...backend('application/xml', '<r/>'), headers: { accept: 'application/json' } });
    expect(accept.body).toBe('{"r":null}');
  });

  it('a body that is not XML (or has a DOCTYPE) fails the policy: 500 with LastError xml-to-json/BodyConversionFailure', async () => {
    const doc = `<policies><inbound/><backend><forward-request/></backend><outbound><xml-to-json kind="direct" apply="always" consider-accept-header="false"/></outbound>
      <on-error><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`;
    for (const body of ['not xml', '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>']) {
      const r = await run(doc, backend('application/xml', body));
      expect(r.status).toBe(500);
      expect(r.headers['x-reason']).toBe('xml-to-json/BodyConversionFailure');
    }
  });

  it("a conversion failure's LastError.Message is .NET's XmlException text with its line and position", async () => {
    const doc = `<policies><inbound/><backend><forward-request/></backend><outbound><xml-to-json kind="direct" apply="always" consider-accept-header="false"/></outbound>
      <on-error><set-header name="X-Message" exists-action="override"><value>@(context.LastError.Message)</value></set-header></on-error></policies>`;
    const message = async (body: string) => (await run(doc, backend('application/xml', body))).headers['x-message'];
    expect(await message('not xml')).toBe('Data at the root level is invalid. Line 1, position 1.');
    expect(await message('<r>\n  <a></r>')).toBe("The 'a' start tag on line 2 position 4 does not match the end tag of 'r'. Line 2, position 8.");
    expect(await message('<r/><s/>')).toBe('There are multiple root elements. Line 1, position 6.');
    expect(await message('<r>&nbsp;</r>')).toBe("Reference to undeclared entity 'nbsp'. Line 1, position 5.");
    expect(await message('<r>')).toBe('Unexpected end of file has occurred. The following elements are not closed: r. Line 1, position 4.');
    expect(await message('<!DOCTYPE r><r/>')).toBe('For security reasons DTD is prohibited in this XML document. To enable DTD processing set the DtdProcessing property on XmlReaderSettings to Parse and pass the settings into XmlReader.Create method.');
  });

  it('load errors: kind and apply required and checked; no children', async () => {
    await expect(run(outbound('<xml-to-json apply="always"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(outbound('<xml-to-json kind="friendly" apply="always"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(outbound('<xml-to-json kind="direct" apply="sometimes"/>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(outbound('<xml-to-json kind="direct" apply="always"><x/></xml-to-json>'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_UNKNOWN_ELEMENT' });
  });
});

describe('json-to-xml', () => {
  it('the policy page example: namespace-prefix declarations, namespace-separator, attribute-block-name', () => {
    const body = JSON.stringify({ 'soapenv:Envelope': { 'xmlns:soapenv': 'http://schemas.xmlsoap.org/soap/envelope/', 'xmlns:v1': 'http://localdomain.com/core/v1',
      'soapenv:Header': {}, 'soapenv:Body': { 'v1:QueryList': { '#attrs': { queryName: 'test' }, 'v1:QueryItem': { name: 'dummy text' } } } } });
    expect(jsonToXml(body, { namespaceSeparator: ':', namespacePrefix: 'xmlns', attributeBlockName: '#attrs' }).split('\r\n')).toEqual([
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v1="http://localdomain.com/core/v1">',
      '  <soapenv:Header />',
      '  <soapenv:Body>',
      '    <v1:QueryList queryName="test">',
      '      <v1:QueryItem>',
      '        <name>dummy text</name>',
      '      </v1:QueryItem>',
      '    </v1:QueryList>',
      '  </soapenv:Body>',
      '</soapenv:Envelope>',
    ]);
  });

  it('several top-level properties are wrapped in <Document>; arrays repeat; names XML cannot hold are encoded; text is escaped', () => {
    expect(jsonToXml('{"a":1,"b":[true,null],"1x":"<&>"}').split('\r\n')).toEqual(['<Document>', '  <a>1</a>', '  <b>true</b>', '  <b />', '  <_x0031_x>&lt;&amp;&gt;</_x0031_x>', '</Document>']);
    expect(jsonToXml('{"r":{"@id":"7","#text":"t"}}')).toBe('<r id="7">t</r>');
  });

  it("reads JSON as Newtonsoft does (comments, an array's trailing comma, single quotes) and refuses it in JsonReaderException's words", () => {
    expect(jsonToXml("{'a': 1, /* note */ 'b': [2,]}").split('\r\n')).toEqual(['<Document>', '  <a>1</a>', '  <b>2</b>', '</Document>']);
    expect(() => jsonToXml('{"a" 1}')).toThrow("Invalid character after parsing property name. Expected ':' but got: 1. Path '', position 5.");
  });

  it('inbound conversion of a JSON request when the client accepts XML; Content-Type becomes application/xml', async () => {
    const req = { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/xml' }, body: '{"order":{"id":5}}' };
    const doc = `<policies><inbound><json-to-xml apply="content-type-json"/></inbound><backend><forward-request/></backend><outbound/><on-error/></policies>`;
    const r = await run(doc, req);
    expect(r.backendRequest!.body).toBe('<order>\r\n  <id>5</id>\r\n</order>');
    expect(r.backendRequest!.headers['content-type']).toBe('application/xml');
    const notJson = await run(doc, { ...req, headers: { ...req.headers, 'content-type': 'text/plain' } });
    expect(notJson.backendRequest!.body).toBe('{"order":{"id":5}}');
    await expect(run('<policies><inbound><json-to-xml/></inbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run('<policies><inbound/><backend><json-to-xml apply="always"/></backend></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
  });
});
