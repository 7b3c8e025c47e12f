/**
 * `trustline directory …` and `trustline keys rotate` against a running twin, then jose from outside the
 * twin: discovery from the ready file's authority, createRemoteJWKSet + jwtVerify across a key rotation,
 * and a retired key failing after its grace.
 */
import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetch as undiciFetch } from 'undici';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { runCli } from '../helpers/cli-process.js';
import { TENANT, useRunningSeed } from '../helpers/seed.js';

describe('directory and keys commands, jose from outside', () => {
  const seed = useRunningSeed('trustline-dircli-', ['--in-memory']);
  const cli = (...args: string[]) => runCli([...args, '--ready-file', `${seed.dir}/ready.json`]);
  const tlsFetch = (url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: seed.tls }) as unknown as Promise<Response>;
  let appId = '';
  let secret = '';

  async function token(): Promise<string> {
    const res = await tlsFetch(`${seed.ready.identity.authority}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appId, client_secret: secret, scope: 'api://orders/.default' }),
    });
    const body = (await res.json()) as { access_token?: string };
    expect(res.status).toBe(200);
    return body.access_token!;
  }

  it('adds an app with a generated secret, a resource app with a role, a user and an assignment', async () => {
    const added = await cli('directory', 'add-app', '--name', 'cli-app', '--generate-secret', '--json');
    expect(added.code).toBe(0);
    ({ appId, secret } = JSON.parse(added.output.trim().split('\n').at(-1)!) as { appId: string; secret: string });
    expect(appId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await cli('directory', 'add-app', '--name', 'orders', '--identifier-uri', 'api://orders', '--role', 'Orders.Read')).code).toBe(0);
    expect((await cli('directory', 'add-user', '--upn', 'bob@contoso.test', '--password', 'pw')).code).toBe(0);
    expect((await cli('directory', 'assign', '--principal', 'cli-app', '--resource', 'orders', '--role', 'Orders.Read')).code).toBe(0);
    const bad = await cli('directory', 'assign', '--principal', 'cli-app', '--resource', 'orders', '--role', 'Nope');
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/defines no app role 'Nope'/);

    const list = JSON.parse((await cli('directory', 'list', '--json')).output) as { applications: Array<{ displayName: string }>; users: Array<{ userPrincipalName: string }>; appRoleAssignments: unknown[] };
    expect(list.applications.map((a) => a.displayName)).toEqual(expect.arrayContaining(['cli-app', 'orders', 'trustline-func']));
    expect(list.users.map((u) => u.userPrincipalName)).toEqual(['bob@contoso.test']);
    expect(list.appRoleAssignments).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(secret);

    const t = await token();
    expect(JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: 'api://orders', appid: appId, roles: ['Orders.Read'] });
  }, 180_000);

  it('jose verifies through discovery from the authority, across a rotation; the retired key fails after its grace', async () => {
    const authority = seed.ready.identity.authority;
    const discovery = (await (await tlsFetch(`${authority}/v2.0/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string; token_endpoint: string };
    expect(discovery.issuer).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
    expect(discovery.jwks_uri).toBe(`${authority}/discovery/v2.0/keys`);
    expect(discovery.token_endpoint).toBe(`${authority}/oauth2/v2.0/token`);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri), { cooldownDuration: 0, [customFetch]: tlsFetch });
    const verify = (t: string, set = jwks) => jwtVerify(t, set, { issuer: `https://sts.windows.net/${TENANT}/`, audience: 'api://orders', algorithms: ['RS256'] });

    const before = await token();
    await verify(before);
    // The grace must outlast the CLI start and the verifications below on a loaded machine (they took > 3 s there).
    const GRACE_S = 15;
    const rotated = await cli('keys', 'rotate', '--grace', String(GRACE_S), '--json');
    expect(rotated.code).toBe(0);
    const r = JSON.parse(rotated.output.trim().split('\n').at(-1)!) as { kid: string; previousKid: string; previousRemovedAt: number };
    expect(decodeProtectedHeader(before).kid).toBe(r.previousKid);
    const after = await token();
    expect(decodeProtectedHeader(after).kid).toBe(r.kid);
    // The cached JWKS lacks the new kid: jose refetches and finds it; the old token still verifies.
    await verify(after);
    await verify(before);
    // The twin says when the old key leaves JWKS (seconds since the epoch, rounded down).
    await sleep(Math.max(0, (r.previousRemovedAt + 1) * 1000 + 200 - Date.now()));
    // After the grace the old key is gone from JWKS: a validator fetching now refuses the old token.
    const fresh = createRemoteJWKSet(new URL(discovery.jwks_uri), { [customFetch]: tlsFetch });
    await verify(after, fresh);
    await expect(verify(before, fresh)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  }, 180_000);
});
