// Per-request cost of gateway policies (issue 6/8): the seed's API policy (authentication-managed-identity and
// set-header, as examples/seed deploys it), a 10-policy pipeline with expressions and validate-jwt (RS256, inline
// key), against a gateway that only forwards. Everything runs in this one process — backend,
// gateway (built dist/) and an undici client — so the client's and the backend's cost cancel in the
// difference: policy cost = CPU µs/request of a configuration − CPU µs/request of the forward-only one.
// Rounds rotate the order; medians. Not pinned (one process); prefer the differences to the absolutes.
import { createServer } from 'node:http';
import { Pool } from 'undici';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { BENCH } from '../lib/procs.mjs';
import { median, round, rotated } from '../lib/stats.mjs';

const gw = await import(pathToFileURL(join(BENCH, '..', 'dist', 'gateway', 'index.js')).href);
const core = await import(pathToFileURL(join(BENCH, '..', 'dist', 'core', 'index.js')).href);

const TEN = `<policies><inbound>
  <set-variable name="user" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-user&quot;, &quot;anonymous&quot;))"/>
  <set-variable name="id" value="@(context.Request.MatchedParameters[&quot;id&quot;])"/>
  <set-variable name="isGet" value="@(context.Request.Method == &quot;GET&quot;)"/>
  <choose><when condition="@((bool)context.Variables[&quot;isGet&quot;])">
    <set-header name="X-Read" exists-action="override"><value>@(&quot;read-&quot; + (string)context.Variables[&quot;id&quot;])</value></set-header>
  </when><otherwise><set-header name="X-Write" exists-action="override"><value>1</value></set-header></otherwise></choose>
  <set-header name="X-User" exists-action="override"><value>@(((string)context.Variables[&quot;user&quot;]).ToUpper())</value></set-header>
  <set-query-parameter name="trace" exists-action="override"><value>@(context.RequestId.ToString())</value></set-query-parameter>
  <set-header name="X-Path" exists-action="override"><value>@(context.Request.Url.Path)</value></set-header>
  <check-header name="x-user" failed-check-httpcode="401" failed-check-error-message="no user" ignore-case="true"/>
</inbound><backend><forward-request/></backend><outbound>
  <set-header name="X-Served-By" exists-action="override"><value>@(context.Deployment.ServiceName)</value></set-header>
</outbound></policies>`;

/**
 * The seed's API policy as the ARM engine expands it (`trustline expand --json` of examples/seed with its
 * parameters): the exact XML a `trustline up` of the seed deploys.
 */
function seedPolicy() {
  const root = join(BENCH, '..');
  const out = execFileSync(process.execPath, [join(root, 'bin', 'trustline.js'), 'expand', join(root, 'examples', 'seed', 'azuredeploy.json'),
    '--parameters', join(root, 'examples', 'seed', 'azuredeploy.parameters.json'), '--json'], { encoding: 'utf8' });
  const policies = JSON.parse(out).resources.filter((r) => r.type === 'Microsoft.ApiManagement/service/apis/policies');
  if (policies.length !== 1) throw new Error(`the seed expands to ${policies.length} API policies, expected 1`);
  return policies[0].properties.value;
}

