/**
 * The App Service front-end headers a function receives (docs/behaviour/app-service.md §2), the indented echo
 * answer, and App Service's 502 for a backend that does not answer (with the cause in the log).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { loadParametersFile, loadTemplateFile } from '../../src/arm/index.js';
import { memoryLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { BAD_GATEWAY_PAGE } from '../../src/runtime/site-host.js';
import { SEED, TENANT } from '../helpers/seed.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('what the function receives from the App Service front end', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  const logger = memoryLogger();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-frontend-'));
    twin = await startTwin({
      stateDir: dir,
      inMemory: true,
      tenantId: TENANT,
      subscriptionId: '1a2b3c4d-0000-4000-8000-000000000003',
      resourceGroup: 'rg',
      location: 'westeurope',
      // Nothing listens on port 9 (discard) of loopback: the backend of the second site cannot be reached.
      backends: { 'down-func': 'http://127.0.0.1:9' },
      clock: systemClock,
      ids: randomIds,
      logger,
    });
    const template = loadTemplateFile(join(SEED, 'azuredeploy.json'));
    await twin.deploy({ deploymentName: 'seed', template, parameters: loadParametersFile(join(SEED, 'azuredeploy.parameters.json')) });
    const plan = { type: 'Microsoft.Web/serverfarms', apiVersion: '2022-09-01', name: 'open-plan', location: 'westeurope', sku: { name: 'Y1' }, properties: {} };
    const site = (name: string) => ({ type: 'Microsoft.Web/sites', apiVersion: '2022-09-01', name, location: 'westeurope', kind: 'functionapp', dependsOn: ['open-plan'], properties: { serverFarmId: "[resourceId('Microsoft.Web/serverfarms', 'open-plan')]" } });
    await twin.deploy({
      deploymentName: 'open',
      template: { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [plan, site('open-func'), site('down-func')] },
      parameters: {},
    });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
  });
  afterAll(async () => {
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('through the gateway: the front-end headers, each App Service value in its shape; the echo JSON is indented', async () => {
    const ready = twin.ready();
    const apim = ready.apim['trustline-apim']!;
    const res = await request(`${apim.gatewayUrl}/functions/hello?x=1`, { dispatcher: tls, headers: { 'client-ip': '6.6.6.6:1', 'x-arr-log-id': 'forged', 'x-forwarded-for': '203.0.113.7:5000' } });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(text).toMatch(/^\{\n  "method": "GET",\n/);
    const h = (JSON.parse(text) as { headers: Record<string, string> }).headers;
    expect(h['x-arr-log-id']).toMatch(GUID);
    expect(h['client-ip']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(h['x-client-ip']).toBe('127.0.0.1');
    expect(h['client-ip']).toBe(`127.0.0.1:${h['x-client-port']}`);
    expect(h['x-forwarded-proto']).toBe('https');
    expect(h['x-appservice-proto']).toBe('https');
    expect(h['x-forwarded-tlsversion']).toMatch(/^1\.[23]$/);
    expect(h['x-arr-ssl']).toMatch(/^\d+\|256\|CN=[^|]+\|[^|]*CN=/);
    expect(h['disguised-host']).toBe('trustline-func.azurewebsites.net');
    expect(h['was-default-hostname']).toBe('trustline-func.azurewebsites.net');
    expect(h['x-site-deployment-id']).toBe('trustline-func');
    expect(h['x-original-url']).toBe('/api/hello?x=1');
    expect(h['x-waws-unencoded-url']).toBe('/api/hello?x=1');
    // The gateway appends the client to X-Forwarded-For, the front end appends the gateway.
    expect(h['x-forwarded-for']).toMatch(/^203\.0\.113\.7:5000, 127\.0\.0\.1(:\d+)?, 127\.0\.0\.1:\d+$/);
  });

  it('over plain http: no X-ARR-SSL, no TLS version, and the protocol says http (a site without Easy Auth)', async () => {
    const site = twin.ready().sites['open-func']!;
    const res = await request(`${site.httpUrl}/api/open`, { headers: { host: 'open-func.azurewebsites.net' } });
    expect(res.statusCode).toBe(200);
    const h = ((await res.body.json()) as { headers: Record<string, string> }).headers;
    expect(h).toMatchObject({ 'x-forwarded-proto': 'http', 'x-appservice-proto': 'http', 'disguised-host': 'open-func.azurewebsites.net', 'x-site-deployment-id': 'open-func' });
    expect(h['x-arr-ssl']).toBeUndefined();
    expect(h['x-forwarded-tlsversion']).toBeUndefined();
    expect(h['x-forwarded-for']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("a backend that cannot be reached: App Service's 502 page, and the log says why", async () => {
    const site = twin.ready().sites['down-func']!;
    const res = await request(`${site.url}/api/anything`, { dispatcher: tls });
    expect(res.statusCode).toBe(502);
    expect(await res.body.text()).toBe(BAD_GATEWAY_PAGE);
    expect(logger.lines.join('\n')).toMatch(/site down-func: 502 GET \/api\/anything: the function backend http:\/\/127\.0\.0\.1:9 failed: ECONNREFUSED/);
  });
});
