// Token signing off the event loop: the token endpoint's tokens signed on worker threads verify with the
// published key; concurrent requests spread over the workers; the event loop stays free meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { systemClock } from '../../src/core/index.js';
import { SigningPool } from '../../src/identity/keys/signing-pool.js';
import { FN_APP, TENANT_ID, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin({ clock: systemClock, signingWorkers: 2 });
  twin.service.applyDirectory({ doc: { applications: [{ displayName: 'bench-client', appId: 'f0f0f0f0-0000-4000-8000-000000000001', passwordCredentials: [{ secretText: 's' }] }] } });
});
afterAll(async () => {
  await twin.close();
});

describe('signing pool', () => {
  it('100 concurrent client-credential requests: every token verifies with the JWKS key', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'f0f0f0f0-0000-4000-8000-000000000001', client_secret: 's', scope: `${FN_APP.appId}/.default` });
    const bodies = await Promise.all(
      Array.from({ length: 100 }, async () => (await (await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string }),
    );
    const jwk = twin.service.jwks().keys[0]!;
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
    const utis = new Set<string>();
    for (const b of bodies) {
      const [h, p, s] = b.access_token.split('.');
      expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s!, 'base64url'))).toBe(true);
      utis.add(String(decodeJwt(b.access_token).payload.uti));
    }
    expect(utis.size).toBe(100);
  });

  it('the pool signs for any key it is given and rejects after close', async () => {
    const pool = new SigningPool(1);
    const pem = twin.service.signingKey;
    const kid = twin.service.jwks().keys[0]!.kid;
    const sig = await pool.sign(kid, pem, 'abc.def');
    expect(verify('sha256', Buffer.from('abc.def'), createPublicKey(pem.cert), Buffer.from(sig, 'base64url'))).toBe(true);
    await pool.close();
    await expect(pool.sign(kid, pem, 'x.y')).rejects.toThrow(/closed/);
  });
});
