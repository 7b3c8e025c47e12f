/**
 * Reads a PKCS#12 (PFX) bundle the way `new X509Certificate2(byte[] rawData, string password)` does for a policy
 * expression: the certificates and the private keys it holds, after checking the integrity MAC with the password.
 * Node's crypto has no PKCS#12 reader that returns keys (its TLS stack opens a PFX only to present it), so this is a
 * small DER walker over RFC 7292 with the algorithms current tools write:
 * - PBES2 (RFC 8018) with PBKDF2 (HMAC-SHA1/256/384/512) and AES-128/192/256-CBC or 3DES-CBC: OpenSSL 3, .NET 5+;
 * - pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 key derivation): Windows, Key Vault and older OpenSSL keys;
 * - the MAC with SHA-1/256/384/512 (PKCS#12 key derivation).
 * RC2 (pbeWithSHAAnd40BitRC2-CBC, the legacy certificate encryption) is not in Node's default OpenSSL provider: such a
 * bundle is a CryptographicException naming the algorithm (docs/limits.md). Input is bounded by the expression's
 * size limits before it gets here; the walker checks every length against the buffer.
 */
import { createDecipheriv, createHash, createHmac, createPrivateKey, pbkdf2Sync, timingSafeEqual, type KeyObject } from 'node:crypto';

export class Pkcs12Error extends Error {}

/** One DER element: its tag, where it begins (`from`, at the tag), and its contents [start, end). */
interface Tlv { tag: number; from: number; start: number; end: number }

/** Reads one DER element at `pos` (definite lengths only, as DER requires). */
function read(buf: Buffer, pos: number): Tlv & { next: number } {
  if (pos + 2 > buf.length) throw new Pkcs12Error('truncated');
  const tag = buf[pos]!;
  let len = buf[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Pkcs12Error('unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new Pkcs12Error('truncated');
  return { tag, from: pos, start: p, end: p + len, next: p + len };
}

function children(buf: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.end;) { const c = read(buf, p); out.push(c); p = c.next; }
  return out;
}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) throw new Pkcs12Error(`expected tag ${tag.toString(16)}`);
  return t;
}

const bytes = (buf: Buffer, t: Tlv) => buf.subarray(t.start, t.end);

/** OCTET STRING contents, joining the segments of a constructed (BER) one. */
function octets(buf: Buffer, t: Tlv): Buffer {
  if (t.tag === 0x04) return bytes(buf, t);
  if (t.tag === 0x24) return Buffer.concat(children(buf, t).map((c) => octets(buf, c)));
  throw new Pkcs12Error('expected an OCTET STRING');
}

function oid(buf: Buffer, t: Tlv): string {
  const b = bytes(buf, expect(t, 0x06));
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) { v = v * 128 + (b[i]! & 0x7f); if (!(b[i]! & 0x80)) { parts.push(v); v = 0; } }
  return parts.join('.');
}

function int(buf: Buffer, t: Tlv): number {
  const b = bytes(buf, expect(t, 0x02));
  if (b.length > 6) throw new Pkcs12Error('integer too large');
  return b.reduce((a, x) => a * 256 + x, 0);
}

const OID = {
  data: '1.2.840.113549.1.7.1', encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1', shroudedKeyBag: '1.2.840.113549.1.12.10.1.2', certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1', pbes2: '1.2.840.113549.1.5.13', pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
};
const HMAC_PRF: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1', '1.2.840.113549.2.9': 'sha256', '1.2.840.113549.2.10': 'sha384', '1.2.840.113549.2.11': 'sha512',
};
const DIGESTS: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512',
};
const CIPHERS: Record<string, [string, number]> = {
  '2.16.840.1.101.3.4.1.2': ['aes-128-cbc', 16], '2.16.840.1.101.3.4.1.22': ['aes-192-cbc', 24], '2.16.840.1.101.3.4.1.42': ['aes-256-cbc', 32],
  '1.2.840.113549.3.7': ['des-ede3-cbc', 24],
};
const LEGACY_NAMES: Record<string, string> = {
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4', '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC', '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
};

