// Real @azure/identity ManagedIdentityCredential (App Service source) against the twin.
// msal-node caches the MI source and tokens process-wide: this file sets the env vars once, before
// the first credential is created, and uses a distinct resource per test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { systemClock } from '../../src/core/index.js';
import { APIM_ID, APIM_MI, FN_APP, IDENTITY_SECRET, TENANT_ID, UAMI, V2_APP, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
const requests: string[] = [];

beforeAll(async () => {
  twin = await startTwin({ clock: systemClock });
  twin.server.prependListener('request', (req) => requests.push(`${req.method} ${req.url}`));
  process.env.IDENTITY_ENDPOINT = `${twin.origin}/msi/token`;
  process.env.IDENTITY_HEADER = IDENTITY_SECRET;
});

afterAll(async () => {
  await twin.close();
});

describe('ManagedIdentityCredential → App Service MI endpoint', () => {
  it('gets a v1 token for the function app id (resource GUID)', async () => {
    const credential = new ManagedIdentityCredential();
    const token = await credential.getToken(FN_APP.appId);
    expect(requests).toEqual([`GET /msi/token?api-version=2019-08-01&resource=${FN_APP.appId}`]);
    const { header, payload } = decodeJwt(token.token);
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', x5t: expect.any(String), kid: header.x5t });
    expect(payload.aud).toBe(FN_APP.appId);
    expect(payload.iss).toBe(`https://sts.windows.net/${TENANT_ID}/`);
    expect(payload.appid).toBe(APIM_MI.appId);
    expect(payload.appidacr).toBe('2');
    expect(payload.idp).toBe(`https://sts.windows.net/${TENANT_ID}/`);
    expect(payload.oid).toBe(APIM_MI.objectId);
    expect(payload.sub).toBe(APIM_MI.objectId);
    expect(payload.tid).toBe(TENANT_ID);
    expect(payload.idtyp).toBe('app');
    expect(payload.ver).toBe('1.0');
    expect(payload.xms_mirid).toBe(APIM_ID);
    expect(payload.roles).toBeUndefined();
    // msal derives expiresOn as (request time) + (expires_on − response time): a second boundary between the two moves it by 1 s.
    expect(Math.abs(token.expiresOnTimestamp - (payload.exp as number) * 1000)).toBeLessThanOrEqual(1000);
    expect((payload.exp as number) - (payload.iat as number)).toBe(86400 + 300);

    // A second credential for the same resource is served from msal's process-wide cache.
    const again = await new ManagedIdentityCredential().getToken(FN_APP.appId);
    expect(again.token).toBe(token.token);
    expect(requests).toHaveLength(1);
  });

  it('the token verifies with jose against the twin JWKS; a tampered signature does not', async () => {
    const { token } = await new ManagedIdentityCredential().getToken(`api://${FN_APP.appId}/.default`);
    expect(requests.at(-1)).toBe(`GET /msi/token?api-version=2019-08-01&resource=api%3A%2F%2F${FN_APP.appId}`);
    const jwks = createRemoteJWKSet(new URL(`${twin.origin}/${TENANT_ID}/discovery/v2.0/keys`));
    const verified = await jwtVerify(token, jwks, {
      issuer: `https://sts.windows.net/${TENANT_ID}/`,
      audience: `api://${FN_APP.appId}`,
      algorithms: ['RS256'],
    });
    expect(verified.payload.appid).toBe(APIM_MI.appId);
    expect(verified.protectedHeader.kid).toBe(twin.service.jwks().keys[0]!.kid);

    const [h, p, s] = token.split('.');
    const flipped = (s![0] === 'A' ? 'B' : 'A') + s!.slice(1);
    await expect(jwtVerify(`${h}.${p}.${flipped}`, jwks, { issuer: `https://sts.windows.net/${TENANT_ID}/` })).rejects.toBeInstanceOf(
      joseErrors.JWSSignatureVerificationFailed,
    );
    await expect(
      jwtVerify(token, jwks, { issuer: `https://sts.windows.net/${TENANT_ID}/`, audience: FN_APP.appId }),
    ).rejects.toBeInstanceOf(joseErrors.JWTClaimValidationFailed);
  });

  it('a v2 resource app (accessTokenAcceptedVersion 2) gets v2 claims, verified through the v1 jwks_uri', async () => {
    const { token, expiresOnTimestamp } = await new ManagedIdentityCredential().getToken('api://orders.contoso.test/.default');
    const { header, payload } = decodeJwt(token);
    expect(header).toEqual({ typ: 'JWT', alg: 'RS256', kid: twin.service.jwks().keys[0]!.kid });
    expect(payload.aud).toBe(V2_APP.appId);
    expect(payload.iss).toBe(`https://login.microsoftonline.com/${TENANT_ID}/v2.0`);
    expect(payload.azp).toBe(APIM_MI.appId);
    expect(payload.azpacr).toBe('2');
    expect(payload.appid).toBeUndefined();
    expect(payload.appidacr).toBeUndefined();
    expect(payload.idp).toBeUndefined();
    expect(payload.ver).toBe('2.0');
    // msal derives expiresOn as (request time) + (expires_on − response time): a second boundary between the two moves it by 1 s.
    expect(Math.abs(expiresOnTimestamp - (payload.exp as number) * 1000)).toBeLessThanOrEqual(1000);
    const jwks = createRemoteJWKSet(new URL(`${twin.origin}/${TENANT_ID}/discovery/keys`));
    const verified = await jwtVerify(token, jwks, { issuer: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`, audience: V2_APP.appId });
    expect(verified.payload.oid).toBe(APIM_MI.objectId);
  });

  it('user-assigned selectors client_id / object_id / mi_res_id pick the user-assigned identity', async () => {
    const byClient = decodeJwt((await new ManagedIdentityCredential({ clientId: UAMI.appId }).getToken(FN_APP.appId)).token).payload;
    expect(requests.at(-1)).toBe(`GET /msi/token?api-version=2019-08-01&resource=${FN_APP.appId}&client_id=${UAMI.appId}`);
    expect([byClient.appid, byClient.oid, byClient.xms_mirid]).toEqual([UAMI.appId, UAMI.objectId, UAMI.resourceId]);

    const byObject = decodeJwt((await new ManagedIdentityCredential({ objectId: UAMI.objectId }).getToken('https://vault.azure.net')).token).payload;
    expect(requests.at(-1)).toBe(`GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net&object_id=${UAMI.objectId}`);
    expect([byObject.aud, byObject.appid]).toEqual(['https://vault.azure.net', UAMI.appId]);

    const byRes = decodeJwt((await new ManagedIdentityCredential({ resourceId: UAMI.resourceId! }).getToken('https://management.azure.com/')).token).payload;
    expect(requests.at(-1)).toBe(
      `GET /msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fmanagement.azure.com%2F&mi_res_id=${encodeURIComponent(UAMI.resourceId!)}`,
    );
    expect([byRes.aud, byRes.oid]).toEqual(['https://management.azure.com/', UAMI.objectId]);
  });
});
