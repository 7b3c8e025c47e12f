// Token issuance: tokens/s from the twin's token endpoint (client credentials, RS256 signed per request on the
// identity service's signing workers) and from the managed identity endpoint, against raw RS256 signing, in the
// same run. Unpinned: raw signing on every core, the twin and the load generator sharing them (the whole machine's
// signing capacity). Pinned: the load generator on CPU0; the twin, the bare token server and raw signing (one
// thread) on CPU1, so the ratio is what one core of signing becomes once HTTP and Trustline's work are added.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { BENCH, pinned, startServer, startTwin } from '../lib/procs.mjs';
import { load } from '../lib/load.mjs';
import { median, ratio, round } from '../lib/stats.mjs';
import { mainThreadCpuSeconds } from '../lib/cpu.mjs';

const CLIENT = 'be0c4000-0000-4000-8000-00000000be01';
const SECRET = 'bench-client-secret';
const RESOURCE = '6f1d2a4e-3b7c-4d8e-9f01-2a3b4c5d6e7f';

function rawSigning(threads, seconds, cpu) {
  return new Promise((resolve, reject) => {
    const [cmd, args] = pinned(cpu, process.execPath, [join(BENCH, 'servers', 'rs256-signer.mjs'), String(threads), String(seconds)]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (c) => (buf += c));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(buf.trim())) : reject(new Error(`rs256-signer exited ${code}`))));
  });
}

export default {
  name: 'token-issuance',
  description: 'token endpoint (client credentials) and MI endpoint tokens/s vs raw RS256 signing (unpinned: all cores; pinned: the servers\' core)',
  defaultRun: false,
  async run(ctx) {
    for (const mode of ctx.opts.modes) await runMode(ctx, mode);
  },
};

