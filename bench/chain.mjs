// Chain benchmark: client → gateway → Easy Auth → backend (the twin, plain http on both hops)
// against two bare Node.js pass-through hops to the same backend, started in the same run.
// autocannon, 50 connections, fixed duration, rounds with rotated order; medians and ratios
// go to bench/RESULTS.md (and bench/out/last.json).
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;

const children = [];
const startForked = (file, args = []) =>
  new Promise((resolve, reject) => {
    const child = fork(join(here, file), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(child);
    child.once('message', (m) => resolve({ port: m.port, pid: child.pid }));
    child.once('exit', (c) => reject(new Error(`${file} exited ${c}`)));
  });

async function startTwin(backendUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-bench-'));
  const readyFile = join(dir, 'ready.json');
  const child = spawn(process.execPath, [join(root, 'bin', 'trustline.js'), 'up', join(here, 'template'), '--in-memory', '--state', dir, '--ready-file', readyFile, '--backend', `trustline-func=${backendUrl}`, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 300 && !existsSync(readyFile); i++) await sleep(100);
  if (!existsSync(readyFile)) throw new Error('the twin did not start');
  return { ready: JSON.parse(readFileSync(readyFile, 'utf8')), dir, pid: child.pid };
}

const run = (url, connections, duration) =>
  new Promise((resolve, reject) => {
    autocannon({ url, connections, duration, pipelining: 1 }, (err, r) => (err ? reject(err) : resolve(r)));
  });

const cpuOf = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, seconds (CLK_TCK 100)
  } catch {
    return NaN;
  }
};

async function mintTwinToken(ready) {
  const apim = ready.apim['trustline-apim'];
  const res = await fetch(`${ready.identity.identityEndpoint}?api-version=2019-08-01&resource=6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f`, {
    headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader, 'X-Trustline-Identity-Owner': apim.resourceId },
  });
  return (await res.json()).access_token;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const { port: backendPort } = await startForked('backend.mjs');
  const backend = `http://127.0.0.1:${backendPort}`;
  const twin = await startTwin(backend);
  // The bare chain's hop A adds a bearer header as long as the token the twin's gateway attaches.
  const token = await mintTwinToken(twin.ready);
  const hopB = await startForked('bare-hop.mjs', [backend]);
  const hopA = await startForked('bare-hop.mjs', [`http://127.0.0.1:${hopB.port}`, `Bearer ${'x'.repeat(token.length)}`]);
  const gw = twin.ready.apim['trustline-apim'].httpGatewayUrl;
  const configs = {
    backend: { url: `${backend}/api/hello`, pids: [] },
    'bare-chain': { url: `http://127.0.0.1:${hopA.port}/api/hello`, pids: [hopA.pid, hopB.pid] },
    'trustline-chain': { url: `${gw}/functions/hello`, pids: [twin.pid] },
  };
  // sanity: the twin chain answers 200 with the backend's body
  const probe = await fetch(configs['trustline-chain'].url);
  if (probe.status !== 200) throw new Error(`the twin chain answered ${probe.status}: ${await probe.text()}`);
  for (const c of Object.values(configs)) await run(c.url, CONNECTIONS, 2); // warm-up

  const results = Object.fromEntries(Object.keys(configs).map((k) => [k, { rps: [], p50: [], p99: [], c1MeanMs: [], cpuUsPerReq: [], non2xx: 0, errors: 0 }]));
  const names = Object.keys(configs);
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const c = configs[name];
      const cpu0 = c.pids.map(cpuOf);
      const r = await run(c.url, CONNECTIONS, DURATION);
      const cpu1 = c.pids.map(cpuOf);
      const res = results[name];
      res.rps.push(r.requests.average);
      res.p50.push(r.latency.p50);
      res.p99.push(r.latency.p99);
      res.non2xx += r.non2xx;
      res.errors += r.errors + r.timeouts;
      if (c.pids.length) res.cpuUsPerReq.push((cpu1.reduce((a, b, i) => a + b - cpu0[i], 0) * 1e6) / Math.max(1, r.requests.total));
      const one = await run(c.url, 1, Math.max(2, Math.floor(DURATION / 3)));
      res.c1MeanMs.push(1000 / Math.max(1, one.requests.average)); // one connection: mean time per request
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([k, v]) => [k, { rps: median(v.rps), p50: median(v.p50), p99: median(v.p99), c1MeanMs: median(v.c1MeanMs), cpuUsPerReq: v.cpuUsPerReq.length ? median(v.cpuUsPerReq) : undefined, non2xx: v.non2xx, errors: v.errors, rounds: v.rps }]),
  );
  const ratio = summary['trustline-chain'].rps / summary['bare-chain'].rps;
  const out = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, durationSeconds: DURATION, rounds: ROUNDS, connections: CONNECTIONS, summary, ratioTwinOverBare: ratio };
  mkdirSync(join(here, 'out'), { recursive: true });
  writeFileSync(join(here, 'out', 'last.json'), JSON.stringify(out, null, 2));
  console.log(JSON.stringify(out, null, 2));
  rmSync(twin.dir, { recursive: true, force: true });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
