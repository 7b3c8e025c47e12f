/**
 * Issue 8 (the moonshot): the gateway reaches a site of the same twin in-process. The function must receive the
 * same bytes and headers as over real sockets, and the caller the same answer: one twin each way, the same
 * requests, the recordings compared.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { inProcessDispatchCount } from '../../src/runtime/site-dispatch.js';
import { SEED, TENANT } from '../helpers/seed.js';

interface Seen { method: string; url: string; rawHeaders: string[]; body: string }
type Mode = 'in-process' | 'sockets';

/** Values that differ between two twins by construction (keys, ids, times): compared by presence only. */
const PER_TWIN = new Set(['authorization', 'x-ms-client-principal', 'x-ms-client-principal-id', 'x-ms-token-aad-access-token', 'x-ms-token-aad-expires-on']);
/**
 * Values that differ per request by construction: the request ids (App Service's X-ARR-LOG-ID and the twin's own
 * request-id headers) and the caller's ephemeral port in the front end's client headers (a socket has one, the
 * in-process dispatch's peer does not).
 */
const PER_REQUEST = new Set(['x-arr-log-id', 'x-trustline-apim-request-id', 'x-trustline-site-request-id', 'client-ip', 'x-client-port', 'x-forwarded-for']);
const perRequest = (name: string) => PER_TWIN.has(name.toLowerCase()) || PER_REQUEST.has(name.toLowerCase());
const normalizeAnswer = <T extends { headers: Record<string, unknown> }>(a: T): T => ({
  ...a,
  headers: Object.fromEntries(Object.entries(a.headers).map(([k, v]) => [k, perRequest(k) ? '<per-request>' : v])),
});
const normalize = (s: Seen) => ({
  ...s,
  rawHeaders: s.rawHeaders.map((v, i) => (i % 2 === 1 && perRequest(s.rawHeaders[i - 1]!) ? '<per-twin>' : v)),
});

