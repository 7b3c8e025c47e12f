/**
 * `--json` on every command that prints data, read as a script reads it: stdout alone, parsed. `up --json` prints one
 * document per line (each deployment, each directory file, then ready); the other commands print one document.
 * (token, test, env: proxy.test.ts; what-if: deploy-what-if-cli.test.ts; explain: explain.test.ts; expand:
 * test/cli/expand.test.ts; policy: test/gateway; framework.test.ts checks that every command has --json.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { runCli, startCli, waitForReadyFile, type RunningCli } from '../helpers/cli-process.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';

const CALLER = 'a1b2c3d4-0000-4000-8000-00000000a50a';

describe('--json, as a script reads it', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-json-'));
  const readyFile = join(dir, 'ready.json');
  const directoryFile = join(dir, 'directory.json');
  writeFileSync(directoryFile, JSON.stringify({ applications: [{ displayName: 'json-caller', appId: CALLER }] }));
  let twin: RunningCli;
  let ready: ReadyInfo;
  const cli = async (...args: string[]) => runCli([...args, '--ready-file', readyFile, '--json']);

  beforeAll(async () => {
    twin = startCli(['up', SEED, '--in-memory', '--json', '--directory', directoryFile, '--state', join(dir, 'state'), '--ready-file', readyFile, '--log-level', 'warn']);
    ready = await waitForReadyFile<ReadyInfo>(readyFile, twin);
    for (let i = 0; i < 50 && !twin.stdout().includes('"event":"ready"'); i++) await sleep(100);
  }, 60_000);
  afterAll(async () => {
    await twin?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('up --json: one document per line — the deployment with each resource, the directory file, then ready', () => {
    const events = twin.stdout().trim().split('\n').map((l) => JSON.parse(l) as { event: string } & Record<string, unknown>);
    expect(events.map((e) => e.event)).toEqual(['deployed', 'directory', 'ready']);
    const [deployed, directory, up] = events as unknown as [
      { template: string; resources: Array<{ id: string; type: string; name: string; simulated: boolean }>; storedTypes: string[] },
      { file: string; objects: number },
      { readyFile: string; ready: ReadyInfo },
    ];
    expect(deployed.template).toBe(join(SEED, 'azuredeploy.json'));
    expect(deployed.resources).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Microsoft.Web/sites', name: 'trustline-func', simulated: true })]));
    expect(deployed.storedTypes).toEqual([...new Set(deployed.resources.filter((r) => !r.simulated).map((r) => r.type))]);
    expect(directory).toMatchObject({ file: directoryFile, objects: 1 });
    expect(up).toEqual({ event: 'ready', readyFile, ready });
  });

  it('up --json of a template that fails: {"event":"failed"} with the error, exit 1, no ready file', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [{ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name: "[nosuchfunction('x')]", location: 'westeurope' }] }));
    const r = await runCli(['up', '--template', broken, '--in-memory', '--json', '--state', join(dir, 'broken-state'), '--log-level', 'silent']);
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; error: string };
    expect(last).toMatchObject({ event: 'failed', error: expect.stringContaining('nosuchfunction') });
  });

  it('deploy --json: the deployment as ARM answers it (az deployment group create -o json)', async () => {
    const r = await cli('deploy', SEED, '--name', 'json-deploy');
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      id: `/subscriptions/${ready.subscriptionId}/resourceGroups/${ready.resourceGroup}/providers/Microsoft.Resources/deployments/json-deploy`,
      name: 'json-deploy',
      properties: { provisioningState: 'Succeeded' },
    });
  });

  it('directory apply / add-app / add-user / assign --json, and a refusal as {status, error}', async () => {
    const file = join(dir, 'more.json');
    writeFileSync(file, JSON.stringify({ users: [{ userPrincipalName: 'carol@contoso.test', password: 'pw' }] }));
    expect(JSON.parse((await cli('directory', 'apply', file)).stdout)).toEqual({ file, applied: 1 });
    const app = JSON.parse((await cli('directory', 'add-app', '--name', 'json-orders', '--role', 'Orders.Read')).stdout) as { appId: string; tenantId: string };
    expect(app).toMatchObject({ appId: expect.stringMatching(/^[0-9a-f-]{36}$/), tenantId: TENANT });
    expect(JSON.parse((await cli('directory', 'add-user', '--upn', 'dave@contoso.test')).stdout)).toEqual({ userPrincipalName: 'dave@contoso.test' });
    expect(JSON.parse((await cli('directory', 'assign', '--principal', 'json-caller', '--resource', 'json-orders', '--role', 'Orders.Read')).stdout)).toEqual({
      principal: 'json-caller',
      resource: 'json-orders',
      role: 'Orders.Read',
    });
    const refused = await cli('directory', 'assign', '--principal', 'json-caller', '--resource', 'json-orders', '--role', 'Nope');
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ status: 400, error: { message: expect.stringContaining('Nope') } });
    const listed = JSON.parse((await cli('directory', 'list')).stdout) as { users: Array<{ userPrincipalName: string }> };
    expect(listed.users.map((u) => u.userPrincipalName)).toEqual(expect.arrayContaining(['carol@contoso.test', 'dave@contoso.test']));
  });

  it('keys list: text by default, the key ring with --json', async () => {
    const ring = JSON.parse((await cli('keys', 'list')).stdout) as { signingKid: string; keys: Array<{ kid: string }> };
    expect(ring.keys.map((k) => k.kid)).toContain(ring.signingKid);
    const text = await runCli(['keys', 'list', '--ready-file', readyFile]);
    expect(text.stdout).toContain(`* ${ring.signingKid}  published `);
    expect(text.stdout).toContain(`signing now: ${ring.signingKid}`);
  });

  it('easyauth --json: one line with its URLs once listening', async () => {
    const settings = join(dir, 'auth.json');
    writeFileSync(
      settings,
      JSON.stringify({
        platform: { enabled: true },
        globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
        identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: APP_CLIENT_ID, openIdIssuer: `https://sts.windows.net/${TENANT}/` } } },
      }),
    );
    const ea = startCli(['easyauth', '--settings', settings, '--backend', 'http://127.0.0.1:9', '--port', '0', '--ready-file', readyFile, '--json']);
    try {
      for (let i = 0; i < 200 && !ea.stdout().includes('\n'); i++) {
        if (ea.child.exitCode !== null) throw new Error(ea.output());
        await sleep(100);
      }
      const line = JSON.parse(ea.stdout().trim()) as { httpsUrl: string; httpUrl: string; caCertificate: string; identityAuthority: string };
      expect(line).toMatchObject({ httpsUrl: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/), httpUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), backend: 'http://127.0.0.1:9', identityAuthority: ready.identity.authority });
      expect(readFileSync(line.caCertificate, 'utf8')).toContain('BEGIN CERTIFICATE');
    } finally {
      await ea.stop();
    }
  });
});
