// The validation policies against an API imported from OpenAPI and deployed through ARM: the import writes each
// operation's contract and the API's schema, the runtime hands them to the gateway (docs/behaviour/apim.md §2).
import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/arm/index.js';
import { buildServiceConfig } from '../../src/runtime/service-config.js';
import { prepareService } from '../../src/gateway/index.js';
import { setup } from '../arm/helpers/seed.js';
import { close, startBackend, startGateway } from './helpers.js';

const spec = {
  openapi: '3.0.1', info: { title: 'Pets', version: '1' },
  paths: {
    '/pets/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'get-pet', parameters: [{ $ref: '#/components/parameters/Fields' }], responses: { 200: { description: 'ok', headers: { 'x-rate': { schema: { type: 'integer' } } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } } },
    },
    '/pets': {
      post: {
        operationId: 'add-pet',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false } } } },
        responses: { 201: { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' }, example: { id: 1, name: 'Rex' } } } } },
      },
    },
  },
  components: {
    schemas: { Pet: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
    parameters: { Fields: { name: 'fields', in: 'query', schema: { type: 'string', enum: ['all', 'id'] } } },
  },
};
const POLICY = `<policies><inbound><base />
  <validate-parameters specified-parameter-action="prevent" unspecified-parameter-action="prevent"><headers specified-parameter-action="ignore" unspecified-parameter-action="ignore" /></validate-parameters>
  <validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent"><content type="application/json" validate-as="json" action="prevent" /></validate-content>
</inbound><backend><forward-request /></backend><outbound><base /><validate-status-code unspecified-status-code-action="prevent" /></outbound><on-error><base /></on-error></policies>`;

function importedConfig() {
  const { store, options } = setup();
  const resources = [
    { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
    { type: 'Microsoft.ApiManagement/service/apis', name: 's/pets', dependsOn: ['s'], properties: { path: 'pets-api', protocols: ['http', 'https'], subscriptionRequired: false, serviceUrl: 'http://trustline-func.azurewebsites.net/api', format: 'openapi+json', value: JSON.stringify(spec) } },
    { type: 'Microsoft.ApiManagement/service/apis/policies', name: 's/pets/policy', dependsOn: ['s/pets'], properties: { format: 'rawxml', value: POLICY } },
  ];
  deploy({ deploymentName: 'd', template: { resources } }, options);
  return { store, config: buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!) };
}

describe('validation policies against an imported OpenAPI document', () => {
  it('the import writes the contract (parameters, representations with schema definitions, response headers) and the API schema', () => {
    const { store, config } = importedConfig();
    const schemas = store.listResources({ type: 'Microsoft.ApiManagement/service/apis/schemas' });
    expect(schemas.map((s) => [s.name, s.properties.contentType])).toEqual([['s/pets/openapi-definitions', 'application/vnd.oai.openapi.components+json']]);
    const ops = Object.fromEntries(config.apis[0]!.operations.map((o) => [o.name, o]));
    expect(ops['get-pet']!.contract).toEqual({
      templateParameters: [{ name: 'id', type: 'integer', required: true }],
      request: { queryParameters: [{ name: 'fields', type: 'string', required: false, values: ['all', 'id'] }], headers: [], representations: [] },
      responses: [{ statusCode: 200, headers: [{ name: 'x-rate', type: 'integer', required: false }], representations: [{ contentType: 'application/json', schemaId: 'openapi-definitions', typeName: 'Pet' }] }],
    });
    expect(ops['add-pet']!.contract!.request!.representations).toEqual([{ contentType: 'application/json', schemaId: 'openapi-definitions', typeName: 'add-petRequest' }]);
    expect(ops['add-pet']!.examples).toEqual([{ status: 201, contentType: 'application/json', body: '{"id":1,"name":"Rex"}' }]);
    expect(Object.keys((config.apis[0]!.schemas![0]!.document as { components: { schemas: object } }).components.schemas)).toEqual(['Pet', 'add-petRequest']);
  });

  it('the deployed gateway checks requests and responses against them', async () => {
    const { config } = importedConfig();
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const call = async (method: string, path: string, body?: string) => {
        const res = await fetch(`${gw.origin}/pets-api${path}`, { method, ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}) });
        return { status: res.status, body: await res.text() };
      };
      expect(await call('GET', '/pets/1?fields=id')).toEqual({ status: 200, body: '{"ok":true}' });
      expect(await call('GET', '/pets/1?fields=name')).toEqual({ status: 400, body: '{ "statusCode": 400, "message": "The value of the query parameter fields does not conform to the definition. Value \\"name\\" is not defined in enum. Line: 1, Position: 6" }' });
      expect(await call('GET', '/pets/one')).toEqual({ status: 400, body: `{ "statusCode": 400, "message": "Value of the path parameter id couldn't be parsed according to the definition. Could not convert string to integer: one." }` });
      expect(await call('POST', '/pets', '{"name":"Rex","kind":"dog"}')).toEqual({ status: 400, body: `{ "statusCode": 400, "message": "Body of the request does not conform to the definition add-petRequest, which is associated with the content type application/json. Property 'kind' has not been defined and the schema does not allow additional properties. Line: 1, Position: 21" }` });
      // The backend answers 200 to the POST, which declares only 201: the response is refused.
      expect(await call('POST', '/pets', '{"name":"Rex"}')).toEqual({ status: 502, body: '{ "statusCode": 502, "message": "The request could not be processed due to an internal error. Contact the API owner." }' });
      expect(backend.seen.length).toBe(2);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });
});

