/**
 * Issue 8, faults under load: key rollover. While bursts of requests run through the gateway, the twin's Entra
 * rotates its signing key; tokens signed by the new key reach the site, whose Easy Auth does not know that kid
 * yet: one shared JWKS refetch, and every request still answers 200. Tokens signed by the replaced key keep
 * working while it is published (its grace period).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createPrivateKey, sign } from 'node:crypto';
import { Agent, request } from 'undici';
import { memoryLogger } from '../../src/core/index.js';
import type { Twin } from '../../src/runtime/index.js';
import { APP_CLIENT_ID } from '../helpers/seed.js';
import { startSeedTwin, type SeedTwin } from '../helpers/seed-twin.js';

const burst = (n: number, call: () => Promise<number>) => Promise.all(Array.from({ length: n }, call));
const kidOf = (t: string) => (JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;

describe('key rollover under load', () => {
  let twin: Twin;
  let tls: Agent;
  const logger = memoryLogger();

  let seed: SeedTwin | undefined;

  beforeAll(async () => {
    seed = await startSeedTwin('trustline-rollover-', { subscriptionId: '1a2b3c4d-0000-4000-8000-0000000000aa', logger });
    ({ twin, tls } = seed);
  });
  afterAll(async () => {
    await seed?.close();
  });

  const viaGateway = async () => {
    const r = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await r.body.dump();
    return r.statusCode;
  };
  const toSite = async (token: string) => {
    const r = await request(`${twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    await r.body.dump();
    return r.statusCode;
  };
  /** A token like `t` (one claim made unique), signed by the key that signs now. */
  const resign = (t: string, uti: string, kid: string) => {
    const [, p] = t.split('.') as [string, string];
    const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: kid, kid })).toString('base64url');
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), uti };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(twin.identity.signingKey.key)).toString('base64url')}`;
  };

  it('requests keep answering 200 across a rotation; the new kid is fetched once; the old key keeps working during its grace', async () => {
    const apimId = twin.ready().apim['trustline-apim']!.resourceId;
    const oldToken = (await twin.identity.issueManagedIdentityToken({ resource: APP_CLIENT_ID, ownerResourceId: apimId })).access_token;
    const oldKid = kidOf(oldToken);
    expect(new Set(await burst(40, viaGateway))).toEqual(new Set([200]));

    const during = burst(40, viaGateway);
    const rotation = await twin.identity.rotateSigningKey();
    expect(rotation.kid).not.toBe(oldKid);
    expect(new Set(await during)).toEqual(new Set([200]));

    // 60 concurrent requests, each with a distinct token signed by the new key (a kid the site has never seen).
    const fresh = Array.from({ length: 60 }, (_, i) => resign(oldToken, `rollover-${i}`, rotation.kid));
    expect(kidOf(fresh[0]!)).toBe(rotation.kid);
    const refetchesBefore = logger.lines.filter((l) => l.includes('unknown signing key id; refetching OIDC keys')).length;
    const statuses = await Promise.all(fresh.map((t) => toSite(t)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    const refetches = logger.lines.filter((l) => l.includes('unknown signing key id; refetching OIDC keys')).length - refetchesBefore;
    expect(refetches).toBe(1);

    // The replaced key is still published (grace): its tokens keep working, through the gateway too.
    expect(await toSite(oldToken)).toBe(200);
    expect(new Set(await burst(40, viaGateway))).toEqual(new Set([200]));
    expect(twin.identity.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, rotation.kid]));
  });
});
