import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';
import { DEFAULT_PORT_BASE, PROXY_PORT_OFFSET } from '../../src/cli/defaults.js';
import { DEFAULT_PORT_BASE as RUNTIME_PORT_BASE, PORT_OFFSETS } from '../../src/runtime/index.js';
import { ROOT } from '../helpers/cli-process.js';

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

  it('each command and subcommand documents its options and its output in --help, and prints JSON with --json', async () => {
    const commandsOf = (help: string) =>
      help.includes('Commands:') ? [...help.slice(help.indexOf('Commands:')).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help') : [];
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    const leaves: string[][] = [];
    const visit = async (path: string[]) => {
      const h = await run([...path, '--help']);
      expect(h.code, path.join(' ')).toBe(0);
      expect(h.out, `${path.join(' ')} --help says what it prints`).toMatch(/Output/);
      // A repeatable option says "(repeatable)"; commander's "(default: [])" for its empty start is noise.
      expect(h.out, `${path.join(' ')} --help`).not.toContain('(default: [])');
      const subs = commandsOf(h.out);
      if (subs.length === 0) {
        leaves.push(path);
        expect(h.out, path.join(' ')).toMatch(/Options:/);
        // Every option has its description; every command that prints data has --json.
        expect(h.out, `${path.join(' ')}: an option without a description`).not.toMatch(/^ {2}(-\w, )?--[a-z-]+( [<[][^>\]]+[>\]])?$/m);
        expect(h.out, `${path.join(' ')} has --json`).toMatch(/^ {2}--json /m);
        expect(h.out.slice(h.out.indexOf('Output')), `${path.join(' ')} says what --json prints`).toMatch(/json/i);
      }
      for (const s of subs) await visit([...path, s]);
    };
    for (const c of commandsOf(top.out)) await visit([c]);
    expect(leaves.map((l) => l.join(' '))).toEqual(
      expect.arrayContaining(['up', 'deploy', 'what-if', 'token', 'test', 'env', 'explain', 'easyauth', 'expand', 'policy compile', 'policy run', 'directory list', 'directory apply', 'directory add-app', 'directory add-user', 'directory assign', 'keys rotate', 'keys list']),
    );
  });

  it("parsing a command line loads none of the twin's subsystems: each command imports its work when it runs", () => {
    // Static (non-type) imports reachable from src/cli/index.ts; the actions (src/cli/actions/) are imported on use.
    const src = join(ROOT, 'src');
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gm)) {
        const target = resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts');
        const subsystem = relative(src, target).split('/')[0]!;
        if (subsystem !== 'cli' && subsystem !== 'core') reached.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
        else visit(target);
      }
    };
    visit(join(src, 'cli', 'index.ts'));
    expect(reached).toEqual([]);
    expect([...seen].filter((f) => f.includes('/cli/actions/'))).toEqual([]);
    // The help's port figures are the runtime's.
    expect([DEFAULT_PORT_BASE, PROXY_PORT_OFFSET]).toEqual([RUNTIME_PORT_BASE, PORT_OFFSETS.proxy]);
  });
});
