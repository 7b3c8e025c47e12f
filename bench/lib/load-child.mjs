// The load generator, in its own process so that it can be pinned to its own CPU (lib/load.mjs starts it).
// argv[2] = JSON {url, connections, duration, method, headers, body, tokensFile}; prints one JSON line of results.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const o = JSON.parse(process.argv[2]);
const opts = {
  url: o.url,
  connections: o.connections,
  duration: o.duration,
  pipelining: 1,
  method: o.method ?? 'GET',
  headers: o.headers ?? {},
  ...(o.body !== undefined ? { body: o.body } : {}),
};
if (o.tokensFile) {
  // Every request carries the next token of the file (the "every token new" runs: no cache hit).
  const tokens = readFileSync(o.tokensFile, 'utf8').split('\n').filter(Boolean);
  let i = 0;
  opts.requests = [
    {
      setupRequest: (req) => {
        req.headers = { ...req.headers, authorization: `Bearer ${tokens[i++ % tokens.length]}` };
        return req;
      },
    },
  ];
}
// The load generator's own CPU per request: it shares the cores with the server in unpinned runs.
const cpuAtStart = process.cpuUsage();
autocannon(opts, (err, r) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  const statusCodes = r.statusCodeStats ?? {};
  process.stdout.write(
    JSON.stringify({
      rps: r.requests.average,
      total: r.requests.total,
      p50: r.latency.p50,
      p99: r.latency.p99,
      meanMs: r.latency.mean,
      non2xx: r.non2xx,
      errors: r.errors + r.timeouts,
      statusCodes: Object.fromEntries(Object.entries(statusCodes).map(([k, v]) => [k, v.count])),
      loadCpuUsPerReq: ((u) => (u.user + u.system) / Math.max(1, r.requests.total))(process.cpuUsage(cpuAtStart)),
    }) + '\n',
  );
});
