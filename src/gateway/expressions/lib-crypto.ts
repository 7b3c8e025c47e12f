/**
 * System.Security.Cryptography through node:crypto: HMAC, SHA and MD5, the APIM `Encrypt`/`Decrypt` extensions on byte[]
 * (CBC + PKCS7 by default), RNGCryptoServiceProvider, X509Certificate2 (DER, PEM, or PKCS#12 with its private key) and
 * RSA signatures (sign and verify).
 */
import {
  constants, createCipheriv, createDecipheriv, createHash, createHmac, createPublicKey, privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt,
  randomFillSync, sign as cryptoSign,
  verify as cryptoVerify, X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { DateTimeV } from './lib-datetime.js';
import type { Env, StaticTable, TypeTable } from './member-types.js';
import { certificateSignatureOid, Pkcs12Error, readPkcs12, spkiKeyBits } from './pkcs12.js';
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
  /**
   * `X509Certificate.ToString()`: subject, issuer, serial number, validity (local time — UTC on APIM — in the en-US
   * general format) and thumbprint, each under its bracketed title, as .NET writes them.
   */
  netString(): string {
    const c = this.cert;
    const part = (title: string, value: string) => `[${title}]\r\n  ${value}\r\n\r\n`;
    return part('Subject', this.subject) + part('Issuer', dn(c.issuer)) + part('Serial Number', c.serialNumber.toUpperCase())
      + part('Not Before', new DateTimeV(Date.parse(c.validFrom), 'Local').netString()) + part('Not After', new DateTimeV(Date.parse(c.validTo), 'Local').netString())
      + `[Thumbprint]\r\n  ${c.fingerprint.replace(/:/g, '')}\r\n`;
  }
  get subject(): string { return dn(this.cert.subject); }
}

/**
 * Node prints distinguished names one RDN per line, most significant first, escaping specials with `\`; .NET prints
 * them reversed, comma-joined, and double-quotes a value holding a special (`O="Contoso, Inc."`, `""` for a quote).
 */
const dn = (s: string) => s.split('\n').filter(Boolean).reverse().map(netRdn).join(', ');
function netRdn(line: string): string {
  const eq = line.indexOf('=');
  if (eq < 0) return line;
  const value = line.slice(eq + 1).replace(/\\(.)/g, '$1');
  return `${line.slice(0, eq)}=${/[,+=";<>#\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value}`;
}

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

/** `System.Security.Cryptography.Oid`: a value and its Windows friendly name. */
export class OidV implements HostValue {
  readonly $type = 'Oid';
  constructor(readonly value: string | null, readonly friendlyName: string | null) {}
  netString(): string { return 'System.Security.Cryptography.Oid'; }
}

/** Friendly names Windows gives the OIDs certificates carry (the CryptoAPI OID table). */
const OID_NAMES: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'RSA', '1.2.840.113549.1.1.5': 'sha1RSA', '1.2.840.113549.1.1.11': 'sha256RSA', '1.2.840.113549.1.1.12': 'sha384RSA',
  '1.2.840.113549.1.1.13': 'sha512RSA', '1.2.840.113549.1.1.10': 'RSASSA-PSS', '1.2.840.10045.2.1': 'ECC', '1.2.840.10045.4.3.2': 'sha256ECDSA',
  '1.2.840.10045.4.3.3': 'sha384ECDSA', '1.2.840.10045.4.3.4': 'sha512ECDSA', '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512', '1.2.840.113549.2.5': 'md5',
};
const oidOf = (value: string): OidV => new OidV(value, OID_NAMES[value] ?? null);
function newOid(args: Value[]): OidV {
  const [a, b] = args;
  if (a === undefined || a === null) return new OidV(null, null);
  const text = requireString(a, 'oid');
  if (b !== undefined) return new OidV(text, b === null ? null : requireString(b, 'friendlyName'));
  if (/^\d+(\.\d+)+$/.test(text)) return oidOf(text);
  const byName = Object.entries(OID_NAMES).find(([, n]) => n.toLowerCase() === text.toLowerCase());
  return byName ? new OidV(byName[0], byName[1]) : new OidV(null, text);
}
const OID_TABLE: TypeTable = {
  props: {
    Value: { type: 'String', get: (o) => (o as OidV).value },
    FriendlyName: { type: 'String', get: (o) => (o as OidV).friendlyName },
  },
  methods: {},
};

