import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startConnectProxy } from './connect-proxy.js';

/** The environment az runs with: its own AZURE_CONFIG_DIR (and HOME), the twin's CA, Azure's host names through `proxyUrl`. */
export function azEnvironment(o: { configDir: string; caFile: string; proxyUrl: string }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: o.configDir,
    AZURE_CONFIG_DIR: o.configDir,
    REQUESTS_CA_BUNDLE: o.caFile,
    HTTPS_PROXY: o.proxyUrl,
    NO_PROXY: '127.0.0.1,localhost',
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_NO_COLOR: 'true',
  };
}

/** Runs the real az CLI (/usr/bin/az) in {@link azEnvironment}; resolves with the exit code and output. */
export function azRunner(o: { configDir: string; caFile: string; proxyUrl: string }) {
  return (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('/usr/bin/az', args, { timeout: 120_000, env: azEnvironment(o) }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
}

/**
 * The real az CLI against a running twin (`useRunningSeed`), for the tests of one describe block: its own config
 * folder and a CONNECT proxy that routes ARM's and Entra's host names to the twin (made before the tests, removed
 * after them). `az(args)` runs it; `login()` registers the twin as the cloud `Trustline` (from its
 * metadata/endpoints), selects it and logs in with the twin CLI's service principal.
 */
export function useAzCli(seed: { readonly ready: { controlPlane: string; caCertificate: string; cliCredential?: string; identity: { authority: string } } }, prefix = 'trustline-azcfg-') {
  let proxy: Awaited<ReturnType<typeof startConnectProxy>> | undefined;
  let configDir = '';
  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), prefix));
    proxy = await startConnectProxy({
      'management.azure.com:443': seed.ready.controlPlane,
      'login.microsoftonline.com:443': new URL(seed.ready.identity.authority).origin,
    });
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });
  const az = (args: string[]) => azRunner({ configDir, caFile: seed.ready.caCertificate, proxyUrl: proxy!.url })(args);
  return {
    az,
    /** az as a running process (output streamed), for commands that wait on the user (`az login --use-device-code`). */
    spawn: (args: string[]): ChildProcess => spawn('/usr/bin/az', args, { env: azEnvironment({ configDir, caFile: seed.ready.caCertificate, proxyUrl: proxy!.url }), stdio: ['ignore', 'pipe', 'pipe'] }),
    /** The CONNECT proxy that routes Azure's host names to the twin (a test's "browser" follows Azure URLs through it). */
    get proxyUrl() {
      return proxy!.url;
    },
    get configDir() {
      return configDir;
    },
    async login(): Promise<{ register: Awaited<ReturnType<typeof az>>; login: Awaited<ReturnType<typeof az>> }> {
      const register = await az(['cloud', 'register', '-n', 'Trustline', '--endpoint-resource-manager', 'https://management.azure.com/']);
      const set = await az(['cloud', 'set', '-n', 'Trustline']);
      if (set.code !== 0) throw new Error(`az cloud set: ${set.stderr}`);
      const cred = JSON.parse(readFileSync(seed.ready.cliCredential!, 'utf8')) as { clientId: string; clientSecret: string; tenantId: string };
      const login = await az(['login', '--service-principal', '-u', cred.clientId, `--password=${cred.clientSecret}`, '--tenant', cred.tenantId, '-o', 'json']);
      return { register, login };
    },
  };
}
