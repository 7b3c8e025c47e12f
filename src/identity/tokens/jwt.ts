import { sign, type KeyObject } from 'node:crypto';

export interface JwtHeader {
  typ: 'JWT';
  alg: 'RS256';
  x5t?: string;
  kid: string;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** `base64url(header).base64url(payload)`, the part of a JWS that is signed. */
export function signingInput(header: JwtHeader, payload: Record<string, unknown>): string {
  return `${b64url(header)}.${b64url(payload)}`;
}

/** RS256 compact JWS. ≈1 ms per call (PERFORMANCE.md G7): never on a hot path, callers cache. */
export function signJwt(header: JwtHeader, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const input = signingInput(header, payload);
  const signature = sign('sha256', Buffer.from(input, 'ascii'), privateKey).toString('base64url');
  return `${input}.${signature}`;
}
