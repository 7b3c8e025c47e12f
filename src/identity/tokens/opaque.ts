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

/** `rh`'s body per tenant and resource app: the same for every token of the pair (bounded). */
const refreshHandles = new Map<string, string>();

function refreshHandle(tenantId: string, resourceAppId: string): string {
  const key = `${tenantId}|${resourceAppId}`;
  let rh = refreshHandles.get(key);
  if (rh === undefined) {
    if (refreshHandles.size >= 1024) refreshHandles.clear();
    refreshHandles.set(key, (rh = `0.${Buffer.concat([uuidBytes(tenantId), uuidBytes(resourceAppId)]).toString('base64url')}.`));
  }
  return rh;
}

/**
 * The opaque claims Entra puts in every token: `aio` (internal data), `uti` (token id, like `jti`),
 * and `rh` (refresh handle: `0.` + base64url of tenant and resource ids + `.`). `aio` and `uti` are 32 and 16
 * random bytes from the injected id generator (from its `uuid()`s when it has no `randomBytes`, so that tests can
 * fix them): new for every token.
 */
export function opaqueClaims(ids: IdGenerator, tenantId: string, resourceAppId: string): { aio: string; uti: string; rh: string } {
  if (ids.randomBytes) {
    const b = ids.randomBytes(48);
    return { aio: b.toString('base64url', 0, 32), uti: b.toString('base64url', 32, 48), rh: refreshHandle(tenantId, resourceAppId) };
  }
  return {
    aio: Buffer.concat([uuidBytes(ids.uuid()), uuidBytes(ids.uuid())]).toString('base64url'),
    uti: uuidBytes(ids.uuid()).toString('base64url'),
    rh: refreshHandle(tenantId, resourceAppId),
  };
}
