import type { Change, DirectoryObject, ResourceRecord, Store, StoreTransaction } from '../../../src/state/types.js';

/** A tiny in-memory Store for identity tests (directory objects + resources, no persistence). */
export function createFakeStore(initial: { directory?: DirectoryObject[]; resources?: ResourceRecord[] } = {}): Store {
  const resources = new Map<string, ResourceRecord>();
  const directory = new Map<string, DirectoryObject>();
  const meta = new Map<string, string>();
  const listeners = new Set<(changes: Change[]) => void>();
  for (const r of initial.resources ?? []) resources.set(r.id.toLowerCase(), r);
  for (const d of initial.directory ?? []) directory.set(d.objectId.toLowerCase(), d);

  const listResources = (filter?: { type?: string; idPrefix?: string }): ResourceRecord[] =>
    [...resources.values()].filter(
      (r) =>
        (!filter?.type || r.type.toLowerCase() === filter.type.toLowerCase()) &&
        (!filter?.idPrefix || r.id.toLowerCase().startsWith(filter.idPrefix.toLowerCase())),
    );
  const findByAppId = (appId: string): DirectoryObject | undefined =>
    [...directory.values()].find((d) => d.appId.toLowerCase() === appId.toLowerCase());

  return {
    getResource: (id) => resources.get(id.toLowerCase()),
    listResources,
    getDirectoryObject: (id) => directory.get(id.toLowerCase()),
    findDirectoryObjectByAppId: findByAppId,
    listDirectoryObjects: () => [...directory.values()],
    getMeta: (k) => meta.get(k),
    setMeta: (k, v) => void meta.set(k, v),
    transaction<T>(fn: (tx: StoreTransaction) => T): T {
      const changes: Change[] = [];
      const r2 = new Map(resources);
      const d2 = new Map(directory);
      const tx: StoreTransaction = {
        getResource: (id) => r2.get(id.toLowerCase()),
        putResource: (r) => {
          r2.set(r.id.toLowerCase(), r);
          changes.push({ kind: 'resource', op: 'put', id: r.id, type: r.type });
        },
        deleteResource: (id) => {
          r2.delete(id.toLowerCase());
          changes.push({ kind: 'resource', op: 'delete', id });
        },
        listResources: () => [...r2.values()],
        getDirectoryObject: (id) => d2.get(id.toLowerCase()),
        findDirectoryObjectByAppId: (appId) => [...d2.values()].find((d) => d.appId.toLowerCase() === appId.toLowerCase()),
        putDirectoryObject: (o) => {
          d2.set(o.objectId.toLowerCase(), o);
          changes.push({ kind: 'directory', op: 'put', id: o.objectId });
        },
        deleteDirectoryObject: (id) => {
          d2.delete(id.toLowerCase());
          changes.push({ kind: 'directory', op: 'delete', id });
        },
        listDirectoryObjects: () => [...d2.values()],
        setMeta: (k, v) => void meta.set(k, v),
      };
      const result = fn(tx);
      resources.clear();
      for (const [k, v] of r2) resources.set(k, v);
      directory.clear();
      for (const [k, v] of d2) directory.set(k, v);
      if (changes.length > 0) for (const l of listeners) l(changes);
      return result;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    close: () => undefined,
  };
}
