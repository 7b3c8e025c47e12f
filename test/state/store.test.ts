import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store, type Change } from '../../src/state/index.js';

const site = (name: string) => ({
  id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/${name}`,
  type: 'Microsoft.Web/sites',
  name,
  properties: { defaultHostName: `${name}.azurewebsites.net` },
});

const backends: Array<[string, () => { store: Store; cleanup: () => void }]> = [
  ['memory', () => ({ store: openStore({ inMemory: true }), cleanup: () => undefined })],
  [
    'sqlite file',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'trustline-state-'));
      return { store: openStore({ dir }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

describe.each(backends)('store (%s)', (_name, make) => {
  let cleanup: () => void = () => undefined;
  let store: Store;
  afterEach(() => {
    store.close();
    cleanup();
  });

  it('puts, reads case-insensitively and lists by type', () => {
    ({ store, cleanup } = make());
    store.transaction((tx) => tx.putResource(site('App1')));
    const got = store.getResource('/SUBSCRIPTIONS/s/resourcegroups/RG/providers/microsoft.web/sites/app1');
    expect(got?.name).toBe('App1');
    expect(store.listResources({ type: 'microsoft.web/SITES' }).map((r) => r.name)).toEqual(['App1']);
    expect(store.listResources({ type: 'Microsoft.Web/sites/config' })).toEqual([]);
  });

  it('keeps nothing from a transaction that throws and tells listeners nothing', () => {
    ({ store, cleanup } = make());
    store.transaction((tx) => tx.putResource(site('a')));
    const seen: Change[][] = [];
    store.onChange((c) => seen.push(c));
    expect(() =>
      store.transaction((tx) => {
        tx.putResource(site('b'));
        tx.deleteResource(site('a').id);
        expect(tx.getResource(site('b').id)?.name).toBe('b');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.listResources().map((r) => r.name)).toEqual(['a']);
    expect(seen).toEqual([]);
  });

  it('reports committed changes once, after the commit', () => {
    ({ store, cleanup } = make());
    const seen: Change[][] = [];
    store.onChange((c) => seen.push(c));
    store.transaction((tx) => {
      tx.putResource(site('a'));
      tx.putDirectoryObject({ kind: 'application', objectId: 'o1', appId: 'APP-1', displayName: 'x', tenantId: 't' });
    });
    expect(seen).toEqual([
      [
        { kind: 'resource', op: 'put', id: site('a').id, type: 'Microsoft.Web/sites' },
        { kind: 'directory', op: 'put', id: 'o1', type: 'application' },
      ],
    ]);
    expect(store.findDirectoryObjectByAppId('app-1')?.objectId).toBe('o1');
  });

  it('refuses writes outside a transaction', () => {
    ({ store, cleanup } = make());
    let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    store.transaction((tx) => {
      leaked = tx;
    });
    expect(() => leaked!.putResource(site('x'))).toThrow(expect.objectContaining({ code: 'ERR_STATE_NO_TRANSACTION' }));
  });
});

describe('store persistence', () => {
  it('survives a reopen of the same folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trustline-state-'));
    try {
      const a = openStore({ dir });
      a.transaction((tx) => tx.putResource(site('kept')));
      a.setMeta('tenantId', 't1');
      a.close();
      const b = openStore({ dir });
      expect(b.getResource(site('kept').id)?.properties).toEqual({ defaultHostName: 'kept.azurewebsites.net' });
      expect(b.getMeta('tenantId')).toBe('t1');
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
