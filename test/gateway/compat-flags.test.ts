import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import type { GatewayCompatFlags, ServiceConfig } from '../../src/gateway/index.js';
import { close, FakeTokens, seedConfig, startBackend, startGateway } from './helpers.js';

const PASS = '<policies><inbound><base/></inbound><backend><base/></backend></policies>';

describe('gateway compat flags (behaviour Azure does not document)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  const gateways: Array<{ stop(): Promise<void> }> = [];
  beforeAll(async () => {
    backend = await startBackend();
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    await close(backend.server);
  });
  const start = async (cfg: ServiceConfig, flags: Partial<GatewayCompatFlags>, tokens?: FakeTokens) => {
    const clock = new ManualClock();
    const g = await startGateway(cfg, backend.origin, clock, tokens ?? new FakeTokens(clock), flags);
    gateways.push(g);
    return g;
  };

  it('defaultApiProtocols: an API without protocols is https-only by default, http too when the flag says so', async () => {
    const cfg = seedConfig({}, PASS);
    delete cfg.apis[0]!.protocols;
    const strict = await start(cfg, {});
    expect((await fetch(`${strict.origin}/functions/hello`)).status).toBe(404);
    const open = await start(cfg, { defaultApiProtocols: ['http', 'https'] });
    expect((await fetch(`${open.origin}/functions/hello`)).status).toBe(200);
  });

  it('invalidKeyWhenNotRequired: ignored by default, 401 invalid key with reject', async () => {
    const cfg = seedConfig({}, PASS);
    cfg.apis[0]!.subscriptionRequired = false;
    const ignore = await start(cfg, {});
    expect((await fetch(`${ignore.origin}/functions/hello`, { headers: { 'ocp-apim-subscription-key': 'nope' } })).status).toBe(200);
    const reject = await start(cfg, { invalidKeyWhenNotRequired: 'reject' });
    const res = await fetch(`${reject.origin}/functions/hello`, { headers: { 'ocp-apim-subscription-key': 'nope' } });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }');
  });

  it('ignoredTokenFailure: nothing set by default, an empty bearer with empty-bearer', async () => {
    const cfg = seedConfig({}, '<policies><inbound><base/><authentication-managed-identity resource="api://x" ignore-error="true" /></inbound><backend><base/></backend></policies>');
    const clock = new ManualClock();
    const tokens = new FakeTokens(clock);
    tokens.fail = true;
    const unset = await start(cfg, {}, tokens);
    await (await fetch(`${unset.origin}/functions/hello`)).text();
    expect(backend.seen.at(-1)!.headers.authorization).toBeUndefined();
    const empty = await start(cfg, { ignoredTokenFailure: 'empty-bearer' }, tokens);
    await (await fetch(`${empty.origin}/functions/hello`)).text();
    expect(backend.seen.at(-1)!.headers.authorization).toBe('Bearer');
  });
});
