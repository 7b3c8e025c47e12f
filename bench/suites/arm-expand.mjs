// ARM expansion rate over the visible template corpus (quickstarts, AVM modules, Bicep samples): every template
// expanded as `trustline expand --fill-placeholders --fill-missing` does, in this process, from the built dist/.
// Figures: templates/s, median and slowest template, peak RSS. The corpus is TRUSTLINE_CORPUS or ../shared/corpus.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandTemplate } from '../../dist/arm/index.js';
import { expandOne, groupOf, templateFiles } from '../../test/conformance/arm/expand-corpus.mjs';
import { median, round } from '../lib/stats.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export default {
  name: 'arm-expand',
  description: 'ARM expand of the whole visible template corpus: templates/s, per-template latency, peak RSS',
  defaultRun: true,
  async run(ctx) {
    const corpus = join(process.env.TRUSTLINE_CORPUS ? resolve(process.env.TRUSTLINE_CORPUS) : resolve(ROOT, '..', 'shared', 'corpus'), 'arm-templates');
    if (!existsSync(corpus)) throw new Error(`no ARM template corpus at ${corpus} (set TRUSTLINE_CORPUS)`);
    let files = templateFiles(corpus);
    if (ctx.opts.quick) files = files.slice(0, 50);
    const rounds = ctx.opts.quick ? 1 : Math.max(1, ctx.opts.rounds ?? 3);
    const rates = [];
    const perTemplate = [];
    let expanded = 0;
    let peakRss = process.memoryUsage().rss;
    for (let pass = 0; pass < rounds; pass++) {
      const start = performance.now();
      for (const f of files) {
        const t0 = performance.now();
        const r = expandOne(expandTemplate, corpus, f);
        const ms = performance.now() - t0;
        if (pass === 0) {
          perTemplate.push({ file: relative(corpus, f), group: groupOf(relative(corpus, f)), ms });
          if (r.result === 'expands') expanded++;
        }
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      rates.push(files.length / ((performance.now() - start) / 1000));
    }
    const times = perTemplate.map((t) => t.ms);
    const slowest = perTemplate.reduce((a, b) => (b.ms > a.ms ? b : a));
    ctx.raw('perTemplate', perTemplate);
    ctx.record({ name: 'templates expanded per second', mode: 'in-process', value: round(median(rates), 1), unit: 'templates/s', notes: `${files.length} templates × ${rounds} rounds (${rates.map((r) => round(r, 1)).join(' / ')}); ${expanded} expand fully` });
    ctx.record({ name: 'median time per template', mode: 'in-process', value: round(median(times), 2), unit: 'ms' });
    ctx.record({ name: 'slowest template', mode: 'in-process', value: round(slowest.ms, 1), unit: 'ms', notes: slowest.file });
    ctx.record({ name: 'peak RSS', mode: 'in-process', value: round(peakRss / 1024 / 1024, 0), unit: 'MB', notes: `process.resourceUsage().maxRSS ${round(process.resourceUsage().maxRSS / 1024, 0)} MB` });
  },
};
