import { describe, expect, it } from 'vitest';
import type { PolicyRunRequest } from '../../../src/gateway/index.js';
import { inbound, run } from './run.js';

const INTERNAL = 'The request could not be processed due to an internal error. Contact the API owner.';
const body = (status: number, message: string) => `{ "statusCode": ${status}, "message": ${JSON.stringify(message)} }`;
const PET = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 2 }, age: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { $ref: '#/components/schemas/Tag' } } } };
const api: PolicyRunRequest['api'] = { schemas: [{ id: 'petstore', document: { components: { schemas: { Pet: PET, Tag: { type: 'string', enum: ['a', 'b'] } } } } }] };
const post = (json: string, extra: Partial<PolicyRunRequest> = {}): PolicyRunRequest => ({
  method: 'POST', url: 'https://apim.example.net/pets', headers: { 'content-type': 'application/json' }, body: json, api,
  operation: { method: 'POST', urlTemplate: '/pets', request: { representations: [{ contentType: 'application/json', schemaId: 'petstore', typeName: 'Pet' }] }, responses: [{ statusCode: 200, representations: [{ contentType: 'application/json', schemaId: 'petstore', typeName: 'Pet' }], headers: [{ name: 'x-request-id' }] }] },
  ...extra,
});
const content = (attrs: string, inner = '<content type="application/json" validate-as="json" action="prevent" />') =>
  `<validate-content unspecified-content-type-action="prevent" max-size="1024" size-exceeded-action="prevent" errors-variable-name="errs" ${attrs}>${inner}</validate-content>`;
const errs = (r: { variables: Record<string, unknown> }) => JSON.parse(String(r.variables.errs)) as Array<Record<string, string>>;

