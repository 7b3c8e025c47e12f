import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'undici';

export const CHROMIUM = '/usr/bin/chromium';

/** The smallest DevTools protocol client: one WebSocket, request/response by id, events by method. */
export class Cdp {
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

  /** A new tab: `evaluate(expression)` in it, `waitFor(predicate, what)` until it holds (15 s), `navigate(url)`. */
  async tab() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const evaluate = async (expression: string) => (await this.send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)).result.value;
    return {
      sessionId,
      evaluate,
      navigate: (url: string) => this.send('Page.navigate', { url }, sessionId),
      waitFor: async (predicate: string, what: string) => {
        for (let i = 0; i < 150; i++) {
          if (await evaluate(predicate).catch(() => false)) return;
          await sleep(100);
        }
        throw new Error(`timed out waiting for ${what}; at ${await evaluate('location.href')}`);
      },
    };
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

/**
 * Headless Chromium with a fresh profile, driven over the DevTools protocol. The twin's certificates come from its
 * own local CA, which the fresh profile does not trust, so the browser is told to accept them
 * (--ignore-certificate-errors). `close()` ends it the way a user would, then its process group, then removes the profile.
 */
export async function launchChromium(): Promise<{ cdp: Cdp; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'trustline-chromium-profile-'));
  const browser: ChildProcess = spawn(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--ignore-certificate-errors',
    '--remote-debugging-port=0', 'about:blank',
  ], { stdio: 'ignore', detached: true }); // its own process group: close() ends Chromium's helpers with it
  let cdp: Cdp | undefined;
  const close = async () => {
    // Browser.close flushes the profile and ends every helper process; then whatever is left of the process group,
    // and only then the profile: a helper still writing into it made the removal fail with ENOTEMPTY now and then.
    if (browser.exitCode === null) {
      const exited = new Promise((r) => browser.once('exit', r));
      await Promise.race([cdp?.send('Browser.close').catch(() => undefined), sleep(3000)]);
      await Promise.race([exited, sleep(3000)]);
      if (browser.exitCode === null) browser.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
    }
    if (browser.pid) {
      try {
        process.kill(-browser.pid, 'SIGKILL');
      } catch {
        // the group has ended already
      }
    }
    cdp?.ws.close();
    await removeProfile(profile);
  };
  try {
    const portFile = join(profile, 'DevToolsActivePort');
    // Chromium writes the file in two steps: wait until both lines (port, browser target path) are there.
    const devTools = () => (existsSync(portFile) ? readFileSync(portFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);
    for (let i = 0; i < 300 && devTools().length < 2; i++) await sleep(100);
    const [port, path] = devTools();
    if (!port || !path) throw new Error(`Chromium did not write ${portFile} (exit code ${browser.exitCode})`);
    cdp = await Cdp.connect(`ws://127.0.0.1:${port}${path}`);
  } catch (e) {
    await close();
    throw e;
  }
  return { cdp, close };
}
