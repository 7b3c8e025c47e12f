// Soak: the twin chain under steady load for BENCH_SOAK_SECONDS (default 600), in 30 s slices; the twin's RSS is
// sampled after each slice. Goals: 0 errors and 0 non-2xx; RSS flat within 10% (median of the last three slices
// against the median of slices 2–4, after warm-up).
import { startServer, startTwin } from '../lib/procs.mjs';
import { load } from '../lib/load.mjs';
import { rssMb } from '../lib/cpu.mjs';
import { median, round } from '../lib/stats.mjs';

export default {
  name: 'soak',
  description: '10-minute soak of the chain (BENCH_SOAK_SECONDS): 0 errors, RSS flat within 10%',
  defaultRun: false,
  async run(ctx) {
    const total = Number(process.env.BENCH_SOAK_SECONDS ?? (ctx.opts.quick ? 60 : 600));
    const slice = ctx.opts.quick ? 10 : 30;
    const connections = Number(process.env.BENCH_SOAK_CONNECTIONS ?? 20);
    const backend = await startServer('backend.mjs');
    const twin = await startTwin({ backend: backend.url, label: 'soak' });
    const url = `${twin.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`;
    const samples = [];
    let requests = 0;
    let bad = 0;
    for (let t = 0; t < total; t += slice) {
      const r = await load(url, { connections, duration: slice, pids: [twin.pid] });
      requests += r.total;
      bad += r.non2xx + r.errors;
      samples.push({ t: t + slice, rssMb: round(rssMb(twin.pid), 1), rps: round(r.rps, 0), cpuUsPerReq: round(r.cpuUsPerReq, 0), non2xx: r.non2xx, errors: r.errors });
      ctx.log(`t=${t + slice}s rss=${samples.at(-1).rssMb} MB rps=${samples.at(-1).rps} bad=${bad}`);
    }
    ctx.raw('samples', samples);
    const early = median(samples.slice(1, 4).map((s) => s.rssMb));
    const late = median(samples.slice(-3).map((s) => s.rssMb));
    ctx.record({ name: 'requests', value: requests, notes: `${total} s at ${connections} connections, ${slice} s slices` });
    ctx.record({ name: 'errors + non-2xx', value: bad, goal: '<= 0' });
    // RSS under load is a GC sawtooth (tens of MB between slices on a loaded machine), so three samples at each end
    // can land on different teeth. Beside the goal's figure: the medians of the two halves (after warm-up) and the
    // least-squares trend over every slice after the first, which a leak shows as a steady climb.
    const after = samples.slice(1);
    const half = Math.floor(after.length / 2);
    const firstHalf = median(after.slice(0, half).map((s) => s.rssMb));
    const secondHalf = median(after.slice(half).map((s) => s.rssMb));
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const xs = after.map((s) => s.t / 60);
    const ys = after.map((s) => s.rssMb);
    const mx = mean(xs), my = mean(ys);
    const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / Math.max(1e-9, xs.reduce((a, x) => a + (x - mx) ** 2, 0));
    ctx.record({ name: 'RSS, median of the second half / first half − 1', value: round((secondHalf / firstHalf - 1) * 100, 1), unit: '%', notes: `first half ${firstHalf} MB, second half ${secondHalf} MB; min ${Math.min(...ys)} MB` });
    ctx.record({ name: 'RSS trend (least-squares slope over the slices after the first)', value: round(slope, 2), unit: 'MB/min' });
    ctx.record({ name: 'RSS growth (late / early − 1)', value: round((late / early - 1) * 100, 1), unit: '%', goal: '<= 10', notes: `early ${early} MB, late ${late} MB, max ${Math.max(...samples.map((s) => s.rssMb))} MB` });
  },
};
