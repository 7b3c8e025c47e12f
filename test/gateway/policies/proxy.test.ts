import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen, seedConfig, startBackend, startGateway } from '../helpers.js';
import { inbound, run } from './run.js';

/** An HTTP forward proxy that answers itself and records what it was asked (absolute-form request line). */
async function startProxy(): Promise<{ server: Server; origin: string; seen: Array<{ url: string; auth: string | undefined; host: string | undefined }> }> {
  const seen: Array<{ url: string; auth: string | undefined; host: string | undefined }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers['proxy-authorization'], host: req.headers.host });
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"via":"proxy"}'); });
  });
  return { server, origin: await listen(server), seen };
}

describe('proxy: send-request <proxy> and the proxy policy for forward-request (docs/behaviour/apim.md §2)', () => {
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let backend: Awaited<ReturnType<typeof startBackend>>;
  beforeAll(async () => { proxy = await startProxy(); backend = await startBackend(); });
  afterAll(async () => { await close(proxy.server); await close(backend.server); });

  it('send-request goes through the proxy with the absolute URL and Basic proxy credentials; the main request does not', async () => {
    const policy = `<policies><inbound><base />
      <send-request mode="new" response-variable-name="r" timeout="10">
        <set-url>http://orders.contoso.test/items?x=1</set-url><set-method>GET</set-method>
        <proxy url="${proxy.origin}" username="user" password="{{pw}}" />
      </send-request>
      <set-header name="x-side" exists-action="override"><value>@(((IResponse)context.Variables["r"]).Body.As<string>())</value></set-header>
    </inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
    const gw = await startGateway(seedConfig({ namedValues: [{ name: 'pw', value: 's3cret' }] }, policy), backend.origin);
    try {
      const before = backend.seen.length;
      const res = await fetch(`${gw.origin}/functions/hello`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"ok":true}');
      expect(proxy.seen.at(-1)).toEqual({ url: 'http://orders.contoso.test/items?x=1', auth: `Basic ${Buffer.from('user:s3cret').toString('base64')}`, host: 'orders.contoso.test' });
      expect(backend.seen.length).toBe(before + 1);
      expect(backend.seen.at(-1)!.headers['x-side']).toBe('{"via":"proxy"}');
    } finally {
      await gw.stop();
    }
  });

  it('the proxy policy in inbound sends forward-request through the proxy (no credentials: no Proxy-Authorization)', async () => {
    const policy = `<policies><inbound><base /><proxy url="${proxy.origin}" /></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`;
    const gw = await startGateway(seedConfig({}, policy), backend.origin);
    try {
      const before = backend.seen.length;
      const res = await fetch(`${gw.origin}/functions/hello?a=b`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('{"via":"proxy"}');
      expect(proxy.seen.at(-1)).toEqual({ url: 'http://trustline-func.azurewebsites.net/api/hello?a=b', auth: undefined, host: 'trustline-func.azurewebsites.net' });
      expect(backend.seen.length).toBe(before);
    } finally {
      await gw.stop();
    }
  });

  it('an unreachable proxy is a BackendConnectionFailure of send-request; ignore-error leaves the variable null', async () => {
    const dead = await startProxy();
    await close(dead.server);
    const policy = (ignore: boolean) => `<policies><inbound><base />
      <send-request mode="new" response-variable-name="r" ignore-error="${ignore}"><set-url>http://x.test/</set-url><set-method>GET</set-method><proxy url="${dead.origin}" /></send-request>
      <set-header name="x-null" exists-action="override"><value>@((context.Variables["r"] == null).ToString())</value></set-header>
    </inbound><backend><forward-request /></backend><outbound><base /></outbound>
    <on-error><set-header name="x-reason" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`;
    for (const ignore of [false, true]) {
      const gw = await startGateway(seedConfig({}, policy(ignore)), backend.origin);
      try {
        const res = await fetch(`${gw.origin}/functions/hello`);
        await res.text();
        if (ignore) {
          expect(res.status).toBe(200);
          expect(backend.seen.at(-1)!.headers['x-null']).toBe('True');
        } else {
          expect(res.status).toBe(500);
          expect(res.headers.get('x-reason')).toBe('send-request/BackendConnectionFailure');
        }
      } finally {
        await gw.stop();
      }
    }
  });

  it('through policy run the stub backend answers (the proxy is compiled and applied to the side request)', async () => {
    const r = await run(inbound('<send-request mode="new" response-variable-name="r"><set-url>http://x.test/</set-url><set-method>GET</set-method><proxy url="http://proxy.example:8080" username="u" password="p" /></send-request>'));
    expect(r.status).toBe(200);
    expect(r.sentRequests[0]).toMatchObject({ method: 'GET', url: 'http://x.test/' });
  });

  it('load-time checks: the URL must be http://, url is required, only inbound (or inside send-request)', async () => {
    await expect(run(inbound('<proxy url="https://proxy.example:8080" />'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE', message: expect.stringContaining('must be http://') });
    await expect(run(inbound('<proxy username="a" />'))).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_ATTRIBUTE' });
    await expect(run('<policies><outbound><proxy url="http://p:1" /></outbound></policies>')).rejects.toMatchObject({ code: 'ERR_APIM_POLICY_SECTION' });
    const r = await run(inbound('<proxy url="@("http://proxy.example:" + "8080")" />'));
    expect(r.status).toBe(200);
    expect(r.trace).toBeTruthy();
  });
});
