/**
 * The walking skeleton, end to end over real sockets: `trustline up examples/seed` as a child
 * process, then the calls a user makes (issue 2, points 3 and 4).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { request } from 'undici';
import Database from 'better-sqlite3';
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { SEED, APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { runCli } from '../helpers/cli-process.js';
import type { ReadyInfo } from '../../src/runtime/index.js';

describe('seed scenario end to end', () => {
  const seed = useRunningSeed('trustline-e2e-');
  const dir = () => seed.dir;
  const get = (url: string, headers: Record<string, string> = {}) => request(url, { dispatcher: seed.tls, headers });
  let ready: ReadyInfo;
  beforeAll(() => {
    ready = seed.ready;
  });

  const apim = () => ready.apim['trustline-apim']!;
  const site = () => ready.sites['trustline-func']!;

  it('writes a ready file with every listener', () => {
    expect(ready.tenantId).toBe(TENANT);
    expect(ready.caCertificate).toBe(join(dir(), 'state', 'ca.pem'));
    expect(site().hostName).toBe('trustline-func.azurewebsites.net');
    expect(site().url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(apim().gatewayUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(apim().principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(apim().apis).toEqual([{ name: 'functions', path: 'functions', operations: [{ name: 'hello', method: 'GET', urlTemplate: '/hello' }] }]);
  });

  it('through the gateway: the function answers and sees the APIM identity (point 3)', async () => {
    const res = await get(`${apim().gatewayUrl}/functions/hello?x=1`);
    expect(res.statusCode).toBe(200);
    const body = (await res.body.json()) as { method: string; path: string; query: Record<string, string>; headers: Record<string, string> };
    expect(body.method).toBe('GET');
    expect(body.path).toBe('/api/hello');
    expect(body.query).toEqual({ x: '1' });
    expect(body.headers.host).toBe('trustline-func.azurewebsites.net');
    expect(body.headers['x-ms-client-principal-id']).toBe(apim().principalId);
    expect(body.headers['x-ms-client-principal-idp']).toBe('aad');
    expect(body.headers['x-ms-client-principal-name']).toBeUndefined();
    const principal = JSON.parse(Buffer.from(body.headers['x-ms-client-principal']!, 'base64').toString('utf8')) as {
      auth_typ: string;
      claims: Array<{ typ: string; val: string }>;
    };
    expect(principal.auth_typ).toBe('aad');
    expect(principal.claims).toContainEqual({ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: apim().principalId });
    expect(principal.claims).toContainEqual({ typ: 'aud', val: APP_CLIENT_ID });
    // The token APIM attached is a v1 app-only token for the function's client id.
    const token = body.headers.authorization!.replace(/^Bearer /, '');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: APP_CLIENT_ID, iss: `https://sts.windows.net/${TENANT}/`, oid: apim().principalId, appid: apim().clientId, idtyp: 'app', ver: '1.0', tid: TENANT });
  });

  it('straight to the site without a token: 401 with a Bearer challenge (point 4)', async () => {
    const res = await get(`${site().url}/api/hello`);
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    await res.body.dump();
  });

  it('plain http to the site is redirected to https (requireHttps)', async () => {
    const res = await request(`${site().httpUrl}/api/hello?a=b`, { headers: { host: 'trustline-func.azurewebsites.net' } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('https://trustline-func.azurewebsites.net/api/hello?a=b');
    await res.body.dump();
    // called by its local address, the redirect names the local https listener
    const local = await request(`${site().httpUrl}/api/hello`);
    expect(local.statusCode).toBe(302);
    expect(local.headers.location).toBe(`${site().url}/api/hello`);
    await local.body.dump();
  });

  it('forged identity headers sent by a client never reach the function', async () => {
    const res = await get(`${apim().gatewayUrl}/functions/hello`, { 'x-ms-client-principal-name': 'mallory@contoso.com' });
    const body = (await res.body.json()) as { headers: Record<string, string> };
    expect(body.headers['x-ms-client-principal-name']).toBeUndefined();
  });

  describe('tokens the site refuses with 401', () => {
    let genuine: string;
    let twinKey: ReturnType<typeof createPrivateKey>;
    const call = async (token: string) => {
      const res = await get(`${site().url}/api/hello`, { authorization: `Bearer ${token}` });
      await res.body.dump();
      return res.statusCode;
    };
    const resign = async (changes: JWTPayload, key = twinKey) => {
      const header = decodeProtectedHeader(genuine);
      return new SignJWT({ ...decodeJwt(genuine), ...changes }).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid!, x5t: header.x5t as string }).sign(key);
    };

    beforeAll(async () => {
      const res = await fetch(`${ready.identity.identityEndpoint}?api-version=2019-08-01&resource=${APP_CLIENT_ID}`, {
        headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader, 'X-Trustline-Identity-Owner': apim().resourceId },
      });
      expect(res.status).toBe(200);
      genuine = ((await res.json()) as { access_token: string }).access_token;
      const db = new Database(join(dir(), 'state', 'state.db'), { readonly: true });
      const row = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'identity.keys'").get();
      db.close();
      twinKey = createPrivateKey((JSON.parse(row!.value) as { keys: Array<{ key: string }> }).keys[0]!.key);
    });

    it('accepts the genuine managed identity token (control)', async () => {
      expect(await call(genuine)).toBe(200);
    });
    it('refuses a token signed by another key', async () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      expect(await call(await resign({}, other))).toBe(401);
    });
    it('refuses an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      expect(await call(await resign({ iat: now - 7200, nbf: now - 7200, exp: now - 3600 }))).toBe(401);
    });
    it('refuses a token for another audience', async () => {
      expect(await call(await resign({ aud: 'api://someone-else' }))).toBe(401);
    });
    it('refuses a token from another tenant', async () => {
      const other = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
      expect(await call(await resign({ iss: `https://sts.windows.net/${other}/`, tid: other }))).toBe(401);
    });
  });

  it('trustline test passes against the running twin', async () => {
    const r = await runCli(['test', '--ready-file', join(dir(), 'ready.json')]);
    expect(r.output).toContain('2 passed, 0 failed');
    expect(r.code).toBe(0);
  });

  it("the APIM service's own managed identity endpoint answers with its identity, no selector needed", async () => {
    expect(apim().identityEndpoint).toBe(`${ready.identity.identityEndpoint.replace(/\/msi\/token$/, '')}/msi/${apim().principalId}/token`);
    const res = await fetch(`${apim().identityEndpoint}?api-version=2019-08-01&resource=${APP_CLIENT_ID}`, { headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; client_id: string; resource: string; token_type: string; expires_on: string };
    expect(body).toMatchObject({ client_id: apim().clientId, resource: APP_CLIENT_ID, token_type: 'Bearer' });
    expect(body.expires_on).toMatch(/^\d+$/);
    expect(decodeJwt(body.access_token)).toMatchObject({ oid: apim().principalId, appid: apim().clientId, aud: APP_CLIENT_ID });
  });

  it('trustline token prints a token for the requested resource', async () => {
    const r = await runCli(['token', '--resource', `api://${APP_CLIENT_ID}`, '--identity', 'trustline-apim', '--ready-file', join(dir(), 'ready.json')]);
    expect(r.code).toBe(0);
    expect(decodeJwt(r.output.trim())).toMatchObject({ aud: `api://${APP_CLIENT_ID}`, oid: apim().principalId });
  });

  it('redeploying without the policy makes the gateway call fail with 401 from Easy Auth (point 4)', async () => {
    const template = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: Array<{ type: string; properties: { value?: string } }> };
    const policy = template.resources.find((r) => r.type === 'Microsoft.ApiManagement/service/apis/policies')!;
    policy.properties.value = '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
    writeFileSync(join(dir(), 'no-policy.json'), JSON.stringify(template));
    const r = await runCli(['deploy', '--template', join(dir(), 'no-policy.json'), '--parameters', join(SEED, 'azuredeploy.parameters.json'), '--ready-file', join(dir(), 'ready.json')]);
    expect(r.output).toContain('deployed');
    expect(r.code).toBe(0);
    const res = await get(`${apim().gatewayUrl}/functions/hello`);
    expect(res.statusCode).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    await res.body.dump();
    // and back: the original template restores access
    const again = await runCli(['deploy', SEED, '--ready-file', join(dir(), 'ready.json')]);
    expect(again.code).toBe(0);
    const ok = await get(`${apim().gatewayUrl}/functions/hello`);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('a failed deployment changes nothing and exits 1', async () => {
    writeFileSync(join(dir(), 'broken.json'), JSON.stringify({ $schema: 'x', contentVersion: '1.0.0.0', resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nosuchfunction('x')]", location: 'westeurope', properties: {} }] }));
    const r = await runCli(['deploy', '--template', join(dir(), 'broken.json'), '--ready-file', join(dir(), 'ready.json')]);
    expect(r.code).toBe(1);
    expect(r.output).toContain('nosuchfunction');
    const ok = await get(`${apim().gatewayUrl}/functions/hello`);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });
});
