import { openStore, type Store } from '../../state/index.js';

/**
 * An in-memory copy of the store's resources and directory objects: validate and what-if evaluate a
 * deployment into it, so the twin itself is never touched. The caller closes it.
 */
export function scratchCopy(store: Store): Store {
  const scratch = openStore({ inMemory: true });
  scratch.transaction((tx) => {
    for (const r of store.listResources()) tx.putResource(r);
    for (const d of store.listDirectoryObjects()) tx.putDirectoryObject(d);
  });
  return scratch;
}
