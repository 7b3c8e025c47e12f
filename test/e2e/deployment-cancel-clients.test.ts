import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useRunningSeed } from '../helpers/seed.js';
import { useAzCli } from '../helpers/az-cli.js';
import { runClient } from './clients/run-client.js';

/** Simulated provisioning time per resource: long enough for a client to see the deployment Running and cancel it. */
const STEP_MS = 1500;
/** Many resources: on a loaded machine a client may take seconds per call; a cancel ends the run early anyway. */
const RESOURCES = 30;

/**
 * Real clients cancel a running deployment (ARM "Deployments - Cancel": 204 while Accepted or Running, the state
 * becomes Canceled, what was deployed stays; a finished deployment cannot be cancelled). The twin runs
 * `trustline up --deployment-step-delay`; each client runs in its own process.
 */
describe('cancel a running deployment with @azure/arm-resources and az', () => {
  const seed = useRunningSeed('trustline-cancelcli-', ['--in-memory', '--deployment-step-delay', String(STEP_MS)]);

  it('@azure/arm-resources: beginCreateOrUpdate, Running, deployments.cancel (204), the poller ends canceled, Canceled with what was written; cancel again is 409 DeploymentCannotBeCancelled', async () => {
    const r = await runClient<Record<string, any>>('arm-cancel.mjs', { READY_FILE: join(seed.dir, 'ready.json'), RESOURCES: String(RESOURCES) }, seed.ready.caCertificate);
    expect(r.error, JSON.stringify(r)).toBeUndefined();
    expect(r.seen).toBe('Running');
    // core-lro reads `Canceled` from Azure-AsyncOperation as a terminal state and rejects pollUntilDone.
    expect(r.pollerOutcome).toEqual({ status: 'canceled', error: 'Operation was canceled' });
    expect(r.final).toEqual({ state: 'Canceled', outputs: null });
    expect(r.again).toMatchObject({ code: 'DeploymentCannotBeCancelled', statusCode: 409 });
    // What was written before the cancel stays (one Succeeded operation each); the rest never came.
    const written = r.operations.filter((o: { state: string }) => o.state === 'Succeeded').map((o: { name: string }) => o.name);
    expect(written.length).toBeGreaterThanOrEqual(1);
    expect(written.length).toBeLessThan(RESOURCES);
    expect([...r.things].sort()).toEqual([...written].sort());
  });

  describe('az deployment group cancel', () => {
    const cli = useAzCli(seed, 'trustline-azcancel-');
    const az = cli.az;

    it('create --no-wait, show says Running, cancel exits 0, show says Canceled; cancel again fails with DeploymentCannotBeCancelled', async () => {
      const { login: signedIn } = await cli.login();
      expect(signedIn.code, signedIn.stderr).toBe(0);

      const file = join(cli.configDir, 'slow.json');
      writeFileSync(
        file,
        JSON.stringify({
          $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
          contentVersion: '1.0.0.0',
          resources: Array.from({ length: RESOURCES }, (_, i) => ({ type: 'Contoso.Widgets/things', apiVersion: '2024-01-01', name: `az-w${i}`, location: 'westeurope', properties: { n: i }, ...(i > 0 ? { dependsOn: [`az-w${i - 1}`] } : {}) })),
        }),
      );
      const rg = seed.ready.resourceGroup;
      const create = await az(['deployment', 'group', 'create', '-g', rg, '-n', 'az-cancel', '--template-file', file, '--no-wait']);
      expect(create.code, create.stderr).toBe(0);
      const state = async () => {
        const show = await az(['deployment', 'group', 'show', '-g', rg, '-n', 'az-cancel', '--query', 'properties.provisioningState', '-o', 'tsv']);
        expect(show.code, show.stderr).toBe(0);
        return show.stdout.trim();
      };
      let seen = await state();
      for (let i = 0; i < 20 && seen === 'Accepted'; i++) seen = await state();
      expect(seen).toBe('Running');
      const cancel = await az(['deployment', 'group', 'cancel', '-g', rg, '-n', 'az-cancel']);
      expect(cancel.code, cancel.stderr).toBe(0);
      // The run stops before its next resource and records the end right after the 204.
      let after = await state();
      for (let i = 0; i < 10 && after === 'Running'; i++) after = await state();
      expect(after).toBe('Canceled');
      const again = await az(['deployment', 'group', 'cancel', '-g', rg, '-n', 'az-cancel']);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('DeploymentCannotBeCancelled');
      const ops = await az(['deployment', 'operation', 'group', 'list', '-g', rg, '-n', 'az-cancel', '-o', 'json']);
      expect(ops.code, ops.stderr).toBe(0);
      const listed = JSON.parse(ops.stdout) as Array<{ properties: { provisioningState: string } }>;
      expect(listed.length).toBeGreaterThanOrEqual(1);
      expect(listed.length).toBeLessThan(RESOURCES);
      expect(listed.every((o) => o.properties.provisioningState === 'Succeeded')).toBe(true);
    }, 240_000);
  });
});
