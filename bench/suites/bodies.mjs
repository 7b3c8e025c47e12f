// Large bodies: 2,000 POSTs of 1 MB each through the chain (gateway → Easy Auth → function), the twin's RSS
// sampled every 100 requests. Issue 8 keeps "memory stayed bounded under 2,000 × 1 MB bodies" from the attack run:
// bodies stream through the hops, so RSS must not grow with the number of bodies sent.
// Goals: every answer 200 with the function's body, the function having received all 1,048,576 bytes; the twin's peak RSS at most 256 MB above its RSS at ready
// (2,000 MB went through it); late RSS (median of the last three samples) within 10 % of the early one.
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { TEMPLATE, startServer, startTwin } from '../lib/procs.mjs';
import { rssMb } from '../lib/cpu.mjs';
import { median, round } from '../lib/stats.mjs';

/** The bench template with a `POST /hello` operation beside `GET /hello` (the seed has only the GET). */
function templateWithPost() {
  const dir = mkdtempSync(join(tmpdir(), 'trustline-bench-bodies-'));
  const t = JSON.parse(readFileSync(join(TEMPLATE, 'azuredeploy.json'), 'utf8'));
  const get = t.resources.find((r) => r.type === 'Microsoft.ApiManagement/service/apis/operations');
  if (!get) throw new Error('the bench template has no operation');
  const post = structuredClone(get);
  post.name = get.name.replace("'/hello')]", "'/post-hello')]");
  post.properties = { ...get.properties, displayName: 'post hello', method: 'POST' };
  t.resources.push(post);
  writeFileSync(join(dir, 'azuredeploy.json'), JSON.stringify(t, null, 2));
  copyFileSync(join(TEMPLATE, 'azuredeploy.parameters.json'), join(dir, 'azuredeploy.parameters.json'));
  return dir;
}

export default {
  name: 'bodies',
  description: '2,000 × 1 MB POST bodies through the chain: every answer 200, twin RSS bounded and flat',
  defaultRun: false,
  async run(ctx) {
    const count = Number(process.env.BENCH_BODIES ?? (ctx.opts.quick ? 200 : 2000));
    const size = 1024 * 1024;
    const concurrency = 8;
    const backend = await startServer('backend.mjs');
    const twin = await startTwin({ backend: backend.url, template: templateWithPost(), label: 'bodies' });
    const url = `${twin.ready.apim['trustline-apim'].httpGatewayUrl}/functions/hello`;
    const atReady = rssMb(twin.pid);
    const body = Buffer.alloc(size, 'a');
    const dispatcher = new Agent({ connections: concurrency });
    const samples = [];
    let sent = 0;
    let bad = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (sent < count) {
        sent++;
        const r = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, dispatcher });
        const text = await r.body.text();
        if (r.statusCode !== 200 || !text.includes('hello from the function') || r.headers['x-body-bytes'] !== String(size)) bad++;
        if (sent % 100 === 0) samples.push({ sent, rssMb: round(rssMb(twin.pid), 1) });
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    await dispatcher.close();
    ctx.raw('samples', samples);
    const peak = Math.max(...samples.map((s) => s.rssMb));
    const early = median(samples.slice(1, 4).map((s) => s.rssMb));
    const late = median(samples.slice(-3).map((s) => s.rssMb));
    ctx.log(`RSS at ready ${round(atReady, 1)} MB, early ${early}, late ${late}, peak ${peak}; ${count} bodies in ${round(seconds, 1)} s`);
    ctx.record({ name: `${count} × 1 MB POST bodies: answers other than 200 with the function's body and the whole body received`, value: bad, goal: '<= 0', notes: `${round((count * size) / 1048576 / seconds, 0)} MB/s; ${concurrency} connections` });
    ctx.record({ name: 'twin peak RSS above RSS at ready', value: round(peak - atReady, 1), unit: 'MB', goal: '<= 256', notes: `at ready ${round(atReady, 1)} MB, peak ${peak} MB` });
    ctx.record({ name: 'twin RSS growth (late / early − 1)', value: round((late / early - 1) * 100, 1), unit: '%', goal: '<= 10', notes: `early ${early} MB, late ${late} MB` });
    await twin.stop();
    await backend.stop();
  },
};
