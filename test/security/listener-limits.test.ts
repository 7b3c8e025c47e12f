/**
 * Issue 8 regressions the findings table of docs/security.md had no test for: an unauthenticated control-plane PUT
 * may not turn Easy Auth off; request bodies over the control plane's and the token endpoint's limits are refused
 * (docs/limits.md); idle and half-sent connections do not starve the gateway; conflicting request framing is refused
 * and never reaches the backend as a second request (smuggling).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { request, type Agent } from 'undici';
import { memoryLogger } from '../../src/core/index.js';
import type { Twin } from '../../src/runtime/index.js';
import { startSeedTwin, type SeedTwin } from '../helpers/seed-twin.js';

const SUB = '1a2b3c4d-0000-4000-8000-00000000008a';
const SITE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/trustline-func`;
const AUTH_V2 = `${SITE}/config/authsettingsV2?api-version=2022-09-01`;

/** One raw HTTP/1.1 exchange: writes `bytes`, reads until the server closes or `ms` pass. */
function raw(origin: string, bytes: string, ms = 10_000): Promise<string> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(Number(u.port), u.hostname, () => s.end(bytes));
    s.setEncoding('utf8');
    s.on('data', (c: string) => (out += c));
    s.on('error', reject);
    s.on('close', () => resolve(out));
    setTimeout(() => { s.destroy(); resolve(out); }, ms).unref();
  });
}

describe('listener limits and guards (issue 8)', () => {
  let seed: SeedTwin | undefined;
  let twin: Twin;
  let tls: Agent;
  const logger = memoryLogger();
  const armToken = async () => (await twin.identity.issueManagedIdentityToken({ resource: 'https://management.azure.com/' })).access_token;
  const cp = async (path: string, init: { method?: string; body?: string | Buffer; token?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    const r = await request(`${twin.ready().controlPlane}${path}`, { dispatcher: tls, method: (init.method ?? 'GET') as 'GET', headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    const text = await r.body.text();
    return { status: r.statusCode, body: (text ? JSON.parse(text) : {}) as { error?: { code: string }; properties?: { platform?: { enabled?: boolean } } } };
  };
  const siteStatus = async () => {
    const r = await request(`${twin.ready().sites['trustline-func']!.url}/api/hello`, { dispatcher: tls });
    await r.body.dump();
    return r.statusCode;
  };

  beforeAll(async () => {
    seed = await startSeedTwin('trustline-limits-', { subscriptionId: SUB, logger });
    ({ twin, tls } = seed);
  });
  afterAll(async () => {
    await seed?.close();
  });

  it('an unauthenticated PUT cannot turn Easy Auth off: authsettingsV2 and a deployment are 401 and change nothing', async () => {
    expect(await siteStatus()).toBe(401);
    const off = JSON.stringify({ properties: { platform: { enabled: false }, globalValidation: { requireAuthentication: false, unauthenticatedClientAction: 'AllowAnonymous' } } });
    const put = await cp(AUTH_V2, { method: 'PUT', body: off });
    expect(put.status).toBe(401);
    expect(put.body.error?.code).toBe('AuthenticationFailed');
    const template = { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [
      { type: 'Microsoft.Web/sites/config', apiVersion: '2022-09-01', name: 'trustline-func/authsettingsV2', properties: JSON.parse(off).properties },
    ] };
    const deployment = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Resources/deployments/evil?api-version=2021-04-01`;
    expect((await cp(deployment, { method: 'PUT', body: JSON.stringify({ properties: { mode: 'Incremental', template } }) })).status).toBe(401);
    const token = await armToken();
    expect((await cp(deployment, { token })).status).toBe(404);
    expect((await cp(AUTH_V2, { token })).body.properties?.platform?.enabled).toBe(true);
    expect(await siteStatus()).toBe(401);
  });

  it('a control-plane body over 4 MB is 413 RequestContentTooLarge and changes nothing (docs/limits.md)', async () => {
    const token = await armToken();
    const big = JSON.stringify({ properties: { platform: { enabled: false }, pad: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await cp(AUTH_V2, { method: 'PUT', body: big, token });
    expect(r.status).toBe(413);
    expect(r.body.error?.code).toBe('RequestContentTooLarge');
    expect(await siteStatus()).toBe(401);
  });

  it('a token request form over 64 KB is 413 invalid_request (docs/limits.md)', async () => {
    const body = `grant_type=client_credentials&client_id=x&client_secret=${'s'.repeat(70 * 1024)}&scope=api%3A%2F%2Fx%2F.default`;
    const r = await request(twin.ready().identity.tokenEndpoint, { dispatcher: tls, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(r.statusCode).toBe(413);
    expect(((await r.body.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('idle and half-sent connections do not starve the gateway', async () => {
    const gw = new URL(twin.ready().apim['trustline-apim']!.httpGatewayUrl);
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const s = connect(Number(gw.port), gw.hostname);
        s.on('error', () => {});
        // half of them open and idle, half stopped in the middle of their headers (slow loris)
        if (i % 2) s.write(`GET /functions/hello HTTP/1.1\r\nHost: ${gw.host}\r\nX-Slow: `);
        held.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const r = await request(`${twin.ready().apim['trustline-apim']!.gatewayUrl}/functions/hello`, { dispatcher: tls });
      await r.body.dump();
      expect(r.statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const s of held) s.destroy();
    }
  });

  it.each([
    ['Content-Length and Transfer-Encoding together', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n'],
    ['two different Content-Lengths', 'Content-Length: 4\r\nContent-Length: 60\r\n'],
    ['an obfuscated Transfer-Encoding beside Content-Length', 'Content-Length: 4\r\nTransfer-Encoding: xchunked\r\n'],
    ['a Transfer-Encoding header folded onto the next line', 'Transfer-Encoding:\r\n chunked\r\nContent-Length: 4\r\n'],
  ])('request smuggling at the gateway: %s → 400, the smuggled request never reaches the backend', async (_name, framing) => {
    const gw = new URL(twin.ready().apim['trustline-apim']!.httpGatewayUrl);
    const smuggled = `GET /functions/smuggled HTTP/1.1\r\nHost: ${gw.host}\r\n\r\n`;
    const body = `0\r\n\r\n${smuggled}`;
    const before = logger.lines.length;
    const answer = await raw(gw.origin, `POST /functions/hello HTTP/1.1\r\nHost: ${gw.host}\r\n${framing}\r\n${body}`);
    expect(answer.startsWith('HTTP/1.1 400 '), answer.slice(0, 80)).toBe(true);
    expect(answer.match(/HTTP\/1\.1 /g)?.length, answer).toBe(1);
    expect(logger.lines.slice(before).join('\n')).not.toContain('/smuggled');
  });
});
