/**
 * The device authorization grant with real clients against `trustline up --directory`: msal-node's
 * PublicClientApplication.acquireTokenByDeviceCode (its own process) and `az login --use-device-code` (Debian's az,
 * MSAL Python, its own AZURE_CONFIG_DIR, Entra's host name routed to the twin). While each client polls, the test plays
 * the browser: it follows the verification URI the client was given, enters the user code and signs in with the
 * directory user's password on the sign-in form. The tokens then open the site (msal-node) and ARM (`az account
 * get-access-token`). An app without "Allow public client flows" gets Entra's AADSTS7000218 through msal-node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { useAzCli } from '../helpers/az-cli.js';
import { runClient } from './clients/run-client.js';

const DEVICE = 'b0b0b0b0-0000-4000-8000-0000000000d1';
const WEB_ONLY = 'b0b0b0b0-0000-4000-8000-0000000000d2';
const AZ_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
const dir = mkdtempSync(join(tmpdir(), 'trustline-devicecode-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(
  directoryFile,
  JSON.stringify({
    applications: [
      { displayName: 'device-client', appId: DEVICE, isFallbackPublicClient: true },
      { displayName: 'web-only', appId: WEB_ONLY, passwordCredentials: [{ secretText: 'web-only-secret' }] },
      { displayName: 'trustline-func', appId: APP_CLIENT_ID, identifierUris: [`api://${APP_CLIENT_ID}`], oauth2PermissionScopes: [{ value: 'user_impersonation' }], redirectUris: ['https://trustline-func.azurewebsites.net/.auth/login/aad/callback'] },
    ],
    users: [{ userPrincipalName: 'alice@contoso.test', displayName: 'Alice', password: 'alice-pw' }],
  }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A browser on the user's machine: open the verification page, enter the code, sign in on the form it shows. */
