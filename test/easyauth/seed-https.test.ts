import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpsServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  ManualClock,
  createCertificateAuthority,
  createHttpClient,
  issueServerCertificate,
  nowSeconds,
  proxyRequest,
  silentLogger,
} from '../../src/core/index.js';
import { createEasyAuthHandler, normalizeAuthSettings, type AuthDecision } from '../../src/easyauth/index.js';
import { C, M, O, T, miV1Claims, startTestIssuer, type TestIssuer } from './helpers/test-issuer.js';
import { decodePrincipal, send, startBackend, type Backend, type Reply } from './helpers/harness.js';

/** The seed template's authsettingsV2 (v1 issuer, requireHttps default, token store on) served over TLS. */
let issuer: TestIssuer;
let backend: Backend;
let server: Server;
let ca: string;
let port: number;
const traces: AuthDecision[] = [];
const clock = new ManualClock();
const forwardClient = createHttpClient();
const HOST = 'fn-trustline.azurewebsites.net';

beforeAll(async () => {
  issuer = await startTestIssuer();
  backend = await startBackend();
  const template = JSON.parse(readFileSync(new URL('../../examples/seed/azuredeploy.json', import.meta.url), 'utf8'));
  const resource = template.resources.find((r: { name: string }) => String(r.name).includes('authsettingsV2'));
  // Evaluate the two ARM expressions of the seed by hand.
  resource.properties.identityProviders.azureActiveDirectory.registration = { openIdIssuer: `https://sts.windows.net/${T}/`, clientId: C };
  resource.properties.identityProviders.azureActiveDirectory.validation = { allowedAudiences: [`api://${C}`] };
  const handler = createEasyAuthHandler({
    settings: normalizeAuthSettings(resource),
    httpClient: issuer.httpClient,
    clock,
    logger: silentLogger,
    forward: (req, res, headers) => void proxyRequest(forwardClient, req, res, { url: `${backend.origin}${req.url ?? '/'}`, headers }),
    onTrace: (d) => traces.push(d),
  });
  const authority = await createCertificateAuthority();
  ca = authority.cert;
  const cert = await issueServerCertificate(authority, { dns: [HOST], ip: ['127.0.0.1'] });
  server = createHttpsServer({ cert: cert.cert, key: cert.key }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await forwardClient.close();
  await backend.close();
  await issuer.close();
});

function sendTls(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'GET', ca, servername: HOST, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('seed authsettingsV2 over https (APIM MI → Easy Auth → function)', () => {
  it('MI v1 token over https → forwarded with identity + token-store headers', async () => {
    const token = await issuer.sign(miV1Claims(nowSeconds(clock)));
    const r = await sendTls('/api/hello', { authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    const h = backend.calls.at(-1)!.headers;
    expect(h['x-ms-client-principal-id']).toBe(O);
    expect(h['x-ms-client-principal-idp']).toBe('aad');
    expect(h['x-ms-client-principal-name']).toBeUndefined();
    expect(h['x-ms-token-aad-access-token']).toBe(token);
    expect(decodePrincipal(h['x-ms-client-principal']).claims).toContainEqual({ typ: 'appid', val: M });
    expect(traces.at(-1)!.scheme).toBe('https');
  });

  it('no token over https → 401 with the v1 tenant in WWW-Authenticate', async () => {
    const r = await sendTls('/api/hello');
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toBe(
      `Bearer realm="${HOST}" authorization_uri="https://login.microsoftonline.com/${T}/oauth2/v2.0/authorize" resource_id="${C}"`,
    );
  });

  it('the same request in plain http (to an http listener with the same handler settings) → 302 to https', async () => {
    const { createServer } = await import('node:http');
    const plain = createServer(server.listeners('request')[0] as never);
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const r = await send(`http://127.0.0.1:${(plain.address() as AddressInfo).port}`, '/api/hello?x=1', { host: HOST });
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe(`https://${HOST}/api/hello?x=1`);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });
});
