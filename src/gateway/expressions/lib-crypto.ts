/**
 * System.Security.Cryptography through node:crypto: HMAC, SHA and MD5, the APIM `Encrypt`/`Decrypt` extensions on byte[]
 * (CBC + PKCS7 by default), RNGCryptoServiceProvider, X509Certificate2 (DER, PEM, or PKCS#12 with its private key) and
 * RSA signatures (sign and verify).
 */
import {
  constants, createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, privateEncrypt, publicDecrypt, randomFillSync, sign as cryptoSign,
  verify as cryptoVerify, X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { DateTimeV } from './lib-datetime.js';
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { Pkcs12Error, readPkcs12 } from './pkcs12.js';
import { argumentNull, EnumValue, ExpressionRuntimeError, isHost, netError, requireBytes, requireString, type HostValue, type Value } from './values.js';

const cryptoError = (m: string) => netError('CryptographicException', m);

export class HashV implements HostValue {
  readonly $type: 'HMAC' | 'HashAlgorithm';
  constructor(readonly alg: 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'md5', public key: Uint8Array | null) {
    this.$type = key ? 'HMAC' : 'HashAlgorithm';
  }
  compute(data: Uint8Array): Uint8Array {
    const h = this.key ? createHmac(this.alg, this.key) : createHash(this.alg);
    return new Uint8Array(h.update(data).digest());
  }
  netString(): string { return `System.Security.Cryptography.${this.key ? 'HMAC' : ''}${this.alg.toUpperCase()}`; }
}

const HASH_SIZES = { sha1: 160, sha256: 256, sha384: 384, sha512: 512, md5: 128 };

const HASH_TABLE: TypeTable = {
  props: {
    HashSize: { type: 'Int32', get: (h) => HASH_SIZES[(h as HashV).alg] },
    Key: {
      type: 'Byte[]',
      get: (h) => (h as HashV).key ?? new Uint8Array(0),
      set: (h, v) => { (h as HashV).key = requireBytes(v, 'value'); },
    },
  },
  methods: {
    ComputeHash: {
      type: 'Byte[]',
      call: (h, [d, off, len]) => {
        const data = requireBytes(d, 'buffer');
        const part = typeof off === 'number' && typeof len === 'number' ? data.subarray(off, off + len) : data;
        return (h as HashV).compute(part);
      },
    },
    Dispose: { type: 'Void', call: () => null },
    Clear: { type: 'Void', call: () => null },
    Initialize: { type: 'Void', call: () => null },
  },
};

function hashStatics(alg: HashV['alg']): StaticTable {
  return {
    props: {},
    methods: {
      Create: { type: 'HashAlgorithm', call: () => new HashV(alg, null) },
      HashData: { type: 'Byte[]', call: (_t, [d]) => new HashV(alg, null).compute(requireBytes(d, 'source')) },
    },
    ctor: () => new HashV(alg, null),
    ctorType: 'HashAlgorithm',
  };
}

function hmacStatics(alg: HashV['alg']): StaticTable {
  return {
    props: {},
    methods: { HashData: { type: 'Byte[]', call: (_t, [k, d]) => new HashV(alg, requireBytes(k, 'key')).compute(requireBytes(d, 'source')) } },
    ctor: (args) => {
      if (args[0] === undefined) { const key = new Uint8Array(alg === 'sha384' || alg === 'sha512' ? 128 : 64); randomFillSync(key); return new HashV(alg, key); }
      return new HashV(alg, requireBytes(args[0], 'key'));
    },
    ctorType: 'HMAC',
  };
}

/** `bytes.Encrypt("Aes", key, iv)` / `Decrypt`: CBC with PKCS7 padding, as the APIM extension methods do. */
function symmetric(decrypt: boolean, input: Uint8Array, alg: Value | undefined, key: Value | undefined, iv: Value | undefined): Uint8Array {
  const name = isHost(alg ?? null) && (alg as HostValue).$type === 'SymmetricAlgorithm' ? (alg as SymmetricV).name : requireString(alg ?? null, 'alg');
  const k = isHost(alg ?? null) ? (alg as SymmetricV).key : requireBytes(key, 'key');
  const v = isHost(alg ?? null) ? (alg as SymmetricV).iv : requireBytes(iv, 'iv');
  let cipher: string;
  switch (name.toLowerCase()) {
    case 'aes': case 'rijndael': case 'aesmanaged': case 'aescryptoserviceprovider': case 'system.security.cryptography.aes':
      if (![16, 24, 32].includes(k.length)) throw cryptoError('Specified key is not a valid size for this algorithm.');
      if (v.length !== 16) throw cryptoError('Specified initialization vector (IV) does not match the block size for this algorithm.');
      cipher = `aes-${k.length * 8}-cbc`;
      break;
    case 'tripledes': case '3des':
      if (![16, 24].includes(k.length)) throw cryptoError('Specified key is not a valid size for this algorithm.');
      cipher = k.length === 16 ? 'des-ede-cbc' : 'des-ede3-cbc';
      break;
    default:
      throw netError('NotSupportedException', `The symmetric algorithm '${name}' is not supported by the twin (Aes, TripleDES).`);
  }
  try {
    const c = decrypt ? createDecipheriv(cipher, k, v) : createCipheriv(cipher, k, v);
    return new Uint8Array(Buffer.concat([c.update(input), c.final()]));
  } catch (e) {
    throw cryptoError(decrypt ? 'Padding is invalid and cannot be removed.' : `Encryption failed: ${(e as Error).message}`);
  }
}

/** A SymmetricAlgorithm built with `Aes.Create()` and configured through Key/IV. */
export class SymmetricV implements HostValue {
  readonly $type = 'SymmetricAlgorithm';
  key: Uint8Array = new Uint8Array(32);
  iv: Uint8Array = new Uint8Array(16);
  constructor(readonly name: string) { randomFillSync(this.key); randomFillSync(this.iv); }
}

const SYMMETRIC_TABLE: TypeTable = {
  props: {
    Key: { type: 'Byte[]', get: (a) => (a as SymmetricV).key, set: (a, v) => { (a as SymmetricV).key = requireBytes(v, 'value'); } },
    IV: { type: 'Byte[]', get: (a) => (a as SymmetricV).iv, set: (a, v) => { (a as SymmetricV).iv = requireBytes(v, 'value'); } },
    Mode: { type: 'CipherMode', get: () => new EnumValue('CipherMode', 1, CIPHER_MODES), set: (_a, v) => { if (!(v instanceof EnumValue) || v.name !== 'CBC') throw netError('NotSupportedException', 'Only CipherMode.CBC is supported by the twin.'); } },
    Padding: { type: 'PaddingMode', get: () => new EnumValue('PaddingMode', 2, PADDING_MODES), set: (_a, v) => { if (!(v instanceof EnumValue) || v.name !== 'PKCS7') throw netError('NotSupportedException', 'Only PaddingMode.PKCS7 is supported by the twin.'); } },
    KeySize: { type: 'Int32', get: (a) => (a as SymmetricV).key.length * 8 },
    BlockSize: { type: 'Int32', get: () => 128 },
  },
  methods: {
    GenerateKey: { type: 'Void', call: (a) => { randomFillSync((a as SymmetricV).key); return null; } },
    GenerateIV: { type: 'Void', call: (a) => { randomFillSync((a as SymmetricV).iv); return null; } },
    Dispose: { type: 'Void', call: () => null },
  },
};

const CIPHER_MODES = { CBC: 1, ECB: 2, OFB: 3, CFB: 4, CTS: 5 };
const PADDING_MODES = { None: 1, PKCS7: 2, Zeros: 3, ANSIX923: 4, ISO10126: 5 };

// ---- X509 / RSA -------------------------------------------------------------------------------------------------------

export class CertificateV implements HostValue {
  readonly $type = 'X509Certificate2';
  /** `privateKey`: the certificate's key when it came from a PFX that holds it. */
  constructor(readonly cert: X509Certificate, readonly privateKey: KeyObject | null = null) {}
  netString(): string { return `[Subject]\r\n  ${this.subject}\r\n`; }
  get subject(): string { return dn(this.cert.subject); }
}

/** Node prints distinguished names one RDN per line, most significant first; .NET prints them reversed, comma-joined. */
const dn = (s: string) => s.split('\n').filter(Boolean).reverse().join(', ');

/**
 * An RSA key. Its runtime type is RSACng, what `GetRSAPublicKey()`/`GetRSAPrivateKey()` return on APIM's Windows
 * gateways: `as RSACng` succeeds, and the members reachable through it are RSA's (RSACng only overrides them).
 */
export class RsaV implements HostValue {
  readonly $type = 'RSACng';
  constructor(readonly key: KeyObject) {}
  netString(): string { return 'System.Security.Cryptography.RSACng'; }
}

const HASH_NAMES = { MD5: 'md5', SHA1: 'sha1', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

function rsaVerify(rsa: RsaV, data: Uint8Array, sig: Uint8Array, hash: Value | undefined, padding: Value | undefined, prehashed: boolean): boolean {
  const alg = hash instanceof HashNameV ? hash.name : 'sha256';
  const pss = padding instanceof EnumValue && padding.name === 'Pss';
  const opts = { key: rsa.key, padding: pss ? 6 : 1, saltLength: pss ? -1 : undefined } as Parameters<typeof cryptoVerify>[2];
  if (prehashed) {
    if (pss) throw netError('NotSupportedException', 'VerifyHash with PSS padding is not supported by the twin (VerifyData is)');
    // a PKCS#1 v1.5 signature of a digest is the DigestInfo of that digest, block type 1: recover it and compare
    try {
      const em = publicDecrypt({ key: rsa.key, padding: constants.RSA_PKCS1_PADDING }, sig);
      return em.equals(Buffer.concat([digestInfoPrefix(alg), data]));
    } catch {
      return false;
    }
  }
  return cryptoVerify(alg, data, opts, sig);
}

function rsaSign(rsa: RsaV, data: Uint8Array, hash: Value | undefined, padding: Value | undefined, prehashed: boolean): Uint8Array {
  if (rsa.key.type !== 'private') throw cryptoError('Keyset does not exist');
  const alg = hash instanceof HashNameV ? hash.name : 'sha256';
  const pss = padding instanceof EnumValue && padding.name === 'Pss';
  // .NET's PSS salt is the hash length
  const opts = { key: rsa.key, padding: pss ? 6 : 1, saltLength: pss ? createHash(alg).digest().length : undefined } as Parameters<typeof cryptoSign>[2];
  if (prehashed) {
    if (pss) throw netError('NotSupportedException', 'SignHash with PSS padding is not supported by the twin (SignData is)');
    // PKCS#1 v1.5 over a given digest: the DigestInfo, padded with block type 1 (Node's sign() would hash it again)
    return new Uint8Array(privateEncrypt({ key: rsa.key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([digestInfoPrefix(alg), data])));
  }
  return new Uint8Array(cryptoSign(alg, data, opts));
}

function digestInfoPrefix(alg: string): Buffer {
  const prefixes: Record<string, string> = {
    sha256: '3031300d060960864801650304020105000420', sha384: '3041300d060960864801650304020205000430', sha512: '3051300d060960864801650304020305000440',
    sha1: '3021300906052b0e03021a05000414', md5: '3020300c06082a864886f70d020505000410',
  };
  return Buffer.from(prefixes[alg] ?? '', 'hex');
}

class HashNameV implements HostValue {
  readonly $type = 'HashAlgorithmName';
  constructor(readonly name: string) {}
  netString(): string { return this.name.toUpperCase(); }
}

const CERT_TABLE: TypeTable = {
  props: {
    Subject: { type: 'String', get: (c) => (c as CertificateV).subject },
    Issuer: { type: 'String', get: (c) => dn((c as CertificateV).cert.issuer) },
    Thumbprint: { type: 'String', get: (c) => (c as CertificateV).cert.fingerprint.replace(/:/g, '') },
    SerialNumber: { type: 'String', get: (c) => (c as CertificateV).cert.serialNumber.toUpperCase() },
    NotBefore: { type: 'DateTime', get: (c) => new DateTimeV(Date.parse((c as CertificateV).cert.validFrom), 'Local') },
    NotAfter: { type: 'DateTime', get: (c) => new DateTimeV(Date.parse((c as CertificateV).cert.validTo), 'Local') },
    RawData: { type: 'Byte[]', get: (c) => new Uint8Array((c as CertificateV).cert.raw) },
    HasPrivateKey: { type: 'Boolean', get: (c) => (c as CertificateV).privateKey !== null },
  },
  methods: {
    GetRSAPublicKey: { type: 'RSA', call: (c) => { const k = (c as CertificateV).cert.publicKey; return k.asymmetricKeyType === 'rsa' ? new RsaV(k) : null; } },
    GetRSAPrivateKey: { type: 'RSA', call: (c) => { const k = (c as CertificateV).privateKey; return k && k.asymmetricKeyType === 'rsa' ? new RsaV(k) : null; } },
    GetCertHash: { type: 'Byte[]', call: (c) => new Uint8Array(createHash('sha1').update((c as CertificateV).cert.raw).digest()) },
    Verify: { type: 'Boolean', call: (c) => { const x = (c as CertificateV).cert; const now = Date.now(); return Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo) && x.checkIssued(x); } },
    VerifyNoRevocation: { type: 'Boolean', call: (c) => { const x = (c as CertificateV).cert; const now = Date.now(); return Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo); } },
    GetCertHashString: { type: 'String', call: (c) => (c as CertificateV).cert.fingerprint.replace(/:/g, '') },
    GetNameInfo: { type: 'String', call: (c) => /CN=([^\n]*)/.exec((c as CertificateV).cert.subject)?.[1] ?? '' },
    ToString: { type: 'String', call: (c) => (c as CertificateV).netString() },
  },
};

const RSA_TABLE: TypeTable = {
  props: { KeySize: { type: 'Int32', get: (r) => (r as RsaV).key.asymmetricKeyDetails?.modulusLength ?? 0 } },
  methods: {
    VerifyData: { type: 'Boolean', call: (r, [d, s, h, p]) => rsaVerify(r as RsaV, requireBytes(d, 'data'), requireBytes(s, 'signature'), h, p, false) },
    VerifyHash: { type: 'Boolean', call: (r, [d, s, h, p]) => rsaVerify(r as RsaV, requireBytes(d, 'hash'), requireBytes(s, 'signature'), h, p, true) },
    SignData: { type: 'Byte[]', call: (r, [d, h, p]) => rsaSign(r as RsaV, requireBytes(d, 'data'), h, p, false) },
    SignHash: { type: 'Byte[]', call: (r, [d, h, p]) => rsaSign(r as RsaV, requireBytes(d, 'hash'), h, p, true) },
    Dispose: { type: 'Void', call: () => null },
  },
};

/**
 * `new X509Certificate2(rawData[, password])`: a DER or PEM certificate, or a PKCS#12 (PFX) bundle opened with the
 * password (null and "" both mean none); from a PFX the certificate that matches a private key in it, with that key.
 */
function loadCertificate(v: Value | undefined, password: Value | undefined): CertificateV {
  if (v === null || v === undefined) throw argumentNull('rawData');
  const data = typeof v === 'string' ? Buffer.from(v.replace(/-----[^-]+-----|\s/g, ''), 'base64') : Buffer.from(requireBytes(v, 'rawData'));
  try {
    return new CertificateV(new X509Certificate(data));
  } catch {
    // not a certificate: a PFX?
  }
  try {
    const pfx = readPkcs12(data, password === undefined || password === null ? null : requireString(password, 'password'));
    const certs = pfx.certificates.map((der) => new X509Certificate(der));
    const spki = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' });
    for (const key of pfx.keys) {
      const own = certs.find((c) => c.publicKey.export({ type: 'spki', format: 'der' }).equals(spki(key)));
      if (own) return new CertificateV(own, key);
    }
    if (certs[0]) return new CertificateV(certs[0]);
  } catch (e) {
    if (e instanceof ExpressionRuntimeError) throw e;
    if (e instanceof Pkcs12Error && /password|not supported|iterations/.test(e.message)) throw cryptoError(e.message);
  }
  throw cryptoError('Cannot find the requested object.');
}

export const CRYPTO_STATICS: Record<string, StaticTable> = {
  HMACSHA256: hmacStatics('sha256'), HMACSHA1: hmacStatics('sha1'), HMACSHA384: hmacStatics('sha384'), HMACSHA512: hmacStatics('sha512'), HMACMD5: hmacStatics('md5'),
  SHA256: hashStatics('sha256'), SHA1: hashStatics('sha1'), SHA384: hashStatics('sha384'), SHA512: hashStatics('sha512'), MD5: hashStatics('md5'),
  SHA256Managed: hashStatics('sha256'), SHA1Managed: hashStatics('sha1'), SHA384Managed: hashStatics('sha384'), SHA512Managed: hashStatics('sha512'),
  Aes: { props: {}, methods: { Create: { type: 'SymmetricAlgorithm', call: () => new SymmetricV('Aes') } } },
  RNGCryptoServiceProvider: { props: {}, methods: {}, ctor: () => ({ $type: 'RNG' }) as HostValue },
  X509Certificate2: { props: {}, methods: {}, ctor: (args) => loadCertificate(args[0], args[1]) },
  HashAlgorithmName: { props: Object.fromEntries(Object.entries(HASH_NAMES).map(([k, v]) => [k, { type: 'HashAlgorithmName', get: () => new HashNameV(v) }])), methods: {} },
  RSASignaturePadding: { props: { Pkcs1: { type: 'RSASignaturePadding', get: () => new EnumValue('RSASignaturePadding', 0, { Pkcs1: 0, Pss: 1 }) }, Pss: { type: 'RSASignaturePadding', get: () => new EnumValue('RSASignaturePadding', 1, { Pkcs1: 0, Pss: 1 }) } }, methods: {} },
  CipherMode: { props: Object.fromEntries(Object.entries(CIPHER_MODES).map(([k, v]) => [k, { type: 'CipherMode', get: () => new EnumValue('CipherMode', v, CIPHER_MODES) }])), methods: {} },
  PaddingMode: { props: Object.fromEntries(Object.entries(PADDING_MODES).map(([k, v]) => [k, { type: 'PaddingMode', get: () => new EnumValue('PaddingMode', v, PADDING_MODES) }])), methods: {} },
};

export const CRYPTO_TABLES: Record<string, TypeTable> = {
  HMAC: HASH_TABLE,
  HashAlgorithm: HASH_TABLE,
  SymmetricAlgorithm: SYMMETRIC_TABLE,
  X509Certificate2: CERT_TABLE,
  RSA: RSA_TABLE,
  RSACng: RSA_TABLE,
  RNG: { props: {}, methods: { GetBytes: { type: 'Void', call: (_r, [b]) => { randomFillSync(requireBytes(b, 'data')); return null; } }, Dispose: { type: 'Void', call: () => null } } },
};

/** The APIM extension methods on byte[]. */
export const BYTES_EXTENSIONS: TypeTable['methods'] = {
  Encrypt: { type: 'Byte[]', call: (b, [alg, key, iv], _ta, env: Env) => { const r = symmetric(false, requireBytes(b, 'input'), alg, key, iv); env.meter.collection(r.length); return r; } },
  Decrypt: { type: 'Byte[]', call: (b, [alg, key, iv], _ta, env: Env) => { const r = symmetric(true, requireBytes(b, 'input'), alg, key, iv); env.meter.collection(r.length); return r; } },
};

