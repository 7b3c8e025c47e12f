import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { certificateThumbprint, certificateDerBase64 } from '../../core/index.js';
import type { PemPair } from '../../core/index.js';
import { identityError } from '../errors.js';

/** One RSA JWK as Entra publishes it (no `alg` member; `issuer` only on the v2 keys endpoint). */
export interface Jwk {
  kty: 'RSA';
  use: 'sig';
  kid: string;
  x5t: string;
  n: string;
  e: string;
  x5c: string[];
  issuer?: string;
}

/** A token-signing key, loaded once: the private key is a ready KeyObject, the JWK is precomputed. */
export interface SigningKey {
  readonly pem: PemPair;
  /** `kid` = `x5t` = base64url(SHA-1(DER cert)). */
  readonly kid: string;
  readonly x5t: string;
  readonly privateKey: KeyObject;
  /** The public JWK (without `issuer`). */
  readonly jwk: Jwk;
}

/** Load a PEM cert + PKCS#8 key pair; checks that both are RSA and belong together. */
export function loadSigningKey(pem: PemPair): SigningKey {
  let cert: X509Certificate;
  let privateKey: KeyObject;
  try {
    cert = new X509Certificate(pem.cert);
    privateKey = createPrivateKey(pem.key);
  } catch (e) {
    throw identityError('ERR_IDENTITY_SIGNING_KEY_INVALID', 'The signing key or certificate is not valid PEM.', undefined, e);
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw identityError('ERR_IDENTITY_SIGNING_KEY_INVALID', 'The signing key must be an RSA key (RS256).');
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw identityError('ERR_IDENTITY_SIGNING_KEY_INVALID', 'The signing key does not match the signing certificate.');
  }
  const publicJwk = createPublicKey(pem.cert).export({ format: 'jwk' });
  const kid = certificateThumbprint(pem.cert);
  const jwk: Jwk = {
    kty: 'RSA',
    use: 'sig',
    kid,
    x5t: kid,
    n: String(publicJwk.n),
    e: String(publicJwk.e),
    x5c: [certificateDerBase64(pem.cert)],
  };
  return { pem: { cert: pem.cert, key: pem.key }, kid, x5t: kid, privateKey, jwk };
}
