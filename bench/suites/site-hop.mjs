// The Easy Auth hop alone (the twin's site: Easy Auth → backend) against one bare Node hop, with a valid token
// from the verified-token cache, and with every token new (node:crypto RS256 verify on every request).
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, startTwin, mintTwinToken } from '../lib/procs.mjs';
import { compare } from '../lib/compare.mjs';
import { ratio, round } from '../lib/stats.mjs';
import { freshTokens } from '../lib/tokens.mjs';

export default {
  name: 'site-hop',
  description: 'Easy Auth hop alone vs one bare Node hop: cached token (goal ≥ 0.95×) and every token new (cost of verify)',
  defaultRun: true,
  async run(ctx) {
    for (const mode of ctx.opts.modes) {
      const { load: loadCpu, servers } = ctx.cpusFor(mode);
      const stateDir = mkdtempSync(join(tmpdir(), 'trustline-bench-state-'));
      const backend = await startServer('backend.mjs', [], { cpu: servers });
      const twin = await startTwin({ cpu: servers, backend: backend.url, stateDir, inMemory: false, label: `site-hop-${mode}` });
      const token = await mintTwinToken(twin.ready);
      const hop = await startServer('bare-hop.mjs', [backend.url], { cpu: servers });
      const site = twin.ready.sites['trustline-func'].httpUrl;
      // Every token new: enough distinct valid tokens that none repeats within a run (re-signed with the twin's key).
      const n = ctx.opts.quick ? 4000 : Math.min(60_000, ctx.opts.duration * 4000);
      const tokensFile = join(stateDir, 'tokens.txt');
      writeFileSync(tokensFile, freshTokens(stateDir, token, n).join('\n'));
      const auth = { authorization: `Bearer ${token}` };
      // The header block the function receives through Easy Auth (identity headers, X-MS-TOKEN-AAD-ACCESS-TOKEN,
      // App Service's front-end headers: ~4× the client's), sent by the client through the bare hop so that the
      // backend gets the same bytes both ways: separates the Easy Auth hop's own cost from Azure's header volume.
      const captured = await fetch(`${site}/api/capture-headers`, { headers: auth });
      if (captured.status !== 200) throw new Error(`the site answered ${captured.status} to the header capture`);
      const raw = await captured.json();
      const same = {};
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const k = raw[i].toLowerCase();
        if (k !== 'host' && k !== 'connection' && k !== 'content-length' && k !== 'transfer-encoding') same[raw[i]] = raw[i + 1];
      }
      const configs = {
        'bare-hop': { url: `${hop.url}/api/hello`, pids: [hop.pid, backend.pid], headers: auth },
        'site-cached': { url: `${site}/api/hello`, pids: [twin.pid, backend.pid], headers: auth },
        'bare-hop-same-headers': { url: `${hop.url}/api/hello`, pids: [hop.pid, backend.pid], headers: same, skipC1: true },
        'bare-hop-new-tokens': { url: `${hop.url}/api/hello`, pids: [hop.pid, backend.pid], tokensFile, skipC1: true },
        'site-new-tokens': { url: `${site}/api/hello`, pids: [twin.pid, backend.pid], tokensFile, skipC1: true },
      };
      const probe = await fetch(configs['site-cached'].url, { headers: auth });
      if (probe.status !== 200) throw new Error(`the site answered ${probe.status}: ${await probe.text()}`);
      await probe.arrayBuffer();
      const s = await compare(ctx, configs, { cpu: loadCpu });
      ctx.raw(mode, s);
      for (const [name, v] of Object.entries(s)) {
        ctx.record({ name: `${name} req/s c50`, mode, value: round(v.rps, 0), notes: `rounds ${v.rounds.join(' / ')}; CPU ${round(v.cpuUsPerReq, 0)} µs/req (incl. backend); non-2xx ${v.non2xx}; errors ${v.errors}` });
      }
      ctx.record({ name: 'site (cached token) / bare hop (req/s)', mode, value: round(ratio(s['site-cached'].rps, s['bare-hop'].rps), 3), goal: '>= 0.95' });
      ctx.record({ name: 'bare hop / site (cached token) (CPU µs/req)', mode, value: round(ratio(s['bare-hop'].cpuUsPerReq, s['site-cached'].cpuUsPerReq), 3), goal: '>= 0.95' });
      ctx.record({ name: 'bare hop with the same header block / site (cached token) (CPU µs/req)', mode, value: round(ratio(s['bare-hop-same-headers'].cpuUsPerReq, s['site-cached'].cpuUsPerReq), 3), notes: 'the backend gets the same header bytes both ways (the client sends them to the bare hop): the Easy Auth hop\'s own cost' });
      ctx.record({ name: 'site (every token new) / bare hop (req/s)', mode, value: round(ratio(s['site-new-tokens'].rps, s['bare-hop-new-tokens'].rps), 3), notes: 'PERFORMANCE.md G4 expects ≥ 0.55× with node:crypto verify' });
      ctx.record({ name: 'verify cost: site new − site cached (CPU µs/req)', mode, value: round(s['site-new-tokens'].cpuUsPerReq - s['site-cached'].cpuUsPerReq, 0), unit: 'µs' });
      const bad = Object.values(s).reduce((a, v) => a + v.non2xx + v.errors, 0);
      ctx.record({ name: 'non-2xx + errors', mode, value: bad, goal: '<= 0' });
      await Promise.all([twin.stop(), hop.stop(), backend.stop()]);
    }
  },
};
