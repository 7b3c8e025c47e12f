#!/usr/bin/env node
// A/B of the twin's request path: this checkout (B) against another built checkout (A = BENCH_BASELINE), in front of
// one backend, pinned (load generator CPU0, servers CPU1) unless --unpinned. Every round starts both twins afresh
// (a twin's JIT state varies from process to process by up to ~20 %), warms each up, then loads each in turn.
// `BENCH_BASELINE=<checkout> node bench/ab.mjs [chain|site|sockets] [--rounds N] [--duration S] [--warmup S] [--unpinned]`
// BENCH_ENV_A / BENCH_ENV_B: JSON objects of environment variables for one side only (without BENCH_BASELINE both
// sides run this checkout: an A/B of a switch). Prints req/s and the twin's CPU µs per request (backend excluded).
import { startServer, startTwin, mintTwinToken, stopAll } from './lib/procs.mjs';
import { load } from './lib/load.mjs';
import { median } from './lib/stats.mjs';
import { machineLoad } from './lib/cpu.mjs';

const argv = process.argv.slice(2);
const val = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const what = argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')) ?? 'chain';
const rounds = Number(val('rounds', 4));
const duration = Number(val('duration', 5));
const warmup = Number(val('warmup', 3));
const pinned = !argv.includes('--unpinned');
const servers = pinned ? 1 : undefined;
const loadCpu = pinned ? 0 : undefined;
const sides = { A: process.env.BENCH_BASELINE, B: undefined };
const envOf = (k) => JSON.parse(process.env[`BENCH_ENV_${k}`] ?? '{}');
const res = { A: [], B: [] };
try {
  const backend = await startServer('backend.mjs', [], { cpu: servers });
  const extra = what === 'sockets' ? ['--site-dispatch', 'sockets'] : [];
  const l0 = machineLoad().loadavg1;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? ['B', 'A'] : ['A', 'B'];
    for (const k of order) {
      const root = sides[k];
      const t = await startTwin({ cpu: servers, backend: backend.url, extraArgs: extra, env: envOf(k), ...(root ? { root } : {}) });
      const target = what === 'site'
        ? { url: `${t.ready.sites['trustline-func'].httpUrl}/api/hello`, headers: { authorization: `Bearer ${await mintTwinToken(t.ready)}` } }
        : { url: `${t.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello` };
      await load(target.url, { connections: 50, duration: warmup, headers: target.headers, cpu: loadCpu });
      const o = await load(target.url, { connections: 50, duration, headers: target.headers, cpu: loadCpu, pids: [t.pid] });
      res[k].push({ rps: Math.round(o.rps), us: Math.round(o.cpuUsPerReq), bad: o.non2xx + o.errors });
      console.error(`${k} round ${r}: ${Math.round(o.rps)} req/s, ${Math.round(o.cpuUsPerReq)} µs/req twin CPU, bad ${o.non2xx + o.errors}`);
      await t.stop();
    }
  }
  const out = { what, pinned, load: [l0, machineLoad().loadavg1] };
  for (const k of ['A', 'B']) out[k] = { rps: median(res[k].map((x) => x.rps)), us: median(res[k].map((x) => x.us)), bad: res[k].reduce((a, x) => a + x.bad, 0), rounds: res[k].map((x) => x.us).join('/') };
  out['A/B µs'] = +(out.A.us / out.B.us).toFixed(3);
  console.log(JSON.stringify(out));
} finally {
  await stopAll();
}
