import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileService, type ServiceConfig } from '../../src/gateway/index.js';
import { close, seedConfig, startBackend, startGateway } from './helpers.js';

const UAMI_X = 'aaaaaaaa-1111-4000-8000-000000000001';
const UAMI_Y = 'bbbbbbbb-2222-4000-8000-000000000002';
const op = (name: string, inbound: string) => ({
  id: `op-${name}`, name, method: 'GET', urlTemplate: `/${name}`,
  policy: { format: 'rawxml', value: `<policies><inbound><base />${inbound}</inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>` },
});
const API_POLICY = '<policies><inbound><base /></inbound><backend><forward-request /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';

function config(systemPrincipalId: string): ServiceConfig {
  const base = seedConfig({ identity: { systemAssigned: true, systemPrincipalId, userAssignedClientIds: [UAMI_X, UAMI_Y] } }, API_POLICY);
  base.apis[0]!.operations = [
    op('a', '<authentication-managed-identity resource="api://resource-a" />'),
    op('b', '<authentication-managed-identity resource="api://resource-b" />'),
    op('x', `<authentication-managed-identity resource="api://resource-a" client-id="${UAMI_X}" />`),
    op('x-upper', `<authentication-managed-identity resource="api://resource-a" client-id="${UAMI_X.toUpperCase()}" />`),
    op('y', `<authentication-managed-identity resource="api://resource-a" client-id="${UAMI_Y}" />`),
  ];
  return base;
}

describe('managed-identity token cache keyed by resource and identity (behaviour 22)', () => {
  let backend: Awaited<ReturnType<typeof startBackend>>;
  let gw: Awaited<ReturnType<typeof startGateway>>;
  const call = async (name: string) => {
    const res = await fetch(`${gw.origin}/functions/${name}`);
    expect(res.status).toBe(200);
    await res.text();
    return backend.seen.at(-1)!.headers.authorization;
  };
  beforeAll(async () => {
    backend = await startBackend();
    gw = await startGateway(config('11111111-0000-4000-8000-00000000000a'), backend.origin);
  });
  afterAll(async () => {
    await gw.stop();
    await close(backend.server);
  });

  it('one fetch per (identity, resource): another resource or another identity is fetched on its own, then served from the cache', async () => {
    expect(await call('a')).toBe('Bearer tok-1-api://resource-a');
    expect(await call('a')).toBe('Bearer tok-1-api://resource-a');
    expect(await call('b')).toBe('Bearer tok-2-api://resource-b');
    expect(await call('x')).toBe('Bearer tok-3-api://resource-a');
    expect(await call('y')).toBe('Bearer tok-4-api://resource-a');
    // A client id is a GUID: the same identity whatever its case.
    expect(await call('x-upper')).toBe('Bearer tok-3-api://resource-a');
    expect(await call('b')).toBe('Bearer tok-2-api://resource-b');
    expect(await call('a')).toBe('Bearer tok-1-api://resource-a');
    expect(gw.tokens.calls).toEqual([
      { resource: 'api://resource-a' },
      { resource: 'api://resource-b' },
      { resource: 'api://resource-a', clientId: UAMI_X },
      { resource: 'api://resource-a', clientId: UAMI_Y },
    ]);
  });

  it('concurrent misses for one key share one fetch', async () => {
    gw.clock.advance(3600 * 1000);
    const before = gw.tokens.calls.length;
    const release = gw.tokens.hold();
    const pending = Promise.all([call('b'), call('b'), call('b')]);
    while (gw.tokens.calls.length === before) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const auths = await pending;
    expect(new Set(auths)).toEqual(new Set([`Bearer tok-${before + 1}-api://resource-b`]));
    expect(gw.tokens.calls.length).toBe(before + 1);
  });

  it('after expiry every key is fetched again, once', async () => {
    const before = gw.tokens.calls.length;
    gw.clock.advance(3600 * 1000 + 1);
    expect(await call('a')).toBe(`Bearer tok-${before + 1}-api://resource-a`);
    expect(await call('x')).toBe(`Bearer tok-${before + 2}-api://resource-a`);
    expect(await call('a')).toBe(`Bearer tok-${before + 1}-api://resource-a`);
    expect(gw.tokens.calls.slice(before)).toEqual([{ resource: 'api://resource-a' }, { resource: 'api://resource-a', clientId: UAMI_X }]);
  });

  it('a re-created system-assigned identity (new principal id) never gets the old identity\'s token', async () => {
    const before = gw.tokens.calls.length;
    gw.gateway.setService(compileService(config('22222222-0000-4000-8000-00000000000b'), { logger: gw.logger }));
    expect(await call('a')).toBe(`Bearer tok-${before + 1}-api://resource-a`);
    // The user-assigned identity is the same one: its token stays cached.
    expect(await call('x')).toBe(`Bearer tok-${before}-api://resource-a`);
    expect(gw.tokens.calls.length).toBe(before + 1);
  });
});
