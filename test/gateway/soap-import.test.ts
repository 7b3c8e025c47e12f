// SOAP pass-through APIs imported from a WSDL through ARM (docs/behaviour/apim.md §1.6): the import writes one
// operation per binding operation (POST /?soapAction=…), the WSDL's schemas, and the gateway routes SOAP calls by
// their action to the backend the port names.
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { isTwinError } from '../../src/core/index.js';
import { buildServiceConfig } from '../../src/runtime/service-config.js';
import { prepareService } from '../../src/gateway/index.js';
import { setup } from '../arm/helpers/seed.js';
import { close, startBackend, startGateway } from './helpers.js';
import { CALCULATOR_WSDL } from './soap-fixtures.js';
import { readWsdl, WsdlError } from '../../src/arm/providers/apim-wsdl.js';
import { readSoapEnvelope } from '../../src/gateway/validation/soap-envelope.js';

const POLICY = `<policies><inbound><base /><set-header name="x-operation" exists-action="override"><value>@(context.Operation.UrlTemplate)</value></set-header></inbound>
<backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;

type Props = Record<string, unknown>;
function deploySoap(apiProps: Props = {}, opts: { loose?: boolean; policy?: string } = {}) {
  const { store, options } = setup();
  const resources = [
    { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
    {
      type: 'Microsoft.ApiManagement/service/apis', apiVersion: '2022-08-01', name: 's/calc', dependsOn: ['s'],
      properties: { path: 'calc', protocols: ['http', 'https'], subscriptionRequired: false, format: 'wsdl', value: CALCULATOR_WSDL, apiType: 'soap', wsdlSelector: { wsdlServiceName: 'Calculator', wsdlEndpointName: 'CalculatorSoap' }, ...apiProps },
    },
    { type: 'Microsoft.ApiManagement/service/apis/policies', name: 's/calc/policy', dependsOn: ['s/calc'], properties: { format: 'rawxml', value: opts.policy ?? POLICY } },
  ];
  const { warnings } = deploy({ deploymentName: 'd', template: { resources } }, { ...options, loose: opts.loose ?? false });
  return { store, warnings, config: buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!) };
}

function refusal(f: () => unknown): string {
  try { f(); } catch (e) { return isTwinError(e) ? `${e.code}: ${e.message}` : String(e); }
  return 'deployed';
}

const envelope11 = (body: string) => `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/">
  <soap:Body>
    ${body}
  </soap:Body>
