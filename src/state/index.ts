export { openStore } from './sqlite-store.js';
export type { OpenStoreOptions } from './sqlite-store.js';
export { ensurePrivateDir, ensurePrivateFile, tightenPrivateFile, writePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';
export type {
  Store,
  StoreTransaction,
  ResourceRecord,
  DirectoryObject,
  DirectoryObjectKind,
  HashedSecret,
  CertificateCredential,
  FederatedIdentityCredential,
  ManagedServiceIdentity,
  Change,
} from './types.js';
