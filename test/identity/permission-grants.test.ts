// oauth2PermissionGrants (consent) shape the `scp` of delegated tokens: admin consent (AllPrincipals) and a user's own
// consent (Principal), for the resource asked; `.default` and v1 `resource=` give every consented scope; a scope not
// consented → AADSTS65001 consent_required; a client with no grant at all keeps the presumed consent (compat flag).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { TENANT_ID, decodeJwt, startTwin, type Twin } from './helpers/fixtures.js';

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const CONSENTED = 'cccc0001-0000-4000-8000-000000000001';
const NO_GRANTS = 'cccc0002-0000-4000-8000-000000000002';
const REDIRECT = 'http://localhost/cb';
const verifier = 'a-verifier-of-more-than-forty-three-characters-0123456789';
const challenge = createHash('sha256').update(verifier).digest('base64url');

const directory = {
  applications: [
    { displayName: 'consented-client', appId: CONSENTED, redirectUris: [REDIRECT] },
    { displayName: 'unconsented-client', appId: NO_GRANTS, redirectUris: [REDIRECT] },
    { displayName: 'orders', identifierUris: ['api://orders'], oauth2PermissionScopes: [{ value: 'Orders.Read' }, { value: 'Orders.Write' }, { value: 'Orders.Admin' }] },
    { displayName: 'billing', identifierUris: ['api://billing'], oauth2PermissionScopes: [{ value: 'Billing.Read' }] },
  ],
  users: [
    { userPrincipalName: 'alice@contoso.test', password: 'alice-pw' },
    { userPrincipalName: 'bob@contoso.test', password: 'bob-pw' },
  ],
  oauth2PermissionGrants: [
    { client: 'consented-client', resource: 'orders', consentType: 'AllPrincipals' as const, scope: 'Orders.Read' },
    { client: 'consented-client', resource: 'orders', consentType: 'Principal' as const, principal: 'alice@contoso.test', scope: 'Orders.Write' },
  ],
};

let twin: Twin;
let strict: Twin;
beforeAll(async () => {
  twin = await startTwin({ clock });
  twin.service.applyDirectory({ text: JSON.stringify(directory) });
  strict = await startTwin({ clock, flags: { presumeConsentWithoutGrants: false } });
  strict.service.applyDirectory({ text: JSON.stringify(directory) });
});
afterAll(async () => {
  await twin?.close();
  await strict?.close();
});

/** Authorization code + PKCE for a public client, then the code redemption: the token endpoint's answer. */
async function userToken(on: Twin, clientId: string, user: string, scope: string, v: 1 | 2 = 2, resource?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const base = `${on.origin}/${TENANT_ID}/oauth2/${v === 2 ? 'v2.0/' : ''}`;
  const params = { client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', ...(v === 2 ? { scope } : { resource: resource! }) };
  const page = await (await fetch(`${base}authorize?${new URLSearchParams(params)}`)).text();
  const ctx = /name="ctx" value="([^"]+)"/.exec(page)![1]!;
  const signed = await fetch(`${base}authorize`, { method: 'POST', body: new URLSearchParams({ ctx, username: user, password: user.startsWith('alice') ? 'alice-pw' : 'bob-pw' }), redirect: 'manual' });
  const code = new URL(signed.headers.get('location')!).searchParams.get('code')!;
  const form = { grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: REDIRECT, code_verifier: verifier, ...(v === 2 ? { scope } : {}) };
  const res = await fetch(`${base}token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const scp = (r: { body: Record<string, unknown> }) => decodeJwt(String(r.body.access_token)).payload.scp;

describe('consent shapes scp', () => {
  it('admin consent + the user\'s own: every consented scope, also those not asked (Entra), and the response scope says so', async () => {
    const r = await userToken(twin, CONSENTED, 'alice@contoso.test', 'api://orders/Orders.Read offline_access');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(scp(r)).toBe('Orders.Read Orders.Write');
    expect(r.body.scope).toBe('api://orders/Orders.Read api://orders/Orders.Write offline_access');
  });

  it('another user has only the admin consent', async () => {
    const r = await userToken(twin, CONSENTED, 'bob@contoso.test', 'api://orders/.default');
    expect(scp(r)).toBe('Orders.Read');
  });

  it('.default and v1 resource= give every consented scope, never an unconsented exposed one', async () => {
    expect(scp(await userToken(twin, CONSENTED, 'alice@contoso.test', 'api://orders/.default'))).toBe('Orders.Read Orders.Write');
    expect(scp(await userToken(twin, CONSENTED, 'alice@contoso.test', '', 1, 'api://orders'))).toBe('Orders.Read Orders.Write');
  });

  it('a scope nobody consented → 400 invalid_grant AADSTS65001, suberror consent_required', async () => {
    const r = await userToken(twin, CONSENTED, 'bob@contoso.test', 'api://orders/Orders.Write');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'invalid_grant', error_codes: [65001], suberror: 'consent_required' });
    expect(String(r.body.error_description)).toMatch(/^AADSTS65001: The user or administrator has not consented to use the application with ID 'cccc0001-0000-4000-8000-000000000001' named 'consented-client'\. Send an interactive authorization request for this user and resource\.\r\nTrace ID: /);
    expect(Object.keys(r.body).at(-1)).toBe('suberror');
  });

  it('a resource the client holds no grant for → AADSTS65001, even for .default', async () => {
    expect((await userToken(twin, CONSENTED, 'alice@contoso.test', 'api://billing/.default')).body.error_codes).toEqual([65001]);
  });

  it('a refresh for a scope not consented → AADSTS65001; for consented ones → the consented set', async () => {
    const first = await userToken(twin, CONSENTED, 'bob@contoso.test', 'api://orders/Orders.Read offline_access');
    const refresh = async (scope: string) => {
      const res = await fetch(`${twin.origin}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CONSENTED, refresh_token: String(first.body.refresh_token), scope }) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await refresh('api://orders/Orders.Admin')).body).toMatchObject({ error: 'invalid_grant', error_codes: [65001] });
    expect(scp(await refresh('api://orders/.default'))).toBe('Orders.Read');
  });

  it('a client with no grant at all: presumed consent by default (scp = what it asks), AADSTS65001 with the flag off', async () => {
    expect(scp(await userToken(twin, NO_GRANTS, 'bob@contoso.test', 'api://orders/Orders.Admin'))).toBe('Orders.Admin');
    expect(scp(await userToken(twin, NO_GRANTS, 'bob@contoso.test', 'api://orders/.default'))).toBe('Orders.Read Orders.Write Orders.Admin');
    expect((await userToken(strict, NO_GRANTS, 'bob@contoso.test', 'api://orders/Orders.Read')).body.error_codes).toEqual([65001]);
  });
});

describe('directory file grants', () => {
  it('a scope the resource does not expose, a Principal grant without a user: errors at their JSON path', () => {
    const bad = (g: Record<string, unknown>) => () => twin.service.applyDirectory({ text: JSON.stringify({ oauth2PermissionGrants: [g] }) });
    expect(bad({ client: 'consented-client', resource: 'orders', scope: 'Orders.Delete' })).toThrow(/exposes no delegated scope 'Orders.Delete'/);
    expect(bad({ client: 'consented-client', resource: 'orders', consentType: 'Principal', scope: 'Orders.Read' })).toThrow(/\(oauth2PermissionGrants\[0\]\.consentType\): The property 'principal' is required when 'consentType' is 'Principal'\./);
    expect(bad({ client: 'nobody', resource: 'orders', scope: 'Orders.Read' })).toThrow(/no application is named 'nobody'/);
  });
});
