// Raw RS256 signing, the ceiling for token issuance: `threads` worker threads each sign JWT-sized inputs with a
// 2048-bit RSA key (the twin's key size) for `seconds`; prints {"signatures": N, "seconds": S} on one line.
// argv: threads seconds
import { Worker } from 'node:worker_threads';
import { generateKeyPairSync } from 'node:crypto';

const threads = Number(process.argv[2] ?? 2);
const seconds = Number(process.argv[3] ?? 10);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
const source = `
const { workerData, parentPort } = require('node:worker_threads');
const { createPrivateKey, sign } = require('node:crypto');
const key = createPrivateKey(workerData.pem);
const input = Buffer.from('eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.' + 'x'.repeat(900), 'ascii');
const end = Date.now() + workerData.seconds * 1000;
let n = 0;
while (Date.now() < end) { sign('sha256', input, key); n++; }
parentPort.postMessage(n);
`;
const cpu0 = process.cpuUsage();
const counts = await Promise.all(
  Array.from({ length: threads }, () => new Promise((resolve, reject) => {
    const w = new Worker(source, { eval: true, workerData: { pem, seconds } });
    w.once('message', resolve);
    w.once('error', reject);
  })),
);
const used = process.cpuUsage(cpu0);
const signatures = counts.reduce((a, b) => a + b, 0);
// CPU µs per signature (all threads): robust to other load on a shared machine, unlike signatures/s.
process.stdout.write(JSON.stringify({ signatures, seconds, cpuUsPerSignature: (used.user + used.system) / signatures }) + '\n');
