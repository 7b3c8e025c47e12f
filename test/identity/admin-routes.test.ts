// Administration routes of a running twin (/_trustline/…): the identity header is required; errors carry codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { IDENTITY_SECRET, startTwin, type Twin } from './helpers/fixtures.js';

let twin: Twin;
beforeAll(async () => {
  twin = await startTwin({ clock: new ManualClock() });
});
afterAll(async () => {
  await twin.close();
});

const call = async (method: string, path: string, body?: string, secret: string | null = IDENTITY_SECRET) => {
  const res = await fetch(`${twin.origin}/_trustline/${path}`, { method, ...(body === undefined ? {} : { body }), headers: secret === null ? {} : { 'X-IDENTITY-HEADER': secret } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('administration routes', () => {
  it('need the identity header', async () => {
    for (const secret of [null, 'wrong']) {
      expect((await call('GET', 'directory', undefined, secret)).status).toBe(401);
      expect((await call('POST', 'keys/rotate', '{}', secret)).status).toBe(401);
      expect((await call('POST', 'directory', '{"users":[{"userPrincipalName":"a@b.c"}]}', secret)).status).toBe(401);
    }
    expect(twin.service.jwks().keys).toHaveLength(1);
  });

  it('apply, list, rotate; a bad document is a coded 400 with its location', async () => {
    expect(await call('POST', 'directory', '{"users":[{"userPrincipalName":"a@b.c","password":"p"}]}')).toEqual({ status: 200, body: { applied: 1 } });
    const list = await call('GET', 'directory');
    expect(list.body.users).toEqual([{ tenantId: expect.any(String), userPrincipalName: 'a@b.c', displayName: 'a', id: expect.any(String), canSignIn: true }]);
    const bad = await call('POST', 'directory', '{"users":[{"upn":"x"}]}');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'ERR_IDENTITY_DIRECTORY_INVALID', location: { line: 1, jsonPath: 'users[0]' } });
    expect((await call('POST', 'directory', '{nope')).body.error).toBe('ERR_IDENTITY_DIRECTORY_INVALID');
    const rotated = await call('POST', 'keys/rotate', '{"graceSeconds": 60}');
    expect(rotated.status).toBe(200);
    const keys = await call('GET', 'keys');
    expect(keys.body.signingKid).toBe(rotated.body.kid);
    expect(keys.body.keys).toHaveLength(2);
  });
});
