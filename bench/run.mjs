#!/usr/bin/env node
// Trustline benchmark runner. `npm run bench` (from the root or from bench/) runs every default suite;
// `npm run bench -- chain site-hop --quick --mode pinned` runs some. Never part of `npm test`.
//
//   suites      bench/suites/<name>.mjs, each `export default { name, description, defaultRun, run(ctx) }`
//   options     --quick (2 s runs, 1 round: checks the code, not the figures)  --rounds N  --duration S
//               --connections N  --mode pinned|unpinned|both  --list  --profile (twins under --cpu-prof)
//   output      a table of figures (value, goal, met) on stdout; bench/out/<suite>.json with every raw run,
//               the machine load before/after, node version and the exact command line.
import { readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { BENCH, profileInto, stopAll } from './lib/procs.mjs';
import { machineLoad } from './lib/cpu.mjs';
import { checkGoal, formatTable } from './lib/report.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i !== -1 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const valueFlags = new Set(['--rounds', '--duration', '--connections', '--mode']);
const wanted = argv.filter((a, i) => !a.startsWith('--') && !valueFlags.has(argv[i - 1]));

const quick = flag('quick');
// --profile: the twins run under `node --cpu-prof`; bench/out/profiles/<suite>-<mode>-<label>/summary.txt each.
if (flag('profile')) profileInto(join(BENCH, 'out', 'profiles'));
const opts = {
  quick,
  rounds: Number(value('rounds', quick ? 1 : 3)),
  duration: Number(value('duration', quick ? 2 : 10)),
  c1Duration: Number(value('duration', quick ? 2 : 5)),
  connections: Number(value('connections', 50)),
  modes: (() => {
    const m = value('mode', 'both');
    if (cpus().length < 2) return ['unpinned'];
    return m === 'both' ? ['pinned', 'unpinned'] : [m];
  })(),
};

const suiteFiles = readdirSync(join(BENCH, 'suites')).filter((f) => f.endsWith('.mjs')).sort();
const suites = [];
for (const f of suiteFiles) suites.push((await import(pathToFileURL(join(BENCH, 'suites', f)).href)).default);

if (flag('list')) {
  for (const s of suites) console.log(`${s.name.padEnd(16)} ${s.defaultRun ? '(default)' : '(on request)'} ${s.description}`);
  process.exit(0);
}

const selected = wanted.length ? wanted.map((n) => suites.find((s) => s.name === n) ?? fail(`unknown suite '${n}' (try --list)`)) : suites.filter((s) => s.defaultRun);

function fail(msg) {
  console.error(msg);
  process.exit(2);
}

/** CPUs for a mode: pinned = load generator on CPU0, every server on CPU1 (PERFORMANCE.md). */
const cpusFor = (mode) => (mode === 'pinned' ? { load: 0, servers: 1 } : { load: undefined, servers: undefined });

let failed = false;
const stopping = () => stopAll().then(() => process.exit(130));
process.once('SIGINT', stopping);
process.once('SIGTERM', stopping);

for (const suite of selected) {
  const figures = [];
  const raw = {};
  const ctx = {
    opts,
    cpusFor,
    log: (...a) => console.error(`[${suite.name}]`, ...a),
    /** Record a figure: {name, value, unit, goal: '>= 0.90' | '<= 500', mode, notes}. */
    record(fig) {
      const f = { ...fig, met: checkGoal(fig.value, fig.goal) };
      figures.push(f);
      console.error(`[${suite.name}] ${f.name}${f.mode ? ` (${f.mode})` : ''}: ${f.value}${f.unit ? ' ' + f.unit : ''}${f.goal ? `  goal ${f.goal}: ${f.met ? 'met' : 'NOT met'}` : ''}`);
    },
    /** Keep raw measurements for the JSON output. */
    raw(key, v) {
      (raw[key] ??= []).push(v);
    },
  };
  const loadBefore = machineLoad();
  const started = new Date().toISOString();
  try {
    await suite.run(ctx);
  } catch (e) {
    failed = true;
    console.error(`[${suite.name}] failed:`, e);
  } finally {
    await stopAll();
  }
  const out = {
    suite: suite.name,
    started,
    finished: new Date().toISOString(),
    command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
    node: process.version,
    cpus: cpus().length,
    opts,
    loadBefore,
    loadAfter: machineLoad(),
    figures,
    raw,
  };
  mkdirSync(join(BENCH, 'out'), { recursive: true });
  writeFileSync(join(BENCH, 'out', `${suite.name}.json`), JSON.stringify(out, null, 2) + '\n');
  console.log(`\n## ${suite.name} — ${started} — load ${loadBefore.loadavg1} → ${out.loadAfter.loadavg1} (1-min avg, ${out.cpus} cores)\n`);
  console.log(formatTable(figures));
}
process.exitCode = failed ? 1 : 0;
