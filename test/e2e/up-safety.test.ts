/**
 * Stable ports, the port-taken error and the state-folder lock, as a user meets them: two `trustline up` on one
 * machine.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { runCli, startCli, waitForReadyFile, type RunningCli } from '../helpers/cli-process.js';
import { SEED } from '../helpers/seed.js';

// A base below the ephemeral range (random ports of other tests come from there), different per run.
const BASE = 20_000 + (process.pid % 120) * 100;

describe('trustline up on stable ports, twice', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-safety-'));
  const state = join(dir, 'state');
  const readyFile = join(state, 'ready.json');
  let first: RunningCli | undefined;
  afterAll(async () => {
    await first?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens at the documented offsets of the base port', async () => {
    first = startCli(['up', SEED, '--in-memory', '--state', state, '--port-base', String(BASE), '--log-level', 'warn']);
    const ready = await waitForReadyFile<ReadyInfo>(readyFile, first);
    expect(ready.controlPlane).toBe(`https://127.0.0.1:${BASE}`);
    expect(ready.proxy).toBe(`http://127.0.0.1:${BASE + 2}`);
    expect(ready.identity.authority).toBe(`https://127.0.0.1:${BASE + 3}/${ready.tenantId}`);
    expect(ready.identity.identityEndpoint).toBe(`http://127.0.0.1:${BASE + 4}/msi/token`);
    expect(ready.sites['trustline-func']).toMatchObject({ url: `https://127.0.0.1:${BASE + 20}`, httpUrl: `http://127.0.0.1:${BASE + 21}` });
    expect(ready.apim['trustline-apim']).toMatchObject({ gatewayUrl: `https://127.0.0.1:${BASE + 60}`, httpGatewayUrl: `http://127.0.0.1:${BASE + 61}` });
    // The banner: each resource as deployed, the proxy, and how to point tools at the twin.
    for (let i = 0; i < 50 && !first.stdout().includes('Stop with Ctrl+C'); i++) await sleep(100);
    const banner = first.stdout();
    expect(banner).toContain('  + Microsoft.Web/sites trustline-func\n');
    expect(banner).toMatch(/^ {2}\d+ simulated$/m);
    expect(banner).toContain(`proxy:          http://127.0.0.1:${BASE + 2}`);
    expect(banner).toContain(`eval "$(npx trustline env --ready-file ${readyFile} --identity trustline-apim)"`);
    expect(banner).toContain(`npx trustline env --ready-file ${readyFile} --identity trustline-apim --shell pwsh | Invoke-Expression`);
    expect(banner).toContain('curl https://trustline-apim.azure-api.net/functions/hello');
  });

  it('a second up on the same state folder refuses and touches nothing', async () => {
    const before = readFileSync(readyFile, 'utf8');
    const second = await runCli(['up', SEED, '--in-memory', '--state', state, '--port-base', '0']);
    expect(second.code).toBe(2);
    expect(second.output).toContain('ERR_CLI_STATE_LOCKED');
    expect(second.output).toContain(`the state folder ${state} is in use by another \`trustline up\` (pid ${first!.child.pid}`);
    expect(readFileSync(readyFile, 'utf8')).toBe(before);
  });

  it('a second up on other state but the same ports says which port is taken', async () => {
    const other = join(dir, 'other');
    const second = await runCli(['up', SEED, '--in-memory', '--state', other, '--port-base', String(BASE)]);
    expect(second.code).toBe(2);
    expect(second.output).toContain('ERR_RUNTIME_PORT_IN_USE');
    expect(second.output).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${BASE + 4} for identity \\(http\\): the port is taken`));
    expect(second.output).toContain('--port-base N');
  });
});
