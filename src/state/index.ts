export { openStore } from './sqlite-store.js';
export type { OpenStoreOptions } from './sqlite-store.js';
export type {
  Store,
  StoreTransaction,
  ResourceRecord,
  DirectoryObject,
  DirectoryObjectKind,
  ManagedServiceIdentity,
  Change,
} from './types.js';
