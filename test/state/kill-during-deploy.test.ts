/**
 * Issue 8, kept behaviour: "kill -9 during a deployment left the old or the new state in 4 of 4 tries (never half)".
 * `trustline up` deploys a changed template (the seed plus 150 storage accounts) onto a state folder holding the seed,
 * and is killed with SIGKILL at points spread over its start-up; the state folder then holds exactly the resources
 * of the old state or of the new one, never part of the new deployment.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/state/index.js';
import { startCli, waitForReadyFile } from '../helpers/cli-process.js';
import { SEED } from '../helpers/seed.js';

const EXTRA = 150;
const work = mkdtempSync(join(tmpdir(), 'trustline-kill-'));

/** The resource ids a state folder holds (the store opened after the process is gone, as the next `up` opens it). */
function resourcesOf(state: string): string[] {
  const store = openStore({ dir: state });
  try {
    return store.listResources().map((r) => r.id.toLowerCase()).sort();
  } finally {
    store.close();
  }
}

/** `trustline up` to its ready file; resolves with the time it took, after a clean stop. */
async function upToReady(folder: string, state: string, ready: string): Promise<number> {
  const started = Date.now();
  const cli = startCli(['up', folder, '--state', state, '--ready-file', ready, '--log-level', 'warn']);
  await waitForReadyFile(ready, cli);
  const took = Date.now() - started;
  await cli.stop();
  return took;
}

describe('kill -9 during a deployment (trustline up)', () => {
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('leaves the old or the new state, never half', async () => {
    // v2: the seed plus EXTRA storage accounts, the seed's parameters
    const v2 = join(work, 'v2');
    mkdirSync(v2);
    const template = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: unknown[] };
    template.resources.push({
      type: 'Microsoft.Storage/storageAccounts', apiVersion: '2023-01-01', name: "[format('stkill{0}', copyIndex())]",
      location: 'westeurope', sku: { name: 'Standard_LRS' }, kind: 'StorageV2', properties: {}, copy: { name: 'many', count: EXTRA },
    });
    writeFileSync(join(v2, 'azuredeploy.json'), JSON.stringify(template, null, 2));
    cpSync(join(SEED, 'azuredeploy.parameters.json'), join(v2, 'azuredeploy.parameters.json'));

    // the old state: the seed, deployed and stopped cleanly
    const old = join(work, 'old');
    await upToReady(SEED, old, join(work, 'ready-old.json'));
    const before = resourcesOf(old);

    // the new state, and how long an uninterrupted start with the new template takes
    const full = join(work, 'full');
    cpSync(old, full, { recursive: true });
    const took = await upToReady(v2, full, join(work, 'ready-full.json'));
    const after = resourcesOf(full);
    expect(after.length).toBe(before.length + EXTRA);

    const seen: string[] = [];
    for (const share of [0.4, 0.6, 0.75, 0.9]) {
      const state = join(work, `try-${share}`);
      cpSync(old, state, { recursive: true });
      const cli = startCli(['up', v2, '--state', state, '--ready-file', join(work, `ready-${share}.json`), '--log-level', 'warn']);
      await sleep(Math.round(took * share));
      const exited = new Promise<void>((r) => (cli.child.exitCode !== null ? r() : cli.child.once('exit', () => r())));
      cli.child.kill('SIGKILL');
      await exited;
      const now = resourcesOf(state);
      const which = JSON.stringify(now) === JSON.stringify(before) ? 'old' : JSON.stringify(now) === JSON.stringify(after) ? 'new' : `half (${now.length - before.length} of ${EXTRA})`;
      seen.push(which);
    }
    expect(seen.filter((w) => w !== 'old' && w !== 'new'), seen.join(', ')).toEqual([]);
  }, 240_000); // six starts of `trustline up`: on a loaded 2-core machine each may take 10 s or more
});
