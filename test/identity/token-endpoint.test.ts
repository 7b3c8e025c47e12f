// The Entra token endpoint (v1 /oauth2/token, v2 /oauth2/v2.0/token), client credentials, over raw HTTP:
// exact bodies, claims and AADSTS error bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { APIM_MI, FN_APP, TENANT_ID, V2_APP, decodeJwt, getWithHost, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0) / 1000;
const CLIENT_ID = '0f0f0f0f-1111-4222-8333-444455556666';
const SECRET = 'client-secret-value~1';
const OTHER_TENANT = '22222222-3333-4444-5555-666666666666';

let twin: Twin;
let spId: string;
let ordersAppId: string;
beforeAll(async () => {
  twin = await startTwin({ clock });
  const objects = twin.service.applyDirectory({
    doc: {
      applications: [
        { displayName: 'ci-caller', appId: CLIENT_ID, passwordCredentials: [{ secretText: SECRET }] },
        { displayName: 'orders-api', identifierUris: ['api://orders'], appRoles: [{ value: 'Orders.Read' }, { value: 'Orders.Write' }], groupMembershipClaims: 'SecurityGroup' },
      ],
      groups: [{ displayName: 'callers', members: ['ci-caller'] }],
      appRoleAssignments: [
        { principal: 'ci-caller', resource: 'orders-api', role: 'Orders.Read' },
        { principal: 'callers', resource: 'orders-api', role: 'Orders.Write' },
      ],
    },
  });
  spId = objects.find((o) => o.appId === CLIENT_ID)!.servicePrincipalId!;
  ordersAppId = objects.find((o) => o.displayName === 'orders-api')!.appId;
});
afterAll(async () => {
  await twin.close();
});

async function post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(twin.origin + path, { method: 'POST', body: new URLSearchParams(form), headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const v1 = (form: Record<string, string>, headers?: Record<string, string>) => post(`/${TENANT_ID}/oauth2/token`, form, headers);
const v2 = (form: Record<string, string>, headers?: Record<string, string>) => post(`/${TENANT_ID}/oauth2/v2.0/token`, form, headers);
const cc = { grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET };

function expectEntraError(r: { status: number; body: Record<string, unknown> }, status: number, error: string, code: number, text: RegExp): void {
  expect(r.status).toBe(status);
  expect(Object.keys(r.body)).toEqual(['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri']);
  expect(r.body.error).toBe(error);
  expect(r.body.error_codes).toEqual([code]);
  expect(r.body.timestamp).toBe('2026-11-29 12:00:00Z');
  const d = String(r.body.error_description);
  expect(d.startsWith(`AADSTS${code}: `)).toBe(true);
  expect(d).toMatch(text);
  // Entra's CRLF-separated trailer lines.
  expect(d).toContain(`\r\nTrace ID: ${String(r.body.trace_id)}\r\nCorrelation ID: ${String(r.body.correlation_id)}\r\nTimestamp: 2026-11-29 12:00:00Z`);
  expect(r.body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
}

describe('client credentials with a secret', () => {
  it('v1: resource=, string values, v1 claims with roles (direct and through a group) and groups', async () => {
    const r = await v1({ ...cc, resource: 'api://orders' });
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store, no-cache');
    expect(Object.keys(r.body)).toEqual(['token_type', 'expires_in', 'ext_expires_in', 'expires_on', 'not_before', 'resource', 'access_token']);
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: '3599', ext_expires_in: '3599', expires_on: String(NOW + 3599), not_before: String(NOW - 300), resource: 'api://orders' });
    const { header, payload } = decodeJwt(String(r.body.access_token));
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: twin.service.jwks().keys[0]!.kid, kid: twin.service.jwks().keys[0]!.kid });
    expect(Object.keys(payload)).toEqual(['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'appid', 'appidacr', 'groups', 'idp', 'idtyp', 'oid', 'rh', 'roles', 'sub', 'tid', 'uti', 'ver', 'xms_tcdt']);
    expect(payload).toMatchObject({
      aud: 'api://orders',
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      iat: NOW - 300,
      exp: NOW + 3599,
      appid: CLIENT_ID,
      appidacr: '1',
      idp: `https://sts.windows.net/${TENANT_ID}/`,
      idtyp: 'app',
      oid: spId,
      sub: spId,
      tid: TENANT_ID,
      ver: '1.0',
    });
    expect([...(payload.roles as string[])].sort()).toEqual(['Orders.Read', 'Orders.Write']);
    expect(payload.groups).toHaveLength(1);
  });

  it('v2: scope=<resource>/.default, numeric values; the resource app decides the version', async () => {
    const r = await v2({ ...cc, scope: `${V2_APP.identifierUris![0]}.default` });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) });
    const { header, payload } = decodeJwt(String(r.body.access_token));
    expect(header.x5t).toBeUndefined();
    expect(payload).toMatchObject({ aud: V2_APP.appId, iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`, azp: CLIENT_ID, azpacr: '1', ver: '2.0' });
    expect(payload.appid).toBeUndefined();
    // A v1 resource asked for through the v2 endpoint still gets a v1 token ("any version from any endpoint").
    const r1 = await v2({ ...cc, scope: `${FN_APP.appId}/.default openid profile offline_access` });
    expect(decodeJwt(String(r1.body.access_token)).payload).toMatchObject({ aud: FN_APP.appId, ver: '1.0', appid: CLIENT_ID });
  });

  it('client_secret_basic and the client-request-id as correlation id', async () => {
    const basic = Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(SECRET)}`).toString('base64');
    const ok = await v1({ grant_type: 'client_credentials', resource: FN_APP.appId }, { authorization: `Basic ${basic}` });
    expect(ok.status).toBe(200);
    const cid = '12345678-1234-4234-8234-123456789abc';
    const bad = await v1({ ...cc, client_secret: 'nope', resource: FN_APP.appId }, { 'client-request-id': cid });
    expect(bad.body.correlation_id).toBe(cid);
    expect(bad.headers.get('client-request-id')).toBe(cid);
  });

  it('well-known Azure resources are served without a directory entry', async () => {
    const r = await v2({ ...cc, scope: 'https://management.azure.com/.default' });
    expect(decodeJwt(String(r.body.access_token)).payload.aud).toBe('https://management.azure.com');
  });
});

