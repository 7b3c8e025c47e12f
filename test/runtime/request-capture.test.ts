/**
 * The requests the twin keeps for the console's replay (src/runtime/request-capture.ts): kept as a listener receives
 * them without changing how the handler reads the body, the body's first 64 KiB only, and sent again without what
 * carries a secret.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { captureRequest, createRequestLog, MAX_CAPTURED_BODY, replayable, type RawRequest } from '../../src/runtime/request-capture.js';

/** One request to a server that keeps it and reads its body as a handler does; resolves to what was kept and read. */
async function roundTrip(send: (origin: string) => Promise<void>): Promise<{ raw: RawRequest; read: Buffer }> {
  let seen: { raw: RawRequest; read: Buffer } | undefined;
  const server = createServer((req: IncomingMessage, res) => {
    const raw = captureRequest(req);
    // The handler reads later, as the gateway does after its routing: nothing may be lost meanwhile.
    setTimeout(() => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        seen = { raw, read: Buffer.concat(chunks) };
        res.end('ok');
      })();
    }, 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await new Promise((r) => server.close(r));
  }
  return seen!;
}

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
const hideJwt = (s: string) => s.replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, 'eyJ…');

describe('requests kept for a replay', () => {
  it('the handler reads the body unchanged; the kept copy stops at 64 KiB and counts every byte', async () => {
    const body = Buffer.alloc(MAX_CAPTURED_BODY + 5000, 'a');
    body.write('first', 0);
    const { raw, read } = await roundTrip(async (origin) => {
      const r = await request(`${origin}/api/x?y=1`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
      await r.body.dump();
    });
    expect(read.equals(body)).toBe(true);
    expect(raw.bodyBytes).toBe(body.length);
    const kept = Buffer.concat(raw.body);
    expect(kept.length).toBe(MAX_CAPTURED_BODY);
    expect(kept.equals(body.subarray(0, MAX_CAPTURED_BODY))).toBe(true);
    const again = replayable(raw, hideJwt);
    expect(again).toMatchObject({ scheme: 'http', method: 'POST', path: '/api/x?y=1', bodyBytes: body.length, bodyIncomplete: true });
    expect(again.body.length).toBe(MAX_CAPTURED_BODY);
  });

  it('a request without a body: nothing of the body is kept, the request reads as before', async () => {
    const { raw, read } = await roundTrip(async (origin) => {
      await (await request(`${origin}/`)).body.dump();
    });
    expect(read.length).toBe(0);
    expect(raw).toMatchObject({ method: 'GET', url: '/', body: [], bodyBytes: 0 });
  });

  it('sent again without the headers and query parameters that carry credentials, nor any value holding a token; the rest as it came', async () => {
    const { raw } = await roundTrip(async (origin) => {
      const r = await request(`${origin}/api/orders/7?code=fnkey&x=1&subscription-key=sk&t=${JWT}`, {
        method: 'PATCH',
        body: `{"n":1,"token":"${JWT}"}`,
        headers: {
          'content-type': 'application/json', authorization: `Bearer ${JWT}`, cookie: 'AppServiceAuthSession=abc', 'x-functions-key': 'k',
          'ocp-apim-subscription-key': 'sk', 'x-ms-token-aad-access-token': 'at', 'x-custom': 'kept', 'x-carries': `v ${JWT}`,
        },
      });
      await r.body.dump();
    });
    const again = replayable(raw, hideJwt);
    expect(again.method).toBe('PATCH');
    expect(again.path).toBe('/api/orders/7?x=1');
    expect(again.headers).toEqual([['content-type', 'application/json'], ['x-custom', 'kept']]);
    expect(again.left).toEqual([
      'header authorization', 'header cookie', 'header x-functions-key', 'header ocp-apim-subscription-key', 'header x-ms-token-aad-access-token', 'header x-carries',
      'query code', 'query subscription-key', 'query t', 'the secrets in the body (hidden)',
    ]);
    expect(again.body).toBe('{"n":1,"token":"eyJ…"}');
    expect(again.bodyIncomplete).toBe(false);
  });

  it('the log keeps the most recent requests only', () => {
    const log = createRequestLog(2);
    const r = (url: string): RawRequest => ({ scheme: 'https', method: 'GET', url, rawHeaders: [], body: [], bodyBytes: 0 });
    log.add('a', r('/a'));
    log.add('b', r('/b'));
    log.add('c', r('/c'));
    expect([log.get('a'), log.get('b')?.url, log.get('c')?.url, log.size]).toEqual([undefined, '/b', '/c', 2]);
  });
});
