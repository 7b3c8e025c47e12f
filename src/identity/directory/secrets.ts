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

/**
 * The stored hash of the same secret under the same key id when there is one (so that applying the same directory
 * again, as every start does for the CLI principal, changes nothing and writes nothing), else a new salted hash.
 */
export function keepOrHashSecret(secret: string, keyId: string, stored: readonly HashedSecret[] | HashedSecret | undefined, options: { hint?: boolean } = {}): HashedSecret {
  const candidates = stored === undefined ? [] : Array.isArray(stored) ? stored : [stored as HashedSecret];
  const kept = candidates.find((c) => c.keyId === keyId && secretMatches(secret, c));
  return kept ?? hashSecret(secret, keyId, options);
}

/**
 * The last secret that matched each stored hash (process memory only, never persisted): a client that
 * presents the same secret again is checked by a constant-time comparison instead of a new HMAC, whose
 * set-up is a tenth of the token endpoint's main-thread time per token (bench/RESULTS.md, token issuance).
 */
const lastMatch = new WeakMap<HashedSecret, Buffer>();

/** Constant-time check of a presented secret against a stored hash. */
export function secretMatches(presented: string, stored: HashedSecret): boolean {
  const bytes = Buffer.from(presented, 'utf8');
  const known = lastMatch.get(stored);
  if (known !== undefined && known.length === bytes.length && timingSafeEqual(known, bytes)) return true;
  const want = Buffer.from(stored.hash, 'base64url');
  const got = createHmac('sha256', Buffer.from(stored.salt, 'base64url')).update(bytes).digest();
  const ok = want.length === got.length && timingSafeEqual(want, got);
  if (ok) lastMatch.set(stored, bytes);
  return ok;
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
