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

export const CALCULATOR_WSDL = `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:tns="http://tempuri.org/" xmlns:s="http://www.w3.org/2001/XMLSchema" targetNamespace="http://tempuri.org/"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/">
  <wsdl:types>
    <s:schema elementFormDefault="qualified" targetNamespace="http://tempuri.org/">
      <s:element name="Add"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="intA" type="s:int" />
        <s:element minOccurs="1" maxOccurs="1" name="intB" type="s:int" />
      </s:sequence></s:complexType></s:element>
      <s:element name="AddResponse"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="AddResult" type="s:int" />
      </s:sequence></s:complexType></s:element>
      <s:element name="Negate"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="value" type="tns:Amount" />
      </s:sequence></s:complexType></s:element>
      <s:element name="NegateResponse"><s:complexType><s:sequence>
        <s:element minOccurs="1" maxOccurs="1" name="NegateResult" type="s:int" />
      </s:sequence></s:complexType></s:element>
      <s:simpleType name="Amount"><s:restriction base="s:int"><s:maxInclusive value="1000" /></s:restriction></s:simpleType>
    </s:schema>
  </wsdl:types>
  <wsdl:message name="AddSoapIn"><wsdl:part name="parameters" element="tns:Add" /></wsdl:message>
  <wsdl:message name="AddSoapOut"><wsdl:part name="parameters" element="tns:AddResponse" /></wsdl:message>
  <wsdl:message name="NegateSoapIn"><wsdl:part name="parameters" element="tns:Negate" /></wsdl:message>
  <wsdl:message name="NegateSoapOut"><wsdl:part name="parameters" element="tns:NegateResponse" /></wsdl:message>
  <wsdl:portType name="CalculatorSoap">
    <wsdl:operation name="Add"><wsdl:documentation>Adds two integers.</wsdl:documentation>
      <wsdl:input message="tns:AddSoapIn" /><wsdl:output message="tns:AddSoapOut" /></wsdl:operation>
    <wsdl:operation name="Negate"><wsdl:input message="tns:NegateSoapIn" /><wsdl:output message="tns:NegateSoapOut" /></wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="CalculatorSoap" type="tns:CalculatorSoap">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="Add"><soap:operation soapAction="http://tempuri.org/Add" style="document" />
      <wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>
    <wsdl:operation name="Negate"><soap:operation soapAction="http://tempuri.org/Negate" style="document" />
      <wsdl:input><soap:body use="literal" /></wsdl:input><wsdl:output><soap:body use="literal" /></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="CalculatorSoap12" type="tns:CalculatorSoap">
    <soap12:binding transport="http://schemas.xmlsoap.org/soap/http" />
    <wsdl:operation name="Add"><soap12:operation soapAction="http://tempuri.org/Add" style="document" />
      <wsdl:input><soap12:body use="literal" /></wsdl:input><wsdl:output><soap12:body use="literal" /></wsdl:output></wsdl:operation>
    <wsdl:operation name="Negate"><soap12:operation soapAction="http://tempuri.org/Negate" style="document" />
      <wsdl:input><soap12:body use="literal" /></wsdl:input><wsdl:output><soap12:body use="literal" /></wsdl:output></wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="Calculator">
    <wsdl:port name="CalculatorSoap" binding="tns:CalculatorSoap"><soap:address location="http://trustline-func.azurewebsites.net/calculator.asmx" /></wsdl:port>
    <wsdl:port name="CalculatorSoap12" binding="tns:CalculatorSoap12"><soap12:address location="http://trustline-func.azurewebsites.net/calculator.asmx" /></wsdl:port>
  </wsdl:service>
</wsdl:definitions>`;

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
