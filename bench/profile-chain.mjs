#!/usr/bin/env node
// One twin under `node --cpu-prof` while autocannon loads its chain: the profile behind a chain figure.
// `node bench/profile-chain.mjs [in-process|sockets] [seconds] [--site]` → bench/out/profiles/profile-<mode>/summary.txt
// (--site loads the site's http listener alone, with a cached token, instead of the gateway).
import { join } from 'node:path';
import { BENCH, mintTwinToken, profileInto, startServer, startTwin, stopAll } from './lib/procs.mjs';
import { load } from './lib/load.mjs';
import { machineLoad } from './lib/cpu.mjs';

const mode = process.argv[2] ?? 'in-process';
const seconds = Number(process.argv[3] ?? 20);
const site = process.argv.includes('--site');
profileInto(join(BENCH, 'out', 'profiles'));
try {
  const backend = await startServer('backend.mjs');
  const twin = await startTwin({ backend: backend.url, label: `profile-${site ? 'site' : mode}`, extraArgs: ['--site-dispatch', mode] });
  let url = `${twin.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`;
  let headers;
  if (site) {
    url = `${twin.ready.sites['trustline-func'].httpUrl}/api/hello`;
    headers = { authorization: `Bearer ${await mintTwinToken(twin.ready)}` };
  }
  const before = machineLoad();
  const r = await load(url, { connections: 50, duration: seconds, headers, pids: [twin.pid, backend.pid] });
  console.log(JSON.stringify({ mode, site, rps: Math.round(r.rps), cpuUsPerReq: Math.round(r.cpuUsPerReq), non2xx: r.non2xx, errors: r.errors, load: [before.loadavg1, machineLoad().loadavg1] }));
  await twin.stop();
} finally {
  await stopAll();
}