describe('gateway → site: in-process dispatch delivers what sockets deliver', () => {
  const twins = {} as Record<Mode, { twin: Twin; tls: Agent; seen: Seen[]; backend: Server; dir: string }>;

  beforeAll(async () => {
    for (const mode of ['in-process', 'sockets'] as Mode[]) {
      const seen: Seen[] = [];
      const backend = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString('utf8') });
          res.writeHead(201, { 'content-type': 'application/json', 'x-fn': 'yes', 'set-cookie': ['a=1', 'b=2'] });
          if (req.url?.includes('big=1')) {
            // 3 MB in 64 KB writes, each waiting for the reader: back-pressure through every hop.
            let left = 48;
            const more = () => {
              while (left > 0) {
                left--;
                if (!res.write(`${String(left).padStart(2, '0')}${'x'.repeat(65_534)}`)) return void res.once('drain', more);
              }
              res.end();
            };
            return more();
          }
          res.end(JSON.stringify({ got: req.url }));
        });
      });
      await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
      const dir = mkdtempSync(join(tmpdir(), `trustline-dispatch-${mode}-`));
      const twin = await startTwin({
        stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000000d1',
        resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger: memoryLogger(),
        backends: { 'trustline-func': `http://127.0.0.1:${(backend.address() as AddressInfo).port}` },
        siteDispatch: mode,
      });
      // The seed plus POST and DELETE operations on /hello.
      const tpl = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8')) as { resources: Array<{ type: string; name: string; properties: Record<string, unknown> }> };
      const op = tpl.resources.find((r) => r.type === 'Microsoft.ApiManagement/service/apis/operations')!;
      for (const m of ['POST', 'DELETE']) tpl.resources.push({ ...op, name: op.name.replace("'/hello'", `'/hello-${m.toLowerCase()}'`), properties: { ...op.properties, displayName: m, method: m } });
      writeFileSync(join(dir, 'tpl.json'), JSON.stringify(tpl));
      await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(dir, 'tpl.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
      twins[mode] = { twin, tls: new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } }), seen, backend, dir };
    }
  });
  afterAll(async () => {
    for (const t of Object.values(twins)) {
      await t.tls.close();
      await t.twin.close();
      t.backend.close();
      rmSync(t.dir, { recursive: true, force: true });
    }
  });

  const cases: Array<[string, (gw: string, tls: Agent) => Promise<{ status: number; headers: Record<string, unknown>; body: string }>]> = [
    ['GET with repeated and aliased headers', async (gw, tls) => call(gw, tls, '/functions/hello?x=1&x=2', {
      method: 'GET',
      headers: [['x-dup', 'a'], ['x-dup', 'b'], ['cookie', 'c=1'], ['cookie', 'd=2'], ['user-agent', 'ua-1'], ['X_MS_CLIENT_PRINCIPAL_ID', 'forged'], ['accept', 'application/json']],
    })],
    ['POST with a JSON body', async (gw, tls) => call(gw, tls, '/functions/hello', { method: 'POST', headers: [['content-type', 'application/json']], body: '{"a":[1,2,3]}' })],
    ['POST with a chunked body', async (gw, tls) => call(gw, tls, '/functions/hello', { method: 'POST', headers: [['content-type', 'text/plain']], body: Readable.from([Buffer.from('part one, '), Buffer.from('part two')]) })],
    ['GET with a body', async (gw, tls) => call(gw, tls, '/functions/hello', { method: 'GET', headers: [['content-type', 'text/plain']], body: 'get-body' })],
    ['DELETE without a body', async (gw, tls) => call(gw, tls, '/functions/hello', { method: 'DELETE', headers: [] })],
    ['GET with a 3 MB streamed answer', async (gw, tls) => call(gw, tls, '/functions/hello?big=1', { method: 'GET', headers: [] })],
  ];

  async function call(gw: string, tls: Agent, path: string, o: { method: string; headers: Array<[string, string]>; body?: string | Readable }) {
    const res = await request(gw + path, { dispatcher: tls, method: o.method as 'GET', headers: o.headers.flat(), ...(o.body !== undefined ? { body: o.body } : {}) });
    const body = await res.body.text();
    const headers = { ...res.headers } as Record<string, unknown>;
    delete headers.date;
    return { status: res.statusCode, headers, body };
  }

  it.each(cases)('%s: same function input, same answer', async (_name, run) => {
    const results = {} as Record<Mode, { answer: Awaited<ReturnType<typeof run>>; seen: Seen }>;
    for (const mode of ['in-process', 'sockets'] as Mode[]) {
      const t = twins[mode];
      const before = inProcessDispatchCount();
      const answer = await run(t.twin.ready().apim['trustline-apim']!.gatewayUrl, t.tls);
      expect(inProcessDispatchCount() - before).toBe(mode === 'in-process' ? 1 : 0);
      results[mode] = { answer, seen: t.seen.at(-1)! };
    }
    expect(results['in-process'].answer.status).toBe(201);
    expect(normalizeAnswer(results['in-process'].answer)).toEqual(normalizeAnswer(results.sockets.answer));
    expect(normalize(results['in-process'].seen)).toEqual(normalize(results.sockets.seen));
    expect(results['in-process'].seen.rawHeaders.map((h) => h.toLowerCase())).not.toContain('x_ms_client_principal_id');
  });

  /**
   * The header block the function receives, line by line (names as sent, values; per-twin and per-request values
   * masked), compared with what main 51ce473 (before the request path was reworked around fewer header copies)
   * delivered for the same requests: test/runtime/fixtures/function-header-blocks.json, recorded from that commit
   * with TRUSTLINE_RECORD_HEADER_BLOCKS=1. Both dispatch modes must deliver it.
   */
  it('the function receives the header block it received before the rework, byte for byte, both ways', async () => {
    const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'function-header-blocks.json');
    const got: Record<string, Record<Mode, string[]>> = {};
    for (const [name, run] of cases) {
      if (name.includes('3 MB')) continue;
      got[name] = {} as Record<Mode, string[]>;
      for (const mode of ['in-process', 'sockets'] as Mode[]) {
        const t = twins[mode];
        await run(t.twin.ready().apim['trustline-apim']!.gatewayUrl, t.tls);
        const seen = normalize(t.seen.at(-1)!);
        // The backend's address (random port) is the only other value that differs from run to run.
        got[name]![mode] = seen.rawHeaders.map((v, i) => (i % 2 === 1 && /^127\.0\.0\.1:\d+$/.test(v) ? '<backend>' : v));
      }
      expect(got[name]!['in-process']).toEqual(got[name]!.sockets);
    }
    if (process.env.TRUSTLINE_RECORD_HEADER_BLOCKS === '1') writeFileSync(fixture, JSON.stringify(got, null, 1) + '\n');
    expect(existsSync(fixture)).toBe(true);
    const before = JSON.parse(readFileSync(fixture, 'utf8')) as typeof got;
    for (const name of Object.keys(got)) {
      expect(got[name]!['in-process'], name).toEqual(before[name]!['in-process']);
      expect(got[name]!.sockets, name).toEqual(before[name]!.sockets);
    }
    expect(Object.keys(got).sort()).toEqual(Object.keys(before).sort());
  });

  it('a header block the gateway accepts but the site refuses (over 32 KB once the token is added): 431 both ways', async () => {
    const statuses: number[] = [];
    for (const mode of ['in-process', 'sockets'] as Mode[]) {
      const t = twins[mode];
      const before = inProcessDispatchCount();
      const r = await request(`${t.twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, {
        dispatcher: t.tls, headers: { 'x-a': 'a'.repeat(12_000), 'x-b': 'b'.repeat(12_000), 'x-c': 'c'.repeat(8_000) },
      });
      await r.body.dump();
      statuses.push(r.statusCode);
      expect(inProcessDispatchCount() - before).toBe(mode === 'in-process' ? 1 : 0);
    }
    expect(statuses).toEqual([431, 431]);
  });
});
