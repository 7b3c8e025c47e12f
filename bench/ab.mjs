#!/usr/bin/env node
// A/B of the twin's request path: this checkout (B) against another built checkout (A = BENCH_BASELINE), in front of
// one backend, pinned (load generator CPU0, servers CPU1) unless --unpinned. Every round starts both twins afresh
// (a twin's JIT state varies from process to process by up to ~20 %), warms each up, then loads each in turn.
// `BENCH_BASELINE=<checkout> node bench/ab.mjs [chain|site|sockets] [--rounds N] [--duration S] [--warmup S] [--unpinned]`
// BENCH_ENV_A / BENCH_ENV_B: JSON objects of environment variables for one side only (without BENCH_BASELINE both
// sides run this checkout: an A/B of a switch). Prints req/s and the twin's CPU µs per request (backend excluded).
// `--slices N`: each round starts both twins, warms both, then loads them in turn N times (`--duration` each): on a
// shared machine whose load moves by the second, A and B then see the same background (paired ratio reported).
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
const slices = Number(val('slices', 0));
const res = { A: [], B: [] };
const pairs = [];
try {
  const backend = await startServer('backend.mjs', [], { cpu: servers });
  const extra = what === 'sockets' ? ['--site-dispatch', 'sockets'] : [];
  const l0 = machineLoad().loadavg1;
  const targetOf = async (t) => (what === 'site'
    ? { url: `${t.ready.sites['trustline-func'].httpUrl}/api/hello`, headers: { authorization: `Bearer ${await mintTwinToken(t.ready)}` } }
    : { url: `${t.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello` });
  for (let r = 0; slices > 0 && r < rounds; r++) {
    const twins = {};
    for (const k of ['A', 'B']) {
      const root = sides[k];
      twins[k] = await startTwin({ cpu: servers, backend: backend.url, extraArgs: extra, env: envOf(k), ...(root ? { root } : {}) });
      twins[k].target = await targetOf(twins[k]);
      await load(twins[k].target.url, { connections: 50, duration: warmup, headers: twins[k].target.headers, cpu: loadCpu });
    }
    for (let s = 0; s < slices; s++) {
      const got = {};
      for (const k of (r + s) % 2 ? ['B', 'A'] : ['A', 'B']) {
        const t = twins[k];
        const o = await load(t.target.url, { connections: 50, duration, headers: t.target.headers, cpu: loadCpu, pids: [t.pid] });
        got[k] = { rps: Math.round(o.rps), us: Math.round(o.cpuUsPerReq), bad: o.non2xx + o.errors };
        res[k].push(got[k]);
      }
      pairs.push(got.A.us / got.B.us);
      console.error(`round ${r} slice ${s}: A ${got.A.us} µs/req (${got.A.rps} req/s), B ${got.B.us} µs/req (${got.B.rps} req/s)`);
    }
    for (const k of ['A', 'B']) await twins[k].stop();
  }
  for (let r = 0; slices === 0 && r < rounds; r++) {
    const order = r % 2 ? ['B', 'A'] : ['A', 'B'];
    for (const k of order) {
      const root = sides[k];
      const t = await startTwin({ cpu: servers, backend: backend.url, extraArgs: extra, env: envOf(k), ...(root ? { root } : {}) });
      const target = await targetOf(t);
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
  if (pairs.length) out['A/B µs, median of paired slices'] = +median(pairs).toFixed(3);
  console.log(JSON.stringify(out));
} finally {
  await stopAll();
}
