import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { close, listen, seedConfig, startGateway } from '../helpers.js';

describe('forward-request follow-redirects and mock-response examples', () => {
  it('follow-redirects="true" follows the backend\'s redirect; without it the 302 reaches the client (behaviour 37)', async () => {
    const backend = createServer((req, res) => {
      if (req.url === '/api/hello') { res.writeHead(302, { location: '/api/moved' }); res.end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`at ${req.url}`);
    });
    const origin = await listen(backend);
    const policy = (attrs: string) => `<policies><inbound/><backend><forward-request ${attrs}/></backend></policies>`;
    const a = await startGateway(seedConfig({}, policy('follow-redirects="true"')), origin);
    const b = await startGateway(seedConfig({}, policy('')), origin);
    try {
      const followed = await fetch(`${a.origin}/functions/hello`, { redirect: 'manual' });
      expect(followed.status).toBe(200);
      expect(await followed.text()).toBe('at /api/moved');
      const plain = await fetch(`${b.origin}/functions/hello`, { redirect: 'manual' });
      expect(plain.status).toBe(302);
      expect(plain.headers.get('location')).toBe('/api/moved');
    } finally {
      await a.stop();
      await b.stop();
      await close(backend);
    }
  });

  it('mock-response answers the operation\'s example for the status, else an empty body; the backend is not called (behaviour 35)', async () => {
    const cfg = seedConfig({}, '<policies><inbound><mock-response status-code="200" content-type="application/json"/></inbound></policies>');
    cfg.apis[0]!.operations[0]!.examples = [{ status: 200, contentType: 'application/json', body: '{"id":1}' }];
    cfg.apis[0]!.operations.push({ id: 'op-2', name: 'two', method: 'GET', urlTemplate: '/two', policy: { value: '<policies><inbound><mock-response status-code="404"/></inbound></policies>' } });
    const g = await startGateway(cfg, 'http://127.0.0.1:1');
    try {
      const r = await fetch(`${g.origin}/functions/hello`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(await r.text()).toBe('{"id":1}');
      const e = await fetch(`${g.origin}/functions/two`);
      expect(e.status).toBe(404);
      expect(await e.text()).toBe('');
    } finally {
      await g.stop();
    }
  });
});
