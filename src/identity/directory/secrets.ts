import { createHash, createHmac, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { CertificateCredential, HashedSecret } from '../../state/index.js';

/**
 * Client secrets and user passwords are kept as HMAC-SHA256(salt, secret): the state database never
 * holds them in clear, and a check costs one HMAC (the token endpoint verifies one per request).
 */
export function hashSecret(secret: string, keyId: string, options: { hint?: boolean } = {}): HashedSecret {
  const salt = randomBytes(16);
  return {
    keyId,
    // Graph shows the first three characters of a client secret; a short secret shows none.
    hint: options.hint === true && secret.length >= 12 ? secret.slice(0, 3) : '',
    salt: salt.toString('base64url'),
    hash: createHmac('sha256', salt).update(secret, 'utf8').digest('base64url'),
  };
}

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(presented: string, stored: HashedSecret): boolean {
  const want = Buffer.from(stored.hash, 'base64url');
  const got = createHmac('sha256', Buffer.from(stored.salt, 'base64url')).update(presented, 'utf8').digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** A certificate credential from a PEM certificate; throws on anything that is not one X.509 certificate. */
export function certificateCredential(pem: string, keyId: string): CertificateCredential {
  const cert = new X509Certificate(pem);
  return {
    keyId,
    certificate: cert.toString(),
    x5t: createHash('sha1').update(cert.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
  };
}
