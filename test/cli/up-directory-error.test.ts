/** `trustline up --directory F` with a file that is not valid: the failure names the file, not "deployment failed". */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { SEED } from '../helpers/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-up-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('up --directory with a file that is not valid', () => {
  it('says which directory file failed (the deployments went through), exit 1', async () => {
    const bad = join(dir, 'directory.json');
    writeFileSync(bad, '{"applications": [{"displayname": "a"}]}');
    let out = '';
    const code = await main(['up', SEED, '--in-memory', '--state', join(dir, 'state'), '--port-base', '0', '--log-level', 'silent', '--directory', bad], {
      stdout: (s) => (out += s),
      stderr: (s) => (out += s),
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(out).toContain(`directory file ${bad} failed: ERR_IDENTITY_DIRECTORY_INVALID`);
    expect(out).not.toContain('deployment failed');
  }, 60_000);
});
