/**
 * Every decision explained: the answers carry their request ids, and `trustline explain` prints the gateway's and
 * the site's decision records (kept by the running twin, the site's crossing from its worker thread) as a tree.
 * The twin runs with `--site-dispatch sockets` (sites on a worker thread, their records sent over in batches); the
 * in-process site records are read in test/runtime (function-keys, variants).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ROOT, runCli } from '../helpers/cli-process.js';
import { useRunningSeed } from '../helpers/seed.js';

const MISTAKES = join(ROOT, 'examples', 'mistakes');

describe('trustline explain', () => {
  const seed = useRunningSeed('trustline-explain-', ['--in-memory', '--site-dispatch', 'sockets']);
  const readyFile = () => join(seed.dir, 'ready.json');
  const cli = (...args: string[]) => runCli([...args, '--ready-file', readyFile()]);
  const callGateway = async () => {
    const apim = seed.ready.apim['trustline-apim']!;
    const res = await request(`${apim.gatewayUrl}/functions/hello`, { dispatcher: seed.tls });
    await res.body.dump();
    return { status: res.statusCode, apimId: String(res.headers['x-trustline-apim-request-id']), siteId: String(res.headers['x-trustline-site-request-id']) };
  };

  it('a 401 through the gateway: the gateway tree with the site refusal under its backend call', async () => {
    expect((await cli('deploy', join(MISTAKES, 'no-token-policy'))).code).toBe(0);
    const r = await callGateway();
    expect(r.status).toBe(401);
    expect(r.apimId).toMatch(/^[0-9a-f-]{36}$/);
    const explained = await cli('explain', '--request-id', r.apimId);
    expect(explained.code, explained.output).toBe(0);
    const text = explained.output;
    expect(text).toContain(`401 GET https://`);
    expect(text).toContain(`apim trustline-apim   request ${r.apimId}`);
    expect(text).toMatch(/route: api \S+, operation \S+/);
    expect(text).toMatch(/✗ backend GET https:\/\/trustline-func\.azurewebsites\.net\/api\/hello → 401/);
    // The site's record, from the worker thread, nested under the backend call.
    expect(text).toMatch(/│ {2}401 GET https:\/\/trustline-func\.azurewebsites\.net\/api\/hello {3}site trustline-func {3}request /);
    expect(text).toMatch(/│ {2}├─ ✗ credential: no bearer token/);
    const json = await cli('explain', '--request-id', r.apimId, '--json');
    const [record, site] = JSON.parse(json.output) as Array<{ kind: string; requestId: string; status: number; backend: unknown }>;
    expect(record).toMatchObject({ kind: 'apim', requestId: r.apimId, status: 401, backend: [{ status: 401 }] });
    expect(site).toMatchObject({ kind: 'site', site: 'trustline-func', status: 401, outcome: 'rejected' });
    // `trustline test` says why its call through the gateway failed, and how to see the whole tree.
    const tested = await cli('test');
    expect(tested.code).toBe(1);
    expect(tested.output).toMatch(/FAIL GET trustline-apim\/functions\/hello through the gateway: 401/);
    expect(tested.output).toContain('why: site trustline-func: credential: no bearer token');
    expect(tested.output).toMatch(/trustline explain --request-id [0-9a-f-]{36}/);
  }, 120_000);

  it('a 403 at the site: explained from the site request id the answer carries', async () => {
    expect((await cli('deploy', join(MISTAKES, 'allowed-applications-self'))).code).toBe(0);
    const r = await callGateway();
    expect(r.status).toBe(403);
    const explained = await cli('explain', '--request-id', r.siteId);
    expect(explained.code, explained.output).toBe(0);
    expect(explained.output).toMatch(new RegExp(`^403 GET https://trustline-func\\.azurewebsites\\.net/api/hello {3}site trustline-func {3}request ${r.siteId}`));
    expect(explained.output).toMatch(/✗ allowed-applications: client '[0-9a-f-]{36}' \(appid\/azp\) is not in allowedApplications/);
    expect(explained.output).toMatch(/└─ rejected, answered 403/);
    // --last 1 is the last request: the gateway's record with the site record of its backend call.
    const last = await cli('explain', '--last', '1', '--json');
    expect((JSON.parse(last.output) as Array<{ requestId: string }>).map((x) => x.requestId).sort()).toEqual([r.apimId, r.siteId].sort());
    const lastTree = await cli('explain', '--last', '1');
    expect(lastTree.output).toMatch(/│ {2}403 GET https:\/\/trustline-func\.azurewebsites\.net\/api\/hello {3}site trustline-func/);
    const unknown = await cli('explain', '--request-id', 'no-such-request');
    // A request id the twin does not hold is a failed look-up (1), not a usage error (2): ARCHITECTURE's exit codes.
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('ERR_EXPLAIN_NOT_FOUND');
    expect((await cli('explain', '--request-id', 'x', '--last', '2')).code).toBe(2);
    expect((await cli('deploy', join(ROOT, 'examples', 'seed'))).code).toBe(0);
  }, 120_000);
});
