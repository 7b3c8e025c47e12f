// `trustline up` of the seed with a persisted state folder: time until the ready file exists, and the RSS then.
// The first start (which generates the keys and the CA) is not counted: the goal is for a folder that already holds them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTwin, ROOT } from '../lib/procs.mjs';
import { cpuSeconds, rssMb } from '../lib/cpu.mjs';
import { median, round } from '../lib/stats.mjs';

export default {
  name: 'startup',
  description: '`trustline up examples/seed` with a persisted state folder: ready time (goal ≤ 500 ms) and RSS (goal ≤ 100 MB)',
  defaultRun: true,
  async run(ctx) {
    const stateDir = mkdtempSync(join(tmpdir(), 'trustline-bench-startup-'));
    const template = join(ROOT, 'examples', 'seed');
    const first = await startTwin({ stateDir, inMemory: false, template });
    ctx.record({ name: 'first start (keys and CA generated)', value: round(first.startMs, 0), unit: 'ms' });
    await first.stop();
    // BENCH_BASELINE=<another built checkout>: its starts alternate with this checkout's (own state folder), side by side.
    const baselineRoot = process.env.BENCH_BASELINE;
    const baselineDir = baselineRoot ? mkdtempSync(join(tmpdir(), 'trustline-bench-startup-base-')) : undefined;
    if (baselineRoot) await (await startTwin({ stateDir: baselineDir, inMemory: false, template, root: baselineRoot })).stop();
    const runs = ctx.opts.quick ? 2 : 7;
    const times = [];
    const rss = [];
    const rssSettled = [];
    const cpuMs = [];
    const base = { times: [], cpuMs: [], rss: [] };
    for (let i = 0; i < runs; i++) {
      if (baselineRoot) {
        const b = await startTwin({ stateDir: baselineDir, inMemory: false, template, root: baselineRoot });
        base.times.push(b.startMs);
        base.cpuMs.push(cpuSeconds(b.pid) * 1000);
        base.rss.push(rssMb(b.pid));
        await b.stop();
      }
      const t = await startTwin({ stateDir, inMemory: false, template });
      times.push(t.startMs);
      cpuMs.push(cpuSeconds(t.pid) * 1000);
      rss.push(rssMb(t.pid));
      await sleep(1000);
      rssSettled.push(rssMb(t.pid));
      await t.stop();
    }
    if (baselineRoot) {
      ctx.raw('baseline', base);
      ctx.record({ name: 'baseline: ready time (median)', value: round(median(base.times), 0), unit: 'ms', notes: `BENCH_BASELINE=${baselineRoot}; runs ${base.times.map((x) => Math.round(x)).join(' / ')}` });
      ctx.record({ name: 'baseline: CPU until ready (median)', value: round(median(base.cpuMs), 0), unit: 'ms', notes: `runs ${base.cpuMs.map((x) => Math.round(x)).join(' / ')}` });
      ctx.record({ name: 'baseline: RSS at ready (median)', value: round(median(base.rss), 1), unit: 'MB' });
    }
    ctx.raw('startMs', times);
    ctx.raw('rssMbAtReady', rss);
    ctx.raw('cpuMsAtReady', cpuMs);
    ctx.raw('rssMbAfter1s', rssSettled);
    ctx.record({ name: 'ready time, persisted state (median)', value: round(median(times), 0), unit: 'ms', goal: '<= 500', notes: `runs ${times.map((x) => Math.round(x)).join(' / ')} (spawn → ready file)` });
    // CPU used until ready (all threads, /proc, 10 ms ticks): what the start costs whatever else runs on the machine.
    ctx.record({ name: 'CPU until ready (median)', value: round(median(cpuMs), 0), unit: 'ms', goal: '<= 500', notes: `runs ${cpuMs.map((x) => Math.round(x)).join(' / ')} (user + system, all threads)` });
    ctx.record({ name: 'RSS at ready (median)', value: round(median(rss), 1), unit: 'MB', goal: '<= 100', notes: `1 s later: ${round(median(rssSettled), 1)} MB` });
  },
};
