import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPrivateKey, createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT, decodeJwt } from 'jose';
import { Agent, request } from 'undici';
import { ManualClock, randomIds, silentLogger } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';

const SUB = '1a2b3c4d-0000-4000-8000-000000000004';
const TENANT = '0d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1c';
const template = {
  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
  contentVersion: '1.0.0.0',
  resources: [
    { type: 'Microsoft.ApiManagement/service', apiVersion: '2022-08-01', name: 'auth-apim', location: 'westeurope', sku: { name: 'Consumption', capacity: 0 }, identity: { type: 'SystemAssigned' }, properties: { publisherEmail: 'a@b.c', publisherName: 'n' } },
  ],
};

describe('control plane authentication (ARM bearer tokens from the twin\'s Entra ID)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-cpauth-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: SUB, resourceGroup: 'rg-auth', location: 'westeurope', clock, ids: randomIds, logger: silentLogger });
    await twin.deploy({ deploymentName: 'setup', template });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = async (path: string, authorization?: string) => {
    const r = await request(`${twin.ready().controlPlane}${path}`, { dispatcher: tls, headers: authorization ? { authorization } : {} });
    const text = await r.body.text();
    return { status: r.statusCode, headers: r.headers, body: (text ? JSON.parse(text) : undefined) as { error?: { code: string; message: string } } & Record<string, unknown> };
  };
  const SUBS = '/subscriptions?api-version=2022-12-01';
  const miToken = async (resource: string) => (await twin.identity.issueManagedIdentityToken({ resource })).access_token;
  /** The twin's own key re-signing edited claims: only the claim under test differs from a token the twin issued. */
  const resign = async (token: string, edit: (claims: Record<string, unknown>) => void) => {
    const claims = decodeJwt(token) as Record<string, unknown>;
    edit(claims);
    const pem = twin.identity.signingKey;
    const x5t = createHash('sha1').update(new X509Certificate(pem.cert).raw).digest('base64url');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: x5t, x5t }).sign(createPrivateKey(pem.key));
  };

  it('a managed identity token for https://management.azure.com/ is accepted; the v2 form and the control plane\'s own URL too', async () => {
    expect((await get(SUBS, `Bearer ${await miToken('https://management.azure.com/')}`)).status).toBe(200);
    const base = await miToken('https://management.azure.com/');
    for (const aud of ['https://management.azure.com', 'https://management.core.windows.net/', `${twin.ready().controlPlane}/`]) {
      expect((await get(SUBS, `Bearer ${await resign(base, (c) => (c.aud = aud))}`)).status, aud).toBe(200);
    }
    const v2 = await resign(base, (c) => (c.iss = `https://login.microsoftonline.com/${TENANT}/v2.0`));
    expect((await get(SUBS, `Bearer ${v2}`)).status).toBe(200);
  });

  it('no Authorization header: 401 AuthenticationFailed with ARM\'s challenge; metadata/endpoints stays anonymous', async () => {
    const r = await get(SUBS);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ error: { code: 'AuthenticationFailed', message: "Authentication failed. The 'Authorization' header is missing." } });
    expect(r.headers['www-authenticate']).toMatch(/^Bearer authorization_uri="https:\/\/login\.windows\.net\/", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header\."$/);
    expect((await get('/metadata/endpoints?api-version=2019-05-01')).status).toBe(200);
    const basic = await get(SUBS, 'Basic dXNlcjpwYXNz');
    expect(basic.body.error?.code).toBe('AuthenticationFailed');
    expect(basic.body.error?.message).toContain('invalid format');
  });

  it('a malformed token, or one signed by another key, is 401 InvalidAuthenticationToken', async () => {
    const garbage = await get(SUBS, 'Bearer not.a.token');
    expect(garbage.status).toBe(401);
    expect(garbage.body.error).toEqual({ code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' });
    expect(garbage.headers['www-authenticate']).toContain(`authorization_uri="https://login.windows.net/${TENANT}"`);
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(await miToken('https://management.azure.com/'));
    const pem = twin.identity.signingKey;
    const x5t = createHash('sha1').update(new X509Certificate(pem.cert).raw).digest('base64url');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: x5t, x5t }).sign(privateKey);
    expect((await get(SUBS, `Bearer ${forged}`)).body.error?.code).toBe('InvalidAuthenticationToken');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect((await get(SUBS, `Bearer ${none}`)).body.error?.code).toBe('InvalidAuthenticationToken');
  });

  it('a token for another audience is 401 InvalidAuthenticationTokenAudience with ARM\'s list; another tenant is InvalidAuthenticationTokenTenant', async () => {
    const vault = await get(SUBS, `Bearer ${await miToken('https://vault.azure.net')}`);
    expect(vault.status).toBe(401);
    expect(vault.body.error?.code).toBe('InvalidAuthenticationTokenAudience');
    expect(vault.body.error?.message).toMatch(/^The access token has been obtained for wrong audience or resource 'https:\/\/vault\.azure\.net'\. It should exactly match with one of the allowed audiences 'https:\/\/management\.core\.windows\.net\/','https:\/\/management\.core\.windows\.net','https:\/\/management\.azure\.com\/','https:\/\/management\.azure\.com'/);
    const other = await resign(await miToken('https://management.azure.com/'), (c) => (c.iss = 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/'));
    const r = await get(SUBS, `Bearer ${other}`);
    expect(r.body.error?.code).toBe('InvalidAuthenticationTokenTenant');
    expect(r.body.error?.message).toContain(`It must match the tenant 'https://sts.windows.net/${TENANT}/' associated with this subscription`);
  });

  it('an expired token is 401 ExpiredAuthenticationToken (5 minutes of skew allowed)', async () => {
    const token = await miToken('https://management.azure.com/');
    const exp = decodeJwt(token).exp! * 1000;
    clock.set(exp + 4 * 60_000);
    expect((await get(SUBS, `Bearer ${token}`)).status).toBe(200);
    clock.set(exp + 6 * 60_000);
    const r = await get(SUBS, `Bearer ${token}`);
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe('ExpiredAuthenticationToken');
    expect(r.body.error?.message).toMatch(/^The access token expiry UTC time '\d+\/\d+\/\d{4} \d+:\d\d:\d\d [AP]M' is earlier than current UTC time '/);
  });

  it('the CLI principal (cliCredential, 0600) gets a token by client credentials at the v2 token endpoint, and the control plane accepts it', async () => {
    const file = twin.ready().cliCredential!;
    expect(twin.ready().controlPlaneAuth).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const cred = JSON.parse(readFileSync(file, 'utf8')) as { tenantId: string; clientId: string; clientSecret: string; scope: string };
    expect(cred.scope).toBe('https://management.azure.com/.default');
    const res = await request(`${twin.ready().identity.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: tls,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: cred.clientSecret, scope: cred.scope }).toString(),
    });
    const body = (await res.body.json()) as { access_token: string };
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(body.access_token)).toMatchObject({ appid: cred.clientId, tid: TENANT });
    expect((await get(SUBS, `Bearer ${body.access_token}`)).status).toBe(200);
    const wrong = await request(`${twin.ready().identity.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      dispatcher: tls,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: cred.clientId, client_secret: 'nope', scope: cred.scope }).toString(),
    });
    expect(wrong.statusCode).toBe(401);
    await wrong.body.dump();
  });
});
