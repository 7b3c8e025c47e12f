// User flows over raw HTTP: the authorize endpoint and its sign-in form, authorization code + PKCE,
// refresh tokens, implicit/hybrid form_post, delegated scopes and user claims; certificate client assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { ManualClock, createSigningCertificate } from '../../src/core/index.js';
import { TENANT_ID, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0) / 1000;
const WEB = 'aaaa0001-0000-4000-8000-000000000001';
const SPA = 'aaaa0002-0000-4000-8000-000000000002';
const CERT_APP = 'aaaa0003-0000-4000-8000-000000000003';
let twin: Twin;
let ordersAppId: string;
let aliceId: string;
let adminsId: string;
let certPem: { cert: string; key: string };

beforeAll(async () => {
  twin = await startTwin({ clock });
  certPem = await createSigningCertificate('client-assertion-test', new Date(clock.now()));
  const objs = twin.service.applyDirectory({
    doc: {
      applications: [
        { displayName: 'web', appId: WEB, passwordCredentials: [{ secretText: 'web-secret' }], redirectUris: ['https://app.example/cb', 'http://localhost/cb'] },
        { displayName: 'spa', appId: SPA, redirectUris: ['http://localhost/spa'] },
        { displayName: 'cert-client', appId: CERT_APP, keyCredentials: [{ certificate: certPem.cert }] },
        {
          displayName: 'orders',
          identifierUris: ['api://orders'],
          accessTokenAcceptedVersion: 2,
          oauth2PermissionScopes: [{ value: 'Orders.Read' }, { value: 'Orders.Write' }],
          appRoles: [{ value: 'Admin', allowedMemberTypes: ['User'] }, { value: 'Reader' }],
          groupMembershipClaims: 'SecurityGroup',
        },
        { displayName: 'legacy', identifierUris: ['https://legacy.contoso.test'] },
      ],
      users: [
        { userPrincipalName: 'alice@contoso.test', displayName: 'Alice Adams', password: 'alice-pw' },
        { userPrincipalName: 'nopass@contoso.test' },
      ],
      groups: [{ displayName: 'admins', members: ['alice@contoso.test'] }],
      appRoleAssignments: [
        { principal: 'admins', resource: 'orders', role: 'Admin' },
        { principal: 'cert-client', resource: 'orders', role: 'Reader' },
      ],
    },
  });
  ordersAppId = objs.find((o) => o.displayName === 'orders')!.appId;
  aliceId = objs.find((o) => o.kind === 'user' && o.userPrincipalName === 'alice@contoso.test')!.objectId;
  adminsId = objs.find((o) => o.kind === 'group')!.objectId;
});
afterAll(async () => {
  await twin.close();
});

const authorizePath = (v: 1 | 2) => `/${TENANT_ID}/oauth2/${v === 2 ? 'v2.0/' : ''}authorize`;
const pkce = { verifier: 'a-verifier-of-more-than-forty-three-characters-0123456789' };
const challenge = createHash('sha256').update(pkce.verifier).digest('base64url');

async function authorize(params: Record<string, string>, v: 1 | 2 = 2): Promise<{ status: number; html: string; ctx?: string }> {
  const res = await fetch(`${twin.origin}${authorizePath(v)}?${new URLSearchParams(params)}`, { redirect: 'manual' });
  const html = await res.text();
  const ctx = /name="ctx" value="([^"]+)"/.exec(html)?.[1];
  return { status: res.status, html, ...(ctx ? { ctx } : {}) };
}

async function signIn(ctx: string, username: string, password: string, v: 1 | 2 = 2): Promise<Response> {
  return fetch(`${twin.origin}${authorizePath(v)}`, { method: 'POST', body: new URLSearchParams({ ctx, username, password }), redirect: 'manual' });
}

async function token(form: Record<string, string>, v: 1 | 2 = 2): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/${v === 2 ? 'v2.0/' : ''}token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sign-in for the public client: returns the code. */
async function codeFor(scope: string, extra: Record<string, string> = {}): Promise<string> {
  const a = await authorize({ client_id: SPA, response_type: 'code', redirect_uri: 'http://localhost:5173/spa', scope, state: 's1', code_challenge: challenge, code_challenge_method: 'S256', ...extra });
  const r = await signIn(a.ctx!, 'alice@contoso.test', 'alice-pw');
  return new URL(r.headers.get('location')!).searchParams.get('code')!;
}

