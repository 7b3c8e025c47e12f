import type { JwtHeader } from '../tokens/jwt.js';
import { signJwt } from '../tokens/jwt.js';
import type { SigningKey } from './signing-key.js';

/** The key that signs new tokens. */
export interface Signer {
  readonly kid: string;
  sign(header: JwtHeader, claims: Record<string, unknown>): string;
}

/**
 * The tenant's token-signing keys: the one that signs now, and every key published in JWKS (the
 * signing key, a next key published before it signs, and retired keys kept until their tokens expire).
 */
export interface KeyRing {
  current(): Signer;
  /** Keys published in JWKS, newest first. */
  published(): readonly SigningKey[];
  /** Called after the signing key or the published set changed. */
  onChange(listener: () => void): () => void;
}

/** A ring of one key (no rotation). */
export function singleKeyRing(key: SigningKey): KeyRing {
  const signer: Signer = { kid: key.kid, sign: (h, c) => signJwt(h, c, key.privateKey) };
  return { current: () => signer, published: () => [key], onChange: () => () => undefined };
}
