/**
 * The console's composer in a real browser (headless Chromium): a request that came from outside over plain http is
 * replayed from the last requests — the same target, scheme, method, path, headers and body, without its token and
 * its function key — and goes through the gateway's http listener again; the composer also sends over http itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { randomIds, silentLogger, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { createConsole } from '../../src/console/index.js';
import { SEED } from '../helpers/seed.js';
import { launchChromium } from '../helpers/chromium.js';

const TENANT = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const CLIENT = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
/** A token-shaped secret the outside caller sends: the console may never show it, the replay never sends it. */
const CALLER_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJyZXBsYXkifQ.c2lnbmF0dXJlLXJlcGxheQ';

describe('replaying a past request from the console, in headless Chromium', () => {
  let twin: Twin;
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-replay-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000c0502', resourceGroup: 'rg-replay', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger, console: createConsole });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    // The API also over http, with a POST operation that carries a body.
    t.resources.find((r: { type: string }) => r.type === 'Microsoft.ApiManagement/service/apis').properties.protocols = ['http', 'https'];
    const hello = t.resources.find((r: { type: string }) => r.type === 'Microsoft.ApiManagement/service/apis/operations');
    t.resources.push({ ...hello, name: hello.name.replace("'/hello'", "'/orders'"), properties: { displayName: 'orders', method: 'POST', urlTemplate: '/orders' } });
    await twin.deploy({ deploymentName: 'replay', template: t, parameters: { sites_function_name: { value: 'replay-fn' }, apimServiceName: { value: 'replay-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await twin?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a plain-http POST through the gateway is replayed: same target, scheme, method, path, headers and body, without its token and function key', async () => {
    const apim = twin.ready().apim['replay-apim']!;
    const first = await request(`${apim.httpGatewayUrl}/functions/orders?code=fn-key-secret&x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-replay': 'one', authorization: `Bearer ${CALLER_TOKEN}` },
      body: '{"item":"book"}',
    });
    const echoed = (await first.body.json()) as { body?: string; headers: Record<string, string> };
    expect(first.statusCode).toBe(200);
    expect(echoed.body).toBe('{"item":"book"}');
    const requestId = String(first.headers['x-trustline-apim-request-id']);

    const { evaluate, waitFor, navigate } = await browser!.cdp.tab();
    await navigate(twin.ready().console);
    await waitFor(`!!document.querySelector('section#requests')`, 'the console');
    const link = String(await evaluate(`[...document.querySelectorAll('#requests tr')].find((r) => r.innerText.includes(${JSON.stringify(requestId)}))?.querySelector('a.replay')?.href ?? ''`));
    expect(link).toContain(`?replay=${requestId}#composer`);
    await navigate(link);
    await waitFor(`!!document.querySelector('#replay-note')`, 'the replayed request in the composer');
    const field = (name: string) => evaluate(`document.querySelector('form.composer [name=${name}]').value`);
    expect(await field('target')).toBe('apim:replay-apim');
    expect(await field('scheme')).toBe('http');
    expect(await field('method')).toBe('POST');
    expect(await field('path')).toBe('/functions/orders?x=1');
    expect(await field('headers')).toBe('content-type: application/json\nx-replay: one');
    expect(await field('body')).toBe('{"item":"book"}');
    expect(await field('token-for')).toBe('');
    const note = String(await evaluate(`document.querySelector('#replay-note').innerText`));
    expect(note).toContain(`Replaying request ${requestId} (POST http://replay-apim.azure-api.net/functions/orders?x=1).`);
    expect(note).toContain('Left out (secrets): header authorization, query code');

    const before = twin.decisions.size;
    await evaluate(`document.querySelector('form.composer button').click(); true`);
    await waitFor(`!!document.querySelector('#composer-result')`, 'the composer result');
    const result = String(await evaluate(`document.querySelector('#composer-result').innerText`));
    expect(result).toMatch(/^200 /);
    expect(result).toContain('POST http://replay-apim.azure-api.net/functions/orders?x=1');
    // The function got the same body and headers, through the gateway and the site again (a new record, both hops).
    expect(result).toContain('"body": "{\\"item\\":\\"book\\"}"');
    expect(result).toContain('"x-replay": "one"');
    expect(result).toMatch(/Decision record\s+200 POST http:\/\/replay-apim\.azure-api\.net\/functions\/orders\?x=1[\s\S]*site replay-fn/);
    expect(twin.decisions.size).toBeGreaterThan(before);

    const page = String(await evaluate('document.documentElement.outerHTML'));
    expect(page).not.toContain(CALLER_TOKEN);
    // The replayed request carries no function key (the last requests list the URL as the caller sent it).
    expect(String(await evaluate(`document.querySelector('#composer').outerHTML`))).not.toContain('fn-key-secret');
    expect(await evaluate('document.scripts.length')).toBe(0);
  });

  it("a request straight to a site's https listener is replayed too; the decision record served keeps none of it", async () => {
    const site = twin.ready().sites['replay-fn']!;
    const tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    const first = await request(`${site.url}/api/hello?code=site-key-secret`, { method: 'PUT', headers: { 'x-a': '1', 'content-type': 'text/plain' }, body: 'a body', dispatcher: tls });
    await first.body.dump();
    await tls.close();
    expect(first.statusCode).toBe(401);
    const requestId = String(first.headers['x-trustline-site-request-id']);
    // The record `trustline explain` serves holds no request (it went to the twin's request log).
    expect(twin.decisions.get(requestId)).toBeDefined();
    expect(JSON.stringify(twin.decisions.get(requestId))).not.toContain('site-key-secret');
    expect(JSON.stringify(twin.decisions.get(requestId))).not.toContain('a body');

    const { evaluate, waitFor, navigate } = await browser!.cdp.tab();
    await navigate(twin.ready().console);
    await waitFor(`!!document.querySelector('section#requests')`, 'the console');
    await navigate(`${new URL(twin.ready().controlPlane).origin}/?replay=${requestId}#composer`);
    await waitFor(`!!document.querySelector('#replay-note')`, 'the replayed request in the composer');
    const field = (name: string) => evaluate(`document.querySelector('form.composer [name=${name}]').value`);
    expect([await field('target'), await field('scheme'), await field('method'), await field('path'), await field('headers'), await field('body')]).toEqual([
      'site:replay-fn', 'https', 'PUT', '/api/hello', 'x-a: 1\ncontent-type: text/plain', 'a body',
    ]);
    expect(String(await evaluate(`document.querySelector('#replay-note').innerText`))).toContain('Left out (secrets): query code');
  });

  it('the composer sends over plain http too: the site answers http as App Service does with requireHttps (302 to https)', async () => {
    const { evaluate, waitFor, navigate } = await browser!.cdp.tab();
    await navigate(twin.ready().console);
    await waitFor(`!!document.querySelector('#site-replay-fn h3 a.try')`, 'the chain view');
    await navigate(String(await evaluate(`document.querySelector('#site-replay-fn h3 a.try').href`)));
    await waitFor(`document.querySelector('form.composer [name=target]')?.value === 'site:replay-fn'`, 'the filled composer');
    await evaluate(`const f = document.querySelector('form.composer'); f.querySelector('[name=scheme]').value = 'http'; f.querySelector('[name=path]').value = '/api/hello'; f.querySelector('button').click(); true`);
    await waitFor(`!!document.querySelector('#composer-result')`, 'the composer result');
    const result = String(await evaluate(`document.querySelector('#composer-result').innerText`));
    expect(result).toMatch(/^302 /);
    expect(result).toContain('GET http://replay-fn.azurewebsites.net/api/hello');
    expect(result).toMatch(/location\s+https:\/\/replay-fn\.azurewebsites\.net\/api\/hello/);
  });
});
