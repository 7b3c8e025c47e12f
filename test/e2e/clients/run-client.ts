import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli-process.js';

/**
 * Run one real-client script (test/e2e/clients/*.mjs) in its own Node process, with the twin's CA in
 * NODE_EXTRA_CA_CERTS (Node reads it only at start-up, so a test process cannot add it later).
 * The script prints one JSON line; resolves to it. `onLine` sees every JSON line the script prints before it ends
 * (a device code flow's code, while the client polls).
 */
export function runClient<T = Record<string, unknown>>(script: string, env: Record<string, string>, caFile: string, onLine?: (line: Record<string, unknown>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test', 'e2e', 'clients', script)], {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_EXTRA_CA_CERTS: caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!onLine) return;
      const lines = out.split('\n');
      for (const line of lines.slice(seen, -1)) {
        try {
          onLine(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a JSON line
        }
      }
      seen = lines.length - 1;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} exited ${code} without a JSON result:\n${out}\n${err}`));
      }
    });
  });
}
