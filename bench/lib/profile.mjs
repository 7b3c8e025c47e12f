// Reading a V8 CPU profile (`node --cpu-prof`): self time per function and per area of the code, as shares of the
// busy (non-idle) time. `node bench/lib/profile.mjs FILE.cpuprofile [--top N]` prints the summary; suites started
// with `--profile` write one profile per twin into bench/out/profiles/ and summarize it in their output.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Which area a frame belongs to (by its script URL), for a coarse split of the busy time. */
export function areaOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'program (native, not JS)';
    if (functionName === '(idle)') return 'idle';
    return 'native';
  }
  const m = /\/(?:dist|src)\/([a-z-]+)\/(?:([a-z-]+)\/)?/.exec(url);
  if (m && !url.includes('node_modules')) return `trustline ${m[1]}${m[2] && !m[2].includes('.') ? '/' + m[2] : ''}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node ').replace(/^node:/, 'node ').split('/').slice(0, 2).join('/');
  return url;
}

/** {busyMs, idleMs, samples, top: [{fn, where, selfMs, share}], areas: [{area, selfMs, share}]} */
export function summarize(profile, { top = 25, skipMs = 0, untilMs = Infinity } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  const { samples, timeDeltas } = profile;
  // Samples from `skipMs` after the profile started (leaves start-up out of a profile of a load run).
  let t = 0;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    if (t < skipMs * 1000 || t > untilMs * 1000) continue;
    dt.set(samples[i], (dt.get(samples[i]) ?? 0) + (timeDeltas[i + 1] ?? 0));
  }
  // Inclusive time of the project's own functions (a function counted once per sample however deep it recurs).
  const inclusive = new Map();
  const label = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url ? url.replace(/^file:\/\/.*?\/(dist|src|node_modules)\//, '$1/') : '';
    return `${functionName || '(anonymous)'}\t${file}${url ? ':' + (lineNumber + 1) : ''}`;
  };
  let idle = 0;
  let busy = 0;
  const fns = new Map();
  const areas = new Map();
  for (const [id, us] of dt) {
    const n = byId.get(id);
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    const key = label(n);
    fns.set(key, (fns.get(key) ?? 0) + us);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at);
      if (!f.callFrame.url.includes('/dist/') && !f.callFrame.url.includes('/src/')) continue;
      const k = label(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
    const a = areaOf(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us) => Math.round((us / busy) * 1000) / 10;
  return {
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => {
      const [fn, where] = k.split('\t');
      return { fn, where, selfMs: Math.round(us / 1000), share: pct(us) };
    }),
    inclusive: [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => {
      const [fn, where] = k.split('\t');
      return { fn, where, selfMs: Math.round(us / 1000), share: pct(us) };
    }),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfMs: Math.round(us / 1000), share: pct(us) })),
  };
}

export function formatSummary(s) {
  const lines = [`busy ${s.busyMs} ms, idle ${s.idleMs} ms`, '', 'self time by area:'];
  for (const a of s.areas.slice(0, 20)) lines.push(`  ${String(a.share).padStart(5)} %  ${a.area}`);
  lines.push('', 'self time by function:');
  for (const f of s.top) lines.push(`  ${String(f.share).padStart(5)} %  ${f.fn}  ${f.where}`);
  lines.push('', "inclusive time of Trustline's functions:");
  for (const f of s.inclusive) lines.push(`  ${String(f.share).padStart(5)} %  ${f.fn}  ${f.where}`);
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  console.log(formatSummary(summarize(JSON.parse(readFileSync(file, 'utf8')), { top: arg('--top', 30), skipMs: arg('--skip-ms', 0), untilMs: arg('--until-ms', Infinity) })));
}