async function signInOnDevicePage(verificationUri: string, userCode: string, dispatcher: Dispatcher): Promise<string> {
  const formOf = (html: string, id: string) => new URL(new RegExp(`<form method="post" action="([^"]+)" id="${id}"`).exec(html)![1]!.replace(/&amp;/g, '&'), verificationUri);
  const codePage = await (await undiciFetch(verificationUri, { dispatcher })).text();
  const signInPage = await (await undiciFetch(formOf(codePage, 'devicecode'), { method: 'POST', body: new URLSearchParams({ otc: userCode }), dispatcher })).text();
  const ctx = /name="ctx" value="([^"]+)"/.exec(signInPage)?.[1];
  if (ctx === undefined) throw new Error(`no sign-in form after the code:\n${signInPage}`);
  const done = await undiciFetch(formOf(signInPage, 'signin'), { method: 'POST', body: new URLSearchParams({ ctx, username: 'alice@contoso.test', password: 'alice-pw' }), dispatcher });
  return done.text();
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('device code flow with real clients', () => {
  const seed = useRunningSeed('trustline-devicecode-', ['--in-memory', '--directory', directoryFile]);
  const azCli = useAzCli(seed, 'trustline-devicecodecfg-');
  type Out = { token?: string; claims?: Record<string, unknown>; idClaims?: Record<string, unknown>; account?: string; error?: string; errorCode?: string };

  it('msal-node acquireTokenByDeviceCode: the user signs in on the page while msal polls; the token opens the site as the user', async () => {
    let signedIn: Promise<string> | undefined;
    let seen: Record<string, unknown> | undefined;
    const r = await runClient<Out>('msal-device-code.mjs', { AUTHORITY: seed.ready.identity.authority, CLIENT_ID: DEVICE, SCOPE: `${APP_CLIENT_ID}/user_impersonation` }, seed.ready.caCertificate, (line) => {
      const d = line.deviceCode as Record<string, unknown> | undefined;
      if (!d || signedIn) return;
      seen = d;
      signedIn = signInOnDevicePage(d.verificationUri as string, d.userCode as string, seed.tls);
    });
    expect(r.error).toBeUndefined();
    expect(seen).toMatchObject({ verificationUri: `${new URL(seed.ready.identity.authority).origin}/common/oauth2/deviceauth`, expiresIn: 900, interval: 5 });
    expect(seen!.message).toBe(`To sign in, use a web browser to open the page ${String(seen!.verificationUri)} and enter the code ${String(seen!.userCode)} to authenticate.`);
    expect(await signedIn).toContain('You have signed in to the device-client application on your device.');
    expect(r.account).toBe('alice@contoso.test');
    expect(r.claims).toMatchObject({ aud: APP_CLIENT_ID, appid: DEVICE, appidacr: '0', upn: 'alice@contoso.test', scp: 'user_impersonation', tid: TENANT, ver: '1.0' });
    expect(r.idClaims).toMatchObject({ aud: DEVICE, preferred_username: 'alice@contoso.test' });
    const res = await undiciFetch(`${seed.ready.sites['trustline-func']!.url}/api/hello`, { headers: { authorization: `Bearer ${r.token!}` }, dispatcher: seed.tls });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect((JSON.parse(text) as { headers: Record<string, string> }).headers['x-ms-client-principal-name']).toBe('alice@contoso.test');
  }, 120_000);

  it('msal-node with an app that does not allow public client flows: AADSTS7000218 on the first poll', async () => {
    const r = await runClient<Out>('msal-device-code.mjs', { AUTHORITY: seed.ready.identity.authority, CLIENT_ID: WEB_ONLY, SCOPE: `${APP_CLIENT_ID}/user_impersonation` }, seed.ready.caCertificate);
    // msal-node stops polling on any error but authorization_pending and reports only the error name.
    expect(r).toMatchObject({ errorCode: 'post_request_failed', error: 'post_request_failed: invalid_client' });
  }, 120_000);

  it('az login --use-device-code (Azure CLI client id, Entra host inside the twin), then az account get-access-token', async () => {
    expect((await azCli.az(['cloud', 'register', '-n', 'Trustline', '--endpoint-resource-manager', 'https://management.azure.com/'])).code).toBe(0);
    expect((await azCli.az(['cloud', 'set', '-n', 'Trustline'])).code).toBe(0);
    const browser = new ProxyAgent({ uri: azCli.proxyUrl, requestTls: { ca: readFileSync(seed.ready.caCertificate, 'utf8') } });
    try {
      const az = azCli.spawn(['login', '--use-device-code', '--tenant', TENANT, '--allow-no-subscriptions', '-o', 'json']);
      let stdout = '';
      let stderr = '';
      let signedIn: Promise<string> | undefined;
      az.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      az.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /open the page (\S+) and enter the code (\w+) to authenticate/.exec(stderr);
        if (m && !signedIn) signedIn = signInOnDevicePage(m[1]!, m[2]!, browser);
      });
      const code = await new Promise<number | null>((resolve) => az.once('exit', resolve));
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/To sign in, use a web browser to open the page https:\/\/login\.microsoftonline\.com\/common\/oauth2\/deviceauth and enter the code [A-Z2-9]{9} to authenticate\./);
      expect(await signedIn).toContain('You have signed in to the Microsoft Azure CLI application on your device.');
      expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ tenantId: TENANT, user: { name: 'alice@contoso.test', type: 'user' } })]);
    } finally {
      await browser.close();
    }
    const arm = await azCli.az(['account', 'get-access-token', '-o', 'json']);
    expect(arm.code, arm.stderr).toBe(0);
    const token = JSON.parse(arm.stdout) as { accessToken: string; tenant: string };
    expect(token.tenant).toBe(TENANT);
    expect(claimsOf(token.accessToken)).toMatchObject({ aud: 'https://management.core.windows.net/', appid: AZ_CLI, appidacr: '0', upn: 'alice@contoso.test', scp: 'user_impersonation', iss: `https://sts.windows.net/${TENANT}/`, ver: '1.0' });
  }, 240_000);
});
