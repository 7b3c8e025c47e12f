import type { IdGenerator } from '../../core/index.js';

/** The 16 bytes of a GUID (anything else: its UTF-8 bytes). */
function uuidBytes(uuid: string): Buffer {
  if (uuid.length === 36) {
    const b = Buffer.from(uuid.slice(0, 8) + uuid.slice(9, 13) + uuid.slice(14, 18) + uuid.slice(19, 23) + uuid.slice(24), 'hex');
    // Buffer.from(…, 'hex') stops at the first non-hex character: 16 bytes means all 32 were hex digits.
    if (b.length === 16 && uuid[8] === '-' && uuid[13] === '-' && uuid[18] === '-' && uuid[23] === '-') return b;
  }
  return Buffer.from(uuid, 'utf8');
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
