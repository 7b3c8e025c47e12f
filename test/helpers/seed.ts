import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Agent } from 'undici';
import type { ReadyInfo } from '../../src/runtime/index.js';
import { ROOT, startCli, waitForReadyFile, type RunningCli } from './cli-process.js';

/** The seed scenario as shipped in examples/seed. */
export const SEED = join(ROOT, 'examples', 'seed');
const params = JSON.parse(readFileSync(join(SEED, 'azuredeploy.parameters.json'), 'utf8')) as { parameters: Record<string, { value: string }> };
export const APP_CLIENT_ID = params.parameters.appClientId!.value;
export const TENANT = params.parameters.tenantID!.value;

/**
 * `trustline up examples/seed` as a child process for the tests of one file: started before them,
 * stopped after them. `args` are added to the command line (e.g. `--in-memory`).
 */
export function useRunningSeed(prefix: string, args: string[] = []) {
  const state: { dir?: string; cli?: RunningCli; ready?: ReadyInfo; tls?: Agent } = {};
  beforeAll(async () => {
    state.dir = mkdtempSync(join(tmpdir(), prefix));
    state.cli = startCli(['up', SEED, ...args, '--state', join(state.dir, 'state'), '--ready-file', join(state.dir, 'ready.json'), '--log-level', 'warn']);
    state.ready = await waitForReadyFile<ReadyInfo>(join(state.dir, 'ready.json'), state.cli);
    state.tls = new Agent({ connect: { ca: readFileSync(state.ready.caCertificate, 'utf8') } });
  }, 60_000);
  afterAll(async () => {
    await state.tls?.close();
    await state.cli?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return state.dir!;
    },
    get ready() {
      return state.ready!;
    },
    get tls() {
      return state.tls!;
    },
    /** What `trustline up` printed so far (stdout and stderr). */
    output: () => state.cli?.output() ?? '',
  };
}
