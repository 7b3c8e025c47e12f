// The chain: client → gateway → Easy Auth → function backend (the twin, plain http on both hops, bench/template)
// against two bare Node.js pass-through hops in front of the same backend, side by side in one run.
import { startServer, startTwin, mintTwinToken, upHas } from '../lib/procs.mjs';
import { compare } from '../lib/compare.mjs';
import { ratio, round } from '../lib/stats.mjs';

export default {
  name: 'chain',
  description: 'twin chain (gateway → Easy Auth → backend) vs two bare Node hops, c50 + c1, CPU µs/req',
  defaultRun: true,
  async run(ctx) {
    for (const mode of ctx.opts.modes) {
      const { load: loadCpu, servers } = ctx.cpusFor(mode);
      const backend = await startServer('backend.mjs', [], { cpu: servers });
      const twin = await startTwin({ cpu: servers, backend: backend.url, label: `chain-${mode}-in-process` });
      // The same twin with real sockets between gateway and site (sites on a worker thread), when this checkout has the flag.
      const twinSockets = upHas('--site-dispatch') ? await startTwin({ cpu: servers, backend: backend.url, extraArgs: ['--site-dispatch', 'sockets'], label: `chain-${mode}-sockets` }) : undefined;
      // BENCH_BASELINE=<another built checkout>: the same chain served by that code, side by side (before / after).
      const baseline = process.env.BENCH_BASELINE ? await startTwin({ cpu: servers, backend: backend.url, root: process.env.BENCH_BASELINE }) : undefined;
      const token = await mintTwinToken(twin.ready);
      const hopB = await startServer('bare-hop.mjs', [backend.url], { cpu: servers });
      const hopA = await startServer('bare-hop.mjs', [hopB.url, `Bearer ${'x'.repeat(token.length)}`], { cpu: servers });
      const gw = twin.ready.apim['trustline-apim'].httpGatewayUrl;
      const configs = {
        backend: { url: `${backend.url}/api/hello`, pids: [backend.pid] },
        'bare-chain': { url: `${hopA.url}/api/hello`, pids: [hopA.pid, hopB.pid, backend.pid] },
        'trustline-chain': { url: `${gw}/functions/hello`, pids: [twin.pid, backend.pid] },
      };
      if (baseline) configs['baseline-chain'] = { url: `${baseline.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`, pids: [baseline.pid, backend.pid] };
      if (twinSockets) configs['trustline-chain-sockets'] = { url: `${twinSockets.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`, pids: [twinSockets.pid, backend.pid] };
      const probe = await fetch(configs['trustline-chain'].url);
      if (probe.status !== 200) throw new Error(`the twin chain answered ${probe.status}: ${await probe.text()}`);
      await probe.arrayBuffer();
      const s = await compare(ctx, configs, { cpu: loadCpu });
      ctx.raw(mode, s);
      for (const [n, v] of Object.entries(s)) {
        ctx.record({ name: `${n} req/s c50`, mode, value: round(v.rps, 0), notes: `rounds ${v.rounds.join(' / ')}; p50 ${v.p50} ms; c1 mean ${round(v.c1MeanMs, 3)} ms; non-2xx ${v.non2xx}; errors ${v.errors}` });
        if (Number.isFinite(v.cpuUsPerReq)) ctx.record({ name: `${n} server CPU µs/req (incl. backend)`, mode, value: round(v.cpuUsPerReq, 0) });
      }
      ctx.record({ name: 'trustline-chain / bare-chain (req/s c50)', mode, value: round(ratio(s['trustline-chain'].rps, s['bare-chain'].rps), 3), goal: '>= 1.3', notes: 'the moonshot: gateway → site in-process (default)' });
      if (s['trustline-chain-sockets']) {
        ctx.record({ name: 'trustline-chain-sockets / bare-chain (req/s c50)', mode, value: round(ratio(s['trustline-chain-sockets'].rps, s['bare-chain'].rps), 3), goal: '>= 0.90', notes: '--site-dispatch sockets (sites on a worker thread)' });
        ctx.record({ name: 'bare-chain / trustline-chain-sockets (CPU µs/req)', mode, value: round(ratio(s['bare-chain'].cpuUsPerReq, s['trustline-chain-sockets'].cpuUsPerReq), 3), goal: '>= 0.90' });
      }
      ctx.record({ name: 'bare-chain / trustline-chain (CPU µs/req)', mode, value: round(ratio(s['bare-chain'].cpuUsPerReq, s['trustline-chain'].cpuUsPerReq), 3), goal: '>= 1.3', notes: 'the same goal read as CPU per request (robust to other load)' });
      if (s['baseline-chain']) {
        ctx.record({ name: 'baseline-chain / trustline-chain (CPU µs/req)', mode, value: round(ratio(s['baseline-chain'].cpuUsPerReq, s['trustline-chain'].cpuUsPerReq), 3), notes: `BENCH_BASELINE=${process.env.BENCH_BASELINE}: > 1 = this checkout is cheaper` });
        ctx.record({ name: 'trustline-chain / baseline-chain (req/s c50)', mode, value: round(ratio(s['trustline-chain'].rps, s['baseline-chain'].rps), 3) });
      }
      ctx.record({ name: 'trustline-chain c1 mean latency', mode, value: round(s['trustline-chain'].c1MeanMs, 3), unit: 'ms', goal: '<= 1.0' });
      const bad = Object.values(s).reduce((a, v) => a + v.non2xx + v.errors, 0);
      ctx.record({ name: 'non-2xx + errors', mode, value: bad, goal: '<= 0' });
      await Promise.all([twin.stop(), twinSockets?.stop(), baseline?.stop(), hopA.stop(), hopB.stop(), backend.stop()]);
    }
  },
};
