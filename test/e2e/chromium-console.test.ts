/**
 * The web console in a real browser (headless Chromium over the DevTools protocol): opened from its link (the ready
 * file's `console`), it shows what the CLI can tell — the chain (APIM API → site → Easy Auth settings), the last
 * requests with the hop that decided each and why (`trustline explain`), the signing keys — with every value escaped,
 * no script, no secret, and nothing at all without the link's secret.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as httpsGet } from 'node:https';
import { Agent, request } from 'undici';
import { silentLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { createConsole } from '../../src/console/index.js';
import { SEED } from '../helpers/seed.js';
import { launchChromium } from '../helpers/chromium.js';

const TENANT = '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e';
const CLIENT = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
const INJECTED = '"><b id="injected">x</b>';

describe('the web console in headless Chromium', () => {
  let twin: Twin;
  let dir: string;
  let tls: Agent;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-console-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-0000000c0501', resourceGroup: 'rg-console', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger, console: createConsole });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    // Allowed applications: only some other app (so the APIM call is refused at the site, 403), and an audience
    // that is markup: the console must show it as text.
    const auth = t.resources.find((r: { type: string }) => r.type === 'Microsoft.Web/sites/config').properties;
    auth.identityProviders.azureActiveDirectory.validation = {
      ...auth.identityProviders.azureActiveDirectory.validation,
      allowedAudiences: [`api://${CLIENT}`, INJECTED],
      defaultAuthorizationPolicy: { allowedApplications: ['00000000-0000-0000-0000-00000000beef'] },
    };
    await twin.deploy({ deploymentName: 'console', template: t, parameters: { sites_function_name: { value: 'console-fn' }, apimServiceName: { value: 'console-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    tls = new Agent({ connect: { ca: readFileSync(twin.ready().caCertificate, 'utf8') } });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await tls?.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without the link\'s secret: 401 and nothing of the twin; the link sets an HttpOnly cookie and leaves the address bar', async () => {
    const bare = await request(`${twin.ready().controlPlane}/`, { dispatcher: tls });
    const text = await bare.body.text();
    expect(bare.statusCode).toBe(401);
    expect(text).not.toContain('console-fn');
    const wrong = await request(`${twin.ready().controlPlane}/?console-key=nope`, { dispatcher: tls });
    await wrong.body.dump();
    expect(wrong.statusCode).toBe(401);
    // The DNS-rebinding guard runs before the console: another Host is refused.
    const cp = new URL(twin.ready().controlPlane);
    const rebound = await new Promise<number>((resolve, reject) => {
      httpsGet({ host: cp.hostname, port: cp.port, path: '/', headers: { host: 'evil.example' }, ca: readFileSync(twin.ready().caCertificate, 'utf8'), checkServerIdentity: () => undefined }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(rebound).toBe(400);
    expect(twin.ready().console).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/\?console-key=[A-Za-z0-9_-]{32}$/);
  });

  it('shows the chain, the last requests with the hop that refused and why, and the keys — escaped, without script or secrets', async () => {
    const apim = twin.ready().apim['console-apim']!;
    const through = await request(`${apim.gatewayUrl}/functions/hello`, { dispatcher: tls });
    await through.body.dump();
    expect(through.statusCode).toBe(403);
    const siteId = String(through.headers['x-trustline-apim-request-id']);

    const { sessionId, evaluate, waitFor, navigate } = await browser!.cdp.tab();
    await navigate(twin.ready().console);
    await waitFor(`!!document.querySelector('section#requests')`, 'the console');
    const origin = new URL(twin.ready().controlPlane).origin;
    expect(await evaluate('location.href')).toBe(`${origin}/`);
    const cookies = (await browser!.cdp.send('Network.getCookies', { urls: [origin] }, sessionId)).cookies as Array<{ name: string; httpOnly: boolean; secure: boolean; sameSite: string }>;
    expect(cookies.find((c) => c.name === 'trustline-console')).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });

    const chain = String(await evaluate(`document.querySelector('#chain').innerText`));
    expect(chain).toContain('APIM console-apim');
    expect(chain).toMatch(/functions\s+\/functions\s+GET \/hello/);
    expect(chain).toContain('site console-fn');
    expect(chain).toContain(CLIENT);
    expect(chain).toContain('00000000-0000-0000-0000-00000000beef');
    // The audience that is markup is text, not an element.
    expect(chain).toContain(INJECTED);
    expect(await evaluate(`document.querySelector('#injected') === null`)).toBe(true);

    const requests = String(await evaluate(`document.querySelector('#requests').innerText`));
    expect(requests).toContain('403');
    expect(requests).toContain('GET https://127.0.0.1');
    expect(requests).toContain(siteId);
    expect(requests).toMatch(/site console-fn, allowed-applications: client '[0-9a-f-]{36}' \(appid\/azp\) is not in allowedApplications/);
    // The decision tree (`trustline explain`) unfolds under the request.
    await evaluate(`document.querySelector('#requests details').open = true; true`);
    expect(String(await evaluate(`document.querySelector('#requests details pre').innerText`))).toMatch(/├─ ✗ allowed-applications/);

    const keys = String(await evaluate(`document.querySelector('#keys').innerText`));
    expect(keys).toMatch(/[A-Za-z0-9_-]{20,}\s+signing/);

    // The directory: the auto-created registration of the site's client id, APIM's managed identity; credentials counted only.
    const directory = String(await evaluate(`document.querySelector('#directory').innerText`));
    expect(directory).toContain(CLIENT);
    expect(directory).toContain(apim.principalId!);
    expect(directory).toMatch(/\d+ secret\(s\)/);

    const page = String(await evaluate('document.documentElement.outerHTML'));
    expect(await evaluate(`document.scripts.length`)).toBe(0);
    expect(page).not.toContain(twin.ready().identity.identityHeader);
    expect(page).not.toContain('console-key');
    expect(page).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no token
    const signingKeyPem = twin.identity.signingKey.key.split('\n')[1]!;
    expect(page).not.toContain(signingKeyPem);
    for (const o of twin.store.listDirectoryObjects()) {
      for (const c of o.passwordCredentials ?? []) expect([page.includes(c.salt), page.includes(c.hash)]).toEqual([false, false]);
    }
  });

  it('composes a request: a "try" link fills the form, Send goes through the real listener with a minted token; status, body and decision record shown, tokens truncated', async () => {
    // The one application the site allows: a directory app the composer mints a client-credentials token for.
    twin.identity.applyDirectory({ doc: { applications: [{ displayName: 'allowed-caller', appId: '00000000-0000-0000-0000-00000000beef' }] } });
    // A key the state holds (the built-in master subscription's), sent as a header the echo function reflects.
    const masterKey = String((twin.store.listResources({ type: 'Microsoft.ApiManagement/service/subscriptions' }).find((r) => r.name.endsWith('/master'))!.listResults!['listsecrets'] as { primaryKey: string }).primaryKey);
    const before = twin.decisions.size;
    const { evaluate, waitFor, navigate } = await browser!.cdp.tab();
    await navigate(twin.ready().console);
    await waitFor(`!!document.querySelector('a.try')`, 'the chain view');
    // The site's "try" link fills target, method, path and the site's audience.
    await navigate(String(await evaluate(`document.querySelector('#site-console-fn h3 a.try').href`)));
    await waitFor(`document.querySelector('form.composer [name=path]')?.value === '/'`, 'the filled composer');
    expect(await evaluate(`document.querySelector('form.composer [name=target]').value`)).toBe('site:console-fn');
    expect(await evaluate(`document.querySelector('form.composer [name=resource]').value`)).toBe(`api://${CLIENT}`);
    await evaluate(`const f = document.querySelector('form.composer'); f.querySelector('[name=path]').value = '/api/hello?x=1'; f.querySelector('[name=token-for]').value = 'app:00000000-0000-0000-0000-00000000beef'; f.querySelector('[name=headers]').value = 'X-Composer: <yes>\\nX-Key: ${masterKey}'; f.querySelector('button').click(); true`);
    await waitFor(`!!document.querySelector('#composer-result')`, 'the composer result');
    const result = String(await evaluate(`document.querySelector('#composer-result').innerText`));
    expect(result).toMatch(/^200 /);
    expect(result).toContain('GET https://console-fn.azurewebsites.net/api/hello?x=1');
    expect(result).toMatch(/Token for app:00000000-0000-0000-0000-00000000beef .*eyJ[A-Za-z0-9_-]{9}… \(\d+ characters\)/);
    // The echo function saw the header and the token, which the console shows truncated only.
    expect(result).toContain('"x-composer": "<yes>"');
    expect(result).toContain('"x-key": "***"');
    // The headers as sent (the details opened): the typed key hidden, the minted token truncated.
    await evaluate(`document.querySelector('#composer-result details').open = true; true`);
    const sent = String(await evaluate(`document.querySelector('#composer-result details').innerText`));
    expect(sent).toMatch(/X-Key\s+\*\*\*/);
    expect(sent).toMatch(/authorization\s+Bearer eyJ[A-Za-z0-9_-]{9}… \(\d+ characters\)/);
    expect(result).toMatch(/"authorization": "Bearer eyJ[A-Za-z0-9_-]{9}… \(\d+ characters\)"/);
    const requestId = /x-trustline-site-request-id\s+([0-9a-f-]{36})/.exec(result)?.[1];
    expect(result).toMatch(new RegExp(`Decision record\\s+200 GET https://console-fn\\.azurewebsites\\.net/api/hello\\s+site console-fn\\s+request ${requestId}`));
    expect(result).toMatch(/✓ allowed-applications/);
    // It went through the site's listener: a new decision record, which `Last requests` lists too.
    expect(twin.decisions.size).toBe(before + 1);

    // Through the gateway with no token of ours: the gateway's managed identity is refused at the site (403), and
    // the record shows both hops.
    const apimLink = String(await evaluate(`document.querySelector('#chain a.try').href`));
    await navigate(apimLink);
    await waitFor(`document.querySelector('form.composer [name=target]')?.value === 'apim:console-apim'`, 'the APIM operation in the composer');
    await evaluate(`document.querySelector('form.composer button').click(); true`);
    await waitFor(`!!document.querySelector('#composer-result')`, 'the composer result');
    const viaGateway = String(await evaluate(`document.querySelector('#composer-result').innerText`));
    expect(viaGateway).toMatch(/^403 /);
    expect(viaGateway).toMatch(/Decided by: site console-fn, allowed-applications/);
    expect(viaGateway).toMatch(/apim console-apim[\s\S]*site console-fn/);

    const page = String(await evaluate('document.documentElement.outerHTML'));
    expect(await evaluate(`document.scripts.length`)).toBe(0);
    expect(page).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(page).not.toContain(twin.ready().identity.identityHeader);
    expect(page).not.toContain(masterKey);
  });
});

