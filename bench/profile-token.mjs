#!/usr/bin/env node
// The token endpoint's main thread under load, sampled by Linux `perf` (cpu-clock, the twin's main thread only):
// where the CPU of a token goes besides the signature (which the signing workers do). Needs `perf` and permission
// to record the twin (root, or kernel.perf_event_paranoid ≤ 1). Unpinned, c50, client credentials (v2).
//   node bench/profile-token.mjs [seconds] → bench/out/profiles/perf-token.txt
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH, ROOT, startTwin, stopAll } from './lib/procs.mjs';
import { load } from './lib/load.mjs';
import { machineLoad, mainThreadCpuSeconds } from './lib/cpu.mjs';

const seconds = Number(process.argv[2] ?? 8);
const CLIENT = 'be0c4000-0000-4000-8000-00000000be01';
const SECRET = 'bench-client-secret';
const RESOURCE = '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f';
const outDir = join(BENCH, 'out', 'profiles');
mkdirSync(outDir, { recursive: true });
const data = join(outDir, 'perf-token.data');
const report = (...args) => spawnSync('perf', ['report', '-i', data, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout
  .split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.replaceAll(`file://${ROOT}/`, '').replaceAll(`${ROOT}/`, '').slice(0, 160));
try {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-bench-dir-'));
  writeFileSync(join(dir, 'directory.json'), JSON.stringify({ applications: [{ displayName: 'bench-client', appId: CLIENT, passwordCredentials: [{ secretText: SECRET }] }] }));
  const twin = await startTwin({ extraArgs: ['--directory', join(dir, 'directory.json')], env: { NODE_OPTIONS: '--perf-basic-prof' } });
  const url = `${twin.ready.identity.imdsEndpoint}/${twin.ready.tenantId}/oauth2/v2.0/token`;
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: `${RESOURCE}/.default` }).toString();
  const opts = { connections: 50, method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  await load(url, { ...opts, duration: 3 }); // warm-up (JIT, signing workers)
  const before = machineLoad();
  const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-t', String(twin.pid), '-o', data], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const main0 = mainThreadCpuSeconds(twin.pid);
  const r = await load(url, { ...opts, duration: seconds, pids: [twin.pid] });
  const mainUs = ((mainThreadCpuSeconds(twin.pid) - main0) * 1e6) / Math.max(1, r.total);
  rec.kill('SIGINT');
  await new Promise((x) => rec.once('exit', x));
  const head = `perf profile of the token endpoint's main thread, ${seconds} s at c50 unpinned: ${Math.round(r.rps)} tokens/s, twin CPU ${Math.round(r.cpuUsPerReq)} µs/token (main thread ${Math.round(mainUs)}), load generator ${Math.round(r.loadCpuUsPerReq)} µs/token, non-2xx ${r.non2xx}, errors ${r.errors}, load ${before.loadavg1} → ${machineLoad().loadavg1}`;
  const text = [
    head, '',
    '## main-thread CPU by binary', '', ...report('--no-children', '--sort', 'dso', '-g', 'none').slice(0, 6), '',
    '## self time by symbol', '', ...report('--no-children', '--sort', 'sym', '-g', 'none').slice(0, 60), '',
    '## inclusive time (callers included)', '',
    ...report('--children', '--sort', 'sym', '-g', 'none').filter((l) => /JS:|Scaveng|tcp_sendmsg|do_syscall_64|Parser::Execute/.test(l)).slice(0, 60),
  ].join('\n');
  writeFileSync(join(outDir, 'perf-token.txt'), text + '\n');
  console.log(head);
  console.log(join(outDir, 'perf-token.txt'));
} finally {
  await stopAll();
}