/** `X500DistinguishedName` (APIM allows its `Name` only): the distinguished name as .NET prints it. */
class DistinguishedNameV implements HostValue {
  readonly $type = 'X500DistinguishedName';
  constructor(readonly name: string) {}
  netString(): string { return 'System.Security.Cryptography.X509Certificates.X500DistinguishedName'; }
}

/** `X509Certificate2.PublicKey`: the key's algorithm OID and the key. */
class PublicKeyV implements HostValue {
  readonly $type = 'PublicKey';
  constructor(readonly key: KeyObject) {}
  netString(): string { return 'System.Security.Cryptography.X509Certificates.PublicKey'; }
}
const PUBLIC_KEY_TABLE: TypeTable = {
  props: {
    Oid: { type: 'Oid', get: (p) => oidOf((p as PublicKeyV).key.asymmetricKeyType === 'rsa' ? '1.2.840.113549.1.1.1' : '1.2.840.10045.2.1') },
    Key: { type: 'AsymmetricAlgorithm', get: (p) => ((p as PublicKeyV).key.asymmetricKeyType === 'rsa' ? new RsaV((p as PublicKeyV).key) : null) },
  },
  methods: {
    GetRSAPublicKey: { type: 'RSA', call: (p) => ((p as PublicKeyV).key.asymmetricKeyType === 'rsa' ? new RsaV((p as PublicKeyV).key) : null) },
  },
};

const NAME_TYPES = { SimpleName: 0, EmailName: 1, UpnName: 2, DnsName: 3, DnsFromAlternativeName: 4, UrlName: 5 };
const CONTENT_TYPES = { Unknown: 0, Cert: 1, SerializedCert: 2, Pfx: 3, Pkcs12: 3, SerializedStore: 4, Pkcs7: 5, Authenticode: 6 };

/** Node prints a name one `key=value` per line. */
const rdn = (name: string, key: string): string | undefined => name.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
const altNames = (c: X509Certificate, kind: string): string[] =>
  (c.subjectAltName ?? '').split(', ').filter((x) => x.startsWith(`${kind}:`)).map((x) => x.slice(kind.length + 1));

/** `GetNameInfo(X509NameType, forIssuer)` as Windows answers it ('' when the certificate has no such name). */
function nameInfo(c: X509Certificate, type: Value | undefined, forIssuer: boolean): string {
  const t = type instanceof EnumValue ? type.value : 0;
  const name = forIssuer ? c.issuer : c.subject;
  switch (t) {
    case 0: return rdn(name, 'CN') ?? rdn(name, 'OU') ?? rdn(name, 'O') ?? rdn(name, 'emailAddress') ?? '';
    case 1: return (forIssuer ? undefined : altNames(c, 'email')[0]) ?? rdn(name, 'emailAddress') ?? '';
    case 3: return (forIssuer ? undefined : altNames(c, 'DNS')[0]) ?? rdn(name, 'CN') ?? '';
    case 4: return forIssuer ? '' : altNames(c, 'DNS')[0] ?? '';
    case 5: return forIssuer ? '' : altNames(c, 'URI')[0] ?? '';
    default: return '';
  }
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
    SubjectName: { type: 'X500DistinguishedName', get: (c) => new DistinguishedNameV((c as CertificateV).subject) },
    IssuerName: { type: 'X500DistinguishedName', get: (c) => new DistinguishedNameV(dn((c as CertificateV).cert.issuer)) },
    FriendlyName: { type: 'String', get: () => '' },
    Version: { type: 'Int32', get: () => 3 },
    SignatureAlgorithm: { type: 'Oid', get: (c) => oidOf(certificateSignatureOid((c as CertificateV).cert.raw)) },
    PublicKey: { type: 'PublicKey', get: (c) => new PublicKeyV((c as CertificateV).cert.publicKey) },
  },
  methods: {
    GetRSAPublicKey: { type: 'RSA', call: (c) => { const k = (c as CertificateV).cert.publicKey; return k.asymmetricKeyType === 'rsa' ? new RsaV(k) : null; } },
    GetRSAPrivateKey: { type: 'RSA', call: (c) => { const k = (c as CertificateV).privateKey; return k && k.asymmetricKeyType === 'rsa' ? new RsaV(k) : null; } },
    GetCertHash: { type: 'Byte[]', call: (c) => new Uint8Array(createHash('sha1').update((c as CertificateV).cert.raw).digest()) },
    // On the gateway: a chain to the service's trusted roots (its CA certificates), as APIM's Windows store answers.
    Verify: { type: 'Boolean', call: (c, _a, _t, env) => { const x = (c as CertificateV).cert; if (env.ctx.verifyCertificate) return env.ctx.verifyCertificate(x, true); const now = env.ctx.clock.now(); return Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo) && x.checkIssued(x); } },
    VerifyNoRevocation: { type: 'Boolean', call: (c, _a, _t, env) => { const x = (c as CertificateV).cert; if (env.ctx.verifyCertificate) return env.ctx.verifyCertificate(x, false); const now = env.ctx.clock.now(); return Date.parse(x.validFrom) <= now && now <= Date.parse(x.validTo); } },
    GetCertHashString: { type: 'String', call: (c) => (c as CertificateV).cert.fingerprint.replace(/:/g, '') },
    GetNameInfo: { type: 'String', call: (c, [t, issuer]) => nameInfo((c as CertificateV).cert, t, issuer === true) },
    GetPublicKey: { type: 'Byte[]', call: (c) => new Uint8Array(spkiKeyBits((c as CertificateV).cert.publicKey.export({ type: 'spki', format: 'der' }))) },
    GetSerialNumber: { type: 'Byte[]', call: (c) => new Uint8Array(Buffer.from((c as CertificateV).cert.serialNumber.padStart(2, '0'), 'hex').reverse()) },
    Export: {
      type: 'Byte[]',
      call: (c, [t]) => {
        if (t instanceof EnumValue && t.value === 1) return new Uint8Array((c as CertificateV).cert.raw);
        throw cryptoError(t instanceof EnumValue && t.value === 3 ? 'Key not valid for use in specified state.' : 'Invalid content type.');
      },
    },
    ToString: { type: 'String', call: (c) => (c as CertificateV).netString() },
  },
};

