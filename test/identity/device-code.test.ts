// The device authorization grant (RFC 8628) over raw HTTP, as Entra runs it: /devicecode (v1, v2), the verification
// page with the sign-in form, the token endpoint's polls (pending, declined, expired, bad code, once), public client
// rules (isFallbackPublicClient, AADSTS7000218), the Azure CLI's first-party client id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { ManualClock } from '../../src/core/index.js';
import { TENANT_ID, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 30, 12, 0, 0));
const PUBLIC = 'aaaa0011-0000-4000-8000-000000000011';
const CONFIDENTIAL = 'aaaa0012-0000-4000-8000-000000000012';
const AZ_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
let twin: Twin;
let aliceId: string;

beforeAll(async () => {
  twin = await startTwin({ clock });
  const objs = twin.service.applyDirectory({
    doc: {
      applications: [
        { displayName: 'tv-app', appId: PUBLIC, isFallbackPublicClient: true },
        { displayName: 'web-only', appId: CONFIDENTIAL, passwordCredentials: [{ secretText: 'web-secret' }] },
        { displayName: 'orders', identifierUris: ['api://orders'], accessTokenAcceptedVersion: 2, oauth2PermissionScopes: [{ value: 'Orders.Read' }] },
      ],
      users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams', password: 'alice-pw' }],
    },
  });
  aliceId = objs.find((o) => o.kind === 'user')!.objectId;
});
afterAll(async () => {
  await twin.close();
});

type Json = Record<string, unknown>;
const PAGE = '/common/oauth2/deviceauth';

async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${twin.origin}${path}`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Json };
}
const devicecode = (form: Record<string, string>, v: 1 | 2 = 2) => post(`/${TENANT_ID}/oauth2/${v === 2 ? 'v2.0/' : ''}devicecode`, form);
const token = (form: Record<string, string>, v: 1 | 2 = 2, tenant = TENANT_ID) => post(`/${tenant}/oauth2/${v === 2 ? 'v2.0/' : ''}token`, form);

async function page(form?: Record<string, string>, path = PAGE): Promise<{ status: number; html: string }> {
  const res = await fetch(`${twin.origin}${path}`, form ? { method: 'POST', body: new URLSearchParams(form) } : {});
  return { status: res.status, html: await res.text() };
}

/** What a browser does: open the page, enter the user code, sign in with the form it gets. */
async function approve(userCode: string, username = 'alice@contoso.test', password = 'alice-pw'): Promise<string> {
  const first = await page();
  expect(first.html).toContain('name="otc"');
  const form = await page({ otc: userCode });
  const ctx = /name="ctx" value="([^"]+)"/.exec(form.html)?.[1];
  expect(ctx, form.html).toBeDefined();
  return (await page({ ctx: ctx!, username, password })).html;
}

/** Entra's error body for `code`, with its CRLF trailer built from the body's own ids. */
function stsBody(error: string, code: number, text: string, b: Json): Json {
  return {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${String(b.trace_id)}\r\nCorrelation ID: ${String(b.correlation_id)}\r\nTimestamp: ${String(b.timestamp)}`,
    error_codes: [code],
    timestamp: '2026-11-30 12:00:00Z',
    trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    correlation_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}
const PENDING = 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.';
const EXPIRED = "The provided value for the input parameter 'device_code' is not valid. This device code has expired.";

