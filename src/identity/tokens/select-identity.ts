import type { DirectoryObject } from '../../state/index.js';
import { identityError } from '../errors.js';

/**
 * Which managed identity a token request is for. `clientId` / `objectId` / `miResId` pick a
 * (normally user-assigned) identity; at most one may be given. Without one, the request is for the
 * caller's system-assigned identity.
 *
 * In Azure the MI endpoint is per App Service / APIM instance, so "system-assigned" needs no name.
 * The twin serves every resource from one endpoint, so the caller says whose identity it is:
 * `ownerResourceId` (HTTP: twin-only header `X-Trustline-Identity-Owner: <ARM resource id>`), or,
 * when the directory holds exactly one system-assigned managed identity, that one is used.
 */
export interface ManagedIdentitySelector {
  clientId?: string | undefined;
  objectId?: string | undefined;
  miResId?: string | undefined;
  ownerResourceId?: string | undefined;
}

const USER_ASSIGNED_MARKER = '/providers/microsoft.managedidentity/userassignedidentities/';

function sameId(a: string | undefined, b: string): boolean {
  return a !== undefined && a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

export function isSystemAssigned(mi: DirectoryObject): boolean {
  return !(mi.resourceId ?? '').toLowerCase().includes(USER_ASSIGNED_MARKER);
}


/** The managed identity a request names; throws ERR_IDENTITY_SELECTOR_CONFLICT / _MI_NOT_FOUND / _MI_AMBIGUOUS. */
export function selectManagedIdentity(all: readonly DirectoryObject[], sel: ManagedIdentitySelector, options: { singleUserAssignedDefault?: boolean } = {}): DirectoryObject {
  const given = (['clientId', 'objectId', 'miResId'] as const).filter((k) => sel[k] !== undefined && sel[k] !== '');
  if (given.length > 1) {
    throw identityError('ERR_IDENTITY_SELECTOR_CONFLICT', `Only one of client_id, object_id/principal_id or mi_res_id may be given (got ${given.join(', ')}).`);
  }
  const selector = given[0];
  if (selector !== undefined) {
    const value = sel[selector]!;
    const found = all.find((mi) =>
      selector === 'clientId' ? sameId(mi.appId, value) : selector === 'objectId' ? sameId(mi.objectId, value) : sameId(mi.resourceId, value),
    );
    if (!found) {
      throw identityError('ERR_IDENTITY_MI_NOT_FOUND', `No managed identity with ${selector} ${value} in the directory.`, { selector, value });
    }
    return found;
  }
  const systemAssigned = all.filter(isSystemAssigned);
  if (sel.ownerResourceId !== undefined && sel.ownerResourceId !== '') {
    const owned = systemAssigned.find((mi) => sameId(mi.resourceId, sel.ownerResourceId!));
    if (!owned) {
      throw identityError('ERR_IDENTITY_MI_NOT_FOUND', `The resource ${sel.ownerResourceId} has no system-assigned managed identity in the directory.`, {
        ownerResourceId: sel.ownerResourceId,
      });
    }
    return owned;
  }
  if (systemAssigned.length === 1) return systemAssigned[0]!;
  // IMDS on a VM: with no system-assigned identity and exactly one user-assigned, that one answers
  // (Microsoft's VM token how-to: "If the VM has only one user-assigned identity … it's used by default").
  if (systemAssigned.length === 0 && options.singleUserAssignedDefault && all.length === 1) return all[0]!;
  if (systemAssigned.length === 0) {
    throw identityError('ERR_IDENTITY_MI_NOT_FOUND', 'The directory holds no system-assigned managed identity.');
  }
  const candidates = managedIdentityCandidates(systemAssigned);
  throw identityError(
    'ERR_IDENTITY_MI_AMBIGUOUS',
    `The directory holds ${systemAssigned.length} system-assigned managed identities: ${candidates.map((c) => `${c.name} (client id ${c.clientId})`).join(', ')}; ` +
      'name one with client_id, or the owner with the X-Trustline-Identity-Owner header (ARM resource id).',
    { count: systemAssigned.length, candidates },
  );
}

/** A managed identity as a refusal lists it for the caller to pick: its resource's name, client id and resource id. */
export interface ManagedIdentityCandidate {
  name: string;
  clientId: string;
  resourceId?: string;
}

/** The identities a selector could have named, by name then client id (the order a refusal lists them in). */
export function managedIdentityCandidates(identities: readonly DirectoryObject[]): ManagedIdentityCandidate[] {
  return identities
    .map((mi) => ({ name: mi.displayName, clientId: mi.appId, ...(mi.resourceId ? { resourceId: mi.resourceId } : {}) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId));
}
