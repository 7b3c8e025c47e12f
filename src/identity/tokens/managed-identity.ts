import type { Clock, IdGenerator, Logger } from '../../core/index.js';
import { nowSeconds } from '../../core/index.js';
import type { Store } from '../../state/index.js';
import type { SigningKey } from '../keys/signing-key.js';
import { buildAppToken } from './claims.js';
import { signJwt } from './jwt.js';
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
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  tenantId: string;
  key: SigningKey;
  lifetimeSeconds: number;
  /**
   * How long an issued token is handed out again for the same identity + resource (the Azure MI
   * back end caches tokens too, ≈8 h). Default: a third of the lifetime, at most 8 h. 0 disables.
   * Any directory change empties the cache.
   */
  cacheSeconds?: number;
}

export interface ManagedIdentityIssuer {
  issue(req: ManagedIdentityTokenRequest): IssuedManagedIdentityToken;
  clearCache(): void;
}

const MAX_CACHE_ENTRIES = 10_000;

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.from(uuid, 'utf8');
}

export function createManagedIdentityIssuer(o: ManagedIdentityIssuerOptions): ManagedIdentityIssuer {
  const cacheSeconds = o.cacheSeconds ?? Math.min(Math.floor(o.lifetimeSeconds / 3), 8 * 3600);
  const cache = new Map<string, { token: IssuedManagedIdentityToken; issuedAt: number }>();
  const log = o.logger;

  function mint(req: ManagedIdentityTokenRequest, now: number): IssuedManagedIdentityToken {
    const mi = selectManagedIdentity(o.store, req);
    const resource = resolveResource(o.store, req.resource, o.tenantId);
    const key = `${mi.objectId}\n${req.resource}`;
    const hit = cache.get(key);
    if (hit && now < hit.issuedAt + cacheSeconds && now < hit.token.exp - 300) return hit.token;
    const { header, claims } = buildAppToken({
      tenantId: o.tenantId,
      resource,
      clientAppId: mi.appId,
      principalObjectId: mi.objectId,
      authMethod: '2',
      nowSeconds: now,
      lifetimeSeconds: o.lifetimeSeconds,
      ...(mi.resourceId ? { managedIdentityResourceId: mi.resourceId } : {}),
      opaque: {
        aio: Buffer.concat([uuidBytes(o.ids.uuid()), uuidBytes(o.ids.uuid())]).toString('base64url'),
        uti: uuidBytes(o.ids.uuid()).toString('base64url'),
        rh: `0.${Buffer.concat([uuidBytes(o.tenantId), uuidBytes(resource.application?.appId ?? mi.appId)]).toString('base64url')}.`,
      },
      kid: o.key.kid,
    });
    const token: IssuedManagedIdentityToken = {
      accessToken: signJwt(header, claims, o.key.privateKey),
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
    issue: (req) => mint(req, nowSeconds(o.clock)),
    clearCache: () => cache.clear(),
  };
}
