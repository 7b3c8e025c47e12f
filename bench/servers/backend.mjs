// The benchmark's function backend: a 52-byte JSON answer, like PERFORMANCE.md's. Prints {"port":N}.
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true, message: 'hello from the function!!' });
const server = createServer({ maxHeaderSize: 32 * 1024 }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
process.on('SIGTERM', () => process.exit(0));