describe('validate-content validate-as="xml" against an XSD schema deployed through ARM', () => {
  it('apis/schemas with an XSD reaches the gateway, compiled with the service; requests are validated against it', async () => {
    const { store, options } = setup();
    const xsd = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="order"><xs:complexType><xs:attribute name="qty" type="xs:positiveInteger" use="required"/></xs:complexType></xs:element></xs:schema>';
    const policy = '<policies><inbound><base /><validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent"><content type="application/xml" validate-as="xml" action="prevent" /></validate-content></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
    deploy({ deploymentName: 'd', template: { resources: [
      { type: 'Microsoft.ApiManagement/service', name: 's', properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
      { type: 'Microsoft.ApiManagement/service/schemas', name: 's/global-xsd', dependsOn: ['s'], properties: { schemaType: 'xml', value: xsd } },
      { type: 'Microsoft.ApiManagement/service/schemas', name: 's/global-json', dependsOn: ['s'], properties: { schemaType: 'json', document: { type: 'object' } } },
      { type: 'Microsoft.ApiManagement/service/apis', name: 's/orders', dependsOn: ['s'], properties: { path: 'orders', protocols: ['http'], subscriptionRequired: false, serviceUrl: 'http://trustline-func.azurewebsites.net/api' } },
      { type: 'Microsoft.ApiManagement/service/apis/schemas', name: 's/orders/order-xsd', dependsOn: ['s/orders'], properties: { contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: { value: xsd } } },
      { type: 'Microsoft.ApiManagement/service/apis/operations', name: 's/orders/add', dependsOn: ['s/orders'], properties: { method: 'POST', urlTemplate: '/', request: { representations: [{ contentType: 'application/xml', schemaId: 'order-xsd', typeName: 'order' }] } } },
      { type: 'Microsoft.ApiManagement/service/apis/policies', name: 's/orders/policy', dependsOn: ['s/orders'], properties: { format: 'rawxml', value: policy } },
    ] } }, options);
    const config = buildServiceConfig(store, store.listResources({ type: 'Microsoft.ApiManagement/service' })[0]!);
    expect(config.apis[0]!.schemas).toEqual([{ id: 'order-xsd', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: xsd }]);
    expect([...config.schemas!].sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'global-json', contentType: 'application/schema+json', document: { type: 'object' } },
      { id: 'global-xsd', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: xsd },
    ]);
    await prepareService(config);
    const backend = await startBackend();
    const gw = await startGateway(config, backend.origin);
    try {
      const post = async (body: string) => {
        const res = await fetch(`${gw.origin}/orders/`, { method: 'POST', body, headers: { 'content-type': 'application/xml' } });
        return { status: res.status, body: await res.text() };
      };
      expect((await post('<order qty="2"/>')).status).toBe(200);
      expect(await post('<order qty="0"/>')).toEqual({ status: 400, body: `{ "statusCode": 400, "message": "Body of the request does not conform to the definition order, which is associated with the content type application/xml. The 'qty' attribute is invalid - The value '0' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:positiveInteger' - The MinInclusive constraint failed. Line: 1, Position: 8" }` });
      expect(backend.seen.length).toBe(1);
    } finally {
      await gw.stop();
      await close(backend.server);
    }
  });
});
