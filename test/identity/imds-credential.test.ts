// Real ManagedIdentityCredential through the IMDS source (AZURE_POD_IDENTITY_AUTHORITY_HOST).
// Own file: msal-node caches the MI source process-wide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { systemClock } from '../../src/core/index.js';
import { APIM_MI, FN_APP, TENANT_ID, UAMI, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
const seen: Array<{ url: string | undefined; metadata: string | undefined }> = [];

beforeAll(async () => {
  twin = await startTwin({ clock: systemClock });
  twin.server.prependListener('request', (req) => seen.push({ url: req.url, metadata: req.headers.metadata as string | undefined }));
  delete process.env.IDENTITY_ENDPOINT;
  delete process.env.IDENTITY_HEADER;
  delete process.env.MSI_ENDPOINT;
  process.env.AZURE_POD_IDENTITY_AUTHORITY_HOST = twin.origin;
});

afterAll(async () => {
  await twin.close();
});

describe('ManagedIdentityCredential → IMDS route', () => {
  it('gets a token (msal requests /token/ with a trailing slash and Metadata: true)', async () => {
    const token = await new ManagedIdentityCredential().getToken(`api://${FN_APP.appId}/.default`);
    expect(seen).toEqual([
      { url: `/metadata/identity/oauth2/token/?api-version=2018-02-01&resource=api%3A%2F%2F${FN_APP.appId}`, metadata: 'true' },
    ]);
    const { payload } = decodeJwt(token.token);
    expect([payload.aud, payload.iss, payload.appid, payload.oid]).toEqual([`api://${FN_APP.appId}`, `https://sts.windows.net/${TENANT_ID}/`, APIM_MI.appId, APIM_MI.objectId]);
    // msal derives expiresOn as (request time) + (expires_on − response time): a second boundary between the two moves it by 1 s.
    expect(Math.abs(token.expiresOnTimestamp - (payload.exp as number) * 1000)).toBeLessThanOrEqual(1000);
  });

  it('user-assigned client_id', async () => {
    const token = await new ManagedIdentityCredential({ clientId: UAMI.appId }).getToken(FN_APP.appId);
    expect(seen.at(-1)!.url).toBe(`/metadata/identity/oauth2/token/?api-version=2018-02-01&resource=${FN_APP.appId}&client_id=${UAMI.appId}`);
    expect(decodeJwt(token.token).payload.appid).toBe(UAMI.appId);
  });
});
