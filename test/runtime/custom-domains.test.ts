/**
 * Custom domains: an APIM service's `Proxy` host names (`hostnameConfigurations`) and a site's host name bindings reach
 * the gateway and the site of the running twin as in Azure — through the twin's forward proxy (CONNECT with TLS for
 * the name, absolute-form http), on the gateway listener itself (SNI and Host), and from the gateway's own backend
 * call when an API's serviceUrl names the site's custom domain. A name no deployment binds is still refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type ConsoleSource, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';

const TENANT = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const CLIENT = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';

describe('custom domains of sites and APIM services', () => {
  let twin: Twin;
  let dir: string;
  let ca: string;
  let viaProxy: ProxyAgent;
  let consoleSource: ConsoleSource | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-domains-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000c0503', resourceGroup: 'rg-domains', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger,
      console: (source) => {
        consoleSource = source;
        return (_req, res) => res.end();
      },
    });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    const of = (type: string) => t.resources.find((r: { type: string }) => r.type === type);
    of('Microsoft.ApiManagement/service').properties.hostnameConfigurations = [{ type: 'Proxy', hostName: 'api.contoso.test', certificateSource: 'Custom' }];
    // The API's backend is the site's custom domain: the gateway's own call must reach the site by it.
    of('Microsoft.ApiManagement/service/apis').properties.serviceUrl = 'https://fn.contoso.test/api';
    const site = "[resourceId('Microsoft.Web/sites', parameters('sites_function_name'))]";
    for (const host of ['fn.contoso.test', '*.wild.test']) {
      t.resources.push({ type: 'Microsoft.Web/sites/hostNameBindings', apiVersion: '2022-09-01', name: `[concat(parameters('sites_function_name'), '/${host}')]`, dependsOn: [site], properties: { hostNameType: 'Verified', sslState: 'SniEnabled', thumbprint: 'AB'.repeat(20) } });
    }
    await twin.deploy({ deploymentName: 'domains', template: t, parameters: { sites_function_name: { value: 'domains-fn' }, apimServiceName: { value: 'domains-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    ca = readFileSync(twin.ready().caCertificate, 'utf8');
    viaProxy = new ProxyAgent({ uri: twin.ready().proxy!, requestTls: { ca } });
  }, 60_000);

  afterAll(async () => {
    await viaProxy?.close();
    await twin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("through the proxy, https://<APIM custom domain> is the gateway, and its backend call reaches the site by the site's custom domain", async () => {
    const res = await request('https://api.contoso.test/functions/hello', { dispatcher: viaProxy });
    const echoed = (await res.body.json()) as { headers: Record<string, string> };
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-trustline-apim-request-id']).toBeDefined();
    // The function saw APIM's identity, and the Host the site was called with (App Service keeps it).
    expect(echoed.headers['x-ms-client-principal-id']).toBe(twin.ready().apim['domains-apim']!.principalId);
    expect(echoed.headers['host']).toBe('fn.contoso.test');
    expect(echoed.headers['disguised-host']).toBe('fn.contoso.test');
  });

  it("through the proxy, https://<site custom domain> (and a name under a wildcard binding) is the site: Easy Auth's 401 without a token", async () => {
    for (const url of ['https://fn.contoso.test/api/hello', 'https://any.wild.test/api/hello']) {
      const res = await request(url, { dispatcher: viaProxy });
      await res.body.dump();
      expect(res.statusCode, url).toBe(401);
      expect(String(res.headers['www-authenticate']), url).toMatch(/^Bearer /);
      expect(res.headers['x-trustline-site-request-id'], url).toBeDefined();
    }
  });

  it('through the proxy, plain http to the site custom domain (absolute form): the site, which sends http to https as requireHttps says', async () => {
    const proxy = new URL(twin.ready().proxy!);
    const answer = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      httpRequest({ host: proxy.hostname, port: proxy.port, path: 'http://fn.contoso.test/api/hello', headers: { host: 'fn.contoso.test' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      }).on('error', reject).end();
    });
    expect(answer).toEqual({ status: 302, location: 'https://fn.contoso.test/api/hello' });
  });

  it('the ready file names each custom domain beside the default host name', () => {
    expect(twin.ready().apim['domains-apim']!.customHostNames).toEqual(['api.contoso.test']);
    expect([...twin.ready().sites['domains-fn']!.customHostNames!].sort()).toEqual(['*.wild.test', 'fn.contoso.test']);
  });

  it("the console's chain names the custom domains and links an API to the site its backend reaches by one", () => {
    const chain = consoleSource!.chain();
    expect(chain.services[0]).toMatchObject({ name: 'domains-apim', customHostNames: ['api.contoso.test'] });
    expect(chain.services[0]!.apis[0]).toMatchObject({ serviceUrl: 'https://fn.contoso.test/api', site: 'domains-fn' });
    expect([...chain.sites.find((x) => x.name === 'domains-fn')!.customHostNames!].sort()).toEqual(['*.wild.test', 'fn.contoso.test']);
  });

  it('a name no deployment binds is still refused by the proxy (403)', async () => {
    const proxy = new URL(twin.ready().proxy!);
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: 'other.contoso.test:443' })
        .on('connect', (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        })
        .on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('on the gateway listener itself: SNI for the custom domain gets a certificate naming it, and the Host is served', async () => {
    const gateway = new URL(twin.ready().apim['domains-apim']!.gatewayUrl);
    const { status, names } = await new Promise<{ status: number; names: string }>((resolve, reject) => {
      httpsRequest({ host: gateway.hostname, port: gateway.port, path: '/functions/hello', servername: 'api.contoso.test', ca, headers: { host: 'api.contoso.test' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, names: (res.socket as TLSSocket).getPeerCertificate().subjectaltname ?? '' });
      }).on('error', reject).end();
    });
    expect(status).toBe(200);
    expect(names).toBe('DNS:api.contoso.test');
  });
});
