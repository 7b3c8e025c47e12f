// Wrong IDENTITY_HEADER: the twin answers 401 JSON and ManagedIdentityCredential throws
// CredentialUnavailableError. Own file: msal-node caches the MI source process-wide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialUnavailableError, ManagedIdentityCredential } from '@azure/identity';
import { systemClock } from '../../src/core/index.js';
import { FN_APP, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
const seen: Array<{ url: string | undefined; status: number }> = [];

beforeAll(async () => {
  twin = await startTwin({ clock: systemClock });
  twin.server.prependListener('request', (req, res) => res.on('finish', () => seen.push({ url: req.url, status: res.statusCode })));
  process.env.IDENTITY_ENDPOINT = `${twin.origin}/msi/token`;
  process.env.IDENTITY_HEADER = 'not-the-secret';
});

afterAll(async () => {
  await twin.close();
});

describe('ManagedIdentityCredential with a wrong IDENTITY_HEADER', () => {
  it('throws CredentialUnavailableError carrying the twin message; one request, 401', async () => {
    const credential = new ManagedIdentityCredential();
    const error = await credential.getToken(FN_APP.appId).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.');
    expect(message).toMatch(/Correlation ID: eeeeeeee-0000-4000-8000-[0-9a-f]{12}/);
    expect(seen).toEqual([{ url: `/msi/token?api-version=2019-08-01&resource=${FN_APP.appId}`, status: 401 }]);
  });
});
