import { webcrypto, createHash, createPrivateKey as createPrivateKeyFromPem, X509Certificate } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKey = any;
type X509Lib = typeof import('@peculiar/x509');

let lib: Promise<X509Lib> | undefined;
/**
 * @peculiar/x509 (and the reflect-metadata polyfill it needs) is loaded on first use only: it is the largest
 * module of the twin (about a third of `trustline up`'s start-up), and a start with a persisted state folder
 * generates no certificate at all (bench/RESULTS.md, start-up).
 */
function x509Lib(): Promise<X509Lib> {
  lib ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as AnyKey);
    return x509;
  })();
  return lib;
}

const RSA_ALG = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

export interface PemPair {
  /** PEM certificate. */
  cert: string;
  /** PKCS#8 PEM private key. */
  key: string;
}

async function exportKeyPem(key: AnyKey): Promise<string> {
  const x509 = await x509Lib();
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<AnyKey> {
  const x509 = await x509Lib();
  const der = x509.PemConverter.decode(pem)[0]!;
  return (await webcrypto.subtle.importKey('pkcs8', der, RSA_ALG, true, ['sign'])) as AnyKey;
}

function serial(): string {
  return createHash('sha256').update(String(Math.random()) + Date.now()).digest('hex').slice(0, 16).replace(/^[89a-f]/, '1');
}

/** A self-signed CA certificate for the local listeners. */
export async function createCertificateAuthority(commonName = 'Trustline Local CA', now = new Date()): Promise<PemPair> {
  const x509 = await x509Lib();
  const keys = await webcrypto.subtle.generateKey(RSA_ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 10 * 365 * 86400_000),
    keys: keys as AnyKey,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as AnyKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKeyPem(keys.privateKey as AnyKey) };
}

/** A server certificate signed by `ca`, valid for the given DNS names and IP addresses. */
export async function issueServerCertificate(
  ca: PemPair,
  names: { dns: string[]; ip?: string[] },
  now = new Date(),
): Promise<PemPair> {
  const x509 = await x509Lib();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKeyPem(ca.key);
  const keys = await webcrypto.subtle.generateKey(RSA_ALG, true, ['sign', 'verify']);
  const altNames = [
    ...names.dns.map((d) => ({ type: 'dns' as const, value: d })),
    ...(names.ip ?? []).map((ip) => ({ type: 'ip' as const, value: ip })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${names.dns[0] ?? 'localhost'}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 825 * 86400_000),
    signingKey: caKey,
    publicKey: keys.publicKey as AnyKey,
    signingAlgorithm: RSA_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKeyPem(keys.privateKey as AnyKey) };
}

/** A self-signed certificate for a token-signing key (Entra publishes x5c/x5t for its keys). */
export async function createSigningCertificate(commonName: string, now = new Date()): Promise<PemPair> {
  const x509 = await x509Lib();
  const keys = await webcrypto.subtle.generateKey(RSA_ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName}`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 5 * 365 * 86400_000),
    keys: keys as AnyKey,
    signingAlgorithm: RSA_ALG,
  });
  return { cert: cert.toString('pem'), key: await exportKeyPem(keys.privateKey as AnyKey) };
}

/** base64url(SHA-1(DER)) of a PEM certificate: Entra's `x5t` and `kid`. */
export function certificateThumbprint(pem: string): string {
  return createHash('sha1').update(new X509Certificate(pem).raw).digest('base64url');
}

/** base64 DER of a PEM certificate (one `x5c` entry). */
export function certificateDerBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/**
 * Can `server` be served again? It must be issued and signed by `ca`, cover every DNS name and IP address
 * asked for, and stay valid for `minDaysLeft` more days. Uses node:crypto only (no certificate library).
 */
export function serverCertificateStillGood(server: PemPair, ca: PemPair, names: { dns: string[]; ip?: string[] }, now = new Date(), minDaysLeft = 30): boolean {
  try {
    const cert = new X509Certificate(server.cert);
    const caCert = new X509Certificate(ca.cert);
    if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return false;
    if (!cert.checkPrivateKey(createPrivateKeyFromPem(server.key))) return false;
    if (new Date(cert.validFrom) > now || new Date(cert.validTo).getTime() < now.getTime() + minDaysLeft * 86400_000) return false;
    const san = (cert.subjectAltName ?? '').split(', ');
    return names.dns.every((d) => san.includes(`DNS:${d}`)) && (names.ip ?? []).every((ip) => san.some((e) => e.startsWith('IP Address:') && sameIp(e.slice(11), ip)));
  } catch {
    return false;
  }
}

function sameIp(a: string, b: string): boolean {
  const norm = (x: string) => (x.includes(':') ? x.replace(/(^|:)0+(?=[0-9a-f])/gi, '$1').toLowerCase().replace(/^0:0:0:0:0:0:0:1$/, '::1') : x);
  return norm(a) === norm(b);
}
