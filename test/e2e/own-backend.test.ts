/**
 * `trustline up --backend SITE=URL` with a function host of the user's own (not the built-in echo): the start-up
 * summary names it, and `trustline test` passes when Easy Auth sent the function the APIM identity (read from the
 * site's decision record, as the user's function does not echo its headers back). Site names are case-blind; a
 * `--backend` for a site nothing deployed is warned about.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli-process.js';
import { useRunningSeed } from '../helpers/seed.js';

describe('trustline up --backend with the user\'s own function host', () => {
  const seen: Array<string | undefined> = [];
  const app: Server = createServer((req, res) => {
    seen.push(req.headers['x-ms-client-principal-id'] as string | undefined);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: 'from my function' }));
  });
  const args = ['--in-memory'];
  beforeAll(async () => {
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    // Site names are case-blind, as in Azure; a site nothing deployed is warned about, not silently ignored.
    args.push('--backend', `Trustline-Func=http://127.0.0.1:${(app.address() as AddressInfo).port}`, '--backend', 'trustline-fnc=http://127.0.0.1:9');
  });
  const seed = useRunningSeed('trustline-own-backend-', args);
  afterAll(async () => {
    await new Promise((r) => app.close(r));
  });

  it('the summary names the function; trustline test passes on what Easy Auth sent it; an unknown site is warned about', async () => {
    // `up` prints its summary just after it writes the ready file: wait for it rather than race it.
    for (let i = 0; i < 200 && !/site trustline-func: /.test(seed.output()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(seed.output()).toMatch(/site trustline-func: .*; function http:\/\/127\.0\.0\.1:\d+\)/);
    expect(seed.output()).toContain('--backend trustline-fnc=…: no site named trustline-fnc is deployed (sites: trustline-func)');
    const r = await runCli(['test', '--ready-file', join(seed.dir, 'ready.json')]);
    expect(r.code, r.output).toBe(0);
    const principal = seed.ready.apim['trustline-apim']!.principalId!;
    expect(r.output).toContain(`ok   GET trustline-apim/functions/hello through the gateway: 200, the function was sent (Easy Auth's decision record) principal ${principal}`);
    expect(seen).toContain(principal);
  }, 120_000);
});