// The web console's composer mints through IdentityService.issueApplicationToken: the token endpoint's claims, no secret.
describe('issueApplicationToken (in-process, for the operator)', () => {
  it('issues the client-credentials token the endpoint issues, for a resource or its /.default scope', async () => {
    const endpoint = decodeJwt(String((await v1({ ...cc, resource: 'api://orders' })).body.access_token)).payload;
    for (const resource of ['api://orders', 'api://orders/.default']) {
      const t = await twin.service.issueApplicationToken({ clientId: CLIENT_ID, resource });
      expect(t).toMatchObject({ expires_on: String(NOW + 3599), resource: 'api://orders' });
      const { payload } = decodeJwt(t.access_token);
      expect(Object.keys(payload)).toEqual(Object.keys(endpoint));
      expect(payload).toMatchObject({ aud: 'api://orders', appid: CLIENT_ID, appidacr: '1', oid: spId, roles: endpoint.roles });
    }
  });

  it("refuses with Entra's words: an unknown client (AADSTS700016), an unknown resource (AADSTS500011)", async () => {
    await expect(twin.service.issueApplicationToken({ clientId: '99999999-1111-4222-8333-444455556666', resource: 'api://orders' })).rejects.toThrow(/^AADSTS700016: Application with identifier '99999999-1111-4222-8333-444455556666' was not found/);
    await expect(twin.service.issueApplicationToken({ clientId: CLIENT_ID, resource: 'api://nobody' })).rejects.toThrow(/^AADSTS500011: /);
  });
});

