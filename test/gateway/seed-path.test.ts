import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressionParseCount, xmlParseCount } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

describe('seed path: route → MI token → set-header → forward', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    backend = await startBackend();
    gw = await startGateway(seedConfig(), backend.origin);
  });
  afterAll(async () => {
    await gw.stop();
    await close(backend.server);
  });

  it('forwards GET /functions/hello to /api/hello with the managed identity token (behaviours 19, 21)', async () => {
    const res = await fetch(`${gw.origin}/functions/hello?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-backend')).toBe('yes');
    expect(await res.text()).toBe('{"ok":true}');
    const seen = backend.seen.at(-1)!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/api/hello?x=1');
    expect(seen.headers.authorization).toBe('Bearer tok-1-api://11111111-2222-3333-4444-555555555555');
    expect(seen.headers.host).toBe('trustline-func.azurewebsites.net');
    expect(gw.tokens.calls).toEqual([{ resource: 'api://11111111-2222-3333-4444-555555555555' }]);
  });

  it('reuses the cached token and parses nothing per request (behaviour 22)', async () => {
    const xml = xmlParseCount();
    const expr = expressionParseCount();
    await (await fetch(`${gw.origin}/functions/hello`)).text();
    await (await fetch(`${gw.origin}/FUNCTIONS/hello`)).text();
    expect(gw.tokens.calls.length).toBe(1);
    expect(backend.seen.at(-1)!.headers.authorization).toBe('Bearer tok-1-api://11111111-2222-3333-4444-555555555555');
    expect(xmlParseCount()).toBe(xml);
    expect(expressionParseCount()).toBe(expr);
  });

  it('fetches a new token when the cached one nears expiry (injected clock) (behaviour 22)', async () => {
    gw.clock.advance(3600 * 1000 - 299 * 1000);
    await (await fetch(`${gw.origin}/functions/hello`)).text();
    expect(gw.tokens.calls.length).toBe(2);
    expect(backend.seen.at(-1)!.headers.authorization).toBe('Bearer tok-2-api://11111111-2222-3333-4444-555555555555');
  });
});
