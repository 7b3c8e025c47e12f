import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, createHash, X509Certificate } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKey = any;
x509.cryptoProvider.set(webcrypto as AnyKey);

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
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKeyPem(pem: string): Promise<AnyKey> {
  const der = x509.PemConverter.decode(pem)[0]!;
  return (await webcrypto.subtle.importKey('pkcs8', der, RSA_ALG, true, ['sign'])) as AnyKey;
}

function serial(): string {
  return createHash('sha256').update(String(Math.random()) + Date.now()).digest('hex').slice(0, 16).replace(/^[89a-f]/, '1');
}

/** A self-signed CA certificate for the local listeners. */
export async function createCertificateAuthority(commonName = 'Trustline Local CA', now = new Date()): Promise<PemPair> {
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
