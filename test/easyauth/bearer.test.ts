import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { C, M, O, T, T2, appV2Claims, miV1Claims, newSigningKey, userV2Claims } from './helpers/test-issuer.js';
import { commonSettings, decodePrincipal, useEasyAuthHarness } from './helpers/harness.js';

const WWW = `Bearer realm="fn-trustline.azurewebsites.net" authorization_uri="https://login.microsoftonline.com/${T}/oauth2/v2.0/authorize" resource_id="${C}"`;
const BODY_401 = 'You do not have permission to view this directory or page.';

const ea = useEasyAuthHarness();
const { clock, front, now, bearer } = ea;

describe('unauthenticated requests (docs/behaviour/easyauth.md §8)', () => {
  it('T01: no token → 401 with WWW-Authenticate, app not invoked', async () => {
    const f = await front();
    const before = ea.backend.calls.length;
    const r = await f.get('/api/x');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(WWW);
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.body).toBe(BODY_401);
    expect(ea.backend.calls.length).toBe(before);
    expect(f.traces[0]!.outcome).toBe('rejected');
    expect(f.traces[0]!.status).toBe(401);
  });

  it('T02: disableWWWAuthenticate → 401 without WWW-Authenticate', async () => {
    const s = commonSettings();
    s.identityProviders.azureActiveDirectory.login = { disableWWWAuthenticate: true };
    const r = await (await front(s)).get('/api/x');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBeUndefined();
    const r2 = await (await front(commonSettings(), { appSettings: { WEBSITE_AUTH_DISABLE_WWWAUTHENTICATE: 'true' } })).get('/api/x');
    expect(r2.status).toBe(401);
    expect(r2.headers['www-authenticate']).toBeUndefined();
  });

  it('T03: Return403 → 403', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'Return403';
    const r = await (await front(s)).get('/api/x');
    expect(r.status).toBe(403);
    expect(r.body).toBe(BODY_401);
    expect(r.headers['www-authenticate']).toBeUndefined();
  });

  it('T04/T47: Return404 and file-config RejectWith404 → 404; RejectWith401 ≡ Return401', async () => {
    for (const action of ['Return404', 'RejectWith404', 'rejectwith404']) {
      const s = commonSettings();
      s.globalValidation.unauthenticatedClientAction = action;
      expect((await (await front(s)).get('/api/x')).status).toBe(404);
    }
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'RejectWith401';
    const r = await (await front(s)).get('/api/x');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(WWW);
  });

  it('T05: RedirectToLoginPage → 302 to the login route with post_login_redirect_uri', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage';
    const r = await (await front(s)).get('/api/x');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fx');
  });

  it('T06: AllowAnonymous or requireAuthentication=false → app, no identity headers', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'AllowAnonymous';
    const r = await (await front(s)).get('/api/x');
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"ok":true,"path":"/api/x"}');
    const seen = ea.backend.calls.at(-1)!.headers;
    expect(Object.keys(seen).filter((k) => k.startsWith('x-ms-'))).toEqual([]);
    const s2 = commonSettings();
    s2.globalValidation.requireAuthentication = false;
    expect((await (await front(s2)).get('/api/x')).status).toBe(200);
  });

  it('T07: forged identity headers are stripped', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'AllowAnonymous';
    const r = await (await front(s)).get('/api/x', {
      'x-ms-client-principal': 'Zm9yZ2Vk',
      'x-ms-client-principal-id': 'forged',
      'x-ms-client-principal-name': 'forged',
      'x-ms-client-principal-idp': 'aad',
      'x-ms-token-aad-access-token': 'forged',
      'x-custom': 'kept',
    });
    expect(r.status).toBe(200);
    const seen = ea.backend.calls.at(-1)!.headers;
    expect(Object.keys(seen).filter((k) => k.startsWith('x-ms-'))).toEqual([]);
    expect(seen['x-custom']).toBe('kept');
  });

  it('T31: requireHttps (default) on http → 302 to https, same host, path and query', async () => {
    const s = commonSettings();
    delete s.httpSettings;
    const f = await front(s);
    const r = await f.get('/api/x?a=1&b=2', bearer('whatever'));
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('https://fn-trustline.azurewebsites.net/api/x?a=1&b=2');
    expect(f.traces[0]!.outcome).toBe('redirect-https');
  });
});

