/**
 * Issue 8 regressions on the site hop (Easy Auth → function): a valid 5.3 KB token got 400 from the function
 * listener (16 KB header limit, the token travels ~3.5 times) with nothing logged; GET bodies were dropped;
 * `Expect: 100-continue` gave 502; a backend failure answered 502 without a word in the log.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey, sign } from 'node:crypto';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { BAD_GATEWAY_PAGE } from '../../src/runtime/site-host.js';
import { APP_CLIENT_ID, SEED, TENANT } from '../helpers/seed.js';

async function seedTwin(dir: string, logger: ReturnType<typeof memoryLogger>, backends?: Record<string, string>): Promise<Twin> {
  const twin = await startTwin({
    stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000008',
    resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger, ...(backends ? { backends } : {}),
  });
  await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
  return twin;
}

/** The APIM identity's token for the function app, re-signed by the twin's own key with `extra` claims added. */
async function tokenWith(twin: Twin, extra: Record<string, unknown>): Promise<string> {
  const t = await twin.identity.issueManagedIdentityToken({ resource: APP_CLIENT_ID, ownerResourceId: twin.ready().apim['trustline-apim']!.resourceId });
  const [h, p] = t.access_token.split('.') as [string, string];
  const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), ...extra };
  const input = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(twin.identity.signingKey.key)).toString('base64url')}`;
}

/** A token of about `bytes` characters (a `groups`-like padding claim). */
const sized = (twin: Twin, bytes: number) => tokenWith(twin, { pad: 'g'.repeat(Math.ceil((bytes - 1400) * 0.75)) });

describe('the site hop with the built-in function (the Functions host)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let ca: string;
  const logger = memoryLogger();
  const site = () => twin.ready().sites['trustline-func']!.url;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-sitehop-'));
    twin = await seedTwin(dir, logger);
    ca = readFileSync(twin.ready().caCertificate, 'utf8');
    tls = new Agent({ connect: { ca } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a valid 5.3 KB token reaches the function (was 400)', async () => {
    const token = await sized(twin, 5400);
    expect(token.length).toBeGreaterThan(5300);
    const res = await request(`${site()}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    const body = (await res.body.json()) as { headers: Record<string, string> };
    expect(res.statusCode).toBe(200);
    expect(body.headers['x-ms-token-aad-access-token']).toBe(token);
  });

  it('a 12 KB token gets 431 from the function host, and the site log says why', async () => {
    const token = await sized(twin, 12_000);
    const before = logger.lines.length;
    const res = await request(`${site()}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(431);
    const lines = logger.lines.slice(before).join('\n');
    expect(lines).toMatch(/site trustline-func: 431 GET \/api\/hello: the function host refused the request headers \(\d+ bytes forwarded, limit 32768 bytes/);
    expect(lines).toMatch(/travels 2 time\(s\)/);
    expect(lines).not.toContain(token.slice(0, 40));
  });

  it('a GET body is forwarded to the function', async () => {
    const token = await tokenWith(twin, {});
    const res = await request(`${site()}/api/hello`, { dispatcher: tls, method: 'GET', body: '{"q":1}', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const body = (await res.body.json()) as { method: string; body?: string };
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ method: 'GET', body: '{"q":1}' });
  });

  it('Expect: 100-continue → 100 Continue, then the body reaches the function (was 502)', async () => {
    const token = await tokenWith(twin, {});
    const u = new URL(`${site()}/api/hello`);
    const result = await new Promise<{ status: number; body: string; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = httpsRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', ca, headers: { authorization: `Bearer ${token}`, expect: '100-continue', 'content-length': '5' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
      });
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('error', reject);
    });
    expect(result.continued).toBe(true);
    expect(result.status).toBe(200);
    const echoed = JSON.parse(result.body) as { body: string; headers: Record<string, string> };
    expect(echoed.body).toBe('hello');
    expect(echoed.headers.expect).toBeUndefined();
  });
});

describe('the site hop with a function backend that is down', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-sitedown-'));
    twin = await seedTwin(dir, logger, { 'trustline-func': 'http://127.0.0.1:1' });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 502 and logs the cause', async () => {
    const token = await tokenWith(twin, {});
    const res = await request(`${twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(502);
    expect(await res.body.text()).toBe(BAD_GATEWAY_PAGE);
    expect(logger.lines.join('\n')).toMatch(/site trustline-func: 502 GET \/api\/hello: the function backend http:\/\/127\.0\.0\.1:1 failed: ECONNREFUSED/);
  });
});
