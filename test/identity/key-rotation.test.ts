// Key rollover: a new key is published before it signs, the replaced key stays in JWKS for its grace,
// the ring survives a restart, and Easy Auth's key store follows a rotation under load (one refetch).
import { describe, expect, it } from 'vitest';
import { ManualClock, createHttpClient, sequentialIds, silentLogger } from '../../src/core/index.js';
import { openStore } from '../../src/state/index.js';
import { createIdentityService } from '../../src/identity/index.js';
import { OidcKeyStore } from '../../src/easyauth/token/oidc-key-store.js';
import { APIM_MI, FN_APP, TENANT_ID, decodeJwt, get, startTwin } from './helpers/fixtures.js';

const kidOf = (token: string) => String(decodeJwt(token).header.kid);
const jwksKids = async (origin: string) => ((await get(origin, `/${TENANT_ID}/discovery/v2.0/keys`)).body as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid);

describe('key rollover', () => {
  it('publishes the next key before it signs; keeps the old one for its grace; then drops it', async () => {
    const clock = new ManualClock();
    const twin = await startTwin({ clock, tokenCacheSeconds: 0 });
    try {
      const oldToken = (await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: APIM_MI.appId })).access_token;
      const oldKid = kidOf(oldToken);
      const r = await twin.service.rotateSigningKey({ activateAfterSeconds: 60, graceSeconds: 600 });
      expect(r.previousKid).toBe(oldKid);
      // Published at once, newest first, while the old key still signs.
      expect(await jwksKids(twin.origin)).toEqual([r.kid, oldKid]);
      expect(kidOf((await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: APIM_MI.appId })).access_token)).toBe(oldKid);
      clock.advance(60_000);
      const newToken = (await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: APIM_MI.appId })).access_token;
      expect(kidOf(newToken)).toBe(r.kid);
      expect(decodeJwt(newToken).header.x5t).toBe(r.kid);
      expect(await jwksKids(twin.origin)).toEqual([r.kid, oldKid]);
      expect(r.previousRemovedAt).toBe(r.activatesAt + 600);
      clock.advance(600_000);
      expect(await jwksKids(twin.origin)).toEqual([r.kid]);
      expect(twin.service.jwks().keys.map((k) => k.kid)).toEqual([r.kid]);
    } finally {
      await twin.close();
    }
  });

  it('two rotations within one clock tick sign with the later key and publish it first', async () => {
    const clock = new ManualClock();
    const twin = await startTwin({ clock, tokenCacheSeconds: 0 });
    try {
      const first = await twin.service.rotateSigningKey({ activateAfterSeconds: 0 });
      const second = await twin.service.rotateSigningKey({ activateAfterSeconds: 0 });
      expect(second.previousKid).toBe(first.kid);
      const token = (await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: APIM_MI.appId })).access_token;
      expect(kidOf(token)).toBe(second.kid);
      expect((await jwksKids(twin.origin))[0]).toBe(second.kid);
    } finally {
      await twin.close();
    }
  });

  it('the default grace covers the longest token lifetime (MI: 24 h) plus 5 minutes', async () => {
    const clock = new ManualClock();
    const twin = await startTwin({ clock });
    try {
      const r = await twin.service.rotateSigningKey();
      expect(r.activatesAt).toBe(clock.now() / 1000);
      expect(r.previousRemovedAt - r.activatesAt).toBe(86400 + 300);
    } finally {
      await twin.close();
    }
  });

  it('the ring is persisted: a restart signs with the rotated key and still publishes the old one', async () => {
    const clock = new ManualClock();
    const store = openStore({ inMemory: true });
    const base = { store, clock, ids: sequentialIds(), logger: silentLogger, tenantId: TENANT_ID, identityHeader: 'x' };
    const first = await createIdentityService(base);
    const oldKid = first.jwks().keys[0]!.kid;
    const r = await first.rotateSigningKey();
    first.close();
    const second = await createIdentityService(base);
    expect(second.jwks().keys.map((k) => k.kid)).toEqual([r.kid, oldKid]);
    expect(second.signingKey.cert).not.toBe(undefined);
    second.close();
  });

  it("Easy Auth's key store follows a rotation under load: 100 concurrent new-kid lookups, one refetch", async () => {
    const clock = new ManualClock();
    const twin = await startTwin({ clock, tokenCacheSeconds: 0 });
    const http = createHttpClient();
    try {
      const ks = new OidcKeyStore({
        metadataUrl: `${twin.origin}/${TENANT_ID}/v2.0/.well-known/openid-configuration`,
        httpClient: http,
        clock,
        logger: silentLogger,
        cacheSeconds: 86400,
        refetchMinIntervalSeconds: 300,
      });
      const oldKid = kidOf((await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId, clientId: APIM_MI.appId })).access_token);
      expect(await ks.key(oldKid)).toBeDefined();
      expect(ks.fetchCount).toBe(1);
      const r = await twin.service.rotateSigningKey();
      const lookups = await Promise.all(Array.from({ length: 100 }, () => ks.key(r.kid)));
      expect(lookups.every((k) => k !== undefined)).toBe(true);
      expect(ks.fetchCount).toBe(2);
      // Tokens the old key signed keep validating through the grace.
      expect(await ks.key(oldKid)).toBeDefined();
      // A kid nobody published is refused without another fetch inside the interval.
      expect(await ks.key('not-a-kid')).toBeUndefined();
      expect(ks.fetchCount).toBe(2);
    } finally {
      await http.close();
      await twin.close();
    }
  });
});
