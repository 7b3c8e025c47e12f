/**
 * A real browser (headless Chromium, driven over the DevTools protocol) signs a directory user in through Easy
 * Auth: the function's URL → 302 /.auth/login/aad → the twin's sign-in page (filled and submitted as a user
 * would) → form_post to /.auth/login/aad/callback → the function, which sees the user's principal. The browser
 * runs with a fresh profile; the twin's certificates come from its own local CA, which the fresh profile does not
 * trust, so the browser is told to accept them (--ignore-certificate-errors).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'undici';
import { silentLogger, randomIds, systemClock } from '../../src/core/index.js';
import { startTwin, type Twin } from '../../src/runtime/index.js';
import { SEED } from '../helpers/seed.js';

const CHROMIUM = '/usr/bin/chromium';
const TENANT = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d';
const CLIENT = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';

/** The smallest DevTools protocol client: one WebSocket, request/response by id, events by method. */
class Cdp {
  #next = 0;
  #pending = new Map<number, (v: { result?: any; error?: any }) => void>();
  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (ev) => {
      const m = JSON.parse(String(ev.data)) as { id?: number; result?: any; error?: any };
      if (m.id !== undefined) this.#pending.get(m.id)?.(m);
    });
  }
  static async connect(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    return new Cdp(ws);
  }
  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<any> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result)));
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }
}

/** Remove Chromium's profile folder, retrying while the last of its processes let go of it (up to ~6 s). */
async function removeProfile(profile: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
      return;
    } catch (e) {
      if (attempt >= 10) throw e;
      await sleep(500);
    }
  }
}

describe('headless Chromium signs a user in through Easy Auth', () => {
  let twin: Twin;
  let dir: string;
  let profile: string;
  let browser: ChildProcess;
  let cdp: Cdp;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trustline-chromium-'));
    twin = await startTwin({ stateDir: dir, inMemory: true, tenantId: TENANT, subscriptionId: '1a2b3c4d-0000-4000-8000-000000000003', resourceGroup: 'rg-chromium', location: 'westeurope', clock: systemClock, ids: randomIds, logger: silentLogger });
    const t = JSON.parse(readFileSync(join(SEED, 'azuredeploy.json'), 'utf8'));
    const auth = t.resources.find((r: { type: string }) => r.type === 'Microsoft.Web/sites/config').properties;
    auth.globalValidation.unauthenticatedClientAction = 'RedirectToLoginPage';
    await twin.deploy({ deploymentName: 'chromium', template: t, parameters: { sites_function_name: { value: 'browser-fn' }, apimServiceName: { value: 'browser-apim' }, appClientId: { value: CLIENT }, tenantID: { value: TENANT } } });
    twin.identity.applyDirectory({ doc: { users: [{ userPrincipalName: 'carol@contoso.test', displayName: 'Carol', password: 'carol-pw' }] } });

    profile = mkdtempSync(join(tmpdir(), 'trustline-chromium-profile-'));
    browser = spawn(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--ignore-certificate-errors',
      '--remote-debugging-port=0', 'about:blank',
    ], { stdio: 'ignore', detached: true }); // its own process group: afterAll ends Chromium's helpers with it
    const portFile = join(profile, 'DevToolsActivePort');
    // Chromium writes the file in two steps: wait until both lines (port, browser target path) are there.
    const devTools = () => (existsSync(portFile) ? readFileSync(portFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);
    for (let i = 0; i < 300 && devTools().length < 2; i++) await sleep(100);
    const [port, path] = devTools();
    if (!port || !path) throw new Error(`Chromium did not write ${portFile} (exit code ${browser.exitCode})`);
    cdp = await Cdp.connect(`ws://127.0.0.1:${port}${path}`);
  }, 60_000);

  afterAll(async () => {
    // Close Chromium the way a user would (Browser.close flushes the profile and ends every helper process), then end
    // whatever is left of its process group, and only then remove the profile: a helper still writing into it made
    // the removal fail with ENOTEMPTY now and then.
    if (browser && browser.exitCode === null) {
      const exited = new Promise((r) => browser.once('exit', r));
      await Promise.race([cdp?.send('Browser.close').catch(() => undefined), sleep(3000)]);
      await Promise.race([exited, sleep(3000)]);
      if (browser.exitCode === null) browser.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
    }
    if (browser?.pid) {
      try {
        process.kill(-browser.pid, 'SIGKILL');
      } catch {
        // the group has ended already
      }
    }
    cdp?.ws.close();
    await twin?.close();
    rmSync(dir, { recursive: true, force: true });
    if (profile) await removeProfile(profile);
  });

  it('reaches the function with the user\'s principal', async () => {
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    const evaluate = async (expression: string) => (await cdp.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)).result.value;
    const waitFor = async (predicate: string, what: string) => {
      for (let i = 0; i < 150; i++) {
        if (await evaluate(predicate).catch(() => false)) return;
        await sleep(100);
      }
      throw new Error(`timed out waiting for ${what}; at ${await evaluate('location.href')}`);
    };
    const site = twin.ready().sites['browser-fn']!.url;
    await cdp.send('Page.navigate', { url: `${site}/api/hello` }, sessionId);
    await waitFor(`!!document.querySelector('form#signin input[name=username]')`, 'the sign-in page');
    expect(await evaluate('location.origin')).toBe(new URL(twin.ready().identity.authority).origin);
    await evaluate(`document.querySelector('#username').value = 'carol@contoso.test'; document.querySelector('#password').value = 'carol-pw'; document.querySelector('form#signin').submit(); true`);
    await waitFor(`location.href.startsWith(${JSON.stringify(site + '/api/hello')}) && document.body && document.body.innerText.includes('x-ms-client-principal')`, 'the function');
    const fn = JSON.parse(await evaluate('document.body.innerText')) as { headers: Record<string, string> };
    expect(fn.headers['x-ms-client-principal-name']).toBe('carol@contoso.test');
    expect(fn.headers['x-ms-client-principal-idp']).toBe('aad');
    const cookies = (await cdp.send('Network.getCookies', { urls: [site] }, sessionId)).cookies as Array<{ name: string; httpOnly: boolean; secure: boolean }>;
    expect(cookies.find((c) => c.name === 'AppServiceAuthSession')).toMatchObject({ httpOnly: true, secure: true });
  });
});
