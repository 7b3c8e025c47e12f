import { describe, expect, it } from 'vitest';
import { O, T, miV1Claims, newSigningKey } from './helpers/test-issuer.js';
import { commonSettings, useEasyAuthHarness } from './helpers/harness.js';

const ea = useEasyAuthHarness();
const { clock, front, now, bearer } = ea;
const NOT_FOUND = 'The resource you are looking for has been removed, had its name changed, or is temporarily unavailable.';

describe('platform disabled (docs/behaviour/easyauth.md §4.1 step 1)', () => {
  it('T34: enabled=false → everything passes through unchanged, forged headers included; /.auth/me reaches the app', async () => {
    const s = commonSettings();
    s.platform.enabled = false;
    const f = await front(s);
    const r = await f.get('/api/x', { 'x-ms-client-principal-id': 'forged' });
    expect(r.status).toBe(200);
    expect(ea.backend.calls.at(-1)!.headers['x-ms-client-principal-id']).toBe('forged');
    const me = await f.get('/.auth/me');
    expect(me.status).toBe(200);
    expect(ea.backend.calls.at(-1)!.url).toBe('/.auth/me');
    expect(f.traces[0]!.outcome).toBe('pass-through');
  });

  it('settings undefined → pass-through', async () => {
    const f = await front(undefined);
    expect((await f.get('/api/x')).status).toBe(200);
  });
});

describe('/.auth routes (docs/behaviour/easyauth.md §4.7)', () => {
  it('T35: /.auth/me with the token store on and a valid bearer → 200 JSON array', async () => {
    const s = commonSettings();
    s.login = { tokenStore: { enabled: true } };
    const f = await front(s);
    const claims = miV1Claims(now());
    const token = await ea.issuer.sign(claims);
    const before = ea.backend.calls.length;
    const r = await f.get('/.auth/me', bearer(token));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(r.body);
    expect(body).toHaveLength(1);
    expect(body[0].provider_name).toBe('aad');
    expect(body[0].user_id).toBe(O);
    expect(body[0].access_token).toBe(token);
    expect(body[0].expires_on).toBe(new Date((claims.exp as number) * 1000).toISOString().replace('.000Z', '.0000000Z'));
    expect(body[0].user_claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: T });
    expect(ea.backend.calls.length).toBe(before);
  });

  it('T36: /.auth/me unauthenticated → 401 (flag meUnauthenticated=empty-array → 200 [])', async () => {
    const s = commonSettings();
    s.login = { tokenStore: { enabled: true } };
    const r = await (await front(s)).get('/.auth/me');
    expect(r.status).toBe(401);
    const r2 = await (await front(s, { flags: { meUnauthenticated: 'empty-array' } })).get('/.auth/me');
    expect(r2.status).toBe(200);
    expect(r2.body).toBe('[]');
  });

  it('/.auth/me with the token store off → 404; unknown /.auth routes → 404, never the app', async () => {
    const f = await front(commonSettings());
    const before = ea.backend.calls.length;
    const me = await f.get('/.auth/me', bearer(await ea.issuer.sign(miV1Claims(now()))));
    expect(me.status).toBe(404);
    expect(me.body).toBe(NOT_FOUND);
    expect((await f.get('/.auth/nothing')).status).toBe(404);
    expect((await f.get('/.auth/login/google')).status).toBe(404);
    // The session routes answer themselves (test/easyauth/sign-in-session.test.ts): never the app.
    expect((await f.get('/.auth/logout')).status).toBe(302);
    expect((await f.get('/.auth/refresh')).status).toBe(401);
    expect(ea.backend.calls.length).toBe(before);
  });

  it('T42: apiPrefix=/authv2 → /authv2/me handled, /.auth/me goes through the normal pipeline', async () => {
    const s = commonSettings();
    s.login = { tokenStore: { enabled: true } };
    s.httpSettings.routes = { apiPrefix: '/authv2' };
    const f = await front(s);
    const token = await ea.issuer.sign(miV1Claims(now()));
    expect((await f.get('/authv2/me', bearer(token))).status).toBe(200);
    const r = await f.get('/.auth/me', bearer(token));
    expect(r.status).toBe(200);
    expect(ea.backend.calls.at(-1)!.url).toBe('/.auth/me');
  });
});

