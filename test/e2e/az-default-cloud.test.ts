/**
 * The az CLI (Debian's azure-cli) on its default cloud, AzureCloud — no `az cloud register` — with nothing but the
 * environment `trustline env` prints: the twin's proxy carries login.microsoftonline.com and management.azure.com to
 * the twin, and the CA bundle makes its certificates trusted. It logs in with a directory app's secret, deploys
 * the seed and asks what-if; az's telemetry and survey hosts are refused by the proxy.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { SEED, useRunningSeed } from '../helpers/seed.js';

const APP = 'a1b2c3d4-0000-4000-8000-00000000a2c1';
const dir = mkdtempSync(join(tmpdir(), 'trustline-az-default-'));
const directoryFile = join(dir, 'directory.json');
writeFileSync(directoryFile, JSON.stringify({ applications: [{ displayName: 'az-caller', appId: APP, passwordCredentials: [{ secretText: 'az-secret-value' }] }] }));

describe('az CLI on its default cloud through the twin proxy', () => {
  const seed = useRunningSeed('trustline-az-default-', ['--in-memory', '--directory', directoryFile]);
  const configDir = join(dir, 'azure');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  let env: Record<string, string> | undefined;
  const az = async (args: string[]) => {
    env ??= JSON.parse((await runCli(['env', '--ready-file', join(seed.dir, 'ready.json'), '--json'])).stdout) as Record<string, string>;
    const vars = env;
    return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        '/usr/bin/az',
        args,
        { timeout: 150_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, AZURE_CONFIG_DIR: configDir, AZURE_CORE_NO_COLOR: 'true', ...vars } },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  };

  it('logs in with a directory app secret, deploys the seed and runs what-if, under the real Azure URLs', async () => {
    const login = await az(['login', '--service-principal', '-u', APP, '-p', 'az-secret-value', '--tenant', seed.ready.tenantId, '-o', 'json']);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual([expect.objectContaining({ cloudName: 'AzureCloud', id: seed.ready.subscriptionId, tenantId: seed.ready.tenantId, user: { name: APP, type: 'servicePrincipal' } })]);
    const create = await az(['deployment', 'group', 'create', '-g', seed.ready.resourceGroup, '-n', 'az-default', '--template-file', join(SEED, 'azuredeploy.json'), '--parameters', `@${join(SEED, 'azuredeploy.parameters.json')}`, '-o', 'json']);
    expect(create.code, create.stderr).toBe(0);
    expect(JSON.parse(create.stdout)).toMatchObject({ name: 'az-default', properties: { provisioningState: 'Succeeded' } });
    const whatIf = await az(['deployment', 'group', 'what-if', '-g', seed.ready.resourceGroup, '--template-file', join(SEED, 'azuredeploy.json'), '--parameters', `@${join(SEED, 'azuredeploy.parameters.json')}`]);
    expect(whatIf.code, whatIf.stderr).toBe(0);
    expect(whatIf.stdout).toContain(`Scope: /subscriptions/${seed.ready.subscriptionId}/resourceGroups/${seed.ready.resourceGroup}`);
    expect(whatIf.stdout).toMatch(/Resource changes: \d+ no change\./);
    const sites = await az(['rest', '--method', 'get', '--url', `https://management.azure.com/subscriptions/${seed.ready.subscriptionId}/resourceGroups/${seed.ready.resourceGroup}/providers/Microsoft.Web/sites?api-version=2022-09-01`]);
    expect(sites.code, sites.stderr).toBe(0);
    expect((JSON.parse(sites.stdout) as { value: Array<{ name: string }> }).value.map((s) => s.name)).toContain('trustline-func');
  }, 300_000);
});
