// The benchmark's function backend: a 52-byte JSON answer, like PERFORMANCE.md's (GET /api/capture-headers answers
// the request's raw headers instead). Prints {"port":N}.
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true, message: 'hello from the function!!' });
const server = createServer({ maxHeaderSize: 32 * 1024 }, (req, res) => {
  // The bytes of the request body, answered in x-body-bytes (the bodies suite checks that 1 MB arrived whole).
  let received = 0;
  req.on('data', (c) => (received += c.length));
  req.on('end', () => {
    if (req.url === '/api/capture-headers') {
      // The header block this request carried (the site-hop suite replays it through the bare hop).
      const raw = JSON.stringify(req.rawHeaders);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(raw) });
      return res.end(raw);
    }
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (received) headers['x-body-bytes'] = String(received);
    res.writeHead(200, headers);
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