describe('forward proxy (docs/behaviour/easyauth.md §4.8)', () => {
  it('T32: Standard honours X-Forwarded-Proto/Host for requireHttps and the realm', async () => {
    const s = commonSettings();
    s.httpSettings = { requireHttps: true, forwardProxy: { convention: 'Standard' } };
    const f = await front(s);
    const r = await f.get('/api/x', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example' });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer realm="gw\.example" /);
    const r2 = await f.get('/api/x', { 'x-forwarded-host': 'gw.example' });
    expect(r2.status).toBe(302);
    expect(r2.headers.location).toBe('https://gw.example/api/x');
  });

  it('T33: Custom uses the named headers and ignores X-Forwarded-*', async () => {
    const s = commonSettings();
    s.httpSettings = { requireHttps: true, forwardProxy: { convention: 'Custom', customHostHeaderName: 'X-Orig-Host', customProtoHeaderName: 'X-Orig-Proto' } };
    const f = await front(s);
    const r = await f.get('/api/x', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'gw.example', 'x-orig-host': 'orig.example' });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('https://orig.example/api/x');
    expect((await f.get('/api/x', { 'x-orig-proto': 'https' })).status).toBe(401);
  });

  it('NoProxy ignores client-sent X-Forwarded-Proto', async () => {
    const s = commonSettings();
    s.httpSettings = { requireHttps: true };
    const r = await (await front(s)).get('/api/x', { 'x-forwarded-proto': 'https' });
    expect(r.status).toBe(302);
  });
});

describe('configuration errors → 500 (docs/behaviour/easyauth.md §4.1 step 11)', () => {
  it('metadata unreachable → 500 with ERR_EASYAUTH_METADATA_FETCH in the trace; recovers afterwards', async () => {
    const f = await front(commonSettings());
    const token = await ea.issuer.sign(miV1Claims(now()));
    ea.issuer.down = true;
    try {
      const r = await f.get('/api/x', bearer(token));
      expect(r.status).toBe(500);
      expect(r.body).toBe('An internal server error occurred.');
      expect(f.traces[0]!.errorCode).toBe('ERR_EASYAUTH_METADATA_FETCH');
    } finally {
      ea.issuer.down = false;
    }
    expect((await f.get('/api/x', bearer(token))).status).toBe(200);
  });

  it('bad or missing issuer, missing clientId → 500; no token still → 401', async () => {
    const token = await ea.issuer.sign(miV1Claims(now()));
    const bad = commonSettings();
    bad.identityProviders.azureActiveDirectory.registration.openIdIssuer = 'not a url';
    const f = await front(bad);
    expect((await f.get('/api/x', bearer(token))).status).toBe(500);
    expect(f.traces[0]!.errorCode).toBe('ERR_EASYAUTH_ISSUER_INVALID');
    expect((await f.get('/api/x')).status).toBe(401);
    const noIssuer = commonSettings();
    delete noIssuer.identityProviders.azureActiveDirectory.registration.openIdIssuer;
    const f2 = await front(noIssuer);
    expect((await f2.get('/api/x', bearer(token))).status).toBe(500);
    expect(f2.traces[0]!.errorCode).toBe('ERR_EASYAUTH_ISSUER_MISSING');
    const noClient = commonSettings();
    delete noClient.identityProviders.azureActiveDirectory.registration.clientId;
    const f3 = await front(noClient);
    expect((await f3.get('/api/x', bearer(token))).status).toBe(500);
    expect(f3.traces[0]!.errorCode).toBe('ERR_EASYAUTH_CLIENT_ID_MISSING');
  });

  it('a throwing forward answers 500 instead of crashing', async () => {
    const s = commonSettings();
    s.globalValidation.unauthenticatedClientAction = 'AllowAnonymous';
    const { createEasyAuthHandler, normalizeAuthSettings } = await import('../../src/easyauth/index.js');
    const { silentLogger } = await import('../../src/core/index.js');
    const { createServer } = await import('node:http');
    const handler = createEasyAuthHandler({
      settings: normalizeAuthSettings(s), httpClient: ea.issuer.httpClient, clock, logger: silentLogger,
      forward: () => { throw new Error('boom'); },
    });
    const server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { send } = await import('./helpers/harness.js');
      const port = (server.address() as { port: number }).port;
      const r = await send(`http://127.0.0.1:${port}`, '/api/x');
      expect(r.status).toBe(500);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('signing-key rotation', () => {
  it('unknown kid refetches the JWKS, at most once per interval', async () => {
    const f = await front(commonSettings());
    expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))))).status).toBe(200);
    const rotated = newSigningKey();
    ea.issuer.published = [ea.issuer.key, rotated];
    try {
      const hitsBefore = ea.issuer.hits.filter((h) => h.endsWith('/keys')).length;
      expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now(), { uti: 'r1' }), { key: rotated })))).status).toBe(200);
      expect(ea.issuer.hits.filter((h) => h.endsWith('/keys')).length).toBe(hitsBefore + 1);
      const unknown = newSigningKey();
      expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()), { key: unknown })))).status).toBe(401);
      expect((await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now(), { uti: 'x' }), { key: unknown })))).status).toBe(401);
      expect(ea.issuer.hits.filter((h) => h.endsWith('/keys')).length).toBe(hitsBefore + 1);
    } finally {
      ea.issuer.published = [ea.issuer.key];
    }
  });
});
