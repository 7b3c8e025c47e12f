import { TwinError, describeError, isTwinError } from '../core/index.js';
import type { DirectoryObject, ResourceRecord, Store } from '../state/index.js';
import type { ReconcileFailure } from './reconciler.js';

export interface StateImage {
  resources: ResourceRecord[];
  directory: DirectoryObject[];
}

/** The store's resources and directory objects, to go back to when a deployment cannot be served. */
export function captureState(store: Store): StateImage {
  return { resources: store.listResources(), directory: store.listDirectoryObjects() };
}

/** Put the store back as `image` was, in one transaction (what the deployment added is removed). */
export function restoreState(store: Store, image: StateImage): void {
  const keepIds = new Set(image.resources.map((r) => r.id.toLowerCase()));
  const keepObjects = new Set(image.directory.map((d) => d.objectId.toLowerCase()));
  store.transaction((tx) => {
    for (const r of tx.listResources()) if (!keepIds.has(r.id.toLowerCase())) tx.deleteResource(r.id);
    for (const d of tx.listDirectoryObjects()) if (!keepObjects.has(d.objectId.toLowerCase())) tx.deleteDirectoryObject(d.objectId);
    for (const r of image.resources) tx.putResource(r);
    for (const d of image.directory) tx.putDirectoryObject(d);
  });
}

/**
 * A deployment the runtime could not serve (e.g. an APIM service whose policies do not compile): the deployment
 * fails with the resource and the cause, instead of deploying cleanly and answering 503 (docs/behaviour/arm-rest.md).
 */
export function reconcileError(failures: ReconcileFailure[]): TwinError {
  const first = failures[0]!;
  const cause = isTwinError(first.error) ? `${first.error.code}: ${first.error.message}` : describeError(first.error);
  const what = first.resourceId ? `The resource '${first.resourceId}'` : 'The deployment';
  return new TwinError('ERR_RUNTIME_RECONCILE', `${what} cannot be served by the twin: ${cause}`, {
    cause: first.error,
    details: { ...(first.resourceId ? { resourceId: first.resourceId } : {}), failures: failures.length },
  });
}