describe('device authorization endpoint', () => {
  it('v2: device_code, a 9-character user code, the verification page on the host asked, 900 s, 5 s, Entra\'s message', async () => {
    const r = await devicecode({ client_id: PUBLIC, scope: 'api://orders/Orders.Read openid profile offline_access' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['user_code', 'device_code', 'verification_uri', 'expires_in', 'interval', 'message']);
    const userCode = r.body.user_code as string;
    expect(userCode).toMatch(/^[A-Z2-9]{9}$/);
    expect(r.body.device_code).toMatch(/^DAQABIQEAAAD[A-Za-z0-9_-]{43}$/);
    expect(r.body).toMatchObject({ verification_uri: `${twin.origin}${PAGE}`, expires_in: 900, interval: 5 });
    expect(r.body.message).toBe(`To sign in, use a web browser to open the page ${twin.origin}${PAGE} and enter the code ${userCode} to authenticate.`);
  });

  it('v1: verification_url and numbers as strings, for a resource', async () => {
    const r = await devicecode({ client_id: PUBLIC, resource: 'api://orders' }, 1);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['user_code', 'device_code', 'verification_url', 'expires_in', 'interval', 'message']);
    expect(r.body).toMatchObject({ verification_url: `${twin.origin}${PAGE}`, expires_in: '900', interval: '5' });
  });

  it('inside the twin (Host login.microsoftonline.com) the verification page is Entra\'s host', async () => {
    const body = await new Promise<Json>((resolve, reject) => {
      const u = new URL(twin.origin);
      const req = httpRequest({ host: u.hostname, port: u.port, path: `/${TENANT_ID}/oauth2/v2.0/devicecode`, method: 'POST', headers: { host: 'login.microsoftonline.com', 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json));
      });
      req.on('error', reject);
      req.end(new URLSearchParams({ client_id: PUBLIC, scope: 'openid' }).toString());
    });
    expect(body.verification_uri).toBe('https://login.microsoftonline.com/common/oauth2/deviceauth');
  });

  it('refuses as Entra does: no client_id, unknown client, no scope, resource on v2, unknown scope, GET', async () => {
    const none = await devicecode({ scope: 'openid' });
    expect(none).toEqual({ status: 400, body: stsBody('invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.", none.body) });
    const unknown = await devicecode({ client_id: 'aaaa0099-0000-4000-8000-000000000099', scope: 'openid' });
    expect(unknown.body).toEqual(
      stsBody(
        'unauthorized_client',
        700016,
        `Application with identifier 'aaaa0099-0000-4000-8000-000000000099' was not found in the directory '${TENANT_ID}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        unknown.body,
      ),
    );
    const noScope = await devicecode({ client_id: PUBLIC });
    expect(noScope.body).toEqual(stsBody('invalid_request', 900144, "The request body must contain the following parameter: 'scope'.", noScope.body));
    const v1NoResource = await devicecode({ client_id: PUBLIC }, 1);
    expect(v1NoResource.body).toEqual(stsBody('invalid_request', 900144, "The request body must contain the following parameter: 'resource'.", v1NoResource.body));
    const resource = await devicecode({ client_id: PUBLIC, scope: 'openid', resource: 'api://orders' });
    expect(resource.body).toEqual(stsBody('invalid_request', 901002, "The 'resource' request parameter is not supported.", resource.body));
    const scope = await devicecode({ client_id: PUBLIC, scope: 'api://orders/Orders.Delete' });
    expect(scope.body).toEqual(stsBody('invalid_scope', 650053, "The application asked for scope 'Orders.Delete' that doesn't exist on the resource 'api://orders'. Contact the app vendor.", scope.body));
    const get = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/devicecode`);
    const getBody = (await get.json()) as Json;
    expect(get.status).toBe(400);
    expect(getBody).toEqual(stsBody('invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.', getBody));
  });
});

describe('polling and the verification page', () => {
  it('pending until the user signs in on the page; then the tokens once (access, ID, refresh), a refresh works', async () => {
    const scope = 'api://orders/Orders.Read openid profile offline_access';
    const d = (await devicecode({ client_id: PUBLIC, scope })).body;
    const poll = () => token({ grant_type: DEVICE_GRANT, client_id: PUBLIC, device_code: d.device_code as string });
    const pending = await poll();
    expect(pending).toEqual({ status: 400, body: stsBody('authorization_pending', 70016, PENDING, pending.body) });

    // A wrong code, then the right one in lower case with a dash (as a user types it).
    expect((await page({ otc: 'ZZZZZZZZZ' })).html).toContain("That code didn&#39;t work. Check the code and try again.");
    const typed = `${(d.user_code as string).slice(0, 4).toLowerCase()}-${(d.user_code as string).slice(4).toLowerCase()}`;
    const form = await page({ otc: typed });
    expect(form.html).toContain('Are you trying to sign in to tv-app?');
    expect(form.html).toMatch(/<input type="email" id="username" name="username"/);
    expect(form.html).toContain('id="idBtn_Back">Cancel</button>');
    const ctx = /name="ctx" value="([^"]+)"/.exec(form.html)![1]!;
    const wrong = await page({ ctx, username: 'alice@contoso.test', password: 'nope' });
    expect(wrong.html).toContain('AADSTS50126: Error validating credentials due to invalid username or password.');
    expect((await poll()).body.error).toBe('authorization_pending');
    const done = await page({ ctx, username: 'alice@contoso.test', password: 'alice-pw' });
    expect(done.html).toContain('You have signed in to the tv-app application on your device. You may now close this window.');

    const ok = await poll();
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'id_token', 'refresh_token', 'scope', 'token_type']);
    expect(ok.body.scope).toBe('api://orders/Orders.Read openid profile offline_access');
    const access = decodeJwt(ok.body.access_token as string).payload;
    expect(access).toMatchObject({ ver: '2.0', azp: PUBLIC, azpacr: '0', oid: aliceId, scp: 'Orders.Read', preferred_username: 'alice@contoso.test', tid: TENANT_ID });
    expect(decodeJwt(ok.body.id_token as string).payload).toMatchObject({ aud: PUBLIC, oid: aliceId, preferred_username: 'alice@contoso.test' });

    const again = await poll();
    expect(again.body).toEqual(stsBody('bad_verification_code', 70018, "The provided value for the input parameter 'device_code' is not valid. The device code is unknown or was already redeemed.", again.body));
    const refreshed = await token({ grant_type: 'refresh_token', client_id: PUBLIC, refresh_token: ok.body.refresh_token as string, scope });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token as string).payload).toMatchObject({ oid: aliceId, scp: 'Orders.Read' });
  });

  it('Cancel on the page → authorization_declined; the code is answered (the page refuses it again)', async () => {
    const d = (await devicecode({ client_id: PUBLIC, scope: 'openid' })).body;
    const form = await page({ otc: d.user_code as string });
    const ctx = /name="ctx" value="([^"]+)"/.exec(form.html)![1]!;
    expect((await page({ ctx, decline: '1' })).html).toContain('You have declined to sign in');
    const r = await token({ grant_type: DEVICE_GRANT, client_id: PUBLIC, device_code: d.device_code as string });
    expect(r.body).toEqual(stsBody('authorization_declined', 70017, 'OAuth 2.0 device flow error. The user declined the authorization request.', r.body));
    expect((await page({ otc: d.user_code as string })).html).toContain("That code didn&#39;t work.");
  });

  it('after 15 minutes: expired_token (v2), code_expired (v1), and the page says the code has expired', async () => {
    const v2 = (await devicecode({ client_id: PUBLIC, scope: 'openid' })).body;
    const v1 = (await devicecode({ client_id: PUBLIC, resource: 'api://orders' }, 1)).body;
    clock.advance(901_000);
    try {
      expect((await page({ otc: v2.user_code as string })).html).toContain('That code has expired.');
      const r2 = await token({ grant_type: DEVICE_GRANT, client_id: PUBLIC, device_code: v2.device_code as string });
      expect(r2.body).toEqual({ ...stsBody('expired_token', 70020, EXPIRED, r2.body), timestamp: '2026-11-30 12:15:01Z' });
      const r1 = await token({ grant_type: 'device_code', client_id: PUBLIC, code: v1.device_code as string, resource: 'api://orders' }, 1);
      expect(r1.body).toEqual({ ...stsBody('code_expired', 70020, EXPIRED, r1.body), timestamp: '2026-11-30 12:15:01Z' });
    } finally {
      clock.advance(-901_000);
    }
  });

  it('v1: grant_type device_code with code; a missing code is AADSTS900144; the tokens in v1\'s shape; v2 takes the short grant type too', async () => {
    const d = (await devicecode({ client_id: PUBLIC, resource: 'api://orders' }, 1)).body;
    const missing = await token({ grant_type: 'device_code', client_id: PUBLIC, device_code: d.device_code as string, resource: 'api://orders' }, 1);
    expect(missing.body).toEqual(stsBody('invalid_request', 900144, "The request body must contain the following parameter: 'code'.", missing.body));
    expect(await approve(d.user_code as string)).toContain('You have signed in');
    const ok = await token({ grant_type: 'device_code', client_id: PUBLIC, code: d.device_code as string, resource: 'api://orders' }, 1);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', resource: 'api://orders', expires_in: expect.stringMatching(/^\d+$/), refresh_token: expect.any(String), id_token: expect.any(String) });
    // msal-node polls v2 with the short grant type name too.
    const v2 = (await devicecode({ client_id: PUBLIC, scope: 'openid' })).body;
    expect((await token({ grant_type: 'device_code', client_id: PUBLIC, device_code: v2.device_code as string })).body.error).toBe('authorization_pending');
  });

  it('an unknown device code, or one polled by another client, is bad_verification_code', async () => {
    const d = (await devicecode({ client_id: PUBLIC, scope: 'openid' })).body;
    const other = await token({ grant_type: DEVICE_GRANT, client_id: AZ_CLI, device_code: d.device_code as string });
    expect(other.body.error).toBe('bad_verification_code');
    expect((await token({ grant_type: DEVICE_GRANT, client_id: PUBLIC, device_code: d.device_code as string })).body.error).toBe('authorization_pending');
  });
});

