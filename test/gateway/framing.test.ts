import { request as httpRequest, Agent, createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen, seedConfig, startBackend, startGateway } from './helpers.js';

interface Answer { status: number; headers: Record<string, unknown>; body: string; continued: boolean }

function send(origin: string, init: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent; waitContinue?: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(init.path, origin);
    let continued = false;
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: init.method, headers: init.headers, agent: init.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued }));
    });
    req.on('error', reject);
    if (init.waitContinue) {
      req.on('continue', () => { continued = true; req.end(init.body); });
    } else req.end(init.body);
  });
}

describe('gateway request framing (issue 8)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => { backend = await startBackend(); });
  afterAll(async () => { await close(backend.server); });

  it('Expect: 100-continue: the client gets 100 Continue, the backend gets the body, the answer is the backend\'s', async () => {
    const cfg = seedConfig({}, '<policies><inbound><base/></inbound></policies>');
    cfg.apis[0]!.operations.push({ id: 'op-post', name: 'post', method: 'POST', urlTemplate: '/hello' });
    const g = await startGateway(cfg, backend.origin);
    try {
      const a = await send(g.origin, { method: 'POST', path: '/functions/hello', headers: { expect: '100-continue', 'content-type': 'text/plain', 'content-length': '5' }, body: 'hello', waitContinue: true });
      expect(a.continued).toBe(true);
      expect(a.status).toBe(200);
      expect(a.body).toBe('{"ok":true}');
      expect(backend.seen.at(-1)!.body).toBe('hello');
      expect(backend.seen.at(-1)!.method).toBe('POST');
    } finally {
      await g.stop();
    }
  });

  it('a large GET body is forwarded and does not stall the next request on the same connection', async () => {
    // A backend that answers before reading the request body (as a site does for a GET).
    const seen: string[] = [];
    const eager: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('early');
    });
    const origin = await listen(eager);
    const cfg = seedConfig({}, '<policies><inbound><base/></inbound></policies>');
    const g = await startGateway(cfg, origin);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
      const first = await send(g.origin, { method: 'GET', path: '/functions/hello', headers: { 'content-length': String(big.length) }, body: big, agent });
      expect(first.status).toBe(200);
      const second = await Promise.race([
        send(g.origin, { method: 'GET', path: '/functions/hello', agent }),
        new Promise<Answer>((_r, rej) => setTimeout(() => rej(new Error('the second request stalled')), 3000)),
      ]);
      expect(second.status).toBe(200);
      expect(second.body).toBe('early');
    } finally {
      agent.destroy();
      await g.stop();
      await close(eager);
    }
  });
});

describe('gateway request size limits (docs/limits.md)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let g: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    g = await startGateway(seedConfig({}, '<policies><inbound><base/></inbound></policies>'), backend.origin);
  });
  afterAll(async () => { await g.stop(); await close(backend.server); });

  it('a query over 2,048 bytes: 414 (the 16 KiB request line is bounded by the listener first); a path segment over 1,024 characters: 400; each logged', async () => {
    const seen = backend.seen.length;
    const longQuery = await send(g.origin, { method: 'GET', path: `/functions/hello?x=${'a'.repeat(2100)}` });
    expect(longQuery.status).toBe(414);
    expect(longQuery.headers['content-type']).toBe('application/json');
    expect(longQuery.body).toBe('{ "statusCode": 414, "message": "Request URL too long" }');
    const longSegment = await send(g.origin, { method: 'GET', path: `/functions/${'s'.repeat(1025)}` });
    expect(longSegment.status).toBe(400);
    expect(longSegment.body).toBe('{ "statusCode": 400, "message": "Bad Request" }');
    expect(backend.seen.length).toBe(seen);
    const lines = g.logger.lines;
    expect(lines.some((l) => l.includes('the query string has 2102 bytes (limit 2048)'))).toBe(true);
    expect(lines.some((l) => l.includes('a URL path segment has 1025 characters (limit 1024)'))).toBe(true);
  });

  it('a declared body over 1 GiB: 413 before anything is read', async () => {
    const a = await new Promise<Answer>((resolve, reject) => {
      const u = new URL('/functions/hello', g.origin);
      const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-length': String(1024 ** 3 + 1) }, agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, continued: false }));
      });
      req.on('error', reject);
      req.write('x');
    });
    expect(a.status).toBe(413);
    expect(a.body).toBe('{ "statusCode": 413, "message": "Request entity too large" }');
  });
});

describe('backend failures are logged with their cause', () => {
  it('connection refused: 500 with the APIM body, log names ECONNREFUSED and the URL; a backend 502 is passed on and logged', async () => {
    const dead = createServer();
    const deadOrigin = await listen(dead);
    await close(dead);
    const g = await startGateway(seedConfig({}, '<policies><inbound><base/></inbound></policies>'), deadOrigin);
    try {
      const a = await send(g.origin, { method: 'GET', path: '/functions/hello' });
      expect(a.status).toBe(500);
      expect(a.body).toMatch(/^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[^"]+" \}$/);
      const line = g.logger.lines.find((l) => l.includes('backend GET http://trustline-func.azurewebsites.net/api/hello failed'));
      expect(line).toContain('ECONNREFUSED');
    } finally {
      await g.stop();
    }
    const bad: Server = createServer((_req, res) => { res.writeHead(502, { 'content-type': 'text/plain' }); res.end('Bad Gateway'); });
    const badOrigin = await listen(bad);
    const g2 = await startGateway(seedConfig({}, '<policies><inbound><base/></inbound></policies>'), badOrigin);
    try {
      const a = await send(g2.origin, { method: 'GET', path: '/functions/hello' });
      expect(a.status).toBe(502);
      expect(a.body).toBe('Bad Gateway');
      expect(g2.logger.lines.some((l) => l.includes('backend GET http://trustline-func.azurewebsites.net/api/hello answered 502'))).toBe(true);
    } finally {
      await g2.stop();
      await close(bad);
    }
  });
});