async function listen(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${server.address().port}`;
}

async function gatewayFor(policy, backendOrigin) {
  const hosts = new core.HostTable();
  hosts.set('backend.bench', { http: backendOrigin });
  const httpClient = core.createHttpClient({ resolver: hosts });
  const logger = core.createLogger({ level: 'silent' });
  const tokens = { async getToken() { return { accessToken: 'x', expiresOnSeconds: Math.floor(Date.now() / 1000) + 3600 }; } };
  const g = gw.createGateway({ httpClient, tokens, clock: core.systemClock, logger });
  g.setService(gw.compileService({
    name: 'bench', hostName: 'bench.azure-api.net', resourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ApiManagement/service/bench',
    globalPolicy: { value: '<policies><inbound/><backend><forward-request/></backend><outbound/><on-error/></policies>' },
    apis: [{ id: 'api', name: 'api', path: 'api', serviceUrl: 'http://backend.bench', protocols: ['http'], subscriptionRequired: false,
      policy: { value: policy }, operations: [{ id: 'op', name: 'op', method: 'GET', urlTemplate: '/items/{id}' }] }],
    backends: [], namedValues: [],
  }, { logger }));
  const server = createServer(g.handler);
  return { url: await listen(server), async stop() { server.closeAllConnections(); await new Promise((r) => server.close(r)); await httpClient.close(); } };
}

/** CPU µs per request of this process for `ms` of closed-loop load at `concurrency`. */
async function measure(url, headers, ms, concurrency = 8) {
  const pool = new Pool(url, { connections: concurrency, pipelining: 1 });
  let n = 0, bad = 0;
  const until = Date.now() + ms;
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      const r = await pool.request({ path: '/api/items/42', method: 'GET', headers });
      await r.body.dump();
      if (r.statusCode !== 200) bad++;
      n++;
    }
  }));
  const d = process.cpuUsage(cpu0);
  await pool.close();
  return { usPerReq: (d.user + d.system) / n, n, bad };
}

export default {
  name: 'policy-cost',
  description: 'gateway CPU µs/request of the seed policy, a 10-policy pipeline with expressions and of validate-jwt (RS256), minus forward-only',
  defaultRun: false,
  async run(ctx) {
    const backend = createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
    const backendUrl = await listen(backend);
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ aud: 'api://bench', iss: 'https://issuer.bench/', sub: 'u' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime('2h').sign(privateKey);
    const jwt = `<policies><inbound><validate-jwt header-name="Authorization" require-scheme="Bearer">
      <issuer-signing-keys><key id="k1" n="${jwk.n}" e="${jwk.e}"/></issuer-signing-keys>
      <audiences><audience>api://bench</audience></audiences><issuers><issuer>https://issuer.bench/</issuer></issuers></validate-jwt>
      </inbound><backend><base/></backend></policies>`;
    const configs = {
      'forward-only': { policy: '<policies><inbound><base/></inbound></policies>', headers: {} },
      'seed-policy': { policy: seedPolicy(), headers: {} },
      'ten-policies': { policy: TEN, headers: { 'x-user': 'ana' } },
      'validate-jwt': { policy: jwt, headers: { authorization: `Bearer ${token}` } },
    };
    const gws = {};
    for (const [k, c] of Object.entries(configs)) gws[k] = await gatewayFor(c.policy, backendUrl);
    const ms = ctx.opts.duration * 1000;
    const runs = Object.fromEntries(Object.keys(configs).map((k) => [k, []]));
    for (const k of Object.keys(configs)) await measure(gws[k].url, configs[k].headers, 2000); // warm-up (JIT)
    for (let round = 0; round < ctx.opts.rounds; round++) {
      for (const k of rotated(Object.keys(configs), round)) {
        const m = await measure(gws[k].url, configs[k].headers, ms);
        if (m.bad) throw new Error(`${k}: ${m.bad} non-200 answers`);
        runs[k].push(m.usPerReq);
      }
    }
    ctx.raw('unpinned', runs);
    const med = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
    for (const [k, v] of Object.entries(med)) ctx.record({ name: `${k} process CPU µs/req (client + gateway + backend)`, value: round(v, 0), notes: `rounds ${runs[k].map((x) => round(x, 0)).join(' / ')}` });
    ctx.record({ name: 'the seed\'s API policy (authentication-managed-identity, cached token; set-header): cost per request', value: round(med['seed-policy'] - med['forward-only'], 0), unit: 'µs' });
    ctx.record({ name: '10-policy pipeline with expressions: cost per request', value: round(med['ten-policies'] - med['forward-only'], 0), unit: 'µs' });
    ctx.record({ name: 'validate-jwt (RS256, inline key): cost per request', value: round(med['validate-jwt'] - med['forward-only'], 0), unit: 'µs' });
    for (const g of Object.values(gws)) await g.stop();
    await new Promise((r) => backend.close(r));
  },
};