describe('public client rules', () => {
  it('an app without "Allow public client flows" polling without a credential: AADSTS7000218; with its secret: tokens (appidacr 1)', async () => {
    const d = (await devicecode({ client_id: CONFIDENTIAL, scope: 'api://orders/Orders.Read openid' })).body;
    const r = await token({ grant_type: DEVICE_GRANT, client_id: CONFIDENTIAL, device_code: d.device_code as string });
    expect(r).toEqual({ status: 401, body: stsBody('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", r.body) });
    await approve(d.user_code as string);
    const ok = await token({ grant_type: DEVICE_GRANT, client_id: CONFIDENTIAL, client_secret: 'web-secret', device_code: d.device_code as string });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token as string).payload).toMatchObject({ azp: CONFIDENTIAL, azpacr: '1', oid: aliceId });
  });

  it("the Azure CLI's client id is a public client in every tenant (no registration), also through organizations", async () => {
    const d = await post('/organizations/oauth2/v2.0/devicecode', { client_id: AZ_CLI, scope: 'https://management.core.windows.net//.default offline_access openid profile' });
    expect(d.status).toBe(200);
    const form = await page({ otc: d.body.user_code as string });
    expect(form.html).toContain('Are you trying to sign in to Microsoft Azure CLI?');
    await approve(d.body.user_code as string);
    const ok = await token({ grant_type: DEVICE_GRANT, client_id: AZ_CLI, device_code: d.body.device_code as string, client_info: '1' }, 2, 'organizations');
    expect(ok.status).toBe(200);
    expect(ok.body.client_info).toBe(Buffer.from(JSON.stringify({ uid: aliceId, utid: TENANT_ID })).toString('base64url'));
    expect(decodeJwt(ok.body.access_token as string).payload).toMatchObject({ aud: 'https://management.core.windows.net/', appid: AZ_CLI, appidacr: '0', oid: aliceId, upn: 'alice@contoso.test', scp: 'user_impersonation', ver: '1.0' });
  });
});
