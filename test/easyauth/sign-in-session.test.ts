/**
 * Easy Auth sign-in sessions on the twin's token service, driven like a browser (a cookie jar, redirects
 * followed by hand, forms posted as a browser posts them): RedirectToLoginPage → /.auth/login/aad → the Entra
 * twin's sign-in page → /.auth/login/aad/callback → AppServiceAuthSession → the function sees the user.
 * Also /.auth/me, /.auth/refresh, /.auth/logout and its allow-list, the CSRF guard, client-directed login and
 * X-ZUMO-AUTH.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { decodeJwt } from 'jose';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';
import { Browser } from './helpers/browser.js';

const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
const CLIENT = '7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918';
const SECRET = 'easy-auth-client-secret';
const CALLER = '7e6d5c4b-3a29-4180-9f7e-000000000ca1';

type Json = Record<string, any>;

describe('Easy Auth sign-in sessions', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let site: string;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-signin-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000001', resourceGroup: 'rg-signin', location: 'northeurope', clock: systemClock, ids: randomIds, logger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: Json[] };
    const siteRes = t.resources.find((r) => r.type === 'Microsoft.Web/sites')!;
    siteRes.properties.siteConfig.appSettings.push({ name: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', value: SECRET });
    const auth = t.resources.find((r) => r.type === 'Microsoft.Web/sites/config')!.properties;
    auth.globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage';
    auth.identityProviders.azureActiveDirectory.registration.clientSecretSettingName = 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET';
    auth.identityProviders.azureActiveDirectory.login = { loginParameters: ['scope=openid profile email offline_access'] };
    auth.login.allowedExternalRedirectUrls = ['https://allowed.example/after'];
    await twin.deploy({ deploymentName: 'signin', template: t as never, parameters: { sites_function_name: { value: 'signin-fn' }, apimServiceName: { value: 'signin-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    twin.identity.applyDirectory({
      doc: {
        applications: [
          { displayName: 'signin-fn', appId: CLIENT, passwordCredentials: [{ secretText: SECRET }], redirectUris: ['https://127.0.0.1/.auth/login/aad/callback'] },
          { displayName: 'caller', appId: CALLER, passwordCredentials: [{ secretText: 'caller-secret' }] },
        ],
        users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice', password: 'alice-pw' }],
      },
    });
    site = twin.ready().sites['signin-fn']!.url;
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sign alice in through the whole browser flow; returns the browser and the function's view of the request. */
  async function signIn(): Promise<{ b: Browser; fn: Json }> {
    const b = new Browser(tls);
    const first = await b.go(`${site}/api/hello?x=1`);
    expect(first.status).toBe(302);
    expect(first.location).toBe(`${site}/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fhello%3Fx%3D1`);
    const login = await b.go(first.location!);
    expect(login.status).toBe(302);
    const authorize = new URL(login.location!);
    // A URL a browser on this machine can follow: the identity listener, not login.microsoftonline.com.
    expect(authorize.origin).toBe(new URL(twin.ready().identity.authority).origin);
    expect(authorize.pathname).toBe(`/${TENANT}/oauth2/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code id_token',
      redirect_uri: `${site}/.auth/login/aad/callback`,
      client_id: CLIENT,
      scope: 'openid profile email offline_access',
      response_mode: 'form_post',
      state: 'redir=%2Fapi%2Fhello%3Fx%3D1',
    });
    expect(authorize.searchParams.get('nonce')).toMatch(/^[0-9a-f]{32}_\d{14}$/);
    const page = await b.go(login.location!);
    expect(page.status).toBe(200);
    const ctx = /name="ctx" value="([^"]+)"/.exec(page.text)![1]!;
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(page.text)![1]!, login.location!).toString();
    const posted = await b.go(action, { form: { ctx, username: 'alice@contoso.test', password: 'alice-pw' } });
    expect(posted.status).toBe(200);
    const formAction = /<form method="POST" name="hiddenform" action="([^"]+)"/.exec(posted.text)![1]!.replace(/&amp;/g, '&');
    const fields = Object.fromEntries([...posted.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    expect(Object.keys(fields)).toEqual(['code', 'id_token', 'state', 'session_state']);
    const callback = await b.go(formAction, { form: fields, headers: { origin: new URL(login.location!).origin } });
    expect(callback.status).toBe(302);
    expect(callback.location).toBe(`${site}/api/hello?x=1`);
    expect(String(callback.set)).toMatch(/^AppServiceAuthSession=[A-Za-z0-9_-]+; expires=.+; path=\/; secure; HttpOnly; SameSite=None$/);
    const back = await b.go(callback.location!);
    expect(back.status).toBe(200);
    return { b, fn: JSON.parse(back.text) as Json };
  }

  it('a directory user signs in and reaches the function with the user\'s principal and the token store headers', async () => {
    const { fn } = await signIn();
    expect(fn.path).toBe('/api/hello');
    expect(fn.headers['x-ms-client-principal-name']).toBe('alice@contoso.test');
    expect(fn.headers['x-ms-client-principal-idp']).toBe('aad');
    const principal = JSON.parse(Buffer.from(fn.headers['x-ms-client-principal'], 'base64').toString()) as { auth_typ: string; claims: Array<{ typ: string; val: string }> };
    expect(principal.auth_typ).toBe('aad');
    expect(principal.claims).toEqual(expect.arrayContaining([{ typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', val: 'alice@contoso.test' }, { typ: 'name', val: 'Alice' }]));
    expect(fn.headers['x-ms-client-principal-id']).toBe(principal.claims.find((c) => c.typ === 'http://schemas.microsoft.com/identity/claims/objectidentifier')!.val);
    expect(decodeJwt(fn.headers['x-ms-token-aad-id-token'])).toMatchObject({ aud: CLIENT, upn: 'alice@contoso.test', iss: `https://sts.windows.net/${TENANT}/` });
    expect(decodeJwt(fn.headers['x-ms-token-aad-access-token'])).toMatchObject({ upn: 'alice@contoso.test' });
    expect(fn.headers['x-ms-token-aad-refresh-token']).toEqual(expect.any(String));
    expect(fn.headers['x-ms-token-aad-expires-on']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z$/);
    expect(fn.headers.cookie).toMatch(/AppServiceAuthSession=/);
  });

  it('/.auth/me lists the token store entry; /.auth/refresh renews the tokens', async () => {
    const { b } = await signIn();
    const me = await b.go(`${site}/.auth/me`);
    expect(me.status).toBe(200);
    const [entry] = JSON.parse(me.text) as Json[];
    expect(Object.keys(entry!)).toEqual(['access_token', 'expires_on', 'id_token', 'provider_name', 'refresh_token', 'user_claims', 'user_id']);
    expect(entry).toMatchObject({ provider_name: 'aad', user_id: 'alice@contoso.test' });
    const refreshed = await b.go(`${site}/.auth/refresh`);
    expect(refreshed.status).toBe(200);
    const [after] = JSON.parse((await b.go(`${site}/.auth/me`)).text) as Json[];
    expect(after!.access_token).not.toBe(entry!.access_token);
  });

  it('the CSRF guard: a browser POST with the session cookie needs a same-site Origin or Referer', async () => {
    const { b } = await signIn();
    expect((await b.go(`${site}/api/hello`, { method: 'POST', json: { a: 1 } })).status).toBe(403);
    expect((await b.go(`${site}/api/hello`, { method: 'POST', json: { a: 1 }, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await b.go(`${site}/api/hello`, { method: 'POST', json: { a: 1 }, headers: { origin: site } })).status).toBe(200);
    expect((await b.go(`${site}/api/hello`, { method: 'POST', json: { a: 1 }, headers: { referer: `${site}/page` } })).status).toBe(200);
    expect((await b.go(`${site}/api/hello`, { method: 'POST', json: { a: 1 }, headers: { 'user-agent': 'curl/8' } })).status).toBe(200);
  });

  it('logout: foreign post_logout_redirect_uri refused, allow-listed followed, default /.auth/logout/complete; the session ends', async () => {
    const { b } = await signIn();
    expect((await b.go(`${site}/.auth/logout?post_logout_redirect_uri=https://evil.example/`)).status).toBe(400);
    expect((await b.go(`${site}/api/hello`)).status).toBe(200);
    const out = await b.go(`${site}/.auth/logout`);
    expect([out.status, out.location]).toEqual([302, `${site}/.auth/logout/complete`]);
    expect(b.cookies.has('AppServiceAuthSession')).toBe(false);
    expect((await b.go(out.location!)).status).toBe(200);
    expect((await b.go(`${site}/api/hello`)).status).toBe(302);
    const { b: b2 } = await signIn();
    const stolen = new Map(b2.cookies);
    const allowed = await b2.go(`${site}/.auth/logout?post_logout_redirect_uri=${encodeURIComponent('https://allowed.example/after?x=1')}`);
    expect([allowed.status, allowed.location]).toEqual([302, 'https://allowed.example/after?x=1']);
    const replay = new Browser(tls);
    replay.cookies = stolen;
    expect((await replay.go(`${site}/api/hello`)).status).toBe(302);
  });

  it('client-directed login: POST /.auth/login/aad with an access token → authenticationToken for X-ZUMO-AUTH', async () => {
    const b = new Browser(tls);
    const missing = await b.go(`${site}/.auth/login/aad`, { json: {} });
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.text)).toEqual({ code: 400, message: "'access_token' field is required." });
    const tokenRes = await request(`${twin.ready().identity.authority}/oauth2/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CALLER, client_secret: 'caller-secret', resource: CLIENT }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: tls });
    const accessToken = ((await tokenRes.body.json()) as Json).access_token as string;
    const login = await b.go(`${site}/.auth/login/aad`, { json: { access_token: accessToken } });
    expect(login.status).toBe(200);
    const body = JSON.parse(login.text) as { authenticationToken: string; user: { userId: string } };
    expect(body.user.userId).toMatch(/^sid:[0-9a-f]{32}$/);
    const zumo = { 'x-zumo-auth': body.authenticationToken, 'user-agent': 'client/1' };
    const me = await b.go(`${site}/.auth/me`, { headers: zumo });
    expect(me.status).toBe(200);
    expect((JSON.parse(me.text) as Json[])[0]!.access_token).toBe(accessToken);
    const fn = await b.go(`${site}/api/hello`, { headers: zumo });
    expect(fn.status).toBe(200);
    expect(JSON.parse(fn.text).headers['x-ms-client-principal-id']).toBe(decodeJwt(accessToken).oid);
    // A garbage X-ZUMO-AUTH is a 401 even though the action is RedirectToLoginPage (T39).
    expect((await b.go(`${site}/api/hello`, { headers: { 'x-zumo-auth': 'garbage' } })).status).toBe(401);
    // The cookie value and the X-ZUMO-AUTH token are not interchangeable.
    expect((await b.go(`${site}/api/hello`, { headers: { cookie: `AppServiceAuthSession=${body.authenticationToken}` } })).status).toBe(302);
    // A bad access token is refused.
    expect((await b.go(`${site}/.auth/login/aad`, { json: { access_token: accessToken.slice(0, -4) + 'AAAA' } })).status).toBe(401);
  });

  it('post_login_redirect_uri must stay on the site or be allow-listed; a wrong password keeps the user on the form', async () => {
    const b = new Browser(tls);
    expect((await b.go(`${site}/.auth/login/aad?post_login_redirect_uri=https://evil.example/`)).status).toBe(400);
    const login = await b.go(`${site}/.auth/login/aad?post_login_redirect_uri=/api/hello`);
    const page = await b.go(login.location!);
    const ctx = /name="ctx" value="([^"]+)"/.exec(page.text)![1]!;
    const action = new URL(/<form method="post" action="([^"]+)"/.exec(page.text)![1]!, login.location!).toString();
    const wrong = await b.go(action, { form: { ctx, username: 'alice@contoso.test', password: 'nope' } });
    expect(wrong.status).toBe(200);
    expect(wrong.text).toContain('AADSTS50126');
  });
});
