import type { Clock, IdGenerator, Logger } from '../../core/index.js';
import { nowSeconds } from '../../core/index.js';
import type { DirectoryObject } from '../../state/index.js';
import type { DirectoryIndex } from '../directory/directory-index.js';
import type { KeyRing } from '../keys/key-ring.js';
import { buildAppToken } from './claims.js';
import { roleAndGroupClaims } from './app-token-issuer.js';
import { opaqueClaims } from './opaque.js';
import { resolveResource } from './resource-resolver.js';
import { selectManagedIdentity, type ManagedIdentitySelector } from './select-identity.js';

export interface ManagedIdentityTokenRequest extends ManagedIdentitySelector {
  /** Resource (v1 `resource` parameter), echoed as given. */
  resource: string;
}

export interface IssuedManagedIdentityToken {
  accessToken: string;
  /** The resource exactly as requested. */
  resource: string;
  /** The identity's client (app) id. */
  clientId: string;
  objectId: string;
  version: 1 | 2;
  /** Epoch seconds. */
  nbf: number;
  exp: number;
}

export interface ManagedIdentityIssuerOptions {
  directory: DirectoryIndex;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  tenantId: string;
  keys: KeyRing;
  lifetimeSeconds: number;
  /**
   * How long an issued token is handed out again for the same identity + resource (the Azure MI
   * back end caches tokens too, ≈8 h). Default: a third of the lifetime, at most 8 h. 0 disables.
   * Any directory change or key rotation empties the cache.
   */
  cacheSeconds?: number;
}

export interface ManagedIdentityIssuer {
  /** `eligible` narrows the identities this endpoint may hand out (IMDS: only the ones attached to it). */
  issue(req: ManagedIdentityTokenRequest, eligible?: (mi: DirectoryObject) => boolean): IssuedManagedIdentityToken;
  clearCache(): void;
}

const MAX_CACHE_ENTRIES = 10_000;

export function createManagedIdentityIssuer(o: ManagedIdentityIssuerOptions): ManagedIdentityIssuer {
  const cacheSeconds = o.cacheSeconds ?? Math.min(Math.floor(o.lifetimeSeconds / 3), 8 * 3600);
  const cache = new Map<string, { token: IssuedManagedIdentityToken; issuedAt: number }>();
  const log = o.logger;

  function mint(req: ManagedIdentityTokenRequest, now: number, eligible?: (mi: DirectoryObject) => boolean): IssuedManagedIdentityToken {
    const all = o.directory.managedIdentities();
    const mi = eligible ? selectManagedIdentity(all.filter(eligible), req, { singleUserAssignedDefault: true }) : selectManagedIdentity(all, req);
    const resource = resolveResource(o.directory, req.resource, o.tenantId);
    const key = `${mi.objectId}\n${req.resource}`;
    const hit = cache.get(key);
    if (hit && now < hit.issuedAt + cacheSeconds && now < hit.token.exp - 300) return hit.token;
    const signer = o.keys.current();
    const { header, claims } = buildAppToken({
      tenantId: o.tenantId,
      resource,
      clientAppId: mi.appId,
      principalObjectId: mi.objectId,
      authMethod: '2',
      nowSeconds: now,
      lifetimeSeconds: o.lifetimeSeconds,
      ...(mi.resourceId ? { managedIdentityResourceId: mi.resourceId } : {}),
      ...roleAndGroupClaims(o.directory, mi.objectId, resource.application, 'accessToken'),
      opaque: opaqueClaims(o.ids, o.tenantId, resource.application?.appId ?? mi.appId),
      kid: signer.kid,
    });
    const token: IssuedManagedIdentityToken = {
      accessToken: signer.sign(header, claims),
      resource: req.resource,
      clientId: mi.appId,
      objectId: mi.objectId,
      version: resource.version,
      nbf: claims.nbf as number,
      exp: claims.exp as number,
    };
    log.debug('issued managed identity token', { clientId: mi.appId, resource: req.resource, version: resource.version, exp: token.exp });
    if (cacheSeconds > 0) {
      if (cache.size >= MAX_CACHE_ENTRIES) cache.clear();
      cache.set(key, { token, issuedAt: now });
    }
    return token;
  }

  return {
    issue: (req, eligible) => mint(req, nowSeconds(o.clock), eligible),
    clearCache: () => cache.clear(),
  };
}
