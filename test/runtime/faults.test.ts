/**
 * Issue 8, faults under load: the function backend down or slow (App Service's answers at the site, APIM's at the
 * gateway), the identity endpoint failing a token request with ignore-error false/true — each with a burst of
 * concurrent requests, and no socket left behind.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { createHttpClient, memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { createInProcessSiteHost } from '../../src/runtime/site-host.js';
import { SEED, TENANT } from '../helpers/seed.js';

const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;

async function burst(n: number, call: () => Promise<number>): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, call));
}

describe('the site with a slow or failing function backend (App Service answers)', () => {
  let backend: Server;
  let origin: string;
  const logger = memoryLogger();
  const client = createHttpClient();
  let host: ReturnType<typeof createInProcessSiteHost>;
  let siteUrl: string;

  beforeAll(async () => {
    backend = createServer((req, res) => {
      if (req.url === '/api/slow') return; // never answers
      if (req.url === '/api/reset') {
        req.socket.destroy();
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    const ca = await import('../../src/core/index.js').then((m) => m.createCertificateAuthority());
    const server = await import('../../src/core/index.js').then((m) => m.issueServerCertificate(ca, { dns: ['localhost'], ip: ['127.0.0.1'] }));
    host = createInProcessSiteHost({ tls: server, client, clock: systemClock, logger, backendTimeoutMs: 300 });
    siteUrl = (await host.upsert({ label: 'slowfn', name: 'slowfn', authSettings: undefined, appSettings: {}, backend: origin })).httpUrl;
  });
  afterAll(async () => {
    await host.close();
    await client.close();
    backend.closeAllConnections();
    backend.close();
  });

  it('a backend that does not answer in time: 500 "The request timed out" (App Service’s 230 s front-end limit), logged; its sockets closed', async () => {
    const statuses = await burst(20, async () => {
      const r = await request(`${siteUrl}/api/slow`);
      const body = await r.body.text();
      expect(body).toContain('The request timed out.');
      return r.statusCode;
    });
    expect(new Set(statuses)).toEqual(new Set([500]));
    expect(logger.lines.filter((l) => l.includes('500 GET /api/slow: the function backend') && l.includes('did not answer in time')).length).toBe(20);
    const open = await new Promise<number>((r) => backend.getConnections((_e, n) => r(n)));
    expect(open).toBe(0);
  });

  it('a backend that resets the connection: 502, logged with the cause', async () => {
    const statuses = await burst(20, async () => {
      const r = await request(`${siteUrl}/api/reset`);
      await r.body.dump();
      return r.statusCode;
    });
    expect(new Set(statuses)).toEqual(new Set([502]));
    expect(logger.lines.some((l) => /502 GET \/api\/reset: the function backend .* failed: (UND_ERR_SOCKET|ECONNRESET)/.test(l))).toBe(true);
    const r = await request(`${siteUrl}/api/ok`);
    expect(await r.body.text()).toBe('ok');
  });
});

type Tpl = { resources: Array<{ type: string; properties: Record<string, any> }> };

describe('the twin under faults (gateway → Easy Auth → function)', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();
  const seedText = readFileSync(join(SEED, 'azuredeploy.json'), 'utf8');
  const params = loadParametersFile(join(SEED, 'azuredeploy.parameters.json'));
  const deployWith = async (policyEdit: (xml: string) => string) => {
    const t = JSON.parse(seedText) as Tpl;
    for (const r of t.resources) if (r.type.endsWith('/policies') && typeof r.properties.value === 'string') r.properties.value = policyEdit(r.properties.value);
    const file = join(dir, 'tpl.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify(t));
    await twin.deploy({ deploymentName: 'faults', template: loadTemplateFile(file), parameters: params });
  };
  const call = async () => {
    const r = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await r.body.dump();
    return r.statusCode;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-faults-'));
    twin = await startTwin({
      stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-00000000000f',
      resourceGroup: 'rg', location: 'westeurope', clock: systemClock, ids: randomIds, logger,
    });
    await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: params });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bursts of 50 stay 200 and leave no sockets behind', async () => {
    const before = tcpSockets();
    for (let i = 0; i < 10; i++) expect(new Set(await burst(50, call))).toEqual(new Set([200]));
    // Keep-alive pools are reused: at most one socket per concurrent request on each side of each hop
    // (client → gateway, gateway → site, site → function: 6 sides × 50), however many bursts.
    expect(tcpSockets() - before).toBeLessThanOrEqual(6 * 50);
  });

  it('the identity endpoint refuses the token (unknown resource): ignore-error=false → APIM 500; ignore-error=true → Easy Auth 401', async () => {
    await deployWith((xml) => xml.replace(/resource="[^"]*"/, 'resource="api://no-such-application"'));
    expect(new Set(await burst(50, call))).toEqual(new Set([500]));
    expect(logger.lines.some((l) => l.includes('500 GET') && /AADSTS500011|no-such-application/.test(l))).toBe(true);
    // ignore-error=true: the pipeline goes on without a token (the variable read with a default, as a policy
    // that tolerates the failure must), so Easy Auth sees no bearer token and answers 401.
    await deployWith((xml) =>
      xml.replace(/resource="[^"]*"/, 'resource="api://no-such-application"').replace('ignore-error="false"', 'ignore-error="true"')
        .replace('(string)context.Variables["msi-access-token"]', 'context.Variables.GetValueOrDefault<string>("msi-access-token", "")'));
    expect(new Set(await burst(50, call))).toEqual(new Set([401]));
    await twin.deploy({ deploymentName: 'seed', template: loadTemplateFile(join(SEED, 'azuredeploy.json')), parameters: params });
    expect(new Set(await burst(50, call))).toEqual(new Set([200]));
    // The failing bursts left no sockets beyond the same bound.
    expect(tcpSockets()).toBeLessThanOrEqual(6 * 50 + 40);
  });
});
