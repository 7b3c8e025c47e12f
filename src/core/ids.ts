import { randomFillSync, randomUUID, createHash } from 'node:crypto';

/** Id generator, injectable so that tests can make ids predictable. */
export interface IdGenerator {
  uuid(): string;
  /** `n` random bytes (opaque token values); without it, callers derive them from `uuid()` (predictable in tests). */
  randomBytes?(n: number): Buffer;
}

// Random bytes are taken from a pool filled 4 KB at a time (one call into the CSPRNG per ~85 tokens), as
// randomUUID() does: a call per token cost more than the three uuids it replaces.
let pool = Buffer.alloc(0);
let poolAt = 0;
function pooledRandomBytes(n: number): Buffer {
  if (n > 1024) return randomFillSync(Buffer.alloc(n));
  if (poolAt + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(4096));
    poolAt = 0;
  }
  const out = Buffer.from(pool.subarray(poolAt, poolAt + n));
  pool.fill(0, poolAt, poolAt + n);
  poolAt += n;
  return out;
}

export const randomIds: IdGenerator = { uuid: () => randomUUID(), randomBytes: pooledRandomBytes };

/** Predictable ids for tests: 00000000-0000-4000-8000-00000000000N. */
export function sequentialIds(prefix = '00000000'): IdGenerator {
  let n = 0;
  return {
    uuid: () => {
      n += 1;
      return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
    },
  };
}

/** RFC 4122 v5 UUID (SHA-1) of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