async function runMode(ctx, mode) {
  const { load: loadCpu, servers } = ctx.cpusFor(mode);
  const record = (fig) => ctx.record({ ...fig, mode });
  const dir = mkdtempSync(join(tmpdir(), 'trustline-bench-dir-'));
  const directory = join(dir, 'directory.json');
  writeFileSync(directory, JSON.stringify({ applications: [{ displayName: 'bench-client', appId: CLIENT, passwordCredentials: [{ secretText: SECRET }] }] }));
  const twin = await startTwin({ cpu: servers, extraArgs: ['--directory', directory] });
  const idHttp = twin.ready.identity.imdsEndpoint;
  const tenant = twin.ready.tenantId;
  const tokenUrl = `${idHttp}/${tenant}/oauth2/v2.0/token`;
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET, scope: `${RESOURCE}/.default` }).toString();
  const probe = await fetch(tokenUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  if (probe.status !== 200) throw new Error(`the token endpoint answered ${probe.status}: ${await probe.text()}`);
  await probe.arrayBuffer();
  // Warm-up (discarded): JIT, the signing workers' key import, the HTTP server's first connections.
  await load(tokenUrl, { connections: ctx.opts.connections, duration: 2, method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, cpu: loadCpu });
  // Raw signing threads: every core unpinned; pinned, one thread on the servers' core.
  const threads = servers === undefined ? cpus().length : 1;
  // The floor: a bare node:http token server (bench/servers/bare-token-server.mjs), same signing arrangement.
  const bare = await startServer('bare-token-server.mjs', [String(cpus().length)], { cpu: servers });
  const bareUrl = `${bare.url}/${tenant}/oauth2/v2.0/token`;
  await load(bareUrl, { connections: ctx.opts.connections, duration: 2, method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, cpu: loadCpu });
  const rounds = { raw: [], endpoint: [], mi: [], rawCpu: [], endpointCpu: [], endpointMainCpu: [], bare: [], bareCpu: [], loadCpu: [], bareLoadCpu: [] };
  const bad = { endpoint: 0, mi: 0, bare: 0 };
  const apim = twin.ready.apim['trustline-apim'];
  for (let r = 0; r < ctx.opts.rounds; r++) {
    const raw = await rawSigning(threads, ctx.opts.duration, servers);
    rounds.raw.push(raw.signatures / raw.seconds);
    rounds.rawCpu.push(raw.cpuUsPerSignature);
    const main0 = mainThreadCpuSeconds(twin.pid);
    const e = await load(tokenUrl, { connections: ctx.opts.connections, duration: ctx.opts.duration, method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, pids: [twin.pid], cpu: loadCpu });
    rounds.endpoint.push(e.rps);
    rounds.endpointCpu.push(e.cpuUsPerReq);
    rounds.loadCpu.push(e.loadCpuUsPerReq);
    rounds.endpointMainCpu.push(((mainThreadCpuSeconds(twin.pid) - main0) * 1e6) / Math.max(1, e.total));
    bad.endpoint += e.non2xx + e.errors;
    ctx.raw(`${mode}-endpoint`, e);
    const b = await load(bareUrl, { connections: ctx.opts.connections, duration: ctx.opts.duration, method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, pids: [bare.pid], cpu: loadCpu });
    rounds.bare.push(b.rps);
    rounds.bareCpu.push(b.cpuUsPerReq);
    rounds.bareLoadCpu.push(b.loadCpuUsPerReq);
    bad.bare += b.non2xx + b.errors;
    const m = await load(`${apim.identityEndpoint}?api-version=2019-08-01&resource=${RESOURCE}`, { connections: ctx.opts.connections, duration: ctx.opts.duration, headers: { 'x-identity-header': twin.ready.identity.identityHeader }, pids: [twin.pid], cpu: loadCpu });
    rounds.mi.push(m.rps);
    bad.mi += m.non2xx + m.errors;
    ctx.raw(`${mode}-mi`, m);
  }
  ctx.raw(`${mode}-rounds`, rounds);
  const raw = median(rounds.raw);
  const endpoint = median(rounds.endpoint);
  record({ name: `raw RS256 signing, ${threads} threads`, value: round(raw, 0), unit: 'signatures/s', notes: `rounds ${rounds.raw.map((v) => round(v, 0)).join(' / ')}` });
  record({ name: 'token endpoint (client credentials, http), c' + ctx.opts.connections, value: round(endpoint, 0), unit: 'tokens/s', notes: `rounds ${rounds.endpoint.map((v) => round(v, 0)).join(' / ')}; ${mode === 'pinned' ? 'the load generator on its own core' : 'the load generator shares the cores'}` });
  record({ name: 'token endpoint / raw RS256 signing', value: round(ratio(endpoint, raw), 3), goal: '>= 0.90' });
  const rawCpu = median(rounds.rawCpu);
  const endpointCpu = median(rounds.endpointCpu);
  record({ name: 'raw RS256 signing CPU per signature', value: round(rawCpu, 0), unit: 'µs' });
  record({ name: 'token endpoint: twin CPU per token (all threads)', value: round(endpointCpu, 0), unit: 'µs', notes: 'HTTP, client authentication, claims, signing on a worker' });
  record({ name: 'token endpoint: main-thread CPU per token', value: round(median(rounds.endpointMainCpu), 0), unit: 'µs', notes: 'HTTP, client authentication, claims, hand-off to the signing workers; the rest of the twin CPU is the workers (signing) and V8 helper threads' });
  record({ name: 'raw signing CPU / token endpoint CPU (tokens per CPU-second, relative)', value: round(ratio(rawCpu, endpointCpu), 3), goal: '>= 0.90', notes: 'the same goal read as CPU per token (robust to other load)' });
  const bareCpu = median(rounds.bareCpu);
  record({ name: 'bare node:http token server (floor), c' + ctx.opts.connections, value: round(median(rounds.bare), 0), unit: 'tokens/s', notes: `rounds ${rounds.bare.map((v) => round(v, 0)).join(' / ')}; node:http + form + JWT + the same worker hand-off, no Trustline logic` });
  record({ name: 'bare token server: CPU per token (all threads)', value: round(bareCpu, 0), unit: 'µs' });
  record({ name: 'raw signing CPU / bare token server CPU (the ceiling of any Node token endpoint)', value: round(ratio(rawCpu, bareCpu), 3), notes: 'what HTTP and the hand-off alone cost' });
  record({ name: 'bare token server CPU / token endpoint CPU (Trustline vs the floor)', value: round(ratio(bareCpu, endpointCpu), 3) });
  // Unpinned, the load generator shares the two cores with the twin; raw signing runs alone. When the cores are
  // saturated, tokens/s ≈ cores / (server CPU + load generator CPU) per token, so the ratio is bounded by this.
  const loadGenCpu = median(rounds.loadCpu);
  record({ name: 'load generator CPU per token (autocannon, same cores)', value: round(loadGenCpu, 0), unit: 'µs', notes: `bare token server runs: ${round(median(rounds.bareLoadCpu), 0)} µs` });
  record({ name: 'expected ratio from CPU: raw signing CPU / (token endpoint CPU + load generator CPU)', value: round(ratio(rawCpu, endpointCpu + loadGenCpu), 3), notes: 'what the tokens/s ratio should be when both cores are saturated' });
  record({ name: 'the same for the bare token server (the ceiling with this load generator)', value: round(ratio(rawCpu, bareCpu + median(rounds.bareLoadCpu)), 3) });
  record({ name: 'MI endpoint (cached per identity + resource, as Azure\'s MI back end)', value: round(median(rounds.mi), 0), unit: 'tokens/s' });
  record({ name: 'non-2xx + errors', value: bad.endpoint + bad.mi + bad.bare, goal: '<= 0' });
  await bare.stop();
  await twin.stop();
}
