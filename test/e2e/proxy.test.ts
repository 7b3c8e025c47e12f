/**
 * Azure's host names for every tool: through the proxy of `trustline up` (ready-file key `proxy`) and the
 * environment `trustline env` prints, curl and @azure/identity reach the twin under the real Azure URLs, and any
 * other host is refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';
import { runCli } from '../helpers/cli-process.js';
import { runClient } from './clients/run-client.js';

const run = promisify(execFile);
const CALLER = 'a1b2c3d4-0000-4000-8000-0000000c0de5';
const dir = mkdtempSync(join(tmpdir(), 'trustline-proxy-dir-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(directoryFile, JSON.stringify({ applications: [{ displayName: 'proxy-caller', appId: CALLER, passwordCredentials: [{ secretText: 'proxy-secret' }] }] }));

const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('the forward proxy and trustline env', { timeout: 120_000 }, () => {
  const seed = useRunningSeed('trustline-proxy-', ['--in-memory', '--directory', directoryFile]);
  const env = async (...args: string[]) => {
    const r = await runCli(['env', '--ready-file', join(seed.dir, 'ready.json'), '--json', ...args]);
    expect(r.code, r.output).toBe(0);
    return JSON.parse(r.output) as Record<string, string>;
  };
  const curl = (args: string[], e: Record<string, string>) => run('curl', ['-sS', '--max-time', '20', ...args], { env: { ...process.env, ...e } }).catch((err: { code: number; stdout: string; stderr: string }) => err);

  it('the ready file names the proxy, the token endpoint and each site audience', () => {
    expect(seed.ready.proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seed.ready.identity.tokenEndpoint).toBe(`${seed.ready.identity.authority}/oauth2/v2.0/token`);
    expect(seed.ready.sites['trustline-func']).toMatchObject({ clientId: APP_CLIENT_ID, hostName: 'trustline-func.azurewebsites.net' });
  });

  it('env prints the variables the issue lists, in bash, pwsh and dotenv syntax', async () => {
    const vars = await env('--identity', 'trustline-apim');
    expect(Object.keys(vars)).toEqual(
      expect.arrayContaining(['NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_FILE', 'HTTPS_PROXY', 'NO_PROXY', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'MSI_SECRET', 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'AZURE_AUTHORITY_HOST', 'AZURE_TENANT_ID']),
    );
    expect(vars).toMatchObject({ HTTPS_PROXY: seed.ready.proxy, NODE_EXTRA_CA_CERTS: seed.ready.caCertificate, AZURE_TENANT_ID: TENANT, IDENTITY_ENDPOINT: seed.ready.apim['trustline-apim']!.identityEndpoint });
    const bash = await runCli(['env', '--ready-file', join(seed.dir, 'ready.json')]);
    expect(bash.output).toContain(`export HTTPS_PROXY='${seed.ready.proxy}'`);
    const pwsh = await runCli(['env', '--ready-file', join(seed.dir, 'ready.json'), '--shell', 'pwsh']);
    expect(pwsh.output).toContain(`$env:HTTPS_PROXY = '${seed.ready.proxy}'`);
    const dotenv = await runCli(['env', '--ready-file', join(seed.dir, 'ready.json'), '--shell', 'dotenv']);
    expect(dotenv.output).toContain(`HTTPS_PROXY="${seed.ready.proxy}"`);
    const unknown = await runCli(['env', '--ready-file', join(seed.dir, 'ready.json'), '--identity', 'nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('ERR_CLI_IDENTITY');
  });

  it('curl reaches the gateway, the site and Entra under their Azure names, and nothing else', async () => {
    const vars = await env();
    const gateway = await curl(['-i', 'https://trustline-apim.azure-api.net/functions/hello'], vars);
    expect(gateway.stdout).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    expect(gateway.stdout).toMatch(/\r\nHTTP\/1\.1 200 OK\r\n/);
    const site = await curl(['-i', 'https://trustline-func.azurewebsites.net/api/hello'], vars);
    expect(site.stdout).toMatch(/\r\nHTTP\/1\.1 401 Unauthorized\r\n/);
    const metadata = await curl([`https://login.microsoftonline.com/${TENANT}/v2.0/.well-known/openid-configuration`], vars);
    expect(JSON.parse(metadata.stdout)).toMatchObject({ issuer: `https://login.microsoftonline.com/${TENANT}/v2.0` });
    const refused = (await curl(['-i', 'https://example.com/'], vars)) as { code?: number; stderr: string };
    expect(refused.code).toBe(56);
    expect(refused.stderr).toContain('CONNECT tunnel failed, response 403');
    const refusedHttp = await curl(['-i', '--proxy', seed.ready.proxy!, 'http://example.com/'], vars);
    expect(refusedHttp.stdout).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(refusedHttp.stdout).toContain('example.com:80 is not an Azure host this twin serves, and the twin never connects to the internet');
  });

  it('DefaultAzureCredential works with nothing but `trustline env` (the APIM identity)', async () => {
    const vars = await env('--identity', 'trustline-apim');
    const r = await runClient<{ token?: string; error?: string }>('default-azure-credential.mjs', { ...vars, SCOPE: `${APP_CLIENT_ID}/.default` }, vars.NODE_EXTRA_CA_CERTS!);
    expect(r.error).toBeUndefined();
    expect(claims(r.token!)).toMatchObject({ aud: APP_CLIENT_ID, oid: seed.ready.apim['trustline-apim']!.principalId, tid: TENANT });
  });

  it('ClientSecretCredential with the default authority host goes through the proxy to the twin', async () => {
    const vars = await env();
    const r = await runClient<{ token?: string; error?: string }>(
      'client-secret-default-authority.mjs',
      { ...vars, CLIENT_ID: CALLER, CLIENT_SECRET: 'proxy-secret', SCOPE: `${APP_CLIENT_ID}/.default` },
      vars.NODE_EXTRA_CA_CERTS!,
    );
    expect(r.error).toBeUndefined();
    expect(claims(r.token!)).toMatchObject({ aud: APP_CLIENT_ID, appid: CALLER, tid: TENANT });
  });

  it('token and test print JSON with --json', async () => {
    const t = await runCli(['token', '--resource', APP_CLIENT_ID, '--identity', 'trustline-apim', '--ready-file', join(seed.dir, 'ready.json'), '--json']);
    expect(t.code, t.output).toBe(0);
    const tok = JSON.parse(t.output) as { accessToken: string; expiresOn: number; resource: string; tokenType: string };
    expect(tok).toMatchObject({ resource: APP_CLIENT_ID, tokenType: 'Bearer' });
    expect(claims(tok.accessToken)).toMatchObject({ aud: APP_CLIENT_ID, exp: tok.expiresOn });
    const c = await runCli(['test', '--ready-file', join(seed.dir, 'ready.json'), '--json']);
    expect(c.code, c.output).toBe(0);
    expect(JSON.parse(c.output)).toMatchObject({ passed: 2, failed: 0, checks: [{ ok: true }, { ok: true }] });
  });
});
