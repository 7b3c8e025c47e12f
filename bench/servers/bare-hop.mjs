// A bare Node.js pass-through hop (node:http server, undici Pool upstream, hop-by-hop headers dropped, body
// piped): the reference the twin's hops are measured against. Prints {"port":N}.
// argv: <target origin> [Authorization value to add (hop A adds a bearer as long as the twin's token)]
import { createServer } from 'node:http';
import { Pool } from 'undici';

const target = process.argv[2];
const addAuthorization = process.argv[3];
const pool = new Pool(target, { connections: 128 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host']);

const server = createServer({ maxHeaderSize: 32 * 1024 }, async (req, res) => {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k)) headers[k] = v;
  if (addAuthorization) headers.authorization = addAuthorization;
  try {
    const up = await pool.request({ path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req });
    const out = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k)) out[k] = v;
    res.writeHead(up.statusCode, out);
    up.body.once('error', () => res.destroy());
    up.body.pipe(res);
  } catch {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  }
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
