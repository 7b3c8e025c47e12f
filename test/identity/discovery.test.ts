// OIDC discovery documents (v1/v2, tenant and common) and the JWKS routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate, createHash } from 'node:crypto';
import { ManualClock } from '../../src/core/index.js';
import { TENANT_ID, get, getWithHost, startTwin, type Twin } from './helpers/fixtures.js';

const L = 'https://login.microsoftonline.com';
let twin: Twin;
beforeAll(async () => {
  twin = await startTwin({ clock: new ManualClock() });
});
afterAll(async () => {
  await twin.close();
});

// Fetched as login.microsoftonline.com inside the twin, the endpoints are Azure's; fetched from the local
// listener, they are that listener's own URLs. The issuer is Entra's string either way.
const fetchers: Array<[string, () => string, (path: string) => Promise<{ status: number; body: unknown }>]> = [
  ['inside the twin (Host: login.microsoftonline.com)', () => L, (path) => getWithHost(twin.origin, path, 'login.microsoftonline.com')],
  ['from outside (the local listener)', () => twin.origin, (path) => get(twin.origin, path)],
];

describe.each(fetchers)('OIDC discovery, %s', (_name, base, fetchDoc) => {
  it('v1 tenant document: exact issuer and endpoints', async () => {
    const L = base();
    const r = await fetchDoc(`/${TENANT_ID}/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    const d = r.body as Record<string, unknown>;
    expect(d.issuer).toBe(`https://sts.windows.net/${TENANT_ID}/`);
    expect(d).toMatchObject({
      token_endpoint: `${L}/${TENANT_ID}/oauth2/token`,
      jwks_uri: `${L}/${TENANT_ID}/discovery/keys`,
      authorization_endpoint: `${L}/${TENANT_ID}/oauth2/authorize`,
      end_session_endpoint: `${L}/${TENANT_ID}/oauth2/logout`,
      device_authorization_endpoint: `${L}/${TENANT_ID}/oauth2/devicecode`,
      check_session_iframe: `${L}/${TENANT_ID}/oauth2/checksession`,
      userinfo_endpoint: `${L}/${TENANT_ID}/openid/userinfo`,
      kerberos_endpoint: `${L}/${TENANT_ID}/kerberos`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
      scopes_supported: ['openid'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      microsoft_multi_refresh_token: true,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  });

  it('v2 tenant document: exact issuer and endpoints', async () => {
    const L = base();
    const r = await fetchDoc(`/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      token_endpoint: `${L}/${TENANT_ID}/oauth2/v2.0/token`,
      jwks_uri: `${L}/${TENANT_ID}/discovery/v2.0/keys`,
      authorization_endpoint: `${L}/${TENANT_ID}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${L}/${TENANT_ID}/oauth2/v2.0/logout`,
      device_authorization_endpoint: `${L}/${TENANT_ID}/oauth2/v2.0/devicecode`,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      request_uri_parameter_supported: false,
    });
    expect((r.body as Record<string, unknown>).microsoft_multi_refresh_token).toBeUndefined();
  });

  it('common: issuer is the literal {tenantid} template, endpoints use common', async () => {
    const L = base();
    const v1 = (await fetchDoc('/common/.well-known/openid-configuration')).body as Record<string, unknown>;
    expect([v1.issuer, v1.jwks_uri, v1.tenant_region_scope]).toEqual(['https://sts.windows.net/{tenantid}/', `${L}/common/discovery/keys`, null]);
    const v2 = (await fetchDoc('/common/v2.0/.well-known/openid-configuration')).body as Record<string, unknown>;
    expect([v2.issuer, v2.token_endpoint]).toEqual([`https://login.microsoftonline.com/{tenantid}/v2.0`, `${L}/common/oauth2/v2.0/token`]);
  });
});

describe('OIDC discovery', () => {
  it('answers JSON with the metadata caching headers', async () => {
    const r = await get(twin.origin, `/${TENANT_ID}/.well-known/openid-configuration`);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('max-age=86400, private');
  });

  it('case-insensitive path with trailing / and //', async () => {
    const r = await get(twin.origin, `//${TENANT_ID.toUpperCase()}/V2.0//.Well-Known/OpenID-Configuration/`);
    expect(r.status).toBe(200);
    expect((r.body as Record<string, unknown>).issuer).toBe(`${L}/${TENANT_ID}/v2.0`);
  });

  it('unknown tenant → 400 invalid_tenant AADSTS90002', async () => {
    const r = await get(twin.origin, '/contoso.example/.well-known/openid-configuration');
    expect(r.status).toBe(400);
    const b = r.body as Record<string, unknown>;
    expect([b.error, b.error_codes]).toEqual(['invalid_tenant', [90002]]);
    expect(String(b.error_description)).toMatch(/^AADSTS90002: Tenant 'contoso\.example' not found\. /);
  });
});

describe('JWKS', () => {
  it('v1 and v2 keys, tenant and common: 200, kid = x5t = base64url SHA-1 of the cert, v2 carries issuer', async () => {
    const cert = new X509Certificate(twin.service.signingKey.cert);
    const thumb = createHash('sha1').update(cert.raw).digest('base64url');
    const pub = cert.publicKey.export({ format: 'jwk' });
    const base = { kty: 'RSA', use: 'sig', kid: thumb, x5t: thumb, n: pub.n, e: 'AQAB', x5c: [cert.raw.toString('base64')] };
    const cases: Array<[string, Record<string, unknown>]> = [
      [`/${TENANT_ID}/discovery/keys`, base],
      ['/common/discovery/keys', base],
      [`/${TENANT_ID}/discovery/v2.0/keys`, { ...base, issuer: `${L}/${TENANT_ID}/v2.0` }],
      ['/common/discovery/v2.0/keys', { ...base, issuer: `${L}/{tenantid}/v2.0` }],
    ];
    for (const [path, key] of cases) {
      const r = await get(twin.origin, path);
      expect(r.status).toBe(200);
      expect(r.headers.get('location')).toBeNull();
      expect(r.body).toEqual({ keys: [key] });
    }
    expect(twin.service.jwks()).toEqual({ keys: [base] });
  });
});
