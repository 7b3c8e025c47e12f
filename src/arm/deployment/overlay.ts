import type { DirectoryObject, ResourceRecord, Store, StoreTransaction } from '../../state/index.js';

const clone = <T>(v: T): T => structuredClone(v);

/**
 * A deep copy the state store can serialize: 64-bit integers beyond 2^53 (bigint in the evaluator)
 * become the nearest double (docs/differences.md: expressions and `expand` keep them exact).
 */
export function storable<T>(v: T): T {
  if (typeof v === 'bigint') return Number(v) as T;
  if (Array.isArray(v)) return v.map(storable) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') Object.defineProperty(out, k, { value: storable(x), enumerable: true, writable: true, configurable: true });
      else out[k] = storable(x);
    }
    return out as T;
  }
  return v;
}

/**
 * Uncommitted writes of one deployment, layered over the store. Reads see the overlay first;
 * `commit` replays the final state in ONE store transaction.
 */
export class Overlay implements StoreTransaction {
  readonly #store: Store;
  readonly #resources = new Map<string, ResourceRecord | null>();
  readonly #directory = new Map<string, DirectoryObject | null>();
  readonly #meta = new Map<string, string>();

  constructor(store: Store) {
    this.#store = store;
  }

  getResource(id: string): ResourceRecord | undefined {
    const key = id.toLowerCase();
    if (this.#resources.has(key)) {
      const r = this.#resources.get(key);
      return r ? clone(r) : undefined;
    }
    return this.#store.getResource(id);
  }

  putResource(resource: ResourceRecord): void {
    this.#resources.set(resource.id.toLowerCase(), storable(resource));
  }

  deleteResource(id: string): void {
    this.#resources.set(id.toLowerCase(), null);
  }

  listResources(filter?: { type?: string; idPrefix?: string }): ResourceRecord[] {
    const out = new Map<string, ResourceRecord>();
    for (const r of this.#store.listResources()) out.set(r.id.toLowerCase(), r);
    for (const [k, r] of this.#resources) {
      if (r) out.set(k, clone(r));
      else out.delete(k);
    }
    const type = filter?.type?.toLowerCase();
    const prefix = filter?.idPrefix?.toLowerCase();
    return [...out.values()].filter((r) => (!type || r.type.toLowerCase() === type) && (!prefix || r.id.toLowerCase().startsWith(prefix)));
  }

  getDirectoryObject(objectId: string): DirectoryObject | undefined {
    if (this.#directory.has(objectId)) {
      const d = this.#directory.get(objectId);
      return d ? clone(d) : undefined;
    }
    return this.#store.getDirectoryObject(objectId);
  }

  findDirectoryObjectByAppId(appId: string): DirectoryObject | undefined {
    const lower = appId.toLowerCase();
    return this.listDirectoryObjects().find((d) => d.appId.toLowerCase() === lower);
  }

  putDirectoryObject(obj: DirectoryObject): void {
    this.#directory.set(obj.objectId, clone(obj));
  }

  deleteDirectoryObject(objectId: string): void {
    this.#directory.set(objectId, null);
  }

  listDirectoryObjects(): DirectoryObject[] {
    const out = new Map<string, DirectoryObject>();
    for (const d of this.#store.listDirectoryObjects()) out.set(d.objectId, d);
    for (const [k, d] of this.#directory) {
      if (d) out.set(k, clone(d));
      else out.delete(k);
    }
    return [...out.values()];
  }

  setMeta(key: string, value: string): void {
    this.#meta.set(key, value);
  }

  /** The overlay as it is now, for `restore` (what a refused resource's provider wrote is taken back). */
  mark(): OverlayMark {
    return { resources: new Map(this.#resources), directory: new Map(this.#directory), meta: new Map(this.#meta) };
  }

  /** Back to a `mark`: every write since is forgotten (the values kept are never changed in place). */
  restore(mark: OverlayMark): void {
    for (const [from, to] of [
      [mark.resources, this.#resources],
      [mark.directory, this.#directory],
      [mark.meta, this.#meta],
    ] as Array<[Map<string, unknown>, Map<string, unknown>]>) {
      to.clear();
      for (const [k, v] of from) to.set(k, v);
    }
  }

  /** What this overlay would write (structured-clonable, for a deployment run on a worker thread). */
  changes(): ChangeSet {
    return {
      resources: [...this.#resources].map(([key, record]) => ({ key, record })),
      directory: [...this.#directory].map(([objectId, object]) => ({ objectId, object })),
      meta: [...this.#meta],
    };
  }

  /** Write everything in one transaction (all or nothing). */
  commit(): void {
    applyChanges(this.#store, this.changes());
  }
}

export interface OverlayMark {
  readonly resources: ReadonlyMap<string, ResourceRecord | null>;
  readonly directory: ReadonlyMap<string, DirectoryObject | null>;
  readonly meta: ReadonlyMap<string, string>;
}

export interface ChangeSet {
  resources: Array<{ key: string; record: ResourceRecord | null }>;
  directory: Array<{ objectId: string; object: DirectoryObject | null }>;
  meta: Array<[string, string]>;
}

/** Replay a change set in ONE store transaction. */
export function applyChanges(store: Store, changes: ChangeSet): void {
  store.transaction((tx) => {
    for (const { key, record } of changes.resources) {
      if (record) tx.putResource(record);
      else if (tx.getResource(key)) tx.deleteResource(tx.getResource(key)!.id);
    }
    for (const { objectId, object } of changes.directory) {
      if (object) tx.putDirectoryObject(object);
      else if (tx.getDirectoryObject(objectId)) tx.deleteDirectoryObject(objectId);
    }
    for (const [k, v] of changes.meta) tx.setMeta(k, v);
  });
}
