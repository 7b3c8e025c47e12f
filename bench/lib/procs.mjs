// Starting and stopping the processes of a benchmark: servers (optionally pinned to a CPU with taskset) and the
// twin (`trustline up`). Every process started here is stopped by its PID by `stopAll()` (run.mjs calls it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatSummary, summarize } from './profile.mjs';

export const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(BENCH, '..');
export const TEMPLATE = join(BENCH, 'template');

const children = new Set();
const tempDirs = new Set();
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
let upHelp;
/** `--profile`: every twin started with a label runs under `node --cpu-prof` into this folder (bench/out/profiles). */
let profileRoot;
export function profileInto(dir) {
  profileRoot = dir;
}
/** Does this checkout's `trustline up` have `flag`? (Random ports need `--port-base 0` where stable ports exist.) */
export function upHas(flag) {
  upHelp ??= spawnSync(process.execPath, [join(ROOT, 'bin', 'trustline.js'), 'up', '--help'], { encoding: 'utf8' }).stdout ?? '';
  return upHelp.includes(flag);
}

/** `[cmd, args]` wrapped in `taskset -c <cpu>` when a cpu is given (and taskset exists). */
export function pinned(cpu, cmd, args) {
  if (cpu === undefined || cpu === null || !hasTaskset) return [cmd, args];
  return ['taskset', ['-c', String(cpu), cmd, ...args]];
}

/**
 * A Node server script that prints `{"port":N}` as its first stdout line (bench/servers/*.mjs).
 * Returns {port, pid, url, stop()}.
 */
export async function startServer(script, args = [], { cpu, env } = {}) {
  const [cmd, argv] = pinned(cpu, process.execPath, [join(BENCH, 'servers', script), ...args]);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  children.add(child);
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      const nl = buf.indexOf('\n');
      if (nl !== -1) {
        try {
          resolve(JSON.parse(buf.slice(0, nl)).port);
        } catch (e) {
          reject(e);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening`)));
  });
  child.stdout.resume();
  return { port, pid: child.pid, url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

/**
 * `trustline up <template>` as a child process (the built dist/ must be current: `npm run build`).
 * Options: cpu, backend (URL for the site `trustline-func`), stateDir (persisted; default a fresh temp folder,
 * in memory), extraArgs, root (another built checkout, e.g. a baseline). Returns {ready, pid, dir, stop(), startMs}.
 */
export async function startTwin({ cpu, backend, stateDir, inMemory = stateDir === undefined, extraArgs = [], template = TEMPLATE, env, label, root = ROOT } = {}) {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), 'trustline-bench-'));
  if (!stateDir) tempDirs.add(dir);
  const readyFile = join(mkdtempSync(join(tmpdir(), 'trustline-bench-ready-')), 'ready.json');
  tempDirs.add(dirname(readyFile));
  const profDir = profileRoot && label ? join(profileRoot, label) : undefined;
  if (profDir) {
    rmSync(profDir, { recursive: true, force: true });
    mkdirSync(profDir, { recursive: true });
  }
  const args = [...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(root, 'bin', 'trustline.js'), 'up', template, '--state', dir, '--ready-file', readyFile, '--log-level', 'warn', ...extraArgs];
  if (inMemory) args.push('--in-memory');
  if (upHas('--port-base')) args.push('--port-base', '0');
  if (backend) args.push('--backend', `trustline-func=${backend}`);
  const [cmd, argv] = pinned(cpu, process.execPath, args);
  const t0 = performance.now();
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  children.add(child);
  let exited = false;
  child.once('exit', () => (exited = true));
  while (!existsSync(readyFile)) {
    if (exited) throw new Error('trustline up exited before it was ready');
    if (performance.now() - t0 > 60_000) throw new Error('trustline up was not ready within 60 s');
    await sleep(5);
  }
  const startMs = performance.now() - t0;
  let ready;
  for (let i = 0; i < 100; i++) {
    try {
      ready = JSON.parse(readFileSync(readyFile, 'utf8'));
      break;
    } catch {
      await sleep(5);
    }
  }
  const stopTwin = async () => {
    await stop(child);
    if (profDir) summarizeProfiles(profDir, startMs);
  };
  return { ready, pid: child.pid, dir, startMs, stop: stopTwin };
}

/**
 * Summaries of the profiles a twin wrote at exit (one per thread), start-up left out: `<dir>/summary.txt`, the
 * busy time by area and by function (bench/lib/profile.mjs).
 */
function summarizeProfiles(dir, skipMs) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const parts = [];
  for (const f of files) {
    const thread = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1];
    const s = summarize(JSON.parse(readFileSync(join(dir, f), 'utf8')), { top: 40, skipMs: thread === '0' ? skipMs : 0 });
    if (s.busyMs < 50) continue;
    parts.push(`## ${thread === '0' ? 'main thread' : `worker thread ${thread}`} (${f})\n\n${formatSummary(s)}\n`);
  }
  writeFileSync(join(dir, 'summary.txt'), parts.join('\n'));
  console.error(`[profile] ${join(dir, 'summary.txt')}`);
}

function stop(child) {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Stop every process started by this module (by PID) and remove the temp folders. */
export async function stopAll() {
  await Promise.all([...children].map((c) => stop(c)));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

/** A managed identity token of the twin's APIM for the function app (the seed's audience). */
export async function mintTwinToken(ready, resource = '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f') {
  const apim = ready.apim['trustline-apim'];
  const res = await fetch(`${ready.identity.identityEndpoint}?api-version=2019-08-01&resource=${resource}`, {
    headers: { 'X-IDENTITY-HEADER': ready.identity.identityHeader, 'X-Trustline-Identity-Owner': apim.resourceId },
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  return (await res.json()).access_token;
}
