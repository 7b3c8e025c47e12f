// The benchmark's function backend: a 52-byte JSON answer, like PERFORMANCE.md's.
import { createServer } from 'node:http';

const body = JSON.stringify({ ok: true, message: 'hello from the function!!' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
