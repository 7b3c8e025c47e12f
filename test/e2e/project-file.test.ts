/**
 * A project folder with a trustline.json and nothing on the command line: `trustline up` deploys what the file names,
 * listens where it says, applies its directory file and writes the ready file into its state folder; `trustline env`
 * and `trustline token` run from the same folder find that twin without --ready-file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { ROOT, runCli, startCli, waitForReadyFile, type RunningCli } from '../helpers/cli-process.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';

// Below the ephemeral range and away from up-safety.test.ts's bases (20000+), different per run.
const BASE = 10_000 + (process.pid % 90) * 100;
const CALLER = 'a1b2c3d4-0000-4000-8000-0000000f11e5';

describe('trustline.json in the working folder', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-project-'));
  let twin: RunningCli | undefined;
  afterAll(async () => {
    await twin?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('up with no arguments serves what the file says; env and token find it from the same folder', async () => {
    writeFileSync(join(dir, 'directory.json'), JSON.stringify({ applications: [{ displayName: 'project-caller', appId: CALLER, passwordCredentials: [{ secretText: 's3cret' }] }] }));
    writeFileSync(
      join(dir, 'trustline.json'),
      JSON.stringify({
        $schema: join(ROOT, 'schema', 'trustline.schema.json'),
        deployments: [SEED],
        inMemory: true,
        state: 'twin',
        directory: ['directory.json'],
        ports: { base: BASE, sites: { 'trustline-func': { https: BASE + 90 } } },
        siteDispatch: 'sockets',
        logLevel: 'warn',
      }),
    );
    twin = startCli(['up'], {}, { cwd: dir });
    const ready = await waitForReadyFile<ReadyInfo>(join(dir, 'twin', 'ready.json'), twin);
    expect(ready.controlPlane).toBe(`https://127.0.0.1:${BASE}`);
    expect(ready.proxy).toBe(`http://127.0.0.1:${BASE + 2}`);
    expect(ready.sites['trustline-func']).toMatchObject({ url: `https://127.0.0.1:${BASE + 90}`, clientId: APP_CLIENT_ID });
    expect(twin.output()).not.toContain('[info]');

    const env = await runCli(['env', '--json'], {}, { cwd: dir });
    expect(env.code, env.output).toBe(0);
    expect(JSON.parse(env.stdout)).toMatchObject({ HTTPS_PROXY: ready.proxy, AZURE_TENANT_ID: TENANT });
    const token = await runCli(['token', '--resource', APP_CLIENT_ID, '--identity', 'trustline-apim', '--json'], {}, { cwd: dir });
    expect(token.code, token.output).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ resource: APP_CLIENT_ID, tokenType: 'Bearer' });
    // The directory file the project names was applied (paths are relative to the project folder).
    const listed = await runCli(['directory', 'list', '--json'], {}, { cwd: dir });
    expect((JSON.parse(listed.stdout) as { applications: Array<{ appId: string }> }).applications.map((a) => a.appId)).toContain(CALLER);
    // And the chain answers through it (sites on a worker, real sockets, as siteDispatch says).
    const check = await runCli(['test', '--json'], {}, { cwd: dir });
    expect(JSON.parse(check.stdout)).toMatchObject({ passed: 2, failed: 0 });
  });
});