const ENCRYPTION_PADDINGS: Record<string, [number, string | undefined]> = {
  Pkcs1: [constants.RSA_PKCS1_PADDING, undefined], OaepSHA1: [constants.RSA_PKCS1_OAEP_PADDING, 'sha1'],
  OaepSHA256: [constants.RSA_PKCS1_OAEP_PADDING, 'sha256'], OaepSHA384: [constants.RSA_PKCS1_OAEP_PADDING, 'sha384'],
  OaepSHA512: [constants.RSA_PKCS1_OAEP_PADDING, 'sha512'],
};
class EncryptionPaddingV implements HostValue {
  readonly $type = 'RSAEncryptionPadding';
  constructor(readonly name: string) {}
  netString(): string { return this.name === 'Pkcs1' ? 'Pkcs1' : `OAEP${this.name.slice(4)}`; }
}
function rsaCrypt(rsa: RsaV, data: Uint8Array, padding: Value | undefined, decrypt: boolean): Uint8Array {
  if (!(padding instanceof EncryptionPaddingV)) throw argumentNull('padding');
  const [pad, oaepHash] = ENCRYPTION_PADDINGS[padding.name]!;
  try {
    if (decrypt) {
      if (rsa.key.type !== 'private') throw cryptoError('Keyset does not exist');
      // Node refuses PKCS#1 v1.5 decryption (the Marvin timing attack, CVE-2023-46809); .NET still performs it
      if (!oaepHash) throw netError('NotSupportedException', 'RSA decryption with PKCS#1 v1.5 padding is not supported by the twin (use OAEP)');
      return new Uint8Array(privateDecrypt({ key: rsa.key, padding: pad, ...(oaepHash ? { oaepHash } : {}) }, data));
    }
    return new Uint8Array(publicEncrypt({ key: rsa.key, padding: pad, ...(oaepHash ? { oaepHash } : {}) }, data));
  } catch (e) {
    if (e instanceof ExpressionRuntimeError) throw e;
    throw cryptoError(decrypt ? 'The parameter is incorrect.' : 'The length of the data to encrypt is not valid for the size of the key.');
  }
}

