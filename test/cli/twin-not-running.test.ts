/**
 * The exit codes of the commands that talk to a running twin when none runs (README: 0 success, 1 check or deployment
 * failed, 2 usage error): the command line is right, the twin is simply not there, so each exits 1 and says that no
 * twin runs at that ready file and how to start one. A command line that is wrong stays a usage error (2), also when
 * no twin runs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { SEED } from '../helpers/seed.js';

const dir = mkdtempSync(join(tmpdir(), 'trustline-no-twin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd: dir });
  return { code, out, err };
}

/** Every command (and subcommand) that reads the ready file, with a command line that is otherwise right. */
const READERS: string[][] = [
  ['test'],
  ['token', '--resource', 'api://x'],
  ['env'],
  ['env', '--identity', 'trustline-apim'],
  ['explain'],
  ['explain', '--request-id', 'x'],
  ['directory', 'list'],
  ['directory', 'add-app', '--name', 'a'],
  ['directory', 'add-user', '--upn', 'a@contoso.test'],
  ['directory', 'assign', '--principal', 'a', '--resource', 'b', '--role', 'c'],
  ['keys', 'list'],
  ['keys', 'rotate'],
  ['deploy', SEED],
  ['what-if', SEED],
];

describe('commands that need a running twin, when none runs', () => {
  it('a missing ready file: ERR_TWIN_NOT_RUNNING naming the file and how to start a twin, exit 1', async () => {
    const readyFile = join(dir, 'nowhere', 'ready.json');
    for (const argv of READERS) {
      const r = await run([...argv, '--ready-file', readyFile]);
      const what = `${argv.join(' ')}: ${r.err}`;
      expect(r.code, what).toBe(1);
      expect(r.err, what).toContain(`trustline: ERR_TWIN_NOT_RUNNING: no twin is running at the ready file ${readyFile} (there is no such file)`);
      expect(r.err, what).toContain(`npx trustline up [DIR …] --ready-file ${readyFile}`);
      expect(r.out, what).toBe('');
    }
  });

  it('the default ready file: the start hint is `npx trustline up` without --ready-file', async () => {
    const r = await run(['token', '--resource', 'api://x']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no twin is running at the ready file ${join('.trustline', 'ready.json')}`);
    expect(r.err).toContain('start one in another shell with `npx trustline up [DIR …]` (it writes');
  });

  it('a file that is not a ready file: ERR_TWIN_READY_FILE, exit 1', async () => {
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, 'not json');
    const r = await run(['token', '--resource', 'api://x', '--ready-file', junk]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`ERR_TWIN_READY_FILE: ${junk} is not a ready file of \`trustline up\``);
    writeFileSync(junk, '[1]');
    expect((await run(['env', '--ready-file', junk])).err).toContain('(not a JSON object)');
  });

  it('a command line that is wrong stays a usage error (exit 2), twin or not', async () => {
    const readyFile = join(dir, 'nowhere', 'ready.json');
    for (const argv of [
      ['explain', '--request-id', 'x', '--last', '2'],
      ['token'],
      ['directory', 'add-app', '--name', 'a', '--secret', 's', '--generate-secret'],
      ['deploy', join(dir, 'no-such-folder')],
      ['keys', 'rotate', '--grace', 'soon'],
    ]) {
      const r = await run([...argv, '--ready-file', readyFile]);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).not.toContain('ERR_TWIN_NOT_RUNNING');
    }
  });

  it('up --directory with a file that is not there: a usage error (exit 2) before the twin starts', async () => {
    const missing = join(dir, 'no-directory.json');
    const r = await run(['up', '--in-memory', '--state', join(dir, 'state'), '--port-base', '0', '--log-level', 'silent', '--directory', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`ERR_CLI_INPUT: the directory file ${missing} does not exist`);
    expect(r.out).toBe('');
  });
});
