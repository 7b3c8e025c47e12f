/**
 * Easy Auth session lifetime end to end, on an injected clock: `login.cookieExpiration` (FixedTime) ends the
 * session, `/.auth/refresh` renews it within `tokenStore.tokenRefreshExtensionHours` after it ended (with the
 * provider's refresh token, which Entra keeps valid for 90 days) and refuses after; IdentityProviderDerived sessions
 * end with the provider tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { ManualClock, randomIds, silentLogger } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';
import { Browser, browserSignIn } from './helpers/browser.js';

const TENANT = '2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091';
const FIXED = '2b3c4d5e-6f70-4812-9a3b-00000000f1ed';
const DERIVED = '2b3c4d5e-6f70-4812-9a3b-00000000de71';
const SECRET = 'session-lifetime-secret';
type Json = Record<string, any>;

const clock = new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 0));
const HOUR = 3600_000;

describe('Easy Auth session lifetime (cookieExpiration, tokenRefreshExtensionHours)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const sites: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-session-life-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000003', resourceGroup: 'rg-life', location: 'westeurope', clock, ids: randomIds, logger: silentLogger });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const base = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: Json[] };
    for (const [name, clientId, login] of [
      ['life-fixed', FIXED, { cookieExpiration: { convention: 'FixedTime', timeToExpiration: '01:00:00' }, tokenStore: { enabled: true, tokenRefreshExtensionHours: 72 } }],
      ['life-derived', DERIVED, { cookieExpiration: { convention: 'IdentityProviderDerived' }, tokenStore: { enabled: true, tokenRefreshExtensionHours: 2 } }],
    ] as const) {
      const t = structuredClone(base);
      t.resources.find((r) => r.type === 'Microsoft.Web/sites')!.properties.siteConfig.appSettings.push({ name: 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET', value: SECRET });
      const auth = t.resources.find((r) => r.type === 'Microsoft.Web/sites/config')!.properties;
      auth.globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage';
      auth.identityProviders.azureActiveDirectory.registration.clientSecretSettingName = 'MICROSOFT_PROVIDER_AUTHENTICATION_SECRET';
      auth.identityProviders.azureActiveDirectory.login = { loginParameters: ['scope=openid profile offline_access'] };
      auth.login = login;
      await twin.deploy({ deploymentName: name, template: t as never, parameters: { sites_function_name: { value: name }, apimServiceName: { value: `${name}-apim` }, appClientId: { value: clientId }, tenantID: { value: TENANT } } });
      sites[name] = twin.ready().sites[name]!.url;
    }
    twin.identity.applyDirectory({
      doc: {
        applications: [
          { displayName: 'life-fixed', appId: FIXED, passwordCredentials: [{ secretText: SECRET }], redirectUris: ['https://127.0.0.1/.auth/login/aad/callback'] },
          { displayName: 'life-derived', appId: DERIVED, passwordCredentials: [{ secretText: SECRET }], redirectUris: ['https://127.0.0.1/.auth/login/aad/callback'] },
        ],
        users: [{ userPrincipalName: 'carol@contoso.test', displayName: 'Carol', password: 'carol-pw' }],
      },
    });
  }, 180_000);
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hello = async (b: Browser, site: string) => (await b.go(`${site}/api/hello`)).status;

  it('FixedTime: the cookie and the session end after timeToExpiration; /.auth/refresh renews within tokenRefreshExtensionHours, not after', async () => {
    const site = sites['life-fixed']!;
    const b = new Browser(tls);
    const start = clock.now();
    const callback = await browserSignIn(b, site, 'carol@contoso.test', 'carol-pw');
    expect(callback.status).toBe(302);
    expect(String(callback.set)).toContain(`expires=${new Date(start + HOUR).toUTCString()}`);
    clock.advance(HOUR - 60_000);
    expect(await hello(b, site)).toBe(200);
    clock.advance(2 * 60_000);
    expect(await hello(b, site)).toBe(302);
    // 30 hours after the session ended: past the provider refresh token's first day, inside the 72 h extension.
    clock.advance(30 * HOUR);
    expect((await b.go(`${site}/.auth/me`)).status).toBe(401);
    expect((await b.go(`${site}/.auth/refresh`)).status).toBe(200);
    expect(await hello(b, site)).toBe(200);
    const [after] = JSON.parse((await b.go(`${site}/.auth/me`)).text) as Json[];
    expect(new Date(after!.expires_on).getTime()).toBeGreaterThan(clock.now());
    // The refreshed session ends an hour after the refresh, and may be refreshed until 72 h after that.
    clock.advance(HOUR + 60_000);
    expect(await hello(b, site)).toBe(302);
    clock.advance(72 * HOUR);
    expect((await b.go(`${site}/.auth/refresh`)).status).toBe(401);
    expect(await hello(b, site)).toBe(302);
  });

  it('IdentityProviderDerived: the session ends with the provider tokens; refresh allowed for tokenRefreshExtensionHours (2)', async () => {
    const site = sites['life-derived']!;
    const b = new Browser(tls);
    expect((await browserSignIn(b, site, 'carol@contoso.test', 'carol-pw')).status).toBe(302);
    const [entry] = JSON.parse((await b.go(`${site}/.auth/me`)).text) as Json[];
    const tokensEnd = new Date(entry!.expires_on).getTime();
    expect(tokensEnd - clock.now()).toBeGreaterThanOrEqual(HOUR - 1000);
    expect(tokensEnd - clock.now()).toBeLessThanOrEqual(1.5 * HOUR + 1000);
    clock.set(tokensEnd - 60_000);
    expect(await hello(b, site)).toBe(200);
    clock.set(tokensEnd + 60_000);
    expect(await hello(b, site)).toBe(302);
    clock.set(tokensEnd + 2 * HOUR + 60_000);
    expect((await b.go(`${site}/.auth/refresh`)).status).toBe(401);
  });
});
