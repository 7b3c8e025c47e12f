// The App Service MI endpoint and the IMDS endpoint over raw HTTP (exact statuses and bodies).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { aadstsMessage } from '../../src/identity/aadsts.js';
import { APIM_ID, APIM_MI, FN_APP, IDENTITY_SECRET, SITE_ID, TENANT_ID, UAMI, decodeJwt, get, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0) / 1000;
const MSI = (query: string): string => `/msi/token?api-version=2019-08-01&${query}`;
const IMDS = (query: string): string => `/metadata/identity/oauth2/token?api-version=2018-02-01&${query}`;
const OK_HEADERS = { 'X-IDENTITY-HEADER': IDENTITY_SECRET };
const UNABLE = 'Unable to load the proper Managed Identity.';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin({ clock });
});
afterAll(async () => {
  await twin.close();
});

function expectAppServiceError(r: { status: number; headers: Headers; body: unknown }, status: number, message: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const correlationId = r.headers.get('x-correlation-id');
  expect(correlationId).toMatch(/^eeeeeeee-0000-4000-8000-[0-9a-f]{12}$/);
  expect(r.body).toEqual({ statusCode: status, message, correlationId });
}

describe('App Service MI endpoint /msi/token', () => {
  it('issues a token: exact body, expires_on = exp as a string', async () => {
    const r = await get(twin.origin, MSI(`resource=${FN_APP.appId}`), OK_HEADERS);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = r.body as Record<string, string>;
    expect(Object.keys(body)).toEqual(['access_token', 'expires_on', 'resource', 'token_type', 'client_id']);
    expect(body).toMatchObject({ expires_on: String(NOW + 86400), resource: FN_APP.appId, token_type: 'Bearer', client_id: APIM_MI.appId });
    const { payload } = decodeJwt(body.access_token!);
    expect(payload).toMatchObject({ aud: FN_APP.appId, iat: NOW - 300, nbf: NOW - 300, exp: NOW + 86400, appid: APIM_MI.appId });
  });

  it('wrong or missing X-IDENTITY-HEADER → 401 JSON with X-CORRELATION-ID', async () => {
    const msg = 'The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.';
    expectAppServiceError(await get(twin.origin, MSI(`resource=${FN_APP.appId}`), { 'X-IDENTITY-HEADER': 'wrong' }), 401, msg);
    expectAppServiceError(await get(twin.origin, MSI(`resource=${FN_APP.appId}`)), 401, msg);
  });

  it('compat flag wrongIdentityHeaderStatus=400 answers 400 with the same body', async () => {
    const other = await startTwin({ clock, flags: { wrongIdentityHeaderStatus: 400 } });
    try {
      expectAppServiceError(await get(other.origin, MSI(`resource=${FN_APP.appId}`), { 'X-IDENTITY-HEADER': 'wrong' }), 400, 'The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.');
    } finally {
      await other.close();
    }
  });

  it('unknown selectors → 400 "Unable to load the proper Managed Identity."', async () => {
    for (const q of ['client_id=99999999-0000-4000-8000-000000000000', 'principal_id=99999999-0000-4000-8000-000000000000',
      'object_id=99999999-0000-4000-8000-000000000000', `mi_res_id=${encodeURIComponent(UAMI.resourceId + 'x')}`]) {
      expectAppServiceError(await get(twin.origin, MSI(`resource=${FN_APP.appId}&${q}`), OK_HEADERS), 400, UNABLE);
    }
  });

  it('principal_id is an alias of object_id; more than one selector → 400', async () => {
    const r = await get(twin.origin, MSI(`resource=${FN_APP.appId}&principal_id=${UAMI.objectId}`), OK_HEADERS);
    expect((r.body as Record<string, string>).client_id).toBe(UAMI.appId);
    expectAppServiceError(
      await get(twin.origin, MSI(`resource=${FN_APP.appId}&client_id=${UAMI.appId}&mi_res_id=${encodeURIComponent(UAMI.resourceId!)}`), OK_HEADERS),
      400,
      `${UNABLE} (Trustline: Only one of client_id, object_id/principal_id or mi_res_id may be given (got clientId, miResId).)`,
    );
  });

  it('unknown resource → 400 with AADSTS500011', async () => {
    const r = await get(twin.origin, MSI('resource=api%3A%2F%2Fnobody'), OK_HEADERS);
    expectAppServiceError(r, 400, aadstsMessage('resourceNotFound', { resource: 'api://nobody', tenant: TENANT_ID }));
    expect((r.body as { message: string }).message).toBe(
      `AADSTS500011: The resource principal named api://nobody was not found in the tenant named ${TENANT_ID}. ` +
        'This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
        'You might have sent your authentication request to the wrong tenant.',
    );
  });

  it('missing resource or api-version → 400', async () => {
    expectAppServiceError(await get(twin.origin, '/msi/token?api-version=2019-08-01', OK_HEADERS), 400, "The 'resource' query parameter is required.");
    expectAppServiceError(await get(twin.origin, `/msi/token?resource=${FN_APP.appId}`, OK_HEADERS), 400, "The api-version '' is not supported; use 2019-08-01.");
  });

  it('system-assigned with several identities: X-Trustline-Identity-Owner picks, none → 400', async () => {
    const site = { kind: 'managedIdentity' as const, objectId: 'ffffffff-0000-4000-8000-0000000000a5', appId: 'ffffffff-0000-4000-8000-0000000000c5', displayName: 'fn-twin', tenantId: TENANT_ID, resourceId: SITE_ID };
    const two = await startTwin({ clock, directory: [APIM_MI, site, FN_APP] });
    try {
      const apim = await get(two.origin, MSI(`resource=${FN_APP.appId}`), { ...OK_HEADERS, 'X-Trustline-Identity-Owner': APIM_ID.toLowerCase() });
      expect((apim.body as Record<string, string>).client_id).toBe(APIM_MI.appId);
      const fn = await get(two.origin, MSI(`resource=${FN_APP.appId}`), { ...OK_HEADERS, 'X-Trustline-Identity-Owner': SITE_ID });
      expect(decodeJwt((fn.body as Record<string, string>).access_token!).payload.xms_mirid).toBe(SITE_ID);
      expectAppServiceError(
        await get(two.origin, MSI(`resource=${FN_APP.appId}`), OK_HEADERS),
        400,
        // The refusal lists the candidates (resource name and client id) and how to pick one.
        `${UNABLE} (Trustline: The directory holds 2 system-assigned managed identities: ${APIM_MI.displayName} (client id ${APIM_MI.appId}), fn-twin (client id ${site.appId}); name one with client_id, or the owner with the X-Trustline-Identity-Owner header (ARM resource id).)`,
      );
      expectAppServiceError(await get(two.origin, MSI(`resource=${FN_APP.appId}`), { ...OK_HEADERS, 'X-Trustline-Identity-Owner': UAMI.resourceId! }), 400, UNABLE);
    } finally {
      await two.close();
    }
  });

  it('each resource has its own endpoint /msi/{principalId}/token: its identity answers with no selector; a selector still wins', async () => {
    const site = { kind: 'managedIdentity' as const, objectId: 'ffffffff-0000-4000-8000-0000000000a5', appId: 'ffffffff-0000-4000-8000-0000000000c5', displayName: 'fn-twin', tenantId: TENANT_ID, resourceId: SITE_ID };
    const two = await startTwin({ clock, directory: [APIM_MI, site, FN_APP, UAMI] });
    try {
      const apim = await get(two.origin, `/msi/${APIM_MI.objectId}/token?api-version=2019-08-01&resource=${FN_APP.appId}`, OK_HEADERS);
      expect(apim.status).toBe(200);
      expect((apim.body as Record<string, string>).client_id).toBe(APIM_MI.appId);
      const fn = await get(two.origin, `/MSI/${site.objectId.toUpperCase()}/token/?api-version=2019-08-01&resource=${FN_APP.appId}`, OK_HEADERS);
      expect(decodeJwt((fn.body as Record<string, string>).access_token!).payload).toMatchObject({ oid: site.objectId, xms_mirid: SITE_ID });
      const uami = await get(two.origin, `/msi/${site.objectId}/token?api-version=2019-08-01&resource=${FN_APP.appId}&client_id=${UAMI.appId}`, OK_HEADERS);
      expect((uami.body as Record<string, string>).client_id).toBe(UAMI.appId);
      expectAppServiceError(await get(two.origin, `/msi/99999999-0000-4000-8000-000000000000/token?api-version=2019-08-01&resource=${FN_APP.appId}`, OK_HEADERS), 400, UNABLE);
      expectAppServiceError(await get(two.origin, `/msi/${APIM_MI.objectId}/token?api-version=2019-08-01&resource=${FN_APP.appId}`, { 'X-IDENTITY-HEADER': 'wrong' }), 401, 'The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.');
    } finally {
      await two.close();
    }
  });

  it('legacy 2017-09-01: secret header + clientid; expires_on still epoch seconds', async () => {
    const r = await get(twin.origin, `/MSI/token?api-version=2017-09-01&resource=${FN_APP.appId}&clientid=${UAMI.appId}`, { secret: IDENTITY_SECRET });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ expires_on: String(NOW + 86400), client_id: UAMI.appId });
    expect((await get(twin.origin, `/msi/token?api-version=2017-09-01&resource=${FN_APP.appId}`, OK_HEADERS)).status).toBe(401);
  });

  it('path is case-insensitive and tolerates trailing / and //', async () => {
    for (const path of [`/MSI/Token/?api-version=2019-08-01&resource=${FN_APP.appId}`, `//msi//token?api-version=2019-08-01&resource=${FN_APP.appId}`]) {
      expect((await get(twin.origin, path, OK_HEADERS)).status).toBe(200);
    }
  });

  it('a cached token is handed out again until the directory changes', async () => {
    const a = (await get(twin.origin, MSI('resource=https%3A%2F%2Fstorage.azure.com'), OK_HEADERS)).body as Record<string, string>;
    clock.advance(60_000);
    const b = (await get(twin.origin, MSI('resource=https%3A%2F%2Fstorage.azure.com'), OK_HEADERS)).body as Record<string, string>;
    expect(b.access_token).toBe(a.access_token);
  });
});