const RSA_TABLE: TypeTable = {
  props: { KeySize: { type: 'Int32', get: (r) => (r as RsaV).key.asymmetricKeyDetails?.modulusLength ?? 0 } },
  methods: {
    VerifyData: { type: 'Boolean', call: (r, [d, s, h, p]) => rsaVerify(r as RsaV, requireBytes(d, 'data'), requireBytes(s, 'signature'), h, p, false) },
    VerifyHash: { type: 'Boolean', call: (r, [d, s, h, p]) => rsaVerify(r as RsaV, requireBytes(d, 'hash'), requireBytes(s, 'signature'), h, p, true) },
    SignData: { type: 'Byte[]', call: (r, [d, h, p]) => rsaSign(r as RsaV, requireBytes(d, 'data'), h, p, false) },
    SignHash: { type: 'Byte[]', call: (r, [d, h, p]) => rsaSign(r as RsaV, requireBytes(d, 'hash'), h, p, true) },
    Encrypt: { type: 'Byte[]', call: (r, [d, p]) => rsaCrypt(r as RsaV, requireBytes(d, 'data'), p, false) },
    Decrypt: { type: 'Byte[]', call: (r, [d, p]) => rsaCrypt(r as RsaV, requireBytes(d, 'data'), p, true) },
    Dispose: { type: 'Void', call: () => null },
  },
};

/**
 * `new X509Certificate2(rawData[, password])`: a DER or PEM certificate, or a PKCS#12 (PFX) bundle opened with the
 * password (null and "" both mean none); from a PFX the certificate that matches a private key in it, with that key.
 */
function requireCertificate(v: Value | undefined): CertificateV {
  if (v === null || v === undefined) throw argumentNull('certificate');
  if (!(v instanceof CertificateV)) throw netError('InvalidCastException', 'Unable to cast the argument to X509Certificate2.');
  return v;
}

/** A service certificate for `context.Deployment.Certificates` (a PKCS#12 bundle and its password). */
export function openBundle(pfx: Buffer, passphrase: string | undefined): CertificateV {
  return loadCertificate(new Uint8Array(pfx), passphrase ?? null);
}

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
  Oid: { props: {}, methods: { FromOidValue: { type: 'Oid', call: (_t, [v]) => oidOf(requireString(v ?? null, 'oidValue')) }, FromFriendlyName: { type: 'Oid', call: (_t, [n]) => newOid([requireString(n ?? null, 'friendlyName')]) } }, ctor: (args) => newOid(args) },
  X509NameType: { props: Object.fromEntries(Object.entries(NAME_TYPES).map(([k, v]) => [k, { type: 'X509NameType', get: () => new EnumValue('X509NameType', v, NAME_TYPES) }])), methods: {} },
  X509ContentType: { props: Object.fromEntries(Object.entries(CONTENT_TYPES).map(([k, v]) => [k, { type: 'X509ContentType', get: () => new EnumValue('X509ContentType', v, CONTENT_TYPES) }])), methods: {} },
  RSAEncryptionPadding: { props: Object.fromEntries(Object.keys(ENCRYPTION_PADDINGS).map((k) => [k, { type: 'RSAEncryptionPadding', get: () => new EncryptionPaddingV(k) }])), methods: {} },
  RSACertificateExtensions: {
    props: {},
    methods: {
      GetRSAPublicKey: { type: 'RSA', call: (_t, [c], ta, env) => CERT_TABLE.methods.GetRSAPublicKey!.call(requireCertificate(c), [], ta, env) },
      GetRSAPrivateKey: { type: 'RSA', call: (_t, [c], ta, env) => CERT_TABLE.methods.GetRSAPrivateKey!.call(requireCertificate(c), [], ta, env) },
    },
  },
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
  X509Certificate: CERT_TABLE,
  Oid: OID_TABLE,
  X500DistinguishedName: { props: { Name: { type: 'String', get: (n) => (n as DistinguishedNameV).name } }, methods: {} },
  PublicKey: PUBLIC_KEY_TABLE,
  RSAEncryptionPadding: { props: {}, methods: { ToString: { type: 'String', call: (p) => (p as EncryptionPaddingV).netString() } } },
  RNG: { props: {}, methods: { GetBytes: { type: 'Void', call: (_r, [b]) => { randomFillSync(requireBytes(b, 'data')); return null; } }, Dispose: { type: 'Void', call: () => null } } },
};

/** The APIM extension methods on byte[]. */
export const BYTES_EXTENSIONS: TypeTable['methods'] = {
  Encrypt: { type: 'Byte[]', call: (b, [alg, key, iv], _ta, env: Env) => { const r = symmetric(false, requireBytes(b, 'input'), alg, key, iv); env.meter.collection(r.length); return r; } },
  Decrypt: { type: 'Byte[]', call: (b, [alg, key, iv], _ta, env: Env) => { const r = symmetric(true, requireBytes(b, 'input'), alg, key, iv); env.meter.collection(r.length); return r; } },
};

