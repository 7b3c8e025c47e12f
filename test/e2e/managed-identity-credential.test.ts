/**
 * A real client against the running twin: @azure/identity's ManagedIdentityCredential with
 * IDENTITY_ENDPOINT / IDENTITY_HEADER from the ready file, then jose validating the token
 * through the twin's OIDC discovery. Its own file = its own process (msal-node caches statically).
 */
import { describe, it, expect } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { createRemoteJWKSet, jwtVerify, customFetch } from 'jose';
import { ManagedIdentityCredential } from '@azure/identity';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';

describe('ManagedIdentityCredential against the twin', () => {
  const seed = useRunningSeed('trustline-mi-', ['--in-memory']);

  it('gets a v1 app-only token that jose validates through the OIDC discovery of the issuer', async () => {
    // The APIM service's own endpoint, as IDENTITY_ENDPOINT is set for an instance in Azure.
    process.env.IDENTITY_ENDPOINT = seed.ready.apim['trustline-apim']!.identityEndpoint;
    process.env.IDENTITY_HEADER = seed.ready.identity.identityHeader;
    const credential = new ManagedIdentityCredential();
    const result = await credential.getToken(`api://${APP_CLIENT_ID}/.default`);
    expect(result.tokenType).toBe('Bearer');

    // Discovery for the v1 issuer from the ready file's authority: fetched from outside the twin, its
    // URLs are the local listener's, so jose reaches the keys; the issuer stays Entra's string.
    const authority = seed.ready.identity.authority;
    const discoveryRes = await undiciFetch(`${authority}/.well-known/openid-configuration`, { dispatcher: seed.tls });
    expect(discoveryRes.status).toBe(200);
    const discovery = (await discoveryRes.json()) as { issuer: string; jwks_uri: string };
    expect(discovery.issuer).toBe(`https://sts.windows.net/${TENANT}/`);
    expect(discovery.jwks_uri).toBe(`${authority}/discovery/keys`);

    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), {
      [customFetch]: (url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: seed.tls }) as unknown as Promise<Response>,
    });
    const { payload, protectedHeader } = await jwtVerify(result.token, jwks, { issuer: discovery.issuer, audience: `api://${APP_CLIENT_ID}`, algorithms: ['RS256'] });
    const apim = seed.ready.apim['trustline-apim']!;
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(protectedHeader.x5t).toBe(protectedHeader.kid);
    expect(payload).toMatchObject({ aud: `api://${APP_CLIENT_ID}`, appid: apim.clientId, oid: apim.principalId, sub: apim.principalId, tid: TENANT, idtyp: 'app', ver: '1.0' });
    // msal derives expiresOn as (request time) + (expires_on − response time): a second boundary between the two moves it by 1 s.
    expect(Math.abs(result.expiresOnTimestamp - (payload.exp as number) * 1000)).toBeLessThanOrEqual(1000);

    // A tampered token is refused by the same validation.
    const [h, p, s] = result.token.split('.');
    const tampered = [h, p, s!.slice(0, -4) + (s!.endsWith('AAAA') ? 'BBBB' : 'AAAA')].join('.');
    await expect(jwtVerify(tampered, jwks, { issuer: discovery.issuer, audience: `api://${APP_CLIENT_ID}` })).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});
