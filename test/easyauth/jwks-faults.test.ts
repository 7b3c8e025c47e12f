/**
 * Issue 8, faults under load: the issuer's metadata/JWKS endpoint goes down. Tokens signed by cached keys keep
 * working (also after the routine refresh is due), a token with a new kid fails closed (401, reason in the
 * decision), and once the endpoint is back a new kid is picked up (key rollover).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { miV1Claims, newSigningKey } from './helpers/test-issuer.js';
import { useEasyAuthHarness } from './helpers/harness.js';

const ea = useEasyAuthHarness();
const { front, now, bearer, clock } = ea;
afterEach(() => {
  ea.issuer.down = false;
});

const keyReason = (f: { traces: Array<{ steps: Array<{ step: string; ok: boolean; reason: string }> }> }) =>
  f.traces.at(-1)!.steps.find((s) => s.step === 'key' && !s.ok)?.reason;

describe('JWKS endpoint down', () => {
  it('cached keys keep working under load (also past the refresh time); a new kid fails closed; back up → rollover works', async () => {
    const f = await front();
    const exp = now() + 5 * 86_400;
    const first = await ea.issuer.sign(miV1Claims(now(), { exp }));
    expect((await f.get('/api/x', bearer(first))).status).toBe(200);

    ea.issuer.down = true;
    clock.advance(86_401 * 1000); // the metadata cache (24 h) is due for a refresh: it fails
    const hitsBefore = ea.issuer.hits.length;
    // 120 concurrent requests with 40 distinct tokens (not in the verified-token cache): all verified with the cached key.
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => ea.issuer.sign(miV1Claims(now(), { exp, uti: `u${i}` }))));
    const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => f.get('/api/x', bearer(tokens[i % tokens.length]!))));
    expect(answers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    // One refresh attempt for the whole burst, not one per request.
    expect(ea.issuer.hits.length - hitsBefore).toBe(1);

    const rolled = newSigningKey();
    ea.issuer.published = [ea.issuer.key, rolled];
    clock.advance(301 * 1000); // past the unknown-kid refetch interval
    const newKid = await ea.issuer.sign(miV1Claims(now(), { exp }), { key: rolled });
    const r = await f.get('/api/x', bearer(newKid));
    expect(r.status).toBe(401);
    expect(keyReason(f)).toMatch(/^no signing key with kid '.+' in https:\/\/login\.microsoftonline\.com\/.+ \(the keys could not be refreshed: .*503/);

    ea.issuer.down = false;
    clock.advance(301 * 1000);
    expect((await f.get('/api/x', bearer(newKid))).status).toBe(200);
    expect((await f.get('/api/x', bearer(first))).status).toBe(200);
    ea.issuer.published = [ea.issuer.key];
  });

  it('never fetched and the endpoint is down: 500 (a configuration error, ERR_EASYAUTH_METADATA_FETCH)', async () => {
    ea.issuer.down = true;
    const f = await front();
    const r = await f.get('/api/x', bearer(await ea.issuer.sign(miV1Claims(now()))));
    expect(r.status).toBe(500);
    expect(f.traces.at(-1)!.errorCode).toBe('ERR_EASYAUTH_METADATA_FETCH');
  });
});
