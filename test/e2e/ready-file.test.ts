import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli } from '../helpers/cli-process.js';
import { SEED } from '../helpers/seed.js';

describe('the ready file means "this twin is up"', () => {
  it('a stale ready file is replaced, and the ready file goes when the twin stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-ready-'));
    const file = join(dir, 'ready.json');
    writeFileSync(file, JSON.stringify({ stale: true }));
    const cli = startCli(['up', SEED, '--in-memory', '--state', join(dir, 'state'), '--ready-file', file, '--log-level', 'warn']);
    try {
      let seen: Record<string, unknown> | undefined;
      for (let i = 0; i < 300 && !seen?.controlPlane; i++) {
        if (cli.child.exitCode !== null) throw new Error(cli.output());
        if (existsSync(file)) seen = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        await sleep(100);
      }
      expect(seen?.controlPlane).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(seen?.stale).toBeUndefined();
      await cli.stop();
      expect(cli.child.exitCode).toBe(0);
      expect(existsSync(file)).toBe(false);
    } finally {
      await cli.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
