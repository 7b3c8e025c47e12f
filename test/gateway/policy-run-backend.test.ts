// `trustline policy run` with the policies whose effect depends on the operation's contract or on what the
// backend answers: mock-response (REQUEST.json `operation.responses[].representations[].examples`), forward-request
// `follow-redirects` (a redirecting stub backend, `backend.urls` for where it leads) and `buffer-request-body`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/index.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (text: string, ext = 'json') => { const p = join(dir, `f${++n}.${ext}`); writeFileSync(p, text); return p; };
/** `policy run POLICY --request REQUEST.json --json`, its output parsed. */
async function run(policy: string, request: unknown): Promise<Record<string, any>> {
  let out = '';
  let err = '';
  const code = await main(['policy', 'run', file(policy, 'xml'), '--request', file(JSON.stringify(request)), '--json'], { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  expect(code, err).toBe(0);
  return JSON.parse(out) as Record<string, any>;
}

const policy = (backend: string, inbound = '') => `<policies><inbound>${inbound}</inbound><backend>${backend}</backend><outbound/><on-error/></policies>`;

describe('policy run: mock-response from REQUEST.json operation examples', () => {
  const operation = {
    method: 'GET', urlTemplate: '/pets',
    responses: [
      { statusCode: 200, representations: [
        { contentType: 'application/xml', examples: { first: { value: '<pet>Rex</pet>' } } },
        { contentType: 'application/json', examples: { first: { value: { name: 'Rex' } }, second: { value: { name: 'Tom' } } } },
      ] },
      { statusCode: 404, representations: [{ contentType: 'text/plain', sample: 'no such pet' }] },
      { statusCode: 500 },
    ],
  };
  const request = { url: 'https://contoso.azure-api.net/pets', operation };

  it('status-code and content-type choose the representation; its first example is the body; the backend is not called', async () => {
    const r = await run(policy('<forward-request/>', '<mock-response status-code="200" content-type="application/json"/>'), request);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.body).toBe('{"name":"Rex"}');
    expect(r.backendRequest).toBeNull();
  });

  it('without content-type the first representation of the status is used (Learn: "First found content type is used"); status 200 by default', async () => {
    const r = await run(policy('<forward-request/>', '<mock-response/>'), request);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/xml');
    expect(r.body).toBe('<pet>Rex</pet>');
    const sample = await run(policy('<forward-request/>', '<mock-response status-code="404"/>'), request);
    expect(sample.status).toBe(404);
    expect(sample.headers['content-type']).toBe('text/plain');
    expect(sample.body).toBe('no such pet');
  });

  it('without an example for the status (or the content type) the answer has that status and an empty body', async () => {
    for (const mock of ['<mock-response status-code="500"/>', '<mock-response status-code="201"/>']) {
      const r = await run(policy('<forward-request/>', mock), request);
      expect(r.status).toBe(Number(/"(\d+)"/.exec(mock)![1]));
      expect(r.body).toBe('');
      expect(r.headers['content-type']).toBeUndefined();
      expect(r.backendRequest).toBeNull();
    }
    const typed = await run(policy('<forward-request/>', '<mock-response status-code="404" content-type="application/json"/>'), request);
    expect(typed.status).toBe(404);
    expect(typed.headers['content-type']).toBe('application/json');
    expect(typed.body).toBe('');
    const none = await run(policy('<forward-request/>', '<mock-response/>'), { url: request.url });
    expect([none.status, none.body]).toEqual([200, '']);
  });
});

describe('policy run: forward-request follow-redirects', () => {
  const redirect = (urls?: Record<string, unknown>) => ({
    method: 'POST', url: 'https://contoso.azure-api.net/orders/new', body: '{"n":1}', headers: { 'content-type': 'application/json' },
    api: { path: 'orders', serviceUrl: 'https://backend.contoso.com/api' },
    backend: { status: 302, headers: { location: '/api/orders/7' }, body: '', ...(urls ? { urls } : {}) },
  });
  const moved = { 'https://backend.contoso.com/api/orders/7': { status: 200, headers: { 'content-type': 'text/plain' }, body: 'order 7' } };

  it('false (the default): the client gets the backend\'s 302 and its Location', async () => {
    for (const p of [policy('<forward-request/>'), policy('<forward-request follow-redirects="false"/>')]) {
      const r = await run(p, redirect(moved));
      expect(r.status).toBe(302);
      expect(r.headers.location).toBe('/api/orders/7');
      expect(r.backendRequest).toMatchObject({ method: 'POST', url: 'https://backend.contoso.com/api/new', body: '{"n":1}' });
      expect(r.trace.backend).toHaveLength(1);
    }
  });

  it('true: the gateway follows the Location (same method and body for a 302) and the client gets where it leads', async () => {
    const r = await run(policy('<forward-request follow-redirects="true"/>'), redirect(moved));
    expect(r.status).toBe(200);
    expect(r.body).toBe('order 7');
    expect(r.headers.location).toBeUndefined();
    expect(r.backendRequest).toMatchObject({ method: 'POST', url: 'https://backend.contoso.com/api/orders/7', body: '{"n":1}' });
    expect(r.backendRequest.headers.host).toBe('backend.contoso.com');
    expect(r.trace.backend.map((c: { url: string; status: number }) => [c.url, c.status])).toEqual([
      ['https://backend.contoso.com/api/new', 302], ['https://backend.contoso.com/api/orders/7', 200]]);
  });

  it('true, a chain: each relative Location is relative to the URL that answered it; a 303 is followed as a GET without the body', async () => {
    const r = await run(policy('<forward-request follow-redirects="true"/>'), redirect({
      'https://backend.contoso.com/api/orders/7': { status: 307, headers: { location: 'https://other.contoso.com/v2/a' } },
      'https://other.contoso.com/v2/a': { status: 303, headers: { location: 'done' } },
      'https://other.contoso.com/v2/done': { status: 200, body: 'done' },
    }));
    expect([r.status, r.body]).toEqual([200, 'done']);
    expect(r.trace.backend.map((c: { method: string; url: string; status: number }) => `${c.method} ${c.url} ${c.status}`)).toEqual([
      'POST https://backend.contoso.com/api/new 302', 'POST https://backend.contoso.com/api/orders/7 307',
      'POST https://other.contoso.com/v2/a 303', 'GET https://other.contoso.com/v2/done 200']);
    expect(r.backendRequest).toMatchObject({ method: 'GET', body: '', headers: { host: 'other.contoso.com' } });
    expect(r.backendRequest.headers['content-length']).toBeUndefined();
  });

  it('true, when backend.urls does not answer the Location: the stub answers the same 302 again, followed 10 times, then the client gets that 302', async () => {
    const r = await run(policy('<forward-request follow-redirects="true"/>'), redirect());
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/api/orders/7');
    expect(r.trace.backend).toHaveLength(11);
    expect(r.backendRequest.url).toBe('https://backend.contoso.com/api/orders/7');
  });
});

describe('policy run: forward-request buffer-request-body', () => {
  // A client that streams its body (Transfer-Encoding: chunked, no Content-Length).
  const request = { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' } };

  it('false (the default): the body is streamed to the backend as it comes, without a Content-Length', async () => {
    const r = await run(policy('<forward-request/>'), request);
    expect(r.backendRequest.body).toBe('hello');
    expect(r.backendRequest.headers['content-length']).toBeUndefined();
  });

  it('true: the body is read whole first and sent with its Content-Length', async () => {
    const r = await run(policy('<forward-request buffer-request-body="true"/>'), request);
    expect(r.backendRequest.body).toBe('hello');
    expect(r.backendRequest.headers['content-length']).toBe('5');
  });

  it('inside retry, each attempt sends the body again', async () => {
    const r = await run(policy('<retry condition="@(context.Response.StatusCode == 503)" count="2" interval="0"><forward-request buffer-request-body="true"/></retry>'),
      { ...request, backend: { status: 503, body: 'busy' } });
    expect(r.status).toBe(503);
    expect(r.trace.backend).toHaveLength(3);
    expect(r.backendRequest).toMatchObject({ body: 'hello', headers: { 'content-length': '5' } });
  });
});

describe('policy run: <base/> without --parent', () => {
  it('resolves to APIM\'s default global policy: forward-request (global scope) in backend, nothing in the other sections', async () => {
    const r = await run('<policies><inbound><base/></inbound><backend><base/></backend><outbound><base/></outbound><on-error><base/></on-error></policies>',
      { backend: { status: 200, body: 'from backend' } });
    expect([r.status, r.body]).toEqual([200, 'from backend']);
    expect(r.backendRequest).toMatchObject({ method: 'GET', url: 'https://backend.example.net/' });
    const entries = r.trace.traceEntries as Record<string, Array<{ source: string; data: { scope: string; path: string } }>>;
    expect(entries.backend!.map((e) => [e.source, e.data.scope])).toEqual([['forward-request', 'global']]);
    expect([entries.inbound, entries.outbound, entries['on-error']]).toEqual([[], [], []]);
    // Without <base/> in backend nothing reaches the default's forward-request: no backend call, 200 with no body.
    const none = await run('<policies><inbound><base/></inbound><backend/><outbound><base/></outbound></policies>', { backend: { status: 201 } });
    expect([none.status, none.body, none.backendRequest]).toEqual([200, '', null]);
  });
});