describe('bearer token validation (docs/behaviour/easyauth.md §4.2)', () => {
  it('T08: v2 token with aud = clientId (not listed) → 200', async () => {
    const r = await (await front()).get('/api/x', bearer(await ea.issuer.sign(appV2Claims(now()))));
    expect(r.status).toBe(200);
  });

  it('T09: v1 token (sts.windows.net issuer, aud api://C listed) under a v2 issuer → 200', async () => {
    const r = await (await front()).get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))));
    expect(r.status).toBe(200);
  });

  it('T09b: issuerMode=exact rejects the v1 token under a v2 issuer', async () => {
    const r = await (await front(commonSettings(), { flags: { issuerMode: 'exact' } })).get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(WWW);
  });

  it('T10: aud api://C with allowedAudiences [] → 401; implicitApiUriAudience → 200', async () => {
    const s = commonSettings();
    s.identityProviders.azureActiveDirectory.validation.allowedAudiences = [];
    const token = await ea.issuer.sign(miV1Claims(now()));
    const f = await front(s);
    expect((await f.get('/api/x', bearer(token))).status).toBe(401);
    expect(f.traces[0]!.steps.find((x) => x.step === 'audience')?.ok).toBe(false);
    expect((await (await front(s, { flags: { implicitApiUriAudience: true } })).get('/api/x', bearer(token))).status).toBe(200);
  });

  it('T11: other audience → 401', async () => {
    const r = await (await front()).get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now(), { aud: 'api://other' }))));
    expect(r.status).toBe(401);
    expect(r.body).toBe(BODY_401);
  });

  it('T12: expired beyond the 5 min skew → 401; within the skew → 200', async () => {
    const f = await front();
    const expired = await ea.issuer.sign(miV1Claims(now(), { iat: now() - 7200, nbf: now() - 7200, exp: now() - 301 }));
    expect((await f.get('/api/x', bearer(expired))).status).toBe(401);
    const inSkew = await ea.issuer.sign(miV1Claims(now(), { iat: now() - 7200, nbf: now() - 7200, exp: now() - 200 }));
    expect((await f.get('/api/x', bearer(inSkew))).status).toBe(200);
    const future = await ea.issuer.sign(miV1Claims(now(), { nbf: now() + 600 }));
    expect((await f.get('/api/x', bearer(future))).status).toBe(401);
  });

  it('T13: token signed by another key → 401 (unknown kid, and known kid with a wrong signature)', async () => {
    const f = await front();
    const other = newSigningKey();
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()), { key: other })))).status).toBe(401);
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()), { key: other, kid: ea.issuer.key.kid })))).status).toBe(401);
    const good = await ea.issuer.sign(miV1Claims(now()));
    const [h, p] = good.split('.');
    expect((await f.get('/api/x', bearer(`${h}.${p}.AAAA`))).status).toBe(401);
    expect((await f.get('/api/x', bearer('not-a-jwt'))).status).toBe(401);
  });

  it('T14: token from another tenant → 401', async () => {
    const claims = miV1Claims(now(), { iss: `https://sts.windows.net/${T2}/`, tid: T2, idp: `https://sts.windows.net/${T2}/` });
    const f = await front();
    const r = await f.get('/api/x', bearer(await ea.issuer.sign(claims)));
    expect(r.status).toBe(401);
    expect(f.traces[0]!.steps.find((x) => x.step === 'issuer')).toEqual({
      step: 'issuer', ok: false,
      reason: `iss 'https://sts.windows.net/${T2}/' is not accepted (expected https://login.microsoftonline.com/${T}/v2.0 or https://sts.windows.net/${T}/)`,
    });
  });

  it('PS256 tokens are accepted; alg none is not', async () => {
    const f = await front();
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(appV2Claims(now()), { alg: 'PS256' })))).status).toBe(200);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(appV2Claims(now()))).toString('base64url')}.`;
    expect((await f.get('/api/x', bearer(none))).status).toBe(401);
  });
});

describe('identity headers (docs/behaviour/easyauth.md §4.5)', () => {
  it('T25: MI (v1 app-only) token → principal headers, no -NAME, Authorization preserved', async () => {
    const s = commonSettings();
    s.login = { tokenStore: { enabled: true } };
    const f = await front(s);
    const claims = miV1Claims(now());
    const token = await ea.issuer.sign(claims);
    const r = await f.get('/api/x', { ...bearer(token), 'x-ms-client-principal-name': 'forged' });
    expect(r.status).toBe(200);
    const h = ea.backend.calls.at(-1)!.headers;
    expect(h.authorization).toBe(`Bearer ${token}`);
    expect(h['x-ms-client-principal-idp']).toBe('aad');
    expect(h['x-ms-client-principal-id']).toBe(O);
    expect(h['x-ms-client-principal-name']).toBeUndefined();
    expect(h['x-ms-token-aad-access-token']).toBe(token);
    expect(h['x-ms-token-aad-expires-on']).toBe(new Date((claims.exp as number) * 1000).toISOString().replace('.000Z', '.0000000Z'));
    const p = decodePrincipal(h['x-ms-client-principal']);
    expect(p.auth_typ).toBe('aad');
    expect(p.name_typ).toBe('http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress');
    expect(p.role_typ).toBe('http://schemas.microsoft.com/ws/2008/06/identity/claims/role');
    expect(p.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: O });
    expect(p.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: T });
    expect(p.claims).toContainEqual({ typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier', val: O });
    expect(p.claims).toContainEqual({ typ: 'appid', val: M });
    expect(p.claims).toContainEqual({ typ: 'exp', val: String(claims.exp) });
    expect(p.claims.filter((c: { typ: string }) => c.typ === 'roles')).toEqual([
      { typ: 'roles', val: 'Invoke' },
      { typ: 'roles', val: 'Admin' },
    ]);
    expect(f.traces[0]!.outcome).toBe('forwarded-authenticated');
    expect(f.traces[0]!.principal).toEqual({ id: O, appId: M, tenantId: T });
  });

  it('T25b: token store off → no X-MS-TOKEN-* headers; WEBSITE_AUTH_USE_LEGACY_CLAIMS=False maps roles', async () => {
    const f = await front(commonSettings(), { appSettings: { WEBSITE_AUTH_USE_LEGACY_CLAIMS: 'False' } });
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))))).status).toBe(200);
    const h = ea.backend.calls.at(-1)!.headers;
    expect(h['x-ms-token-aad-access-token']).toBeUndefined();
    expect(h['x-ms-token-aad-expires-on']).toBeUndefined();
    const p = decodePrincipal(h['x-ms-client-principal']);
    expect(p.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Invoke' });
  });

  it('T26: user token → -NAME is preferred_username; scp mapped', async () => {
    const f = await front();
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(userV2Claims(now()))))).status).toBe(200);
    const h = ea.backend.calls.at(-1)!.headers;
    expect(h['x-ms-client-principal-name']).toBe('ada@contoso.example');
    expect(h['x-ms-client-principal-id']).toBe('a0a0a0a0-0000-0000-0000-000000000001');
    const p = decodePrincipal(h['x-ms-client-principal']);
    expect(p.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/scope', val: 'user_impersonation Files.Read' });
    expect(p.claims).toContainEqual({ typ: 'name', val: 'Ada Lovelace' });
  });

  it('T27: @azure/functions request.user throws for the MI headers (missing user-name), parses user headers', async () => {
    const require = createRequire(import.meta.url);
    const { HttpRequest } = require('@azure/functions') as typeof import('@azure/functions');
    const f = await front();
    await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))));
    const toInit = (h: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-ms-') || k === 'authorization').map(([k, v]) => [k, String(v)]));
    const mi = new HttpRequest({ method: 'GET', url: 'https://fn-trustline.azurewebsites.net/api/x', headers: toInit(ea.backend.calls.at(-1)!.headers) });
    expect(() => mi.user).toThrow(/user-name/);
    await f.get('/api/x', bearer(await ea.issuer.sign(userV2Claims(now()))));
    const user = new HttpRequest({ method: 'GET', url: 'https://fn-trustline.azurewebsites.net/api/x', headers: toInit(ea.backend.calls.at(-1)!.headers) });
    expect(user.user?.type).toBe('AppService');
    expect(user.user?.username).toBe('ada@contoso.example');
    expect(user.user?.identityProvider).toBe('aad');
    expect(user.user?.id).toBe('a0a0a0a0-0000-0000-0000-000000000001');
  });
});

describe('verified-token cache', () => {
  it('reuses a verification for the same token string and re-checks exp', async () => {
    const f = await front();
    const token = await ea.issuer.sign(miV1Claims(now(), { exp: now() + 3600 }));
    for (let i = 0; i < 5; i++) expect((await f.get('/api/x', bearer(token))).status).toBe(200);
    expect(f.verifications.count).toBe(1);
    expect(f.traces.map((t) => t.tokenCache)).toEqual(['miss', 'hit', 'hit', 'hit', 'hit']);
    const other = await ea.issuer.sign(miV1Claims(now(), { uti: 'another' }));
    expect((await f.get('/api/x', bearer(other))).status).toBe(200);
    expect(f.verifications.count).toBe(2);
    clock.advance((3600 + 301) * 1000);
    try {
      expect((await f.get('/api/x', bearer(token))).status).toBe(401);
    } finally {
      clock.advance(-(3600 + 301) * 1000);
    }
  });

  it('tokenCache=false verifies every request', async () => {
    const f = await front(commonSettings(), { flags: { tokenCache: false } });
    const token = await ea.issuer.sign(miV1Claims(now()));
    for (let i = 0; i < 3; i++) expect((await f.get('/api/x', bearer(token))).status).toBe(200);
    expect(f.verifications.count).toBe(3);
  });
});
