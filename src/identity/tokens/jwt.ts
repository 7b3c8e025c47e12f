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

/** Encoded headers, by kid and x5t: two per signing key (the v1 and v2 shapes). */
const encodedHeaders = new Map<string, string>();

function encodedHeader(header: JwtHeader): string {
  if (header.typ !== 'JWT' || header.alg !== 'RS256' || Object.keys(header).length > 4) return b64url(header);
  const key = `${header.kid}|${header.x5t ?? ''}`;
  let h = encodedHeaders.get(key);
  if (h === undefined) {
    if (encodedHeaders.size >= 64) encodedHeaders.clear();
    encodedHeaders.set(key, (h = b64url(header)));
  }
  return h;
}

/** `base64url(header).base64url(payload)`, the part of a JWS that is signed. */
export function signingInput(header: JwtHeader, payload: Record<string, unknown>): string {
  return `${encodedHeader(header)}.${b64url(payload)}`;
}

/** RS256 compact JWS. ≈1 ms per call (PERFORMANCE.md G7): never on a hot path, callers cache. */
export function signJwt(header: JwtHeader, payload: Record<string, unknown>, privateKey: KeyObject): string {
  const input = signingInput(header, payload);
  const signature = sign('sha256', Buffer.from(input, 'ascii'), privateKey).toString('base64url');
  return `${input}.${signature}`;
}
