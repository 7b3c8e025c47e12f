// The floor for a token endpoint in Node: a bare node:http server that reads the form body of each POST, builds a
// JWT of the twin's size (header + ~900-byte payload with a fresh iat/exp), signs it RS256 on `threads` worker threads
// (the jobs of one event-loop turn in one message, as the twin's signing pool) and answers Entra's JSON shape. No
// client authentication, no directory, no claims logic, no routing: what any Node token endpoint pays for HTTP and the
// thread hand-off on top of the signature. Prints {"port": N} on stdout. argv: threads
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import { generateKeyPairSync } from 'node:crypto';

const threads = Number(process.argv[2] ?? 2);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
const source = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey(workerData.pem);
parentPort.on('message', (m) => {
  const out = new Array(m.length);
  for (let i = 0; i < m.length; i += 2) { out[i] = m[i]; out[i + 1] = sign('sha256', Buffer.from(m[i + 1], 'ascii'), key).toString('base64url'); }
  parentPort.postMessage(out);
});
`;
const pending = new Map();
const lanes = Array.from({ length: threads }, () => {
  const worker = new Worker(source, { eval: true, workerData: { pem } });
  const lane = { worker, queued: [], outstanding: 0 };
  worker.on('message', (m) => {
    for (let i = 0; i < m.length; i += 2) {
      lane.outstanding--;
      const resolve = pending.get(m[i]);
      pending.delete(m[i]);
      resolve(m[i + 1]);
    }
  });
  return lane;
});
let seq = 0;
let scheduled = false;
const flush = () => {
  scheduled = false;
  for (const l of lanes) {
    for (let i = 0; i < l.queued.length; i += 16) {
      const batch = l.queued.slice(i, i + 16);
      l.outstanding += batch.length / 2;
      l.worker.postMessage(batch);
    }
    l.queued.length = 0;
  }
};
const sign = (input) => {
  const id = ++seq;
  let lane = lanes[0];
  for (const l of lanes) if (l.outstanding + l.queued.length / 2 < lane.outstanding + lane.queued.length / 2) lane = l;
  lane.queued.push(id, input);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
  return new Promise((resolve) => pending.set(id, resolve));
};

const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: 'bench' })).toString('base64url');
const padding = 'x'.repeat(760);
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ aud: form.get('scope'), iss: 'https://login.microsoftonline.com/t/v2.0', iat: now, nbf: now, exp: now + 3599, azp: form.get('client_id'), x: padding })).toString('base64url');
    const input = `${header}.${payload}`;
    const token = `${input}.${await sign(input)}`;
    const body = JSON.stringify({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n'));
