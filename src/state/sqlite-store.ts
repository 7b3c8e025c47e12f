import Database from 'better-sqlite3';
import { join } from 'node:path';
import { TwinError, type Logger } from '../core/index.js';
import { ensurePrivateDir, ensurePrivateFile, tightenPrivateFile } from './private-files.js';
import type { Change, DirectoryObject, ResourceRecord, Store, StoreTransaction } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (id_key TEXT PRIMARY KEY, type_key TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS resources_type ON resources(type_key);
CREATE TABLE IF NOT EXISTS directory (object_id TEXT PRIMARY KEY, app_id_key TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS directory_app ON directory(app_id_key);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface OpenStoreOptions {
  /** State folder; the database is `<dir>/state.db`. */
  dir?: string;
  /** Keep everything in memory (SQLite `:memory:`): same engine, nothing on disk. */
  inMemory?: boolean;
  /** Where warnings go (a looser folder or file mode tightened). */
  logger?: Logger;
}

const key = (s: string) => s.toLowerCase();

/**
 * The resource store on SQLite (a file under the state folder, or `:memory:`).
 * ARM ids and types are case-insensitive: they are indexed lower-cased and stored as given.
 */
export function openStore(options: OpenStoreOptions = {}): Store {
  let file = ':memory:';
  if (!options.inMemory) {
    if (!options.dir) throw new TwinError('ERR_STATE_NO_DIR', 'A state folder is needed unless the store is in memory');
    // The database holds the token-signing private key: 0600 in a 0700 folder. SQLite gives its -wal and
    // -shm files the database file's mode; files left by older versions are tightened as well.
    ensurePrivateDir(options.dir, options.logger);
    file = join(options.dir, 'state.db');
    ensurePrivateFile(file, options.logger);
    for (const f of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) tightenPrivateFile(f, options.logger);
  }
  const db = new Database(file);
  if (!options.inMemory) db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  if (!options.inMemory) for (const f of [`${file}-wal`, `${file}-shm`]) tightenPrivateFile(f, options.logger);

  const q = {
    getRes: db.prepare<[string], { body: string }>('SELECT body FROM resources WHERE id_key = ?'),
    putRes: db.prepare('INSERT OR REPLACE INTO resources (id_key, type_key, body) VALUES (?, ?, ?)'),
    delRes: db.prepare('DELETE FROM resources WHERE id_key = ?'),
    allRes: db.prepare<[], { body: string }>('SELECT body FROM resources ORDER BY id_key'),
    resByType: db.prepare<[string], { body: string }>('SELECT body FROM resources WHERE type_key = ? ORDER BY id_key'),
    getDir: db.prepare<[string], { body: string }>('SELECT body FROM directory WHERE object_id = ?'),
    dirByApp: db.prepare<[string], { body: string }>('SELECT body FROM directory WHERE app_id_key = ? ORDER BY object_id LIMIT 1'),
    putDir: db.prepare('INSERT OR REPLACE INTO directory (object_id, app_id_key, body) VALUES (?, ?, ?)'),
    delDir: db.prepare('DELETE FROM directory WHERE object_id = ?'),
    allDir: db.prepare<[], { body: string }>('SELECT body FROM directory ORDER BY object_id'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };

  const listeners = new Set<(changes: Change[]) => void>();
  let pending: Change[] | undefined;
  let closed = false;

  const getResource = (id: string): ResourceRecord | undefined => {
    const row = q.getRes.get(key(id));
    return row ? (JSON.parse(row.body) as ResourceRecord) : undefined;
  };
  const listResources = (filter: { type?: string; idPrefix?: string } = {}): ResourceRecord[] => {
    const rows = filter.type ? q.resByType.all(key(filter.type)) : q.allRes.all();
    const out = rows.map((r) => JSON.parse(r.body) as ResourceRecord);
    if (!filter.idPrefix) return out;
    const prefix = key(filter.idPrefix);
    return out.filter((r) => key(r.id).startsWith(prefix));
  };
  const getDirectoryObject = (objectId: string): DirectoryObject | undefined => {
    const row = q.getDir.get(key(objectId));
    return row ? (JSON.parse(row.body) as DirectoryObject) : undefined;
  };
  const findDirectoryObjectByAppId = (appId: string): DirectoryObject | undefined => {
    const row = q.dirByApp.get(key(appId));
    return row ? (JSON.parse(row.body) as DirectoryObject) : undefined;
  };
  const listDirectoryObjects = () => q.allDir.all().map((r) => JSON.parse(r.body) as DirectoryObject);

  const record = (c: Change) => {
    if (!pending) throw new TwinError('ERR_STATE_NO_TRANSACTION', 'Writes must happen inside store.transaction()');
    pending.push(c);
  };

  const tx: StoreTransaction = {
    getResource,
    listResources,
    getDirectoryObject,
    findDirectoryObjectByAppId,
    listDirectoryObjects,
    putResource(resource) {
      if (!resource.id || !resource.type) throw new TwinError('ERR_STATE_INVALID', 'A resource needs an id and a type');
      q.putRes.run(key(resource.id), key(resource.type), JSON.stringify(resource));
      record({ kind: 'resource', op: 'put', id: resource.id, type: resource.type });
    },
    deleteResource(id) {
      const existing = getResource(id);
      if (!existing) return;
      q.delRes.run(key(id));
      record({ kind: 'resource', op: 'delete', id: existing.id, type: existing.type });
    },
    putDirectoryObject(obj) {
      q.putDir.run(key(obj.objectId), key(obj.appId), JSON.stringify(obj));
      record({ kind: 'directory', op: 'put', id: obj.objectId, type: obj.kind });
    },
    deleteDirectoryObject(objectId) {
      const existing = getDirectoryObject(objectId);
      if (!existing) return;
      q.delDir.run(key(objectId));
      record({ kind: 'directory', op: 'delete', id: objectId, type: existing.kind });
    },
    setMeta(k, v) {
      q.putMeta.run(k, v);
    },
  };

  return {
    getResource,
    listResources,
    getDirectoryObject,
    findDirectoryObjectByAppId,
    listDirectoryObjects,
    getMeta: (k) => q.getMeta.get(k)?.value,
    setMeta: (k, v) => {
      q.putMeta.run(k, v);
    },
    transaction<T>(fn: (t: StoreTransaction) => T): T {
      if (closed) throw new TwinError('ERR_STATE_CLOSED', 'The store is closed');
      if (pending) throw new TwinError('ERR_STATE_NESTED_TRANSACTION', 'Transactions do not nest');
      pending = [];
      let result: T;
      let changes: Change[];
      try {
        result = db.transaction(() => fn(tx))();
        changes = pending;
      } finally {
        pending = undefined;
      }
      if (changes.length > 0) for (const l of listeners) l(changes);
      return result;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
