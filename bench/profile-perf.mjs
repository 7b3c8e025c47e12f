#!/usr/bin/env node
// The twin's CPU time under load, sampled by Linux `perf` (cpu-clock: only while it runs, kernel included), for the
// profiles behind the chain and site-hop figures. V8's own profiler (`--profile`, profile-chain.mjs) samples wall
// time, so on a loaded machine it charges the time a thread waits for a CPU to whatever native call it was in
// (a socket write, mostly); perf does not. Needs `perf` and permission to record the twin (root, or
// kernel.perf_event_paranoid ≤ 1). Pinned: the load generator on CPU0, the twin and the backend on CPU1.
//   node bench/profile-perf.mjs [chain|site|sockets] [seconds] → bench/out/profiles/perf-<what>.txt
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH, ROOT, mintTwinToken, startServer, startTwin, stopAll } from './lib/procs.mjs';
import { load } from './lib/load.mjs';
import { machineLoad } from './lib/cpu.mjs';

const what = process.argv[2] ?? 'chain';
const seconds = Number(process.argv[3] ?? 10);
const outDir = join(BENCH, 'out', 'profiles');
mkdirSync(outDir, { recursive: true });
const data = join(outDir, `perf-${what}.data`);
const report = (...args) => spawnSync('perf', ['report', '-i', data, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout
  .split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.replaceAll(`file://${ROOT}/`, '').replaceAll(`${ROOT}/`, '').slice(0, 160));
try {
  const backend = await startServer('backend.mjs', [], { cpu: 1 });
  const twin = await startTwin({ cpu: 1, backend: backend.url, extraArgs: what === 'sockets' ? ['--site-dispatch', 'sockets'] : [], env: { NODE_OPTIONS: '--perf-basic-prof' } });
  let url = `${twin.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`;
  let headers;
  if (what === 'site') {
    url = `${twin.ready.sites['trustline-func'].httpUrl}/api/hello`;
    headers = { authorization: `Bearer ${await mintTwinToken(twin.ready)}` };
  }
  await load(url, { connections: 50, duration: 8, headers, cpu: 0 }); // warm-up (JIT)
  const before = machineLoad();
  const rec = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(twin.pid), '-o', data], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 300));
  const r = await load(url, { connections: 50, duration: seconds, headers, cpu: 0, pids: [twin.pid] });
  rec.kill('SIGINT');
  await new Promise((r) => rec.once('exit', r));
  const head = `perf profile of the twin (${what}), ${seconds} s at c50 pinned: ${Math.round(r.rps)} req/s, twin CPU ${Math.round(r.cpuUsPerReq)} µs/req, non-2xx ${r.non2xx}, errors ${r.errors}, load ${before.loadavg1} → ${machineLoad().loadavg1}`;
  const text = [
    head, '',
    '## CPU time by binary (node = V8 runtime, GC, builtins and node\'s C++; JIT = compiled JavaScript; kernel = syscalls, TCP loopback, page faults)', '',
    ...report('--no-children', '--sort', 'dso', '-g', 'none').slice(0, 8), '',
    '## self time by symbol', '',
    ...report('--no-children', '--sort', 'sym', '-g', 'none').slice(0, 60), '',
    '## inclusive time (callers included)', '',
    ...report('--children', '--sort', 'sym', '-g', 'none').filter((l) => /JS:|Scaveng|exc_page_fault|CompileTask|tcp_sendmsg|do_syscall_64|CollectGarbage|Parser::Execute/.test(l)).slice(0, 90),
  ].join('\n');
  writeFileSync(join(outDir, `perf-${what}.txt`), text + '\n');
  console.log(head);
  console.log(join(outDir, `perf-${what}.txt`));
} finally {
  await stopAll();
}
