import { describe, expect, it } from 'vitest';
import { runCli, startCli } from './cli-process.js';

describe('test helper runCli', () => {
  it('kills a command that outlives its time and rejects with what it printed', async () => {
    const started = Date.now();
    // `up --in-memory` serves until stopped: it can only end through the helper's timeout.
    const err = await runCli(['up', 'examples/seed', '--in-memory', '--no-auth'], {}, { timeoutMs: 1_500 }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/still running after 1500 ms/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('returns the exit code and output of a command that ends', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\d+\.\d+\.\d+/);
  });

  it('a started CLI is stopped by stop()', async () => {
    const cli = startCli(['up', 'examples/seed', '--in-memory', '--no-auth']);
    await cli.stop();
    expect(cli.child.exitCode !== null || cli.child.signalCode !== null).toBe(true);
  });
});