describe('authorize endpoint and the sign-in page', () => {
  it('shows a form with username and password fields, the directory users, login_hint pre-filled', async () => {
    const a = await authorize({ client_id: SPA, response_type: 'code', redirect_uri: 'http://localhost/spa', scope: 'openid', login_hint: 'alice@contoso.test' });
    expect(a.status).toBe(200);
    expect(a.html).toMatch(/<form method="post" action="\/11111111-2222-3333-4444-555555555555\/oauth2\/v2\.0\/authorize"/);
    expect(a.html).toMatch(/<input type="email" id="username" name="username" value="alice@contoso\.test"/);
    expect(a.html).toMatch(/<input type="password" id="password" name="password"/);
    expect(a.html).toContain('<td class="upn">alice@contoso.test</td><td>Alice Adams</td>');
    expect(a.html).toContain('nopass@contoso.test</td><td>nopass</td><td>no password: cannot sign in');
  });

  it('a wrong password (or a user without one) shows the form again with AADSTS50126', async () => {
    const a = await authorize({ client_id: SPA, response_type: 'code', redirect_uri: 'http://localhost/spa', scope: 'openid' });
    for (const [u, p] of [['alice@contoso.test', 'nope'], ['nopass@contoso.test', ''], ['ghost@contoso.test', 'x']]) {
      const r = await signIn(a.ctx!, u!, p!);
      expect(r.status).toBe(200);
      const html = await r.text();
      expect(html).toContain('<p id="error" role="alert">AADSTS50126: Error validating credentials due to invalid username or password.</p>');
      expect(html).toContain(`value="${u}"`);
    }
  });

  it('an unknown client, an unregistered redirect URI: an error page, no redirect', async () => {
    const unknown = await authorize({ client_id: '99999999-0000-4000-8000-000000000000', response_type: 'code', redirect_uri: 'http://localhost/spa', scope: 'openid' });
    expect(unknown.status).toBe(400);
    expect(unknown.html).toContain('AADSTS700016');
    const evil = await authorize({ client_id: SPA, response_type: 'code', redirect_uri: 'https://evil.example/spa', scope: 'openid' });
    expect(evil.status).toBe(400);
    expect(evil.html).toContain("AADSTS50011: The redirect URI &#39;https://evil.example/spa&#39; specified in the request does not match");
  });

  it('errors after the redirect URI is trusted go back to the client (scope of two resources → AADSTS28000)', async () => {
    const r = await fetch(`${twin.origin}${authorizePath(2)}?${new URLSearchParams({ client_id: SPA, response_type: 'code', redirect_uri: 'http://localhost/spa', scope: 'api://orders/Orders.Read https://legacy.contoso.test/x', state: 'st' })}`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    const back = new URL(r.headers.get('location')!);
    expect(back.origin + back.pathname).toBe('http://localhost/spa');
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    // Entra's whole description: the message, then CRLF-separated Trace ID, Correlation ID and Timestamp lines.
    expect(back.searchParams.get('error_description')).toMatch(/^AADSTS28000: [^\r\n]+\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(back.searchParams.get('state')).toBe('st');
  });
});

describe('authorization code + PKCE (public client)', () => {
  it('issues v2 user tokens with the user\'s claims; id token with nonce; refresh token; client_info', async () => {
    const code = await codeFor('api://orders/Orders.Read openid profile offline_access', { nonce: 'n-1' });
    const r = await token({ grant_type: 'authorization_code', client_id: SPA, code, redirect_uri: 'http://localhost:5173/spa', code_verifier: pkce.verifier, scope: 'api://orders/Orders.Read openid profile offline_access', client_info: '1' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['token_type', 'scope', 'expires_in', 'ext_expires_in', 'access_token', 'refresh_token', 'id_token', 'client_info']);
    expect(r.body.scope).toBe('api://orders/Orders.Read openid profile offline_access');
    expect(r.body.expires_in).toBeGreaterThanOrEqual(3600);
    expect(r.body.expires_in).toBeLessThanOrEqual(5400);
    const at = decodeJwt(String(r.body.access_token));
    expect(Object.keys(at.payload)).toEqual(['aud', 'iss', 'iat', 'nbf', 'exp', 'aio', 'azp', 'azpacr', 'groups', 'name', 'oid', 'preferred_username', 'rh', 'roles', 'scp', 'sub', 'tid', 'uti', 'ver', 'xms_tcdt']);
    expect(at.payload).toMatchObject({
      aud: ordersAppId,
      iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      iat: NOW - 300,
      azp: SPA,
      azpacr: '0',
      groups: [adminsId],
      name: 'Alice Adams',
      oid: aliceId,
      preferred_username: 'alice@contoso.test',
      roles: ['Admin'],
      scp: 'Orders.Read',
      tid: TENANT_ID,
      ver: '2.0',
    });
    expect(String(at.payload.sub)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = decodeJwt(String(r.body.id_token));
    expect(id.payload).toMatchObject({ aud: SPA, nonce: 'n-1', oid: aliceId, preferred_username: 'alice@contoso.test', ver: '2.0', exp: NOW + 3600 });
    expect(id.payload.sub).toBe(at.payload.sub);
    expect(JSON.parse(Buffer.from(String(r.body.client_info), 'base64url').toString())).toEqual({ uid: aliceId, utid: TENANT_ID });

    // The refresh token gets a v1 token for another resource: upn, unique_name, amr, scp user_impersonation.
    const refreshed = await token({ grant_type: 'refresh_token', client_id: SPA, refresh_token: String(r.body.refresh_token), scope: 'https://legacy.contoso.test/.default' });
    expect(refreshed.status).toBe(200);
    const v1 = decodeJwt(String(refreshed.body.access_token)).payload;
    expect(v1).toMatchObject({ aud: 'https://legacy.contoso.test', iss: `https://sts.windows.net/${TENANT_ID}/`, appid: SPA, appidacr: '0', acr: '1', amr: ['pwd'], upn: 'alice@contoso.test', unique_name: 'alice@contoso.test', scp: 'user_impersonation', ver: '1.0' });
    expect(v1.ipaddr).toMatch(/127\.0\.0\.1/);
    expect(refreshed.body.refresh_token).toEqual(expect.any(String));
  });

  it('PKCE mismatch → AADSTS501481; a code is good once (AADSTS54005) and for 10 minutes (AADSTS70008)', async () => {
    const code = await codeFor('openid');
    const base = { grant_type: 'authorization_code', client_id: SPA, code, redirect_uri: 'http://localhost:5173/spa' };
    const wrong = await token({ ...base, code_verifier: 'x'.repeat(50) });
    expect([wrong.status, wrong.body.error, wrong.body.error_codes]).toEqual([400, 'invalid_grant', [501481]]);
    const code2 = await codeFor('openid');
    const ok = await token({ ...base, code: code2, code_verifier: pkce.verifier });
    expect(ok.status).toBe(200);
    const again = await token({ ...base, code: code2, code_verifier: pkce.verifier });
    expect(again.body.error_codes).toEqual([54005]);
    const code3 = await codeFor('openid');
    clock.advance(11 * 60_000);
    const late = await token({ ...base, code: code3, code_verifier: pkce.verifier });
    expect(late.body.error_codes).toEqual([70008]);
  });

  it('refresh tokens live 90 days; redeemed cross-origin (a single-page app) 24 h', async () => {
    const redeem = async (origin?: string) => {
      const code = await codeFor('openid offline_access');
      const form = { grant_type: 'authorization_code', client_id: SPA, code, redirect_uri: 'http://localhost:5173/spa', code_verifier: pkce.verifier, scope: 'openid offline_access' };
      const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams(form), headers: origin ? { origin } : {} });
      return String(((await res.json()) as Record<string, unknown>).refresh_token);
    };
    const refresh = async (rt: string) => (await token({ grant_type: 'refresh_token', client_id: SPA, refresh_token: rt, scope: 'openid offline_access' })).body;
    const spa = await redeem('http://localhost:5173');
    const native = await redeem();
    clock.advance(24 * 3600_000 + 60_000);
    expect((await refresh(spa)).error_codes).toEqual([70008]);
    const later = await refresh(native);
    expect(later.refresh_token).toEqual(expect.any(String));
    clock.advance(89 * 24 * 3600_000);
    expect((await refresh(native)).error_codes).toEqual([70008]);
    expect((await refresh(String(later.refresh_token))).refresh_token).toEqual(expect.any(String));
  });

  it('the redirect URI must be the one of the authorize request; without PKCE a client must authenticate', async () => {
    const code = await codeFor('openid');
    const r = await token({ grant_type: 'authorization_code', client_id: SPA, code, redirect_uri: 'http://localhost/other', code_verifier: pkce.verifier });
    expect(r.body.error_codes).toEqual([50011]);
    const a = await authorize({ client_id: WEB, response_type: 'code', redirect_uri: 'https://app.example/cb', scope: 'openid' });
    const signed = await signIn(a.ctx!, 'alice@contoso.test', 'alice-pw');
    const webCode = new URL(signed.headers.get('location')!).searchParams.get('code')!;
    const noSecret = await token({ grant_type: 'authorization_code', client_id: WEB, code: webCode, redirect_uri: 'https://app.example/cb' });
    expect([noSecret.status, noSecret.body.error_codes]).toEqual([401, [7000218]]);
  });
});

describe('confidential web app: hybrid form_post, secret redemption', () => {
  it('form_post answers a page posting code, id_token (with c_hash) and state to the redirect URI', async () => {
    const a = await authorize({ client_id: WEB, response_type: 'code id_token', response_mode: 'form_post', redirect_uri: 'https://app.example/cb', scope: 'openid profile email', nonce: 'nn', state: 'redir=%2F' });
    const r = await signIn(a.ctx!, 'alice@contoso.test', 'alice-pw');
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('<form method="POST" name="hiddenform" action="https://app.example/cb">');
    const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(html)?.[1];
    const code = field('code')!;
    const id = decodeJwt(field('id_token')!).payload;
    expect(field('state')).toBe('redir=%2F');
    expect(id).toMatchObject({ aud: WEB, nonce: 'nn', c_hash: createHash('sha256').update(code).digest().subarray(0, 16).toString('base64url') });
    const t = await token({ grant_type: 'authorization_code', client_id: WEB, client_secret: 'web-secret', code, redirect_uri: 'https://app.example/cb', scope: 'openid profile email' });
    expect(t.status).toBe(200);
    // Only OpenID scopes: the access token is for Microsoft Graph.
    expect(decodeJwt(String(t.body.access_token)).payload).toMatchObject({ aud: 'https://graph.microsoft.com', scp: 'User.Read openid profile email', appidacr: '1', ver: '1.0' });
  });

  it('v1 authorize with resource=, loopback redirect port ignored, implicit token in the fragment', async () => {
    const a = await authorize({ client_id: WEB, response_type: 'token', redirect_uri: 'http://localhost:8123/cb', resource: 'api://orders' }, 1);
    expect(a.status).toBe(200);
    const r = await signIn(a.ctx!, 'alice@contoso.test', 'alice-pw', 1);
    expect(r.status).toBe(302);
    const frag = new URLSearchParams(new URL(r.headers.get('location')!).hash.slice(1));
    expect(decodeJwt(frag.get('access_token')!).payload).toMatchObject({ aud: ordersAppId, ver: '2.0', scp: 'Orders.Read Orders.Write' });
    expect(frag.get('token_type')).toBe('Bearer');
  });
});

describe('certificate client assertion (private_key_jwt)', () => {
  const assertion = async (key: string, aud: string, x5t: string, iss = CERT_APP) =>
    new SignJWT({ aud, iss, sub: iss, jti: 'j1' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5t })
      .setIssuedAt(NOW)
      .setNotBefore(NOW)
      .setExpirationTime(NOW + 600)
      .sign(await importPKCS8(key, 'RS256'));

  it('client credentials with a certificate: azpacr/appidacr "2", roles; errors for a wrong key or audience', async () => {
    clock.set(NOW * 1000);
    const x5t = createHash('sha1').update(new X509Certificate(certPem.cert).raw).digest('base64url');
    const aud = `${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`;
    const ok = await token({ grant_type: 'client_credentials', client_id: CERT_APP, scope: 'api://orders/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(certPem.key, aud, x5t) });
    expect(ok.status).toBe(200);
    expect(decodeJwt(String(ok.body.access_token)).payload).toMatchObject({ azp: CERT_APP, azpacr: '2', roles: ['Reader'] });
    const azureAud = await assertion(certPem.key, `https://login.microsoftonline.com/${TENANT_ID}/oauth2/token`, x5t);
    expect((await token({ grant_type: 'client_credentials', client_id: CERT_APP, resource: 'api://orders', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: azureAud }, 1)).status).toBe(200);

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const badSig = await token({ grant_type: 'client_credentials', client_id: CERT_APP, scope: 'api://orders/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(other, aud, x5t) });
    expect([badSig.status, badSig.body.error, badSig.body.error_codes]).toEqual([401, 'invalid_client', [700027]]);
    const unknownCert = await token({ grant_type: 'client_credentials', client_id: CERT_APP, scope: 'api://orders/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(certPem.key, aud, 'AAAA') });
    expect(unknownCert.body.error_codes).toEqual([700027]);
    const wrongAud = await token({ grant_type: 'client_credentials', client_id: CERT_APP, scope: 'api://orders/.default', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion(certPem.key, 'https://elsewhere.example/token', x5t) });
    expect(wrongAud.body.error_codes).toEqual([700212]);
  });
});
