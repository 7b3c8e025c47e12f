import type { IdGenerator } from '../../core/index.js';

function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.from(uuid, 'utf8');
}

/**
 * The opaque claims Entra puts in every token: `aio` (internal data), `uti` (token id, like `jti`),
 * and `rh` (refresh handle: `0.` + base64url of tenant and resource ids + `.`). Values come from the
 * injected id generator, so tests can fix them.
 */
export function opaqueClaims(ids: IdGenerator, tenantId: string, resourceAppId: string): { aio: string; uti: string; rh: string } {
  return {
    aio: Buffer.concat([uuidBytes(ids.uuid()), uuidBytes(ids.uuid())]).toString('base64url'),
    uti: uuidBytes(ids.uuid()).toString('base64url'),
    rh: `0.${Buffer.concat([uuidBytes(tenantId), uuidBytes(resourceAppId)]).toString('base64url')}.`,
  };
}
