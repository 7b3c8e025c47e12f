import { uuidV5 } from '../../core/index.js';

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const add = (a: number, b: number): number => (a + b) >>> 0;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = mul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function le32(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = count - 1; i >= 0; i--) v = (v * 256 + b[at + i]!) >>> 0;
  return v;
}

/** Microsoft ResourceStack MurmurHash64 (two 32-bit lanes), seed 0. */
export function murmurHash64(bytes: Uint8Array): bigint {
  const n = bytes.length;
  let h1 = 0;
  let h2 = 0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    let k1 = le32(bytes, i, 4);
    k1 = mul(rotl(mul(k1, C1), 15), C2);
    h1 = (h1 ^ k1) >>> 0;
    h1 = add(rotl(h1, 19), h2);
    h1 = add(mul(h1, 5), 0x561ccd1b);
    let k2 = le32(bytes, i + 4, 4);
    k2 = mul(rotl(mul(k2, C2), 17), C1);
    h2 = (h2 ^ k2) >>> 0;
    h2 = add(rotl(h2, 13), h1);
    h2 = add(mul(h2, 5), 0x0bcaa747);
  }
  const rem = n - i;
  if (rem > 0) {
    const k1 = mul(rotl(mul(le32(bytes, i, Math.min(rem, 4)), C1), 15), C2);
    h1 = (h1 ^ k1) >>> 0;
    if (rem > 4) {
      const k2 = mul(rotl(mul(le32(bytes, i + 4, rem - 4), C2), 17), C1);
      h2 = (h2 ^ k2) >>> 0;
    }
  }
  h1 = (h1 ^ n) >>> 0;
  h2 = (h2 ^ n) >>> 0;
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h1 = add(h1, h2);
  h2 = add(h2, h1);
  return (BigInt(h2) << 32n) | BigInt(h1);
}

/** ARM `uniqueString(a, b, …)`: 13 base32 characters of the hash of `args.join('-')`. */
export function uniqueString(parts: string[]): string {
  let h = murmurHash64(Buffer.from(parts.join('-'), 'utf8'));
  let out = '';
  for (let i = 0; i < 13; i++) {
    out += ALPHABET[Number(h >> 59n)];
    h = (h << 5n) & 0xffffffffffffffffn;
  }
  return out;
}

export const GUID_NAMESPACE = '11fb06fb-712d-4ddd-98c7-e71bbd588830';

/** ARM `guid(a, b, …)`: RFC 4122 v5 UUID of `args.join('-')`. */
export function armGuid(parts: string[]): string {
  return uuidV5(GUID_NAMESPACE, parts.join('-'));
}