describe('validate-content (docs/behaviour/apim.md §2, validation policies)', () => {
  it('a body that conforms to the operation\'s schema definition passes; the errors variable is an empty array', async () => {
    const r = await run(inbound(content('')), post('{"name": "Rex", "age": 3, "tags": ["a"]}'));
    expect(r.status).toBe(200);
    expect(r.backendRequest?.body).toBe('{"name": "Rex", "age": 3, "tags": ["a"]}');
    expect(errs(r)).toEqual([]);
  });

  it('prevent: 400 with the first error, Newtonsoft\'s message and the position where the token ends', async () => {
    const r = await run(inbound(content('')), post('{"age": "x"}'));
    expect(r.status).toBe(400);
    expect(r.headers['content-type']).toBe('application/json');
    const msg = 'Body of the request does not conform to the definition Pet, which is associated with the content type application/json. Invalid type. Expected Integer but got String. Line: 1, Position: 11';
    expect(r.body).toBe(body(400, msg));
    expect(r.backendRequest).toBeNull();
    expect(errs(r)).toEqual([{ Name: 'application/json', Type: 'RequestBody', ValidationRule: 'IncorrectMessage', Details: msg, Action: 'prevent' }]);
  });

  it('detect: every error is recorded and the request goes on; $ref, enum, minimum, minLength, required', async () => {
    const r = await run(inbound(content('', '<content type="application/json" validate-as="json" action="detect" />')), post('{\n  "name": "R",\n  "age": -1,\n  "tags": ["c"]\n}'));
    expect(r.status).toBe(200);
    expect(errs(r).map((e) => e.Details.replace(/^.*application\/json\. /, ''))).toEqual([
      "String 'R' is less than minimum length of 2. Line: 2, Position: 13",
      'Integer -1 is less than minimum value of 0. Line: 3, Position: 11',
      'Value "c" is not defined in enum. Line: 4, Position: 14',
    ]);
    const missing = await run(inbound(content('', '<content type="application/json" validate-as="json" action="detect" />')), post('{}'));
    expect(errs(missing)[0]!.Details).toContain('Required properties are missing from object: name. Line: 1, Position: 2');
  });

  it('allow-additional-properties="false" refuses properties the schema does not name; not JSON at all is an error too', async () => {
    const r = await run(inbound(content('', '<content type="application/json" validate-as="json" action="prevent" allow-additional-properties="false" />')), post('{"name": "Rex", "x": 1}'));
    expect(r.body).toBe(body(400, "Body of the request does not conform to the definition Pet, which is associated with the content type application/json. Property 'x' has not been defined and the schema does not allow additional properties. Line: 1, Position: 20"));
    const bad = await run(inbound(content('')), post('{"name": '));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Unexpected end when reading JSON. Line: 1, Position: 9');
  });

  it('size: over max-size (Content-Length) is refused before anything else; detect lets it through', async () => {
    const big = `{"name": "${'x'.repeat(40)}"}`;
    const r = await run(inbound(content('').replace('max-size="1024"', 'max-size="16"')), post(big));
    expect(r.status).toBe(400);
    expect(r.body).toBe(body(400, `Request's body is ${big.length} bytes long and it exceeds the limit of 16 bytes.`));
    const d = await run(inbound(content('').replace('max-size="1024"', 'max-size="16"').replace('size-exceeded-action="prevent"', 'size-exceeded-action="detect"')), post(big));
    expect(d.status).toBe(200);
    expect(errs(d)).toEqual([{ Name: '', Type: 'RequestBody', ValidationRule: 'SizeLimit', Details: `Request's body is ${big.length} bytes long and it exceeds the configured limit of 16 bytes.`, Action: 'detect' }]);
  });

  it('a content type the operation does not declare is unspecified; content-type-map maps a missing one', async () => {
    const r = await run(inbound(content('')), post('name=Rex', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect(r.body).toBe(body(400, 'Unspecified content type application/x-www-form-urlencoded is not allowed.'));
    const none = await run(inbound(content('')), post('{"name": "Rex"}', { headers: {} }));
    expect(none.body).toBe(body(400, 'Unspecified content type  is not allowed.'));
    const mapped = await run(inbound(content('', '<content-type-map missing-content-type-value="application/json" /><content type="application/json" validate-as="json" action="prevent" />')), post('{"name": "Rex"}', { headers: {} }));
    expect(mapped.status).toBe(200);
  });

  it('no schema behind the representation: the ApiSchema error, with the internal-error message', async () => {
    const r = await run(inbound(content('')), post('{"name": "Rex"}', { operation: { method: 'POST', urlTemplate: '/pets', request: { representations: [{ contentType: 'application/json' }] } } }));
    expect(r.body).toBe(body(400, INTERNAL));
    expect(errs(r)[0]).toMatchObject({ Type: 'ApiSchema', Details: "API's schema does not exist or it could not be resolved." });
    const missingDef = await run(inbound(content('')), post('{}', { operation: { method: 'POST', urlTemplate: '/pets', request: { representations: [{ contentType: 'application/json', schemaId: 'petstore', typeName: 'Cat' }] } } }));
    expect(errs(missingDef)[0]!.Details).toBe("API's schema does not contain definition Cat, which is associated with the content type application/json.");
  });

  it('in outbound it validates the response: 502 with the internal-error message, LastError Reason "Response not allowed"', async () => {
    const policy = `<policies><inbound/><backend><forward-request/></backend><outbound>${content('')}</outbound>
      <on-error><set-header name="x-reason" exists-action="override"><value>@(context.LastError.Reason + "|" + context.LastError.Source)</value></set-header></on-error></policies>`;
    const r = await run(policy, post('{"name": "Rex"}', { backend: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"name": 5}' } }));
    expect(r.status).toBe(502);
    expect(r.body).toBe(body(502, INTERNAL));
    expect(r.headers['x-reason']).toBe('Response not allowed|validate-content');
  });

  it('attributes: validate-as other than json, xml, soap, max-size above 4 MiB and a bad action are refused at load', async () => {
    await expect(run(inbound(content('', '<content type="text/xml" validate-as="wsdl" action="prevent" />')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound(content('').replace('max-size="1024"', 'max-size="4194305"')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound(content('').replace('size-exceeded-action="prevent"', 'size-exceeded-action="deny"')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound('<validate-content max-size="10" size-exceeded-action="prevent" />'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

const get = (url: string, headers: Record<string, string> = {}): PolicyRunRequest => ({
  url: `https://apim.example.net${url}`, headers,
  operation: {
    method: 'GET', urlTemplate: '/items/{id}',
    templateParameters: [{ name: 'id', type: 'integer', required: true }],
    request: { queryParameters: [{ name: 'order', values: ['asc', 'desc'] }, { name: 'limit', type: 'integer' }], headers: [{ name: 'x-tenant', type: 'string' }] },
  },
});
const params = (inner = '', a = 'specified-parameter-action="prevent" unspecified-parameter-action="prevent"') => `<validate-parameters ${a} errors-variable-name="errs">${inner}</validate-parameters>`;
const IGNORE_TRANSPORT = '<headers specified-parameter-action="prevent" unspecified-parameter-action="prevent"><parameter name="Host" action="ignore" /><parameter name="Connection" action="ignore" /></headers>';

describe('validate-parameters (docs/behaviour/apim.md §2, validation policies)', () => {
  it('declared path, query and header values pass', async () => {
    const r = await run(inbound(params(IGNORE_TRANSPORT)), get('/items/42?order=asc&limit=10', { 'x-tenant': 'contoso' }));
    expect(r.status).toBe(200);
    expect(errs(r)).toEqual([]);
  });

  it('an undeclared query parameter, a value of the wrong type, a value outside the enum, several values', async () => {
    const expectBody = async (url: string, message: string) => {
      const r = await run(inbound(params(IGNORE_TRANSPORT)), get(url));
      expect(r.status).toBe(400);
      expect(r.body).toBe(body(400, message));
      expect(r.backendRequest).toBeNull();
    };
    await expectBody('/items/42?debug=1', 'Unspecified query parameter debug is not allowed.');
    await expectBody('/items/42?limit=ten', "Value of the query parameter limit couldn't be parsed according to the definition. Could not convert string to integer: ten.");
    await expectBody('/items/42?order=up', 'The value of the query parameter order does not conform to the definition. Value "up" is not defined in enum. Line: 1, Position: 4');
    await expectBody('/items/42?order=asc&order=desc', 'Request cannot contain multiple values for the query parameter order.');
    await expectBody('/items/abc', "Value of the path parameter id couldn't be parsed according to the definition. Could not convert string to integer: abc.");
  });

  it('headers are parameters too: Host is unspecified unless ignored; category and per-name overrides; detect records', async () => {
    const r = await run(inbound(params()), get('/items/1'));
    expect(r.body).toBe(body(400, 'Unspecified header Host is not allowed.'));
    const d = await run(inbound(params('<headers unspecified-parameter-action="detect" />')), get('/items/1', { 'x-debug': '1' }));
    expect(d.status).toBe(200);
    expect(errs(d).map((e) => [e.Name, e.Type, e.ValidationRule, e.Action])).toContainEqual(['x-debug', 'RequestHeader', 'Unspecified', 'detect']);
    const q = await run(inbound(params(`${IGNORE_TRANSPORT}<query><parameter name="debug" action="ignore" /></query>`)), get('/items/1?debug=1'));
    expect(q.status).toBe(200);
  });

  it('actions may be expressions; a literal that is not an action fails at load', async () => {
    const r = await run(inbound(params(IGNORE_TRANSPORT, 'specified-parameter-action="@("pre" + "vent")" unspecified-parameter-action="@("ignore")"')), get('/items/x?debug=1'));
    expect(r.body).toBe(body(400, "Value of the path parameter id couldn't be parsed according to the definition. Could not convert string to integer: x."));
    await expect(run(inbound(params('', 'specified-parameter-action="block" unspecified-parameter-action="ignore"')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run(inbound(params('', 'unspecified-parameter-action="ignore"')))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('validate-headers and validate-status-code (docs/behaviour/apim.md §2, validation policies)', () => {
  const out = (xml: string, backend: PolicyRunRequest['backend']) => run(`<policies><inbound/><backend><forward-request/></backend><outbound>${xml}</outbound><on-error/></policies>`, { ...post('{"name": "Rex"}'), backend });

  it('validate-headers: a response header the operation does not declare for the status → 502; declared or overridden ones pass', async () => {
    const xml = (a: string, sp = 'prevent') => `<validate-headers specified-header-action="${sp}" unspecified-header-action="${a}" errors-variable-name="errs"><header name="Content-Type" action="ignore" /><header name="Content-Length" action="ignore" /><header name="Transfer-Encoding" action="ignore" /></validate-headers>`;
    const ok = await out(xml('prevent'), { status: 200, headers: { 'x-request-id': 'r1' }, body: '{}' });
    expect(ok.status).toBe(200);
    const bad = await out(xml('prevent'), { status: 200, headers: { 'x-debug': 'yes' }, body: '{}' });
    expect(bad.status).toBe(502);
    expect(bad.body).toBe(body(502, INTERNAL));
    const detect = await out(xml('detect', 'detect'), { status: 200, headers: { 'x-debug': 'yes', 'x-request-id': ['a', 'b'] }, body: '{}' });
    expect(detect.status).toBe(200);
    expect(errs(detect).map((e) => e.Details)).toEqual(['Unspecified header x-debug is not allowed.', 'Response cannot contain multiple values for the header x-request-id.']);
  });

  it('validate-status-code: an undeclared status → 502 "Response status code 500 is not allowed." in LastError; overrides apply only to undeclared codes', async () => {
    const policy = `<policies><inbound/><backend><forward-request/></backend><outbound><validate-status-code unspecified-status-code-action="prevent" errors-variable-name="errs"><status-code code="404" action="ignore" /><status-code code="200" action="prevent" /></validate-status-code></outbound>
      <on-error><set-header name="x-message" exists-action="override"><value>@(context.LastError.Message)</value></set-header></on-error></policies>`;
    const r500 = await run(policy, { backend: { status: 500, body: 'stack trace' } });
    expect(r500.status).toBe(502);
    expect(r500.body).toBe(body(502, INTERNAL));
    expect(r500.headers['x-message']).toBe('Response status code 500 is not allowed.');
    expect((await run(policy, { backend: { status: 404, body: '' } })).status).toBe(404);
    expect((await run(policy, { ...post('{}'), backend: { status: 200, body: '{}' } })).status).toBe(200);
    await expect(run('<policies><outbound><validate-status-code unspecified-status-code-action="prevent"><status-code code="abc" action="ignore"/></validate-status-code></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

describe('jsonp (docs/behaviour/apim.md §2)', () => {
  const policy = '<policies><inbound/><backend><forward-request/></backend><outbound><jsonp callback-parameter-name="cb" /></outbound><on-error/></policies>';
  it('wraps the response in the callback named by the query; plain JSON without it', async () => {
    const r = await run(policy, { url: 'https://apim.example.net/x?CB=app.onData', backend: { status: 200, body: '{"a":1}' } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('app.onData({"a":1});');
    expect(r.headers['content-type']).toBe('application/javascript');
    expect(r.headers['content-length']).toBe(String(r.body.length));
    const plain = await run(policy, { url: 'https://apim.example.net/x', backend: { status: 200, body: '{"a":1}' } });
    expect(plain.body).toBe('{"a":1}');
    expect(plain.headers['content-type']).toBe('application/json');
  });

  it('a callback that is not a JavaScript name: 400 and LastError CallbackParameterInvalid; only outbound; the attribute is required', async () => {
    const r = await run(policy, { url: 'https://apim.example.net/x?cb=alert(1)', backend: { status: 200, body: '{}' } });
    expect(r.status).toBe(400);
    expect(r.body).toBe(body(400, "The 'cb' callback parameter value is invalid."));
    await expect(run(inbound('<jsonp callback-parameter-name="cb" />'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
    await expect(run('<policies><outbound><jsonp /></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
  });
});

const XSD = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:pets" xmlns="urn:pets" elementFormDefault="qualified">
  <xs:element name="pet"><xs:complexType><xs:sequence>
    <xs:element name="name" type="xs:string"/><xs:element name="age" type="xs:int" minOccurs="0"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>`;
const xmlApi: PolicyRunRequest['api'] = { schemas: [{ id: 'pets-xsd', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: XSD }] };
const postXml = (xml: string, typeName = 'pet'): PolicyRunRequest => ({
  method: 'POST', url: 'https://apim.example.net/pets', headers: { 'content-type': 'application/xml' }, body: xml, api: xmlApi,
  operation: { method: 'POST', urlTemplate: '/pets', request: { representations: [{ contentType: 'application/xml', schemaId: 'pets-xsd', typeName }] } },
});
const xmlContent = (action = 'prevent') => content('', `<content type="application/xml" validate-as="xml" action="${action}" />`);

describe('validate-content validate-as="xml" (XSD schemas of the API, libxml2)', () => {
  it('a body valid against the XSD passes; an invalid one is IncorrectMessage with Learn\'s details, line and position', async () => {
    const ok = await run(inbound(xmlContent()), postXml('<pet xmlns="urn:pets"><name>Rex</name><age>3</age></pet>'));
    expect(ok.status).toBe(200);
    expect(errs(ok)).toEqual([]);
    const bad = await run(inbound(xmlContent()), postXml('<pet xmlns="urn:pets">\n  <name>Rex</name>\n  <age>old</age>\n</pet>'));
    expect(bad.status).toBe(400);
    const msg = "Body of the request does not conform to the definition pet, which is associated with the content type application/xml. The 'urn:pets:age' element is invalid - The value 'old' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string 'old' is not a valid Int32 value. Line: 3, Position: 13";
    expect(bad.body).toBe(body(400, msg));
    expect(errs(bad)).toEqual([{ Name: 'application/xml', Type: 'RequestBody', ValidationRule: 'IncorrectMessage', Details: msg, Action: 'prevent' }]);
    expect(bad.backendRequest).toBeNull();
  });

  it('detect records every error and goes on; a body that is not well-formed XML is IncorrectMessage too', async () => {
    const r = await run(inbound(xmlContent('detect')), postXml('<pet xmlns="urn:pets"><age>x</age><color/></pet>'));
    expect(r.status).toBe(200);
    expect(errs(r).length).toBeGreaterThanOrEqual(1);
    expect(errs(r)[0]!.Details).toContain("The element 'pet' in namespace 'urn:pets' has invalid child element 'age' in namespace 'urn:pets'. List of possible elements expected: 'name' in namespace 'urn:pets'. Line: 1, Position: 24");
    const broken = await run(inbound(xmlContent()), postXml('<pet xmlns="urn:pets"><name>Rex</pet>'));
    expect(broken.status).toBe(400);
    expect(errs(broken)[0]).toMatchObject({ ValidationRule: 'IncorrectMessage', Details: expect.stringMatching(/\. The 'name' start tag on line 1 position 24 does not match the end tag of 'pet'\. Line: 1, Position: 34$/) as unknown });
  });

  it("schema errors in .NET's XmlSchemaValidationException words, at the reader's position (element name, end tag, attribute)", async () => {
    const details = async (xml: string) => errs(await run(inbound(xmlContent('detect')), postXml(xml))).map((e) => (e.Details as string).replace(/^Body of the request does not conform to the definition pet, which is associated with the content type application\/xml\. /, ''));
    expect(await details('<pet xmlns="urn:pets"><name>R</name><color/></pet>')).toEqual([
      "The element 'pet' in namespace 'urn:pets' has invalid child element 'color' in namespace 'urn:pets'. List of possible elements expected: 'age' in namespace 'urn:pets'. Line: 1, Position: 38",
    ]);
    expect(await details('<pet xmlns="urn:pets">\n</pet>')).toEqual([
      "The element 'pet' in namespace 'urn:pets' has incomplete content. List of possible elements expected: 'name' in namespace 'urn:pets'. Line: 2, Position: 3",
    ]);
    expect(await details('<dog xmlns="urn:pets"/>')).toEqual(["The 'urn:pets:dog' element is not declared. Line: 1, Position: 2"]);
    expect(await details('<pet xmlns="urn:pets"><name>R</name><age>99999999999</age></pet>')).toEqual([
      "The 'urn:pets:age' element is invalid - The value '99999999999' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - Value was either too large or too small for an Int32. Line: 1, Position: 55",
    ]);
  });

  it('a DTD in the body is refused before parsing (no entity expansion), as .NET prohibits DTDs', async () => {
    const bomb = '<?xml version="1.0"?>\n<!DOCTYPE pet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<pet xmlns="urn:pets"><name>&b;</name></pet>';
    const r = await run(inbound(xmlContent()), postXml(bomb));
    expect(r.status).toBe(400);
    expect(errs(r)[0]!.Details).toContain('For security reasons DTD is prohibited in this XML document.');
    expect(errs(r)[0]!.Details).toMatch(/Line: 2, Position: 1$/);
  });

  it('a typeName the schema does not declare is MissingDefinition; no schema is an ApiSchema error (internal public message)', async () => {
    const missing = await run(inbound(xmlContent()), postXml('<pet xmlns="urn:pets"><name>Rex</name></pet>', 'dog'));
    expect(missing.status).toBe(400);
    expect(errs(missing)[0]).toMatchObject({ ValidationRule: 'MissingDefinition', Details: "API's schema does not contain definition dog, which is associated with the content type application/xml." });
    expect(missing.body).toBe(body(400, INTERNAL));
    const none = await run(inbound(xmlContent()), { ...postXml('<pet/>'), api: {} });
    expect(errs(none)[0]).toMatchObject({ Type: 'ApiSchema', Details: "API's schema does not exist or it could not be resolved." });
  });

  it('schema-id names a schema of the service (XSD or JSON schema), before the API\'s', async () => {
    const serviceXsd = { id: 'orders', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="order" type="xs:string"/></xs:schema>' };
    const byId = content('', '<content type="application/xml" validate-as="xml" schema-id="orders" action="prevent" />');
    const req = { ...postXml('<order>one</order>'), schemas: [serviceXsd] };
    expect((await run(inbound(byId), req)).status).toBe(200);
    const bad = await run(inbound(byId), { ...req, body: '<pet xmlns="urn:pets"/>' });
    expect(bad.status).toBe(400);
    expect(errs(bad)[0]!.Details).toMatch(/^Body of the request does not conform to the definition orders, which is associated with the content type application\/xml\. /);
    const jsonById = content('', '<content type="application/json" validate-as="json" schema-id="pet-json" action="prevent" />');
    const jsonReq = { ...post('{"name": 1}'), schemas: [{ id: 'pet-json', contentType: 'application/schema+json', document: { type: 'object', properties: { name: { type: 'string' } } } }] };
    expect((await run(inbound(jsonById), jsonReq)).status).toBe(400);
    expect((await run(inbound(jsonById), { ...jsonReq, body: '{"name": "Rex"}' })).status).toBe(200);
  });

  it('schemas are compiled with the service: a broken XSD, one with a DTD or a schemaLocation include fails it (ERR_APIM_SCHEMA)', async () => {
    for (const document of ['<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:nope"/></xs:schema>',
      '<!DOCTYPE x []><xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>',
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="file:///etc/passwd"/></xs:schema>',
      '<notASchema/>']) {
      await expect(run(inbound(xmlContent()), { ...postXml('<pet/>'), api: { schemas: [{ id: 'x', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document }] } })).rejects.toMatchObject({ code: 'ERR_APIM_SCHEMA' });
    }
  });
});

describe('validate-content validate-as="soap" (the SOAP envelope\'s payload against an XSD; docs/behaviour/apim.md §1.6)', () => {
  const soap12 = (payload: string) => `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:p="urn:pets">\n<env:Header/>\n<env:Body>${payload}</env:Body>\n</env:Envelope>`;
  // Learn's example: every request is read as SOAP 1.2 and validated against the service schema "myschema"
  const learn = content('', '<content-type-map any-content-type-value="application/soap+xml" /><content type="application/soap+xml" validate-as="soap" schema-id="myschema" action="prevent" />');
  const request = (xml: string, ct: string): PolicyRunRequest => ({ method: 'POST', url: 'https://apim.example.net/pets', headers: { 'content-type': ct }, body: xml, api: { schemas: [{ id: 'myschema', contentType: 'application/vnd.ms-azure-apim.xsd+xml', document: XSD }] }, operation: { method: 'POST', urlTemplate: '/pets' } });

  it('schema-id: any global element of the schema may be the payload; it is validated where it stands in the envelope', async () => {
    const ok = await run(inbound(learn), request(soap12('<p:pet><p:name>Rex</p:name></p:pet>'), 'text/xml'));
    expect(ok.status).toBe(200);
    expect(ok.backendRequest?.body).toBe(soap12('<p:pet><p:name>Rex</p:name></p:pet>'));
    const bad = await run(inbound(learn), request(soap12('<p:pet><p:name>Rex</p:name><p:age>old</p:age></p:pet>'), 'application/soap+xml; charset=utf-8'));
    expect(bad.status).toBe(400);
    expect(bad.body).toBe(body(400, "Body of the request does not conform to the definition myschema, which is associated with the content type application/soap+xml. The 'urn:pets:age' element is invalid - The value 'old' is invalid according to its datatype 'http://www.w3.org/2001/XMLSchema:int' - The string 'old' is not a valid Int32 value. Line: 3, Position: 50"));
    // application/soap+xml is SOAP 1.2: a SOAP 1.1 envelope is not one
    const v11 = await run(inbound(learn), request('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>', 'text/xml'));
    expect(v11.body).toBe(body(400, "Body of the request does not conform to the definition myschema, which is associated with the content type application/soap+xml. The 'http://schemas.xmlsoap.org/soap/envelope/:Envelope' element is not declared. Line: 1, Position: 2"));
  });

  it("outbound: the response's payload against the 200 representation's element; a mismatch is 502 with the internal-error answer", async () => {
    const policy = `<policies><inbound/><backend><forward-request/></backend><outbound>${content('', '<content type="text/xml" validate-as="soap" action="prevent" />')}</outbound><on-error/></policies>`;
    const soap11 = (payload: string) => `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${payload}</s:Body></s:Envelope>`;
    const req = (answer: string): PolicyRunRequest => ({
      method: 'POST', url: 'https://apim.example.net/pets', headers: { 'content-type': 'text/xml', soapaction: 'urn:get' }, body: soap11('<p:pet xmlns:p="urn:pets"><p:name>Rex</p:name></p:pet>'),
      api: { ...xmlApi, path: 'pets', type: 'soap' },
      operation: { method: 'POST', urlTemplate: '/?soapAction=urn:get', responses: [{ statusCode: 200, representations: [{ contentType: 'text/xml', schemaId: 'pets-xsd', typeName: 'pet' }] }] },
      backend: { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: answer },
    });
    const ok = await run(policy, req(soap11('<pet xmlns="urn:pets"><name>Rex</name><age>3</age></pet>')));
    expect(ok.status).toBe(200);
    const bad = await run(policy, req(soap11('<pet xmlns="urn:pets"><age>3</age></pet>')));
    expect(bad.status).toBe(502);
    expect(bad.body).toBe(body(502, INTERNAL));
    expect(errs(bad)).toEqual([{ Name: 'text/xml', Type: 'ResponseBody', ValidationRule: 'IncorrectMessage', Action: 'prevent',
      Details: "Body of the response does not conform to the definition pet, which is associated with the content type text/xml. The element 'pet' in namespace 'urn:pets' has invalid child element 'age' in namespace 'urn:pets'. List of possible elements expected: 'name' in namespace 'urn:pets'. Line: 1, Position: 96" }]);
  });

  it('a SOAP Fault is not validated; an empty Body has nothing to check without a representation element', async () => {
    const fault = soap12('<env:Fault><env:Code><env:Value>env:Receiver</env:Value></env:Code></env:Fault>');
    expect((await run(inbound(learn), request(fault, 'application/soap+xml'))).status).toBe(200);
    expect((await run(inbound(learn), request(soap12(''), 'application/soap+xml'))).status).toBe(200);
  });
});
