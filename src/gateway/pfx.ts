import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readPkcs12 } from './expressions/pkcs12.js';
import { createSecureContext } from 'node:tls';
import { TwinError } from '../core/index.js';

/** A client certificate the gateway can present (a PKCS#12 bundle and what APIM shows of it). */
export interface ClientCertificate {
  id: string; thumbprint: string; subject: string; notAfter: string; pfx: Buffer; passphrase?: string;
  /** The certificate (DER), without its key: validate-client-certificate's `issuer-certificate-id` checks signatures with it. */
  der?: Buffer;
  /** A certificate entity uploaded without its key (a `.cer`): it can be matched against, never presented. */
  publicOnly?: boolean;
}

/**
 * A `certificates` entity: a PKCS#12 bundle with its password, or a bare certificate (base64 DER, as a `.cer` export
 * without PEM markers), which APIM accepts for validating client certificates (`publicOnly`; `pfx` then holds the DER).
 */
export function readCertificateEntity(data: Buffer, passphrase: string | undefined): ClientCertificate {
  try {
    return readPfx(data, passphrase);
  } catch (e) {
    if (passphrase !== undefined) throw e;
    let x: X509Certificate;
    try {
      x = new X509Certificate(data);
    } catch {
      throw e;
    }
    const thumbprint = x.fingerprint.replace(/:/g, '').toUpperCase();
    return { id: thumbprint, thumbprint, subject: x.subject.replace(/\n/g, ', '), notAfter: new Date(x.validTo).toISOString(), pfx: data, der: data, publicOnly: true };
  }
}

/**
 * Open a PKCS#12 (PFX) bundle with its password through Node's TLS stack (the same code that will present it), and
 * read its certificate: the thumbprint (SHA-1, upper-case hex without colons, as APIM shows it), subject, expiry.
 * A bundle that does not open (wrong password, not PKCS#12, no certificate) is ERR_APIM_CERTIFICATE.
 */
export function readPfx(pfx: Buffer, passphrase: string | undefined): ClientCertificate {
  let der: Buffer | null;
  try {
    const ctx = createSecureContext({ pfx, ...(passphrase !== undefined ? { passphrase } : {}) });
    // The certificate the context holds (Node keeps it to present it); read once, at deploy/compile time.
    der = (ctx.context as { getCertificate(): Buffer | null }).getCertificate();
  } catch (e) {
    throw new TwinError('ERR_APIM_CERTIFICATE', `The certificate does not open: ${(e as Error).message} (a PKCS#12/PFX bundle and its password are expected).`);
  }
  if (!der) throw new TwinError('ERR_APIM_CERTIFICATE', 'The PKCS#12/PFX bundle holds no certificate.');
  const x = new X509Certificate(der);
  const thumbprint = x.fingerprint.replace(/:/g, '').toUpperCase();
  return { id: thumbprint, thumbprint, subject: x.subject.replace(/\n/g, ', '), notAfter: new Date(x.validTo).toISOString(), pfx, der, ...(passphrase !== undefined ? { passphrase } : {}) };
}


const KEYS = new WeakMap<ClientCertificate, { publicKey: KeyObject; privateKey: KeyObject | null }>();

/**
 * The keys of a certificate entity, read once per entity: its certificate's public key, and the private key of the
 * PKCS#12 bundle that belongs to it (null for a bare certificate). validate-jwt / validate-azure-ad-token
 * `<key certificate-id>` use them: the public key checks signatures, the private key decrypts tokens.
 */
export function certificateKeys(cert: ClientCertificate): { publicKey: KeyObject; privateKey: KeyObject | null } {
  let keys = KEYS.get(cert);
  if (keys) return keys;
  const der = cert.der ?? cert.pfx;
  const x = new X509Certificate(der);
  let privateKey: KeyObject | null = null;
  if (!cert.publicOnly) {
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    const bundle = readPkcs12(cert.pfx, cert.passphrase ?? null);
    privateKey = bundle.keys.find((k) => createPublicKey(k).export({ type: 'spki', format: 'der' }).equals(spki)) ?? null;
  }
  keys = { publicKey: x.publicKey, privateKey };
  KEYS.set(cert, keys);
  return keys;
}
