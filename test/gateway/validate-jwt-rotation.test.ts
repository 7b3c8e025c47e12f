// validate-jwt against the Entra twin's openid-config at the gateway: the keys are fetched once and cached,
// an issuer's key rotation (a token with a kid the cache lacks) refetches them, at most once per 5 minutes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { FN_APP, TENANT_ID, startTwin, type Twin } from '../identity/helpers/fixtures.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const INVALID = '{ "statusCode": 401, "message": "Invalid JWT." }';

describe('validate-jwt: openid-config of the Entra twin, JWKS refetch on an unknown kid (behaviour 30)', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 2, 0, 0));
  let twin: Twin;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  let jwksFetches = 0;
  let metadataFetches = 0;
  const token = async () => (await twin.service.issueManagedIdentityToken({ resource: FN_APP.appId })).access_token;
  const call = async (t: string) => {
    const res = await fetch(`${gw.origin}/functions/hello`, { headers: { authorization: `Bearer ${t}` } });
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
  };

  beforeAll(async () => {
    twin = await startTwin({ clock, tokenCacheSeconds: 0 });
    twin.server.on('request', (req) => {
      if (req.url?.endsWith('/discovery/keys')) jwksFetches++;
      if (req.url?.endsWith('/.well-known/openid-configuration')) metadataFetches++;
    });
    backend = await startBackend();
    const policy = `<policies><inbound><base />
      <validate-jwt header-name="Authorization" require-scheme="Bearer">
        <openid-config url="${twin.origin}/${TENANT_ID}/.well-known/openid-configuration" />
        <audiences><audience>${FN_APP.appId}</audience></audiences>
        <issuers><issuer>https://sts.windows.net/${TENANT_ID}/</issuer></issuers>
      </validate-jwt></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
    gw = await startGateway(seedConfig({}, policy), backend.origin, clock);
  });
  afterAll(async () => {
    await gw?.stop();
    if (backend) await close(backend.server);
    await twin?.close();
  });

  it('a token of the twin passes; the metadata and keys are fetched once and then served from the cache', async () => {
    const t = await token();
    expect(await call(t)).toEqual({ status: 200, type: 'application/json', body: '{"ok":true}' });
    expect(await call(t)).toEqual({ status: 200, type: 'application/json', body: '{"ok":true}' });
    expect([metadataFetches, jwksFetches]).toEqual([1, 1]);
    expect(backend.seen.at(-1)!.headers.authorization).toBe(`Bearer ${t}`);
  });

  it('after the twin rotates its signing key, the first token with the new kid refetches the keys and passes', async () => {
    const r = await twin.service.rotateSigningKey({ activateAfterSeconds: 0 });
    const t = await token();
    expect(JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).kid).toBe(r.kid);
    expect(await call(t)).toEqual({ status: 200, type: 'application/json', body: '{"ok":true}' });
    expect([metadataFetches, jwksFetches]).toEqual([2, 2]);
    expect(await call(t)).toEqual({ status: 200, type: 'application/json', body: '{"ok":true}' });
    expect(jwksFetches).toBe(2);
  });

  it('a second unknown kid within 5 minutes of that refetch is refused without a fetch (401 "Invalid JWT."); after 5 minutes it refetches', async () => {
    clock.advance(1_000); // two keys activated in the same second: the twin keeps signing with the older one
    await twin.service.rotateSigningKey({ activateAfterSeconds: 0 });
    const t = await token();
    expect(await call(t)).toEqual({ status: 401, type: 'application/json', body: INVALID });
    expect(jwksFetches).toBe(2);
    expect(backend.seen.at(-1)!.headers.authorization).not.toBe(`Bearer ${t}`);
    clock.advance(298_000);
    expect((await call(t)).status).toBe(401);
    expect(jwksFetches).toBe(2);
    clock.advance(1_000);
    expect(await call(t)).toEqual({ status: 200, type: 'application/json', body: '{"ok":true}' });
    expect(jwksFetches).toBe(3);
  });

  it('the keys are fetched again after an hour, and concurrent kid misses share one fetch', async () => {
    const t = await token();
    clock.advance(3600_000);
    expect((await call(t)).status).toBe(200);
    expect(jwksFetches).toBe(4);
    await twin.service.rotateSigningKey({ activateAfterSeconds: 0 });
    clock.advance(300_000);
    const fresh = await token();
    const results = await Promise.all([call(fresh), call(fresh), call(fresh)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(jwksFetches).toBe(5);
  });

  it('a kid the issuer never published: 401 with reason TokenSignatureKeyNotFound, the refetch rate still applies', async () => {
    const forged = await token();
    const [h, p, s] = forged.split('.');
    const header = { ...JSON.parse(Buffer.from(h!, 'base64url').toString()), kid: 'never-published' };
    const t = [Buffer.from(JSON.stringify(header)).toString('base64url'), p, s].join('.');
    const before = jwksFetches;
    expect(await call(t)).toEqual({ status: 401, type: 'application/json', body: INVALID });
    expect(jwksFetches).toBe(before);
    const line = gw.logger.lines.find((l) => l.includes('401 GET') && l.includes('never-published'));
    expect(line).toContain('TokenSignatureKeyNotFound');
  });
});
