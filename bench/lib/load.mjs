// Load runs: autocannon in a child process (pinned to `cpu` when given), with the server CPU used during the
// run measured from /proc for `pids`.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BENCH, pinned } from './procs.mjs';
import { cpuOfAll } from './cpu.mjs';

/**
 * Run load against `url`. Options: connections (50), duration seconds, method, headers, body, tokensFile
 * (one token per line; each request takes the next), cpu (load generator's CPU), pids (server processes whose
 * CPU is measured). Returns {rps, total, p50, p99, meanMs, non2xx, errors, statusCodes, cpuUsPerReq}.
 */
export async function load(url, { connections = 50, duration = 10, method, headers, body, tokensFile, cpu, pids = [] } = {}) {
  const spec = JSON.stringify({ url, connections, duration, method, headers, body, tokensFile });
  const [cmd, args] = pinned(cpu, process.execPath, [join(BENCH, 'lib', 'load-child.mjs'), spec]);
  const cpu0 = cpuOfAll(pids);
  const out = await new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (c) => (buf += c));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      try {
        resolve(JSON.parse(buf.trim().split('\n').at(-1)));
      } catch (e) {
        reject(e);
      }
    });
  });
  const cpu1 = cpuOfAll(pids);
  out.cpuUsPerReq = pids.length ? ((cpu1 - cpu0) * 1e6) / Math.max(1, out.total) : undefined;
  return out;
}
