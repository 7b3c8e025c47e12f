// Side-by-side comparison of configurations in one run (PERFORMANCE.md method): rounds with the order rotated,
// a fixed-length c50 run (plus a c1 run for latency) per config per round, medians.
import { load } from './load.mjs';
import { median, rotated } from './stats.mjs';

/**
 * configs: { name: { url, pids, headers?, tokensFile?, method?, body? } }. Returns { name: summary } where summary
 * has medians of rps, p50, p99, cpuUsPerReq (c50) and c1 p50/mean, the per-round values, and error counts.
 */
export async function compare(ctx, configs, { cpu, warmup = true } = {}) {
  const { rounds, duration, c1Duration, connections } = ctx.opts;
  const names = Object.keys(configs);
  const runs = Object.fromEntries(names.map((n) => [n, { c50: [], c1: [] }]));
  const opts = (c) => ({ cpu, pids: c.pids ?? [], headers: c.headers, tokensFile: c.tokensFile, method: c.method, body: c.body });
  if (warmup) for (const n of names) await load(configs[n].url, { ...opts(configs[n]), connections, duration: 2 });
  for (let r = 0; r < rounds; r++) {
    for (const n of rotated(names, r)) {
      const c = configs[n];
      runs[n].c50.push(await load(c.url, { ...opts(c), connections, duration }));
      if (!c.skipC1) runs[n].c1.push(await load(c.url, { ...opts(c), connections: 1, duration: c1Duration }));
    }
  }
  const out = {};
  for (const n of names) {
    const { c50, c1 } = runs[n];
    out[n] = {
      rps: median(c50.map((x) => x.rps)),
      rounds: c50.map((x) => Math.round(x.rps)),
      p50: median(c50.map((x) => x.p50)),
      p99: median(c50.map((x) => x.p99)),
      cpuUsPerReq: median(c50.map((x) => x.cpuUsPerReq)),
      c1Rps: median(c1.map((x) => x.rps)),
      c1MeanMs: median(c1.map((x) => x.meanMs)),
      c1P50: median(c1.map((x) => x.p50)),
      non2xx: [...c50, ...c1].reduce((a, x) => a + x.non2xx, 0),
      errors: [...c50, ...c1].reduce((a, x) => a + x.errors, 0),
      statusCodes: c50.at(-1)?.statusCodes,
    };
  }
  return out;
}
