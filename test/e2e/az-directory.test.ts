/**
 * The az CLI (Debian's azure-cli, /usr/bin/az, its own AZURE_CONFIG_DIR, the twin's CA in REQUESTS_CA_BUNDLE) with
 * a service principal from the directory file: `az cloud register` with the twin's endpoints (metadata/endpoints
 * through the proxy), `az login --service-principal` with the app's secret, `az account get-access-token` for
 * ARM and for the function app; the second token opens the site. Then workload identity federation as CI jobs use it
 * (`azure/login`): `az login --service-principal --federated-token` with the APIM identity's token for
 * api://AzureADTokenExchange, for an app whose federated credential trusts that identity.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { useAzCli } from '../helpers/az-cli.js';
import { directoryApplyFile } from '../../src/cli/commands/identity-admin.js';

const SP = 'd1d1d1d1-0000-4000-8000-0000000000a2';
const dir = mkdtempSync(join(tmpdir(), 'trustline-azdir-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(directoryFile, JSON.stringify({ applications: [{ displayName: 'az-deployer', appId: SP, passwordCredentials: [{ secretText: 'az-deployer-secret-1' }] }] }));

describe('az CLI with a directory service principal', () => {
  const seed = useRunningSeed('trustline-azdir-', ['--in-memory', '--directory', directoryFile]);
  const { az } = useAzCli(seed, 'trustline-azdircfg-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('registers the cloud, logs in with the app secret, gets access tokens that work', async () => {
    expect((await az(['cloud', 'register', '-n', 'Trustline', '--endpoint-resource-manager', 'https://management.azure.com/'])).code).toBe(0);
    expect((await az(['cloud', 'set', '-n', 'Trustline'])).code).toBe(0);
    const wrong = await az(['login', '--service-principal', '-u', SP, '-p', 'not-the-secret', '--tenant', TENANT]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('AADSTS7000215');
    const login = await az(['login', '--service-principal', '-u', SP, '-p', 'az-deployer-secret-1', '--tenant', TENANT, '-o', 'json']);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual([expect.objectContaining({ tenantId: TENANT, user: { name: SP, type: 'servicePrincipal' } })]);

    const arm = await az(['account', 'get-access-token', '-o', 'json']);
    expect(arm.code, arm.stderr).toBe(0);
    const armToken = JSON.parse(arm.stdout) as { accessToken: string; tenant: string; tokenType: string };
    expect(armToken).toMatchObject({ tenant: TENANT, tokenType: 'Bearer' });
    const armClaims = JSON.parse(Buffer.from(armToken.accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(armClaims).toMatchObject({ aud: 'https://management.core.windows.net/', appid: SP, appidacr: '1', iss: `https://sts.windows.net/${TENANT}/`, idtyp: 'app' });

    const fn = await az(['account', 'get-access-token', '--resource', APP_CLIENT_ID, '-o', 'json']);
    expect(fn.code, fn.stderr).toBe(0);
    const fnToken = (JSON.parse(fn.stdout) as { accessToken: string }).accessToken;
    const res = await undiciFetch(`${seed.ready.sites['trustline-func']!.url}/api/hello`, { headers: { authorization: `Bearer ${fnToken}` }, dispatcher: seed.tls });
    expect(res.status).toBe(200);
  }, 240_000);

  it('az login --federated-token with a managed identity token: the federated app\'s token opens the site', async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const ficApp = 'd1d1d1d1-0000-4000-8000-0000000000a3';
    const file = join(dir, 'federated.json');
    writeFileSync(file, JSON.stringify({ applications: [{ displayName: 'az-federated', appId: ficApp, federatedIdentityCredentials: [{ name: 'apim', issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`, subject: apim.principalId }] }] }));
    expect(await directoryApplyFile({ readyFile: join(seed.dir, 'ready.json'), file }, () => undefined)).toBe(0);
    const mi = await undiciFetch(`${apim.identityEndpoint}?api-version=2019-08-01&resource=api://AzureADTokenExchange`, { headers: { 'X-IDENTITY-HEADER': seed.ready.identity.identityHeader } });
    const assertion = ((await mi.json()) as { access_token: string }).access_token;
    const login = await az(['login', '--service-principal', '-u', ficApp, '--tenant', TENANT, '--federated-token', assertion, '--allow-no-subscriptions', '-o', 'json']);
    expect(login.code, login.stderr).toBe(0);
    const fn = await az(['account', 'get-access-token', '--resource', APP_CLIENT_ID, '-o', 'json']);
    expect(fn.code, fn.stderr).toBe(0);
    const token = (JSON.parse(fn.stdout) as { accessToken: string }).accessToken;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ appid: ficApp, appidacr: '2', idtyp: 'app' });
    const res = await undiciFetch(`${seed.ready.sites['trustline-func']!.url}/api/hello`, { headers: { authorization: `Bearer ${token}` }, dispatcher: seed.tls });
    expect(res.status).toBe(200);
  }, 240_000);
});
