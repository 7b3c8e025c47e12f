import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'trustline.js');

export interface RunningCli {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they came. */
  output: () => string;
  /** stdout alone (what `--json` prints). */
  stdout: () => string;
  stop: () => Promise<void>;
}

// Every child still running when the test process ends is killed: a test that times out (or throws before its
// `stop()`) must not leave a `trustline up` listening behind it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Start `trustline <args>` as a child process (the built CLI, as a user runs it). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, options: { cwd?: string } = {}): RunningCli {
  // Tests run side by side: `up` takes random ports unless the test chose its ports (on the command line, or in the
  // trustline.json of the working folder it names).
  if (args[0] === 'up' && options.cwd === undefined && !args.some((a) => a === '--port-base' || a.startsWith('--port-base='))) args = [...args, '--port-base', '0'];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let out = '';
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    stdout += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    stdout: () => stdout,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

/**
 * Run `trustline <args>` to completion. A command still running after `timeoutMs` (default 110 s, under the suite's
 * 120 s test timeout) is killed and the call rejects with its output so far, so the failure says what it was doing.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, options: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; output: string; stdout: string }> {
  const r = startCli(args, env, options);
  const limit = options.timeoutMs ?? 110_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void r.stop();
  }, limit);
  const code = await new Promise<number>((res) => r.child.once('exit', (c) => res(c ?? 1)));
  clearTimeout(timer);
  if (timedOut) throw new Error(`trustline ${args.join(' ')} still running after ${limit} ms (killed):\n${r.output()}`);
  return { code, output: r.output(), stdout: r.stdout() };
}

/** Wait until `file` exists and parses as JSON, or the process dies, or the time is up. */
export async function waitForReadyFile<T>(file: string, cli: RunningCli, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cli.child.exitCode !== null) throw new Error(`trustline exited with ${cli.child.exitCode}:\n${cli.output()}`);
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch {
        // being written
      }
    }
    await sleep(100);
  }
  throw new Error(`no ready file after ${timeoutMs} ms:\n${cli.output()}`);
}