describe('IMDS endpoint /metadata/identity/oauth2/token', () => {
  it('without Metadata: true → 400 invalid_request (also the DefaultAzureCredential probe)', async () => {
    const expected = { error: 'bad_request_102', error_description: 'Required metadata header not specified' };
    for (const [path, headers] of [
      [IMDS(`resource=${FN_APP.appId}`), {}],
      [IMDS(`resource=${FN_APP.appId}`), { Metadata: 'True' }],
      ['/metadata/identity/oauth2/token', { Accept: 'application/json' }],
    ] as const) {
      const r = await get(twin.origin, path, headers);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(r.body).toEqual(expected);
    }
  });

  it('with Metadata: true → 200, string expires_in/ext_expires_in/expires_on/not_before, trailing-slash path as msal sends it', async () => {
    clock.set(NOW * 1000);
    const r = await get(twin.origin, `/metadata/identity/oauth2/token/?api-version=2018-02-01&resource=api%3A%2F%2F${FN_APP.appId}`, { Metadata: 'true' });
    expect(r.status).toBe(200);
    const body = r.body as Record<string, string>;
    expect({ ...body, access_token: '<jwt>' }).toEqual({
      access_token: '<jwt>',
      refresh_token: '',
      expires_in: '86400',
      expires_on: String(NOW + 86400),
      ext_expires_in: '86400',
      not_before: String(NOW - 300),
      resource: `api://${FN_APP.appId}`,
      token_type: 'Bearer',
      client_id: APIM_MI.appId,
    });
    expect(decodeJwt(body.access_token!).payload.aud).toBe(`api://${FN_APP.appId}`);
    const viaDoubleSlash = await get(twin.origin, `//metadata/identity/oauth2/token/?api-version=2018-02-01&resource=${FN_APP.appId}&msi_res_id=${encodeURIComponent(UAMI.resourceId!)}`, { Metadata: 'true' });
    expect((viaDoubleSlash.body as Record<string, string>).client_id).toBe(UAMI.appId);
  });

  it('unknown resource → 400 invalid_resource with AADSTS500011; unknown identity → 400 Identity not found', async () => {
    const r = await get(twin.origin, IMDS('resource=api%3A%2F%2Fnobody'), { Metadata: 'true' });
    expect(r.status).toBe(400);
    const body = r.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri']);
    expect(body.error).toBe('invalid_resource');
    expect(body.error_codes).toEqual([500011]);
    expect(body.timestamp).toBe('2026-11-29 12:00:00Z');
    expect(body.error_uri).toBe('https://login.microsoftonline.com/error?code=500011');
    expect(body.error_description).toBe(
      `${aadstsMessage('resourceNotFound', { resource: 'api://nobody', tenant: TENANT_ID })}\r\nTrace ID: ${String(body.trace_id)}\r\nCorrelation ID: ${String(body.correlation_id)}\r\nTimestamp: 2026-11-29 12:00:00Z`,
    );
    const unknown = await get(twin.origin, IMDS(`resource=${FN_APP.appId}&client_id=99999999-0000-4000-8000-000000000000`), { Metadata: 'true' });
    expect([unknown.status, unknown.body]).toEqual([400, { error: 'invalid_request', error_description: 'Identity not found' }]);
    const noResource = await get(twin.origin, '/metadata/identity/oauth2/token?api-version=2018-02-01', { Metadata: 'true' });
    expect([noResource.status, noResource.body]).toEqual([400, { error: 'invalid_request', error_description: 'Required audience parameter not specified' }]);
  });
});

describe('other routes', () => {
  it('unknown route → 404 JSON; wrong method → 405 JSON', async () => {
    const r = await get(twin.origin, '/nope/thing');
    expect([r.status, r.headers.get('content-type'), r.body]).toEqual([
      404,
      'application/json; charset=utf-8',
      { error: 'not_found', error_description: 'No identity route for GET /nope/thing.' },
    ]);
    const post = await fetch(`${twin.origin}/msi/token?api-version=2019-08-01&resource=x`, { method: 'POST', headers: OK_HEADERS });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(((await post.json()) as { statusCode: number }).statusCode).toBe(405);
  });
});