describe('Entra error bodies', () => {
  it('wrong secret → 401 invalid_client AADSTS7000215', async () => {
    expectEntraError(await v2({ ...cc, client_secret: 'wrong', scope: `${FN_APP.appId}/.default` }), 401, 'invalid_client', 7000215, /Invalid client secret provided\./);
  });
  it('no secret or assertion → 401 invalid_client AADSTS7000218', async () => {
    expectEntraError(await v2({ grant_type: 'client_credentials', client_id: CLIENT_ID, scope: `${FN_APP.appId}/.default` }), 401, 'invalid_client', 7000218, /'client_assertion' or 'client_secret'/);
  });
  it('unknown client → 400 unauthorized_client AADSTS700016; also when it is another tenant\'s', async () => {
    const unknown = '99999999-9999-4999-8999-999999999999';
    expectEntraError(await v1({ ...cc, client_id: unknown, resource: FN_APP.appId }), 400, 'unauthorized_client', 700016, new RegExp(`Application with identifier '${unknown}' was not found in the directory '${TENANT_ID}'`));
    twin.service.applyDirectory({ doc: { tenantId: OTHER_TENANT, applications: [{ displayName: 'elsewhere', passwordCredentials: [{ secretText: 's' }] }] } });
    const r = await post(`/${OTHER_TENANT}/oauth2/token`, { ...cc, resource: FN_APP.appId });
    expectEntraError(r, 400, 'unauthorized_client', 700016, new RegExp(`not found in the directory '${OTHER_TENANT}'`));
  });
  it('unknown resource → 400 invalid_resource AADSTS500011, also for an identifier URI no app declares', async () => {
    expectEntraError(await v1({ ...cc, resource: 'api://nobody' }), 400, 'invalid_resource', 500011, /The resource principal named api:\/\/nobody was not found in the tenant named /);
    // orders-api declares api://orders only: api://{its appId} is not one of its identifiers (its bare appId is).
    expect((await v2({ ...cc, scope: `${ordersAppId}/.default` })).status).toBe(200);
    expectEntraError(await v2({ ...cc, scope: `api://${ordersAppId}/.default` }), 400, 'invalid_resource', 500011, new RegExp(`resource principal named api://${ordersAppId} was not found`));
  });
  it('a scope without /.default → 400 invalid_scope AADSTS1002012; resource on v2 → AADSTS901002', async () => {
    expectEntraError(await v2({ ...cc, scope: 'api://orders/Orders.Read' }), 400, 'invalid_scope', 1002012, /Client credential flows must have a scope value with \/\.default/);
    expectEntraError(await v2({ ...cc, scope: 'api://orders/.default api://other/.default' }), 400, 'invalid_scope', 1002012, /scope api:\/\/orders\/\.default api:\/\/other\/\.default is not valid/);
    expectEntraError(await v2({ ...cc, resource: 'api://orders' }), 400, 'invalid_request', 901002, /'resource' request parameter is not supported/);
  });
  it('unsupported grant → 400 unsupported_grant_type AADSTS70003; missing grant_type / resource → AADSTS900144', async () => {
    expectEntraError(await v1({ ...cc, grant_type: 'urn:made-up', resource: FN_APP.appId }), 400, 'unsupported_grant_type', 70003, /unsupported grant type 'urn:made-up'/);
    expectEntraError(await v1({ client_id: CLIENT_ID, resource: FN_APP.appId }), 400, 'invalid_request', 900144, /'grant_type'/);
    expectEntraError(await v1(cc), 400, 'invalid_request', 900144, /'resource'/);
  });
  it('GET on the token endpoint → AADSTS900561; unknown tenant → AADSTS90002', async () => {
    const g = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`);
    expectEntraError({ status: g.status, body: (await g.json()) as Record<string, unknown> }, 400, 'invalid_request', 900561, /only accepts POST, OPTIONS requests\. Received a GET request/);
    expectEntraError(await post('/33333333-0000-4000-8000-000000000000/oauth2/v2.0/token', { ...cc, scope: 'x/.default' }), 400, 'invalid_tenant', 90002, /Tenant '33333333-0000-4000-8000-000000000000' not found/);
  });
  it('a managed identity cannot use the token endpoint with a secret (no app registration)', async () => {
    expectEntraError(await v1({ ...cc, client_id: APIM_MI.appId, resource: FN_APP.appId }), 400, 'unauthorized_client', 700016, /Application with identifier/);
  });
});

describe('tenants', () => {
  it('a token for another tenant carries its tid and issuer; common resolves the client\'s tenant', async () => {
    twin.service.applyDirectory({
      doc: { tenantId: OTHER_TENANT, applications: [{ displayName: 'b-caller', appId: 'bbbbbbbb-1111-4222-8333-444455556666', passwordCredentials: [{ secretText: 'b' }] }, { displayName: 'b-api', identifierUris: ['api://b'] }] },
    });
    const form = { grant_type: 'client_credentials', client_id: 'bbbbbbbb-1111-4222-8333-444455556666', client_secret: 'b', scope: 'api://b/.default' };
    for (const tenant of [OTHER_TENANT, 'common', 'organizations']) {
      const r = await post(`/${tenant}/oauth2/v2.0/token`, form);
      expect(r.status).toBe(200);
      expect(decodeJwt(String(r.body.access_token)).payload).toMatchObject({ tid: OTHER_TENANT, iss: `https://sts.windows.net/${OTHER_TENANT}/` });
    }
    // The other tenant's discovery and keys exist too.
    const d = await getWithHost(twin.origin, `/${OTHER_TENANT}/v2.0/.well-known/openid-configuration`, 'login.microsoftonline.com');
    expect((d.body as Record<string, unknown>).issuer).toBe(`https://login.microsoftonline.com/${OTHER_TENANT}/v2.0`);
    // An app of the default tenant is unknown in the other one.
    const r = await post(`/${OTHER_TENANT}/oauth2/v2.0/token`, { ...cc, scope: 'api://b/.default' });
    expect(r.body.error_codes).toEqual([700016]);
  });
});
