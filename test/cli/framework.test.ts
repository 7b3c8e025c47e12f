import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

describe('the CLI framework', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, out: pkg.version + '\n', err: '' });
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const r = await run(['nonsense']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'nonsense'");
    expect((await run(['token', '--no-such-flag'])).code).toBe(2);
  });

  it('each command documents its options and its output in --help', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.out.slice(top.out.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['up', 'deploy', 'token', 'test']));
    for (const c of commands) {
      const h = await run([c, '--help']);
      expect(h.code, c).toBe(0);
      expect(h.out, c).toMatch(/Options:/);
      expect(h.out, `${c} --help says what it prints`).toMatch(/Output:/);
    }
  });
});