/** RFC 7292 appendix B.2: the PKCS#12 key derivation (id 1 key, 2 IV, 3 MAC key). `password` is already BMP-encoded. */
function pkcs12Kdf(hash: string, password: Buffer, salt: Buffer, iterations: number, id: number, n: number): Buffer {
  const u = createHash(hash).digest().length;
  const v = hash === 'sha384' || hash === 'sha512' ? 128 : 64;
  const fill = (src: Buffer) => { const len = v * Math.ceil(src.length / v); const out = Buffer.alloc(len); for (let i = 0; i < len; i++) out[i] = src[i % src.length]!; return out; };
  const I = Buffer.concat([salt.length ? fill(salt) : Buffer.alloc(0), password.length ? fill(password) : Buffer.alloc(0)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let got = 0; got < n; got += u) {
    let A = createHash(hash).update(D).update(I).digest();
    for (let r = 1; r < iterations; r++) A = createHash(hash).update(A).digest();
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) { const s = I[j + k]! + B[k]! + carry; I[j + k] = s & 0xff; carry = s >> 8; }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

/** The password as PKCS#12 key derivation wants it: UTF-16BE with a terminating zero; null is the empty string. */
const bmp = (password: string | null): Buffer => (password === null ? Buffer.alloc(0) : Buffer.concat([Buffer.from(password, 'utf16le').swap16(), Buffer.alloc(2)]));

/**
 * The key-derivation work one bundle may ask for, summed over its MAC and encrypted parts (docs/limits.md). .NET's own
 * default limit is 600,000; the twin's is lower because this runs on the request path, synchronously (the PKCS#12
 * derivation hashes in a JavaScript loop): exporters use about 2,000 per part (Windows, .NET, OpenSSL 2,048).
 */
export const MAX_PKCS12_ITERATIONS = 50_000;

/** Counts the iterations one bundle has used. */
class Budget {
  used = 0;
  take(iterations: number): number {
    this.used += iterations;
    if (iterations < 1 || this.used > MAX_PKCS12_ITERATIONS) throw new Pkcs12Error(`the bundle asks for more than ${MAX_PKCS12_ITERATIONS} key-derivation iterations`);
    return iterations;
  }
}

/** Decrypts `data` with the AlgorithmIdentifier at `alg` (PBES2 or PKCS#12 3DES). */
function decrypt(buf: Buffer, alg: Tlv, data: Buffer, password: string | null, budget: Budget): Buffer {
  const [idT, paramsT] = children(buf, expect(alg, 0x30));
  const id = oid(buf, idT!);
  let cipher: string; let key: Buffer; let iv: Buffer;
  if (id === OID.pbes2) {
    const [kdf, enc] = children(buf, expect(paramsT, 0x30));
    const [kdfId, kdfParams] = children(buf, expect(kdf, 0x30));
    if (oid(buf, kdfId!) !== OID.pbkdf2) throw new Pkcs12Error('unsupported key derivation');
    const p = children(buf, expect(kdfParams, 0x30));
    const salt = bytes(buf, expect(p[0], 0x04));
    const iterations = budget.take(int(buf, p[1]!));
    let prf = 'sha1';
    for (const x of p.slice(2)) if (x.tag === 0x30) prf = HMAC_PRF[oid(buf, children(buf, x)[0]!)] ?? '';
    const [encId, encIv] = children(buf, expect(enc, 0x30));
    const c = CIPHERS[oid(buf, encId!)];
    if (!c || !prf) throw new Pkcs12Error('unsupported PBES2 cipher');
    [cipher] = c;
    key = pbkdf2Sync(Buffer.from(password ?? '', 'utf8'), salt, iterations, c[1], prf);
    iv = bytes(buf, expect(encIv, 0x04));
  } else if (id === OID.pbeSha3Des) {
    const [saltT, iterT] = children(buf, expect(paramsT, 0x30));
    const salt = bytes(buf, expect(saltT, 0x04));
    const iterations = budget.take(2 * int(buf, iterT!)) / 2;
    cipher = 'des-ede3-cbc';
    key = pkcs12Kdf('sha1', bmp(password), salt, iterations, 1, 24);
    iv = pkcs12Kdf('sha1', bmp(password), salt, iterations, 2, 8);
  } else {
    throw new Pkcs12Error(`the algorithm ${LEGACY_NAMES[id] ?? id} is not supported by the twin`);
  }
  try {
    const d = createDecipheriv(cipher, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new Pkcs12Error('The specified network password is not correct.');
  }
}

export interface Pkcs12Contents { certificates: Buffer[]; keys: KeyObject[] }

function verifyMac(buf: Buffer, macData: Tlv, content: Buffer, password: string | null, budget: Budget): void {
  const [digestInfo, saltT, iterT] = children(buf, expect(macData, 0x30));
  const [algT, macT] = children(buf, expect(digestInfo, 0x30));
  const hash = DIGESTS[oid(buf, children(buf, expect(algT, 0x30))[0]!)];
  if (!hash) throw new Pkcs12Error('unsupported MAC digest');
  const salt = bytes(buf, expect(saltT, 0x04));
  const iterations = iterT ? int(buf, iterT) : 1;
  const mac = bytes(buf, expect(macT, 0x04));
  // .NET tries a null password and the empty one alike when none is given (the two encodings of "no password")
  const candidates = password === null || password === '' ? ['', null] : [password];
  for (const p of candidates) {
    budget.take(iterations);
    const key = pkcs12Kdf(hash, bmp(p), salt, iterations, 3, createHash(hash).digest().length);
    const got = createHmac(hash, key).update(content).digest();
    if (got.length === mac.length && timingSafeEqual(got, mac)) return;
  }
  throw new Pkcs12Error('The specified network password is not correct.');
}

/** The certificates (DER) and private keys of a PFX; throws Pkcs12Error when it is not one, or the password is wrong. */
export function readPkcs12(pfx: Buffer, password: string | null): Pkcs12Contents {
  const top = read(pfx, 0);
  const [versionT, authSafe, macData] = children(pfx, expect(top, 0x30));
  if (int(pfx, versionT!) !== 3) throw new Pkcs12Error('not a PKCS#12 version 3 bundle');
  const [ctype, ctext] = children(pfx, expect(authSafe, 0x30));
  if (oid(pfx, ctype!) !== OID.data) throw new Pkcs12Error('public-key integrity mode is not supported');
  const content = octets(pfx, children(pfx, expect(ctext, 0xa0))[0]!);
  const budget = new Budget();
  if (macData) verifyMac(pfx, macData, content, password, budget);
  const usedPassword = password === null && macData ? '' : password;
  const out: Pkcs12Contents = { certificates: [], keys: [] };
  const safes = read(content, 0);
  for (const ci of children(content, expect(safes, 0x30))) {
    const [t, v] = children(content, expect(ci, 0x30));
    const kind = oid(content, t!);
    let bagsDer: Buffer;
    if (kind === OID.data) {
      bagsDer = octets(content, children(content, expect(v, 0xa0))[0]!);
    } else if (kind === OID.encryptedData) {
      const [, eci] = children(content, expect(children(content, expect(v, 0xa0))[0], 0x30));
      const [, algT, dataT] = children(content, expect(eci, 0x30));
      if (!dataT || (dataT.tag !== 0x80 && dataT.tag !== 0xa0)) throw new Pkcs12Error('no encrypted content');
      const enc = dataT.tag === 0x80 ? bytes(content, dataT) : Buffer.concat(children(content, dataT).map((c) => octets(content, c)));
      bagsDer = decrypt(content, algT!, enc, usedPassword, budget);
    } else {
      throw new Pkcs12Error('enveloped PKCS#12 content is not supported');
    }
    readBags(bagsDer, usedPassword, out, budget);
  }
  return out;
}

function readBags(der: Buffer, password: string | null, out: Pkcs12Contents, budget: Budget): void {
  for (const bag of children(der, expect(read(der, 0), 0x30))) {
    const [idT, valueT] = children(der, expect(bag, 0x30));
    const id = oid(der, idT!);
    const value = children(der, expect(valueT, 0xa0))[0]!;
    if (id === OID.certBag) {
      const [certType, certValue] = children(der, expect(value, 0x30));
      if (oid(der, certType!) === OID.x509Certificate) out.certificates.push(Buffer.from(octets(der, children(der, expect(certValue, 0xa0))[0]!)));
    } else if (id === OID.keyBag) {
      out.keys.push(createPrivateKey({ key: Buffer.from(der.subarray(value.from, value.end)), format: 'der', type: 'pkcs8' }));
    } else if (id === OID.shroudedKeyBag) {
      const [algT, dataT] = children(der, expect(value, 0x30));
      const plain = decrypt(der, algT!, bytes(der, expect(dataT, 0x04)), password, budget);
      out.keys.push(createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' }));
    }
  }
}

/** The signature algorithm OID of a DER X.509 certificate (Certificate.signatureAlgorithm), or '' when unreadable. */
export function certificateSignatureOid(der: Buffer): string {
  try {
    const [, alg] = children(der, expect(read(der, 0), 0x30));
    return oid(der, children(der, expect(alg, 0x30))[0]!);
  } catch {
    return '';
  }
}

/** The contents of the subjectPublicKey BIT STRING of a DER SubjectPublicKeyInfo (after its unused-bits byte). */
export function spkiKeyBits(spki: Buffer): Buffer {
  const [, bits] = children(spki, expect(read(spki, 0), 0x30));
  return Buffer.from(bytes(spki, expect(bits, 0x03)).subarray(1));
}
