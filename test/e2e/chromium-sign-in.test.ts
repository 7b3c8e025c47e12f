/**
 * A real browser (headless Chromium, driven over the DevTools protocol) signs a directory user in through Easy
 * Auth: the function's URL → 302 /.auth/login/aad → the twin's sign-in page (filled and submitted as a user
 * would) → form_post to /.auth/login/aad/callback → the function, which sees the user's principal. The browser
 * runs with a fresh profile; the twin's certificates come from its own local CA, which the fresh profile does not
 * trust, so the browser is told to accept them (--ignore-certificate-errors).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';
import { launchChromium, type Cdp } from '../helpers/chromium.js';

const TENANT = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const CLIENT = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';

describe('headless Chromium signs a user in through Easy Auth', () => {
  let twin: Twin;
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let cdp: Cdp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-chromium-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000003', resourceGroup: 'rg-chromium', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    const auth = t.resources.find((r: { type: string }) => r.type === 'Microsoft.Web/sites/config').properties;
    auth.globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage';
    await twin.deploy({ deploymentName: 'chromium', template: t, parameters: { sites_function_name: { value: 'browser-fn' }, apimServiceName: { value: 'browser-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    twin.identity.applyDirectory({ doc: { users: [{ userPrincipalName: 'carol@contoso.test', displayName: 'Carol', password: 'carol-pw' }] } });

    browser = await launchChromium();
    cdp = browser.cdp;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the function with the user\'s principal', async () => {
    const { sessionId, evaluate, waitFor, navigate } = await cdp.tab();
    const site = twin.ready().sites['browser-fn']!.url;
    await navigate(`${site}/api/hello`);
    await waitFor(`!!document.querySelector('form#signin input[name=username]')`, 'the sign-in page');
    expect(await evaluate('location.origin')).toBe(new URL(twin.ready().identity.authority).origin);
    await evaluate(`document.querySelector('#username').value = 'carol@contoso.test'; document.querySelector('#password').value = 'carol-pw'; document.querySelector('form#signin').submit(); true`);
    await waitFor(`location.href.startsWith(${JSON.stringify(site + '/api/hello')}) && document.body && document.body.innerText.includes('x-ms-client-principal')`, 'the function');
    const fn = JSON.parse(await evaluate('document.body.innerText')) as { headers: Record<string, string> };
    expect(fn.headers['x-ms-client-principal-name']).toBe('carol@contoso.test');
    expect(fn.headers['x-ms-client-principal-idp']).toBe('aad');
    const cookies = (await cdp.send('Network.getCookies', { urls: [site] }, sessionId)).cookies as Array<{ name: string; httpOnly: boolean; secure: boolean }>;
    expect(cookies.find((c) => c.name === 'AppServiceAuthSession')).toMatchObject({ httpOnly: true, secure: true });
  });
});
