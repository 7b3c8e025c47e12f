import type { Change, DirectoryObject, ResourceRecord, Store, StoreTransaction } from '../../state/index.js';

/** The store's content as plain data (what a worker-thread deployment reads). */
export interface StoreSnapshot {
  resources: ResourceRecord[];
  directory: DirectoryObject[];
}

export function takeSnapshot(store: Store): StoreSnapshot {
  return { resources: store.listResources(), directory: store.listDirectoryObjects() };
}

/**
 * A read-only Store over a snapshot, for a deployment evaluated on a worker thread: its writes go to
 * the deployment's overlay and come back to the main thread as a change set.
 */
export class SnapshotStore implements Store {
  readonly #resources = new Map<string, ResourceRecord>();
  readonly #directory = new Map<string, DirectoryObject>();

  constructor(snapshot: StoreSnapshot) {
    for (const r of snapshot.resources) this.#resources.set(r.id.toLowerCase(), r);
    for (const d of snapshot.directory) this.#directory.set(d.objectId, d);
  }

  getResource(id: string): ResourceRecord | undefined {
    const r = this.#resources.get(id.toLowerCase());
    return r ? structuredClone(r) : undefined;
  }

  listResources(filter?: { type?: string; idPrefix?: string }): ResourceRecord[] {
    const type = filter?.type?.toLowerCase();
    const prefix = filter?.idPrefix?.toLowerCase();
    return [...this.#resources.values()]
      .filter((r) => (!type || r.type.toLowerCase() === type) && (!prefix || r.id.toLowerCase().startsWith(prefix)))
      .map((r) => structuredClone(r));
  }

  getDirectoryObject(objectId: string): DirectoryObject | undefined {
    const d = this.#directory.get(objectId);
    return d ? structuredClone(d) : undefined;
  }

  findDirectoryObjectByAppId(appId: string): DirectoryObject | undefined {
    const lower = appId.toLowerCase();
    const d = [...this.#directory.values()].find((x) => x.appId.toLowerCase() === lower);
    return d ? structuredClone(d) : undefined;
  }

  listDirectoryObjects(): DirectoryObject[] {
    return [...this.#directory.values()].map((d) => structuredClone(d));
  }

  getMeta(): string | undefined {
    return undefined;
  }

  setMeta(): void {
    throw new TypeError('a snapshot store is read-only');
  }

  transaction<T>(_fn: (tx: StoreTransaction) => T): T {
    throw new TypeError('a snapshot store is read-only');
  }

  onChange(_listener: (changes: Change[]) => void): () => void {
    return () => undefined;
  }

  close(): void {}
}
