import { type KeyObject } from 'node:crypto';
import { nowSeconds, type Clock } from '../../core/index.js';
import type { EasyAuthCompatFlags } from '../compat-flags.js';
import type { AuthStep } from '../pipeline/trace.js';
import { decodeJwt, SUPPORTED_ALGS, verifyJwtSignature } from './jwt.js';
import { tenantIssuers, type IssuerInfo } from './issuer.js';
import type { OidcKeyStore } from './oidc-key-store.js';

export type Claims = Record<string, unknown>;

export type TokenResult =
  | { ok: true; claims: Claims; exp: number; nbf: number | undefined }
  | { ok: false; reason: string };

export interface TokenValidatorOptions {
  issuer: IssuerInfo;
  clientId: string;
  allowedAudiences: string[];
  keys: OidcKeyStore;
  clock: Clock;
  flags: EasyAuthCompatFlags;
  /** Called once per signature verification (tests count these to prove the cache works). */
  onVerify?: () => void;
}

/**
 * Bearer token validation (docs/behaviour/easyauth.md §4.2): alg + kid, RS256/PS256 signature against the issuer's
 * JWKS, issuer, audience, exp/nbf with skew. Steps are appended to `steps`. Config errors
 * (metadata unreachable) are thrown as TwinError; token problems return `{ok:false}`.
 */
export async function validateBearerToken(token: string, o: TokenValidatorOptions, steps: AuthStep[]): Promise<TokenResult> {
  const fail = (step: string, reason: string): TokenResult => {
    steps.push({ step, ok: false, reason });
    return { ok: false, reason };
  };
  const jwt = decodeJwt(token);
  if (typeof jwt === 'string') return fail('decode', jwt);
  const alg = jwt.header.alg;
  if (typeof alg !== 'string' || !SUPPORTED_ALGS.has(alg)) return fail('algorithm', `alg '${String(alg)}' is not accepted (RS256, PS256)`);
  const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : typeof jwt.header.x5t === 'string' ? jwt.header.x5t : undefined;
  if (!kid) return fail('key', 'token header has no kid or x5t');

  const metadata = await o.keys.metadata();
  const key: KeyObject | undefined = await o.keys.key(kid);
  if (!key) {
    const why = o.keys.lastRefreshError ? ` (the keys could not be refreshed: ${o.keys.lastRefreshError})` : '';
    return fail('key', `no signing key with kid '${kid}' in ${metadata.jwksUri}${why}`);
  }
  o.onVerify?.();
  if (!verifyJwtSignature(jwt, key)) return fail('signature', 'signature does not verify with the issuer key');
  steps.push({ step: 'signature', ok: true, reason: `${alg} signature verified (kid ${kid})` });

  const claims = jwt.payload;
  const iss = claims.iss;
  if (typeof iss !== 'string') return fail('issuer', 'token has no iss claim');
  const accepted = acceptedIssuers(o, metadata.issuer, claims);
  if (!accepted.includes(iss)) return fail('issuer', `iss '${iss}' is not accepted (expected ${accepted.join(' or ')})`);
  steps.push({ step: 'issuer', ok: true, reason: `iss '${iss}' accepted (${o.flags.issuerMode})` });

  const auds = Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : typeof claims.aud === 'string' ? [claims.aud] : [];
  const allowed = new Set([o.clientId, ...o.allowedAudiences]);
  if (o.flags.implicitApiUriAudience) allowed.add(`api://${o.clientId}`);
  const aud = auds.find((a) => allowed.has(a));
  if (aud === undefined) {
    return fail('audience', `aud '${auds.join(',')}' is neither the clientId nor in allowedAudiences [${o.allowedAudiences.join(', ')}]`);
  }
  steps.push({ step: 'audience', ok: true, reason: aud === o.clientId ? `aud is the clientId` : `aud '${aud}' is allowed` });

  const now = nowSeconds(o.clock);
  const skew = o.flags.clockSkewSeconds;
  const exp = numericDate(claims, 'exp');
  if (typeof exp === 'string') return fail('lifetime', exp);
  const nbf = numericDate(claims, 'nbf');
  if (typeof nbf === 'string') return fail('lifetime', nbf);
  const iat = numericDate(claims, 'iat');
  if (typeof iat === 'string') return fail('lifetime', iat);
  if (exp === undefined) return fail('lifetime', 'token has no exp claim');
  if (now > exp + skew) return fail('lifetime', `token expired at ${isoOf(exp)} (skew ${skew}s)`);
  if (nbf !== undefined && now < nbf - skew) return fail('lifetime', `token not valid before ${isoOf(nbf)} (skew ${skew}s)`);
  steps.push({ step: 'lifetime', ok: true, reason: `valid until ${isoOf(exp)}` });
  return { ok: true, claims, exp, nbf };
}

/**
 * Largest NumericDate accepted: 9999-12-31T23:59:59Z, the end of .NET's DateTime range (the module is
 * .NET); anything beyond, negative, non-finite (`1e400` parses as Infinity) or not a JSON number is refused.
 */
export const MAX_NUMERIC_DATE = 253_402_300_799;

/**
 * RFC 7519 §2 NumericDate: a JSON number of seconds. A string (`"nbf":"2099…"`), a boolean, an array or
 * an out-of-range value is not a date: the token is refused (401) with the reason, never skipped.
 * Returns the value, undefined when the claim is absent, or the refusal reason.
 */
export function numericDate(claims: Claims, name: 'exp' | 'nbf' | 'iat'): number | undefined | string {
  if (!Object.prototype.hasOwnProperty.call(claims, name)) return undefined;
  const v = claims[name];
  if (typeof v !== 'number') return `${name} claim is not a number (NumericDate) but ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}`;
  if (!Number.isFinite(v) || v < 0 || v > MAX_NUMERIC_DATE) return `${name} claim ${String(v)} is out of range (0 … ${MAX_NUMERIC_DATE})`;
  return v;
}

function isoOf(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString();
}

/** Lifetime re-check for a cached verification. */
export function lifetimeOk(exp: number, nbf: number | undefined, clock: Clock, skewSeconds: number): boolean {
  const now = nowSeconds(clock);
  return now <= exp + skewSeconds && (nbf === undefined || now >= nbf - skewSeconds);
}

function acceptedIssuers(o: TokenValidatorOptions, metadataIssuer: string, claims: Claims): string[] {
  const tid = typeof claims.tid === 'string' ? claims.tid : undefined;
  if (o.issuer.multiTenant) {
    // Multi-tenant metadata carries a `{tenantid}` template: shape-only validation (docs/behaviour/easyauth.md §4.2).
    if (!tid) return [metadataIssuer];
    const own = metadataIssuer.replace('{tenantid}', tid);
    return o.flags.issuerMode === 'exact' ? [own] : [own, ...tenantIssuers(tid)];
  }
  if (o.flags.issuerMode === 'exact') return [metadataIssuer];
  const set = new Set([metadataIssuer, ...tenantIssuers(o.issuer.tenant)]);
  // The metadata issuer names the tenant GUID even when the configured issuer used a domain.
  const m = /^https:\/\/(?:sts\.windows\.net|login\.microsoftonline\.com)\/([^/]+)\//i.exec(metadataIssuer);
  if (m?.[1]) for (const i of tenantIssuers(m[1])) set.add(i);
  return [...set];
}
