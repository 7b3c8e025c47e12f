/**
 * `trustline easyauth`: Easy Auth in front of a separate HTTP server (as in front of `func start`), tokens from the
 * running twin, Azure's Entra host names resolved to it through --ready-file.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { runCli, startCli, type RunningCli } from '../helpers/cli-process.js';
import { APP_CLIENT_ID, TENANT, useRunningSeed } from '../helpers/seed.js';

describe('trustline easyauth in front of your own app', { timeout: 120_000 }, () => {
  const seed = useRunningSeed('trustline-standalone-', ['--in-memory']);
  const dir = mkdtempSync(join(tmpdir(), 'trustline-standalone-app-'));
  const seen: IncomingHttpHeaders[] = [];
  let app: Server;
  let proxy: RunningCli;
  let httpsUrl = '';
  let tls: Agent;

  beforeAll(async () => {
    app = createServer((req, res) => {
      seen.push(req.headers);
      res.end('hello from my own app');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const settings = join(dir, 'authsettings.json');
    writeFileSync(
      settings,
      JSON.stringify({
        // The whole resource, as `az rest` or the portal's JSON view shows it.
        id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/mine/config/authsettingsV2',
        name: 'authsettingsV2',
        type: 'Microsoft.Web/sites/config',
        properties: {
          platform: { enabled: true },
          globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
          identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: APP_CLIENT_ID, openIdIssuer: `https://sts.windows.net/${TENANT}/` } } },
        },
      }),
    );
    proxy = startCli(['easyauth', '--settings', settings, '--backend', `http://127.0.0.1:${(app.address() as AddressInfo).port}`, '--port', '0', '--ready-file', join(seed.dir, 'ready.json'), '--site', 'mine']);
    for (let i = 0; i < 200 && !httpsUrl; i++) {
      httpsUrl = /(https:\/\/127\.0\.0\.1:\d+) \(https/.exec(proxy.output())?.[1] ?? '';
      if (proxy.child.exitCode !== null) throw new Error(proxy.output());
      await sleep(100);
    }
    tls = new Agent({ connect: { ca: readFileSync(seed.ready.caCertificate, 'utf8') } });
  }, 60_000);
  afterAll(async () => {
    await tls?.close();
    await proxy?.stop();
    await new Promise<void>((r) => (app ? app.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('no token: 401 from Easy Auth, the app is not called', async () => {
    expect(httpsUrl).toMatch(/^https:/);
    const res = await request(`${httpsUrl}/api/hello`, { dispatcher: tls });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
    expect(seen).toHaveLength(0);
    for (let i = 0; i < 50 && !/401 GET \/api\/hello/.test(proxy.output()); i++) await sleep(100);
    expect(proxy.output()).toMatch(/site mine: 401 GET \/api\/hello: credential: no bearer token/);
  });

  it('a token from the twin (the APIM identity): the app gets the principal and the front-end headers', async () => {
    const token = (await runCli(['token', '--resource', APP_CLIENT_ID, '--identity', 'trustline-apim', '--ready-file', join(seed.dir, 'ready.json')])).output.trim();
    const res = await request(`${httpsUrl}/api/hello`, { dispatcher: tls, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('hello from my own app');
    expect(res.headers['x-trustline-site-request-id']).toBe(seen[0]!['x-arr-log-id']);
    expect(seen[0]).toMatchObject({
      'x-ms-client-principal-id': seed.ready.apim['trustline-apim']!.principalId,
      'x-ms-client-principal-idp': 'aad',
      'x-forwarded-proto': 'https',
      'x-site-deployment-id': 'mine',
    });
  });

  it("a browser's sign-in (/.auth/login/aad) goes to the twin's identity listener, not to the internet", async () => {
    const res = await request(`${httpsUrl}/.auth/login/aad?post_login_redirect_uri=/api/hello`, { dispatcher: tls });
    await res.body.dump();
    expect(res.statusCode).toBe(302);
    const location = new URL(String(res.headers.location));
    expect(location.origin).toBe(new URL(seed.ready.identity.authority).origin);
    expect(location.pathname).toBe(`/${TENANT}/oauth2/authorize`); // a v1 issuer (sts.windows.net): the v1 endpoint
    expect(location.searchParams.get('client_id')).toBe(APP_CLIENT_ID);
  });

  it('settings that are not authsettingsV2: exit 2 naming the problem', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ platform: { enabled: 'yes' } }));
    const r = await runCli(['easyauth', '--settings', bad, '--backend', 'http://127.0.0.1:9', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.output).toContain('ERR_EASYAUTH_SETTINGS_TYPE');
  });
});
