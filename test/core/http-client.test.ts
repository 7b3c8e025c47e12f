import { describe, it, expect, afterAll } from 'vitest';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createCertificateAuthority,
  issueServerCertificate,
  createHttpClient,
  HostTable,
  proxyRequest,
  certificateThumbprint,
  createSigningCertificate,
  TwinError,
  describeError,
} from '../../src/core/index.js';

const echo = (req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' });
  res.end(JSON.stringify({ host: req.headers.host, path: req.url, secure: 'encrypted' in req.socket }));
};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('http client with host resolver and local CA', async () => {
  const ca = await createCertificateAuthority();
  const leaf = await issueServerCertificate(ca, { dns: ['*.azurewebsites.net', 'localhost'], ip: ['127.0.0.1'] });
  const tls = createHttpsServer({ cert: leaf.cert, key: leaf.key }, echo);
  const plain = createServer(echo);
  const tlsPort = await listen(tls as unknown as Server);
  const plainPort = await listen(plain);
  const table = new HostTable();
  table.addSuffix('.azurewebsites.net', (label) =>
    label === 'app' ? { https: `https://127.0.0.1:${tlsPort}`, http: `http://127.0.0.1:${plainPort}` } : undefined,
  );
  const client = createHttpClient({ resolver: table, ca: ca.cert });
  afterAll(async () => {
    await client.close();
    tls.close();
    plain.close();
  });

  it('sends Azure host names to the local https listener, verifying the local CA and the Azure name', async () => {
    const res = await client.request('https://app.azurewebsites.net/api/hello?x=1');
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ host: 'app.azurewebsites.net', path: '/api/hello?x=1', secure: true });
  });

  it('sends plain http to the http listener', async () => {
    const res = await client.request('http://APP.azurewebsites.net/x');
    expect(await res.body.json()).toEqual({ host: 'app.azurewebsites.net', path: '/x', secure: false });
  });

  it('refuses a certificate from another CA', async () => {
    const untrusting = createHttpClient({ resolver: table });
    await expect(untrusting.request('https://app.azurewebsites.net/')).rejects.toThrow();
    await untrusting.close();
  });

  it('getJson reports non-2xx answers as ERR_HTTP_FETCH', async () => {
    const s = createServer((_q, r) => {
      r.writeHead(404);
      r.end('no');
    });
    const port = await listen(s);
    await expect(client.getJson(`http://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'ERR_HTTP_FETCH' });
    s.close();
  });

  it('proxyRequest streams a request through and drops hop-by-hop headers', async () => {
    const front = createServer((req, res) => {
      void proxyRequest(client, req, res, { url: 'http://app.azurewebsites.net' + req.url });
    });
    const port = await listen(front);
    const res = await fetch(`http://127.0.0.1:${port}/via`, { headers: { 'x-test': '1' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ host: 'app.azurewebsites.net', path: '/via', secure: false });
    front.close();
  });

  it('answers 502 when the target cannot be reached', async () => {
    const front = createServer((req, res) => {
      void proxyRequest(client, req, res, { url: 'http://127.0.0.1:1/' });
    });
    const port = await listen(front);
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(502);
    front.close();
  });

  it('sends the path a URL parser would (dot segments resolved, unsafe characters encoded), with or without the fast path', async () => {
    const paths = ['/api/hello', '/api/../admin', '/a/./b', '/a/%2e%2e/b', '/x?a=1&b=%20', "/q?x='y'", '/sp ace', '/?', '/a/.hidden?q=../x', '/a|b^c'];
    for (const p of paths) {
      const r = await client.request(`http://app.azurewebsites.net${p}`);
      const body = (await r.body.json()) as { path: string };
      const u = new URL(`http://app.azurewebsites.net${p}`);
      expect(body.path, p).toBe(u.pathname + u.search);
    }
  });
});

describe('certificates and errors', () => {
  it('computes the x5t thumbprint as base64url SHA-1 of the DER certificate', async () => {
    const c = await createSigningCertificate('test');
    expect(certificateThumbprint(c.cert)).toMatch(/^[A-Za-z0-9_-]{27}$/);
  });

  it('formats a TwinError with its code and location', () => {
    const e = new TwinError('ERR_X', 'bad', { location: { file: 'a.json', line: 3, column: 7, jsonPath: 'resources[0]' } });
    expect(describeError(e)).toBe('ERR_X: bad at a.json:3:7 (resources[0])');
  });
});
