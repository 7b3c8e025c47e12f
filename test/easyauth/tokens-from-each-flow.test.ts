/**
 * Easy Auth in front of the seed's function, with tokens from every flow of the twin's Entra ID: client
 * credentials (v1 and v2), a managed identity, a user through the authorization code flow. Each is accepted;
 * then each family of bad token is refused — another tenant, another audience, expired, not yet valid, a bad
 * signature, alg none, HS256 keyed with the public key, an unknown kid — each for the tokens of every flow.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { X509Certificate, createHash, createHmac, createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createSigningCertificate, silentLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';

const TENANT = '4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b';
const OTHER_TENANT = '5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c';
const APP = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const CALLER = '1a2b3c4d-5e6f-4a7b-8c9d-00000000ca11';
const OTHER_APP = '1a2b3c4d-5e6f-4a7b-8c9d-00000000beef';
const CERT_CALLER = '1a2b3c4d-5e6f-4a7b-8c9d-00000000ce57';
const cert = await createSigningCertificate('flows-cert', new Date());
const certThumbprint = createHash('sha1').update(new X509Certificate(cert.cert).raw).digest('base64url');

type Json = Record<string, any>;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const parts = (t: string) => t.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString())) as [Json, Json];

describe('Easy Auth with tokens from each flow of the twin', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let site: string;
  let authority: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-flows-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000002', resourceGroup: 'rg-flows', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    await twin.deploy({ deploymentName: 'flows', template: t, parameters: { sites_function_name: { value: 'flows-fn' }, apimServiceName: { value: 'flows-apim' }, appClientId: { value: APP }, tenantID: { value: TENANT } } });
    twin.identity.applyDirectory({
      doc: {
        applications: [
          { displayName: 'flows-fn', appId: APP, identifierUris: [`api://${APP}`], oauth2PermissionScopes: [{ value: 'user_impersonation' }] },
          { displayName: 'caller', appId: CALLER, passwordCredentials: [{ secretText: 'caller-secret' }], redirectUris: ['http://localhost/cb'] },
          { displayName: 'other-api', appId: OTHER_APP },
          { displayName: 'cert-caller', appId: CERT_CALLER, keyCredentials: [{ certificate: cert.cert }] },
        ],
        users: [{ userPrincipalName: 'bob@contoso.test', displayName: 'Bob', password: 'bob-pw' }],
      },
    });
    // Another tenant whose app has the same client id (a multi-tenant registration): genuine tokens, wrong tenant.
    twin.identity.applyDirectory({ doc: { tenantId: OTHER_TENANT, applications: [{ displayName: 'flows-fn', appId: APP }, { displayName: 'caller', appId: CALLER, passwordCredentials: [{ secretText: 'caller-secret' }] }] } });
    site = twin.ready().sites['flows-fn']!.url;
    authority = new URL(twin.ready().identity.authority).origin;
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (token: string) => {
    const res = await request(`${site}/api/hello`, { headers: { authorization: `Bearer ${token}` }, dispatcher: tls });
    const text = await res.body.text();
    return { status: res.statusCode, fn: res.statusCode === 200 ? (JSON.parse(text) as Json) : undefined };
  };
  const tokenEndpoint = async (tenant: string, form: Record<string, string>, v2 = true) => {
    const res = await request(`${authority}/${tenant}/oauth2/${v2 ? 'v2.0/' : ''}token`, { method: 'POST', body: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: tls });
    return (await res.body.json()) as Json;
  };
  const appToken = async (tenant = TENANT, resource = APP) => (await tokenEndpoint(tenant, { grant_type: 'client_credentials', client_id: CALLER, client_secret: 'caller-secret', scope: `${resource}/.default` })).access_token as string;
  const certToken = async () => {
    const aud = `${authority}/${TENANT}/oauth2/v2.0/token`;
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'RS256', typ: 'JWT', x5t: certThumbprint })}.${b64({ aud, iss: CERT_CALLER, sub: CERT_CALLER, jti: randomUUID(), nbf: now, exp: now + 600 })}`;
    const assertion = `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(cert.key)).toString('base64url')}`;
    const r = await tokenEndpoint(TENANT, { grant_type: 'client_credentials', client_id: CERT_CALLER, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope: `${APP}/.default` });
    return r.access_token as string;
  };
  const userToken = async () => (await userTokens()).access_token as string;
  const userTokens = async () => {
    const verifier = 'v'.repeat(50);
    const q = new URLSearchParams({ client_id: CALLER, response_type: 'code', redirect_uri: 'http://localhost/cb', scope: `${APP}/user_impersonation openid offline_access`, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const page = await (await request(`${authority}/${TENANT}/oauth2/v2.0/authorize?${q}`, { dispatcher: tls })).body.text();
    const ctx = /name="ctx" value="([^"]+)"/.exec(page)![1]!;
    const posted = await request(`${authority}/${TENANT}/oauth2/v2.0/authorize`, { method: 'POST', body: new URLSearchParams({ ctx, username: 'bob@contoso.test', password: 'bob-pw' }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher: tls });
    await posted.body.dump();
    const code = new URL(String(posted.headers.location)).searchParams.get('code')!;
    return (await tokenEndpoint(TENANT, { grant_type: 'authorization_code', client_id: CALLER, client_secret: 'caller-secret', code, redirect_uri: 'http://localhost/cb', code_verifier: verifier, scope: `${APP}/user_impersonation openid offline_access` })) as { access_token: string; refresh_token: string };
  };
  const resign = (token: string, change: (h: Json, p: Json) => void) => {
    const [h, p] = parts(token);
    change(h, p);
    const input = `${b64(h)}.${b64(p)}`;
    return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(twin.identity.signingKey.key)).toString('base64url')}`;
  };

  it('accepts app tokens (client credentials, v1 and v2), a managed identity token and a user token', async () => {
    const v1 = await appToken();
    expect(parts(v1)[1]).toMatchObject({ ver: '1.0', appid: CALLER, aud: APP });
    expect((await call(v1)).status).toBe(200);
    twin.identity.applyDirectory({ doc: { applications: [{ displayName: 'flows-fn', appId: APP, identifierUris: [`api://${APP}`], accessTokenAcceptedVersion: 2, oauth2PermissionScopes: [{ value: 'user_impersonation' }] }] } });
    const v2 = await appToken();
    expect(parts(v2)[1]).toMatchObject({ ver: '2.0', azp: CALLER, aud: APP });
    expect((await call(v2)).status).toBe(200);
    twin.identity.applyDirectory({ doc: { applications: [{ displayName: 'flows-fn', appId: APP, identifierUris: [`api://${APP}`], oauth2PermissionScopes: [{ value: 'user_impersonation' }] }] } });
    const mi = (await twin.identity.issueManagedIdentityToken({ resource: APP, ownerResourceId: twin.ready().apim['flows-apim']!.resourceId })).access_token;
    const miCall = await call(mi);
    expect(miCall.status).toBe(200);
    expect(miCall.fn!.headers['x-ms-client-principal-name']).toBeUndefined();
    const user = await userToken();
    expect(parts(user)[1]).toMatchObject({ upn: 'bob@contoso.test', scp: 'user_impersonation' });
    const userCall = await call(user);
    expect(userCall.status).toBe(200);
    expect(userCall.fn!.headers['x-ms-client-principal-name']).toBe('bob@contoso.test');
  });

  it('refuses another tenant, another audience, expired, not yet valid, a bad signature, alg none, HS256 with the public key, an unknown kid — for the app and user tokens of every flow', async () => {
    // One genuine token from each flow: client credentials with a secret (v1 and v2 tokens), with a certificate
    // assertion, a managed identity, a user through authorization code + PKCE (v1 and v2 tokens), a refresh.
    const flows: Record<string, string> = {};
    flows['client secret, v1 token'] = await appToken();
    flows['certificate assertion, v1 token'] = await certToken();
    flows['managed identity'] = (await twin.identity.issueManagedIdentityToken({ resource: APP, ownerResourceId: twin.ready().apim['flows-apim']!.resourceId })).access_token;
    const user = await userTokens();
    flows['user (authorization code + PKCE), v1 token'] = user.access_token;
    flows['user (refresh token), v1 token'] = (await tokenEndpoint(TENANT, { grant_type: 'refresh_token', client_id: CALLER, client_secret: 'caller-secret', refresh_token: user.refresh_token, scope: `${APP}/user_impersonation` })).access_token as string;
    twin.identity.applyDirectory({ doc: { applications: [{ displayName: 'flows-fn', appId: APP, identifierUris: [`api://${APP}`], accessTokenAcceptedVersion: 2, oauth2PermissionScopes: [{ value: 'user_impersonation' }] }] } });
    flows['client secret, v2 token'] = await appToken();
    flows['user (authorization code + PKCE), v2 token'] = (await userTokens()).access_token;
    twin.identity.applyDirectory({ doc: { applications: [{ displayName: 'flows-fn', appId: APP, identifierUris: [`api://${APP}`], oauth2PermissionScopes: [{ value: 'user_impersonation' }] }] } });
    expect(parts(flows['client secret, v2 token']!)[1]).toMatchObject({ ver: '2.0', azp: CALLER });
    expect(parts(flows['user (authorization code + PKCE), v2 token']!)[1]).toMatchObject({ ver: '2.0', preferred_username: 'bob@contoso.test' });
    expect(parts(flows['certificate assertion, v1 token']!)[1]).toMatchObject({ appid: CERT_CALLER, appidacr: '2' });
    expect(parts(flows['user (refresh token), v1 token']!)[1]).toMatchObject({ upn: 'bob@contoso.test' });

    const now = Math.floor(Date.now() / 1000);
    const publicPem = twin.identity.signingKey.cert;
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const badVariants = (good: string): Record<string, string> => {
      const [h, p, s] = good.split('.');
      const [header] = parts(good);
      return {
        'another tenant (re-signed by the twin, iss and tid of the other tenant)': resign(good, (_h, pl) => Object.assign(pl, { tid: OTHER_TENANT, iss: String(pl.iss).replace(TENANT, OTHER_TENANT) })),
        'another audience (re-signed by the twin)': resign(good, (_h, pl) => Object.assign(pl, { aud: OTHER_APP })),
        expired: resign(good, (_h, pl) => Object.assign(pl, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 })),
        'not yet valid': resign(good, (_h, pl) => Object.assign(pl, { nbf: now + 3600, iat: now + 3600, exp: now + 7200 })),
        'bad signature': `${h}.${p}.${(s![0] === 'A' ? 'B' : 'A') + s!.slice(1)}`,
        'alg none': `${b64({ typ: 'JWT', alg: 'none' })}.${p}.`,
        'HS256 keyed with the public key': (() => {
          const input = `${b64({ ...header, alg: 'HS256' })}.${p}`;
          return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
        })(),
        'unknown kid': (() => {
          const input = `${b64({ typ: 'JWT', alg: 'RS256', kid: 'not-a-published-kid', x5t: 'not-a-published-kid' })}.${p}`;
          return `${input}.${sign('sha256', Buffer.from(input), other).toString('base64url')}`;
        })(),
      };
    };
    const outcomes: string[] = [];
    for (const [flow, good] of Object.entries(flows)) {
      outcomes.push(`${flow}: genuine → ${(await call(good)).status}`);
      for (const [name, token] of Object.entries(badVariants(good))) outcomes.push(`${flow}: ${name} → ${(await call(token)).status}`);
    }
    // A genuine token of the other tenant (a multi-tenant registration with the same client id) and one for another app.
    const otherTenant = await appToken(OTHER_TENANT);
    expect(parts(otherTenant)[1]).toMatchObject({ tid: OTHER_TENANT, aud: APP });
    outcomes.push(`client secret: genuine token of the other tenant → ${(await call(otherTenant)).status}`);
    outcomes.push(`client secret: genuine token for another app → ${(await call(await appToken(TENANT, OTHER_APP))).status}`);
    const expected = outcomes.map((o) => o.replace(/→ \d+$/, o.includes('genuine →') ? '→ 200' : '→ 401'));
    expect(outcomes).toEqual(expected);
    expect(outcomes).toHaveLength(Object.keys(flows).length * 9 + 2);
  });
});