</soap:Envelope>`;

describe('SOAP pass-through import (format wsdl, apiType soap)', () => {
  it('writes one POST /?soapAction= operation per binding operation, with the request and response body elements, and the WSDL schema', () => {
    const { store, config } = deploySoap();
    const api = store.listResources({ type: 'Microsoft.ApiManagement/service/apis' })[0]!;
    expect(api.properties).toMatchObject({ type: 'soap', serviceUrl: 'http://trustline-func.azurewebsites.net/calculator.asmx', path: 'calc' });
    const ops = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => o.properties);
    const schema = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/schemas' });
    expect(schema).toHaveLength(1);
    const schemaId = schema[0]!.name.split('/').pop()!;
    expect(schemaId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(schema[0]!.properties.contentType).toBe('application/vnd.ms-azure-apim.xsd+xml');
    // the schema is a document of its own: the WSDL's namespace declarations (tns, s) are on its root
    expect((schema[0]!.properties.document as { value: string }).value).toMatch(/^<s:schema elementFormDefault="qualified" targetNamespace="http:\/\/tempuri.org\/" xmlns:soap=.* xmlns:tns="http:\/\/tempuri.org\/" xmlns:s=/);
    expect(ops.find((o) => o.displayName === 'Add')).toEqual({
      displayName: 'Add', method: 'POST', urlTemplate: '/?soapAction=http://tempuri.org/Add', description: 'Adds two integers.', templateParameters: [],
      request: { description: 'AddSoapIn', queryParameters: [], headers: [], representations: [{ contentType: 'text/xml', schemaId, typeName: 'Add' }] },
      responses: [{ statusCode: 200, description: 'AddSoapOut', headers: [], representations: [{ contentType: 'text/xml', schemaId, typeName: 'AddResponse' }] }],
    });
    // operations are named by a generated id (24 hex digits), stable across deployments
    const names = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => o.name.split('/').pop()!);
    expect(names.every((n) => /^[0-9a-f]{24}$/.test(n))).toBe(true);
    expect(deploySoap().store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).map((o) => o.name.split('/').pop()).sort()).toEqual([...names].sort());
    expect(config.apis[0]!.type).toBe('soap');
    expect(config.apis[0]!.schemas![0]!.id).toBe(schemaId);
  });

  it('the SOAP 1.2 port gives application/soap+xml representations; wsdlSelector names what to import', () => {
    const { store } = deploySoap({ wsdlSelector: { wsdlServiceName: 'Calculator', wsdlEndpointName: 'CalculatorSoap12' } });
    const op = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' }).find((o) => o.properties.displayName === 'Negate')!;
    expect((op.properties.request as { representations: Props[] }).representations[0]).toMatchObject({ contentType: 'application/soap+xml', typeName: 'Negate' });
    expect(refusal(() => deploySoap({ wsdlSelector: { wsdlServiceName: 'Calculator', wsdlEndpointName: 'Nope' } })))
      .toContain("the WSDL import failed: the WSDL document has no SOAP port 'Nope' (wsdlEndpointName); it has 'CalculatorSoap', 'CalculatorSoap12'.");
    expect(refusal(() => deploySoap({ wsdlSelector: { wsdlServiceName: 'Calculator' } })))
      .toContain("the WSDL document has several SOAP ports ('CalculatorSoap', 'CalculatorSoap12'): name one in 'properties.wsdlSelector.wsdlEndpointName'.");
  });

  it('refuses what APIM does not import: rpc style, several message parts, wsdl:import, a DTD; SOAP-to-REST is not supported', () => {
    expect(refusal(() => deploySoap({ value: CALCULATOR_WSDL.replace('soapAction="http://tempuri.org/Add" style="document"', 'soapAction="http://tempuri.org/Add" style="rpc"') })))
      .toMatch(/^ERR_ARM_RESOURCE_INVALID: .*the WSDL import failed: the operation 'Add' uses the 'rpc' style: only document\/literal SOAP bindings are supported\.$/);
    expect(refusal(() => deploySoap({ value: CALCULATOR_WSDL.replace('<wsdl:part name="parameters" element="tns:Add" />', '<wsdl:part name="a" element="tns:Add" /><wsdl:part name="b" element="tns:Add" />') })))
      .toContain("the message 'AddSoapIn' has 2 parts: messages with multiple parts are not supported.");
    expect(refusal(() => deploySoap({ value: CALCULATOR_WSDL.replace('<wsdl:types>', '<wsdl:import namespace="urn:x" location="x.wsdl" /><wsdl:types>') })))
      .toContain("uses 'wsdl:import'");
    expect(refusal(() => deploySoap({ value: CALCULATOR_WSDL.replace('<?xml version="1.0" encoding="utf-8"?>', '<!DOCTYPE x [<!ENTITY e "e">]>') })))
      .toContain('a WSDL document with a DTD (<!DOCTYPE>) is refused');
    expect(refusal(() => deploySoap({ apiType: 'http' })))
      .toContain("a WSDL import with apiType 'http' creates a SOAP-to-REST API, which the twin does not support; set 'properties.apiType' to 'soap'");
    // `type: soap` alone says pass-through too
    expect(refusal(() => deploySoap({ apiType: undefined, type: 'soap' }))).toBe('deployed');
  });

  it('wsdl-link: a URL cannot be fetched offline (refused in strict mode; loose mode warns and imports nothing)', () => {
    const link = { format: 'wsdl-link', value: 'https://www.dneonline.com/calculator.asmx?WSDL' };
    expect(refusal(() => deploySoap(link))).toMatch(/^ERR_ARM_RESOURCE_INVALID: .*the import link 'https:\/\/www\.dneonline\.com\/calculator\.asmx\?WSDL' cannot be fetched: the twin is offline/);
    const { store, warnings } = deploySoap(link, { loose: true });
    expect(store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' })).toEqual([]);
    expect(warnings.join('\n')).toMatch(/the import link 'https:\/\/www\.dneonline\.com\/calculator\.asmx\?WSDL' cannot be fetched: the twin is offline .*\(loose mode: the API has no operations\)/);
  });

  it('routes SOAP calls by their action (SOAPAction header, SOAP 1.2 Content-Type action, ?soapAction=) to the backend the port names', async () => {
    const { config } = deploySoap();
    await prepareService(config);
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const call = async (headers: Record<string, string>, query = '') => {
        const res = await fetch(`${gw.origin}/calc${query}`, { method: 'POST', headers, body: envelope11('<tem:Add><tem:intA>1</tem:intA><tem:intB>2</tem:intB></tem:Add>') });
        await res.text();
        return res.status;
      };
      expect(await call({ 'content-type': 'text/xml; charset=utf-8', soapaction: '"http://tempuri.org/Add"' })).toBe(200);
      expect(backend.seen.at(-1)).toMatchObject({ method: 'POST', url: '/calculator.asmx', headers: { soapaction: '"http://tempuri.org/Add"', 'x-operation': '/?soapAction=http://tempuri.org/Add' } });
      expect(await call({ 'content-type': 'application/soap+xml; charset=utf-8; action="http://tempuri.org/Negate"' })).toBe(200);
      expect(backend.seen.at(-1)!.headers['x-operation']).toBe('/?soapAction=http://tempuri.org/Negate');
      expect(await call({ 'content-type': 'text/xml' }, '?soapAction=http://tempuri.org/Negate')).toBe(200);
      expect(decodeURIComponent(backend.seen.at(-1)!.url)).toBe('/calculator.asmx?soapAction=http://tempuri.org/Negate');
      expect(backend.seen.at(-1)!.headers['x-operation']).toBe('/?soapAction=http://tempuri.org/Negate');
      // an action the API does not define matches no operation
      expect(await call({ 'content-type': 'text/xml', soapaction: 'http://tempuri.org/Divide' })).toBe(404);
      expect(await call({ 'content-type': 'text/xml' })).toBe(404);
      expect(backend.seen).toHaveLength(3);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });

  it('validate-content validate-as="soap" checks the envelope and validates its payload against the WSDL schema', async () => {
    const policy = `<policies><inbound><base />
      <validate-content unspecified-content-type-action="prevent" max-size="10240" size-exceeded-action="prevent" errors-variable-name="errors">
        <content type="text/xml" validate-as="soap" action="prevent" />
      </validate-content></inbound>
      <backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
    const { config } = deploySoap({}, { policy });
    await prepareService(config);
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const call = async (action: string, body: string, ct = 'text/xml; charset=utf-8') => {
        const res = await fetch(`${gw.origin}/calc`, { method: 'POST', headers: { 'content-type': ct, soapaction: action }, body });
        return { status: res.status, body: await res.text() };
      };
      const add = 'http://tempuri.org/Add';
      expect(await call(add, envelope11('<tem:Add><tem:intA>1</tem:intA><tem:intB>2</tem:intB></tem:Add>'))).toEqual({ status: 200, body: '{"ok":true}' });
      const conform = 'Body of the request does not conform to the definition Add, which is associated with the content type text/xml.';
      expect(await call(add, envelope11('<tem:Add><tem:intA>abc</tem:intA><tem:intB>2</tem:intB></tem:Add>'))).toEqual({
        status: 400,
        body: `{ "statusCode": 400, "message": "${conform} The 'http://tempuri.org/:intA' element is invalid - The value 'abc' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string 'abc' is not a valid Int32 value. Line: 4, Position: 29" }`,
      });
      expect(await call(add, envelope11('<tem:Add><tem:intA>1</tem:intA></tem:Add>'))).toEqual({
        status: 400,
        body: `{ "statusCode": 400, "message": "${conform} The element 'Add' in namespace 'http://tempuri.org/' has incomplete content. List of possible elements expected: 'intB' in namespace 'http://tempuri.org/'. Line: 4, Position: 38" }`,
      });
      // the payload must be the operation's body element
      expect(await call(add, envelope11('<tem:Negate><tem:value>1</tem:value></tem:Negate>'))).toEqual({
        status: 400,
        body: `{ "statusCode": 400, "message": "${conform} The element 'Body' in namespace 'http://schemas.xmlsoap.org/soap/envelope/' has invalid child element 'Negate' in namespace 'http://tempuri.org/'. List of possible elements expected: 'Add' in namespace 'http://tempuri.org/'. Line: 4, Position: 6" }`,
      });
      // text/xml is SOAP 1.1: a SOAP 1.2 envelope is not one
      const soap12 = '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Add xmlns="http://tempuri.org/"><intA>1</intA><intB>2</intB></Add></s:Body></s:Envelope>';
      expect(await call(add, soap12)).toEqual({ status: 400, body: `{ "statusCode": 400, "message": "${conform} The 'http://www.w3.org/2003/05/soap-envelope:Envelope' element is not declared. Line: 1, Position: 2" }` });
      expect(await call(add, '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header /></soap:Envelope>')).toEqual({
        status: 400, body: `{ "statusCode": 400, "message": "${conform} The element 'Envelope' in namespace 'http://schemas.xmlsoap.org/soap/envelope/' has incomplete content. List of possible elements expected: 'Body' in namespace 'http://schemas.xmlsoap.org/soap/envelope/'. Line: 1, Position: 88" }`,
      });
      // a body that is not XML has XmlReader's words
      expect((await call(add, '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body></soap:Envelope>')).body)
        .toBe(`{ "statusCode": 400, "message": "${conform} The 'soap:Body' start tag on line 1 position 72 does not match the end tag of 'soap:Envelope'. Line: 1, Position: 84" }`);
      // a facet of the payload's element; the payload declares its own namespace
      const negate = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Negate xmlns="http://tempuri.org/"><value>5000</value></Negate></s:Body></s:Envelope>';
      expect((await call('http://tempuri.org/Negate', negate)).body).toBe(`{ "statusCode": 400, "message": "Body of the request does not conform to the definition Negate, which is associated with the content type text/xml. The 'http://tempuri.org/:value' element is invalid - The value '5000' is invalid according to its datatype 'String' - The MaxInclusive constraint failed. Line: 1, Position: 122" }`);
      expect(backend.seen).toHaveLength(1);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });

  it('a WCF single-file WSDL: schemas of several namespaces importing each other by namespace compile and validate together', async () => {
    const wsdl = `<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:tns="http://tempuri.org/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://tempuri.org/">
  <wsdl:types>
    <xs:schema elementFormDefault="qualified" targetNamespace="http://tempuri.org/" xmlns:q1="http://schemas.datacontract.org/2004/07/Orders">
      <xs:import namespace="http://schemas.datacontract.org/2004/07/Orders" />
      <xs:element name="CancelOrder"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="order" type="q1:Order" /></xs:sequence></xs:complexType></xs:element>
      <xs:element name="CancelOrderResponse"><xs:complexType><xs:sequence><xs:element minOccurs="0" name="CancelOrderResult" type="xs:boolean" /></xs:sequence></xs:complexType></xs:element>
    </xs:schema>
    <xs:schema elementFormDefault="qualified" targetNamespace="http://schemas.datacontract.org/2004/07/Orders" xmlns:tns="http://schemas.datacontract.org/2004/07/Orders">
      <xs:complexType name="Order"><xs:sequence><xs:element name="Id" type="xs:int" /></xs:sequence></xs:complexType>
      <xs:element name="Order" nillable="true" type="tns:Order" />
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="IOrders_CancelOrder_InputMessage"><wsdl:part name="parameters" element="tns:CancelOrder" /></wsdl:message>
  <wsdl:message name="IOrders_CancelOrder_OutputMessage"><wsdl:part name="parameters" element="tns:CancelOrderResponse" /></wsdl:message>
  <wsdl:portType name="IOrders"><wsdl:operation name="CancelOrder"><wsdl:input message="tns:IOrders_CancelOrder_InputMessage" /><wsdl:output message="tns:IOrders_CancelOrder_OutputMessage" /></wsdl:operation></wsdl:portType>
  <wsdl:binding name="basic" type="tns:IOrders"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="CancelOrder"><soap:operation soapAction="http://tempuri.org/IOrders/CancelOrder" style="document" /><wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation></wsdl:binding>
  <wsdl:service name="OrdersAPI"><wsdl:port name="basic" binding="tns:basic"><soap:address location="http://trustline-func.azurewebsites.net/Orders.svc" /></wsdl:port></wsdl:service>
</wsdl:definitions>`;
    const policy = `<policies><inbound><base /><validate-content unspecified-content-type-action="prevent" max-size="10240" size-exceeded-action="prevent"><content type="text/xml" validate-as="soap" action="prevent" /></validate-content></inbound>
      <backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
    const { store, config } = deploySoap({ value: wsdl, wsdlSelector: { wsdlServiceName: 'OrdersAPI', wsdlEndpointName: 'basic' } }, { policy });
    const op = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/operations' })[0]!.properties;
    expect(op).toMatchObject({ displayName: 'CancelOrder', urlTemplate: '/?soapAction=http://tempuri.org/IOrders/CancelOrder', request: { description: 'IOrders_CancelOrder_InputMessage' } });
    expect(store.listResources({ type: 'Microsoft.ApiManagement/service/apis/schemas' })).toHaveLength(2);
    await prepareService(config);
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const call = async (id: string) => {
        const res = await fetch(`${gw.origin}/calc`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: '"http://tempuri.org/IOrders/CancelOrder"' }, body: envelope11(`<tem:CancelOrder><tem:order><Id xmlns="http://schemas.datacontract.org/2004/07/Orders">${id}</Id></tem:order></tem:CancelOrder>`) });
        return { status: res.status, body: await res.text() };
      };
      expect(await call('7')).toEqual({ status: 200, body: '{"ok":true}' });
      expect(await call('seven')).toEqual({ status: 400, body: `{ "statusCode": 400, "message": "Body of the request does not conform to the definition CancelOrder, which is associated with the content type text/xml. The 'http://schemas.datacontract.org/2004/07/Orders:Id' element is invalid - The value 'seven' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string 'seven' is not a valid Int32 value. Line: 4, Position: 99" }` });
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });

  it("Learn's wildcard SOAP action: an operation POST /?soapAction={any} takes the actions no other operation names", async () => {
    const { config } = deploySoap();
    config.apis[0]!.operations.push({ id: `${config.apis[0]!.id}/operations/any`, name: 'any', method: 'POST', urlTemplate: '/?soapAction={any}' });
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      for (const [action, template] of [['http://tempuri.org/Divide', '/?soapAction={any}'], ['http://tempuri.org/Add', '/?soapAction=http://tempuri.org/Add']]) {
        const res = await fetch(`${gw.origin}/calc`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: action! }, body: '<x/>' });
        await res.text();
        expect(res.status).toBe(200);
        expect(backend.seen.at(-1)!.headers['x-operation']).toBe(template);
      }
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });

  it('compat flag soapAction: "header" reads the SOAPAction header only', async () => {
    const { config } = deploySoap();
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin, undefined, undefined, { soapAction: 'header' });
    try {
      const res = await fetch(`${gw.origin}/calc`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; action="http://tempuri.org/Negate"' }, body: '<x/>' });
      await res.text();
      expect(res.status).toBe(404);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });
});

describe('bad WSDL and SOAP bodies never crash', () => {
  // a seeded generator: the same mutations on every run
  let seed = 0x5eed;
  const next = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
  const mutate = (text: string) => {
    const at = next() % text.length;
    const len = 1 + (next() % 40);
    switch (next() % 3) {
      case 0: return text.slice(0, at) + text.slice(at + len);
      case 1: return text.slice(0, at) + text.slice(next() % text.length, (next() % text.length) + len) + text.slice(at);
      default: return text.slice(0, at) + ['<', '>', '"', ':', '/>', 'xmlns:x="', '</wsdl:port>', '&', '\u0000'][next() % 9] + text.slice(at);
    }
  };

  it('readWsdl: a mutated document is read or refused with WsdlError (400 mutations)', () => {
    for (let i = 0; i < 400; i++) {
      const text = mutate(mutate(CALCULATOR_WSDL));
      try {
        readWsdl(text, { serviceName: 'Calculator', endpointName: 'CalculatorSoap' });
      } catch (e) {
        expect(e, text).toBeInstanceOf(WsdlError);
      }
    }
  });

  it('readSoapEnvelope: a mutated envelope is read or reported, never thrown (400 mutations)', () => {
    const body = envelope11('<tem:Add><tem:intA>1</tem:intA><tem:intB>2</tem:intB></tem:Add>');
    for (let i = 0; i < 400; i++) {
      const text = mutate(body);
      for (const v of ['1.1', '1.2', undefined] as const) expect(['not-xml', 'envelope-error', 'fault', 'payload', 'empty-body']).toContain(readSoapEnvelope(text, v).kind);
    }
  });
});
